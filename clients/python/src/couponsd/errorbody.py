"""ErrorBody: the body of every reply whose status is not OK."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import DecodeError
from .primitives import Reader
from .schema import wire


@dataclass
class ErrorBody:
    """``message``, and with NOT_LEADER the ``leader``'s address."""

    message: str = wire("str")
    leader: str = wire("str")

    @staticmethod
    def decode(body: bytes) -> "ErrorBody":
        """Lenient, as the Rust client: decoded as far as it goes."""
        r = Reader(body)
        out = ErrorBody()
        try:
            out.message = r.str("message")
            out.leader = r.str("leader")
        except DecodeError:
            pass
        return out
