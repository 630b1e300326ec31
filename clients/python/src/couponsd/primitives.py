"""Field encoding shared by every message (protocol.md section 4, "Field types").

Big-endian integers, length-prefixed strings, lists and blobs, presence-tagged
optionals. ``Reader`` names the field it reads so that a truncated or invalid
body raises a ``DecodeError`` that says where.
"""

from __future__ import annotations

import builtins
import struct

from .errors import DecodeError

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I32 = struct.Struct(">i")
_I64 = struct.Struct(">q")

_RANGES = {
    "u8": (0, 0xFF),
    "u16": (0, 0xFFFF),
    "u32": (0, 0xFFFF_FFFF),
    "u64": (0, 0xFFFF_FFFF_FFFF_FFFF),
    "u128": (0, (1 << 128) - 1),
    "i32": (-(1 << 31), (1 << 31) - 1),
    "i64": (-(1 << 63), (1 << 63) - 1),
}


def check_range(kind: str, value: int, field: str) -> None:
    """Refuses an integer that does not fit its wire type (never truncates)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"field {field!r} must be an int, not {type(value).__name__}")
    low, high = _RANGES[kind]
    if not low <= value <= high:
        raise ValueError(f"field {field!r} = {value} does not fit {kind}")


class Writer:
    """Appends fields to a frame body."""

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray()

    def u8(self, v: int) -> None:
        self.buf.append(v)

    def u16(self, v: int) -> None:
        self.buf += _U16.pack(v)

    def u32(self, v: int) -> None:
        self.buf += _U32.pack(v)

    def u64(self, v: int) -> None:
        self.buf += _U64.pack(v)

    def u128(self, v: int) -> None:
        self.buf += v.to_bytes(16, "big")

    def i32(self, v: int) -> None:
        self.buf += _I32.pack(v)

    def i64(self, v: int) -> None:
        self.buf += _I64.pack(v)

    def bool(self, v: bool) -> None:
        self.buf.append(1 if v else 0)

    def raw(self, v: bytes) -> None:
        self.buf += v

    def blob(self, v: bytes) -> None:
        self.buf += _U32.pack(len(v))
        self.buf += v

    def str(self, v: builtins.str) -> None:
        """A u16 byte length then UTF-8. Longer strings are refused, not cut."""
        data = v.encode("utf-8")
        if len(data) > 0xFFFF:
            raise ValueError(f"string of {len(data)} bytes is over 65535")
        self.buf += _U16.pack(len(data))
        self.buf += data

    def count(self, n: int) -> None:
        """A list's u16 item count."""
        if n > 0xFFFF:
            raise ValueError(f"list of {n} items is over 65535")
        self.buf += _U16.pack(n)

    def getvalue(self) -> bytes:
        return bytes(self.buf)


class Reader:
    """Reads fields from a frame body."""

    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, n: int, field: builtins.str) -> bytes:
        end = self.pos + n
        if end > len(self.buf):
            raise DecodeError(f"body ends inside field `{field}`")
        out = self.buf[self.pos:end]
        self.pos = end
        return out

    def remaining(self) -> int:
        return len(self.buf) - self.pos

    def u8(self, field: builtins.str) -> int:
        if self.pos >= len(self.buf):
            raise DecodeError(f"body ends inside field `{field}`")
        v = self.buf[self.pos]
        self.pos += 1
        return v

    def u16(self, field: builtins.str) -> int:
        return _U16.unpack(self.take(2, field))[0]

    def u32(self, field: builtins.str) -> int:
        return _U32.unpack(self.take(4, field))[0]

    def u64(self, field: builtins.str) -> int:
        return _U64.unpack(self.take(8, field))[0]

    def u128(self, field: builtins.str) -> int:
        return int.from_bytes(self.take(16, field), "big")

    def i32(self, field: builtins.str) -> int:
        return _I32.unpack(self.take(4, field))[0]

    def i64(self, field: builtins.str) -> int:
        return _I64.unpack(self.take(8, field))[0]

    def bool(self, field: builtins.str) -> bool:
        v = self.u8(field)
        if v > 1:
            raise DecodeError(f"field `{field}` has unknown value {v}")
        return v == 1

    def blob(self, field: builtins.str) -> bytes:
        return self.take(self.u32(field), field)

    def str(self, field: builtins.str) -> builtins.str:
        raw = self.take(self.u16(field), field)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError(f"field `{field}` is not valid UTF-8") from None

    def count(self, field: builtins.str) -> int:
        return self.u16(field)
