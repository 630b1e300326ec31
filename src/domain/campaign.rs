//! A stored campaign: its definition (changes on create, update and status
//! moves) and its counters (change on every redemption of its coupons and as
//! codes are generated), kept apart like a coupon's.
//!
//! Lifecycle: DRAFT -> SCHEDULED -> ACTIVE <-> PAUSED -> COMPLETED, and
//! CANCELLED from any state but COMPLETED. COMPLETED and CANCELLED are final.
//! A campaign's coupons redeem only while it runs: ACTIVE, or SCHEDULED once
//! its start has come; never past its end.

use std::sync::Arc;

use couponsd_client::wire::{
    Campaign, CampaignSpec, CampaignStatus, CampaignType, DecodeError, Reader, Writer,
};

use super::coupon::{write_spec_tail, CouponDef, SpecLayout};
use super::limits::{DESCRIPTION, NAME};
use super::{bounded, bounded_list};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDef {
    pub id: u64,
    pub revision: u64,
    pub spec: CampaignSpec,
    pub status: CampaignStatus,
    /// Codes asked for by every CAMPAIGN_GENERATE so far; the generator works
    /// until `coupons_generated` reaches it, across restarts.
    pub generation_target: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
}

pub type SharedCampaign = Arc<CampaignDef>;

/// One generated code: its campaign, the code, when it was generated
/// (where its `validity_days` count from), and its customer (CAMPAIGN_ASSIGN,
/// or issued by a trigger or a referral reward; empty: none). A code of a
/// REFERRAL campaign names its referrer (its coupon's
/// `referrer_customer_id`); any other is bound to its customer (its
/// coupon's `assigned_customer_id`). The code row is the one place either
/// is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedCode {
    pub campaign_id: u64,
    pub code: Box<str>,
    pub issued_at: i64,
    pub customer_id: Box<str>,
}

/// What a campaign's coupons have used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignCounters {
    /// Discount of its captured and held redemptions, less what reversals gave back.
    pub budget_used: i64,
    /// Its captured and held redemptions.
    pub redemptions: u64,
    pub coupons_generated: u64,
}

impl CampaignDef {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.revision);
        self.spec.write_rules_layout(w);
        w.u8(self.status.as_u8());
        w.u64(self.generation_target);
        w.i64(self.created_at);
        w.i64(self.updated_at);
        w.str(&self.created_by);
        write_spec_tail(&self.spec.template, w);
        self.spec.write_campaign_tail(w);
    }

    /// `layout` as for a coupon definition (`SpecLayout`; never `Original`:
    /// campaigns came after the discount-rule fields), then the campaign's
    /// own tail in `Campaign` (and in a row, `CurrentAtEnd`, if it has one).
    pub fn read(r: &mut Reader, layout: SpecLayout) -> Result<CampaignDef, DecodeError> {
        let mut def = CampaignDef {
            id: r.u64("id")?,
            revision: r.u64("revision")?,
            spec: CampaignSpec::read_rules_layout(r)?,
            status: CampaignStatus::read(r, "status")?,
            generation_target: r.u64("generation_target")?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            created_by: r.str("created_by")?,
        };
        layout.read_tail(&mut def.spec.template, r)?;
        let has_tail = match layout {
            SpecLayout::Campaign => true,
            SpecLayout::CurrentAtEnd => r.remaining() > 0,
            _ => false,
        };
        if has_tail {
            def.spec.read_campaign_tail(r)?;
        }
        Ok(def)
    }

    pub fn to_wire(&self, counters: CampaignCounters) -> Campaign {
        Campaign {
            id: self.id,
            revision: self.revision,
            spec: self.spec.clone(),
            status: self.status,
            coupons_generated: counters.coupons_generated,
            generation_target: self.generation_target,
            budget_used: counters.budget_used,
            redemptions: counters.redemptions,
            created_at: self.created_at,
            updated_at: self.updated_at,
            created_by: self.created_by.clone(),
        }
    }

    /// Whether a captured redemption may issue one of its codes to the
    /// customer (`writer::triggers`): a TRIGGERED campaign with
    /// `auto_distribute` that may still run.
    pub fn issues_on_capture(&self) -> bool {
        self.spec.campaign_type == CampaignType::Triggered
            && self.spec.distribution.auto_distribute
            && !self.status.is_final()
    }

    /// Whether its coupons may be redeemed at `now`.
    pub fn running(&self, now: i64) -> bool {
        let started = self.spec.starts_at.is_none_or(|s| now >= s);
        let ended = self.spec.ends_at.is_some_and(|e| now >= e);
        match self.status {
            CampaignStatus::Active => !ended,
            CampaignStatus::Scheduled => started && !ended,
            _ => false,
        }
    }

    /// A generated code's coupon: the template under its own code and id,
    /// its window cut to `validity_days` from `issued_at` (its generation),
    /// bound to its customer if it has one.
    pub fn coupon(&self, coupon_id: u64, generated: &GeneratedCode) -> CouponDef {
        let issued_at = generated.issued_at;
        let mut spec = self.spec.template.clone();
        spec.code = generated.code.to_string();
        spec.campaign_id = Some(self.id);
        if !generated.customer_id.is_empty() {
            // A referral code is shared by its customer, not bound to them.
            if self.spec.campaign_type == CampaignType::Referral {
                spec.referrer_customer_id = generated.customer_id.to_string();
            } else {
                spec.assigned_customer_id = generated.customer_id.to_string();
            }
        }
        if self.spec.validity_days > 0 {
            let valid_until = issued_at.saturating_add(i64::from(self.spec.validity_days) * DAY_MS);
            spec.ends_at = Some(spec.ends_at.map_or(valid_until, |end| end.min(valid_until)));
        }
        CouponDef {
            id: coupon_id,
            revision: self.revision,
            spec,
            created_at: issued_at,
            updated_at: self.updated_at.max(issued_at),
            created_by: self.created_by.clone(),
        }
    }
}

