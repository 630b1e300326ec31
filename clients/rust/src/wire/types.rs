//! The domain values that travel on the wire, and their byte layouts.
//! Money is always i64 minor units with an ISO 4217 currency; percentages are
//! basis points (1/100 of a percent); times are unix milliseconds, UTC.

use super::primitives::{DecodeError, Reader, Writer};
use crate::wire_enum;

wire_enum!(
    /// How a coupon may be used (the seed's coupon_type).
    CouponType {
        SingleUse = 1 => "SINGLE_USE",
        MultiUse = 2 => "MULTI_USE",
        Unlimited = 3 => "UNLIMITED",
        Generic = 4 => "GENERIC",
        Personalized = 5 => "PERSONALIZED",
    }
);

wire_enum!(
    /// What the discount is. PERCENTAGE values are basis points; FIXED values are minor units.
    DiscountType {
        Percentage = 1 => "PERCENTAGE",
        Fixed = 2 => "FIXED",
        FreeShipping = 3 => "FREE_SHIPPING",
        BuyXGetY = 4 => "BUY_X_GET_Y",
        Product = 5 => "PRODUCT",
    }
);

wire_enum!(
    /// The status an admin sets. EXPIRED and EXHAUSTED are derived, never set.
    AdminStatus {
        Active = 1 => "ACTIVE",
        Inactive = 2 => "INACTIVE",
        Suspended = 3 => "SUSPENDED",
    }
);

wire_enum!(
    /// The status a coupon has now: the admin status, or a derived one.
    CouponStatus {
        Active = 1 => "ACTIVE",
        Inactive = 2 => "INACTIVE",
        Suspended = 3 => "SUSPENDED",
        Expired = 4 => "EXPIRED",
        Exhausted = 5 => "EXHAUSTED",
    }
);

wire_enum!(
    DistributionMethod {
        Manual = 1 => "MANUAL",
        Email = 2 => "EMAIL",
        Sms = 3 => "SMS",
        App = 4 => "APP",
        Website = 5 => "WEBSITE",
        Partner = 6 => "PARTNER",
    }
);

wire_enum!(
    CriteriaType {
        Category = 1 => "category",
        Brand = 2 => "brand",
        Sku = 3 => "sku",
        Tag = 4 => "tag",
        PriceRange = 5 => "price_range",
        ProductId = 6 => "product_id",
    }
);

wire_enum!(
    CriteriaOperator {
        In = 1 => "in",
        NotIn = 2 => "not_in",
        Equals = 3 => "equals",
        GreaterThan = 4 => "greater_than",
        LessThan = 5 => "less_than",
    }
);

wire_enum!(
    /// PENDING is a hold (reserve); PROCESSED a captured use; RELEASED a hold given
    /// back on decline; EXPIRED a hold given back at its TTL; REVERSED a use given
    /// back on cancel or refund; REJECTED an attempt a security check blocked
    /// (kept for the fraud report; it used nothing).
    RedemptionStatus {
        Pending = 1 => "PENDING",
        Processed = 2 => "PROCESSED",
        Released = 3 => "RELEASED",
        Expired = 4 => "EXPIRED",
        Reversed = 5 => "REVERSED",
        Rejected = 6 => "REJECTED",
    }
);

wire_enum!(
    /// How risky a request looks, by its fraud score (protocol.md, "Fraud
    /// score"): LOW below 300,000 ppm, MEDIUM below 600,000, HIGH below
    /// 850,000, CRITICAL from there.
    RiskLevel {
        Low = 1 => "LOW",
        Medium = 2 => "MEDIUM",
        High = 3 => "HIGH",
        Critical = 4 => "CRITICAL",
    }
);

wire_enum!(
    /// An identifier of an order a coupon may limit uses or discount by.
    Identifier {
        Email = 1 => "email",
        Device = 2 => "device",
        Ip = 3 => "ip",
        Payment = 4 => "payment",
    }
);

wire_enum!(
    /// What a redemption turned out to be (FRAUD_OUTCOME).
    FraudLabel {
        Fraud = 1 => "fraud",
        Legit = 2 => "legit",
    }
);

