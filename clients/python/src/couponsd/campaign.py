"""Campaigns: CampaignSpec, GenerationRules, Campaign and its code lists
(protocol.md section 6). Defaults are protocol.md's "Fields a campaign does
not use" and "the default rules"."""

from __future__ import annotations

from dataclasses import dataclass

from .coupon import CouponSpec
from .enums import CampaignStatus, CampaignType, CodeCheck, DistributionMethod
from .schema import wire


@dataclass
class GenerationRules:
    """How a campaign's codes are generated (the defaults are the usual rules)."""

    code_length: int = wire("u8", 8)
    prefix: str = wire("str")
    suffix: str = wire("str")
    include_letters: bool = wire("bool", True)
    include_digits: bool = wire("bool", True)
    include_special: bool = wire("bool", False)
    exclude_ambiguous: bool = wire("bool", True)
    check: CodeCheck = wire(("enum", CodeCheck), CodeCheck.NONE)
    mac_length: int = wire("u8")


@dataclass
class DistributionStrategy:
    """How a campaign's codes are handed out (not enforced by the server)."""

    method: DistributionMethod = wire(("enum", DistributionMethod), DistributionMethod.MANUAL)
    batch_size: int = wire("u32", 1000)
    distribution_rate: int = wire("u32", 100)
    auto_distribute: bool = wire("bool")


@dataclass
class TargetAudience:
    """A campaign's audience; ``customer_ids`` feeds CAMPAIGN_ASSIGN."""

    segments: list[str] = wire(("list", "str"))
    customer_ids: list[str] = wire(("list", "str"))
    include_new_customers: bool = wire("bool")
    exclude_recent_users: bool = wire("bool")


@dataclass
class CampaignSpec:
    """What an admin sets on a campaign; ``template`` is every code's coupon spec."""

    name: str = wire("str")
    description: str = wire("str")
    campaign_type: CampaignType = wire(("enum", CampaignType), CampaignType.BULK)
    template: CouponSpec = wire(CouponSpec)
    validity_days: int = wire("u32")
    rules: GenerationRules = wire(GenerationRules)
    distribution: DistributionStrategy = wire(DistributionStrategy)
    audience: TargetAudience = wire(TargetAudience)
    budget_limit: int | None = wire(("opt", "i64"))
    coupon_limit: int | None = wire(("opt", "u64"))
    starts_at: int | None = wire(("opt", "i64"))
    ends_at: int | None = wire(("opt", "i64"))
    reward_campaign_id: int | None = wire(("opt", "u64"))


@dataclass
class Campaign:
    """A stored campaign."""

    id: int = wire("u64")
    revision: int = wire("u64")
    spec: CampaignSpec = wire(CampaignSpec)
    status: CampaignStatus = wire(("enum", CampaignStatus))
    coupons_generated: int = wire("u64")
    generation_target: int = wire("u64")
    budget_used: int = wire("i64")
    redemptions: int = wire("u64")
    created_at: int = wire("i64")
    updated_at: int = wire("i64")
    created_by: str = wire("str")


@dataclass
class CampaignPage:
    """A CAMPAIGN_LIST page."""

    campaigns: list[Campaign] = wire(("list", Campaign))
    next_after: int = wire("u64")


@dataclass
class CampaignCode:
    """One generated code (CAMPAIGN_CODES)."""

    coupon_id: int = wire("u64")
    code: str = wire("str")
    uses: int = wire("u64")


@dataclass
class CodePage:
    """A CAMPAIGN_CODES page."""

    codes: list[CampaignCode] = wire(("list", CampaignCode))
    next_after: int = wire("u64")


@dataclass
class AssignedCode:
    """A customer's code from CAMPAIGN_ASSIGN."""

    customer_id: str = wire("str")
    code: str = wire("str")
    coupon_id: int = wire("u64")
    created: bool = wire("bool")
