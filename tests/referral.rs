//! Triggered and referral campaigns (issue 13, point 5), against the real
//! binary: a TRIGGERED campaign with auto_distribute issues each customer
//! one code, bound to them, on their first captured redemption while it
//! runs (and CAMPAIGN_ASSIGN, the API call, issues the same one); a
//! REFERRAL campaign's code names its referrer, who cannot use it
//! (SELF_REFERRAL) and is issued a new reward code each time a referred
//! customer's order using it is captured (on confirm for a hold, never on
//! the hold itself), all kept across kill -9 and the same on a follower.

mod common;

use common::{
    code_of, couponsd_cli, order, percent_coupon, redeem_request, reserve_request, Cluster, Server,
};
use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CampaignType, CouponRef, CouponSpec, DistributionStrategy,
    ErrorCode, Event, EventType, EventsRequest, RedemptionRef,
};
use couponsd_client::Client;
use std::time::Duration;

fn campaign(name: &str, campaign_type: CampaignType, bps: i64) -> CampaignSpec {
    CampaignSpec {
        name: name.into(),
        campaign_type,
        template: percent_coupon("", bps, None, Some(1)),
        ..CampaignSpec::default()
    }
}

fn triggered(name: &str, auto_distribute: bool) -> CampaignSpec {
    CampaignSpec {
        distribution: DistributionStrategy {
            auto_distribute,
            ..DistributionStrategy::default()
        },
        ..campaign(name, CampaignType::Triggered, 1500)
    }
}

async fn running(client: &Client, spec: CampaignSpec) -> u64 {
    let id = client.create_campaign(spec).await.unwrap().id;
    client
        .set_campaign_status(id, CampaignStatus::Active)
        .await
        .unwrap();
    id
}

/// Every code of `campaign_id` issued so far, as their events tell it:
/// (customer, code).
async fn issued(client: &Client, campaign_id: u64) -> Vec<(String, String)> {
    let batch = client
        .events(EventsRequest {
            from: 0,
            types: EventType::CodeAssigned.bit(),
            coupon_id: 0,
            campaign_id,
            max_batch: 1000,
        })
        .await
        .unwrap();
    batch
        .events
        .iter()
        .map(|e: &Event| (e.customer_id.clone(), e.code.clone()))
        .collect()
}

