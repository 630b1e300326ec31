//! Discount arithmetic in integer minor units.
//!
//! Rounding rule (the only one): a percentage of an amount is rounded half up
//! to the nearest minor unit, `(amount * bps + 5000) / 10000`, computed in
//! i128 so that it cannot overflow. Then the cap applies, then the discount is
//! limited to the applicable amount, so it is never negative, never above the
//! cap, never above what it applies to, and final = amount - discount.

use couponsd_client::wire::{CouponSpec, DiscountType, Order};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Discount {
    /// The part of the order the coupon applies to.
    pub applicable_amount: i64,
    pub discount_amount: i64,
    pub final_amount: i64,
}

/// `bps` basis points of `amount`, rounded half up.
pub fn percent_of(amount: i64, bps: i64) -> i64 {
    let exact = i128::from(amount) * i128::from(bps);
    ((exact + 5_000) / 10_000) as i64
}

pub fn compute(spec: &CouponSpec, order: &Order) -> Discount {
    let applicable = order.amount.max(0);
    let raw = match spec.discount_type {
        DiscountType::Percentage => percent_of(applicable, spec.discount_value),
        DiscountType::Fixed => spec.discount_value,
        // Refused at create time until the full rule set lands.
        _ => 0,
    };
    let capped = spec.max_discount_amount.map_or(raw, |cap| raw.min(cap));
    let discount = capped.clamp(0, applicable);
    Discount {
        applicable_amount: applicable,
        discount_amount: discount,
        final_amount: order.amount - discount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        discount_type: DiscountType,
        value: i64,
        cap: Option<i64>,
        amount: i64,
        want: (i64, i64),
    ) {
        let spec = CouponSpec {
            discount_type,
            discount_value: value,
            max_discount_amount: cap,
            ..CouponSpec::default()
        };
        let order = Order {
            amount,
            ..Order::default()
        };
        let d = compute(&spec, &order);
        assert_eq!(
            (d.discount_amount, d.final_amount),
            want,
            "{discount_type} {value} cap {cap:?} on {amount}"
        );
    }

    #[test]
    fn table() {
        use DiscountType::*;
        // The seed's example: 20% of 150.00 with a 50.00 cap.
        check(Percentage, 2000, Some(5000), 15000, (3000, 12000));
        // The cap binds.
        check(Percentage, 5000, Some(5000), 15000, (5000, 10000));
        // Rounding half up: 12.5% of 0.01 is 0.00125 -> 0; of 0.04 is 0.005 -> 0.01.
        check(Percentage, 1250, None, 1, (0, 1));
        check(Percentage, 1250, None, 4, (1, 3));
        check(Percentage, 10000, None, 999, (999, 0));
        // A fixed discount never exceeds the order.
        check(Fixed, 1000, None, 15000, (1000, 14000));
        check(Fixed, 1000, None, 600, (600, 0));
        check(Fixed, 1000, Some(300), 15000, (300, 14700));
        check(Percentage, 2000, None, 0, (0, 0));
        // No overflow at the extremes.
        check(Percentage, 10000, None, i64::MAX, (i64::MAX, 0));
    }
}
