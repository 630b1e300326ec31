//! The fraud report's time over many redemptions (issue 11's figure: 10
//! million). Rows are written straight into a store through the storage
//! API (no server, no Raft: only the scan is timed), then the report is
//! computed as FRAUD_REPORT computes it: `ReadView::for_each_redemption_created`
//! feeding `rules::fraud::report::Report`.
//!
//! The rows: 1,000 coupons in turn, one attempt a millisecond, every 20th
//! REJECTED, every 10th flagged, each keeping one or two fired checks, as
//! real records do. Measured: the whole range, and its last tenth (found by
//! binary search on ids, then read).
//!
//! Run once: `cargo bench --bench fraud_report` (FRAUD_REPORT_ROWS to change
//! the 10,000,000). Writing the store takes longer than the report; its file
//! goes in TMPDIR (about 4 GB at 10 million).

use std::time::Instant;

use couponsd::rules::fraud::report::Report;
use couponsd::storage::{Changes, Store};
use couponsd_client::wire::{
    FraudReport, OrderIdentifiers, Redemption, RedemptionStatus, RiskLevel, SecurityAssessment,
    SecurityCheck,
};

const T0: i64 = 1_750_000_000_000;
const COUPONS: u64 = 1_000;
const ROWS_PER_COMMIT: u64 = 100_000;

fn check(name: &str, strength_ppm: u32) -> SecurityCheck {
    SecurityCheck {
        name: name.into(),
        passed: false,
        strength_ppm,
        contribution_ppm: i64::from(strength_ppm),
    }
}

fn attempt(id: u64) -> Redemption {
    let coupon_id = id % COUPONS + 1;
    let rejected = id % 20 == 0;
    let mut checks = vec![check("no_device_fingerprint", 1_000_000)];
    if id % 3 == 0 {
        checks.push(check("shared_ip", 400_000));
    }
    Redemption {
        id,
        coupon_id,
        code: format!("CODE-{coupon_id:05}"),
        customer_id: format!("customer-{}", id % 250_000),
        order_id: format!("order-{id}"),
        transaction_id: String::new(),
        status: if rejected {
            RedemptionStatus::Rejected
        } else {
            RedemptionStatus::Processed
        },
        original_amount: 10_000,
        discount_amount: if rejected { 0 } else { 1_000 },
        final_amount: if rejected { 10_000 } else { 9_000 },
        currency: "USD".into(),
        channel: "web".into(),
        created_at: T0 + id as i64,
        updated_at: T0 + id as i64,
        hold_expires_at: None,
        reverse_reason: String::new(),
        security: SecurityAssessment {
            fraud_score_ppm: if rejected { 900_000 } else { 120_000 },
            risk_level: Some(if rejected {
                RiskLevel::Critical
            } else {
                RiskLevel::Low
            }),
            flagged: id % 10 == 0,
            checks,
        },
        fraud_outcome: None,
        identifiers: OrderIdentifiers {
            customer_email: format!("customer-{}@example.com", id % 250_000),
            ip_address: format!("10.{}.{}.{}", id % 200, id % 250, id % 199),
            device_fingerprint: String::new(),
            payment_fingerprint: String::new(),
        },
        counted: 0,
    }
}

fn report(store: &Store, from: i64, to: i64) -> FraudReport {
    let view = store.read().expect("a read view");
    let mut report = Report::new(from, to);
    view.for_each_redemption_created(from, to, |r| report.add(&r))
        .expect("the scan");
    report.finish()
}

fn main() {
    // `cargo bench` passes --bench; a filter argument is not used.
    let rows: u64 = std::env::var("FRAUD_REPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = Store::open(dir.path(), false, Default::default()).expect("a store");

    let started = Instant::now();
    let mut next = 1;
    while next <= rows {
        let last = (next + ROWS_PER_COMMIT - 1).min(rows);
        let mut changes = Changes::default();
        for id in next..=last {
            changes.put_redemption(&attempt(id));
        }
        store.commit(changes, true).expect("a commit");
        next = last + 1;
    }
    let file_bytes: u64 = std::fs::read_dir(dir.path())
        .expect("the directory")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "wrote {rows} redemptions in {:.1} s ({} MB of files)",
        started.elapsed().as_secs_f64(),
        file_bytes >> 20
    );

    let end = T0 + rows as i64 + 1;
    for (what, from) in [
        ("all", T0),
        ("last tenth", T0 + (rows - rows / 10) as i64 + 1),
    ] {
        let started = Instant::now();
        let r = report(&store, from, end);
        let took = started.elapsed();
        println!(
            "report over {what}: {} attempts, {} blocked, {} coupons listed, in {:.2} s \
             ({:.2} s per million)",
            r.attempts,
            r.blocked,
            r.high_risk_coupons.len(),
            took.as_secs_f64(),
            took.as_secs_f64() * 1e6 / r.attempts.max(1) as f64
        );
        assert_eq!(r.blocked, r.attempts / 20, "every 20th is REJECTED");
    }
}