wire_enum!(
    /// A node's role in the cluster: LEADER takes writes; FOLLOWER and
    /// LEARNER (a non-voting member) follow it and serve reads; CANDIDATE is
    /// standing for election; STOPPED has stopped taking part.
    NodeRole {
        Leader = 1 => "LEADER",
        Follower = 2 => "FOLLOWER",
        Candidate = 3 => "CANDIDATE",
        Learner = 4 => "LEARNER",
        Stopped = 5 => "STOPPED",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProductCriteria {
    pub criteria_type: Option<CriteriaType>,
    pub operator: Option<CriteriaOperator>,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecuritySettings {
    pub ip_restrictions: Vec<String>,
    pub device_fingerprinting: bool,
    pub velocity_checks: bool,
    pub max_redemptions_per_hour: u32,
    pub require_email_verification: bool,
    pub block_suspicious_patterns: bool,
}

impl Default for SecuritySettings {
    /// The seed's defaults.
    fn default() -> Self {
        SecuritySettings {
            ip_restrictions: Vec::new(),
            device_fingerprinting: false,
            velocity_checks: true,
            max_redemptions_per_hour: 10,
            require_email_verification: false,
            block_suspicious_patterns: true,
        }
    }
}

/// A limit on the uses, or the discount, one identifier of the orders (a
/// mailbox, a device, an IP address, a payment card) may take of a coupon.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct IdentifierLimit {
    pub identifier: Identifier,
    /// Active (held or captured) uses per identifier; None: no limit.
    pub max_uses: Option<u32>,
    /// Discount of those uses, minor units of the order's currency; None: no limit.
    pub max_discount_amount: Option<i64>,
}

/// One detector's finding on a request: its strength (ppm of full) and
/// what it added to the fraud score's logit (ppm of a logit).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecurityCheck {
    pub name: String,
    pub passed: bool,
    pub strength_ppm: u32,
    pub contribution_ppm: i64,
}

/// The fraud score of a request (ppm, 0 to 1,000,000), its risk level, whether
/// it was flagged for review, and the checks behind it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecurityAssessment {
    pub fraud_score_ppm: u32,
    /// None: not assessed (a redemption from before scoring).
    pub risk_level: Option<RiskLevel>,
    /// At or above the coupon's `review_score`: accepted, to be looked at.
    pub flagged: bool,
    pub checks: Vec<SecurityCheck>,
}

wire_enum!(
    /// What kind of discount a code is, for deciding which codes of one order
    /// combine (protocol.md, Stacking).
    StackClass {
        Order = 1 => "ORDER",
        Product = 2 => "PRODUCT",
        Shipping = 3 => "SHIPPING",
    }
);

wire_enum!(
    /// What a partial refund does when what the customer keeps of the order
    /// falls below the coupon's `min_order_amount`: PRORATE gives back the
    /// refund's share of the discount, as any refund; REVERSE_DISCOUNT gives
    /// back the whole discount and the use, as the order no longer qualifies
    /// (protocol.md, REVERSE).
    RefundBelowMinimum {
        Prorate = 1 => "PRORATE",
        ReverseDiscount = 2 => "REVERSE_DISCOUNT",
    }
);

/// `StackSettings::combines_with` bits.
pub const COMBINES_WITH_ORDER: u8 = 1;
pub const COMBINES_WITH_PRODUCT: u8 = 2;
pub const COMBINES_WITH_SHIPPING: u8 = 4;
/// Every class: what a coupon combines with unless it says otherwise.
pub const COMBINES_WITH_ALL: u8 =
    COMBINES_WITH_ORDER | COMBINES_WITH_PRODUCT | COMBINES_WITH_SHIPPING;

impl StackClass {
    /// Its bit in `StackSettings::combines_with`.
    pub fn combines_bit(self) -> u8 {
        match self {
            StackClass::Order => COMBINES_WITH_ORDER,
            StackClass::Product => COMBINES_WITH_PRODUCT,
            StackClass::Shipping => COMBINES_WITH_SHIPPING,
        }
    }
}

/// How a coupon stacks with the other codes of one order (CouponSpec fields
/// 34 to 37).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StackSettings {
    /// None: from the discount type (protocol.md, Stacking).
    pub class: Option<StackClass>,
    /// The classes it combines with, `COMBINES_WITH_*` bits.
    pub combines_with: u8,
    /// Applies only alone.
    pub exclusive: bool,
    /// Higher applies first.
    pub priority: i32,
}

impl Default for StackSettings {
    fn default() -> Self {
        StackSettings {
            class: None,
            combines_with: COMBINES_WITH_ALL,
            exclusive: false,
            priority: 0,
        }
    }
}

/// Uses per period, in the coupon's time zone at the request's batch time
/// (CouponSpec fields 40 to 43). None: no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PeriodLimits {
    /// Uses by one customer per local day.
    pub customer_per_day: Option<u32>,
    /// Uses by one customer per ISO week (Monday to Sunday).
    pub customer_per_week: Option<u32>,
    /// Uses by one customer per calendar month.
    pub customer_per_month: Option<u32>,
    /// Uses by everyone per local day.
    pub per_day: Option<u32>,
}

/// What reversing a redemption of the coupon does (CouponSpec fields 44
/// and 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReversalPolicy {
    /// Whether a full reversal gives the use back (false: a refunded code
    /// stays used).
    pub returns_use: bool,
    pub below_minimum: RefundBelowMinimum,
}

impl Default for ReversalPolicy {
    fn default() -> Self {
        ReversalPolicy {
            returns_use: true,
            below_minimum: RefundBelowMinimum::Prorate,
        }
    }
}

