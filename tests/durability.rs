//! Durability ordering and recovery: no reply leaves before its batch is
//! durable, and a restart rebuilds exactly the acknowledged state from the
//! checkpoint plus the log after it.

mod common;

use std::time::{Duration, Instant};

use common::{order, percent_coupon, redeem_request, reserve_request, Server};
use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CouponRef, CouponSpec, DistributionMethod, DistributionStrategy,
    ErrorCode, FraudLabel, OrderMode, OrderRedemption, OrderReserveRequest, PeriodLimits,
    Recipient, RedemptionRef, RedemptionStatus, SecuritySettings,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reply_before_the_batch_is_durable() {
    // Every commit waits 1.5 s before it starts.
    let mut server = Server::start_with(&["--debug-commit-delay-ms", "1500"]).await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("SLOWDISK", 1000, Some(10), None))
        .await
        .unwrap();

    // A redeem whose commit has not happened yet has no reply yet...
    let started = Instant::now();
    let pending = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .redeem(redeem_request("SLOWDISK", "o-1", "a", 1000))
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !pending.is_finished(),
        "a reply left before its batch was committed"
    );
    // ...and when the process dies before the commit, the client never hears OK.
    server.kill9();
    let outcome = pending.await.unwrap();
    assert!(
        outcome.is_err(),
        "the client was told OK for a write that never became durable"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));

    server.restart().await;
    let client = server.client().await;
    let err = client
        .get_redemption(RedemptionRef::Order {
            code: "SLOWDISK".into(),
            order_id: "o-1".into(),
        })
        .await;
    assert_eq!(err.err().and_then(|e| e.code()), Some(ErrorCode::NotFound));
    assert_eq!(
        client
            .get_coupon(CouponRef::Id(coupon.id))
            .await
            .unwrap()
            .current_usage,
        0
    );

    // Left alone, the reply comes only after the delayed commit, and then it is durable.
    let started = Instant::now();
    let reply = client
        .redeem(redeem_request("SLOWDISK", "o-2", "a", 1000))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "replied after {:?}",
        started.elapsed()
    );
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    let got = client
        .get_redemption(RedemptionRef::Id(reply.redemption.id))
        .await
        .unwrap();
    assert_eq!(got.redemption.status, RedemptionStatus::Processed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_from_checkpoints_and_truncated_log_restores_everything() {
    // Checkpoint every 50 records, so this run takes many, and truncates the log.
    let mut server = Server::start_with(&["--checkpoint-records", "50"]).await;
    let client = server.client().await;
    let hot = client
        .create_coupon(CouponSpec {
            // Velocity checks on (10 an hour, above the 3 per customer), so
            // every customer's velocity window is checkpointed too.
            security: SecuritySettings::default(),
            // Limits per period above what the load takes, so every
            // customer's and everyone's counts are checkpointed (kind 14).
            period_limits: PeriodLimits {
                customer_per_week: Some(50),
                per_day: Some(100_000),
                ..PeriodLimits::default()
            },
            ..percent_coupon("CKPT", 1000, Some(400), Some(3))
        })
        .await
        .unwrap();
    // Two fraud outcomes before the load, so the checkpoints carry a learned
    // model (kind 11) and the truncated log does not.
    client
        .create_coupon(percent_coupon("LEARNED", 1000, None, None))
        .await
        .unwrap();
    for (order_id, label) in [("l-1", FraudLabel::Fraud), ("l-2", FraudLabel::Legit)] {
        let r = client
            .redeem(redeem_request("LEARNED", order_id, order_id, 2000))
            .await
            .unwrap();
        client.fraud_outcome(r.redemption.id, label).await.unwrap();
    }
    let model = client.fraud_model().await.unwrap();
    assert_eq!(model.outcomes, 2);
    // A multi-code order's set held before the load, so the checkpoints
    // carry it (kind 12) and the truncated log does not.
    client
        .create_coupon(percent_coupon("SET-TWO", 500, None, None))
        .await
        .unwrap();
    let held = client
        .order_reserve(OrderReserveRequest {
            codes: vec!["LEARNED".into(), "SET-TWO".into()],
            mode: OrderMode::AllOrNothing,
            order_id: "set-1".into(),
            ttl_ms: 600_000,
            order: order("setter", 2000),
        })
        .await
        .unwrap();
    assert_eq!(held.redemptions.len(), 2);
    // A distribution outbox before the load (an APP campaign: its entries
    // are marked SENT at once), so the checkpoints carry it (kind 17) and
    // the truncated log does not.
    let app = client
        .create_campaign(CampaignSpec {
            name: "App codes".into(),
            template: percent_coupon("", 1000, None, None),
            distribution: DistributionStrategy {
                method: DistributionMethod::App,
                distribution_rate: 0,
                ..DistributionStrategy::default()
            },
            ..CampaignSpec::default()
        })
        .await
        .unwrap();
    client
        .set_campaign_status(app.id, CampaignStatus::Active)
        .await
        .unwrap();
    let recipients = (0..3)
        .map(|i| Recipient {
            customer_id: format!("app-{i}"),
            ..Recipient::default()
        })
        .collect();
    client.distribute(app.id, recipients).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.distribution_status(app.id, 0, 0).await.unwrap().sent < 3 {
        assert!(
            Instant::now() < deadline,
            "the APP entries were not marked sent"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outbox_before = client.distribution_status(app.id, 0, 0).await.unwrap();
    let mut tasks = Vec::new();
    for c in 0..8 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..60 {
                let customer = format!("cust-{}", (c * 60 + i) % 100);
                if let Ok(r) = client
                    .redeem(redeem_request(
                        "CKPT",
                        &format!("o-{c}-{i}"),
                        &customer,
                        2000,
                    ))
                    .await
                {
                    ids.push((format!("o-{c}-{i}"), customer, r.redemption.id));
                }
            }
            ids
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await.unwrap());
    }
    // Some holds and a reversal, so every kind of state is in play.
    client
        .reserve(reserve_request("CKPT", "hold-1", "holder", 2000, 600_000))
        .await
        .unwrap();
    let reversed = &acked[0];
    client
        .reverse(RedemptionRef::Id(reversed.2), "refund")
        .await
        .unwrap();
    let before = client.get_coupon(CouponRef::Id(hot.id)).await.unwrap();
    let info_before = client.server_info().await.unwrap();
    // Wait until a checkpoint is stored after most of the load.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.log().matches("checkpoint stored").count() < 3 {
        assert!(
            Instant::now() < deadline,
            "no checkpoints were taken:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let digest_before = client.digest().await.unwrap();
    server.kill9();
    server.restart().await;
    // Everything the node stores is the same: the checkpoint plus the log after
    // it rebuilt the state exactly.
    let digest_after = server.client().await.digest().await.unwrap();
    assert_eq!(digest_after, digest_before);
    assert_eq!(server.client().await.fraud_model().await.unwrap(), model);
    let outbox_after = server
        .client()
        .await
        .distribution_status(app.id, 0, 0)
        .await
        .unwrap();
    assert_eq!(outbox_after, outbox_before);
    assert!(digest_before.entries > 400);
    let log = server.log();
    let recovered = log
        .lines()
        .rfind(|l| l.contains("state recovered"))
        .unwrap_or_default()
        .to_string();
    assert!(
        !recovered.contains("checkpoint_lsn=0"),
        "recovery did not use a checkpoint: {recovered}"
    );

    let client = server.client().await;
    let after = client.get_coupon(CouponRef::Id(hot.id)).await.unwrap();
    assert_eq!(
        (after.current_usage, after.reserved_uses),
        (before.current_usage, before.reserved_uses)
    );
    assert_eq!(client.server_info().await.unwrap().lsn, info_before.lsn);
    // The set survived in the checkpoint: its confirm finds both holds.
    let confirmed = client.order_confirm("set-1", "").await.unwrap();
    let ids = |r: &OrderRedemption| r.redemptions.iter().map(|x| x.id).collect::<Vec<_>>();
    assert_eq!(ids(&confirmed), ids(&held));
    assert!(confirmed
        .redemptions
        .iter()
        .all(|r| r.status == RedemptionStatus::Processed));
    // Idempotency survived: retries return the same redemptions and change nothing.
    for (order_id, customer, id) in acked.iter().skip(1) {
        let replay = client
            .redeem(redeem_request("CKPT", order_id, customer, 2000))
            .await
            .unwrap();
        assert!(replay.replayed);
        assert_eq!(replay.redemption.id, *id);
    }
    // Per-customer counts survived (the reversed one gave its use back).
    for (_, customer, _) in acked.iter().take(20) {
        let expected = acked.iter().filter(|(_, c, _)| c == customer).count()
            - usize::from(customer == &reversed.1);
        let v = client
            .validate("CKPT", order(customer, 2000))
            .await
            .unwrap();
        assert_eq!(
            v.customer_usage_count as usize, expected,
            "customer {customer}"
        );
    }
    // The hold is still a hold, and still counts.
    let hold = client
        .get_redemption(RedemptionRef::Order {
            code: "CKPT".into(),
            order_id: "hold-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(hold.redemption.status, RedemptionStatus::Pending);
    client
        .confirm(RedemptionRef::Id(hold.redemption.id))
        .await
        .unwrap();
    let after = client.get_coupon(CouponRef::Id(hot.id)).await.unwrap();
    assert_eq!(after.current_usage, before.current_usage + 1);
    assert_eq!(after.reserved_uses, 0);
    // New ids continue after the old ones.
    let fresh = client
        .redeem(redeem_request("CKPT", "after-restart", "newcomer", 2000))
        .await
        .unwrap();
    assert!(fresh.redemption.id > acked.iter().map(|a| a.2).max().unwrap());
}
