"""Fraud, analytics and event structs (protocol.md sections 6 and 9)."""

from __future__ import annotations

from dataclasses import dataclass

from .enums import EventType
from .schema import wire


@dataclass
class FraudWeight:
    """One check's weight in the fraud model (ppm of a logit); a pair in JSON."""

    JSON_PAIR = True

    name: str = wire("str")
    weight: int = wire("i64")


@dataclass
class FraudModel:
    """The fraud score's model (FRAUD_MODEL, FRAUD_OUTCOME)."""

    outcomes: int = wire("u64")
    bias_ppm: int = wire("i64")
    weights: list[FraudWeight] = wire(("list", FraudWeight))


@dataclass
class CurrencyAmount:
    """An amount in minor units of a currency; a pair in JSON."""

    JSON_PAIR = True

    currency: str = wire("str")
    amount: int = wire("i64")


@dataclass
class FraudPattern:
    """How often one check fired in a report's range."""

    name: str = wire("str")
    occurrences: int = wire("u64")
    blocked: int = wire("u64")
    description: str = wire("str")


@dataclass
class HighRiskCoupon:
    """A coupon with many blocked attempts."""

    coupon_id: int = wire("u64")
    code: str = wire("str")
    attempts: int = wire("u64")
    blocked: int = wire("u64")
    risk_score_ppm: int = wire("u32")


@dataclass
class FraudReport:
    """FRAUD_REPORT's answer over [from, to) (unix ms)."""

    from_: int = wire("i64")
    to: int = wire("i64")
    attempts: int = wire("u64")
    blocked: int = wire("u64")
    flagged: int = wire("u64")
    fraud_rate_ppm: int = wire("u32")
    savings: list[CurrencyAmount] = wire(("list", CurrencyAmount))
    patterns: list[FraudPattern] = wire(("list", FraudPattern))
    high_risk_coupons: list[HighRiskCoupon] = wire(("list", HighRiskCoupon))


@dataclass
class AnalyticsTotals:
    """The figures every analytics reply shares; money in minor units."""

    total_views: int = wire("u64")
    total_redemptions: int = wire("u64")
    total_reversed: int = wire("u64")
    total_revenue: int = wire("i64")
    total_discount: int = wire("i64")
    conversion_rate_ppm: int = wire("u64")
    average_order_value: int = wire("i64")
    roi_basis_points: int | None = wire(("opt", "i64"))
    last_redemption_at: int | None = wire(("opt", "i64"))


@dataclass
class UsagePoint:
    """Redemptions and revenue in one day or hour slot."""

    slot: int = wire("i64")
    redemptions: int = wire("u64")
    revenue: int = wire("i64")


@dataclass
class ProductUsage:
    """A product's redemptions (space-saving count; exact while ``overcount`` is 0)."""

    product_id: str = wire("str")
    redemptions: int = wire("u64")
    revenue: int = wire("i64")
    overcount: int = wire("u64")


@dataclass
class CouponAnalytics:
    """ANALYTICS_COUPON's answer."""

    coupon_id: int = wire("u64")
    code: str = wire("str")
    currency: str = wire("str")
    metrics: AnalyticsTotals = wire(AnalyticsTotals)
    fraud_attempts: int = wire("u64")
    blocked_redemptions: int = wire("u64")
    last_updated: int = wire("i64")
    usage_timeline: list[UsagePoint] = wire(("list", UsagePoint))
    hourly_timeline: list[UsagePoint] = wire(("list", UsagePoint))
    top_products: list[ProductUsage] = wire(("list", ProductUsage))


@dataclass
class CampaignAnalytics:
    """ANALYTICS_CAMPAIGN's answer."""

    campaign_id: int = wire("u64")
    currency: str = wire("str")
    metrics: AnalyticsTotals = wire(AnalyticsTotals)
    coupons_generated: int = wire("u64")
    coupons_distributed: int = wire("u64")
    coupons_redeemed: int = wire("u64")
    redemption_rate_ppm: int = wire("u64")
    last_updated: int = wire("i64")
    coupons_bounced: int = wire("u64", at_end=True)
    coupons_failed: int = wire("u64", at_end=True)


@dataclass
class AnalyticsOverview:
    """ANALYTICS_OVERVIEW's answer."""

    metrics: AnalyticsTotals = wire(AnalyticsTotals)
    coupons: int = wire("u64")
    campaigns: int = wire("u64")
    coupons_redeemed: int = wire("u64")
    last_updated: int = wire("i64")


@dataclass
class Event:
    """One change from EVENTS_SUBSCRIBE."""

    id: int = wire("u64")
    event_type: EventType = wire(("enum", EventType))
    time: int = wire("i64")
    coupon_id: int = wire("u64")
    code: str = wire("str")
    campaign_id: int = wire("u64")
    redemption_id: int = wire("u64")
    order_id: str = wire("str")
    customer_id: str = wire("str")
    amount: int = wire("i64")
    discount_amount: int = wire("i64")
    currency: str = wire("str")
    status: str = wire("str")
    count: int = wire("u64")


@dataclass
class EventBatch:
    """EVENTS_SUBSCRIBE's answer: events and the cursor to ask from next."""

    events: list[Event] = wire(("list", Event))
    next: int = wire("u64")
