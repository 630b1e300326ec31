"""Pipelining, bounds, timeouts, cancellation and bad input from the network."""

from __future__ import annotations

import asyncio
import struct

import pytest

from couponsd import Client, CouponSpec, errors
from couponsd.connection import Connection
from couponsd.frame import Frame, encode_frame
from couponsd.messages import Opcode
from couponsd.options import ClientOptions
from fake_server import FakeServer, pong
from helpers import order, percent_coupon, run, unique_code
from servers import Server


def test_pipelined_replies_are_matched_by_request_id(server: Server) -> None:
    async def scenario() -> None:
        async with await Client.connect(server.addr, pool_size=1) as client:
            code = unique_code("PIPE")
            await client.create_coupon(percent_coupon(code, 1000))
            amounts = list(range(1000, 6000, 10))  # whole cents of discount: no rounding
            validations = await asyncio.gather(*(client.validate(code, order("c", a)) for a in amounts))
            assert [v.discount_amount for v in validations] == [a // 10 for a in amounts]
            assert len(client._pools[server.addr]._connections) == 1
    run(scenario())


def test_in_flight_is_bounded_by_the_servers_max_in_flight(start_server) -> None:  # type: ignore[no-untyped-def]
    server = start_server("--max-in-flight", "4")

    async def scenario() -> None:
        connection = await Connection.open(server.addr)
        assert connection.hello.max_in_flight == 4
        peak = 0

        async def one(i: int) -> int:
            nonlocal peak
            task = asyncio.ensure_future(connection.call(_ping()))
            await asyncio.sleep(0)
            peak = max(peak, connection.in_flight)
            return (await task).server_time_ms
        times = await asyncio.gather(*(one(i) for i in range(200)))
        assert all(t > 0 for t in times)
        assert 1 <= peak <= 4
        await connection.close()
    run(scenario())


def _ping():  # type: ignore[no-untyped-def]
    from couponsd.messages import PingRequest
    return PingRequest()


def test_a_request_over_the_frame_limit_is_not_sent() -> None:
    async def ignore(frame: Frame, writer: asyncio.StreamWriter) -> None:
        writer.write(pong(frame))

    async def scenario() -> None:
        async with FakeServer(ignore, max_frame_length=200) as fake:
            async with await Client.connect(fake.addr) as client:
                with pytest.raises(errors.RequestTooLarge) as refused:
                    await client.create_coupon(CouponSpec(code="X", description="d" * 300))
                assert refused.value.code == 4 and refused.value.max_length == 200
                assert fake.frames_seen == 0
                assert await client.ping() == 42
    run(scenario())


def test_timeout_and_cancellation_leave_the_connection_usable() -> None:
    async def only_pings(frame: Frame, writer: asyncio.StreamWriter) -> None:
        if frame.opcode == Opcode.PING:
            writer.write(pong(frame))  # SERVER_INFO is never answered

    async def scenario() -> None:
        async with FakeServer(only_pings) as fake:
            async with await Client.connect(fake.addr, request_timeout_s=0.3) as client:
                with pytest.raises(errors.RequestTimeout):
                    await client.server_info()
                task = asyncio.ensure_future(client.server_info())
                await asyncio.sleep(0.05)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                connection = await client._pools[fake.addr].get()
                assert connection.in_flight == 0
                assert await client.ping() == 42
    run(scenario())


@pytest.mark.parametrize("damage", ["checksum", "length", "truncated_body", "close", "requestless_error"])
def test_bad_input_from_the_network_gives_a_typed_error(damage: str) -> None:
    async def broken(frame: Frame, writer: asyncio.StreamWriter) -> None:
        if frame.opcode == Opcode.PING:
            writer.write(pong(frame))
            return
        if damage == "checksum":
            reply = bytearray(encode_frame(frame.request_id, frame.opcode, 0, b"\x00" * 40))
            reply[-1] ^= 0xFF
            writer.write(bytes(reply))
        elif damage == "length":
            writer.write(struct.pack(">I", (1 << 20) + 1) + b"\x00" * 12)
        elif damage == "truncated_body":
            writer.write(encode_frame(frame.request_id, frame.opcode, 0, b"\x00\x05ab"))
        elif damage == "close":
            writer.close()
        elif damage == "requestless_error":
            writer.write(encode_frame(0, 0, 7, b"\x00\x14too many connections\x00\x00"))
            writer.close()

    expected = {"checksum": errors.ProtocolError, "length": errors.ProtocolError,
                "truncated_body": errors.DecodeError, "close": errors.Disconnected,
                "requestless_error": errors.BusyError}[damage]

    async def scenario() -> None:
        async with FakeServer(broken) as fake:
            async with await Client.connect(fake.addr, request_timeout_s=5) as client:
                with pytest.raises(expected):
                    await client.server_info()
                if damage == "truncated_body":
                    assert await client.ping() == 42  # a bad body does not break the stream
    run(scenario(), timeout_s=10)


def test_a_write_is_not_retried_after_an_unknown_outcome_but_a_read_is() -> None:
    seen: dict[int, int] = {}

    async def drop_first(frame: Frame, writer: asyncio.StreamWriter) -> None:
        seen[frame.opcode] = seen.get(frame.opcode, 0) + 1
        if seen[frame.opcode] == 1:
            writer.close()  # the outcome is unknown to the client
        elif frame.opcode == Opcode.PING:
            writer.write(pong(frame))

    async def scenario() -> None:
        async with FakeServer(drop_first) as fake:
            options = ClientOptions(failover_timeout_s=2.0)
            async with await Client.connect(fake.addr, options) as client:
                assert await client.ping() == 42  # idempotent: retried on a new connection
                with pytest.raises(errors.Disconnected):
                    await client.create_coupon(CouponSpec(code="ONCE", discount_value=1))
                assert seen[Opcode.COUPON_CREATE] == 1
    run(scenario())


def test_busy_before_hello_is_retried_within_the_connect_timeout(server: Server) -> None:
    """The server answers BUSY past 32 connections awaiting HELLO from one
    address; opening 48 at once still succeeds."""
    async def scenario() -> None:
        host, port = server.addr.split(":")
        options = ClientOptions()
        attempts = await asyncio.gather(*(Connection._open(server.addr, host, int(port), options)
                                          for _ in range(48)), return_exceptions=True)
        assert any(isinstance(a, errors.BusyError) for a in attempts), "the server never said BUSY"
        for a in attempts:
            if isinstance(a, Connection):
                await a.close()
        connections = await asyncio.gather(*(Connection.open(server.addr) for _ in range(48)))
        assert all(not c.closed for c in connections)
        for c in connections:
            await c.close()
    run(scenario())


def test_server_side_framing_and_handshake_errors_are_typed(server: Server) -> None:
    from couponsd.connection import _read_frame, decode_reply, split_addr
    from couponsd.frame import MAX_FRAME_LENGTH
    from couponsd.messages import HelloRequest

    async def scenario() -> None:
        # A frame over the maximum: FRAME_TOO_LARGE with request id 0, then close.
        connection = await Connection.open(server.addr)
        connection._writer.write(struct.pack(">I", MAX_FRAME_LENGTH + 1))
        with pytest.raises(errors.FrameTooLargeError):
            await connection.call(_ping())
        assert connection.closed
        await connection.close()
        # A HELLO for another protocol version: UNSUPPORTED_VERSION.
        host, port = split_addr(server.addr)
        reader, writer = await asyncio.open_connection(host, port)
        hello = HelloRequest(version=2, client_name="future")
        writer.write(encode_frame(1, Opcode.HELLO, 0, hello.encode_body()))
        with pytest.raises(errors.UnsupportedVersionError):
            decode_reply(hello, await _read_frame(reader, MAX_FRAME_LENGTH))
        writer.close()
    run(scenario())
