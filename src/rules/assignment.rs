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

/// Whether the order's customer may use the coupon.
pub fn check(spec: &CouponSpec, order: &Order) -> Result<(), Refusal> {
    let owner = &spec.assigned_customer_id;
    if owner.is_empty() || *owner == order.customer_id {
        Ok(())
    } else {
        Err(Refusal::NotAssigned)
    }
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
}