/// Everything an admin sets on a coupon (create and update carry it whole).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CouponSpec {
    pub code: String,
    pub name: String,
    pub description: String,
    pub coupon_type: CouponType,
    pub discount_type: DiscountType,
    /// Basis points for PERCENTAGE (2000 = 20%), minor units for FIXED.
    pub discount_value: i64,
    /// ISO 4217 code, or empty for a percentage coupon valid in any currency.
    pub currency: String,
    pub max_discount_amount: Option<i64>,
    pub min_order_amount: Option<i64>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    /// IANA zone for rules that need local time; empty means UTC.
    pub time_zone: String,
    pub usage_limit: Option<u64>,
    pub usage_limit_per_customer: Option<u32>,
    pub status: AdminStatus,
    pub campaign_id: Option<u64>,
    pub distribution_method: DistributionMethod,
    pub is_public: bool,
    pub applicable_products: Vec<ProductCriteria>,
    pub excluded_products: Vec<ProductCriteria>,
    pub customer_segments: Vec<String>,
    pub channel_restrictions: Vec<String>,
    pub allowed_email_domains: Vec<String>,
    pub security: SecuritySettings,
    // Fields 25 to 30 were appended after `security`; see `read_at_end`.
    /// FIXED only: take `discount_value` off each eligible line (at most the
    /// line's total) instead of once off the order.
    pub apply_per_line: bool,
    /// BUY_X_GET_Y: eligible units bought (X) per set.
    pub buy_quantity: u32,
    /// BUY_X_GET_Y: units per set (Y) that get `discount_value` basis points
    /// off, the cheapest eligible ones.
    pub get_quantity: u32,
    /// Days of the week the coupon applies on, in `time_zone`: bit 0 is Monday
    /// .. bit 6 Sunday; 0 means every day.
    pub active_days: u8,
    /// Local time of day from which the coupon applies, minutes after
    /// midnight (inclusive). Start and end both 0 means all day.
    pub active_start_minute: u16,
    /// Local time of day until which it applies (exclusive), 1..=1440; below
    /// the start, the period runs past midnight.
    pub active_end_minute: u16,
    // Fields 31 to 33 were appended after `active_end_minute`.
    /// Limits per identifier of the orders (at most one per identifier).
    pub identifier_limits: Vec<IdentifierLimit>,
    /// A fraud score (ppm) from which an accepted request is flagged; None: never.
    pub review_score: Option<u32>,
    /// A fraud score (ppm) from which a request is refused (FRAUD_SUSPECTED); None: never.
    pub block_score: Option<u32>,
    // Fields 34 to 45 were appended after `block_score`.
    pub stacking: StackSettings,
    /// An automatic promotion: QUALIFY lists it for a cart without its code
    /// being typed (its code still redeems it).
    pub auto_apply: bool,
    /// Empty: anyone may use it. Otherwise only this customer (NOT_ASSIGNED).
    pub assigned_customer_id: String,
    pub period_limits: PeriodLimits,
    pub reversal: ReversalPolicy,
    // Field 46 was appended after `refund_below_minimum`.
    /// A REFERRAL campaign's code: the customer who shares it (the referrer),
    /// rewarded when a referred customer's order is captured, and never
    /// allowed to use it (SELF_REFERRAL). Empty on every other coupon; set
    /// by the server only (CAMPAIGN_ASSIGN of a REFERRAL campaign).
    pub referrer_customer_id: String,
}

impl Default for CouponSpec {
    fn default() -> Self {
        CouponSpec {
            code: String::new(),
            name: String::new(),
            description: String::new(),
            coupon_type: CouponType::MultiUse,
            discount_type: DiscountType::Percentage,
            discount_value: 0,
            currency: String::new(),
            max_discount_amount: None,
            min_order_amount: None,
            starts_at: None,
            ends_at: None,
            time_zone: String::new(),
            usage_limit: None,
            usage_limit_per_customer: None,
            status: AdminStatus::Active,
            campaign_id: None,
            distribution_method: DistributionMethod::Manual,
            is_public: false,
            applicable_products: Vec::new(),
            excluded_products: Vec::new(),
            customer_segments: Vec::new(),
            channel_restrictions: Vec::new(),
            allowed_email_domains: Vec::new(),
            security: SecuritySettings::default(),
            apply_per_line: false,
            buy_quantity: 0,
            get_quantity: 0,
            active_days: 0,
            active_start_minute: 0,
            active_end_minute: 0,
            identifier_limits: Vec::new(),
            review_score: None,
            block_score: None,
            stacking: StackSettings::default(),
            auto_apply: false,
            assigned_customer_id: String::new(),
            period_limits: PeriodLimits::default(),
            reversal: ReversalPolicy::default(),
            referrer_customer_id: String::new(),
        }
    }
}

/// A stored coupon: the spec plus what the server keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Coupon {
    pub id: u64,
    /// Increases on every change; `update` may require a given revision.
    pub revision: u64,
    pub spec: CouponSpec,
    pub status: CouponStatus,
    /// Captured uses (PROCESSED redemptions).
    pub current_usage: u64,
    /// Uses held by PENDING reservations; they count against the limits.
    pub reserved_uses: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
    /// Attempts blocked by a security check or flagged for review.
    pub fraud_attempts: u64,
    /// Attempts blocked by a security check (REJECTED redemptions).
    pub blocked_redemptions: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LineItem {
    pub product_id: String,
    pub sku: String,
    pub category: String,
    pub brand: String,
    pub tags: Vec<String>,
    pub unit_price: i64,
    pub quantity: u32,
}

