// A fake server that misbehaves: every bad input gives a typed error, never
// a crash or a hang; timeouts and cancellation end calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import {
  AbortedError,
  Client,
  DisconnectedError,
  encodeBody,
  encodeFrame,
  FrameDecoder,
  Opcode,
  ProtocolError,
  REPLIES,
  ServerError,
  TimeoutError,
  UnsupportedVersionError,
  type Frame,
} from '../src/index.js';

type Behaviour = (frame: Frame, socket: net.Socket) => void;

const helloReply = (maxInFlight = 4) =>
  encodeBody(REPLIES.HELLO, { version: 1, server_version: 'fake', role: 'LEADER', max_frame_length: 1 << 20, max_in_flight: maxInFlight });

/** A server that answers HELLO properly, then hands every frame to `behave`. */
async function fakeServer(behave: Behaviour, maxInFlight = 4): Promise<{ addr: string; close(): void; seen: Frame[] }> {
  const seen: Frame[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder();
    socket.on('error', () => {});
    socket.on('data', (data) => {
      for (const frame of decoder.push(data)) {
        if (frame.opcode === Opcode.HELLO) socket.write(encodeFrame(frame.request_id, Opcode.HELLO, 0, helloReply(maxInFlight)));
        else {
          seen.push(frame);
          behave(frame, socket);
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    addr: `127.0.0.1:${port}`,
    seen,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const pongBody = () => encodeBody(REPLIES.PING, { server_time_ms: 42n });

test('a reply with a bad checksum fails the calls with ProtocolError', async () => {
  const fake = await fakeServer((f, s) => {
    const frame = encodeFrame(f.request_id, f.opcode, 0, pongBody());
    frame[frame.length - 1]! ^= 0xff;
    s.write(frame);
  });
  const client = await Client.connect(fake.addr, { requestTimeoutMs: 2000 });
  await assert.rejects(client.ping(), ProtocolError);
  client.close();
  fake.close();
});

test('a frame length over the maximum fails with ProtocolError without waiting for its bytes', async () => {
  const fake = await fakeServer((_f, s) => s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff])));
  const client = await Client.connect(fake.addr, { requestTimeoutMs: 2000 });
  await assert.rejects(client.ping(), /over the maximum/);
  client.close();
  fake.close();
});

test('a truncated OK body is a ProtocolError; the connection goes on', async () => {
  let n = 0;
  const fake = await fakeServer((f, s) => {
    const body = n++ === 0 ? pongBody().subarray(0, 3) : pongBody();
    s.write(encodeFrame(f.request_id, f.opcode, 0, body));
  });
  const client = await Client.connect(fake.addr);
  await assert.rejects(client.ping(), (e) => e instanceof ProtocolError && /server_time_ms/.test(e.message));
  assert.equal(await client.ping(), 42n);
  client.close();
  fake.close();
});

test('trailing bytes after a reply are ignored', async () => {
  const fake = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, f.opcode, 0, Buffer.concat([pongBody(), Buffer.from('future')]))));
  const client = await Client.connect(fake.addr);
  assert.equal(await client.ping(), 42n);
  client.close();
  fake.close();
});

test('an unknown status is a generic ServerError with the message', async () => {
  const fake = await fakeServer((f, s) => {
    const body = Buffer.concat([Buffer.from([0, 5]), Buffer.from('later'), Buffer.from([0, 0])]);
    s.write(encodeFrame(f.request_id, f.opcode, 999, body));
  });
  const client = await Client.connect(fake.addr);
  await assert.rejects(client.ping(), (e) => e instanceof ServerError && e.code === 999 && e.codeName === 'UNKNOWN_999' && e.serverMessage === 'later');
  client.close();
  fake.close();
});

test('a server that never answers: TimeoutError; an AbortSignal: AbortedError', async () => {
  const fake = await fakeServer(() => {});
  const client = await Client.connect(fake.addr, { requestTimeoutMs: 150 });
  const started = Date.now();
  await assert.rejects(client.serverInfo(), TimeoutError);
  assert.ok(Date.now() - started < 5000);
  const controller = new AbortController();
  const call = client.serverInfo({ signal: controller.signal, timeoutMs: 60000 });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(call, AbortedError);
  await assert.rejects(client.serverInfo({ signal: AbortSignal.abort() }), AbortedError);
  client.close();
  fake.close();
});

