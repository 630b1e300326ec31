"""A scripted server for what a real couponsd will not do on demand: replies
that never come, broken frames, truncated bodies, a closed socket."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from couponsd.frame import Frame, encode_frame, frame_length, parse_frame
from couponsd.schema import encode
from couponsd.server import HelloReply, Pong
from couponsd.enums import NodeRole

#: Given the request frame and the writer, answer (or not).
Handler = Callable[[Frame, asyncio.StreamWriter], Awaitable[None]]


def hello_reply(max_frame_length: int = 1 << 20, max_in_flight: int = 256) -> bytes:
    return encode(HelloReply, HelloReply(version=1, server_version="fake", role=NodeRole.LEADER,
                                         max_frame_length=max_frame_length, max_in_flight=max_in_flight))


def pong(frame: Frame) -> bytes:
    return encode_frame(frame.request_id, frame.opcode, 0, encode(Pong, Pong(server_time_ms=42)))


class FakeServer:
    """Answers HELLO, then passes every frame to ``handler``."""

    def __init__(self, handler: Handler, max_frame_length: int = 1 << 20, max_in_flight: int = 256) -> None:
        self.handler = handler
        self.hello = hello_reply(max_frame_length, max_in_flight)
        self.addr = ""
        self.frames_seen = 0
        self._server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> "FakeServer":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.addr = f"127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            first = parse_frame(await reader.readexactly(frame_length(await reader.readexactly(4), 1 << 20)))
            writer.write(encode_frame(first.request_id, first.opcode, 0, self.hello))
            while True:
                length = frame_length(await reader.readexactly(4), 1 << 20)
                frame = parse_frame(await reader.readexactly(length))
                self.frames_seen += 1
                await self.handler(frame, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