/// The order a coupon is validated or redeemed against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Order {
    /// Empty for a guest; coupons with a per-customer limit then refuse.
    pub customer_id: String,
    pub amount: i64,
    pub currency: String,
    pub channel: String,
    pub shipping_amount: i64,
    pub customer_email: String,
    pub customer_segments: Vec<String>,
    pub items: Vec<LineItem>,
    pub ip_address: String,
    pub user_agent: String,
    pub device_fingerprint: String,
    // Fields 12 to 14 were appended after `device_fingerprint`.
    /// The shop verified the customer's email.
    pub email_verified: bool,
    /// The payment provider's fingerprint of the card (or other instrument).
    pub payment_fingerprint: String,
    /// The payment provider's own risk score, ppm (0 to 1,000,000).
    pub provider_risk_score: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CouponRef {
    Id(u64),
    Code(String),
}

/// A redemption is named by its id, or by the (coupon code, order id) pair that
/// makes every operation idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RedemptionRef {
    Id(u64),
    Order { code: String, order_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Redemption {
    pub id: u64,
    pub coupon_id: u64,
    pub code: String,
    pub customer_id: String,
    pub order_id: String,
    pub transaction_id: String,
    pub status: RedemptionStatus,
    pub original_amount: i64,
    pub discount_amount: i64,
    pub final_amount: i64,
    pub currency: String,
    pub channel: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// When a PENDING hold is given back if not confirmed.
    pub hold_expires_at: Option<i64>,
    pub reverse_reason: String,
    // Fields 17 to 20 were appended after `reverse_reason`.
    /// The fraud score when it was decided; `checks` holds only the checks
    /// that found something (the others passed).
    pub security: SecurityAssessment,
    /// What it turned out to be (FRAUD_OUTCOME); None: not told.
    pub fraud_outcome: Option<FraudLabel>,
    /// The order's identifiers, as sent.
    pub identifiers: OrderIdentifiers,
    /// Which of them the use is counted under, so that giving it back gives
    /// back exactly those (bits: 1 the mailbox and 2 a guest's device, for a
    /// per-customer limit; 4, 8, 16 and 32 the email, device, ip and payment
    /// identifier limits; 64 a reversal kept the use; 128 the coupon's uses
    /// per period).
    pub counted: u8,
}

/// The identifiers of the order a redemption was made for, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderIdentifiers {
    pub customer_email: String,
    pub ip_address: String,
    pub device_fingerprint: String,
    pub payment_fingerprint: String,
}

/// The reply to every operation on one redemption.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RedemptionReply {
    pub redemption: Redemption,
    /// Uses left on the coupon after this operation; None when unlimited.
    pub remaining_uses: Option<u64>,
    /// True when the request was a retry and changed nothing.
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Validation {
    pub valid: bool,
    /// `ErrorCode` number of the refusal, 0 when valid.
    pub reason: u16,
    pub message: String,
    pub coupon_id: u64,
    pub code: String,
    pub name: String,
    pub discount_type: Option<DiscountType>,
    pub discount_value: i64,
    pub max_discount_amount: Option<i64>,
    pub applicable_amount: i64,
    pub discount_amount: i64,
    pub final_amount: i64,
    pub currency: String,
    pub remaining_uses: Option<u64>,
    pub customer_usage_count: u32,
    pub expires_at: Option<i64>,
    // Field 17 was appended after `expires_at`.
    /// The fraud score and every check; default (not assessed) when no
    /// coupon has the code.
    pub security_assessment: SecurityAssessment,
}

impl ProductCriteria {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.criteria_type.map_or(0, CriteriaType::as_u8));
        w.u8(self.operator.map_or(0, CriteriaOperator::as_u8));
        w.strs(&self.values);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        // 0 is kept as "unset" so that the server can name the field in its error.
        let t = r.u8("criteria_type")?;
        let o = r.u8("operator")?;
        Ok(ProductCriteria {
            criteria_type: CriteriaType::from_u8(t),
            operator: CriteriaOperator::from_u8(o),
            values: r.strs("values")?,
        })
    }
}

impl SecuritySettings {
    pub fn write(&self, w: &mut Writer) {
        w.strs(&self.ip_restrictions);
        w.bool(self.device_fingerprinting);
        w.bool(self.velocity_checks);
        w.u32(self.max_redemptions_per_hour);
        w.bool(self.require_email_verification);
        w.bool(self.block_suspicious_patterns);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(SecuritySettings {
            ip_restrictions: r.strs("ip_restrictions")?,
            device_fingerprinting: r.bool("device_fingerprinting")?,
            velocity_checks: r.bool("velocity_checks")?,
            max_redemptions_per_hour: r.u32("max_redemptions_per_hour")?,
            require_email_verification: r.bool("require_email_verification")?,
            block_suspicious_patterns: r.bool("block_suspicious_patterns")?,
        })
    }
}

