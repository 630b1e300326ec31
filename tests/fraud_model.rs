//! The fraud model that learns (FRAUD_OUTCOME, FRAUD_MODEL) and the fraud
//! report (FRAUD_REPORT), through the real binary: an outcome raises the
//! score of the same kind of request, once per redemption; every node of a
//! cluster learns the same model; the report counts the attempts made.

mod common;

use std::time::Duration;

use common::{code_of, couponsd_cli, percent_coupon, redeem_request, Cluster, Server};
use couponsd_client::wire::{
    CouponSpec, ErrorCode, FraudLabel, Order, RedeemRequest, RedemptionRef, RedemptionStatus,
    SecuritySettings,
};
use couponsd_client::{Client, ClientOptions};

/// Neither flags nor blocks: every attempt is accepted, whatever it scores.
fn unjudged(code: &str) -> CouponSpec {
    CouponSpec {
        review_score: None,
        block_score: None,
        ..percent_coupon(code, 1000, None, None)
    }
}

/// An order the payment provider finds half risky, without a fingerprint.
fn risky(code: &str, order_id: &str, customer: &str) -> RedeemRequest {
    let mut r = redeem_request(code, order_id, customer, 10_000);
    r.order.provider_risk_score = Some(500_000);
    r
}

async fn score(client: &Client, code: &str, order: Order) -> u32 {
    client
        .validate(code, order)
        .await
        .expect("validate")
        .security_assessment
        .fraud_score_ppm
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outcome_raises_later_scores_once_per_redemption_and_survives_a_crash() {
    let mut server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(unjudged("LEARN"))
        .await
        .expect("a coupon");
    let starting = client.fraud_model().await.expect("the model");
    assert_eq!(starting.outcomes, 0);
    assert_eq!(starting.weights.len(), 10);
    assert_eq!(
        starting.weights[9],
        ("provider_risk".to_string(), 4_000_000)
    );

    let probe = risky("LEARN", "probe", "zed").order;
    let before = score(&client, "LEARN", probe.clone()).await;
    let taken = client
        .redeem(risky("LEARN", "o1", "ann"))
        .await
        .expect("accepted");
    let id = taken.redemption.id;
    assert_eq!(taken.redemption.security.fraud_score_ppm, before);

    let learned = client
        .fraud_outcome(id, FraudLabel::Fraud)
        .await
        .expect("labelled");
    assert_eq!(learned.outcomes, 1);
    assert!(
        learned.weights[9].1 > starting.weights[9].1,
        "the provider's weight grows: {:?}",
        learned.weights[9]
    );
    let after = score(&client, "LEARN", probe.clone()).await;
    assert!(
        after > before,
        "the same kind of request: {before} -> {after}"
    );
    let got = client
        .get_redemption(RedemptionRef::Id(id))
        .await
        .expect("the redemption");
    assert_eq!(got.redemption.fraud_outcome, Some(FraudLabel::Fraud));

    // The same label again: a replay, nothing learned twice.
    let lsn = client.server_info().await.expect("info").lsn;
    let again = client
        .fraud_outcome(id, FraudLabel::Fraud)
        .await
        .expect("a replay is OK");
    assert_eq!(again, learned);
    assert_eq!(client.server_info().await.expect("info").lsn, lsn);
    assert_eq!(
        code_of(client.fraud_outcome(id, FraudLabel::Legit).await),
        ErrorCode::Conflict
    );
    assert_eq!(
        code_of(client.fraud_outcome(id + 1_000, FraudLabel::Fraud).await),
        ErrorCode::NotFound
    );
    assert_eq!(score(&client, "LEARN", probe.clone()).await, after);

    // A legitimate outcome on another redemption pulls it back down.
    let other = client
        .redeem(risky("LEARN", "o2", "bob"))
        .await
        .expect("accepted")
        .redemption;
    let both = client
        .fraud_outcome(other.id, FraudLabel::Legit)
        .await
        .expect("labelled");
    assert_eq!(both.outcomes, 2);
    let settled = score(&client, "LEARN", probe.clone()).await;
    assert!(settled < after, "{after} -> {settled}");

    // Kept through kill -9: the model is in the log.
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    assert_eq!(client.fraud_model().await.expect("the model"), both);
    assert_eq!(score(&client, "LEARN", probe).await, settled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_node_learns_the_same_model() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(15)).await;
    let client = cluster.nodes[leader].client().await;
    client
        .create_coupon(unjudged("SHARED"))
        .await
        .expect("a coupon");
    let mut ids = Vec::new();
    for i in 0..6 {
        let mut r = risky("SHARED", &format!("o{i}"), &format!("c{i}"));
        if i % 2 == 0 {
            r.order.device_fingerprint = format!("device-{i}");
        }
        if i % 3 == 0 {
            r.order.customer_email = format!("c{i}@example.com");
        }
        ids.push(client.redeem(r).await.expect("accepted").redemption.id);
    }
    for (i, id) in ids.iter().enumerate() {
        let label = if i < 4 {
            FraudLabel::Fraud
        } else {
            FraudLabel::Legit
        };
        client.fraud_outcome(*id, label).await.expect("labelled");
    }
    let model = client.fraud_model().await.expect("the leader's model");
    assert_eq!(model.outcomes, 6);
    let lsn = client.server_info().await.expect("info").lsn;
    let digest = client.digest().await.expect("digest");
    assert_eq!(digest.lsn, lsn);
    for node in &cluster.nodes {
        node.wait_for_lsn(lsn, Duration::from_secs(60)).await;
        // Asked of the node itself, never forwarded to the leader.
        let own = node
            .client_with(ClientOptions {
                follow_leader: false,
                ..ClientOptions::default()
            })
            .await;
        assert_eq!(own.fraud_model().await.expect("the node's model"), model);
        assert_eq!(own.digest().await.expect("the node's digest"), digest);
        let probe = risky("SHARED", "probe", "zed").order;
        assert_eq!(
            score(&own, "SHARED", probe.clone()).await,
            score(&client, "SHARED", probe).await,
            "the same score on every node"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_counts_the_attempts_made() {
    let server = Server::start().await;
    let client = server.client().await;
    let open = SecuritySettings {
        velocity_checks: false,
        block_suspicious_patterns: false,
        ..SecuritySettings::default()
    };
    let office = client
        .create_coupon(CouponSpec {
            security: SecuritySettings {
                ip_restrictions: vec!["deny:10.66.0.0/16".into()],
                ..open.clone()
            },
            ..unjudged("OFFICE")
        })
        .await
        .expect("a coupon with a deny range");
    // Flags every attempt (any score reaches 1 ppm), blocks none.
    let watched = client
        .create_coupon(CouponSpec {
            review_score: Some(1),
            security: open,
            ..unjudged("WATCHED")
        })
        .await
        .expect("a coupon that flags");
    let start = client.ping().await.expect("ping") - 1_000;

    let attempt = |code: &str, order_id: &str, ip: &str| {
        let mut r = redeem_request(code, order_id, order_id, 10_000);
        r.order.ip_address = ip.into();
        r
    };
    for i in 0..3 {
        let r = attempt("OFFICE", &format!("ok{i}"), "10.1.0.1");
        client.redeem(r).await.expect("outside the deny range");
    }
    for i in 0..2 {
        let r = attempt("OFFICE", &format!("no{i}"), "10.66.0.9");
        assert_eq!(code_of(client.redeem(r).await), ErrorCode::IpNotAllowed);
    }
    for i in 0..4 {
        let r = attempt("WATCHED", &format!("w{i}"), "192.0.2.7");
        let taken = client.redeem(r).await.expect("flagged, accepted");
        assert!(taken.redemption.security.flagged);
    }
    let end = client.ping().await.expect("ping") + 1_000;

    let report = client
        .fraud_report(start - 1, end)
        .await
        .expect("the report");
    assert_eq!((report.attempts, report.blocked, report.flagged), (9, 2, 4));
    assert_eq!(report.fraud_rate_ppm, 222_222);
    // OFFICE's two blocked attempts at the 1000 its three accepted ones got.
    assert_eq!(report.savings, vec![("USD".to_string(), 2_000)]);
    let no_fingerprint = report
        .patterns
        .iter()
        .find(|p| p.name == "no_device_fingerprint")
        .expect("listed");
    assert_eq!((no_fingerprint.occurrences, no_fingerprint.blocked), (9, 2));
    let top: Vec<_> = report
        .high_risk_coupons
        .iter()
        .map(|c| (c.coupon_id, c.code.as_str(), c.attempts, c.blocked))
        .collect();
    assert_eq!(
        top,
        vec![(office.id, "OFFICE", 5, 2), (watched.id, "WATCHED", 4, 0)]
    );

    // A range that starts at a later attempt counts exactly the attempts
    // created from then on (the first is found by binary search on ids).
    let mut all = common::all_redemptions(&client, office.id).await;
    all.extend(common::all_redemptions(&client, watched.id).await);
    all.sort_by_key(|r| r.id);
    assert_eq!(all.len(), 9);
    for cut in [1, 4, 6, 8] {
        let from = all[cut].created_at;
        let expected: Vec<_> = all.iter().filter(|r| r.created_at >= from).collect();
        let part = client.fraud_report(from, end).await.expect("part");
        assert_eq!(part.attempts, expected.len() as u64, "from attempt {cut}");
        let blocked = expected
            .iter()
            .filter(|r| r.status == RedemptionStatus::Rejected)
            .count();
        assert_eq!(part.blocked, blocked as u64);
        // And one that ends there counts the rest.
        let head = client.fraud_report(start - 1, from).await.expect("head");
        assert_eq!(head.attempts + part.attempts, 9);
    }
    let before = client.fraud_report(0, start - 1).await.expect("before");
    assert_eq!((before.attempts, before.high_risk_coupons.len()), (0, 0));
    assert_eq!(
        code_of(client.fraud_report(end, end).await),
        ErrorCode::InvalidArgument
    );

    // The command line: the seed's report shape.
    let (status, json, out) = couponsd_cli(
        &server.addr,
        &[
            "fraud",
            "report",
            "--from",
            "2000-01-01",
            "--to",
            "2999-01-01T00:00:00Z",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(json["summary"]["total_attempts"], 9);
    assert_eq!(json["summary"]["blocked"], 2);
    assert_eq!(json["summary"]["estimated_savings"]["USD"], "20.00");
    assert_eq!(json["high_risk_coupons"][0]["code"], "OFFICE");
    let rejected = all
        .iter()
        .find(|r| r.status == RedemptionStatus::Rejected)
        .expect("a blocked attempt");
    let id = rejected.id.to_string();
    let (status, json, out) = couponsd_cli(
        &server.addr,
        &[
            "fraud",
            "outcome",
            "--redemption",
            &id,
            "--label",
            "fraud",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(json["outcomes"], 1);
    let (status, json, out) = couponsd_cli(&server.addr, &["fraud", "model", "--json"]);
    assert_eq!(status, 0, "{out}");
    assert_eq!(json["outcomes"], 1);
    assert!(json["weights"]["no_device_fingerprint"].is_string());
}
