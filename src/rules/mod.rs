//! Business rules as pure functions: does a coupon apply to an order, and what
//! discount does it give. No I/O, no clock: the caller passes `now`.
//! validate and redeem call the same `evaluate`, so they can never disagree.

pub mod analytics;
pub mod assignment;
pub mod buy_x_get_y;
pub mod campaign;
pub mod criteria;
pub mod discount;
pub mod eligibility;
pub mod fraud;
pub mod period;
pub mod refund;
pub mod schedule;
pub mod stacking;
pub mod targeting;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod table_tests;

use couponsd_client::wire::{AdminStatus, CouponSpec, CouponStatus, Order};

use crate::domain::coupon::Counters;
use crate::error::Refusal;
pub use discount::{compute, Discount};

/// Uses left before the global limit: limit - captured - held. None if unlimited.
pub fn remaining_uses(spec: &CouponSpec, counters: Counters) -> Option<u64> {
    spec.usage_limit.map(|limit| {
        limit.saturating_sub(
            counters
                .current_usage
                .saturating_add(counters.reserved_uses),
        )
    })
}

/// The status a coupon has at `now`: the admin status, else EXPIRED or EXHAUSTED.
pub fn status(spec: &CouponSpec, counters: Counters, now: i64) -> CouponStatus {
    match spec.status {
        AdminStatus::Inactive => CouponStatus::Inactive,
        AdminStatus::Suspended => CouponStatus::Suspended,
        AdminStatus::Active => {
            if spec.ends_at.is_some_and(|end| now >= end) {
                CouponStatus::Expired
            } else if remaining_uses(spec, counters) == Some(0) {
                CouponStatus::Exhausted
            } else {
                CouponStatus::Active
            }
        }
    }
}

/// Every check a redemption must pass, in the order a customer would want to
/// hear about them (protocol.md lists it under VALIDATE), and the discount.
/// The window is [starts_at, ends_at). `customer_uses` counts the person's
/// (the most of their customer id's and aliases', `fraud::person`)
/// held and captured uses, `recent_uses` the redemptions and holds each of
/// the order's identities started within its velocity window
/// (`fraud::velocity::recent_each`).
pub fn evaluate(
    spec: &CouponSpec,
    counters: Counters,
    customer_uses: u64,
    recent_uses: &[(fraud::velocity::Identity, u64)],
    order: &Order,
    now: i64,
) -> Result<Discount, Refusal> {
    if spec.status != AdminStatus::Active {
        return Err(Refusal::Inactive);
    }
    if spec.starts_at.is_some_and(|start| now < start) {
        return Err(Refusal::NotStarted);
    }
    if spec.ends_at.is_some_and(|end| now >= end) {
        return Err(Refusal::Expired);
    }
    // Whose it is, before anything about the order: for a private coupon
    // only refusals that are hidden come before it, so another customer
    // learns nothing (`fraud::enumeration`).
    assignment::check(spec, order)?;
    schedule::check(spec, now)?;
    if !spec.currency.is_empty() && spec.currency != order.currency {
        return Err(Refusal::CurrencyMismatch);
    }
    targeting::channel(spec, order)?;
    targeting::segments(spec, order)?;
    targeting::email_domain(spec, order)?;
    fraud::security::check(&spec.security, order)?;
    if spec.min_order_amount.is_some_and(|min| order.amount < min) {
        return Err(Refusal::MinOrderNotMet);
    }
    // The eligible lines and the complete BUY_X_GET_Y sets are checked here.
    let discount = compute(spec, order)?;
    if remaining_uses(spec, counters) == Some(0) {
        return Err(Refusal::Exhausted);
    }
    let limits_a_person = spec.usage_limit_per_customer.is_some() || period::limits_a_person(spec);
    if limits_a_person && !fraud::person::identified(order) {
        return Err(Refusal::CustomerRequired);
    }
    fraud::velocity::check(&spec.security, recent_uses)?;
    if spec
        .usage_limit_per_customer
        .is_some_and(|limit| customer_uses >= u64::from(limit))
    {
        return Err(Refusal::CustomerLimit);
    }
    Ok(discount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(amount: i64) -> Order {
        Order {
            customer_id: "c".into(),
            amount,
            currency: "USD".into(),
            ..Order::default()
        }
    }

    /// One row per refusal: (what differs from a valid coupon, expected result).
    #[test]
    fn each_check_refuses_with_its_reason() {
        let base = CouponSpec {
            code: "X".into(),
            discount_value: 1000,
            currency: "USD".into(),
            starts_at: Some(100),
            ends_at: Some(200),
            min_order_amount: Some(500),
            usage_limit: Some(2),
            usage_limit_per_customer: Some(1),
            ..CouponSpec::default()
        };
        let check = |spec: &CouponSpec, used: u64, held: u64, cust: u64, amount: i64, now: i64| {
            let counters = Counters {
                current_usage: used,
                reserved_uses: held,
                ..Counters::default()
            };
            evaluate(spec, counters, cust, &[], &order(amount), now).map(|d| d.discount_amount)
        };
        assert_eq!(check(&base, 0, 0, 0, 1000, 150), Ok(100));
        assert_eq!(check(&base, 0, 0, 0, 1000, 99), Err(Refusal::NotStarted));
        assert_eq!(check(&base, 0, 0, 0, 1000, 200), Err(Refusal::Expired));
        assert_eq!(
            check(&base, 0, 0, 0, 499, 150),
            Err(Refusal::MinOrderNotMet)
        );
        assert_eq!(check(&base, 1, 1, 0, 1000, 150), Err(Refusal::Exhausted));
        assert_eq!(
            check(&base, 0, 0, 1, 1000, 150),
            Err(Refusal::CustomerLimit)
        );
        let guest = Order {
            customer_id: String::new(),
            ..order(1000)
        };
        assert_eq!(
            evaluate(&base, Counters::default(), 0, &[], &guest, 150),
            Err(Refusal::CustomerRequired)
        );
        let inactive = CouponSpec {
            status: AdminStatus::Suspended,
            ..base.clone()
        };
        assert_eq!(check(&inactive, 0, 0, 0, 1000, 150), Err(Refusal::Inactive));
        let eur = CouponSpec {
            currency: "EUR".into(),
            ..base.clone()
        };
        assert_eq!(
            check(&eur, 0, 0, 0, 1000, 150),
            Err(Refusal::CurrencyMismatch)
        );
        // Another customer's coupon: refused before the order's fit.
        let jane_eur = CouponSpec {
            assigned_customer_id: "jane".into(),
            ..eur
        };
        assert_eq!(
            check(&jane_eur, 0, 0, 0, 1000, 150),
            Err(Refusal::NotAssigned)
        );
    }
}
