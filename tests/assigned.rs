//! Codes bound to a customer (issue 12), against the real binary: a coupon
//! with `assigned_customer_id` is refused to anyone else (NOT_ASSIGNED when
//! public; a private one answers as an unknown code, byte for byte) and
//! accepted for its owner, alone and in multi-code orders. CAMPAIGN_ASSIGN
//! gives each customer of a PERSONALIZED campaign one code bound to them,
//! the same one on every retry, after a kill -9 and from a new leader of
//! three nodes, through the client and the command line.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{
    code_of, couponsd_cli, order, percent_coupon, redeem_request, reserve_request, Cluster, Server,
};
use couponsd_client::wire::{
    AssignedCode, CampaignSpec, CampaignStatus, CampaignType, CouponRef, CouponSpec, ErrorCode,
    OrderMode, OrderRedeemRequest, OrderValidateRequest, QualifyRequest, TargetAudience,
    Validation,
};
use couponsd_client::{Client, ClientOptions};

fn bound(code: &str, customer: &str, is_public: bool) -> CouponSpec {
    CouponSpec {
        assigned_customer_id: customer.into(),
        is_public,
        ..percent_coupon(code, 1000, None, None)
    }
}

/// What VALIDATE answers for a code no coupon has, under the name `code`.
async fn unknown_answer(client: &Client, code: &str, customer: &str) -> Validation {
    let mut v = client
        .validate("NO-SUCH-CODE", order(customer, 10_000))
        .await
        .unwrap();
    v.code = code.into();
    v
}

fn multi(codes: &[&str], customer: &str) -> OrderValidateRequest {
    OrderValidateRequest {
        codes: codes.iter().map(|c| c.to_string()).collect(),
        mode: OrderMode::BestEffort,
        order: order(customer, 10_000),
    }
}

fn multi_redeem(codes: &[&str], order_id: &str, customer: &str) -> OrderRedeemRequest {
    OrderRedeemRequest {
        codes: codes.iter().map(|c| c.to_string()).collect(),
        mode: OrderMode::AllOrNothing,
        order_id: order_id.into(),
        transaction_id: String::new(),
        order: order(customer, 10_000),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bound_code_is_refused_to_anyone_but_its_customer() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(bound("JANE-PUB", "jane", true))
        .await
        .unwrap();
    client
        .create_coupon(bound("JANE-PRIV", "jane", false))
        .await
        .unwrap();

    // Another customer, and a guest: NOT_ASSIGNED for the public code, an
    // unknown code's answer for the private one.
    for stranger in ["john", ""] {
        let v = client
            .validate("JANE-PUB", order(stranger, 10_000))
            .await
            .unwrap();
        assert!(!v.valid);
        assert_eq!(v.reason, ErrorCode::NotAssigned.as_u16(), "{stranger:?}");
        let v = client
            .validate("jane-priv", order(stranger, 10_000))
            .await
            .unwrap();
        assert_eq!(v, unknown_answer(&client, "JANE-PRIV", stranger).await);
        assert_eq!(v.reason, ErrorCode::NotFound.as_u16());
    }
    let refused = client
        .redeem(redeem_request("JANE-PUB", "o-john-1", "john", 10_000))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotAssigned);
    let refused = client
        .reserve(reserve_request("JANE-PUB", "o-john-2", "john", 10_000, 0))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotAssigned);
    let refused = client
        .redeem(redeem_request("JANE-PRIV", "o-john-3", "john", 10_000))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotFound);
    let refused = client
        .reserve(reserve_request("JANE-PRIV", "o-john-4", "john", 10_000, 0))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotFound);

    // Its owner uses both.
    let v = client
        .validate("JANE-PRIV", order("jane", 10_000))
        .await
        .unwrap();
    assert!(v.valid, "{v:?}");
    assert_eq!(v.discount_amount, 1000);
    let taken = client
        .redeem(redeem_request("JANE-PUB", "o-jane-1", "jane", 10_000))
        .await
        .unwrap();
    assert_eq!(taken.redemption.discount_amount, 1000);
    client
        .reserve(reserve_request("JANE-PRIV", "o-jane-2", "jane", 10_000, 0))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_code_of_a_multi_code_order_is_checked_for_its_customer() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(bound("JANE-PUB", "jane", true))
        .await
        .unwrap();
    client
        .create_coupon(bound("JANE-PRIV", "jane", false))
        .await
        .unwrap();
    client
        .create_coupon(percent_coupon("OPEN5", 500, None, None))
        .await
        .unwrap();

    let codes = ["JANE-PUB", "JANE-PRIV", "OPEN5"];
    let john = client.order_validate(multi(&codes, "john")).await.unwrap();
    let outcome = |code: &str| {
        john.codes
            .iter()
            .find(|c| c.code == code)
            .unwrap_or_else(|| panic!("{code} in {john:?}"))
            .clone()
    };
    let public = outcome("JANE-PUB");
    assert!(!public.applied);
    assert_eq!(public.reason, ErrorCode::NotAssigned.as_u16());
    let private = outcome("JANE-PRIV");
    assert!(!private.applied);
    assert_eq!(private.reason, ErrorCode::NotFound.as_u16());
    assert_eq!(private.coupon_id, 0, "a private code tells nothing");
    assert!(outcome("OPEN5").applied);
    // All or nothing: another customer's code refuses the whole order.
    let refused = client
        .order_redeem(multi_redeem(&["OPEN5", "JANE-PUB"], "o-john", "john"))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotAssigned);
    let refused = client
        .order_redeem(multi_redeem(&["OPEN5", "JANE-PRIV"], "o-john-2", "john"))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotFound);

    let jane = client.order_validate(multi(&codes, "jane")).await.unwrap();
    assert!(jane.codes.iter().all(|c| c.applied), "{jane:?}");
    let taken = client
        .order_redeem(multi_redeem(&codes, "o-jane", "jane"))
        .await
        .unwrap();
    assert_eq!(taken.redemptions.len(), 3);
}

