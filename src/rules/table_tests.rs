//! One line per case: a coupon, an order, and what `evaluate` must say, for
//! each discount type and each targeting rule, with the seed's examples.

use couponsd_client::wire::{
    CouponSpec, CriteriaOperator, CriteriaType, DiscountType, LineItem, Order, ProductCriteria,
};

use super::evaluate;
use crate::domain::coupon::Counters;
use crate::error::Refusal;

/// 2025-06-15T15:06:40Z, a Sunday: 11:06 in New York, 17:06 in Paris, and
/// already Monday 00:06 in Tokyo.
const NOW: i64 = 1_750_000_000_000;

/// (applicable, discount, final) or the refusal.
type Expected = Result<(i64, i64, i64), Refusal>;

fn check(spec: &CouponSpec, order: &Order, expected: Expected) {
    let got = evaluate(spec, Counters::default(), 0, &[], order, NOW)
        .map(|d| (d.applicable_amount, d.discount_amount, d.final_amount));
    assert_eq!(got, expected, "{spec:?}\non {order:?}");
}

fn percent(bps: i64) -> CouponSpec {
    CouponSpec {
        code: "P".into(),
        discount_type: DiscountType::Percentage,
        discount_value: bps,
        ..CouponSpec::default()
    }
}

fn fixed(amount: i64) -> CouponSpec {
    CouponSpec {
        discount_type: DiscountType::Fixed,
        discount_value: amount,
        currency: "USD".into(),
        ..percent(0)
    }
}

fn fixed_per_line(amount: i64) -> CouponSpec {
    CouponSpec {
        apply_per_line: true,
        ..fixed(amount)
    }
}

fn free_shipping() -> CouponSpec {
    CouponSpec {
        discount_type: DiscountType::FreeShipping,
        ..percent(0)
    }
}

fn buy_get(buy: u32, get: u32, bps: i64) -> CouponSpec {
    CouponSpec {
        discount_type: DiscountType::BuyXGetY,
        buy_quantity: buy,
        get_quantity: get,
        ..percent(bps)
    }
}

/// `amount` off each unit of the SKUs listed.
fn product(amount: i64, skus: &[&str]) -> CouponSpec {
    CouponSpec {
        discount_type: DiscountType::Product,
        applicable_products: vec![criterion(CriteriaType::Sku, CriteriaOperator::In, skus)],
        ..fixed(amount)
    }
}

