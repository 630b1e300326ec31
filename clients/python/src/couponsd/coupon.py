"""Coupons: CouponSpec (what an admin sets), Coupon (as stored) and their parts
(protocol.md section 6). Field order is wire order; defaults are protocol.md's
"Fields a coupon does not use", so ``CouponSpec(code=..., discount_type=...,
discount_value=...)`` is the smallest valid coupon."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import (AdminStatus, CouponStatus, CouponType, CriteriaOperator, CriteriaType,
                    DiscountType, DistributionMethod, Identifier, RefundBelowMinimum,
                    StackClass)
from .schema import wire


@dataclass
class ProductCriteria:
    """A product selector; unknown enum values decode as ``None`` (lenient)."""

    criteria_type: CriteriaType | None = wire(("lax", CriteriaType))
    operator: CriteriaOperator | None = wire(("lax", CriteriaOperator))
    values: list[str] = wire(("list", "str"))


@dataclass
class SecuritySettings:
    """Security checks of a coupon; the defaults are protocol.md's usual values."""

    ip_restrictions: list[str] = wire(("list", "str"))
    device_fingerprinting: bool = wire("bool", False)
    velocity_checks: bool = wire("bool", True)
    max_redemptions_per_hour: int = wire("u32", 10)
    require_email_verification: bool = wire("bool", False)
    block_suspicious_patterns: bool = wire("bool", True)


@dataclass
class IdentifierLimit:
    """Uses and discount allowed per value of one identifier."""

    identifier: Identifier = wire(("enum", Identifier))
    max_uses: int | None = wire(("opt", "u32"))
    max_discount_amount: int | None = wire(("opt", "i64"))


@dataclass
class StackSettings:
    """CouponSpec fields 34 to 37: which codes of one order it combines with."""

    #: None: the class follows from the discount type.
    class_: StackClass | None = wire(("enum0", StackClass))
    #: Bits: 1 ORDER, 2 PRODUCT, 4 SHIPPING (7: every class).
    combines_with: int = wire("u8", 7)
    exclusive: bool = wire("bool")
    #: Higher applies first within an order.
    priority: int = wire("i32")


@dataclass
class PeriodLimits:
    """CouponSpec fields 40 to 43: most active uses per local day, week, month."""

    customer_per_day: int | None = wire(("opt", "u32"))
    customer_per_week: int | None = wire(("opt", "u32"))
    customer_per_month: int | None = wire(("opt", "u32"))
    per_day: int | None = wire(("opt", "u32"))


@dataclass
class ReversalPolicy:
    """CouponSpec fields 44 and 45: what a reversal gives back."""

    returns_use: bool = wire("bool", True)
    below_minimum: RefundBelowMinimum = wire(("enum", RefundBelowMinimum), RefundBelowMinimum.PRORATE)


@dataclass
class CouponSpec:
    """Everything an admin sets (COUPON_CREATE, COUPON_UPDATE). Amounts are minor units."""

    code: str = wire("str")
    name: str = wire("str")
    description: str = wire("str")
    coupon_type: CouponType = wire(("enum", CouponType), CouponType.MULTI_USE)
    discount_type: DiscountType = wire(("enum", DiscountType), DiscountType.PERCENTAGE)
    #: Basis points for PERCENTAGE and BUY_X_GET_Y; minor units for FIXED and PRODUCT.
    discount_value: int = wire("i64")
    currency: str = wire("str")
    max_discount_amount: int | None = wire(("opt", "i64"))
    min_order_amount: int | None = wire(("opt", "i64"))
    starts_at: int | None = wire(("opt", "i64"))
    ends_at: int | None = wire(("opt", "i64"))
    time_zone: str = wire("str")
    usage_limit: int | None = wire(("opt", "u64"))
    usage_limit_per_customer: int | None = wire(("opt", "u32"))
    status: AdminStatus = wire(("enum", AdminStatus), AdminStatus.ACTIVE)
    campaign_id: int | None = wire(("opt", "u64"))
    distribution_method: DistributionMethod = wire(("enum", DistributionMethod), DistributionMethod.MANUAL)
    is_public: bool = wire("bool")
    applicable_products: list[ProductCriteria] = wire(("list", ProductCriteria))
    excluded_products: list[ProductCriteria] = wire(("list", ProductCriteria))
    customer_segments: list[str] = wire(("list", "str"))
    channel_restrictions: list[str] = wire(("list", "str"))
    allowed_email_domains: list[str] = wire(("list", "str"))
    security: SecuritySettings = wire(SecuritySettings)
    apply_per_line: bool = wire("bool")
    buy_quantity: int = wire("u32")
    get_quantity: int = wire("u32")
    active_days: int = wire("u8")
    active_start_minute: int = wire("u16")
    active_end_minute: int = wire("u16")
    identifier_limits: list[IdentifierLimit] = wire(("list", IdentifierLimit))
    review_score: int | None = wire(("opt", "u32"))
    block_score: int | None = wire(("opt", "u32"))
    stacking: StackSettings = wire(StackSettings)
    auto_apply: bool = wire("bool")
    assigned_customer_id: str = wire("str")
    period_limits: PeriodLimits = wire(PeriodLimits)
    reversal: ReversalPolicy = wire(ReversalPolicy)
    referrer_customer_id: str = wire("str")


@dataclass
class Coupon:
    """A stored coupon (COUPON_CREATE, COUPON_GET, COUPON_UPDATE, COUPON_LIST)."""

    id: int = wire("u64")
    revision: int = wire("u64")
    spec: CouponSpec = wire(CouponSpec)
    status: CouponStatus = wire(("enum", CouponStatus))
    current_usage: int = wire("u64")
    reserved_uses: int = wire("u64")
    created_at: int = wire("i64")
    updated_at: int = wire("i64")
    created_by: str = wire("str")
    fraud_attempts: int = wire("u64")
    blocked_redemptions: int = wire("u64")


@dataclass
class CouponPage:
    """A COUPON_LIST page; ``next_after`` 0 means no more."""

    coupons: list[Coupon] = wire(("list", Coupon))
    next_after: int = wire("u64")
