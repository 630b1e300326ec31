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
