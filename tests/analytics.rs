//! Analytics (issue 13): after a scripted run of validations, redemptions
//! with order lines, a confirmed hold, a partial and a full reversal and
//! refused attempts, ANALYTICS_COUPON, ANALYTICS_CAMPAIGN and
//! ANALYTICS_OVERVIEW equal what the redemption and reversal records add
//! up to, on the node that decided them, after kill -9 and restart, and on
//! a follower.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{all_redemptions, percent_coupon, redeem_request, reserve_request, Server};
use couponsd::cluster::codec;
use couponsd_client::wire::{
    opcode, CampaignSpec, CampaignStatus, CouponAnalytics, CouponRef, CouponSpec, ErrorCode,
    LineItem, Order, RedeemRequest, Redemption, RedemptionRef, RedemptionStatus, SecuritySettings,
};
use couponsd_client::{Client, ClientError};
use serde_json::Value;

const ZONE: &str = "Pacific/Auckland";

fn line(product: &str, unit_price: i64, quantity: u32) -> LineItem {
    LineItem {
        product_id: product.into(),
        unit_price,
        quantity,
        ..LineItem::default()
    }
}

/// An order of one shoe (50.00) and `socks` socks (10.00 each).
fn order_with_lines(order_id: &str, socks: u32) -> RedeemRequest {
    let items = vec![line("shoe", 5_000, 1), line("sock", 1_000, socks)];
    let amount = items
        .iter()
        .map(|l| l.unit_price * i64::from(l.quantity))
        .sum();
    let base = redeem_request("SHOES10", order_id, &format!("cust-{order_id}"), amount);
    RedeemRequest {
        order: Order {
            items,
            // Allowed by the coupon's deny list (an address is needed).
            ip_address: "198.51.100.7".into(),
            ..base.order
        },
        ..base
    }
}

/// What the records say: (redemptions, reversed, revenue, discount) over
/// the captured and reversed redemptions and their reversals.
async fn from_records(client: &Client, records: &[Redemption]) -> (u64, u64, i64, i64) {
    let mut totals = (0, 0, 0, 0);
    for r in records {
        if !matches!(
            r.status,
            RedemptionStatus::Processed | RedemptionStatus::Reversed
        ) {
            continue;
        }
        totals.0 += 1;
        totals.1 += u64::from(r.status == RedemptionStatus::Reversed);
        totals.2 += r.final_amount;
        totals.3 += r.discount_amount;
        for x in client
            .list_reversals(RedemptionRef::Id(r.id))
            .await
            .expect("reversals")
        {
            totals.2 -= x.refund_amount;
            totals.3 -= x.discount_returned;
        }
    }
    totals
}