/// A PERSONALIZED campaign of 10 % codes (public or not), running.
async fn personalized(client: &Client, is_public: bool, audience: &[&str]) -> u64 {
    let spec = CampaignSpec {
        name: "For you".into(),
        campaign_type: CampaignType::Personalized,
        template: CouponSpec {
            is_public,
            ..percent_coupon("", 1000, None, None)
        },
        audience: TargetAudience {
            customer_ids: audience.iter().map(|c| c.to_string()).collect(),
            ..TargetAudience::default()
        },
        ..CampaignSpec::default()
    };
    let id = client.create_campaign(spec).await.unwrap().id;
    client
        .set_campaign_status(id, CampaignStatus::Active)
        .await
        .unwrap();
    id
}

fn names(customers: &[&str]) -> Vec<String> {
    customers.iter().map(|c| c.to_string()).collect()
}

/// (customer, code, created) of each entry.
fn summary(codes: &[AssignedCode]) -> Vec<(String, String, bool)> {
    codes
        .iter()
        .map(|c| (c.customer_id.clone(), c.code.clone(), c.created))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_customer_gets_one_code_of_their_own() {
    let server = Server::start().await;
    let client = server.client().await;
    let id = personalized(&client, true, &[]).await;

    let first = client
        .assign_codes(id, names(&["ann", "bob", "cy"]))
        .await
        .unwrap();
    assert_eq!(first.len(), 3);
    assert!(first.iter().all(|c| c.created), "{first:?}");
    let codes: HashSet<&str> = first.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), 3, "three distinct codes: {first:?}");
    for owned in &first {
        let coupon = client
            .get_coupon(CouponRef::Code(owned.code.clone()))
            .await
            .unwrap();
        assert_eq!(coupon.id, owned.coupon_id);
        assert_eq!(coupon.spec.assigned_customer_id, owned.customer_id);
        assert_eq!(coupon.spec.campaign_id, Some(id));
        for customer in ["ann", "bob", "cy"] {
            let v = client
                .validate(&owned.code, order(customer, 10_000))
                .await
                .unwrap();
            if customer == owned.customer_id {
                assert!(v.valid, "{customer} with their own code: {v:?}");
            } else {
                assert_eq!(v.reason, ErrorCode::NotAssigned.as_u16(), "{customer}");
            }
        }
    }
    let bob = &first[1];
    let refused = client
        .redeem(redeem_request(&bob.code, "o-ann", "ann", 10_000))
        .await;
    assert_eq!(code_of(refused), ErrorCode::NotAssigned);
    client
        .redeem(redeem_request(&bob.code, "o-bob", "bob", 10_000))
        .await
        .unwrap();

    // A retry with an overlapping list: the same codes for bob and cy, one
    // new code for dee (bob, named twice, answers once).
    let again = client
        .assign_codes(id, names(&["bob", "cy", "dee", "bob"]))
        .await
        .unwrap();
    assert_eq!(again.len(), 3, "{again:?}");
    assert_eq!(again[0], first[1].clone().with_created(false));
    assert_eq!(again[1], first[2].clone().with_created(false));
    assert_eq!(again[2].customer_id, "dee");
    assert!(again[2].created);
    assert!(!codes.contains(again[2].code.as_str()));
    let campaign = client.get_campaign(id).await.unwrap();
    assert_eq!(campaign.coupons_generated, 4);
    assert_eq!(campaign.generation_target, 4);
}

