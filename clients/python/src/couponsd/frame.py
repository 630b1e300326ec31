"""Frames (protocol.md section 2): a 16-byte header, CRC-32 (IEEE, as zlib's)
of everything after the checksum field, then the body.

    offset size field
    0      4    length      bytes after this field: 12 + body length
    4      4    checksum    CRC-32 of bytes 8 .. 4+length
    8      4    request_id
    12     2    opcode
    14     2    status      0 in requests; in replies 0 = OK, else an error code
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from .errors import ProtocolError

#: Header bytes counted by ``length``.
HEADER_AFTER_LENGTH = 12
#: The default (and largest) accepted ``length``: 1 MiB.
MAX_FRAME_LENGTH = 1 << 20

_HEADER = struct.Struct(">IIIHH")
_TAIL = struct.Struct(">IHH")


@dataclass(frozen=True)
class Frame:
    """One decoded frame."""

    request_id: int
    opcode: int
    status: int
    body: bytes


def encode_frame(request_id: int, opcode: int, status: int, body: bytes) -> bytes:
    """One whole frame, length and checksum filled in."""
    tail = _TAIL.pack(request_id, opcode, status) + body
    return struct.pack(">II", len(tail) + 4, zlib.crc32(tail)) + tail


def frame_length(prefix: bytes, max_length: int) -> int:
    """Checks a frame's 4-byte length field; returns how many bytes follow it."""
    (length,) = struct.unpack(">I", prefix)
    if length > max_length:
        raise ProtocolError(f"frame length {length} is over the maximum {max_length}")
    if length < HEADER_AFTER_LENGTH:
        raise ProtocolError(f"frame length {length} is shorter than the 12-byte header")
    return length


def parse_frame(rest: bytes) -> Frame:
    """Parses the ``length`` bytes after a frame's length field; verifies the checksum."""
    (expected,) = struct.unpack_from(">I", rest, 0)
    actual = zlib.crc32(memoryview(rest)[4:])
    if expected != actual:
        raise ProtocolError(f"frame checksum mismatch: header says {expected:08x}, bytes give {actual:08x}")
    request_id, opcode, status = _TAIL.unpack_from(rest, 4)
    return Frame(request_id, opcode, status, bytes(rest[12:]))


def decode_frame(data: bytes, max_length: int = MAX_FRAME_LENGTH) -> Frame:
    """Decodes exactly one whole frame (for tests and tools)."""
    if len(data) < 4:
        raise ProtocolError("frame shorter than its length field")
    length = frame_length(data[:4], max_length)
    if len(data) != 4 + length:
        raise ProtocolError(f"frame of {len(data)} bytes, its length field says {4 + length}")
    return parse_frame(data[4:])