test('a server that closes mid-call: DisconnectedError', async () => {
  const fake = await fakeServer((_f, s) => s.destroy());
  const client = await Client.connect(fake.addr);
  // CREATE is not idempotent: never retried, so the loss shows.
  await assert.rejects(client.createCoupon({ code: 'X', discount_type: 'PERCENTAGE', discount_value: 1n }), DisconnectedError);
  client.close();
  fake.close();
});

test('pipelining: requests in flight together never pass the server max_in_flight, replies matched out of order', async () => {
  const held: Frame[] = [];
  let peak = 0;
  let fakeRef: { seen: Frame[] } | undefined;
  const fake = await fakeServer((f, s) => {
    held.push(f);
    peak = Math.max(peak, held.length);
    if (held.length === 3) {
      // Answer in reverse order, each with its own time.
      for (const h of held.splice(0).reverse()) s.write(encodeFrame(h.request_id, h.opcode, 0, encodeBody(REPLIES.PING, { server_time_ms: BigInt(h.request_id) })));
    }
  }, 3);
  fakeRef = fake;
  const client = await Client.connect(fake.addr, { poolSize: 1 });
  const replies = await Promise.all(Array.from({ length: 9 }, () => client.ping()));
  assert.equal(peak, 3);
  assert.equal(new Set(replies).size, 9);
  // Each reply is its own request's (ids were echoed as times).
  const ids = fakeRef.seen.map((f) => BigInt(f.request_id)).sort();
  assert.deepEqual([...replies].sort(), ids);
  client.close();
  fake.close();
});

test('a request-less error (id 0, opcode 0) fails the connection with its typed code', async () => {
  const fake = await fakeServer((_f, s) => {
    const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('busy'), Buffer.from([0, 0])]);
    s.write(encodeFrame(0, 0, 7, body));
  });
  const client = await Client.connect(fake.addr);
  await assert.rejects(client.createCoupon({ code: 'X', discount_type: 'FIXED', discount_value: 1n }), (e) => e instanceof ServerError && e.codeName === 'BUSY');
  client.close();
  fake.close();
});

test('a call waiting for an in-flight slot can be aborted, and fails when the connection does', async () => {
  let socketRef: net.Socket | undefined;
  const fake = await fakeServer((_f, s) => {
    socketRef = s;
  }, 1);
  const client = await Client.connect(fake.addr, { poolSize: 1, requestTimeoutMs: 60000 });
  const first = client.serverInfo();
  const controller = new AbortController();
  const second = client.serverInfo({ signal: controller.signal });
  const third = client.serverInfo();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fake.seen.length, 1, 'only one request in flight at a time');
  controller.abort();
  await assert.rejects(second, AbortedError);
  socketRef!.destroy();
  await assert.rejects(first, DisconnectedError);
  await assert.rejects(third, DisconnectedError);
  client.close();
  fake.close();
});

const errorBody = (message: string, leader = '') => encodeBody({ kind: 'struct', name: 'ErrorBody', fields: { message: 'str', leader: 'str' } }, { message, leader });
const redemptionBody = () =>
  encodeBody(REPLIES.REDEEM, {
    redemption: { id: 9n, coupon_id: 1n, code: 'X', status: 'PROCESSED', currency: 'USD', security: {}, identifiers: {} },
    remaining_uses: null,
    replayed: false,
  });
const redeemArgs = { code: 'X', order_id: 'o-1', order: { customer_id: 'c', amount: 100n, currency: 'USD' } };

