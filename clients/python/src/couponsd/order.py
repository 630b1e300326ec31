"""Orders and what is judged on them: Order, LineItem, Validation, and the
multi-code order structs (protocol.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import DiscountType, RiskLevel
from .schema import wire


@dataclass
class LineItem:
    """One order line; ``unit_price`` in minor units."""

    product_id: str = wire("str")
    sku: str = wire("str")
    category: str = wire("str")
    brand: str = wire("str")
    tags: list[str] = wire(("list", "str"))
    unit_price: int = wire("i64")
    quantity: int = wire("u32")


@dataclass
class Order:
    """The order a code is judged against; ``amount`` in minor units of ``currency``."""

    customer_id: str = wire("str")
    amount: int = wire("i64")
    currency: str = wire("str")
    channel: str = wire("str")
    shipping_amount: int = wire("i64")
    customer_email: str = wire("str")
    customer_segments: list[str] = wire(("list", "str"))
    items: list[LineItem] = wire(("list", LineItem))
    ip_address: str = wire("str")
    user_agent: str = wire("str")
    device_fingerprint: str = wire("str")
    email_verified: bool = wire("bool", at_end=True)
    payment_fingerprint: str = wire("str", at_end=True)
    provider_risk_score: int | None = wire(("opt", "u32"), at_end=True)


@dataclass
class SecurityCheck:
    """One detector's finding."""

    name: str = wire("str")
    passed: bool = wire("bool")
    strength_ppm: int = wire("u32")
    contribution_ppm: int = wire("i64")


@dataclass
class SecurityAssessment:
    """The fraud score of a request (ppm) and its checks."""

    fraud_score_ppm: int = wire("u32")
    risk_level: RiskLevel | None = wire(("enum0", RiskLevel))
    flagged: bool = wire("bool")
    checks: list[SecurityCheck] = wire(("list", SecurityCheck))


@dataclass
class Validation:
    """VALIDATE's answer; ``reason`` is 0 or the error code a REDEEM would get."""

    valid: bool = wire("bool")
    reason: int = wire("u16")
    message: str = wire("str")
    coupon_id: int = wire("u64")
    code: str = wire("str")
    name: str = wire("str")
    discount_type: DiscountType | None = wire(("lax", DiscountType))
    discount_value: int = wire("i64")
    max_discount_amount: int | None = wire(("opt", "i64"))
    applicable_amount: int = wire("i64")
    discount_amount: int = wire("i64")
    final_amount: int = wire("i64")
    currency: str = wire("str")
    remaining_uses: int | None = wire(("opt", "u64"))
    customer_usage_count: int = wire("u32")
    expires_at: int | None = wire(("opt", "i64"))
    security_assessment: SecurityAssessment = wire(SecurityAssessment, at_end=True)


@dataclass
class OrderCode:
    """One code's outcome on a multi-code order."""

    code: str = wire("str")
    coupon_id: int = wire("u64")
    applied: bool = wire("bool")
    reason: int = wire("u16")
    message: str = wire("str")
    discount_amount: int = wire("i64")


@dataclass
class OrderTotals:
    """An order's amounts after its applied codes."""

    original_amount: int = wire("i64")
    discount_amount: int = wire("i64")
    final_amount: int = wire("i64")
    currency: str = wire("str")


@dataclass
class OrderValidation:
    """ORDER_VALIDATE's answer."""

    codes: list[OrderCode] = wire(("list", OrderCode))
    totals: OrderTotals = wire(OrderTotals)


@dataclass
class QualifiedCoupon:
    """One coupon that applies to a cart on its own (QUALIFY)."""

    code: str = wire("str")
    coupon_id: int = wire("u64")
    discount_amount: int = wire("i64")
    auto_apply: bool = wire("bool")
    assigned: bool = wire("bool")


@dataclass
class Qualification:
    """QUALIFY's answer."""

    coupons: list[QualifiedCoupon] = wire(("list", QualifiedCoupon))
    best: list[str] = wire(("list", "str"))
    best_totals: OrderTotals = wire(OrderTotals)
    truncated: bool = wire("bool")
    candidates_evaluated: int = wire("u32")