/// QUALIFY lists a customer's own codes of PERSONALIZED campaigns (public
/// or not), marked as theirs, and never another customer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualify_lists_each_customer_their_own_code() {
    let server = Server::start().await;
    let client = server.client().await;
    let private = personalized(&client, false, &[]).await;
    let public = personalized(&client, true, &[]).await;
    let mut owned: Vec<AssignedCode> = Vec::new();
    for campaign in [private, public] {
        owned.extend(
            client
                .assign_codes(campaign, names(&["ann", "bob"]))
                .await
                .unwrap(),
        );
    }
    for customer in ["ann", "bob", "cy"] {
        let q = client
            .qualify(QualifyRequest {
                limit: 10,
                order: order(customer, 10_000),
            })
            .await
            .unwrap();
        let mut listed: Vec<(String, bool, i64)> = q
            .coupons
            .iter()
            .map(|c| (c.code.clone(), c.assigned, c.discount_amount))
            .collect();
        listed.sort();
        let mut theirs: Vec<(String, bool, i64)> = owned
            .iter()
            .filter(|c| c.customer_id == customer)
            .map(|c| (c.code.clone(), true, 1000))
            .collect();
        theirs.sort();
        assert_eq!(listed, theirs, "{customer}");
    }
}

trait Created {
    fn with_created(self, created: bool) -> Self;
}

