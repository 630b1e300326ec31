"""Redemptions and reversals (protocol.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import FraudLabel, RedemptionStatus
from .order import OrderCode, OrderTotals, SecurityAssessment
from .schema import wire


@dataclass
class OrderIdentifiers:
    """The identifiers an order carried, as sent."""

    customer_email: str = wire("str")
    ip_address: str = wire("str")
    device_fingerprint: str = wire("str")
    payment_fingerprint: str = wire("str")


@dataclass
class Redemption:
    """One use of a coupon by one order; amounts in minor units of ``currency``."""

    id: int = wire("u64")
    coupon_id: int = wire("u64")
    code: str = wire("str")
    customer_id: str = wire("str")
    order_id: str = wire("str")
    transaction_id: str = wire("str")
    status: RedemptionStatus = wire(("enum", RedemptionStatus))
    original_amount: int = wire("i64")
    discount_amount: int = wire("i64")
    final_amount: int = wire("i64")
    currency: str = wire("str")
    channel: str = wire("str")
    created_at: int = wire("i64")
    updated_at: int = wire("i64")
    hold_expires_at: int | None = wire(("opt", "i64"))
    reverse_reason: str = wire("str")
    security: SecurityAssessment = wire(SecurityAssessment)
    fraud_outcome: FraudLabel | None = wire(("enum0", FraudLabel))
    identifiers: OrderIdentifiers = wire(OrderIdentifiers)
    counted: int = wire("u8")


@dataclass
class RedemptionReply:
    """The reply of REDEEM, RESERVE, CONFIRM, RELEASE, REVERSE and REDEMPTION_GET."""

    redemption: Redemption = wire(Redemption)
    #: Uses left on the coupon; None when it has no usage limit.
    remaining_uses: int | None = wire(("opt", "u64"))
    #: True when the request was a retry that changed nothing.
    replayed: bool = wire("bool")


@dataclass
class RedemptionPage:
    """A REDEMPTION_LIST page; ``next_after`` 0 means no more."""

    redemptions: list[Redemption] = wire(("list", Redemption))
    next_after: int = wire("u64")


@dataclass
class Reversal:
    """One reversal (full or partial refund) of a redemption."""

    id: int = wire("u64")
    redemption_id: int = wire("u64")
    refund_amount: int = wire("i64")
    discount_returned: int = wire("i64")
    full: bool = wire("bool")
    refund_id: str = wire("str")
    reason: str = wire("str")
    created_at: int = wire("i64")


@dataclass
class OrderRedemption:
    """The reply of ORDER_REDEEM, ORDER_RESERVE, ORDER_CONFIRM, ORDER_RELEASE, ORDER_REVERSE."""

    codes: list[OrderCode] = wire(("list", OrderCode))
    redemptions: list[Redemption] = wire(("list", Redemption))
    totals: OrderTotals = wire(OrderTotals)
    replayed: bool = wire("bool")
