"""The protocol's enums (protocol.md section 5): one ``u8`` each on the wire.

Each is an ``IntEnum`` whose ``protocol_name`` is the name protocol.md gives
(used in JSON and by the CLI); ``from_name`` looks one up by that name.
"""

from __future__ import annotations

from enum import IntEnum


class WireEnum(IntEnum):
    """An enum carried as one byte; 0 is never a value."""

    @property
    def protocol_name(self) -> str:
        """The name protocol.md gives this value."""
        return _PROTOCOL_NAMES[type(self)][self.value]

    @classmethod
    def from_name(cls, name: str) -> "WireEnum":
        """The value whose protocol name is ``name`` (case-insensitive)."""
        wanted = name.strip().lower()
        for value, text in _PROTOCOL_NAMES[cls].items():
            if text.lower() == wanted:
                return cls(value)
        raise ValueError(f"{name!r} is not a {cls.__name__}")

class CampaignType(WireEnum):
    """protocol.md: CampaignType."""

    BULK = 1
    TRIGGERED = 2
    PERSONALIZED = 3
    REFERRAL = 4


class CampaignStatus(WireEnum):
    """protocol.md: CampaignStatus."""

    DRAFT = 1
    SCHEDULED = 2
    ACTIVE = 3
    PAUSED = 4
    COMPLETED = 5
    CANCELLED = 6


class CodeCheck(WireEnum):
    """protocol.md: CodeCheck."""

    NONE = 1
    CHECK_CHARACTER = 2
    MAC = 3


class DeliveryStatus(WireEnum):
    """protocol.md: DeliveryStatus."""

    QUEUED = 1
    SENT = 2
    FAILED = 3
    BOUNCED = 4
    REDEEMED = 5


class EventType(WireEnum):
    """protocol.md: EventType."""

    COUPON_CREATED = 1
    COUPON_UPDATED = 2
    COUPON_DELETED = 3
    REDEMPTION_REDEEMED = 4
    REDEMPTION_RESERVED = 5
    REDEMPTION_CONFIRMED = 6
    REDEMPTION_RELEASED = 7
    REDEMPTION_HOLD_EXPIRED = 8
    REDEMPTION_REVERSED = 9
    REDEMPTION_REJECTED = 10
    CAMPAIGN_CHANGED = 11
    CAMPAIGN_CODES_GENERATED = 12
    CAMPAIGN_CODE_ASSIGNED = 13
    CODE_DISTRIBUTED = 14
    CODE_DELIVERY_FAILED = 15


class OrderMode(WireEnum):
    """protocol.md: OrderMode."""

    ALL_OR_NOTHING = 1
    BEST_EFFORT = 2


class CouponType(WireEnum):
    """protocol.md: CouponType."""

    SINGLE_USE = 1
    MULTI_USE = 2
    UNLIMITED = 3
    GENERIC = 4
    PERSONALIZED = 5


class DiscountType(WireEnum):
    """protocol.md: DiscountType."""

    PERCENTAGE = 1
    FIXED = 2
    FREE_SHIPPING = 3
    BUY_X_GET_Y = 4
    PRODUCT = 5


class AdminStatus(WireEnum):
    """protocol.md: AdminStatus."""

    ACTIVE = 1
    INACTIVE = 2
    SUSPENDED = 3


class CouponStatus(WireEnum):
    """protocol.md: CouponStatus."""

    ACTIVE = 1
    INACTIVE = 2
    SUSPENDED = 3
    EXPIRED = 4
    EXHAUSTED = 5


class DistributionMethod(WireEnum):
    """protocol.md: DistributionMethod."""

    MANUAL = 1
    EMAIL = 2
    SMS = 3
    APP = 4
    WEBSITE = 5
    PARTNER = 6


class CriteriaType(WireEnum):
    """protocol.md: CriteriaType."""

    CATEGORY = 1
    BRAND = 2
    SKU = 3
    TAG = 4
    PRICE_RANGE = 5
    PRODUCT_ID = 6


class CriteriaOperator(WireEnum):
    """protocol.md: CriteriaOperator."""

    IN = 1
    NOT_IN = 2
    EQUALS = 3
    GREATER_THAN = 4
    LESS_THAN = 5


class RedemptionStatus(WireEnum):
    """protocol.md: RedemptionStatus."""

    PENDING = 1
    PROCESSED = 2
    RELEASED = 3
    EXPIRED = 4
    REVERSED = 5
    REJECTED = 6


