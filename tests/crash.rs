//! Durability: kill -9 (and SIGTERM) during a redeem load, restart on the same
//! data directory, and check that every acknowledged redemption is there, that
//! the counters match the records, and that no limit was exceeded.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{all_redemptions, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{CouponRef, RedemptionRef, RedemptionStatus};

const LIMIT: u64 = 5_000;

/// Acknowledged redemptions: order id -> redemption id.
type Acked = Arc<Mutex<HashMap<String, u64>>>;

/// Starts 32 connections redeeming distinct orders until the connection dies.
async fn start_load(
    server: &Server,
    code: &str,
    round: usize,
    acked: &Acked,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for c in 0..32 {
        let client = server.client().await;
        let acked = acked.clone();
        let code = code.to_string();
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let order_id = format!("r{round}-c{c}-o{i}");
                let customer = format!("customer-{}", i % 50);
                match client
                    .redeem(redeem_request(&code, &order_id, &customer, 2_000))
                    .await
                {
                    Ok(reply) => {
                        acked.lock().unwrap().insert(order_id, reply.redemption.id);
                    }
                    Err(e) if e.code().is_some() => {} // refused (limit): fine
                    Err(_) => return,                  // the server died
                }
            }
        }));
    }
    tasks
}

async fn check_consistent(server: &Server, code: &str, coupon_id: u64, acked: &Acked) {
    let client = server.client().await;
    let acked = acked.lock().unwrap().clone();
    assert!(
        !acked.is_empty(),
        "the load acknowledged nothing; the test proves nothing"
    );
    for (order_id, id) in &acked {
        let r = client
            .get_redemption(RedemptionRef::Id(*id))
            .await
            .expect("acknowledged redemption lost");
        assert_eq!(&r.redemption.order_id, order_id);
        assert_eq!(r.redemption.status, RedemptionStatus::Processed);
    }
    let records = all_redemptions(&client, coupon_id).await;
    let coupon = client.get_coupon(CouponRef::Id(coupon_id)).await.unwrap();
    let processed = records
        .iter()
        .filter(|r| r.status == RedemptionStatus::Processed)
        .count() as u64;
    assert_eq!(
        coupon.current_usage, processed,
        "counter matches the records"
    );
    assert!(coupon.current_usage <= LIMIT, "limit exceeded");
    assert!(processed >= acked.len() as u64);
    let mut per_customer: HashMap<&str, u64> = HashMap::new();
    for r in records
        .iter()
        .filter(|r| r.status == RedemptionStatus::Processed)
    {
        *per_customer.entry(r.customer_id.as_str()).or_default() += 1;
    }
    // The per-customer counters agree with the records.
    for (customer, n) in per_customer {
        let v = client
            .validate(code, common::order(customer, 2_000))
            .await
            .unwrap();
        assert_eq!(u64::from(v.customer_usage_count), n, "customer {customer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_during_redeem_load_loses_nothing_acknowledged() {
    let mut server = Server::start().await;
    let coupon = server
        .client()
        .await
        .create_coupon(percent_coupon("CRASH", 1000, Some(LIMIT), Some(1000)))
        .await
        .unwrap();
    let acked: Acked = Arc::default();
    for round in 0..3 {
        let load = start_load(&server, "CRASH", round, &acked).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        server.kill9();
        for t in load {
            let _ = t.await;
        }
        server.restart().await;
        check_consistent(&server, "CRASH", coupon.id, &acked).await;
    }
    assert!(!server.log().contains("panicked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_work_and_exits_cleanly() {
    let mut server = Server::start().await;
    let coupon = server
        .client()
        .await
        .create_coupon(percent_coupon("TERM", 1000, Some(LIMIT), Some(1000)))
        .await
        .unwrap();
    let acked: Acked = Arc::default();
    let load = start_load(&server, "TERM", 0, &acked).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = server.terminate();
    assert!(status.success(), "clean exit after SIGTERM, got {status:?}");
    for t in load {
        let _ = t.await;
    }
    assert!(server.log().contains("all acknowledged writes are durable"));
    server.restart().await;
    check_consistent(&server, "TERM", coupon.id, &acked).await;
}