impl IdentifierLimit {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.identifier.as_u8());
        w.opt_u32(self.max_uses);
        w.opt_i64(self.max_discount_amount);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(IdentifierLimit {
            identifier: Identifier::read(r, "identifier")?,
            max_uses: r.opt_u32("max_uses")?,
            max_discount_amount: r.opt_i64("max_discount_amount")?,
        })
    }
}

impl SecurityCheck {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.name);
        w.bool(self.passed);
        w.u32(self.strength_ppm);
        w.i64(self.contribution_ppm);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(SecurityCheck {
            name: r.str("name")?,
            passed: r.bool("passed")?,
            strength_ppm: r.u32("strength_ppm")?,
            contribution_ppm: r.i64("contribution_ppm")?,
        })
    }
}

impl SecurityAssessment {
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.fraud_score_ppm);
        w.u8(self.risk_level.map_or(0, RiskLevel::as_u8));
        w.bool(self.flagged);
        w.list(&self.checks, |w, c| c.write(w));
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let fraud_score_ppm = r.u32("fraud_score")?;
        let risk_level = match r.u8("risk_level")? {
            0 => None,
            v => Some(RiskLevel::from_u8(v).ok_or(DecodeError::UnknownValue {
                field: "risk_level",
                value: u64::from(v),
            })?),
        };
        Ok(SecurityAssessment {
            fraud_score_ppm,
            risk_level,
            flagged: r.bool("flagged")?,
            checks: r.list("checks", SecurityCheck::read)?,
        })
    }
}

impl OrderIdentifiers {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.customer_email);
        w.str(&self.ip_address);
        w.str(&self.device_fingerprint);
        w.str(&self.payment_fingerprint);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderIdentifiers {
            customer_email: r.str("customer_email")?,
            ip_address: r.str("ip_address")?,
            device_fingerprint: r.str("device_fingerprint")?,
            payment_fingerprint: r.str("payment_fingerprint")?,
        })
    }
}

impl CouponSpec {
    /// Fields 1 to 46.
    pub fn write(&self, w: &mut Writer) {
        self.write_rules_layout(w);
        self.write_fraud(w);
        self.write_order_settings(w);
        w.str(&self.referrer_customer_id);
    }

    /// Fields 1 to 30. Stored definitions, where a spec is followed by other
    /// fields, keep 31 to 33 at their own end (`write_fraud`).
    pub fn write_rules_layout(&self, w: &mut Writer) {
        w.str(&self.code);
        w.str(&self.name);
        w.str(&self.description);
        w.u8(self.coupon_type.as_u8());
        w.u8(self.discount_type.as_u8());
        w.i64(self.discount_value);
        w.str(&self.currency);
        w.opt_i64(self.max_discount_amount);
        w.opt_i64(self.min_order_amount);
        w.opt_i64(self.starts_at);
        w.opt_i64(self.ends_at);
        w.str(&self.time_zone);
        w.opt_u64(self.usage_limit);
        w.opt_u32(self.usage_limit_per_customer);
        w.u8(self.status.as_u8());
        w.opt_u64(self.campaign_id);
        w.u8(self.distribution_method.as_u8());
        w.bool(self.is_public);
        w.list(&self.applicable_products, |w, c| c.write(w));
        w.list(&self.excluded_products, |w, c| c.write(w));
        w.strs(&self.customer_segments);
        w.strs(&self.channel_restrictions);
        w.strs(&self.allowed_email_domains);
        self.security.write(w);
        w.bool(self.apply_per_line);
        w.u32(self.buy_quantity);
        w.u32(self.get_quantity);
        w.u8(self.active_days);
        w.u16(self.active_start_minute);
        w.u16(self.active_end_minute);
    }

    /// Fields 31 to 33.
    pub fn write_fraud(&self, w: &mut Writer) {
        w.list(&self.identifier_limits, |w, l| l.write(w));
        w.opt_u32(self.review_score);
        w.opt_u32(self.block_score);
    }

    /// Fields 34 to 45: stacking, automatic, assigned customer, uses per
    /// period, reversal policy. Stored definitions keep them after 31 to 33.
    pub fn write_order_settings(&self, w: &mut Writer) {
        let s = &self.stacking;
        w.u8(s.class.map_or(0, StackClass::as_u8));
        w.u8(s.combines_with);
        w.bool(s.exclusive);
        w.i32(s.priority);
        w.bool(self.auto_apply);
        w.str(&self.assigned_customer_id);
        let p = &self.period_limits;
        w.opt_u32(p.customer_per_day);
        w.opt_u32(p.customer_per_week);
        w.opt_u32(p.customer_per_month);
        w.opt_u32(p.per_day);
        w.bool(self.reversal.returns_use);
        w.u8(self.reversal.below_minimum.as_u8());
    }