class RiskLevel(WireEnum):
    """protocol.md: RiskLevel."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4


class Identifier(WireEnum):
    """protocol.md: Identifier."""

    EMAIL = 1
    DEVICE = 2
    IP = 3
    PAYMENT = 4


class FraudLabel(WireEnum):
    """protocol.md: FraudLabel."""

    FRAUD = 1
    LEGIT = 2


class NodeRole(WireEnum):
    """protocol.md: NodeRole."""

    LEADER = 1
    FOLLOWER = 2
    CANDIDATE = 3
    LEARNER = 4
    STOPPED = 5


class StackClass(WireEnum):
    """protocol.md: StackClass."""

    ORDER = 1
    PRODUCT = 2
    SHIPPING = 3


class RefundBelowMinimum(WireEnum):
    """protocol.md: RefundBelowMinimum."""

    PRORATE = 1
    REVERSE_DISCOUNT = 2


class SnapshotPart(WireEnum):
    """protocol.md: SnapshotPart (the kind of a backup or snapshot part)."""

    META = 1
    CLUSTER = 2
    COUPONS = 3
    REDEMPTIONS = 4
    CHECKPOINT = 5
    LOG = 6
    CAMPAIGNS = 7
    CODES = 8
    REVERSALS = 9


_PROTOCOL_NAMES: dict[type, dict[int, str]] = {
    CampaignType: {1: "BULK", 2: "TRIGGERED", 3: "PERSONALIZED", 4: "REFERRAL"},
    CampaignStatus: {1: "DRAFT", 2: "SCHEDULED", 3: "ACTIVE", 4: "PAUSED", 5: "COMPLETED", 6: "CANCELLED"},
    CodeCheck: {1: "NONE", 2: "CHECK_CHARACTER", 3: "MAC"},
    DeliveryStatus: {1: "QUEUED", 2: "SENT", 3: "FAILED", 4: "BOUNCED", 5: "REDEEMED"},
    EventType: {1: "coupon.created", 2: "coupon.updated", 3: "coupon.deleted", 4: "redemption.redeemed", 5: "redemption.reserved", 6: "redemption.confirmed", 7: "redemption.released", 8: "redemption.hold_expired", 9: "redemption.reversed", 10: "redemption.rejected", 11: "campaign.changed", 12: "campaign.codes_generated", 13: "campaign.code_assigned", 14: "code.distributed", 15: "code.delivery_failed"},
    OrderMode: {1: "ALL_OR_NOTHING", 2: "BEST_EFFORT"},
    CouponType: {1: "SINGLE_USE", 2: "MULTI_USE", 3: "UNLIMITED", 4: "GENERIC", 5: "PERSONALIZED"},
    DiscountType: {1: "PERCENTAGE", 2: "FIXED", 3: "FREE_SHIPPING", 4: "BUY_X_GET_Y", 5: "PRODUCT"},
    AdminStatus: {1: "ACTIVE", 2: "INACTIVE", 3: "SUSPENDED"},
    CouponStatus: {1: "ACTIVE", 2: "INACTIVE", 3: "SUSPENDED", 4: "EXPIRED", 5: "EXHAUSTED"},
    DistributionMethod: {1: "MANUAL", 2: "EMAIL", 3: "SMS", 4: "APP", 5: "WEBSITE", 6: "PARTNER"},
    CriteriaType: {1: "category", 2: "brand", 3: "sku", 4: "tag", 5: "price_range", 6: "product_id"},
    CriteriaOperator: {1: "in", 2: "not_in", 3: "equals", 4: "greater_than", 5: "less_than"},
    RedemptionStatus: {1: "PENDING", 2: "PROCESSED", 3: "RELEASED", 4: "EXPIRED", 5: "REVERSED", 6: "REJECTED"},
    RiskLevel: {1: "LOW", 2: "MEDIUM", 3: "HIGH", 4: "CRITICAL"},
    Identifier: {1: "email", 2: "device", 3: "ip", 4: "payment"},
    FraudLabel: {1: "fraud", 2: "legit"},
    NodeRole: {1: "LEADER", 2: "FOLLOWER", 3: "CANDIDATE", 4: "LEARNER", 5: "STOPPED"},
    StackClass: {1: "ORDER", 2: "PRODUCT", 3: "SHIPPING"},
    RefundBelowMinimum: {1: "PRORATE", 2: "REVERSE_DISCOUNT"},
    SnapshotPart: {m.value: m.name for m in SnapshotPart},
}

#: Every enum by its protocol.md name.
ENUMS: dict[str, type[WireEnum]] = {cls.__name__: cls for cls in _PROTOCOL_NAMES}
