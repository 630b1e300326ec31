"""One pipelined connection (asyncio): many requests in flight, replies matched
by request id, bounded by the server's ``max_in_flight`` and ``max_frame_length``."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from .errorbody import ErrorBody
from .errors import (BusyError, ConnectionFailed, CouponsdError, DecodeError, Disconnected, ProtocolError,
                     RequestTimeout, RequestTooLarge, TlsError, server_error)
from .frame import MAX_FRAME_LENGTH, Frame, encode_frame, frame_length, parse_frame
from .messages import MAGIC, PROTOCOL_VERSION, HelloRequest, Opcode, Request
from .options import ClientOptions
from .schema import decode
from .server import HelloReply


def split_addr(addr: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` -> (host, port)."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"address {addr!r} is not host:port")
    return host.strip("[]"), int(port)


def decode_reply(request: Request, frame: Frame) -> Any:
    """The reply value of an OK frame, or the typed error of any other status."""
    if frame.status != 0:
        body = ErrorBody.decode(frame.body)
        raise server_error(frame.status, body.message, body.leader)
    if frame.opcode != request.OPCODE:
        raise ProtocolError(f"reply opcode 0x{frame.opcode:04x} to a request with opcode 0x{request.OPCODE:04x}")
    if request.REPLY is None:
        return None
    try:
        return decode(request.REPLY, frame.body)
    except (DecodeError, ValueError) as e:
        raise DecodeError(f"{Opcode(request.OPCODE).name} reply: {e}") from None


class Connection:
    """A handshaken connection to one node. Use ``await Connection.open(addr)``."""

    def __init__(self, addr: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 hello: HelloReply, options: ClientOptions) -> None:
        self.addr = addr
        self.hello = hello
        self._reader = reader
        self._writer = writer
        self._options = options
        self._pending: dict[int, asyncio.Future[Frame]] = {}
        self._next_id = 2  # 1 was the HELLO
        limit = max(1, min(options.max_in_flight, hello.max_in_flight or 1))
        self._slots = asyncio.Semaphore(limit)
        self._closed: CouponsdError | None = None
        # Replies are bounded by the protocol's maximum whatever HELLO claims.
        self._max_reply_length = min(hello.max_frame_length, MAX_FRAME_LENGTH) or MAX_FRAME_LENGTH
        self._read_task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def open(cls, addr: str, options: ClientOptions | None = None) -> "Connection":
        """Connects (TLS if configured), sends HELLO and waits for its reply."""
        options = options or ClientOptions()
        host, port = split_addr(addr)
        try:
            return await asyncio.wait_for(cls._open_when_not_busy(addr, host, port, options),
                                          options.connect_timeout_s)
        except asyncio.TimeoutError:
            raise ConnectionFailed(f"{addr}: no connection and HELLO within {options.connect_timeout_s} s") from None

    @classmethod
    async def _open_when_not_busy(cls, addr: str, host: str, port: int, options: ClientOptions) -> "Connection":
        # BUSY before HELLO (too many connections awaiting HELLO from this
        # address, or in all) means "retry after a short wait": the connect
        # timeout bounds the retries.
        pause_s = 0.01
        while True:
            try:
                return await cls._open(addr, host, port, options)
            except BusyError:
                await asyncio.sleep(pause_s)
                pause_s = min(pause_s * 2, 0.2)

    @classmethod
    async def _open(cls, addr: str, host: str, port: int, options: ClientOptions) -> "Connection":
        try:
            if options.tls is not None:
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=options.tls, server_hostname=options.tls_server_name or host)
            else:
                reader, writer = await asyncio.open_connection(host, port)
        except ssl.SSLError as e:
            raise TlsError(f"{addr}: {e}") from None
        except OSError as e:
            raise ConnectionFailed(f"{addr}: {e}") from None
        try:
            hello = HelloRequest(magic=MAGIC, version=PROTOCOL_VERSION, token=options.token,
                                 client_name=options.client_name)
            writer.write(encode_frame(1, Opcode.HELLO, 0, hello.encode_body()))
            await writer.drain()
            frame = await _read_frame(reader, MAX_FRAME_LENGTH)
            reply = decode_reply(hello, frame)
        except BaseException as e:
            writer.close()
            if isinstance(e, (asyncio.IncompleteReadError, ConnectionError)):
                raise Disconnected(f"{addr}: closed during the handshake") from None
            if isinstance(e, ssl.SSLError):
                raise TlsError(f"{addr}: {e}") from None
            raise
        return cls(addr, reader, writer, reply, options)

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    async def call(self, request: Request) -> Any:
        """Sends one request and returns its decoded reply (or raises its typed error)."""
        if self._closed is not None:
            raise self._closed
        body = request.encode_body()
        if 16 + len(body) > 4 + self.hello.max_frame_length:
            raise RequestTooLarge(16 + len(body), self.hello.max_frame_length)
        async with self._slots:
            if self._closed is not None:
                raise self._closed
            request_id = self._next_id
            self._next_id = self._next_id + 1 if self._next_id < 0xFFFF_FFFF else 1
            loop = asyncio.get_running_loop()
            future: asyncio.Future[Frame] = loop.create_future()
            self._pending[request_id] = future
            timer = loop.call_later(self._options.request_timeout_s, _expire, future)
            try:
                self._writer.write(encode_frame(request_id, request.OPCODE, 0, body))
                if self._writer.transport.get_write_buffer_size() > 1 << 20:
                    await self._writer.drain()
                frame = await future
            except ConnectionError as e:
                self._fail(Disconnected(f"{self.addr}: {e}"))
                raise Disconnected(f"{self.addr}: {e}") from None
            finally:
                timer.cancel()
                self._pending.pop(request_id, None)
        return decode_reply(request, frame)

    async def _read_loop(self) -> None:
        try:
            while True:
                frame = await _read_frame(self._reader, self._max_reply_length)
                if frame.request_id == 0 and frame.opcode == 0:
                    # An error that belongs to no request: the server closes next.
                    body = ErrorBody.decode(frame.body)
                    self._fail(server_error(frame.status, body.message, body.leader))
                    return
                future = self._pending.get(frame.request_id)
                if future is not None and not future.done():
                    future.set_result(frame)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            self._fail(Disconnected(f"{self.addr}: connection closed"))
        except ProtocolError as e:
            self._fail(e)
        except asyncio.CancelledError:
            self._fail(Disconnected(f"{self.addr}: connection closed by the client"))
            raise

    def _fail(self, error: CouponsdError) -> None:
        if self._closed is None:
            self._closed = error
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        self._writer.close()

    async def close(self) -> None:
        """Closes the connection; calls in flight raise Disconnected."""
        self._fail(Disconnected(f"{self.addr}: closed by the client"))
        self._read_task.cancel()
        try:
            await self._read_task
        except (asyncio.CancelledError, Exception):
            pass
        try:
            await self._writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass


def _expire(future: "asyncio.Future[Frame]") -> None:
    if not future.done():
        future.set_exception(RequestTimeout("no reply within the request timeout"))


async def _read_frame(reader: asyncio.StreamReader, max_length: int) -> Frame:
    length = frame_length(await reader.readexactly(4), max_length)
    return parse_frame(await reader.readexactly(length))