    /// The current layout, fields 1 to 46.
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut spec = CouponSpec::read_rules_layout(r)?;
        spec.read_fraud(r)?;
        spec.read_order_settings(r)?;
        spec.referrer_customer_id = r.str("referrer_customer_id")?;
        Ok(spec)
    }

    /// Fields 1 to 30, with 31 to 33 off (no identifier limits, no review
    /// or block score): what a spec from before them means.
    pub fn read_rules_layout(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut spec = CouponSpec::read_original(r)?;
        spec.read_appended(r)?;
        Ok(spec)
    }

    /// A spec that ends its body (COUPON_CREATE, COUPON_UPDATE). A body from a
    /// client that predates fields 25 to 30 ends after field 24, and one that
    /// predates 31 to 33 after field 30, 34 to 45 after field 33, and 46
    /// after field 45; the missing fields then keep the values that change
    /// nothing.
    pub fn read_at_end(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut spec = CouponSpec::read_original(r)?;
        if r.remaining() > 0 {
            spec.read_appended(r)?;
        }
        if r.remaining() > 0 {
            spec.read_fraud(r)?;
        }
        if r.remaining() > 0 {
            spec.read_order_settings(r)?;
        }
        if r.remaining() > 0 {
            spec.referrer_customer_id = r.str("referrer_customer_id")?;
        }
        Ok(spec)
    }

    /// Fields 31 to 33.
    pub fn read_fraud(&mut self, r: &mut Reader) -> Result<(), DecodeError> {
        self.identifier_limits = r.list("identifier_limits", IdentifierLimit::read)?;
        self.review_score = r.opt_u32("review_score")?;
        self.block_score = r.opt_u32("block_score")?;
        Ok(())
    }

    /// Fields 34 to 45.
    pub fn read_order_settings(&mut self, r: &mut Reader) -> Result<(), DecodeError> {
        self.stacking = StackSettings {
            class: match r.u8("stack_class")? {
                0 => None,
                v => Some(StackClass::from_u8(v).ok_or(DecodeError::UnknownValue {
                    field: "stack_class",
                    value: u64::from(v),
                })?),
            },
            combines_with: r.u8("combines_with")?,
            exclusive: r.bool("exclusive")?,
            priority: r.i32("stack_priority")?,
        };
        self.auto_apply = r.bool("auto_apply")?;
        self.assigned_customer_id = r.str("assigned_customer_id")?;
        self.period_limits = PeriodLimits {
            customer_per_day: r.opt_u32("customer_uses_per_day")?,
            customer_per_week: r.opt_u32("customer_uses_per_week")?,
            customer_per_month: r.opt_u32("customer_uses_per_month")?,
            per_day: r.opt_u32("uses_per_day")?,
        };
        self.reversal = ReversalPolicy {
            returns_use: r.bool("reversal_returns_use")?,
            below_minimum: RefundBelowMinimum::read(r, "refund_below_minimum")?,
        };
        Ok(())
    }

    /// The layout before fields 25 to 30 were appended (fields 1 to 24), with
    /// those fields at their defaults. Where a spec is followed by other
    /// fields, only the enclosing encoding can say which layout it holds: the
    /// server's stored rows and log records carry a format for that.
    pub fn read_original(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(CouponSpec {
            code: r.str("code")?,
            name: r.str("name")?,
            description: r.str("description")?,
            coupon_type: CouponType::read(r, "coupon_type")?,
            discount_type: DiscountType::read(r, "discount_type")?,
            discount_value: r.i64("discount_value")?,
            currency: r.str("currency")?,
            max_discount_amount: r.opt_i64("max_discount_amount")?,
            min_order_amount: r.opt_i64("min_order_amount")?,
            starts_at: r.opt_i64("starts_at")?,
            ends_at: r.opt_i64("ends_at")?,
            time_zone: r.str("time_zone")?,
            usage_limit: r.opt_u64("usage_limit")?,
            usage_limit_per_customer: r.opt_u32("usage_limit_per_customer")?,
            status: AdminStatus::read(r, "status")?,
            campaign_id: r.opt_u64("campaign_id")?,
            distribution_method: DistributionMethod::read(r, "distribution_method")?,
            is_public: r.bool("is_public")?,
            applicable_products: r.list("applicable_products", ProductCriteria::read)?,
            excluded_products: r.list("excluded_products", ProductCriteria::read)?,
            customer_segments: r.strs("customer_segments")?,
            channel_restrictions: r.strs("channel_restrictions")?,
            allowed_email_domains: r.strs("allowed_email_domains")?,
            security: SecuritySettings::read(r)?,
            review_score: None,
            block_score: None,
            ..CouponSpec::default()
        })
    }

    fn read_appended(&mut self, r: &mut Reader) -> Result<(), DecodeError> {
        self.apply_per_line = r.bool("apply_per_line")?;
        self.buy_quantity = r.u32("buy_quantity")?;
        self.get_quantity = r.u32("get_quantity")?;
        self.active_days = r.u8("active_days")?;
        self.active_start_minute = r.u16("active_start_minute")?;
        self.active_end_minute = r.u16("active_end_minute")?;
        Ok(())
    }
}

