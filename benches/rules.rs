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
criterion_main!(benches);