fn criterion(
    criteria_type: CriteriaType,
    operator: CriteriaOperator,
    values: &[&str],
) -> ProductCriteria {
    ProductCriteria {
        criteria_type: Some(criteria_type),
        operator: Some(operator),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn only(criteria: ProductCriteria, spec: CouponSpec) -> CouponSpec {
    CouponSpec {
        applicable_products: vec![criteria],
        ..spec
    }
}

fn except(criteria: ProductCriteria, spec: CouponSpec) -> CouponSpec {
    CouponSpec {
        excluded_products: vec![criteria],
        ..spec
    }
}

fn capped(cap: i64, spec: CouponSpec) -> CouponSpec {
    CouponSpec {
        max_discount_amount: Some(cap),
        ..spec
    }
}

/// A line: sku, category, unit price, quantity (brand "acme", tag "sale" on
/// SALE- skus, product id "id-" + sku).
fn line(sku: &str, category: &str, unit_price: i64, quantity: u32) -> LineItem {
    LineItem {
        product_id: format!("id-{sku}"),
        sku: sku.into(),
        category: category.into(),
        brand: "acme".into(),
        tags: if sku.starts_with("SALE-") {
            vec!["new".into(), "sale".into()]
        } else {
            vec!["new".into()]
        },
        unit_price,
        quantity,
    }
}

fn order(amount: i64, items: Vec<LineItem>) -> Order {
    Order {
        customer_id: "customer-123".into(),
        amount,
        currency: "USD".into(),
        items,
        ..Order::default()
    }
}

/// The seed's order: two DRESS-001 (clothing) at 75.00.
fn dresses() -> Order {
    order(15_000, vec![line("DRESS-001", "clothing", 7_500, 2)])
}

/// A dress (100.00), a phone (50.00) and a SALE- shirt (20.00 × 2); 190.00.
fn mixed() -> Order {
    order(
        19_000,
        vec![
            line("DRESS-002", "clothing", 10_000, 1),
            line("PHONE-1", "electronics", 5_000, 1),
            line("SALE-SHIRT", "clothing", 2_000, 2),
        ],
    )
}

#[test]
#[rustfmt::skip]
fn percentage() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    // The seed: 20% of 150.00 capped at 50.00 is 30.00 off, with or without lines.
    check(&capped(5_000, percent(2_000)), &order(15_000, vec![]), Ok((15_000, 3_000, 12_000)));
    check(&capped(5_000, percent(2_000)), &dresses(), Ok((15_000, 3_000, 12_000)));
    // The cap binds.
    check(&capped(5_000, percent(5_000)), &dresses(), Ok((15_000, 5_000, 10_000)));
    // Half up, once: 12.5% of 0.04 is 0.005 -> 0.01; of 0.01 is 0.00125 -> 0.
    check(&percent(1_250), &order(4, vec![]), Ok((4, 1, 3)));
    check(&percent(1_250), &order(1, vec![]), Ok((1, 0, 1)));
    // Rounded on the applicable total, not per line: 3 lines of 0.01 at 50%
    // is 0.015 -> 0.02 (per line it would be 3 × 0.01 = 0.03).
    let pennies = order(3, vec![line("A", "x", 1, 1), line("B", "x", 1, 1), line("C", "x", 1, 1)]);
    check(&percent(5_000), &pennies, Ok((3, 2, 1)));
    check(&percent(10_000), &order(999, vec![]), Ok((999, 999, 0)));
    check(&percent(2_000), &order(0, vec![]), Ok((0, 0, 0)));
    check(&percent(10_000), &order(i64::MAX, vec![]), Ok((i64::MAX, i64::MAX, 0)));
    // Only eligible lines: 10% of the clothing (140.00) is 14.00 off 190.00.
    check(&only(criterion(Category, In, &["clothing"]), percent(1_000)), &mixed(), Ok((14_000, 1_400, 17_600)));
    // Shipping and other charges in the amount are not lines: 20% of the 150.00 of lines.
    check(&percent(2_000), &order(16_000, vec![line("DRESS-001", "clothing", 7_500, 2)]), Ok((15_000, 3_000, 13_000)));
    // Lines above the amount (a total after other reductions): applies to the amount at most,
    // and the percentage is of that (10% of 100.00, not of the 150.00 of lines).
    check(&percent(10_000), &order(10_000, vec![line("DRESS-001", "clothing", 7_500, 2)]), Ok((10_000, 10_000, 0)));
    check(&percent(1_000), &order(10_000, vec![line("DRESS-001", "clothing", 7_500, 2)]), Ok((10_000, 1_000, 9_000)));
    // Extreme lines are summed without overflow.
    check(&percent(10_000), &order(i64::MAX, vec![line("BIG", "x", i64::MAX, u32::MAX)]), Ok((i64::MAX, i64::MAX, 0)));
    // Zero-quantity lines are not items.
    check(&percent(2_000), &order(100, vec![line("A", "x", 100, 0)]), Err(Refusal::NoEligibleItems));
    check(&CouponSpec { min_order_amount: Some(10_000), ..percent(2_000) }, &order(9_999, vec![]), Err(Refusal::MinOrderNotMet));
}

#[test]
#[rustfmt::skip]
fn fixed_amounts() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    check(&fixed(1_000), &order(15_000, vec![]), Ok((15_000, 1_000, 14_000)));
    check(&fixed(1_000), &order(600, vec![]), Ok((600, 600, 0)));
    check(&capped(300, fixed(1_000)), &order(15_000, vec![]), Ok((15_000, 300, 14_700)));
    check(&fixed(i64::MAX), &order(1, vec![]), Ok((1, 1, 0)));
    // Per order, limited to the eligible lines: 50.00 off electronics worth 50.00.
    check(&only(criterion(Category, Equals, &["electronics"]), fixed(8_000)), &mixed(), Ok((5_000, 5_000, 14_000)));
    // Per line: 15.00 off each eligible line, at most the line's total
    // (dress 100.00 -> 15.00, phone 50.00 -> 15.00, shirts 40.00 -> 15.00).
    check(&fixed_per_line(1_500), &mixed(), Ok((19_000, 4_500, 14_500)));
    check(&fixed_per_line(5_000), &order(300, vec![line("A", "x", 100, 1), line("B", "x", 100, 2)]), Ok((300, 300, 0)));
    check(&capped(2_000, fixed_per_line(1_500)), &mixed(), Ok((19_000, 2_000, 17_000)));
    // Per line needs lines.
    check(&fixed_per_line(1_500), &order(19_000, vec![]), Err(Refusal::NoEligibleItems));
    // The currency must be the order's.
    check(&CouponSpec { currency: "EUR".into(), ..fixed(1_000) }, &order(15_000, vec![]), Err(Refusal::CurrencyMismatch));
}

