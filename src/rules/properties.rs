//! Properties of the discount over generated valid coupons and orders: never
//! negative, never above the applicable amount, the order or the cap, final =
//! amount - discount, the same inputs give the same result, and excluded lines
//! change nothing.

use couponsd_client::wire::{
    CouponSpec, CriteriaOperator, CriteriaType, DiscountType, LineItem, Order, ProductCriteria,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::criteria::matches;
use super::discount::{compute, percent_of};
use crate::domain;

fn criterion(kind: CriteriaType, operator: CriteriaOperator, values: &[&str]) -> ProductCriteria {
    ProductCriteria {
        criteria_type: Some(kind),
        operator: Some(operator),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// Mostly small amounts, sometimes the largest.
fn unit_price() -> impl Strategy<Value = i64> {
    prop_oneof![9 => 0..50_000i64, 1 => Just(i64::MAX)]
}

fn quantity() -> impl Strategy<Value = u32> {
    prop_oneof![9 => 0..5u32, 1 => Just(u32::MAX)]
}

fn line() -> impl Strategy<Value = LineItem> {
    (
        select(&["a", "b", "x"][..]),
        select(&["S1", "S2", "S3"][..]),
        any::<bool>(),
        unit_price(),
        quantity(),
    )
        .prop_map(|(category, sku, on_sale, unit_price, quantity)| LineItem {
            product_id: format!("id-{sku}"),
            sku: sku.into(),
            category: category.into(),
            brand: "acme".into(),
            tags: if on_sale { vec!["sale".into()] } else { vec![] },
            unit_price,
            quantity,
        })
}

/// Lines, shipping, and an amount that is mostly lines + shipping + other
/// charges, sometimes anything (lines may then add up to more than it).
pub(super) fn order() -> impl Strategy<Value = Order> {
    (
        vec(line(), 0..6),
        0..5_000i64,
        0..5_000i64,
        proptest::option::weighted(0.2, 0..=i64::MAX),
    )
        .prop_map(|(items, shipping_amount, other_charges, any_amount)| {
            let lines: i128 = items
                .iter()
                .map(|l| i128::from(l.unit_price) * i128::from(l.quantity))
                .sum();
            let natural = (lines + i128::from(shipping_amount) + i128::from(other_charges))
                .min(i128::from(i64::MAX)) as i64;
            Order {
                customer_id: "c".into(),
                amount: any_amount.unwrap_or(natural),
                currency: "USD".into(),
                shipping_amount,
                items,
                ..Order::default()
            }
        })
}

fn applicable() -> impl Strategy<Value = Vec<ProductCriteria>> {
    use CriteriaOperator::*;
    use CriteriaType::*;
    prop_oneof![
        Just(vec![]),
        Just(vec![criterion(Category, In, &["a", "x"])]),
        Just(vec![criterion(Sku, NotIn, &["S3"])]),
        Just(vec![criterion(PriceRange, In, &["100", "40000"])]),
    ]
}

fn excluded() -> impl Strategy<Value = Vec<ProductCriteria>> {
    use CriteriaOperator::*;
    use CriteriaType::*;
    prop_oneof![
        Just(vec![]),
        Just(vec![criterion(Category, Equals, &["x"])]),
        Just(vec![criterion(Tag, In, &["sale"])]),
        Just(vec![criterion(PriceRange, GreaterThan, &["30000"])]),
    ]
}

/// A valid coupon of any discount type.
pub(super) fn spec() -> impl Strategy<Value = CouponSpec> {
    (
        select(DiscountType::ALL),
        1..=10_000i64,
        1..=20_000i64,
        any::<bool>(),
        (1..4u32, 1..4u32),
        proptest::option::of(0..20_000i64),
        applicable(),
        excluded(),
    )
        .prop_map(
            |(kind, bps, amount, per_line, (buy, get), cap, applicable, excluded)| {
                let mut spec = CouponSpec {
                    code: "PROP".into(),
                    discount_type: kind,
                    currency: "USD".into(),
                    max_discount_amount: cap,
                    applicable_products: applicable,
                    excluded_products: excluded,
                    ..CouponSpec::default()
                };
                match kind {
                    DiscountType::Percentage => spec.discount_value = bps,
                    DiscountType::Fixed => {
                        spec.discount_value = amount;
                        spec.apply_per_line = per_line;
                    }
                    DiscountType::FreeShipping => {}
                    DiscountType::BuyXGetY => {
                        spec.discount_value = bps;
                        (spec.buy_quantity, spec.get_quantity) = (buy, get);
                    }
                    DiscountType::Product => {
                        spec.discount_value = amount;
                        if spec.applicable_products.is_empty() {
                            spec.applicable_products =
                                vec![criterion(CriteriaType::Sku, CriteriaOperator::In, &["S1"])];
                        }
                    }
                }
                spec
            },
        )
}

proptest! {
    #[test]
    fn generated_specs_are_valid(spec in spec()) {
        prop_assert!(domain::spec::validate(spec.clone()).is_ok(), "{spec:?}");
    }

    #[test]
    fn discount_is_bounded_and_final_is_amount_minus_discount(spec in spec(), order in order()) {
        let Ok(d) = compute(&spec, &order) else { return Ok(()) };
        prop_assert!(d.discount_amount >= 0);
        prop_assert!(d.discount_amount <= d.applicable_amount);
        prop_assert!(d.applicable_amount <= order.amount);
        if let Some(cap) = spec.max_discount_amount {
            prop_assert!(d.discount_amount <= cap);
        }
        prop_assert_eq!(d.final_amount, order.amount - d.discount_amount);
    }

    #[test]
    fn same_inputs_same_result(spec in spec(), order in order()) {
        prop_assert_eq!(compute(&spec, &order), compute(&spec.clone(), &order.clone()));
    }

    /// Excluded lines are never discounted: taking them out of the order, or
    /// changing their price, changes nothing.
    #[test]
    fn excluded_lines_change_nothing(spec in spec(), order in order(), price in unit_price()) {
        let excluded = |l: &LineItem| spec.excluded_products.iter().any(|c| matches(c, l));
        let without = Order {
            items: order.items.iter().filter(|l| !excluded(l)).cloned().collect(),
            ..order.clone()
        };
        // Repriced only where the new price keeps the line excluded.
        let reprice = |l: &LineItem| {
            let other = LineItem { unit_price: price, ..l.clone() };
            if excluded(l) && excluded(&other) { other } else { l.clone() }
        };
        let repriced = Order {
            items: order.items.iter().map(reprice).collect(),
            ..order.clone()
        };
        let with = compute(&spec, &order);
        prop_assert_eq!(with, compute(&spec, &without));
        prop_assert_eq!(with, compute(&spec, &repriced));
    }

    /// Half up: the result is within half a minor unit of the exact value,
    /// and exactly half rounds up.
    #[test]
    fn percentages_round_half_up(total in 0..=i64::MAX, bps in 1..=10_000i64) {
        let exact = i128::from(total) * i128::from(bps);
        let rounded = percent_of(i128::from(total), bps) * 10_000;
        prop_assert!(rounded - exact <= 5_000 && exact - rounded < 5_000);
    }
}