/// Asks until the flushed views reach `views` (they are made durable about
/// once a second).
async fn analytics_with_views(client: &Client, code: &str, views: u64) -> CouponAnalytics {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = client
            .analytics_coupon(CouponRef::Code(code.into()))
            .await
            .expect("analytics");
        if a.metrics.total_views >= views {
            return a;
        }
        assert!(Instant::now() < deadline, "views stuck at {a:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn couponsd_json(addr: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr, "--json"])
        .args(args)
        .output()
        .expect("running couponsd");
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_equal_the_records_and_survive_kill_9() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(CouponSpec {
            time_zone: ZONE.into(),
            security: SecuritySettings {
                velocity_checks: false,
                ip_restrictions: vec!["deny:203.0.113.0/24".into()],
                ..SecuritySettings::default()
            },
            ..percent_coupon("SHOES10", 1000, None, None)
        })
        .await
        .expect("coupon");

    // Views: five validations, one of them refused (still a view).
    for i in 0..4 {
        let v = client
            .validate("shoes10", order_with_lines(&format!("v{i}"), 1).order)
            .await
            .expect("validate");
        assert!(v.valid, "{v:?}");
    }
    let mut euro = order_with_lines("v-eur", 1).order;
    euro.currency = "EUR".into();
    let refused = client.validate("SHOES10", euro).await.expect("validate");
    assert!(!refused.valid, "another currency: {refused:?}");

    // Four captured orders with lines, and a hold confirmed.
    let mut captured_at = Vec::new();
    for i in 1..=4 {
        let reply = client
            .redeem(order_with_lines(&format!("o{i}"), i))
            .await
            .expect("redeem");
        captured_at.push(reply.redemption.created_at);
    }
    // Holds keep their order's lines until captured: the confirmed one's
    // count in the top products, the released one's never do.
    let held = |order_id: &str, product: &str| {
        let mut hold = reserve_request("SHOES10", order_id, "hana", 20_000, 60_000);
        hold.order.ip_address = "198.51.100.7".into();
        hold.order.items = vec![line(product, 20_000, 1)];
        hold
    };
    client.reserve(held("held", "boot")).await.expect("reserve");
    client
        .reserve(held("let-go", "glove"))
        .await
        .expect("reserve");
    client
        .release(RedemptionRef::Order {
            code: "SHOES10".into(),
            order_id: "let-go".into(),
        })
        .await
        .expect("release");
    let confirmed = client
        .confirm(RedemptionRef::Order {
            code: "SHOES10".into(),
            order_id: "held".into(),
        })
        .await
        .expect("confirm");
    captured_at.push(confirmed.redemption.updated_at);

    // A partial refund of o1 and a full reversal of o2.
    let of = |order_id: &str| RedemptionRef::Order {
        code: "SHOES10".into(),
        order_id: order_id.into(),
    };
    client
        .refund(of("o1"), 2_000, "refund-1", "one sock back")
        .await
        .expect("partial refund");
    client
        .reverse(of("o2"), "cancelled")
        .await
        .expect("reverse");

    // Refused: another currency (nothing kept) and a denied address (a
    // REJECTED attempt, counted as a fraud attempt and a blocked one).
    let mut euro = order_with_lines("eur", 1);
    euro.order.currency = "EUR".into();
    assert!(client.redeem(euro).await.is_err());
    let mut denied = order_with_lines("denied", 1);
    denied.order.ip_address = "203.0.113.9".into();
    assert!(client.redeem(denied).await.is_err());

    let a = analytics_with_views(&client, "SHOES10", 5).await;
    let records = all_redemptions(&client, coupon.id).await;
    let (redemptions, reversed, revenue, discount) = from_records(&client, &records).await;
    assert_eq!(redemptions, 5);
    assert_eq!(a.metrics.total_views, 5);
    assert_eq!(a.metrics.total_redemptions, redemptions);
    assert_eq!(a.metrics.total_reversed, reversed);
    assert_eq!(reversed, 1);
    assert_eq!(a.metrics.total_revenue, revenue);
    assert_eq!(a.metrics.total_discount, discount);
    assert_eq!(a.metrics.conversion_rate_ppm, 1_000_000);
    assert_eq!(a.metrics.average_order_value, revenue / 5);
    assert_eq!(
        a.metrics.roi_basis_points,
        Some((revenue - discount) * 10_000 / discount)
    );
    assert_eq!(
        a.metrics.last_redemption_at,
        captured_at.iter().max().copied()
    );
    assert_eq!((a.fraud_attempts, a.blocked_redemptions), (1, 1));

    // The timeline is gross and local: today in Auckland, every capture.
    let captured: Vec<&Redemption> = records
        .iter()
        .filter(|r| {
            matches!(
                r.status,
                RedemptionStatus::Processed | RedemptionStatus::Reversed
            )
        })
        .collect();
    let gross: i64 = captured.iter().map(|r| r.final_amount).sum();
    let zone = jiff::tz::TimeZone::get(ZONE).expect("zone");
    let local_day = |ms: i64| {
        let date = jiff::Timestamp::from_millisecond(ms)
            .expect("time")
            .to_zoned(zone.clone())
            .date();
        let epoch = jiff::civil::date(1970, 1, 1);
        i64::from((date - epoch).get_days())
    };
    let mut days: Vec<i64> = captured_at.iter().map(|&t| local_day(t)).collect();
    days.dedup();
    assert_eq!(a.usage_timeline.len(), days.len(), "{:?}", a.usage_timeline);
    assert_eq!(
        a.usage_timeline.last().map(|p| p.slot),
        days.last().copied()
    );
    assert_eq!(
        a.usage_timeline.iter().map(|p| p.redemptions).sum::<u64>(),
        5
    );
    assert_eq!(
        a.usage_timeline.iter().map(|p| p.revenue).sum::<i64>(),
        gross
    );
    assert_eq!(
        a.hourly_timeline.iter().map(|p| p.redemptions).sum::<u64>(),
        5
    );

    // Top products from the four orders' lines and the confirmed hold's
    // (kept from its RESERVE: CONFIRM carries no order); not the released one's.
    let products: Vec<(&str, u64, i64)> = a
        .top_products
        .iter()
        .map(|p| (p.product_id.as_str(), p.redemptions, p.revenue))
        .collect();
    assert_eq!(
        products,
        vec![
            ("shoe", 4, 4 * 5_000),
            ("sock", 4, (1 + 2 + 3 + 4) * 1_000),
            ("boot", 1, 20_000)
        ]
    );

    // The command line names the seed's fields.
    let cli = couponsd_json(&server.addr, &["analytics", "coupon", "--code", "SHOES10"]);
    assert_eq!(cli["metrics"]["total_redemptions"], 5);
    assert_eq!(cli["metrics"]["total_views"], 5);
    assert_eq!(cli["metrics"]["conversion_rate"], "1");
    assert_eq!(cli["top_products"][0]["product_id"], "shoe");
    assert_eq!(cli["top_products"][0]["revenue"], "200.00");
    assert!(cli["usage_timeline"][0]["date"].is_string());

    // kill -9: the same analytics after the restart (replayed, not recounted).
    let overview = client.analytics_overview().await.expect("overview");
    drop(client);
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    let after = client
        .analytics_coupon(CouponRef::Id(coupon.id))
        .await
        .expect("analytics");
    assert_eq!(
        CouponAnalytics {
            last_updated: 0,
            ..after
        },
        CouponAnalytics {
            last_updated: 0,
            ..a
        }
    );
    let overview_after = client.analytics_overview().await.expect("overview");
    assert_eq!(overview_after.metrics, overview.metrics);
    assert_eq!(overview.metrics.total_redemptions, 5);
    assert_eq!(overview.coupons_redeemed, 1);

    // A hold's lines survive kill -9 (the log and the checkpoint carry them):
    // placed before, confirmed after, counted.
    client
        .reserve(held("across", "scarf"))
        .await
        .expect("reserve");
    drop(client);
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    client
        .confirm(RedemptionRef::Order {
            code: "SHOES10".into(),
            order_id: "across".into(),
        })
        .await
        .expect("confirm after the restart");
    let a = client
        .analytics_coupon(CouponRef::Id(coupon.id))
        .await
        .expect("analytics");
    assert!(
        a.top_products
            .iter()
            .any(|p| (p.product_id.as_str(), p.redemptions, p.revenue) == ("scarf", 1, 20_000)),
        "{:?}",
        a.top_products
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_counts_its_codes_and_its_return() {
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = client
        .create_campaign(CampaignSpec {
            name: "spring".into(),
            template: CouponSpec {
                name: "spring code".into(),
                usage_limit: Some(2),
                ..percent_coupon("", 1000, None, None)
            },
            ..CampaignSpec::default()
        })
        .await
        .expect("campaign");
    let c = client
        .generate_codes(campaign.id, 10, campaign.revision)
        .await
        .expect("generate");
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .expect("active");
    let deadline = Instant::now() + Duration::from_secs(30);
    let codes = loop {
        let (page, _) = client
            .list_campaign_codes(c.id, 0, 100)
            .await
            .expect("codes");
        if page.len() == 10 {
            break page;
        }
        assert!(Instant::now() < deadline, "generation stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Three codes redeemed, the first twice: 4 redemptions of 100.00.
    for (i, code) in [&codes[0], &codes[0], &codes[1], &codes[2]]
        .iter()
        .enumerate()
    {
        client
            .redeem(redeem_request(&code.code, &format!("o{i}"), "c", 10_000))
            .await
            .expect("redeem");
    }
    let a = client
        .analytics_campaign(campaign.id)
        .await
        .expect("analytics");
    assert_eq!(a.coupons_generated, 10);
    assert_eq!(a.coupons_distributed, 0);
    assert_eq!(a.coupons_redeemed, 3);
    assert_eq!(a.redemption_rate_ppm, 300_000);
    assert_eq!(a.metrics.total_redemptions, 4);
    assert_eq!(a.metrics.total_revenue, 4 * 9_000);
    assert_eq!(a.metrics.total_discount, 4 * 1_000);
    // (36,000 - 4,000) / 4,000 = 8.
    assert_eq!(a.metrics.roi_basis_points, Some(80_000));
    let cli = couponsd_json(
        &server.addr,
        &["analytics", "campaign", "--id", &campaign.id.to_string()],
    );
    assert_eq!(cli["metrics"]["redemption_rate"], "0.3");
    assert_eq!(cli["metrics"]["roi"], "8");
    assert_eq!(cli["metrics"]["coupons_redeemed"], 3);
    let overview = couponsd_json(&server.addr, &["analytics", "overview"]);
    assert_eq!(overview["coupons_redeemed"], 3);
    assert_eq!(overview["metrics"]["total_redemptions"], 4);
}

/// A client of `node` itself, which does not follow NOT_LEADER elsewhere.
async fn this_node(node: &Server) -> Client {
    node.client_with(couponsd_client::ClientOptions {
        follow_leader: false,
        ..node.options.clone()
    })
    .await
}

/// Every node applies the same Usage effects: a follower answers the
/// leader's figures and the nodes' digests (which cover analytics) agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_answers_the_leader_s_figures() {
    let mut cluster = common::Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let client = cluster.nodes[leader].client().await;
    client
        .create_coupon(CouponSpec {
            time_zone: ZONE.into(),
            ..percent_coupon("SHOES10", 1000, None, None)
        })
        .await
        .expect("coupon");
    for i in 1..=3 {
        client
            .redeem(order_with_lines(&format!("o{i}"), i))
            .await
            .expect("redeem");
    }
    let of = |order_id: &str| RedemptionRef::Order {
        code: "SHOES10".into(),
        order_id: order_id.into(),
    };
    client
        .refund(of("o1"), 1_000, "r-1", "a sock back")
        .await
        .expect("partial refund");
    client
        .reverse(of("o3"), "cancelled")
        .await
        .expect("reverse");
    let on_leader = client
        .analytics_coupon(CouponRef::Code("SHOES10".into()))
        .await
        .expect("analytics");
    assert_eq!(on_leader.metrics.total_redemptions, 3);
    assert_eq!(on_leader.metrics.total_reversed, 1);
    let expected = client.digest().await.expect("digest");
    for (i, node) in cluster.nodes.iter().enumerate() {
        if i == leader {
            continue;
        }
        node.wait_for_lsn(expected.lsn, Duration::from_secs(20))
            .await;
        let follower = this_node(node).await;
        let got = follower
            .analytics_coupon(CouponRef::Code("SHOES10".into()))
            .await
            .expect("analytics on a follower");
        assert_eq!(
            CouponAnalytics {
                last_updated: 0,
                ..got
            },
            CouponAnalytics {
                last_updated: 0,
                ..on_leader.clone()
            },
            "node {}",
            i + 1
        );
        let digest = follower.digest().await.expect("digest");
        assert_eq!((digest.lsn, digest.digest), (expected.lsn, expected.digest));
    }
}

/// A view answered by a follower is counted like one answered by the
/// leader: the follower sends its counts on (VIEWS_FORWARD) and every node
/// ends with the sum. A follower refuses another's VIEWS_FORWARD.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_answered_by_followers_are_counted() {
    let mut cluster = common::Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let client = cluster.nodes[leader].client().await;
    client
        .create_coupon(percent_coupon("SHOES10", 1000, None, None))
        .await
        .expect("coupon");
    let lsn = client.digest().await.expect("digest").lsn;
    let mut views = 0;
    for (i, node) in cluster.nodes.iter().enumerate() {
        node.wait_for_lsn(lsn, Duration::from_secs(20)).await;
        let here = this_node(node).await;
        // Two on the leader, three on each follower.
        let count = if i == leader { 2 } else { 3 };
        for v in 0..count {
            here.validate("SHOES10", common::order("ann", 10_000 + v))
                .await
                .expect("validate");
        }
        views += count as u64;
        if i != leader {
            let status = here.cluster_status().await.expect("status");
            let coupon_id = here
                .get_coupon(CouponRef::Code("SHOES10".into()))
                .await
                .expect("coupon")
                .id;
            let body =
                codec::encode(|w| codec::write_views(w, status.cluster_id, &[(coupon_id, 100)]));
            match here.raft(opcode::VIEWS_FORWARD, body).await {
                Err(ClientError::Server {
                    code: ErrorCode::NotLeader,
                    ..
                }) => {}
                other => panic!("a follower took VIEWS_FORWARD: {other:?}"),
            }
        }
    }
    assert_eq!(views, 8);
    for node in &cluster.nodes {
        let here = this_node(node).await;
        analytics_with_views(&here, "SHOES10", views).await;
        // Counted once: nothing more comes in the next flushes.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let a = here
            .analytics_coupon(CouponRef::Code("SHOES10".into()))
            .await
            .expect("analytics");
        assert_eq!(a.metrics.total_views, views, "{}", node.addr);
    }
}

/// `--analytics false`: redemptions, validations and reversals go on (and
/// are events) but nothing is counted; ANALYTICS_COUPON answers zeros.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_off_counts_nothing_and_changes_nothing_else() {
    let server = Server::start_with(&["--analytics", "false"]).await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("QUIET10", 1000, None, None))
        .await
        .unwrap();
    for i in 0..3 {
        let v = client
            .validate("QUIET10", common::order("ann", 10_000))
            .await
            .unwrap();
        assert!(v.valid);
        let taken = client
            .redeem(redeem_request("QUIET10", &format!("q-{i}"), "ann", 10_000))
            .await
            .unwrap();
        assert_eq!(taken.redemption.discount_amount, 1000);
    }
    // Two view flushes' worth of time: still nothing counted.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let a = client
        .analytics_coupon(CouponRef::Code("QUIET10".into()))
        .await
        .unwrap();
    assert_eq!(a.metrics.total_views, 0, "{a:?}");
    assert_eq!(a.metrics.total_redemptions, 0, "{a:?}");
    assert_eq!(a.metrics.total_revenue, 0, "{a:?}");
    assert!(a.usage_timeline.is_empty() && a.top_products.is_empty());
    let events = client
        .events(couponsd_client::wire::EventsRequest {
            from: 0,
            types: couponsd_client::wire::EventType::Redeemed.bit(),
            coupon_id: a.coupon_id,
            campaign_id: 0,
            max_batch: 100,
        })
        .await
        .unwrap();
    assert_eq!(events.events.len(), 3, "events are not analytics");
    let coupon = client
        .get_coupon(CouponRef::Code("QUIET10".into()))
        .await
        .unwrap();
    assert_eq!(coupon.current_usage, 3);
}