#[test]
#[rustfmt::skip]
fn free_shipping_is_the_orders_shipping() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    let shipped = |shipping: i64| Order { shipping_amount: shipping, ..order(15_799, vec![line("DRESS-001", "clothing", 7_500, 2)]) };
    check(&free_shipping(), &shipped(799), Ok((799, 799, 15_000)));
    check(&capped(500, free_shipping()), &shipped(799), Ok((799, 500, 15_299)));
    check(&free_shipping(), &shipped(0), Ok((0, 0, 15_799)));
    check(&free_shipping(), &Order { shipping_amount: 500, ..order(2_500, vec![]) }, Ok((500, 500, 2_000)));
    // With product criteria, at least one line must be eligible.
    check(&only(criterion(Category, In, &["clothing"]), free_shipping()), &shipped(799), Ok((799, 799, 15_000)));
    check(&only(criterion(Category, In, &["toys"]), free_shipping()), &shipped(799), Err(Refusal::NoEligibleItems));
}

#[test]
#[rustfmt::skip]
fn buy_x_get_y() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    let units = |prices: &[(i64, u32)]| {
        let items: Vec<LineItem> = prices.iter().enumerate().map(|(i, &(p, q))| line(&format!("S{i}"), "x", p, q)).collect();
        let total = prices.iter().map(|&(p, q)| p * i64::from(q)).sum();
        order(total, items)
    };
    // Buy 2 get 1 free: 3 equal units, one free.
    check(&buy_get(2, 1, 10_000), &units(&[(1_000, 3)]), Ok((3_000, 1_000, 2_000)));
    // The cheapest unit is the free one.
    check(&buy_get(2, 1, 10_000), &units(&[(3_000, 2), (1_000, 1)]), Ok((7_000, 1_000, 6_000)));
    // 5 units make one complete set; 6 make two: the 2 cheapest are free.
    check(&buy_get(2, 1, 10_000), &units(&[(500, 1), (700, 1), (900, 3)]), Ok((3_900, 500, 3_400)));
    check(&buy_get(2, 1, 10_000), &units(&[(500, 1), (700, 1), (900, 4)]), Ok((4_800, 1_200, 3_600)));
    // Buy 1 get 1 half price: 50% of the cheaper; rounded half up once (499.5 -> 500).
    check(&buy_get(1, 1, 5_000), &units(&[(1_999, 1), (1_000, 1)]), Ok((2_999, 500, 2_499)));
    check(&buy_get(1, 1, 5_000), &units(&[(999, 2)]), Ok((1_998, 500, 1_498)));
    check(&capped(300, buy_get(1, 1, 10_000)), &units(&[(999, 2)]), Ok((1_998, 300, 1_698)));
    // Not a complete set.
    check(&buy_get(2, 1, 10_000), &units(&[(1_000, 2)]), Err(Refusal::BuyQuantityNotMet));
    // Excluded units do not count towards a set, nor get discounted.
    let excluded_phone = except(criterion(Category, Equals, &["electronics"]), buy_get(2, 1, 10_000));
    check(&excluded_phone, &mixed(), Ok((14_000, 2_000, 17_000)));
    check(&except(criterion(Category, Equals, &["clothing"]), buy_get(1, 1, 10_000)), &mixed(), Err(Refusal::BuyQuantityNotMet));
    // It needs lines.
    check(&buy_get(1, 1, 10_000), &order(5_000, vec![]), Err(Refusal::NoEligibleItems));
    // A huge quantity is counted, not listed: u32::MAX units of 1 at buy 1 get 1.
    check(&buy_get(1, 1, 10_000), &units(&[(1, u32::MAX)]), Ok((4_294_967_295, 2_147_483_647, 2_147_483_648)));
}

