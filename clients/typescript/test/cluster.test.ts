// A 3-node cluster on loopback: NOT_LEADER names the leader; a client given
// every address finds the leader, and after the leader is SIGKILLed it finds
// the new one without losing an acknowledged redemption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, NotLeaderError, type ClusterStatus } from '../src/index.js';
import { freePort, startServer, withLogs, type Server } from './server.js';

async function waitForLeader(client: Client, timeoutMs: number, not?: bigint): Promise<ClusterStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = await client.clusterStatus();
      if (status.leader_id !== 0n && status.leader_id !== not && status.leader_addr !== '') return status;
    } catch {
      // A node still starting or just killed: ask again.
    }
    if (Date.now() > deadline) throw new Error('no leader elected in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('cluster: NOT_LEADER names the leader, and a leader change loses no acknowledged redemption', async () => {
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  const peers = ports.map((p, i) => `${i + 1}=127.0.0.1:${p}`).join(',');
  const servers: Server[] = [];
  const clients: Client[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      servers.push(await startServer(['--node-id', String(i + 1), '--peers', peers], { port: ports[i], name: `node${i + 1}` }));
    }
    await withLogs(servers, async () => {
      const addrs = servers.map((s) => s.addr);
      const probe = await Client.connect(addrs[0]!, { followLeader: false });
      clients.push(probe);
      const status = await waitForLeader(probe, 20000);
      const leaderAddr = status.leader_addr;
      const leaderIndex = addrs.indexOf(leaderAddr);
      assert.ok(leaderIndex >= 0, `leader ${leaderAddr} is one of ${addrs.join(', ')}`);

      // A follower, asked to write without following: NOT_LEADER naming the leader.
      const followerAddr = addrs[(leaderIndex + 1) % 3]!;
      const direct = await Client.connect(followerAddr, { followLeader: false });
      clients.push(direct);
      await assert.rejects(
        direct.createCoupon({ code: 'DIRECT', discount_type: 'FIXED', discount_value: 1n, currency: 'USD' }),
        (e) => e instanceof NotLeaderError && e.leader === leaderAddr,
      );

      // Given every address, starting at a follower: it follows to the leader.
      const client = await Client.connect([followerAddr, ...addrs.filter((a) => a !== followerAddr)], { requestTimeoutMs: 3000, failoverTimeoutMs: 20000 });
      clients.push(client);
      const created = await client.createCoupon({ code: 'FAILOVER', discount_type: 'FIXED', discount_value: 100n, currency: 'USD', security: { velocity_checks: false } });
      assert.equal(client.currentNode, leaderAddr);

      const acknowledged = new Map<string, bigint>();
      let next = 0;
      const total = 240;
      let killed = false;
      const worker = async () => {
        while (next < total) {
          const orderId = `fo-${next++}`;
          const reply = await client.redeem({ code: 'FAILOVER', order_id: orderId, order: { customer_id: `c-${orderId}`, amount: 1000n, currency: 'USD' } });
          acknowledged.set(orderId, reply.redemption.id);
          if (!killed && acknowledged.size >= 60) {
            killed = true;
            await servers[leaderIndex]!.kill();
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      assert.ok(killed);
      assert.equal(acknowledged.size, total, 'every redemption was acknowledged, retried across the leader change');
      assert.notEqual(client.currentNode, leaderAddr, 'the client moved to the new leader');

      // Read from the new leader: every acknowledged redemption is there, once.
      const after = await client.getCoupon(created.id);
      assert.equal(after.current_usage, BigInt(total));
      for (const [orderId, id] of acknowledged) {
        const r = await client.getRedemption({ code: 'FAILOVER', order_id: orderId });
        assert.equal(r.redemption.id, id, orderId);
        assert.equal(r.redemption.status, 'PROCESSED');
      }
      const newStatus = await client.clusterStatus();
      assert.notEqual(newStatus.leader_id, status.leader_id);
    });
  } finally {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.stop()));
  }
});
