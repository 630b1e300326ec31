//! The event stream (issue 13, EVENTS_SUBSCRIBE) against the real binary:
//! every change is an event, in log order, resumable from a cursor after
//! kill -9 and across a leader change with no gap and no duplicate; a cursor
//! older than the retained log is EVENTS_TRUNCATED naming the oldest id.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{code_of, percent_coupon, redeem_request, reserve_request, Cluster, Server};
use couponsd_client::wire::{
    event_id, CampaignSpec, CampaignStatus, CouponSpec, ErrorCode, Event, EventType, EventsRequest,
    GenerationRules, RedemptionRef, SecuritySettings,
};
use couponsd_client::{Client, ClientError};

fn from(from: u64, max_batch: u32) -> EventsRequest {
    EventsRequest {
        from,
        max_batch,
        ..EventsRequest::default()
    }
}

/// Every event from `request.from` until caught up, `request.max_batch` at
/// a time; the events and the cursor to go on from.
async fn drain(client: &Client, mut request: EventsRequest) -> (Vec<Event>, u64) {
    let mut events = Vec::new();
    loop {
        let batch = client.events(request.clone()).await.expect("events");
        assert!(batch.events.len() <= request.max_batch as usize);
        assert!(batch.next >= request.from, "the cursor never goes back");
        let empty = batch.events.is_empty();
        events.extend(batch.events);
        if empty && batch.next == request.from {
            return (events, batch.next);
        }
        request.from = batch.next;
    }
}

fn types(events: &[Event]) -> Vec<EventType> {
    events
        .iter()
        .map(|e| e.event_type.expect("a type"))
        .collect()
}

fn by_order(code: &str, order_id: &str) -> RedemptionRef {
    RedemptionRef::Order {
        code: code.into(),
        order_id: order_id.into(),
    }
}

fn assert_increasing(events: &[Event]) {
    for pair in events.windows(2) {
        assert!(pair[0].id < pair[1].id, "ids increase: {pair:?}");
    }
}

