//! Campaigns on the wire: a coupon template, code generation rules,
//! distribution, audience, budget and limits, and the campaign's lifecycle.
//! See protocol.md, "Campaigns".

use super::primitives::{DecodeError, Reader, Writer};
use super::types::{CouponSpec, DistributionMethod};
use crate::wire_enum;

wire_enum!(
    CampaignType {
        Bulk = 1 => "BULK",
        Triggered = 2 => "TRIGGERED",
        Personalized = 3 => "PERSONALIZED",
        Referral = 4 => "REFERRAL",
    }
);

wire_enum!(
    /// DRAFT -> SCHEDULED -> ACTIVE <-> PAUSED -> COMPLETED; CANCELLED from
    /// any state but COMPLETED. A SCHEDULED campaign's codes work from its
    /// start; only an ACTIVE (or started SCHEDULED) campaign's codes redeem.
    CampaignStatus {
        Draft = 1 => "DRAFT",
        Scheduled = 2 => "SCHEDULED",
        Active = 3 => "ACTIVE",
        Paused = 4 => "PAUSED",
        Completed = 5 => "COMPLETED",
        Cancelled = 6 => "CANCELLED",
    }
);

wire_enum!(
    /// What a generated code carries so that a mistyped or guessed one is
    /// refused without a lookup: NONE; CHECK_CHARACTER, one Luhn mod N
    /// character over the code's alphabet (catches every single-character
    /// error and most swaps); MAC, a keyed hash of the code in `mac_length`
    /// characters (a guess passes with probability 1/alphabet^mac_length).
    CodeCheck {
        None = 1 => "NONE",
        CheckCharacter = 2 => "CHECK_CHARACTER",
        Mac = 3 => "MAC",
    }
);

/// How codes are generated (the seed's GenerationRules).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GenerationRules {
    /// Random characters per code, between prefix and suffix.
    pub code_length: u8,
    pub prefix: String,
    pub suffix: String,
    pub include_letters: bool,
    pub include_digits: bool,
    pub include_special: bool,
    /// Leave out characters that read alike (0/O, 1/I/L, ...).
    pub exclude_ambiguous: bool,
    pub check: CodeCheck,
    /// MAC characters (with `check` MAC).
    pub mac_length: u8,
}

