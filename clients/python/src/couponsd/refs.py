"""The tagged unions: CouponRef and RedemptionRef (protocol.md section 6).

In JSON (the vectors' convention) a choice is an object with one key, the
variant: ``{"Id": "7"}``, ``{"Code": "SAVE20"}``,
``{"Order": {"code": "...", "order_id": "..."}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .errors import DecodeError
from .primitives import Reader, Writer, check_range


class CouponRef:
    """A coupon by id (``CouponRef.by_id(7)``) or by code (``CouponRef.by_code("SAVE20")``)."""

    @staticmethod
    def wire_encode(w: Writer, value: "CouponRef") -> None:
        if not isinstance(value, CouponRef) or type(value) is CouponRef:
            raise TypeError("expected a CouponRef variant")
        value.wire_write(w)  # type: ignore[attr-defined]

    @staticmethod
    def json_of(value: "CouponRef") -> Any:
        return value.to_json()  # type: ignore[attr-defined]


    @staticmethod
    def by_id(coupon_id: int) -> "CouponById":
        return CouponById(coupon_id)

    @staticmethod
    def by_code(code: str) -> "CouponByCode":
        return CouponByCode(code)

    @staticmethod
    def wire_read(r: Reader) -> "CouponById | CouponByCode":
        tag = r.u8("coupon_ref")
        if tag == 1:
            return CouponById(r.u64("id"))
        if tag == 2:
            return CouponByCode(r.str("code"))
        raise DecodeError(f"field `coupon_ref` has unknown value {tag}")

    @staticmethod
    def from_json(data: dict[str, Any]) -> "CouponById | CouponByCode":
        (variant, value), = data.items()
        if variant == "Id":
            return CouponById(int(value))
        if variant == "Code":
            return CouponByCode(value)
        raise ValueError(f"unknown CouponRef variant {variant!r}")


@dataclass(frozen=True)
class CouponById(CouponRef):
    """CouponRef tag 1."""

    id: int

    def wire_write(self, w: Writer) -> None:
        check_range("u64", self.id, "id")
        w.u8(1)
        w.u64(self.id)

    def to_json(self) -> dict[str, Any]:
        return {"Id": str(self.id)}


@dataclass(frozen=True)
class CouponByCode(CouponRef):
    """CouponRef tag 2: the code is normalized by the server before lookup."""

    code: str

    def wire_write(self, w: Writer) -> None:
        w.u8(2)
        w.str(self.code)

    def to_json(self) -> dict[str, Any]:
        return {"Code": self.code}


class RedemptionRef:
    """A redemption by id or by (code, order id)."""

    @staticmethod
    def wire_encode(w: Writer, value: "RedemptionRef") -> None:
        if not isinstance(value, RedemptionRef) or type(value) is RedemptionRef:
            raise TypeError("expected a RedemptionRef variant")
        value.wire_write(w)  # type: ignore[attr-defined]

    @staticmethod
    def json_of(value: "RedemptionRef") -> Any:
        return value.to_json()  # type: ignore[attr-defined]


    @staticmethod
    def by_id(redemption_id: int) -> "RedemptionById":
        return RedemptionById(redemption_id)

    @staticmethod
    def by_order(code: str, order_id: str) -> "RedemptionByOrder":
        return RedemptionByOrder(code, order_id)

    @staticmethod
    def wire_read(r: Reader) -> "RedemptionById | RedemptionByOrder":
        tag = r.u8("redemption_ref")
        if tag == 1:
            return RedemptionById(r.u64("id"))
        if tag == 2:
            return RedemptionByOrder(r.str("code"), r.str("order_id"))
        raise DecodeError(f"field `redemption_ref` has unknown value {tag}")

    @staticmethod
    def from_json(data: dict[str, Any]) -> "RedemptionById | RedemptionByOrder":
        (variant, value), = data.items()
        if variant == "Id":
            return RedemptionById(int(value))
        if variant == "Order":
            return RedemptionByOrder(value["code"], value["order_id"])
        raise ValueError(f"unknown RedemptionRef variant {variant!r}")


@dataclass(frozen=True)
class RedemptionById(RedemptionRef):
    """RedemptionRef tag 1."""

    id: int

    def wire_write(self, w: Writer) -> None:
        check_range("u64", self.id, "id")
        w.u8(1)
        w.u64(self.id)

    def to_json(self) -> dict[str, Any]:
        return {"Id": str(self.id)}


@dataclass(frozen=True)
class RedemptionByOrder(RedemptionRef):
    """RedemptionRef tag 2: the redemption of ``order_id`` with ``code``."""

    code: str
    order_id: str

    def wire_write(self, w: Writer) -> None:
        w.u8(2)
        w.str(self.code)
        w.str(self.order_id)

    def to_json(self) -> dict[str, Any]:
        return {"Order": {"code": self.code, "order_id": self.order_id}}


AnyCouponRef = Union[CouponById, CouponByCode]
AnyRedemptionRef = Union[RedemptionById, RedemptionByOrder]
