//! The writer end to end, on a real store in a temporary directory, as one
//! node alone (a cluster of one): N concurrent REDEEMs submitted at once and
//! awaited, so each iteration is (about) one group-commit batch: one Raft
//! entry, one log write and one fsync, then one applied transaction.
//!
//! Each N gets a fresh store with one coupon, SUMMER20 (20% capped at 50.00,
//! minimum order 100.00 USD, one use per customer, no global limit so that it
//! never runs out); every redemption has its own order id and customer.
//!
//! Run: `cargo bench --bench writer`. It does real fsyncs, so the temporary
//! directory's file system matters: the default is the system's (`TMPDIR`);
//! set `TMPDIR` to put the store on another disk. A tmpfs measures no fsync.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use couponsd::cluster::{self, ClusterConfig};
use couponsd::domain::spec;
use couponsd::writer::{Mutation, Shopper, WriterConfig};
use couponsd_client::wire::{CouponSpec, DiscountType, Order, RedeemRequest, Response};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use futures_util::future::join_all;

const BATCH_SIZES: [u64; 3] = [1, 64, 512];

fn summer20() -> CouponSpec {
    let spec = CouponSpec {
        code: "summer20".into(),
        name: "Summer sale".into(),
        discount_type: DiscountType::Percentage,
        discount_value: 2_000,
        currency: "usd".into(),
        max_discount_amount: Some(5_000),
        min_order_amount: Some(10_000),
        usage_limit: None,
        usage_limit_per_customer: Some(1),
        ..CouponSpec::default()
    };
    spec::validate(spec).expect("a valid coupon")
}

fn redeem(n: u64) -> Mutation {
    Mutation::Redeem {
        shopper: Shopper::default(),
        request: RedeemRequest {
            code: "SUMMER20".into(),
            order_id: format!("order-{n}"),
            transaction_id: String::new(),
            order: Order {
                customer_id: format!("customer-{n}"),
                amount: 15_000,
                currency: "USD".into(),
                ..Order::default()
            },
        },
    }
}

fn bench_writer(c: &mut Criterion) {
    // The writer runs on its own threads; Raft and the state machine on this runtime.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");

    let mut group = c.benchmark_group("writer/redeem_batch");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    for n in BATCH_SIZES {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let node: Arc<cluster::Node> = rt
            .block_on(cluster::start(
                &ClusterConfig::single("127.0.0.1:0".into()),
                dir.path(),
                true,
                &WriterConfig::default(),
                Default::default(),
            ))
            .expect("start a node");
        let writer = node.clone();
        let created = rt.block_on(writer.submit(Mutation::CreateCoupon {
            spec: summer20(),
            created_by: "bench".into(),
        }));
        assert!(
            matches!(created, Ok(Response::Coupon(_))),
            "create: {created:?}"
        );

        let mut next = 0u64;
        group.throughput(Throughput::Elements(n));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter_custom(|iters| {
                // Built outside the timed part: only submission to durable reply counts.
                let batches: Vec<Vec<Mutation>> = (0..iters)
                    .map(|_| {
                        (0..n)
                            .map(|_| {
                                next += 1;
                                redeem(next)
                            })
                            .collect()
                    })
                    .collect();
                rt.block_on(async {
                    let started = Instant::now();
                    for batch in batches {
                        let replies = join_all(batch.into_iter().map(|m| writer.submit(m))).await;
                        for reply in replies {
                            match reply {
                                Ok(Response::Redemption(r)) => {
                                    black_box(r);
                                }
                                other => panic!("redeem refused: {other:?}"),
                            }
                        }
                    }
                    started.elapsed()
                })
            })
        });

        rt.block_on(node.stop());
        drop(dir);
    }
    group.finish();
}

criterion_group!(benches, bench_writer);
criterion_main!(benches);