test('NOT_LEADER naming the leader is followed there, even with one address', async () => {
  const leader = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, f.opcode, 0, redemptionBody())));
  const follower = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, f.opcode, 10, errorBody('not the leader', leader.addr))));
  const client = await Client.connect(follower.addr);
  const reply = await client.redeem(redeemArgs);
  assert.equal(reply.redemption.id, 9n);
  assert.equal(client.currentNode, leader.addr);
  assert.equal(follower.seen.length, 1);
  assert.equal(leader.seen.length, 1);
  client.close();
  leader.close();
  follower.close();
});

test('after a lost reply only idempotent requests are retried on another node', async () => {
  const good = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, f.opcode, 0, f.opcode === Opcode.REDEEM ? redemptionBody() : pongBody())));
  const dropping = await fakeServer((_f, s) => s.destroy());
  const client = await Client.connect([dropping.addr, good.addr], { failoverTimeoutMs: 5000 });
  assert.equal(client.currentNode, dropping.addr);
  // A create is not safe to repeat: its loss shows, and nothing is sent elsewhere.
  await assert.rejects(client.createCoupon({ code: 'X', discount_type: 'FIXED', discount_value: 1n }), DisconnectedError);
  assert.equal(good.seen.length, 0);
  // A redeem is idempotent per order: retried on the other node.
  const reply = await client.redeem(redeemArgs);
  assert.equal(reply.redemption.id, 9n);
  assert.equal(good.seen.length, 1);
  client.close();
  good.close();
  dropping.close();
});

test('SHUTTING_DOWN and NOT_COMMITTED (outcome unknown): only idempotent requests are retried', async () => {
  const good = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, f.opcode, 0, redemptionBody())));
  let status = 9; // SHUTTING_DOWN, then NOT_COMMITTED
  const stopping = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, f.opcode, status, errorBody('stopping'))));
  for (const code of [9, 12]) {
    status = code;
    const client = await Client.connect([stopping.addr, good.addr], { failoverTimeoutMs: 5000 });
    const before = good.seen.length;
    await assert.rejects(client.createCoupon({ code: 'X', discount_type: 'FIXED', discount_value: 1n }), (e) => e instanceof ServerError && e.code === code);
    assert.equal(good.seen.length, before, 'the create was not repeated');
    assert.equal((await client.redeem(redeemArgs)).redemption.id, 9n);
    assert.equal(good.seen.length, before + 1);
    client.close();
  }
  good.close();
  stopping.close();
});

test('a reply carrying another opcode is a ProtocolError', async () => {
  const fake = await fakeServer((f, s) => s.write(encodeFrame(f.request_id, Opcode.SERVER_INFO, 0, pongBody())));
  const client = await Client.connect(fake.addr);
  await assert.rejects(client.ping(), (e) => e instanceof ProtocolError && /opcode/.test(e.message));
  client.close();
  fake.close();
});

/** A server whose handshake goes wrong in the way `answer` says. */
async function badHandshake(answer: (socket: net.Socket, helloId: number) => void): Promise<{ addr: string; close(): void }> {
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => {});
    socket.on('data', (d) => {
      for (const f of decoder.push(d)) answer(socket, f.request_id);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { addr: `127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}

test('handshake failures: typed refusal, close, garbage, silence', async () => {
  const refused = await badHandshake((s, id) => s.end(encodeFrame(id, Opcode.HELLO, 3, errorBody('version 1 only'))));
  await assert.rejects(Client.connect(refused.addr), (e) => e instanceof UnsupportedVersionError && e.serverMessage === 'version 1 only');
  refused.close();
  const closing = await badHandshake((s) => s.destroy());
  await assert.rejects(Client.connect(closing.addr), DisconnectedError);
  closing.close();
  const garbage = await badHandshake((s) => s.write(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')));
  await assert.rejects(Client.connect(garbage.addr), ProtocolError);
  garbage.close();
  const silent = await badHandshake(() => {});
  await assert.rejects(Client.connect(silent.addr, { connectTimeoutMs: 200 }), TimeoutError);
  silent.close();
  const truncated = await badHandshake((s, id) => s.write(encodeFrame(id, Opcode.HELLO, 0, helloReply().subarray(0, 5))));
  await assert.rejects(Client.connect(truncated.addr), ProtocolError);
  truncated.close();
});
