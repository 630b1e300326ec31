//! Codes bound to a customer: a coupon whose `assigned_customer_id` is set
//! (by an admin, or by CAMPAIGN_ASSIGN for a PERSONALIZED campaign's code)
//! is that customer's alone. The order's `customer_id` must be the same
//! bytes (ids are compared as given, as every per-customer count keys
//! them); a guest order has none, so it is refused too. A coupon that is
//! not `is_public` hides this refusal like those about its own state
//! (`fraud::enumeration`): a leaked personal code tells no one else it
//! exists.

use couponsd_client::wire::{CouponSpec, Order};

use crate::error::Refusal;

/// Whether the order's customer may use the coupon. A REFERRAL campaign's
/// code (its `referrer_customer_id` set) is anyone's but its referrer's,
/// and only for an order that names its customer: the referrer's reward is
/// for bringing a customer, so a guest order cannot use it.
pub fn check(spec: &CouponSpec, order: &Order) -> Result<(), Refusal> {
    let owner = &spec.assigned_customer_id;
    if !owner.is_empty() && *owner != order.customer_id {
        return Err(Refusal::NotAssigned);
    }
    let referrer = &spec.referrer_customer_id;
    if !referrer.is_empty() {
        if order.customer_id.is_empty() {
            return Err(Refusal::CustomerRequired);
        }
        if *referrer == order.customer_id {
            return Err(Refusal::SelfReferral);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_passes() {
        let bound = CouponSpec {
            assigned_customer_id: "jane".into(),
            ..CouponSpec::default()
        };
        let order = |customer: &str| Order {
            customer_id: customer.into(),
            ..Order::default()
        };
        assert_eq!(check(&bound, &order("jane")), Ok(()));
        for other in ["john", "", "JANE", "jane "] {
            assert_eq!(
                check(&bound, &order(other)),
                Err(Refusal::NotAssigned),
                "{other:?}"
            );
        }
        let anyone = CouponSpec::default();
        assert_eq!(check(&anyone, &order("")), Ok(()));
        assert_eq!(check(&anyone, &order("john")), Ok(()));
    }

    #[test]
    fn a_referral_code_is_everyone_s_but_its_referrer_s() {
        let referral = CouponSpec {
            referrer_customer_id: "ann".into(),
            ..CouponSpec::default()
        };
        let order = |customer: &str| Order {
            customer_id: customer.into(),
            ..Order::default()
        };
        assert_eq!(check(&referral, &order("bob")), Ok(()));
        assert_eq!(check(&referral, &order("ann")), Err(Refusal::SelfReferral));
        assert_eq!(check(&referral, &order("")), Err(Refusal::CustomerRequired));
    }
}