impl Created for AssignedCode {
    fn with_created(self, created: bool) -> Self {
        AssignedCode { created, ..self }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_personalized_campaign_assigns_and_within_its_limits() {
    let server = Server::start().await;
    let client = server.client().await;
    let bulk = client
        .create_campaign(CampaignSpec {
            name: "Everyone".into(),
            template: percent_coupon("", 1000, None, None),
            ..CampaignSpec::default()
        })
        .await
        .unwrap();
    assert_eq!(bulk.spec.campaign_type, CampaignType::Bulk);
    let refused = client.assign_codes(bulk.id, names(&["ann"])).await;
    assert_eq!(code_of(refused), ErrorCode::InvalidState);
    assert_eq!(
        code_of(client.assign_codes(999, names(&["ann"])).await),
        ErrorCode::NotFound
    );

    let id = personalized(&client, true, &[]).await;
    // No list and no audience; an empty id; a NUL; too many customers.
    for customers in [
        vec![],
        names(&["ann", ""]),
        names(&["a\0b"]),
        (0..1001).map(|i| format!("c{i}")).collect(),
    ] {
        let refused = client.assign_codes(id, customers).await;
        assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    }
    // coupon_limit counts assigned codes like generated ones.
    let mut spec = client.get_campaign(id).await.unwrap().spec;
    spec.coupon_limit = Some(2);
    client.update_campaign(id, 0, spec).await.unwrap();
    let refused = client.assign_codes(id, names(&["ann", "bob", "cy"])).await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    assert_eq!(client.get_campaign(id).await.unwrap().coupons_generated, 0);
    client
        .assign_codes(id, names(&["ann", "bob"]))
        .await
        .unwrap();
    // Those two may still ask again: nothing new is made.
    let again = client.assign_codes(id, names(&["bob"])).await.unwrap();
    assert!(!again[0].created);
    let refused = client.assign_codes(id, names(&["cy"])).await;
    assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    // A cancelled campaign makes no more.
    client
        .set_campaign_status(id, CampaignStatus::Cancelled)
        .await
        .unwrap();
    let refused = client.assign_codes(id, names(&["ann"])).await;
    assert_eq!(code_of(refused), ErrorCode::InvalidState);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigned_codes_survive_kill_9_and_restart() {
    let mut server = Server::start().await;
    let client = server.client().await;
    // Private codes: to anyone else each is an unknown code.
    let id = personalized(&client, false, &["ann", "bob"]).await;
    let audience = client.assign_codes(id, vec![]).await.unwrap();
    assert_eq!(
        audience
            .iter()
            .map(|c| c.customer_id.as_str())
            .collect::<Vec<_>>(),
        ["ann", "bob"]
    );
    let cy = client.assign_codes(id, names(&["cy"])).await.unwrap();
    let before: Vec<_> = audience.iter().chain(&cy).cloned().collect();
    let digest = client.digest().await.unwrap();
    drop(client);

    server.kill9();
    server.restart().await;
    let client = server.client().await;
    let after_restart = client.digest().await.unwrap();
    assert_eq!(after_restart.lsn, digest.lsn);
    assert_eq!(
        after_restart.digest, digest.digest,
        "the same state after replay"
    );
    let again = client
        .assign_codes(id, names(&["ann", "bob", "cy"]))
        .await
        .unwrap();
    let expected: Vec<_> = before.into_iter().map(|c| c.with_created(false)).collect();
    assert_eq!(summary(&again), summary(&expected));
    let cy_code = &again[2].code;
    let v = client
        .validate(cy_code, order("ann", 10_000))
        .await
        .unwrap();
    assert_eq!(v.reason, ErrorCode::NotFound.as_u16(), "{v:?}");
    assert_eq!(v.coupon_id, 0);
    let v = client.validate(cy_code, order("cy", 10_000)).await.unwrap();
    assert!(v.valid, "{v:?}");
    assert_eq!(client.get_campaign(id).await.unwrap().coupons_generated, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_assign_from_the_command_line() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, c, out) = couponsd_cli(
        addr,
        &[
            "campaign",
            "create",
            "--campaign-name",
            "Birthday",
            "--campaign-type",
            "PERSONALIZED",
            "--percent",
            "10",
            "--audience-customers",
            "ann,bob",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(
        c["target_audience"]["customer_ids"],
        serde_json::json!(["ann", "bob"])
    );
    let id = c["id"].as_u64().unwrap().to_string();
    // No --customer: the audience.
    let (status, first, out) = couponsd_cli(addr, &["campaign", "assign", "--id", &id, "--json"]);
    assert_eq!(status, 0, "{out}");
    let codes = first["codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2, "{first}");
    assert_eq!(codes[0]["customer_id"], "ann");
    assert_eq!(codes[1]["customer_id"], "bob");
    assert_eq!(codes[1]["created"], true);
    let (status, second, out) = couponsd_cli(
        addr,
        &[
            "campaign",
            "assign",
            "--id",
            &id,
            "--customer",
            "bob",
            "--customer",
            "cy",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let again = second["codes"].as_array().unwrap();
    assert_eq!(again[0]["code"], codes[1]["code"], "bob keeps his code");
    assert_eq!(again[0]["created"], false);
    assert_eq!(again[1]["customer_id"], "cy");
    assert_eq!(again[1]["created"], true);
    // Text: one line per customer.
    let (status, _, out) = couponsd_cli(
        addr,
        &["campaign", "assign", "--id", &id, "--customer", "cy"],
    );
    assert_eq!(status, 0, "{out}");
    assert!(out.starts_with("cy\t"), "{out}");
    assert!(out.contains("existing"), "{out}");
    // Not PERSONALIZED: refused, exit 1.
    let (status, c, out) = couponsd_cli(
        addr,
        &[
            "campaign",
            "create",
            "--campaign-name",
            "All",
            "--percent",
            "5",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let bulk = c["id"].as_u64().unwrap().to_string();
    let (status, _, out) = couponsd_cli(
        addr,
        &["campaign", "assign", "--id", &bulk, "--customer", "x"],
    );
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("INVALID_STATE"), "{out}");
}

/// Every running node at the leader's LSN holds the same DIGEST.
async fn assert_converged(cluster: &mut Cluster) {
    let leader = cluster.leader(Duration::from_secs(15)).await;
    let expected = cluster.nodes[leader].client().await.digest().await.unwrap();
    for i in 0..cluster.nodes.len() {
        if !cluster.nodes[i].is_running() {
            continue;
        }
        let node = &cluster.nodes[i];
        node.wait_for_lsn(expected.lsn, Duration::from_secs(60))
            .await;
        let digest = node.client().await.digest().await.unwrap();
        assert_eq!(digest, expected, "node {} differs from the leader", i + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_leader_gives_the_same_codes_again() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(15)).await;
    let admin = cluster.nodes[leader].client().await;
    let id = personalized(&admin, true, &[]).await;
    let first = admin
        .assign_codes(id, names(&["ann", "bob"]))
        .await
        .unwrap();
    drop(admin);
    assert_converged(&mut cluster).await;

    cluster.nodes[leader].kill9();
    let options = ClientOptions {
        failover_timeout: Duration::from_secs(20),
        ..ClientOptions::default()
    };
    let client = Client::connect_cluster(&cluster.addrs(), options)
        .await
        .unwrap();
    let again = client
        .assign_codes(id, names(&["ann", "bob", "cy"]))
        .await
        .unwrap();
    let expected: Vec<_> = first
        .iter()
        .map(|c| c.clone().with_created(false))
        .collect();
    assert_eq!(
        again[..2],
        expected[..],
        "the same codes from the new leader"
    );
    assert!(again[2].created);
    let new_leader = cluster.leader(Duration::from_secs(15)).await;
    assert_ne!(new_leader, leader);
    assert_converged(&mut cluster).await;
    // Every node that runs refuses ann's code to bob.
    for node in cluster.nodes.iter_mut() {
        if !node.is_running() {
            continue;
        }
        let reader = node.client().await;
        let v = reader.validate(&again[0].code, order("bob", 10_000)).await;
        assert_eq!(v.unwrap().reason, ErrorCode::NotAssigned.as_u16());
    }
}