#[test]
#[rustfmt::skip]
fn product_discount_per_unit() {
    // 5.00 off each SALE-SHIRT: 2 units.
    check(&product(500, &["SALE-SHIRT"]), &mixed(), Ok((4_000, 1_000, 18_000)));
    // At most each unit's price: 30.00 off shirts of 20.00.
    check(&product(3_000, &["SALE-SHIRT"]), &mixed(), Ok((4_000, 4_000, 15_000)));
    check(&product(500, &["sale-shirt", "PHONE-1"]), &mixed(), Ok((9_000, 1_500, 17_500)));
    check(&capped(700, product(500, &["SALE-SHIRT"])), &mixed(), Ok((4_000, 700, 18_300)));
    check(&product(500, &["NOPE"]), &mixed(), Err(Refusal::NoEligibleItems));
    check(&product(500, &["SALE-SHIRT"]), &order(19_000, vec![]), Err(Refusal::NoEligibleItems));
}

#[test]
#[rustfmt::skip]
fn product_criteria() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    let ten = percent(1_000);
    let on = |c: ProductCriteria| only(c, ten.clone());
    // dress 100.00, phone 50.00, shirts 2 × 20.00: 10% of what matches.
    check(&on(criterion(Category, In, &["CLOTHING", "toys"])), &mixed(), Ok((14_000, 1_400, 17_600)));
    check(&on(criterion(Category, NotIn, &["clothing"])), &mixed(), Ok((5_000, 500, 18_500)));
    check(&on(criterion(Brand, Equals, &["Acme"])), &mixed(), Ok((19_000, 1_900, 17_100)));
    check(&on(criterion(Sku, In, &["PHONE-1"])), &mixed(), Ok((5_000, 500, 18_500)));
    check(&on(criterion(Sku, NotIn, &["PHONE-1"])), &mixed(), Ok((14_000, 1_400, 17_600)));
    check(&on(criterion(ProductId, Equals, &["id-DRESS-002"])), &mixed(), Ok((10_000, 1_000, 18_000)));
    // A tag criterion looks at every tag of a line.
    check(&on(criterion(Tag, In, &["sale"])), &mixed(), Ok((4_000, 400, 18_600)));
    check(&on(criterion(Tag, Equals, &["new"])), &mixed(), Ok((19_000, 1_900, 17_100)));
    check(&on(criterion(Tag, NotIn, &["sale"])), &mixed(), Ok((15_000, 1_500, 17_500)));
    // Prices in minor units: above, below, equal, inside and outside a range (inclusive).
    check(&on(criterion(PriceRange, GreaterThan, &["5000"])), &mixed(), Ok((10_000, 1_000, 18_000)));
    check(&on(criterion(PriceRange, LessThan, &["5000"])), &mixed(), Ok((4_000, 400, 18_600)));
    check(&on(criterion(PriceRange, Equals, &["5000"])), &mixed(), Ok((5_000, 500, 18_500)));
    check(&on(criterion(PriceRange, In, &["2000", "5000"])), &mixed(), Ok((9_000, 900, 18_100)));
    check(&on(criterion(PriceRange, NotIn, &["2000", "5000"])), &mixed(), Ok((10_000, 1_000, 18_000)));
    // Applicable criteria must all match; an excluded one excludes.
    let clothing_not_on_sale = CouponSpec {
        applicable_products: vec![criterion(Category, In, &["clothing"])],
        excluded_products: vec![criterion(Tag, In, &["sale"])],
        ..ten.clone()
    };
    check(&clothing_not_on_sale, &mixed(), Ok((10_000, 1_000, 18_000)));
    let two_rules = CouponSpec {
        applicable_products: vec![criterion(Category, In, &["clothing"]), criterion(PriceRange, GreaterThan, &["5000"])],
        ..ten.clone()
    };
    check(&two_rules, &mixed(), Ok((10_000, 1_000, 18_000)));
    check(&except(criterion(Brand, In, &["acme"]), ten.clone()), &mixed(), Err(Refusal::NoEligibleItems));
    check(&on(criterion(Category, In, &["toys"])), &mixed(), Err(Refusal::NoEligibleItems));
    // Criteria need lines: leaving them out never widens a coupon.
    check(&on(criterion(Category, In, &["clothing"])), &order(19_000, vec![]), Err(Refusal::NoEligibleItems));
    check(&except(criterion(Category, In, &["electronics"]), ten), &order(19_000, vec![]), Err(Refusal::NoEligibleItems));
}

