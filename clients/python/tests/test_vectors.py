"""The golden vectors (clients/vectors/vectors.json, generated from the Rust
codec): every request encodes to exactly its bytes, every reply and error
decodes to exactly its value (with and without appended bytes), every money
and frame example holds both ways, and every table (opcodes, error codes,
enums, currencies) is this library's."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from couponsd import money
from couponsd.enums import ENUMS
from couponsd.errorbody import ErrorBody
from couponsd.errors import ERROR_CODES, server_error
from couponsd.frame import decode_frame, encode_frame
from couponsd.messages import MAGIC, REQUESTS, HelloRequest, Opcode, Request
from couponsd.schema import decode, encode, from_json, to_json

VECTORS_PATH = Path(__file__).resolve().parents[2] / "vectors" / "vectors.json"


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    assert VECTORS_PATH.exists(), f"{VECTORS_PATH} is missing: the vector tests cannot run without it"
    data = json.loads(VECTORS_PATH.read_text())
    assert data["format"] == "1" or data["format"] == 1, f"unknown vectors format {data['format']!r}"
    return data


def _opcode(vectors: dict[str, Any], name: str) -> int:
    return int(vectors["opcodes"][name])


def request_from_json(cls: type[Request], value: dict[str, Any]) -> Request:
    """A request from its vector value: its body's fields, or, for a body that
    is one struct or choice (COUPON_CREATE's CouponSpec, COUPON_GET's
    CouponRef), that struct itself. HELLO's magic is not in the value."""
    fields = dataclasses.fields(cls)
    if cls is HelloRequest:
        value = {"magic": MAGIC.hex(), **value}
    if len(fields) == 1 and fields[0].name not in value:
        return cls(from_json(fields[0].metadata["wire"], value))
    return from_json(cls, value)


def status_code(name: str) -> int:
    return 0 if name == "OK" else ERROR_CODES[name]


def reply_to_json(cls: type[Request], decoded: Any) -> Any:
    """A decoded reply in the vectors' conventions."""
    kind = cls.REPLY
    if kind is None:
        return {}
    if isinstance(kind, tuple) and kind[0] == "list":
        return {"value": to_json(kind, decoded)}
    return to_json(kind, decoded)


def test_tables_are_this_librarys(vectors: dict[str, Any]) -> None:
    theirs = {name: int(v) for name, v in vectors["opcodes"].items()}
    ours = {op.name: int(op) for op in Opcode}
    assert theirs == ours
    assert {name: int(v) for name, v in vectors["error_codes"].items() if int(v) != 0} == ERROR_CODES
    for enum_name, values in vectors["enums"].items():
        assert enum_name in ENUMS, f"enum {enum_name} unknown here"
        cls = ENUMS[enum_name]
        assert {n: int(v) for n, v in values.items()} == {m.protocol_name: m.value for m in cls}, enum_name
    assert {c: int(d) for c, d in vectors["currencies"].items()} == money.CURRENCY_DECIMALS


def test_money_both_ways(vectors: dict[str, Any]) -> None:
    entries = vectors["money"]
    assert entries, "no money vectors"
    for entry in entries:
        minor = int(entry["minor"])
        assert money.format(minor, entry["currency"]) == entry["decimal"], entry
        assert money.parse(entry["decimal"], entry["currency"]) == minor, entry


def test_money_errors(vectors: dict[str, Any]) -> None:
    entries = vectors["money_errors"]
    assert entries, "no money error vectors"
    for entry in entries:
        with pytest.raises(money.MoneyError) as refused:
            money.parse(entry["decimal"], entry["currency"])
        assert refused.value.reason == entry["error"], entry


def test_frames_both_ways(vectors: dict[str, Any]) -> None:
    entries = vectors["frames"]
    assert entries, "no frame vectors"
    for entry in entries:
        opcode = _opcode(vectors, entry["opcode"])
        status = status_code(entry["status"])
        body = bytes.fromhex(entry["body_hex"])
        frame = bytes.fromhex(entry["frame_hex"])
        assert encode_frame(int(entry["request_id"]), opcode, status, body) == frame, entry["name"]
        decoded = decode_frame(frame)
        assert (decoded.request_id, decoded.opcode, decoded.status, decoded.body) == (
            int(entry["request_id"]), opcode, status, body), entry["name"]


def test_every_message(vectors: dict[str, Any]) -> None:
    checked: Counter[str] = Counter()
    unhandled = set()
    entries_checked = 0
    covered: set[tuple[str, str]] = set()
    for entry in vectors["messages"]:
        entries_checked += 1
        covered.add((entry["opcode"], entry["direction"]))
        name = entry["name"]
        if entry.get("node_to_node"):
            checked["node_to_node (skipped)"] += 1
            continue
        opcode = _opcode(vectors, entry["opcode"])
        cls = REQUESTS.get(opcode)
        if cls is None:
            unhandled.add(entry["opcode"])
            continue
        direction = entry["direction"]
        if direction == "request":
            request = request_from_json(cls, entry["value"])
            assert request.encode_body().hex() == entry["body_hex"], name
            checked["request"] += 1
        elif direction == "reply":
            for hex_body in [entry["body_hex"], entry.get("canonical_hex")]:
                if hex_body is None:
                    continue
                decoded = decode(cls.REPLY, bytes.fromhex(hex_body)) if cls.REPLY is not None else None
                assert reply_to_json(cls, decoded) == entry["value"], name
                checked["reply"] += 1
            # Encoding the decoded reply gives the canonical bytes back.
            canonical = entry.get("canonical_hex", entry["body_hex"])
            assert (encode(cls.REPLY, decoded).hex() if cls.REPLY is not None else "") == canonical, name
        elif direction == "error":
            for hex_body in [entry["body_hex"], entry.get("canonical_hex")]:
                if hex_body is None:
                    continue
                body = ErrorBody.decode(bytes.fromhex(hex_body))
                assert to_json(ErrorBody, body) == entry["value"], name
                error = server_error(status_code(entry["status"]), body.message, body.leader)
                assert error.name == entry["status"] and error.message == body.message, name
                checked["error"] += 1
        else:
            pytest.fail(f"{name}: unknown direction {direction!r}")
    assert not unhandled, f"opcodes in the vectors this client does not handle: {sorted(unhandled)}"
    assert entries_checked == len(vectors["messages"])
    for cls in REQUESTS.values():
        name = Opcode(cls.OPCODE).name
        assert (name, "request") in covered and (name, "reply") in covered, f"no vectors for {name}"
    assert checked["request"] > 0 and checked["reply"] > 0, checked
    print(f"vectors checked: {dict(checked)}")