impl Coupon {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.revision);
        self.spec.write(w);
        w.u8(self.status.as_u8());
        w.u64(self.current_usage);
        w.u64(self.reserved_uses);
        w.i64(self.created_at);
        w.i64(self.updated_at);
        w.str(&self.created_by);
        w.u64(self.fraud_attempts);
        w.u64(self.blocked_redemptions);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Coupon {
            id: r.u64("id")?,
            revision: r.u64("revision")?,
            spec: CouponSpec::read(r)?,
            status: CouponStatus::read(r, "status")?,
            current_usage: r.u64("current_usage")?,
            reserved_uses: r.u64("reserved_uses")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            created_by: r.str("created_by")?,
            fraud_attempts: r.u64("fraud_attempts")?,
            blocked_redemptions: r.u64("blocked_redemptions")?,
        })
    }
}

impl LineItem {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.product_id);
        w.str(&self.sku);
        w.str(&self.category);
        w.str(&self.brand);
        w.strs(&self.tags);
        w.i64(self.unit_price);
        w.u32(self.quantity);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(LineItem {
            product_id: r.str("product_id")?,
            sku: r.str("sku")?,
            category: r.str("category")?,
            brand: r.str("brand")?,
            tags: r.strs("tags")?,
            unit_price: r.i64("unit_price")?,
            quantity: r.u32("quantity")?,
        })
    }
}

impl Order {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.customer_id);
        w.i64(self.amount);
        w.str(&self.currency);
        w.str(&self.channel);
        w.i64(self.shipping_amount);
        w.str(&self.customer_email);
        w.strs(&self.customer_segments);
        w.list(&self.items, |w, i| i.write(w));
        w.str(&self.ip_address);
        w.str(&self.user_agent);
        w.str(&self.device_fingerprint);
        w.bool(self.email_verified);
        w.str(&self.payment_fingerprint);
        w.opt_u32(self.provider_risk_score);
    }
    /// An order ends its request's body: one from a client that predates
    /// fields 12 to 14 ends after field 11, and they keep their defaults.
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut order = Order {
            customer_id: r.str("customer_id")?,
            amount: r.i64("amount")?,
            currency: r.str("currency")?,
            channel: r.str("channel")?,
            shipping_amount: r.i64("shipping_amount")?,
            customer_email: r.str("customer_email")?,
            customer_segments: r.strs("customer_segments")?,
            items: r.list("items", LineItem::read)?,
            ip_address: r.str("ip_address")?,
            user_agent: r.str("user_agent")?,
            device_fingerprint: r.str("device_fingerprint")?,
            ..Order::default()
        };
        if r.remaining() > 0 {
            order.email_verified = r.bool("email_verified")?;
            order.payment_fingerprint = r.str("payment_fingerprint")?;
            order.provider_risk_score = r.opt_u32("provider_risk_score")?;
        }
        Ok(order)
    }
}

impl CouponRef {
    pub fn write(&self, w: &mut Writer) {
        match self {
            CouponRef::Id(id) => {
                w.u8(1);
                w.u64(*id);
            }
            CouponRef::Code(code) => {
                w.u8(2);
                w.str(code);
            }
        }
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        match r.u8("coupon_ref")? {
            1 => Ok(CouponRef::Id(r.u64("id")?)),
            2 => Ok(CouponRef::Code(r.str("code")?)),
            v => Err(DecodeError::UnknownValue {
                field: "coupon_ref",
                value: u64::from(v),
            }),
        }
    }
}

impl RedemptionRef {
    pub fn write(&self, w: &mut Writer) {
        match self {
            RedemptionRef::Id(id) => {
                w.u8(1);
                w.u64(*id);
            }
            RedemptionRef::Order { code, order_id } => {
                w.u8(2);
                w.str(code);
                w.str(order_id);
            }
        }
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        match r.u8("redemption_ref")? {
            1 => Ok(RedemptionRef::Id(r.u64("id")?)),
            2 => Ok(RedemptionRef::Order {
                code: r.str("code")?,
                order_id: r.str("order_id")?,
            }),
            v => Err(DecodeError::UnknownValue {
                field: "redemption_ref",
                value: u64::from(v),
            }),
        }
    }
}