#[test]
#[rustfmt::skip]
fn customer_segments() {
    let vip = CouponSpec { customer_segments: vec!["vip".into(), "staff".into()], ..percent(1_000) };
    let with = |segments: &[&str]| Order { customer_segments: segments.iter().map(|s| s.to_string()).collect(), ..order(10_000, vec![]) };
    check(&vip, &with(&["new", "VIP"]), Ok((10_000, 1_000, 9_000)));
    check(&vip, &with(&["staff"]), Ok((10_000, 1_000, 9_000)));
    check(&vip, &with(&["new"]), Err(Refusal::SegmentNotEligible));
    check(&vip, &with(&[]), Err(Refusal::SegmentNotEligible));
    check(&percent(1_000), &with(&[]), Ok((10_000, 1_000, 9_000)));
}

#[test]
#[rustfmt::skip]
fn channel_restrictions() {
    let online = CouponSpec { channel_restrictions: vec!["web".into(), "app".into()], ..percent(1_000) };
    let via = |channel: &str| Order { channel: channel.into(), ..order(10_000, vec![]) };
    check(&online, &via("web"), Ok((10_000, 1_000, 9_000)));
    check(&online, &via("APP"), Ok((10_000, 1_000, 9_000)));
    check(&online, &via("store"), Err(Refusal::ChannelNotAllowed));
    check(&online, &via(""), Err(Refusal::ChannelNotAllowed));
    check(&percent(1_000), &via("store"), Ok((10_000, 1_000, 9_000)));
}

#[test]
#[rustfmt::skip]
fn email_domains() {
    let partner = CouponSpec { allowed_email_domains: vec!["example.com".into(), "partner.com".into()], ..percent(1_000) };
    let from = |email: &str| Order { customer_email: email.into(), ..order(10_000, vec![]) };
    check(&partner, &from("ann@example.com"), Ok((10_000, 1_000, 9_000)));
    check(&partner, &from("Bob@PARTNER.com"), Ok((10_000, 1_000, 9_000)));
    check(&partner, &from("carl@mail.example.com"), Err(Refusal::EmailDomainNotAllowed));
    check(&partner, &from("dan@example.org"), Err(Refusal::EmailDomainNotAllowed));
    check(&partner, &from("example.com"), Err(Refusal::EmailDomainNotAllowed));
    check(&partner, &from("eve@"), Err(Refusal::EmailDomainNotAllowed));
    check(&partner, &from(""), Err(Refusal::EmailDomainNotAllowed));
    check(&percent(1_000), &from(""), Ok((10_000, 1_000, 9_000)));
}

#[test]
#[rustfmt::skip]
fn active_days_and_hours_in_the_coupons_time_zone() {
    const MONDAY: u8 = 1;
    const WEEKEND: u8 = 32 | 64;
    let at = |zone: &str, days: u8, start: u16, end: u16| CouponSpec {
        time_zone: zone.into(),
        active_days: days,
        active_start_minute: start,
        active_end_minute: end,
        ..percent(1_000)
    };
    let ok = Ok((10_000, 1_000, 9_000));
    let any = order(10_000, vec![]);
    // NOW is Sunday afternoon in UTC but already Monday in Tokyo.
    check(&at("Asia/Tokyo", MONDAY, 0, 0), &any, ok);
    check(&at("", MONDAY, 0, 0), &any, Err(Refusal::DayNotAllowed));
    check(&at("UTC", WEEKEND, 0, 0), &any, ok);
    check(&at("Asia/Tokyo", WEEKEND, 0, 0), &any, Err(Refusal::DayNotAllowed));
    // 09:00 to 17:00: 11:06 in New York is inside, 17:06 in Paris is not (the end is exclusive).
    check(&at("America/New_York", 0, 9 * 60, 17 * 60), &any, ok);
    check(&at("Europe/Paris", 0, 9 * 60, 17 * 60), &any, Err(Refusal::OutsideActiveHours));
    check(&at("Europe/Paris", 0, 9 * 60, 17 * 60 + 7), &any, ok);
    // 22:00 to 02:00 runs past midnight: 00:06 in Tokyo is inside, 15:06 UTC is not.
    check(&at("Asia/Tokyo", 0, 22 * 60, 2 * 60), &any, ok);
    check(&at("UTC", 0, 22 * 60, 2 * 60), &any, Err(Refusal::OutsideActiveHours));
    // Both together: the day is checked first.
    check(&at("Asia/Tokyo", WEEKEND, 22 * 60, 2 * 60), &any, Err(Refusal::DayNotAllowed));
}