/// COMPLETED and CANCELLED: the campaign never changes again.
pub trait FinalStatus {
    fn is_final(&self) -> bool;
}

impl FinalStatus for CampaignStatus {
    fn is_final(&self) -> bool {
        matches!(self, CampaignStatus::Completed | CampaignStatus::Cancelled)
    }
}

/// Longest validity of a generated code: ten years.
pub const MAX_VALIDITY_DAYS: u32 = 3_650;

const DAY_MS: i64 = 86_400_000;

/// A customer id a code is bound to (CAMPAIGN_ASSIGN): 1 to 128 bytes, no
/// NUL, compared byte for byte with an order's `customer_id`.
pub fn customer_id(field: &'static str, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid(field, "an empty customer id"));
    }
    super::bounded(field, id, super::limits::IDENTIFIER)?;
    if id.contains('\0') {
        return Err(Error::invalid(field, "contains a NUL byte"));
    }
    Ok(())
}

/// CAMPAIGN_ASSIGN's customers: at most `MAX_ASSIGN_CUSTOMERS`, each valid
/// (none: the campaign's audience).
pub fn assign_customers(ids: &[String]) -> Result<()> {
    let max = couponsd_client::wire::MAX_ASSIGN_CUSTOMERS;
    if ids.len() > max {
        return Err(Error::invalid(
            "customer_ids",
            format!("{} customers; one request assigns at most {max}", ids.len()),
        ));
    }
    ids.iter()
        .try_for_each(|id| customer_id("customer_ids", id))
}

/// Whether a campaign may move from `from` to `to`.
pub fn can_move(from: CampaignStatus, to: CampaignStatus) -> bool {
    use CampaignStatus::*;
    matches!(
        (from, to),
        (Draft, Scheduled | Active | Cancelled)
            | (Scheduled, Active | Paused | Cancelled)
            | (Active, Paused | Completed | Cancelled)
            | (Paused, Active | Completed | Cancelled)
    )
}

/// Checks a campaign spec; the template is checked as a coupon spec.
pub fn validate(mut spec: CampaignSpec) -> Result<CampaignSpec> {
    bounded("name", &spec.name, NAME)?;
    bounded("description", &spec.description, DESCRIPTION)?;
    if spec.name.trim().is_empty() {
        return Err(Error::invalid("name", "empty"));
    }
    // The template's code is never used: each code is generated.
    let mut template = spec.template.clone();
    template.code = "TEMPLATE".into();
    template.campaign_id = None;
    let mut template = super::spec::validate(template)?;
    template.code.clear();
    spec.template = template;
    if spec.validity_days > MAX_VALIDITY_DAYS {
        return Err(Error::invalid(
            "validity_days",
            format!("more than {MAX_VALIDITY_DAYS}"),
        ));
    }
    bounded_list("segments", &spec.audience.segments)?;
    bounded_list("customer_ids", &spec.audience.customer_ids)?;
    if let Some(budget) = spec.budget_limit {
        if budget < 0 {
            return Err(Error::invalid("budget_limit", "negative"));
        }
        if spec.template.currency.is_empty() {
            return Err(Error::invalid(
                "budget_limit",
                "a budget needs the template's currency",
            ));
        }
    }
    if spec.reward_campaign_id.is_some() && spec.campaign_type != CampaignType::Referral {
        return Err(Error::invalid(
            "reward_campaign_id",
            format!(
                "only a REFERRAL campaign rewards referrers; this one is {}",
                spec.campaign_type.name()
            ),
        ));
    }
    if let (Some(start), Some(end)) = (spec.starts_at, spec.ends_at) {
        if end <= start {
            return Err(Error::invalid("ends_at", "not after starts_at"));
        }
    }
    spec.rules = crate::codegen::normalize(spec.rules)?;
    if crate::codegen::capacity(&spec.rules) == 0 {
        let alphabet = crate::codegen::Alphabet::of(&spec.rules).len();
        return Err(Error::invalid(
            "code_length",
            format!(
                "{} random characters of a {alphabet}-character alphabet hold no code: a guess \
                 would find one more often than once in {} tries; use longer codes or more \
                 character classes",
                spec.rules.code_length,
                crate::codegen::DENSITY
            ),
        ));
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CampaignStatus::*;

    #[test]
    fn lifecycle_moves() {
        for (from, to, ok) in [
            (Draft, Scheduled, true),
            (Draft, Active, true),
            (Draft, Paused, false),
            (Scheduled, Active, true),
            (Active, Paused, true),
            (Paused, Active, true),
            (Active, Completed, true),
            (Paused, Cancelled, true),
            (Completed, Active, false),
            (Completed, Cancelled, false),
            (Cancelled, Active, false),
            (Active, Draft, false),
            (Active, Active, false),
        ] {
            assert_eq!(can_move(from, to), ok, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn running_follows_status_and_window() {
        let mut def = CampaignDef {
            id: 1,
            revision: 1,
            spec: CampaignSpec {
                starts_at: Some(100),
                ends_at: Some(200),
                ..CampaignSpec::default()
            },
            status: Scheduled,
            generation_target: 0,
            created_at: 0,
            updated_at: 0,
            created_by: String::new(),
        };
        assert!(!def.running(99));
        assert!(def.running(100));
        assert!(!def.running(200));
        def.status = Active;
        assert!(
            def.running(50),
            "an activated campaign runs before its start"
        );
        assert!(!def.running(200));
        for status in [Draft, Paused, Completed, Cancelled] {
            def.status = status;
            assert!(!def.running(150), "{status:?}");
        }
    }
}