impl Redemption {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.str(&self.customer_id);
        w.str(&self.order_id);
        w.str(&self.transaction_id);
        w.u8(self.status.as_u8());
        w.i64(self.original_amount);
        w.i64(self.discount_amount);
        w.i64(self.final_amount);
        w.str(&self.currency);
        w.str(&self.channel);
        w.i64(self.created_at);
        w.i64(self.updated_at);
        w.opt_i64(self.hold_expires_at);
        w.str(&self.reverse_reason);
        self.security.write(w);
        w.u8(self.fraud_outcome.map_or(0, FraudLabel::as_u8));
        self.identifiers.write(w);
        w.u8(self.counted);
    }

    /// The current layout, fields 1 to 20.
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut redemption = Redemption::read_original(r)?;
        redemption.read_appended(r)?;
        Ok(redemption)
    }

    /// A redemption that ends its encoding (a stored row): one written
    /// before fields 17 to 20 ends after field 16.
    pub fn read_at_end(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut redemption = Redemption::read_original(r)?;
        if r.remaining() > 0 {
            redemption.read_appended(r)?;
        }
        Ok(redemption)
    }

    fn read_appended(&mut self, r: &mut Reader) -> Result<(), DecodeError> {
        self.security = SecurityAssessment::read(r)?;
        self.fraud_outcome = match r.u8("fraud_outcome")? {
            0 => None,
            v => Some(FraudLabel::from_u8(v).ok_or(DecodeError::UnknownValue {
                field: "fraud_outcome",
                value: u64::from(v),
            })?),
        };
        self.identifiers = OrderIdentifiers::read(r)?;
        self.counted = r.u8("counted")?;
        Ok(())
    }

    /// Fields 1 to 16, the layout before the fraud fields.
    pub fn read_original(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Redemption {
            id: r.u64("id")?,
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            customer_id: r.str("customer_id")?,
            order_id: r.str("order_id")?,
            transaction_id: r.str("transaction_id")?,
            status: RedemptionStatus::read(r, "status")?,
            original_amount: r.i64("original_amount")?,
            discount_amount: r.i64("discount_amount")?,
            final_amount: r.i64("final_amount")?,
            currency: r.str("currency")?,
            channel: r.str("channel")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            hold_expires_at: r.opt_i64("hold_expires_at")?,
            reverse_reason: r.str("reverse_reason")?,
            security: SecurityAssessment::default(),
            fraud_outcome: None,
            identifiers: OrderIdentifiers::default(),
            counted: 0,
        })
    }
}

impl RedemptionReply {
    pub fn write(&self, w: &mut Writer) {
        self.redemption.write(w);
        w.opt_u64(self.remaining_uses);
        w.bool(self.replayed);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(RedemptionReply {
            redemption: Redemption::read(r)?,
            remaining_uses: r.opt_u64("remaining_uses")?,
            replayed: r.bool("replayed")?,
        })
    }
}

impl Validation {
    pub fn write(&self, w: &mut Writer) {
        w.bool(self.valid);
        w.u16(self.reason);
        w.str(&self.message);
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.str(&self.name);
        w.u8(self.discount_type.map_or(0, DiscountType::as_u8));
        w.i64(self.discount_value);
        w.opt_i64(self.max_discount_amount);
        w.i64(self.applicable_amount);
        w.i64(self.discount_amount);
        w.i64(self.final_amount);
        w.str(&self.currency);
        w.opt_u64(self.remaining_uses);
        w.u32(self.customer_usage_count);
        w.opt_i64(self.expires_at);
        self.security_assessment.write(w);
    }
    /// A reply from a server that predates field 17 ends after field 16.
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut v = Validation {
            valid: r.bool("valid")?,
            reason: r.u16("reason")?,
            message: r.str("message")?,
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            name: r.str("name")?,
            discount_type: DiscountType::from_u8(r.u8("discount_type")?),
            discount_value: r.i64("discount_value")?,
            max_discount_amount: r.opt_i64("max_discount_amount")?,
            applicable_amount: r.i64("applicable_amount")?,
            discount_amount: r.i64("discount_amount")?,
            final_amount: r.i64("final_amount")?,
            currency: r.str("currency")?,
            remaining_uses: r.opt_u64("remaining_uses")?,
            customer_usage_count: r.u32("customer_usage_count")?,
            expires_at: r.opt_i64("expires_at")?,
            security_assessment: SecurityAssessment::default(),
        };
        if r.remaining() > 0 {
            v.security_assessment = SecurityAssessment::read(r)?;
        }
        Ok(v)
    }
}

/// One reversal of a redemption: a refund of part or all of the order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reversal {
    pub id: u64,
    pub redemption_id: u64,
    /// The refund, in minor units of the redemption's currency.
    pub refund_amount: i64,
    /// The share of the discount this refund gave back (to the campaign's
    /// budget): see protocol.md, "Partial reversal".
    pub discount_returned: i64,
    /// The refunds reached the whole order: the use was given back.
    pub full: bool,
    pub refund_id: String,
    pub reason: String,
    pub created_at: i64,
}

impl Reversal {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.redemption_id);
        w.i64(self.refund_amount);
        w.i64(self.discount_returned);
        w.bool(self.full);
        w.str(&self.refund_id);
        w.str(&self.reason);
        w.i64(self.created_at);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Reversal {
            id: r.u64("id")?,
            redemption_id: r.u64("redemption_id")?,
            refund_amount: r.i64("refund_amount")?,
            discount_returned: r.i64("discount_returned")?,
            full: r.bool("full")?,
            refund_id: r.str("refund_id")?,
            reason: r.str("reason")?,
            created_at: r.i64("created_at")?,
        })
    }
}
