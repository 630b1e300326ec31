//! A campaign's part in a redemption: its coupons redeem only while it runs,
//! and their discounts together never pass its budget.

use couponsd_client::wire::{CouponSpec, Order};

use super::Discount;
use crate::domain::campaign::{CampaignCounters, CampaignDef, SharedCampaign};
use crate::domain::coupon::Counters;
use crate::error::Refusal;

/// The campaign a coupon belongs to, as the caller found it.
#[derive(Debug, Clone, Copy)]
pub enum CampaignOf<'a> {
    /// The coupon has no campaign.
    None,
    /// It names a campaign that does not exist (any more).
    Missing,
    Found(&'a CampaignDef, CampaignCounters),
}

impl<'a> CampaignOf<'a> {
    /// From a lookup of the coupon's campaign id (None: it has none).
    pub fn of(
        lookup: &'a Option<Option<SharedCampaign>>,
        counters: impl FnOnce(u64) -> CampaignCounters,
    ) -> CampaignOf<'a> {
        match lookup {
            None => CampaignOf::None,
            Some(None) => CampaignOf::Missing,
            Some(Some(c)) => CampaignOf::Found(c, counters(c.id)),
        }
    }
}

/// `super::evaluate` with the coupon's campaign: it must be running (checked
/// first), and its budget must cover the discount (checked last). Validate and
/// redeem both call this.
pub fn evaluate(
    spec: &CouponSpec,
    counters: Counters,
    customer_uses: u64,
    recent_uses: &[(super::fraud::velocity::Identity, u64)],
    order: &Order,
    now: i64,
    campaign: CampaignOf,
) -> Result<Discount, Refusal> {
    if !spec.is_public {
        // Enumeration-safe: a private coupon's own state is checked before
        // anything about the order, so that an unusable one is refused for
        // that (and answered as unknown), whatever the order says.
        check_own_state(spec, counters, now, campaign)?;
    }
    match campaign {
        CampaignOf::None => {}
        CampaignOf::Missing => return Err(Refusal::CampaignInactive),
        CampaignOf::Found(c, _) => check_running(c, now)?,
    }
    let discount = super::evaluate(spec, counters, customer_uses, recent_uses, order, now)?;
    if let CampaignOf::Found(c, used) = campaign {
        check_budget(c, used, discount.discount_amount)?;
    }
    Ok(discount)
}

/// The coupon's own state, whatever the order: its campaign runs, it is
/// ACTIVE, within its validity window, has uses left, and its
/// campaign's budget is not already spent. Each refusal here is one that
/// `fraud::enumeration` hides for a private coupon.
pub fn check_own_state(
    spec: &CouponSpec,
    counters: Counters,
    now: i64,
    campaign: CampaignOf,
) -> Result<(), Refusal> {
    match campaign {
        CampaignOf::None => {}
        CampaignOf::Missing => return Err(Refusal::CampaignInactive),
        CampaignOf::Found(c, _) => check_running(c, now)?,
    }
    if spec.status != couponsd_client::wire::AdminStatus::Active {
        return Err(Refusal::Inactive);
    }
    if spec.starts_at.is_some_and(|start| now < start) {
        return Err(Refusal::NotStarted);
    }
    if spec.ends_at.is_some_and(|end| now >= end) {
        return Err(Refusal::Expired);
    }
    if super::remaining_uses(spec, counters) == Some(0) {
        return Err(Refusal::Exhausted);
    }
    if let CampaignOf::Found(c, used) = campaign {
        if c.spec
            .budget_limit
            .is_some_and(|limit| used.budget_used >= limit)
        {
            return Err(Refusal::BudgetExhausted);
        }
    }
    Ok(())
}

/// Before anything else about the coupon: is its campaign running at `now`?
pub fn check_running(campaign: &CampaignDef, now: i64) -> Result<(), Refusal> {
    if campaign.running(now) {
        Ok(())
    } else {
        Err(Refusal::CampaignInactive)
    }
}

/// After the discount is known: can the campaign's budget cover it?
pub fn check_budget(
    campaign: &CampaignDef,
    counters: CampaignCounters,
    discount: i64,
) -> Result<(), Refusal> {
    match campaign.spec.budget_limit {
        Some(limit) if counters.budget_used.saturating_add(discount) > limit => {
            Err(Refusal::BudgetExhausted)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couponsd_client::wire::{CampaignSpec, CampaignStatus};

    fn campaign(status: CampaignStatus, budget: Option<i64>) -> CampaignDef {
        CampaignDef {
            id: 1,
            revision: 1,
            spec: CampaignSpec {
                budget_limit: budget,
                ..CampaignSpec::default()
            },
            status,
            generation_target: 0,
            created_at: 0,
            updated_at: 0,
            created_by: String::new(),
        }
    }

    #[test]
    fn running_and_budget() {
        let active = campaign(CampaignStatus::Active, Some(1000));
        assert_eq!(check_running(&active, 5), Ok(()));
        let paused = campaign(CampaignStatus::Paused, None);
        assert_eq!(check_running(&paused, 5), Err(Refusal::CampaignInactive));
        let used = |budget_used| CampaignCounters {
            budget_used,
            ..CampaignCounters::default()
        };
        assert_eq!(check_budget(&active, used(900), 100), Ok(()));
        assert_eq!(
            check_budget(&active, used(901), 100),
            Err(Refusal::BudgetExhausted)
        );
        let unlimited = campaign(CampaignStatus::Active, None);
        assert_eq!(check_budget(&unlimited, used(i64::MAX), 100), Ok(()));
    }
}
