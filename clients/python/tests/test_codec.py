"""The codec without a server: frames, field encodings, protocol.md section 18's
examples, forward compatibility (section 8) and bad input."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from couponsd import CouponSpec, Order
from couponsd.errorbody import ErrorBody
from couponsd.errors import (DecodeError, ERROR_CLASSES, NotLeaderError, ProtocolError, ServerError,
                             server_error)
from couponsd.frame import decode_frame, encode_frame
from couponsd.messages import REQUESTS, CouponCreateRequest, RedeemRequest, ReverseRequest
from couponsd.order import Validation
from couponsd.redemption import RedemptionReply
from couponsd.refs import CouponRef, RedemptionRef
from couponsd.schema import decode, encode, struct_reader
from couponsd.primitives import Reader
from couponsd.server import ServerInfo

PROTOCOL_MD = Path(__file__).resolve().parents[3] / "protocol.md"


def protocol_examples() -> list[tuple[str, bytes]]:
    text = PROTOCOL_MD.read_text()
    found = re.findall(r"<!-- example: (\w+) -->\s*```hex\n(.*?)```", text, re.S)
    return [(name, bytes.fromhex(hexdump)) for name, hexdump in found]


def test_crc_is_ieee() -> None:
    assert zlib.crc32(b"123456789") == 0xCBF43926


def test_frame_roundtrip_and_rejections() -> None:
    frame = encode_frame(7, 2, 0, b"hi")
    assert frame[:4] == (14).to_bytes(4, "big")
    decoded = decode_frame(frame)
    assert (decoded.request_id, decoded.opcode, decoded.status, decoded.body) == (7, 2, 0, b"hi")
    broken = bytearray(frame)
    broken[10] ^= 1
    with pytest.raises(ProtocolError, match="checksum"):
        decode_frame(bytes(broken))
    with pytest.raises(ProtocolError, match="over the maximum"):
        decode_frame(b"\x00\x20\x00\x00" + bytes(12))
    with pytest.raises(ProtocolError, match="shorter"):
        decode_frame(b"\x00\x00\x00\x03abc")


def test_protocol_md_examples_decode_and_encode_back() -> None:
    """Every example frame of protocol.md: its checksum holds, and its body
    decodes with this library and encodes back to the same bytes."""
    examples = protocol_examples()
    assert len(examples) > 20, "protocol.md's examples were not found"
    checked = 0
    for name, raw in examples:
        frame = decode_frame(raw)
        if frame.status != 0:
            body = ErrorBody.decode(frame.body)
            assert encode(ErrorBody, body) == frame.body, name
            checked += 1
            continue
        cls = REQUESTS.get(frame.opcode)
        if cls is None:
            continue  # the RAFT_* and VIEWS_FORWARD messages between nodes
        kind = cls if name.endswith("_request") else cls.REPLY
        if kind is None:
            assert frame.body == b"", name
        else:
            value = struct_reader(kind)(Reader(frame.body)) if isinstance(kind, type) and kind is cls \
                else decode(kind, frame.body)
            assert encode(kind, value) == frame.body, name
        checked += 1
    assert checked > 20


def test_seed_example_bytes() -> None:
    """protocol.md's hello_request, built by this library."""
    from couponsd.messages import HelloRequest
    hello = HelloRequest(token="", client_name="doc")
    assert encode_frame(1, 1, 0, hello.encode_body()) == dict(protocol_examples())["hello_request"]


def test_trailing_bytes_are_ignored() -> None:
    reply = RedemptionReply()
    reply.redemption.currency = "USD"
    body = encode(RedemptionReply, reply)
    assert decode(RedemptionReply, body + b"\x01\x02\x03 newer fields") == reply


def test_appended_fields_of_older_servers_take_defaults() -> None:
    info = ServerInfo(server_version="0.0.9", writes_failing_since_ms=5, storage_error="disk")
    full = encode(ServerInfo, info)
    older = full[: len(full) - 8 - 2 - 4]
    decoded = decode(ServerInfo, older)
    assert decoded.writes_failing_since_ms == 0 and decoded.storage_error == ""
    with pytest.raises(DecodeError):
        decode(ServerInfo, full[:-1])  # cut inside the appended fields: an error, not a guess
    validation = Validation(valid=True, code="X")
    body = encode(Validation, validation)
    assert decode(Validation, body[: len(body) - 4 - 1 - 1 - 2]).security_assessment.fraud_score_ppm == 0


def test_lenient_enums_decode_unknown_values_as_unset() -> None:
    body = bytearray(encode(Validation, Validation()))
    body[1 + 2 + 2 + 8 + 2 + 2] = 99  # discount_type
    assert decode(Validation, bytes(body)).discount_type is None


def test_bad_bodies_raise_decode_errors() -> None:
    body = encode(RedemptionReply, RedemptionReply())
    for cut in range(len(body)):
        with pytest.raises(DecodeError):
            decode(RedemptionReply, body[:cut])
    bad_status = bytearray(body)
    bad_status[8 + 8 + 2 + 2 + 2 + 2] = 77
    with pytest.raises(DecodeError, match="status"):
        decode(RedemptionReply, bytes(bad_status))
    with pytest.raises(DecodeError, match="UTF-8"):
        decode(ErrorBody, b"\x00\x02\xff\xfe\x00\x00")
    with pytest.raises(DecodeError):
        decode(RedemptionReply, b"\x00" * 16 + b"\xff\xff")  # a string longer than the body


def test_unknown_status_is_a_generic_failure_and_known_ones_are_typed() -> None:
    generic = server_error(999, "a newer failure", "")
    assert type(generic) is ServerError and generic.code == 999 and generic.message == "a newer failure"
    not_leader = server_error(10, "not the leader", "127.0.0.1:9")
    assert isinstance(not_leader, NotLeaderError) and not_leader.leader == "127.0.0.1:9"
    assert len(ERROR_CLASSES) == len({c.name for c in ERROR_CLASSES.values()})


def test_requests_refuse_values_that_do_not_fit() -> None:
    with pytest.raises(ValueError):
        RedeemRequest(code="X", order_id="o", order=Order(amount=1 << 63)).encode_body()
    with pytest.raises(ValueError):
        CouponCreateRequest(spec=CouponSpec(code="X" * 70000)).encode_body()
    with pytest.raises(TypeError):
        RedeemRequest(code="X", order_id="o", order=Order(amount="1.50")).encode_body()  # type: ignore[arg-type]


def test_reverse_is_idempotent_only_with_a_refund_id() -> None:
    ref = RedemptionRef.by_order("X", "o")
    assert not ReverseRequest(redemption=ref).is_idempotent()
    assert ReverseRequest(redemption=ref, refund_id="r1").is_idempotent()
    assert CouponRef.by_id(3) == CouponRef.by_id(3)
