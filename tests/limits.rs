//! Usage limits hold under concurrency: many connections racing for the last
//! uses never get more than the limit, and counters agree with the records.

mod common;

use std::collections::HashMap;

use common::{all_redemptions, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{CouponRef, ErrorCode, RedemptionStatus};

/// Each of `connections` clients redeems `per_connection` distinct orders,
/// customers chosen by `customer_of(connection, i)`. Returns (ok, refusals by code).
async fn hammer(
    server: &Server,
    code: &str,
    connections: usize,
    per_connection: usize,
    customer_of: fn(usize, usize) -> String,
) -> (usize, HashMap<ErrorCode, usize>) {
    let mut tasks = Vec::new();
    for c in 0..connections {
        let client = server.client().await;
        let code = code.to_string();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            let mut refused: HashMap<ErrorCode, usize> = HashMap::new();
            for i in 0..per_connection {
                let order_id = format!("order-{c}-{i}");
                match client
                    .redeem(redeem_request(&code, &order_id, &customer_of(c, i), 10_000))
                    .await
                {
                    Ok(reply) => {
                        assert_eq!(reply.redemption.status, RedemptionStatus::Processed);
                        assert!(!reply.replayed);
                        ok += 1;
                    }
                    Err(e) => {
                        *refused
                            .entry(e.code().expect("a typed refusal, not a failure"))
                            .or_default() += 1
                    }
                }
            }
            (ok, refused)
        }));
    }
    let mut ok = 0;
    let mut refused: HashMap<ErrorCode, usize> = HashMap::new();
    for t in tasks {
        let (o, r) = t.await.expect("worker task");
        ok += o;
        for (code, n) in r {
            *refused.entry(code).or_default() += n;
        }
    }
    (ok, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_is_exact_under_64_connections() {
    let server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("RACE1000", 1000, Some(1000), None))
        .await
        .unwrap();

    let (ok, refused) = hammer(&server, "race1000", 64, 25, |c, i| {
        format!("customer-{c}-{i}")
    })
    .await;

    assert_eq!(ok, 1000, "exactly the limit succeeds");
    assert_eq!(
        refused.get(&ErrorCode::Exhausted).copied(),
        Some(64 * 25 - 1000)
    );
    assert_eq!(
        refused.len(),
        1,
        "the only refusal is EXHAUSTED: {refused:?}"
    );

    let coupon = client.get_coupon(CouponRef::Id(coupon.id)).await.unwrap();
    assert_eq!(coupon.current_usage, 1000);
    assert_eq!(coupon.reserved_uses, 0);
    let records = all_redemptions(&client, coupon.id).await;
    assert_eq!(records.len(), 1000, "one record per successful redemption");
    assert!(records
        .iter()
        .all(|r| r.status == RedemptionStatus::Processed));
    let orders: std::collections::HashSet<_> = records.iter().map(|r| r.order_id.clone()).collect();
    assert_eq!(orders.len(), 1000, "no order redeemed twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_customer_limit_is_exact_under_64_connections() {
    let server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("PERCUST3", 1000, None, Some(3)))
        .await
        .unwrap();

    // 20 customers, every connection cycling through all of them.
    let (ok, refused) = hammer(&server, "PERCUST3", 64, 20, |c, i| {
        format!("customer-{}", (c + i) % 20)
    })
    .await;

    assert_eq!(ok, 20 * 3);
    assert_eq!(
        refused.get(&ErrorCode::CustomerLimit).copied(),
        Some(64 * 20 - 60)
    );
    assert_eq!(refused.len(), 1, "{refused:?}");
    let records = all_redemptions(&client, coupon.id).await;
    let mut per_customer: HashMap<String, usize> = HashMap::new();
    for r in &records {
        *per_customer.entry(r.customer_id.clone()).or_default() += 1;
    }
    assert_eq!(per_customer.len(), 20);
    assert!(per_customer.values().all(|&n| n == 3), "{per_customer:?}");
    let coupon = client.get_coupon(CouponRef::Id(coupon.id)).await.unwrap();
    assert_eq!(coupon.current_usage, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_limits_together() {
    let server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("BOTH", 1000, Some(50), Some(2)))
        .await
        .unwrap();

    let (ok, refused) = hammer(&server, "both", 32, 10, |c, i| {
        format!("customer-{}", (c * 7 + i) % 40)
    })
    .await;

    assert_eq!(ok, 50);
    assert_eq!(refused.values().sum::<usize>(), 32 * 10 - 50);
    assert!(refused
        .keys()
        .all(|c| matches!(c, ErrorCode::Exhausted | ErrorCode::CustomerLimit)));
    let records = all_redemptions(&client, coupon.id).await;
    assert_eq!(records.len(), 50);
    let mut per_customer: HashMap<String, usize> = HashMap::new();
    for r in &records {
        *per_customer.entry(r.customer_id.clone()).or_default() += 1;
    }
    assert!(per_customer.values().all(|&n| n <= 2), "{per_customer:?}");
}