/// One of each change, then a subscription from 0 in batches of 3: every
/// change once, in the order it was made, with its fields; filters keep only
/// what they name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_from_zero_sees_every_change_in_order() {
    let server = Server::start_with(&["--hold-sweep-ms", "50"]).await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon("TENPC", 1000, None, None))
        .await
        .expect("created");
    client
        .update_coupon(
            coupon.id,
            0,
            CouponSpec {
                name: "renamed".into(),
                ..percent_coupon("TENPC", 1000, None, None)
            },
        )
        .await
        .expect("updated");
    client
        .redeem(redeem_request("TENPC", "o-redeem", "alice", 10_000))
        .await
        .expect("redeemed");
    client
        .reserve(reserve_request("TENPC", "o-confirm", "bob", 20_000, 60_000))
        .await
        .expect("reserved");
    client
        .confirm(by_order("TENPC", "o-confirm"))
        .await
        .expect("confirmed");
    client
        .reserve(reserve_request(
            "TENPC",
            "o-release",
            "carol",
            5_000,
            60_000,
        ))
        .await
        .expect("reserved");
    client
        .release(by_order("TENPC", "o-release"))
        .await
        .expect("released");
    client
        .reserve(reserve_request("TENPC", "o-expire", "dave", 5_000, 100))
        .await
        .expect("reserved");
    let deadline = Instant::now() + Duration::from_secs(10);
    while client
        .get_redemption(by_order("TENPC", "o-expire"))
        .await
        .expect("the hold")
        .redemption
        .status
        != couponsd_client::wire::RedemptionStatus::Expired
    {
        assert!(Instant::now() < deadline, "the hold never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client
        .refund(by_order("TENPC", "o-redeem"), 4_000, "refund-1", "part")
        .await
        .expect("refunded in part");
    client
        .reverse(by_order("TENPC", "o-redeem"), "the rest")
        .await
        .expect("reversed in full");
    let guarded = client
        .create_coupon(CouponSpec {
            security: SecuritySettings {
                require_email_verification: true,
                ..SecuritySettings::default()
            },
            ..percent_coupon("VERIFIED", 1000, None, None)
        })
        .await
        .expect("created");
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request("VERIFIED", "o-rejected", "eve", 10_000))
                .await
        ),
        ErrorCode::EmailNotVerified
    );
    let campaign = client
        .create_campaign(CampaignSpec {
            name: "spring".into(),
            template: percent_coupon("TEMPLATE", 1000, Some(1), None),
            rules: GenerationRules {
                prefix: "SPR".into(),
                ..GenerationRules::default()
            },
            ..CampaignSpec::default()
        })
        .await
        .expect("campaign");
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .expect("activated");
    client
        .generate_codes(campaign.id, 5, 0)
        .await
        .expect("generating");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client
        .get_campaign(campaign.id)
        .await
        .expect("campaign")
        .coupons_generated
        < 5
    {
        assert!(Instant::now() < deadline, "generation stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.delete_coupon(guarded.id).await.expect("deleted");

    let (events, next) = drain(&client, from(0, 3)).await;
    assert_increasing(&events);
    use EventType::*;
    let changes: Vec<EventType> = types(&events)
        .into_iter()
        // Generation may store its codes in one chunk or several.
        .filter(|t| *t != CodesGenerated)
        .collect();
    assert_eq!(
        changes,
        vec![
            CouponCreated,
            CouponUpdated,
            Redeemed,
            Reserved,
            Confirmed,
            Reserved,
            Released,
            Reserved,
            HoldExpired,
            Reversed,
            Reversed,
            CouponCreated,
            Rejected,
            CampaignChanged,
            // CAMPAIGN_GENERATE records the campaign's target, then the codes.
            CampaignChanged,
            CampaignChanged,
            CouponDeleted,
        ],
        "{events:#?}"
    );
    let generated: u64 = events
        .iter()
        .filter(|e| e.event_type == Some(CodesGenerated))
        .map(|e| e.count)
        .sum();
    assert_eq!(generated, 5);
    assert!(events
        .iter()
        .filter(|e| e.event_type == Some(CodesGenerated))
        .all(|e| e.campaign_id == campaign.id));

    // The redemption's fields: who, what order, how much, in minor units.
    let redeemed = &events[2];
    assert_eq!(redeemed.coupon_id, coupon.id);
    assert_eq!(redeemed.code, "TENPC");
    assert_eq!(redeemed.order_id, "o-redeem");
    assert_eq!(redeemed.customer_id, "alice");
    assert_eq!((redeemed.amount, redeemed.discount_amount), (10_000, 1_000));
    assert_eq!(redeemed.currency, "USD");
    assert!(redeemed.time > 0);
    // The partial reversal carries its redemption's coupon and order too.
    let partial = &events[9];
    assert_eq!(
        (partial.coupon_id, partial.order_id.as_str()),
        (coupon.id, "o-redeem")
    );
    // Refunds are of what was paid (90.00): 40.00 gives back 4/9 of 10.00.
    assert_eq!(
        (partial.amount, partial.discount_amount, partial.count),
        (4_000, 444, 0)
    );
    let full = &events[10];
    assert_eq!(
        (full.amount, full.discount_amount, full.count),
        (5_000, 556, 1)
    );

    // Nothing new: an empty batch and the same cursor.
    let again = client.events(from(next, 100)).await.expect("events");
    assert!(again.events.is_empty());
    assert_eq!(again.next, next);

    // Filters: by type, by coupon, by campaign.
    let (only, _) = drain(
        &client,
        EventsRequest {
            types: Redeemed.bit() | Confirmed.bit(),
            ..from(0, 2)
        },
    )
    .await;
    assert_eq!(types(&only), vec![Redeemed, Confirmed]);
    let (of_coupon, _) = drain(
        &client,
        EventsRequest {
            coupon_id: guarded.id,
            ..from(0, 100)
        },
    )
    .await;
    assert_eq!(
        types(&of_coupon),
        vec![CouponCreated, Rejected, CouponDeleted]
    );
    let (of_campaign, _) = drain(
        &client,
        EventsRequest {
            campaign_id: campaign.id,
            types: CodesGenerated.bit(),
            ..from(0, 100)
        },
    )
    .await;
    assert_eq!(of_campaign.iter().map(|e| e.count).sum::<u64>(), 5);

    // A cursor in the middle of a record's events resumes within it.
    let second = client.events(from(events[3].id, 1)).await.expect("events");
    assert_eq!(second.events, vec![events[3].clone()]);
    assert_eq!(second.next, events[3].id + 1);

    // Bad requests are INVALID_ARGUMENT, and the connection stays.
    for bad in [
        from(0, 0),
        from(0, 1001),
        EventsRequest {
            types: 1,
            ..from(0, 10)
        },
    ] {
        assert_eq!(
            code_of(client.events(bad).await),
            ErrorCode::InvalidArgument
        );
    }
    client.ping().await.expect("still connected");

    // The command line prints the same events as JSON lines.
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args([
            "--addr",
            &server.addr,
            "--json",
            "events",
            "tail",
            "--from",
            "0",
        ])
        .args(["--type", "redemption.redeemed,redemption.confirmed"])
        .output()
        .expect("couponsd events tail");
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["type"], "redemption.redeemed");
    assert_eq!(lines[0]["id"], only[0].id);
    assert_eq!(lines[0]["amount"], 10_000);
    assert_eq!(lines[0]["currency"], "USD");
    assert_eq!(lines[1]["type"], "redemption.confirmed");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("next: {next}")));
}

async fn redeem_many(client: &Client, prefix: &str, count: usize) -> BTreeSet<String> {
    let mut orders = BTreeSet::new();
    let mut pending = Vec::new();
    for i in 0..count {
        let order_id = format!("{prefix}-{i}");
        orders.insert(order_id.clone());
        let client = client.clone();
        pending.push(tokio::spawn(async move {
            client
                .redeem(redeem_request("MANY", &order_id, "shopper", 1_000))
                .await
        }));
    }
    for p in pending {
        p.await.expect("joined").expect("redeemed");
    }
    orders
}

