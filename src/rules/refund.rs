//! How much of a redemption's discount a refund gives back.
//!
//! Once refunds total `refunded` of an order of `amount` that got `discount`
//! off, the discount given back in all is `floor(discount × refunded / amount)`
//! (integer minor units, rounded down), and all of it once the whole order is
//! refunded. Each reversal gives back the difference from the reversals before
//! it, so partial refunds that add up to the order give back exactly the
//! discount, never a unit more.

/// The discount given back in all once `refunded` of `amount` is refunded.
pub fn discount_returned(discount: i64, amount: i64, refunded: i64) -> i64 {
    if amount <= 0 || refunded >= amount {
        return discount;
    }
    let share = i128::from(discount) * i128::from(refunded.max(0)) / i128::from(amount);
    // share <= discount, so it fits.
    i64::try_from(share).unwrap_or(discount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples() {
        // 30.00 off an order of 150.00: refunding 50.00 gives back 10.00.
        assert_eq!(discount_returned(3000, 15000, 5000), 1000);
        // Rounded down: 1/3 of 10.00 is 3.33.
        assert_eq!(discount_returned(1000, 3000, 1000), 333);
        assert_eq!(discount_returned(1000, 3000, 3000), 1000);
        assert_eq!(discount_returned(1000, 0, 0), 1000);
    }

    proptest! {
        #[test]
        fn partial_refunds_never_give_back_more_than_the_discount(
            amount in 1i64..10_000_000,
            discount_share in 0i64..=100,
            cuts in proptest::collection::vec(1i64..1_000_000, 1..8),
        ) {
            let discount = amount * discount_share / 100;
            let mut refunded = 0;
            let mut given = 0;
            for cut in cuts {
                let refund = cut.min(amount - refunded);
                if refund == 0 { break; }
                refunded += refund;
                let total = discount_returned(discount, amount, refunded);
                prop_assert!(total >= given, "monotonic");
                given = total;
                prop_assert!(given <= discount);
            }
            prop_assert_eq!(discount_returned(discount, amount, amount), discount);
        }
    }
}