async fn generated(client: &Client, campaign_id: u64) -> u64 {
    client
        .get_campaign(campaign_id)
        .await
        .unwrap()
        .coupons_generated
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_triggered_campaign_issues_a_code_on_a_customers_first_capture() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("SHOP10", 1000, None, None))
        .await
        .unwrap();
    let welcome = running(&client, triggered("Welcome back", true)).await;
    let manual = running(&client, triggered("Only by API", false)).await;

    // Ann's first capture issues her one code of the campaign, bound to her.
    client
        .redeem(redeem_request("SHOP10", "o-ann-1", "ann", 10_000))
        .await
        .unwrap();
    let after_first = issued(&client, welcome).await;
    assert_eq!(after_first.len(), 1, "{after_first:?}");
    assert_eq!(after_first[0].0, "ann");
    let ann_code = after_first[0].1.clone();
    let coupon = client
        .get_coupon(CouponRef::Code(ann_code.clone()))
        .await
        .unwrap();
    assert_eq!(coupon.spec.assigned_customer_id, "ann");
    assert_eq!(coupon.spec.campaign_id, Some(welcome));
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&ann_code, "o-bob-x", "bob", 10_000))
                .await
        ),
        ErrorCode::NotAssigned
    );
    // The API call answers with the same code, made already.
    let again = client
        .assign_codes(welcome, vec!["ann".into()])
        .await
        .unwrap();
    assert_eq!(again[0].code, ann_code);
    assert!(!again[0].created);

    // Her second capture, a retry of the first, and a guest order issue nothing.
    client
        .redeem(redeem_request("SHOP10", "o-ann-2", "ann", 10_000))
        .await
        .unwrap();
    client
        .redeem(redeem_request("SHOP10", "o-ann-1", "ann", 10_000))
        .await
        .unwrap();
    client
        .redeem(redeem_request("SHOP10", "o-guest", "", 10_000))
        .await
        .unwrap();
    assert_eq!(generated(&client, welcome).await, 1);

    // A hold issues nothing; its capture does.
    client
        .reserve(reserve_request("SHOP10", "o-bob-1", "bob", 10_000, 0))
        .await
        .unwrap();
    assert_eq!(generated(&client, welcome).await, 1, "a hold is no capture");
    client
        .confirm(RedemptionRef::Order {
            code: "SHOP10".into(),
            order_id: "o-bob-1".into(),
        })
        .await
        .unwrap();
    let after_bob = issued(&client, welcome).await;
    assert_eq!(after_bob.len(), 2);
    assert_eq!(after_bob[1].0, "bob");

    // A paused campaign issues nothing; once it runs again it does.
    client
        .set_campaign_status(welcome, CampaignStatus::Paused)
        .await
        .unwrap();
    client
        .redeem(redeem_request("SHOP10", "o-cy-1", "cy", 10_000))
        .await
        .unwrap();
    assert_eq!(generated(&client, welcome).await, 2);
    client
        .set_campaign_status(welcome, CampaignStatus::Active)
        .await
        .unwrap();
    client
        .redeem(redeem_request("SHOP10", "o-cy-2", "cy", 10_000))
        .await
        .unwrap();
    let customers: Vec<String> = issued(&client, welcome)
        .await
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(customers, ["ann", "bob", "cy"]);
    // Without auto_distribute only the API issues codes.
    assert_eq!(generated(&client, manual).await, 0);
    let by_api = client
        .assign_codes(manual, vec!["ann".into()])
        .await
        .unwrap();
    assert!(by_api[0].created);

    // The redemption's own events come first in its record, then the code.
    let all = client
        .events(EventsRequest {
            from: 0,
            types: 0,
            coupon_id: 0,
            campaign_id: 0,
            max_batch: 1000,
        })
        .await
        .unwrap()
        .events;
    let assigned_at = all
        .iter()
        .position(|e| e.event_type == Some(EventType::CodeAssigned) && e.customer_id == "cy")
        .unwrap();
    let redeemed = &all[..assigned_at]
        .iter()
        .rev()
        .find(|e| e.event_type == Some(EventType::Redeemed))
        .unwrap();
    assert_eq!(redeemed.order_id, "o-cy-2");
    assert_eq!(redeemed.id >> 16, all[assigned_at].id >> 16, "one record");

    // At most 16 campaigns issue on captures: Welcome and 15 more.
    for i in 0..15 {
        running(&client, triggered(&format!("T{i}"), true)).await;
    }
    let refused = client
        .create_campaign(triggered("One too many", true))
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    let not_auto = client
        .create_campaign(triggered("Manual is fine", false))
        .await
        .unwrap();
    let mut spec = not_auto.spec.clone();
    spec.distribution.auto_distribute = true;
    let refused = client.update_campaign(not_auto.id, 0, spec).await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_rewards_its_referrer_once_per_captured_referred_order() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let thanks = running(
        &client,
        campaign("Thanks", CampaignType::Personalized, 2500),
    )
    .await;
    let friends = running(
        &client,
        CampaignSpec {
            reward_campaign_id: Some(thanks),
            ..campaign("Friends", CampaignType::Referral, 1000)
        },
    )
    .await;

    // Ann's referral code names her; it is not bound to anyone.
    let ann = client
        .assign_codes(friends, vec!["ann".into()])
        .await
        .unwrap();
    let referral = ann[0].code.clone();
    let coupon = client
        .get_coupon(CouponRef::Code(referral.clone()))
        .await
        .unwrap();
    assert_eq!(coupon.spec.referrer_customer_id, "ann");
    assert_eq!(coupon.spec.assigned_customer_id, "");
    let again = client
        .assign_codes(friends, vec!["ann".into()])
        .await
        .unwrap();
    assert_eq!(again[0].code, referral, "one referral code per referrer");

    // Ann cannot use it; a guest order cannot either.
    let v = client
        .validate(&referral, order("ann", 10_000))
        .await
        .unwrap();
    assert_eq!(v.reason, ErrorCode::SelfReferral.as_u16());
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&referral, "o-ann", "ann", 10_000))
                .await
        ),
        ErrorCode::SelfReferral
    );
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&referral, "o-guest", "", 10_000))
                .await
        ),
        ErrorCode::InvalidArgument
    );
    assert_eq!(generated(&client, thanks).await, 0);

    // Bob's captured order rewards Ann with a code bound to her.
    let taken = client
        .redeem(redeem_request(&referral, "o-bob", "bob", 10_000))
        .await
        .unwrap();
    assert_eq!(taken.redemption.discount_amount, 1000);
    let rewards = issued(&client, thanks).await;
    assert_eq!(rewards.len(), 1);
    assert_eq!(rewards[0].0, "ann");
    // A retry of Bob's order rewards nothing more; nor does Bob's second try
    // (one use per customer).
    client
        .redeem(redeem_request(&referral, "o-bob", "bob", 10_000))
        .await
        .unwrap();
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&referral, "o-bob-2", "bob", 10_000))
                .await
        ),
        ErrorCode::CustomerLimit
    );
    assert_eq!(generated(&client, thanks).await, 1);

    // Cy's hold rewards nothing until it is captured; released, it never does.
    client
        .reserve(reserve_request(&referral, "o-cy", "cy", 10_000, 0))
        .await
        .unwrap();
    client
        .reserve(reserve_request(&referral, "o-dee", "dee", 10_000, 0))
        .await
        .unwrap();
    assert_eq!(generated(&client, thanks).await, 1);
    client
        .confirm(RedemptionRef::Order {
            code: referral.clone(),
            order_id: "o-cy".into(),
        })
        .await
        .unwrap();
    client
        .release(RedemptionRef::Order {
            code: referral.clone(),
            order_id: "o-dee".into(),
        })
        .await
        .unwrap();
    let rewards = issued(&client, thanks).await;
    assert_eq!(rewards.len(), 2, "{rewards:?}");
    assert!(rewards.iter().all(|(c, _)| c == "ann"));
    assert_ne!(rewards[0].1, rewards[1].1, "a new code per referred order");

    // Each reward is Ann's alone: 25 % off for her, NOT_ASSIGNED for Bob.
    let reward = rewards[0].1.clone();
    assert_eq!(
        code_of(
            client
                .redeem(redeem_request(&reward, "o-bob-3", "bob", 10_000))
                .await
        ),
        ErrorCode::NotAssigned
    );
    let used = client
        .redeem(redeem_request(&reward, "o-ann-2", "ann", 10_000))
        .await
        .unwrap();
    assert_eq!(used.redemption.discount_amount, 2500);

    // What may be a reward, and who may have one, is checked.
    let bulk = client
        .create_campaign(campaign("Everyone", CampaignType::Bulk, 500))
        .await
        .unwrap();
    let refused = client
        .create_campaign(CampaignSpec {
            reward_campaign_id: Some(bulk.id),
            ..campaign("Bad reward", CampaignType::Referral, 1000)
        })
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    let refused = client
        .create_campaign(CampaignSpec {
            reward_campaign_id: Some(thanks),
            ..campaign("Not a referral", CampaignType::Personalized, 1000)
        })
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    let refused = client
        .create_campaign(CampaignSpec {
            reward_campaign_id: Some(999),
            ..campaign("No such reward", CampaignType::Referral, 1000)
        })
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    let refused = client
        .create_coupon(CouponSpec {
            referrer_customer_id: "ann".into(),
            ..percent_coupon("MINE", 1000, None, None)
        })
        .await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);

    // kill -9: the referral code, its referrer and the rewards stand.
    let digest = client.digest().await.unwrap();
    drop(client);
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    assert_eq!(client.digest().await.unwrap(), digest);
    let coupon = client
        .get_coupon(CouponRef::Code(referral.clone()))
        .await
        .unwrap();
    assert_eq!(coupon.spec.referrer_customer_id, "ann");
    assert_eq!(issued(&client, thanks).await, rewards);
    let refused = client
        .redeem(redeem_request(&referral, "o-ann-3", "ann", 10_000))
        .await;
    assert_eq!(code_of(refused), ErrorCode::SelfReferral);
    client
        .redeem(redeem_request(&referral, "o-eve", "eve", 10_000))
        .await
        .unwrap();
    assert_eq!(generated(&client, thanks).await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referral_campaigns_from_the_command_line_and_on_a_follower() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let addr = cluster.nodes[leader].addr.clone();
    let create = |args: &[&str]| {
        let mut all = vec!["campaign", "create", "--json"];
        all.extend_from_slice(args);
        let (status, json, out) = couponsd_cli(&addr, &all);
        assert_eq!(status, 0, "{out}");
        json["id"].as_u64().unwrap().to_string()
    };
    let thanks = create(&[
        "--campaign-name",
        "Thanks",
        "--campaign-type",
        "PERSONALIZED",
        "--percent",
        "25",
    ]);
    let friends = create(&[
        "--campaign-name",
        "Friends",
        "--campaign-type",
        "REFERRAL",
        "--percent",
        "10",
        "--reward-campaign",
        &thanks,
    ]);
    let welcome = create(&[
        "--campaign-name",
        "Welcome",
        "--campaign-type",
        "TRIGGERED",
        "--auto-distribute",
        "true",
        "--percent",
        "15",
    ]);
    let (status, shown, out) =
        couponsd_cli(&addr, &["campaign", "get", "--id", &friends, "--json"]);
    assert_eq!(status, 0, "{out}");
    assert_eq!(shown["reward_campaign_id"].as_u64(), thanks.parse().ok());
    assert_eq!(shown["distribution_strategy"]["auto_distribute"], false);
    let (_, shown, _) = couponsd_cli(&addr, &["campaign", "get", "--id", &welcome, "--json"]);
    assert_eq!(shown["distribution_strategy"]["auto_distribute"], true);
    for id in [&thanks, &friends, &welcome] {
        let (status, _, out) = couponsd_cli(&addr, &["campaign", "activate", "--id", id]);
        assert_eq!(status, 0, "{out}");
    }
    let (status, assigned, out) = couponsd_cli(
        &addr,
        &[
            "campaign",
            "assign",
            "--id",
            &friends,
            "--customer",
            "ann",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let referral = assigned["codes"][0]["code"].as_str().unwrap().to_string();
    let (status, shown, out) =
        couponsd_cli(&addr, &["coupon", "get", "--code", &referral, "--json"]);
    assert_eq!(status, 0, "{out}");
    assert_eq!(shown["referrer_customer_id"], "ann", "{shown}");
    assert!(shown["assigned_customer_id"].is_null(), "{shown}");

    // Bob's capture rewards Ann and welcomes Bob, in one record.
    let client = cluster.nodes[leader].client().await;
    client
        .redeem(redeem_request(&referral, "o-bob", "bob", 10_000))
        .await
        .unwrap();
    let thanks_id: u64 = thanks.parse().unwrap();
    let welcome_id: u64 = welcome.parse().unwrap();
    assert_eq!(issued(&client, thanks_id).await[0].0, "ann");
    assert_eq!(issued(&client, welcome_id).await[0].0, "bob");
    let (status, _, out) = couponsd_cli(
        &addr,
        &[
            "redeem",
            "--code",
            &referral,
            "--order",
            "o-ann",
            "--customer",
            "ann",
            "--amount",
            "100.00",
            "--currency",
            "USD",
        ],
    );
    assert_ne!(status, 0, "{out}");
    assert!(out.contains("SELF_REFERRAL"), "{out}");

    // A follower holds the same codes and refuses the referrer the same way.
    let digest = client.digest().await.unwrap();
    for (i, node) in cluster.nodes.iter().enumerate() {
        if i == leader {
            continue;
        }
        node.wait_for_lsn(digest.lsn, Duration::from_secs(20)).await;
        let follower = node.client().await;
        assert_eq!(follower.digest().await.unwrap(), digest);
        assert_eq!(
            issued(&follower, thanks_id).await,
            issued(&client, thanks_id).await
        );
        let v = follower
            .validate(&referral, order("ann", 10_000))
            .await
            .unwrap();
        assert_eq!(v.reason, ErrorCode::SelfReferral.as_u16());
    }
    drop(cluster.nodes.remove(leader));
}
