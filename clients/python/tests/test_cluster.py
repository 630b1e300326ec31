"""A 3-node cluster on loopback: NOT_LEADER names the leader, the client finds
the leader from a list of addresses, and after the leader is SIGKILLed it finds
the new one and loses no acknowledged redemption (protocol.md section 14)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from couponsd import Client, ClientOptions, NodeRole, RedemptionRef, errors
from couponsd.connection import Connection
from helpers import eventually, order, percent_coupon, run
from servers import Server, free_port
import conftest


@pytest.fixture
def cluster(tmp_path: Path):  # type: ignore[no-untyped-def]
    nodes = [Server(tmp_path, f"node{i}", free_port()) for i in (1, 2, 3)]
    peers = ",".join(f"{i}={n.addr}" for i, n in enumerate(nodes, start=1))
    conftest._servers.extend(nodes)
    try:
        for i, node in enumerate(nodes, start=1):
            node.start("--node-id", str(i), "--peers", peers)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
            conftest._servers.remove(node)


async def agreed_leader(nodes: list[Server]) -> int:
    """The index of the node every running node agrees leads."""
    async def check() -> int | None:
        leader_ids = set()
        for node in nodes:
            if not node.running:
                continue
            try:
                connection = await Connection.open(node.addr)
                status = await connection.call(_status())
                await connection.close()
            except errors.CouponsdError:
                return None
            leader_ids.add(status.leader_id)
        if len(leader_ids) != 1 or 0 in leader_ids:
            return None
        (leader_id,) = leader_ids
        return leader_id - 1 if nodes[leader_id - 1].running else None
    return await eventually(check, 30, "a leader every node agrees on")


def _status():  # type: ignore[no-untyped-def]
    from couponsd.messages import ClusterStatusRequest
    return ClusterStatusRequest()


def test_leader_change_loses_no_acknowledged_redemption(cluster: list[Server]) -> None:
    addrs = [n.addr for n in cluster]

    async def scenario() -> None:
        leader = await agreed_leader(cluster)
        follower = cluster[(leader + 1) % 3]

        # A follower refuses a write with NOT_LEADER naming the leader.
        direct = await Client.connect(follower.addr, follow_leader=False)
        with pytest.raises(errors.NotLeaderError) as refused:
            await direct.create_coupon(percent_coupon("CLUSTER", 1000))
        assert refused.value.leader == cluster[leader].addr
        await direct.close()

        # Given every address (a follower first), the client finds the leader.
        client = await Client.connect([follower.addr] + [a for a in addrs if a != follower.addr],
                                      ClientOptions(failover_timeout_s=20.0, request_timeout_s=5.0))
        coupon = await client.create_coupon(percent_coupon("CLUSTER", 1000))
        assert client.target == cluster[leader].addr
        assert (await client.cluster_status()).role == NodeRole.LEADER

        acked: list[str] = []
        failed: list[str] = []
        killed = asyncio.Event()
        acked_after_kill = 0

        async def worker(w: int) -> None:
            nonlocal acked_after_kill
            n = 0
            while acked_after_kill < 40 and n < 2000:
                order_id = f"w{w}-{n}"
                n += 1
                try:
                    await client.redeem("CLUSTER", order_id, order(f"c{w}-{n}", 10_000))
                except errors.CouponsdError:
                    failed.append(order_id)
                    continue
                acked.append(order_id)
                if killed.is_set():
                    acked_after_kill += 1

        workers = [asyncio.ensure_future(worker(w)) for w in range(4)]
        await eventually(lambda: _done(len(acked) >= 40), 30, "40 redemptions before the kill")
        cluster[leader].kill9()
        killed.set()
        await asyncio.gather(*workers)
        assert acked_after_kill >= 40, f"only {acked_after_kill} redemptions after the leader died"
        assert client.target != cluster[leader].addr

        # Nothing acknowledged is lost: each acked order has its redemption.
        usage = (await client.get_coupon(coupon.id)).current_usage
        assert usage >= len(acked)
        assert usage <= len(acked) + len(failed)
        for order_id in acked:
            reply = await client.get_redemption(RedemptionRef.by_order("CLUSTER", order_id))
            assert reply.redemption.order_id == order_id
        await client.close()

    run(scenario(), timeout_s=100)


async def _done(flag: bool) -> bool | None:
    return True if flag else None
