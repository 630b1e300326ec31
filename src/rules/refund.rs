//! How much of a redemption's discount a refund gives back.
//!
//! Refunds are of what the customer paid: `paid`, the order's final amount
//! (after the discount), the most a payment system can refund. Once refunds
//! total `refunded` of it, the discount given back in all is
//! `floor(discount × refunded / paid)` (integer minor units, rounded down),
//! and all of it once everything paid is refunded (or when nothing was paid).
//! Each reversal gives back the difference from the reversals before it, so
//! partial refunds that add up to the payment give back exactly the
//! discount, never a unit more.
//!
//! The coupon's reversal policy (CouponSpec fields 44 and 45) says two more
//! things: whether the reversal that ends a redemption gives its use back
//! (`returns_use`; when not, the redemption's `counted` gets [`USE_KEPT`]),
//! and whether a partial refund that leaves the customer less of the order
//! than the coupon's minimum ends it at once ([`below_minimum`]).

use couponsd_client::wire::{RefundBelowMinimum, ReversalPolicy};

/// A redemption's `counted` bit: a reversal ended it and, as its coupon's
/// reversal policy said, kept its use (the coupon's uses, the customer's and
/// its identifiers' counts still hold it).
pub const USE_KEPT: u8 = 64;

/// Whether a partial refund bringing the refunds of a redemption to
/// `refunded` ends it under `policy`: REVERSE_DISCOUNT and what the customer
/// keeps of the order (`original_amount − refunded`, at list price) is below
/// `min_order_amount`. Then the whole discount not yet given back returns.
pub fn below_minimum(
    policy: &ReversalPolicy,
    min_order_amount: Option<i64>,
    original_amount: i64,
    refunded: i64,
) -> bool {
    policy.below_minimum == RefundBelowMinimum::ReverseDiscount
        && min_order_amount.is_some_and(|min| original_amount.saturating_sub(refunded) < min)
}

/// The discount given back in all once `refunded` of `paid` is refunded.
pub fn discount_returned(discount: i64, paid: i64, refunded: i64) -> i64 {
    if paid <= 0 || refunded >= paid {
        return discount;
    }
    let share = i128::from(discount) * i128::from(refunded.max(0)) / i128::from(paid);
    // share <= discount, so it fits.
    i64::try_from(share).unwrap_or(discount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn below_minimum_only_under_reverse_discount_and_a_minimum() {
        let reverse = ReversalPolicy {
            below_minimum: RefundBelowMinimum::ReverseDiscount,
            ..ReversalPolicy::default()
        };
        // 150.00 ordered, minimum 100.00: 40.00 refunded keeps 110.00, 60.00 keeps 90.00.
        assert!(!below_minimum(&reverse, Some(10_000), 15_000, 4_000));
        assert!(!below_minimum(&reverse, Some(10_000), 15_000, 5_000));
        assert!(below_minimum(&reverse, Some(10_000), 15_000, 6_000));
        assert!(!below_minimum(&reverse, None, 15_000, 14_000));
        let prorate = ReversalPolicy::default();
        assert!(!below_minimum(&prorate, Some(10_000), 15_000, 6_000));
    }

    #[test]
    fn examples() {
        // 30.00 off an order of 150.00, 120.00 paid: refunding 40.00 of it
        // gives back 10.00.
        assert_eq!(discount_returned(3000, 12000, 4000), 1000);
        // Rounded down: 1/3 of 10.00 is 3.33.
        assert_eq!(discount_returned(1000, 3000, 1000), 333);
        assert_eq!(discount_returned(1000, 3000, 3000), 1000);
        assert_eq!(discount_returned(1000, 0, 0), 1000);
    }

    proptest! {
        #[test]
        fn partial_refunds_never_give_back_more_than_the_discount(
            paid in 1i64..10_000_000,
            discount_share in 0i64..=100,
            cuts in proptest::collection::vec(1i64..1_000_000, 1..8),
        ) {
            let discount = paid * discount_share / 100;
            let mut refunded = 0;
            let mut given = 0;
            for cut in cuts {
                let refund = cut.min(paid - refunded);
                if refund == 0 { break; }
                refunded += refund;
                let total = discount_returned(discount, paid, refunded);
                prop_assert!(total >= given, "monotonic");
                given = total;
                prop_assert!(given <= discount);
            }
            prop_assert_eq!(discount_returned(discount, paid, paid), discount);
        }
    }
}