/// Read half the events, kill -9, restart, redeem more, and go on from the
/// cursor: every redemption exactly once, ids still increasing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_kill9_has_no_gap_and_no_duplicate() {
    let mut server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("MANY", 1000, None, None))
        .await
        .expect("created");
    let mut expected = redeem_many(&client, "before", 200).await;

    let redeemed_only = |from_id| EventsRequest {
        types: EventType::Redeemed.bit(),
        ..from(from_id, 7)
    };
    let mut seen: Vec<Event> = Vec::new();
    let mut cursor = 0;
    while seen.len() < 100 {
        let batch = client.events(redeemed_only(cursor)).await.expect("events");
        seen.extend(batch.events);
        cursor = batch.next;
    }
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    expected.extend(redeem_many(&client, "after", 100).await);
    let (rest, _) = drain(&client, redeemed_only(cursor)).await;
    seen.extend(rest);

    assert_increasing(&seen);
    let orders: Vec<String> = seen.iter().map(|e| e.order_id.clone()).collect();
    let distinct: BTreeSet<String> = orders.iter().cloned().collect();
    assert_eq!(orders.len(), distinct.len(), "no event twice");
    assert_eq!(distinct, expected, "no event missing");
    // And from 0 again after the restart: the very same events.
    let (again, _) = drain(&client, redeemed_only(0)).await;
    assert_eq!(again, seen);
}

/// With a short retention the log is cut: a cursor before it is
/// EVENTS_TRUNCATED, and the id the message names is where reading works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_older_than_the_log_is_events_truncated() {
    let server = Server::start_with(&[
        "--checkpoint-records",
        "100",
        "--log-retention-records",
        "10",
    ])
    .await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("MANY", 1000, None, None))
        .await
        .expect("created");
    // The log is cut in steps of 1,024 records once a checkpoint covers them.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut round = 0;
    let truncated = loop {
        redeem_many(&client, &format!("r{round}"), 400).await;
        round += 1;
        match client.events(from(0, 10)).await {
            Err(e @ ClientError::Server { .. }) => break e,
            Ok(_) => {}
            Err(other) => panic!("{other}"),
        }
        assert!(Instant::now() < deadline, "the log was never cut");
    };
    assert_eq!(truncated.code(), Some(ErrorCode::EventsTruncated));
    let message = truncated.to_string();
    let oldest: u64 = message
        .rsplit(' ')
        .next()
        .and_then(|n| {
            n.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no id in {message:?}"));
    assert!(oldest > event_id(1, 0), "{message}");
    let batch = client
        .events(from(oldest, 10))
        .await
        .expect("from the oldest");
    assert!(!batch.events.is_empty());
    assert!(batch.events[0].id >= oldest);
    assert_eq!(
        code_of(client.events(from(oldest - 1, 10)).await),
        ErrorCode::EventsTruncated
    );
}

/// Three nodes: every node streams the same events; a subscriber reads half
/// from the leader, the leader is killed, and it goes on from its cursor on
/// another node after more redemptions: no gap, no duplicate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_streams_the_same_events_across_a_leader_change() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let writer = Client::connect_cluster(&cluster.addrs(), Default::default())
        .await
        .expect("a cluster client");
    writer
        .create_coupon(percent_coupon("MANY", 1000, None, None))
        .await
        .expect("created");
    let mut expected = redeem_many(&writer, "before", 60).await;
    let lsn = cluster.nodes[leader].status().await.expect("status").lsn;
    for node in &cluster.nodes {
        node.wait_for_lsn(lsn, Duration::from_secs(20)).await;
    }
    let mut streams = Vec::new();
    for node in &cluster.nodes {
        let client = node.client().await;
        streams.push(drain(&client, from(0, 50)).await.0);
    }
    assert_eq!(streams[0], streams[1]);
    assert_eq!(streams[0], streams[2]);

    let redeemed_only = |from_id| EventsRequest {
        types: EventType::Redeemed.bit(),
        ..from(from_id, 10)
    };
    let on_leader = cluster.nodes[leader].client().await;
    let first = on_leader.events(redeemed_only(0)).await.expect("events");
    let first_half = on_leader
        .events(redeemed_only(first.next))
        .await
        .expect("events");
    let mut seen: Vec<Event> = first.events;
    seen.extend(first_half.events);
    let cursor = first_half.next;
    cluster.nodes[leader].kill9();
    let next_leader = cluster.leader(Duration::from_secs(30)).await;
    assert_ne!(next_leader, leader);
    expected.extend(redeem_many(&writer, "after", 40).await);
    let lsn = cluster.nodes[next_leader]
        .status()
        .await
        .expect("status")
        .lsn;
    let other = (0..3).find(|i| *i != leader).expect("a live node");
    cluster.nodes[other]
        .wait_for_lsn(lsn, Duration::from_secs(20))
        .await;
    let on_other = cluster.nodes[other].client().await;
    let (rest, _) = drain(&on_other, redeemed_only(cursor)).await;
    seen.extend(rest);
    assert_increasing(&seen);
    let orders: BTreeSet<String> = seen.iter().map(|e| e.order_id.clone()).collect();
    assert_eq!(orders.len(), seen.len(), "no event twice");
    assert_eq!(orders, expected, "no event missing");
}
