//! Business rules: `rules::evaluate` (every check, then the discount) and
//! `rules::compute` (the discount alone) for the seed's SUMMER20 (20% = 2000 bp,
//! capped at 50.00, minimum order 100.00, USD) against a 150.00 USD order.
//!
//! Run: `cargo bench --bench rules` (add `-- --quick` for a short run).

use std::hint::black_box;

use couponsd::domain::coupon::Counters;
use couponsd::rules;
use couponsd_client::wire::{CouponSpec, DiscountType, Order};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn summer20() -> CouponSpec {
    CouponSpec {
        code: "SUMMER20".into(),
        discount_type: DiscountType::Percentage,
        discount_value: 2_000,
        currency: "USD".into(),
        max_discount_amount: Some(5_000),
        min_order_amount: Some(10_000),
        usage_limit: Some(1_000),
        usage_limit_per_customer: Some(1),
        ..CouponSpec::default()
    }
}

fn order() -> Order {
    Order {
        customer_id: "customer-123".into(),
        amount: 15_000,
        currency: "USD".into(),
        ..Order::default()
    }
}

fn bench_rules(c: &mut Criterion) {
    let spec = summer20();
    let order = order();
    let counters = Counters {
        current_usage: 10,
        reserved_uses: 2,
        ..Counters::default()
    };
    let now = 1_750_000_000_000;
    let d = rules::evaluate(&spec, counters, 0, &[], &order, now).expect("SUMMER20 applies");
    assert_eq!((d.discount_amount, d.final_amount), (3_000, 12_000));

    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(1));
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            rules::evaluate(
                black_box(&spec),
                black_box(counters),
                black_box(0),
                black_box(&[]),
                black_box(&order),
                black_box(now),
            )
        })
    });
    group.bench_function("compute", |b| {
        b.iter(|| rules::compute(black_box(&spec), black_box(&order)))
    });
    group.finish();
}

criterion_group!(benches, bench_rules);

/// `rules::stacking::stack` of 1, 3 and 10 codes on a three-line order with
/// shipping, on the remaining amount: percentages, fixed amounts, a
/// per-unit product code and free shipping, all combining with every class,
/// each code's discount alone computed once outside the loop.
fn bench_stacking(c: &mut Criterion) {
    use couponsd::rules::stacking::{stack, Base, Candidate, StackPolicy, StackRules};
    use couponsd_client::wire::{CriteriaOperator, CriteriaType, LineItem, ProductCriteria};

    let line = |sku: &str, unit_price: i64, quantity: u32| LineItem {
        product_id: sku.into(),
        sku: sku.into(),
        unit_price,
        quantity,
        ..LineItem::default()
    };
    // Lines of 10000, 2500 and 2997, and shipping.
    let order = Order {
        amount: 10_000 + 2_500 + 2_997 + 800,
        shipping_amount: 800,
        items: vec![
            line("S1", 5_000, 2),
            line("S2", 2_500, 1),
            line("S3", 999, 3),
        ],
        ..order()
    };
    let specs: Vec<CouponSpec> = (0..10)
        .map(|i| {
            let code = format!("STACK{i}");
            let spec = CouponSpec {
                code,
                currency: "USD".into(),
                ..CouponSpec::default()
            };
            match i % 4 {
                0 => CouponSpec {
                    discount_type: DiscountType::Percentage,
                    discount_value: 500,
                    ..spec
                },
                1 => CouponSpec {
                    discount_type: DiscountType::Fixed,
                    discount_value: 300,
                    ..spec
                },
                2 => CouponSpec {
                    discount_type: DiscountType::Product,
                    discount_value: 100,
                    applicable_products: vec![ProductCriteria {
                        criteria_type: Some(CriteriaType::Sku),
                        operator: Some(CriteriaOperator::In),
                        values: vec!["S3".into()],
                    }],
                    ..spec
                },
                _ => CouponSpec {
                    discount_type: DiscountType::FreeShipping,
                    ..spec
                },
            }
        })
        .collect();
    let candidates: Vec<Candidate> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| Candidate {
            code: &spec.code,
            spec,
            rules: StackRules {
                priority: i32::try_from(i % 3).expect("small"),
                ..StackRules::of(spec)
            },
            alone: rules::compute(spec, &order),
        })
        .collect();
    let policy = StackPolicy::new(10, Base::Remaining).expect("10 codes are allowed");
    assert!(stack(&policy, &candidates, &order).discount_amount > 0);

    let mut group = c.benchmark_group("stacking");
    for n in [1, 3, 10] {
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("stack_{n}_codes"), |b| {
            b.iter(|| {
                stack(
                    black_box(&policy),
                    black_box(&candidates[..n]),
                    black_box(&order),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(stacking_benches, bench_stacking);
criterion_main!(benches, stacking_benches);