impl Default for GenerationRules {
    /// The seed's defaults.
    fn default() -> Self {
        GenerationRules {
            code_length: 8,
            prefix: String::new(),
            suffix: String::new(),
            include_letters: true,
            include_digits: true,
            include_special: false,
            exclude_ambiguous: true,
            check: CodeCheck::None,
            mac_length: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DistributionStrategy {
    pub method: DistributionMethod,
    pub batch_size: u32,
    /// Codes per hour a distributor should send.
    pub distribution_rate: u32,
    pub auto_distribute: bool,
}

impl Default for DistributionStrategy {
    fn default() -> Self {
        DistributionStrategy {
            method: DistributionMethod::Manual,
            batch_size: 1000,
            distribution_rate: 100,
            auto_distribute: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TargetAudience {
    pub segments: Vec<String>,
    pub customer_ids: Vec<String>,
    pub include_new_customers: bool,
    pub exclude_recent_users: bool,
}

/// Everything an admin sets on a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CampaignSpec {
    pub name: String,
    pub description: String,
    pub campaign_type: CampaignType,
    /// Every generated code is a coupon like this one (its `code` unused).
    pub template: CouponSpec,
    /// Days each generated code is valid from its generation (0: no limit of
    /// its own): its window ends at the earlier of the template's `ends_at`
    /// and generation + `validity_days` × 86,400,000 ms.
    pub validity_days: u32,
    pub rules: GenerationRules,
    pub distribution: DistributionStrategy,
    pub audience: TargetAudience,
    /// Most discount, in minor units of the template's currency, that all
    /// the campaign's redemptions together may give.
    pub budget_limit: Option<i64>,
    /// Most codes the campaign may generate.
    pub coupon_limit: Option<u64>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// A REFERRAL campaign's reward: when a referred customer's order that
    /// used one of its codes is captured, the code's referrer is issued a
    /// code of this campaign (PERSONALIZED or TRIGGERED), bound to them.
    /// None: no reward. Only REFERRAL campaigns have one.
    pub reward_campaign_id: Option<u64>,
}

/// A campaign as stored: its spec, status and counters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Campaign {
    pub id: u64,
    pub revision: u64,
    pub spec: CampaignSpec,
    pub status: CampaignStatus,
    /// Codes generated so far, and how many a generation asked for in all.
    pub coupons_generated: u64,
    pub generation_target: u64,
    /// Discount given by the campaign's redemptions (held ones included).
    pub budget_used: i64,
    /// Redemptions of the campaign's coupons (captured, held ones included).
    pub redemptions: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
}

// `wire_enum!` cannot mark a default variant, so these are written out.
#[allow(clippy::derivable_impls)]
impl Default for CampaignType {
    fn default() -> Self {
        CampaignType::Bulk
    }
}

#[allow(clippy::derivable_impls)]
impl Default for CampaignStatus {
    fn default() -> Self {
        CampaignStatus::Draft
    }
}

impl GenerationRules {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.code_length);
        w.str(&self.prefix);
        w.str(&self.suffix);
        w.bool(self.include_letters);
        w.bool(self.include_digits);
        w.bool(self.include_special);
        w.bool(self.exclude_ambiguous);
        w.u8(self.check.as_u8());
        w.u8(self.mac_length);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(GenerationRules {
            code_length: r.u8("code_length")?,
            prefix: r.str("prefix")?,
            suffix: r.str("suffix")?,
            include_letters: r.bool("include_letters")?,
            include_digits: r.bool("include_digits")?,
            include_special: r.bool("include_special")?,
            exclude_ambiguous: r.bool("exclude_ambiguous")?,
            check: CodeCheck::read(r, "check")?,
            mac_length: r.u8("mac_length")?,
        })
    }
}

impl CampaignSpec {
    /// The current layout: the template whole (CouponSpec fields 1 to 46),
    /// then `reward_campaign_id`.
    pub fn write(&self, w: &mut Writer) {
        self.write_template_as(w, CouponSpec::write);
        self.write_campaign_tail(w);
    }

    /// The template in CouponSpec's fields 1 to 30 (stored definitions keep
    /// 31 to 33 at their own end).
    pub fn write_rules_layout(&self, w: &mut Writer) {
        self.write_template_as(w, CouponSpec::write_rules_layout);
    }

    fn write_template_as(&self, w: &mut Writer, template: fn(&CouponSpec, &mut Writer)) {
        w.str(&self.name);
        w.str(&self.description);
        w.u8(self.campaign_type.as_u8());
        template(&self.template, w);
        w.u32(self.validity_days);
        self.rules.write(w);
        w.u8(self.distribution.method.as_u8());
        w.u32(self.distribution.batch_size);
        w.u32(self.distribution.distribution_rate);
        w.bool(self.distribution.auto_distribute);
        w.strs(&self.audience.segments);
        w.strs(&self.audience.customer_ids);
        w.bool(self.audience.include_new_customers);
        w.bool(self.audience.exclude_recent_users);
        w.opt_i64(self.budget_limit);
        w.opt_u64(self.coupon_limit);
        w.opt_i64(self.starts_at);
        w.opt_i64(self.ends_at);
    }

    /// The fields appended after the template's tail: `reward_campaign_id`.
    pub fn write_campaign_tail(&self, w: &mut Writer) {
        w.opt_u64(self.reward_campaign_id);
    }

    pub fn read_campaign_tail(&mut self, r: &mut Reader) -> Result<(), DecodeError> {
        self.reward_campaign_id = r.opt_u64("reward_campaign_id")?;
        Ok(())
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut spec = CampaignSpec::read_template_as(r, CouponSpec::read)?;
        spec.read_campaign_tail(r)?;
        Ok(spec)
    }

    /// See `write_rules_layout`; the template's fields 31 to 33 are off.
    pub fn read_rules_layout(r: &mut Reader) -> Result<Self, DecodeError> {
        CampaignSpec::read_template_as(r, CouponSpec::read_rules_layout)
    }

    fn read_template_as(
        r: &mut Reader,
        template: fn(&mut Reader) -> Result<CouponSpec, DecodeError>,
    ) -> Result<Self, DecodeError> {
        Ok(CampaignSpec {
            name: r.str("name")?,
            description: r.str("description")?,
            campaign_type: CampaignType::read(r, "campaign_type")?,
            template: template(r)?,
            validity_days: r.u32("validity_days")?,
            rules: GenerationRules::read(r)?,
            distribution: DistributionStrategy {
                method: DistributionMethod::read(r, "distribution_method")?,
                batch_size: r.u32("batch_size")?,
                distribution_rate: r.u32("distribution_rate")?,
                auto_distribute: r.bool("auto_distribute")?,
            },
            audience: TargetAudience {
                segments: r.strs("segments")?,
                customer_ids: r.strs("customer_ids")?,
                include_new_customers: r.bool("include_new_customers")?,
                exclude_recent_users: r.bool("exclude_recent_users")?,
            },
            budget_limit: r.opt_i64("budget_limit")?,
            coupon_limit: r.opt_u64("coupon_limit")?,
            starts_at: r.opt_i64("starts_at")?,
            ends_at: r.opt_i64("ends_at")?,
            reward_campaign_id: None,
        })
    }
}

impl Campaign {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.revision);
        self.spec.write(w);
        w.u8(self.status.as_u8());
        w.u64(self.coupons_generated);
        w.u64(self.generation_target);
        w.i64(self.budget_used);
        w.u64(self.redemptions);
        w.i64(self.created_at);
        w.i64(self.updated_at);
        w.str(&self.created_by);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Campaign {
            id: r.u64("id")?,
            revision: r.u64("revision")?,
            spec: CampaignSpec::read(r)?,
            status: CampaignStatus::read(r, "status")?,
            coupons_generated: r.u64("coupons_generated")?,
            generation_target: r.u64("generation_target")?,
            budget_used: r.i64("budget_used")?,
            redemptions: r.u64("redemptions")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            created_by: r.str("created_by")?,
        })
    }
}

/// One generated code, as CAMPAIGN_EXPORT lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CampaignCode {
    pub coupon_id: u64,
    pub code: String,
    /// Uses so far (held ones included).
    pub uses: u64,
}

impl CampaignCode {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.u64(self.uses);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(CampaignCode {
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            uses: r.u64("uses")?,
        })
    }
}

/// Most customers one CAMPAIGN_ASSIGN names: one log record and one reply
/// of at most 1,000 codes.
pub const MAX_ASSIGN_CUSTOMERS: usize = 1000;

/// One customer's code from CAMPAIGN_ASSIGN.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AssignedCode {
    pub customer_id: String,
    pub code: String,
    pub coupon_id: u64,
    /// true: made by this request; false: the customer already had it.
    pub created: bool,
}

impl AssignedCode {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.customer_id);
        w.str(&self.code);
        w.u64(self.coupon_id);
        w.bool(self.created);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(AssignedCode {
            customer_id: r.str("customer_id")?,
            code: r.str("code")?,
            coupon_id: r.u64("coupon_id")?,
            created: r.bool("created")?,
        })
    }
}
