//! Several codes on one order (issue 12): ORDER_VALIDATE and ORDER_REDEEM
//! against the real binary. The answer never depends on the order the codes
//! were given in; all-or-nothing takes nothing when a code is refused,
//! best-effort takes the rest; a retried order answers its first result and
//! another set of codes under the same order id is CONFLICT; 64 connections
//! redeeming pairs that share a usage limit and a campaign budget end with
//! every limit exact and the counters equal to the records; a kill -9 loses
//! no acknowledged order.

mod common;

use common::{all_redemptions, code_of, order, percent_coupon, Server};
use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CouponRef, CouponSpec, DiscountType, ErrorCode, GenerationRules,
    OrderMode, OrderRedeemRequest, OrderReserveRequest, OrderValidateRequest, RedemptionStatus,
    ReversalPolicy, SecuritySettings,
};
use couponsd_client::Client;

fn fixed_coupon(code: &str, amount: i64, usage_limit: Option<u64>) -> CouponSpec {
    CouponSpec {
        discount_type: DiscountType::Fixed,
        discount_value: amount,
        ..percent_coupon(code, 0, usage_limit, None)
    }
}

fn redeem(codes: &[&str], mode: OrderMode, order_id: &str, amount: i64) -> OrderRedeemRequest {
    OrderRedeemRequest {
        codes: codes.iter().map(|c| c.to_string()).collect(),
        mode,
        order_id: order_id.into(),
        transaction_id: String::new(),
        order: order("cust", amount),
    }
}

async fn usage(client: &Client, code: &str) -> u64 {
    let coupon = client.get_coupon(CouponRef::Code(code.into())).await;
    coupon.expect("coupon").current_usage
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_permutation_gives_the_same_result() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(fixed_coupon("TENOFF", 1000, None))
        .await
        .unwrap();
    client
        .create_coupon(percent_coupon("SUMMER20", 2000, None, None))
        .await
        .unwrap();
    client
        .create_coupon(percent_coupon("FIVE", 500, None, None))
        .await
        .unwrap();
    let codes = ["TENOFF", "summer20", "FIVE", "NOSUCH"];
    let permutations = [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]];
    let mut first = None;
    for (n, p) in permutations.iter().enumerate() {
        let given: Vec<String> = p.iter().map(|&i| codes[i].to_string()).collect();
        let validation = client
            .order_validate(OrderValidateRequest {
                codes: given.clone(),
                mode: OrderMode::BestEffort,
                order: order("cust", 15000),
            })
            .await
            .unwrap();
        // FIVE, SUMMER20, TENOFF by code on what is left; NOSUCH last.
        let applied: Vec<(&str, i64)> = validation
            .codes
            .iter()
            .map(|c| (c.code.as_str(), c.discount_amount))
            .collect();
        assert_eq!(
            applied,
            [
                ("FIVE", 750),
                ("SUMMER20", 2850),
                ("TENOFF", 1000),
                ("NOSUCH", 0)
            ]
        );
        assert_eq!(validation.codes[3].reason, ErrorCode::NotFound.as_u16());
        assert_eq!(validation.totals.discount_amount, 4600);
        assert_eq!(validation.totals.final_amount, 10400);
        let given: Vec<&str> = given.iter().map(String::as_str).collect();
        let redeemed = client
            .order_redeem(redeem(
                &given,
                OrderMode::BestEffort,
                &format!("o-{n}"),
                15000,
            ))
            .await
            .unwrap();
        // The redemption agrees with the validation before it.
        assert_eq!(redeemed.codes, validation.codes);
        assert_eq!(redeemed.totals, validation.totals);
        assert_eq!(redeemed.redemptions.len(), 3);
        let shape: Vec<_> = redeemed
            .redemptions
            .iter()
            .map(|r| (r.code.clone(), r.discount_amount, r.final_amount))
            .collect();
        match &first {
            None => first = Some(shape),
            Some(first) => assert_eq!(*first, shape),
        }
    }
    for code in ["TENOFF", "SUMMER20", "FIVE"] {
        assert_eq!(usage(&client, code).await, 4);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_or_nothing_takes_nothing_and_best_effort_takes_the_rest() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("AAA", 1000, Some(5), None))
        .await
        .unwrap();
    let big = CouponSpec {
        min_order_amount: Some(50_000),
        ..percent_coupon("BBB", 1000, Some(5), None)
    };
    client.create_coupon(big).await.unwrap();

    let refused = client
        .order_redeem(redeem(
            &["AAA", "BBB"],
            OrderMode::AllOrNothing,
            "o-1",
            10_000,
        ))
        .await;
    assert_eq!(code_of(refused), ErrorCode::MinOrderNotMet);
    assert_eq!(usage(&client, "AAA").await, 0, "the first code was taken");
    let aaa = client
        .get_coupon(CouponRef::Code("AAA".into()))
        .await
        .unwrap();
    assert!(all_redemptions(&client, aaa.id).await.is_empty());

    let taken = client
        .order_redeem(redeem(
            &["AAA", "BBB"],
            OrderMode::BestEffort,
            "o-1",
            10_000,
        ))
        .await
        .unwrap();
    assert!(taken.codes[0].applied);
    assert_eq!(taken.codes[1].code, "BBB");
    assert!(!taken.codes[1].applied);
    assert_eq!(taken.codes[1].reason, ErrorCode::MinOrderNotMet.as_u16());
    assert_eq!(taken.redemptions.len(), 1);
    assert_eq!(taken.totals.discount_amount, 1000);
    assert_eq!(usage(&client, "AAA").await, 1);
    assert_eq!(usage(&client, "BBB").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_order_answers_its_first_result() {
    let server = Server::start().await;
    let client = server.client().await;
    for code in ["ONE", "TWO", "THREE"] {
        client
            .create_coupon(percent_coupon(code, 1000, Some(10), None))
            .await
            .unwrap();
    }
    let first = client
        .order_redeem(redeem(
            &["ONE", "TWO"],
            OrderMode::AllOrNothing,
            "o-1",
            10_000,
        ))
        .await
        .unwrap();
    assert!(!first.replayed);
    let again = client
        .order_redeem(redeem(
            &["two", "ONE", "ONE"],
            OrderMode::AllOrNothing,
            "o-1",
            10_000,
        ))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.redemptions, first.redemptions);
    assert_eq!(again.codes, first.codes);
    assert_eq!(again.totals, first.totals);
    assert_eq!(usage(&client, "ONE").await, 1);
    assert_eq!(usage(&client, "TWO").await, 1);

    // Another set under the same order id, even one that shares no code.
    for other in [&["ONE", "THREE"][..], &["THREE"], &["ONE"]] {
        let refused = client
            .order_redeem(redeem(other, OrderMode::BestEffort, "o-1", 10_000))
            .await;
        assert_eq!(code_of(refused), ErrorCode::Conflict, "{other:?}");
    }
    assert_eq!(usage(&client, "THREE").await, 0);
    // A retry describing another order is CONFLICT too.
    let moved = client
        .order_redeem(redeem(
            &["ONE", "TWO"],
            OrderMode::AllOrNothing,
            "o-1",
            20_000,
        ))
        .await;
    assert_eq!(code_of(moved), ErrorCode::Conflict);
}

/// Two codes of one campaign share its budget within the order: the second
/// does not fit what the first left, so it is refused BUDGET_EXHAUSTED
/// (all-or-nothing: the whole order) though each fits alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_of_one_campaign_share_its_budget_within_the_order() {
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = client.create_campaign(campaign_spec(1_200)).await.unwrap();
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    for spec in [
        percent_coupon("BUD-A", 1000, None, None),
        fixed_coupon("BUD-B", 500, None),
    ] {
        let spec = CouponSpec {
            campaign_id: Some(campaign.id),
            ..spec
        };
        client.create_coupon(spec).await.unwrap();
    }
    let refused = client
        .order_redeem(redeem(
            &["BUD-A", "BUD-B"],
            OrderMode::AllOrNothing,
            "o-1",
            10_000,
        ))
        .await;
    assert_eq!(code_of(refused), ErrorCode::BudgetExhausted);
    let taken = client
        .order_redeem(redeem(
            &["BUD-B", "BUD-A"],
            OrderMode::BestEffort,
            "o-1",
            10_000,
        ))
        .await
        .unwrap();
    assert_eq!(taken.codes[0].discount_amount, 1000);
    assert_eq!(taken.codes[1].reason, ErrorCode::BudgetExhausted.as_u16());
    assert_eq!(
        client.get_campaign(campaign.id).await.unwrap().budget_used,
        1000
    );
}

fn campaign_spec(budget: i64) -> CampaignSpec {
    CampaignSpec {
        name: "shared".into(),
        template: CouponSpec {
            currency: "USD".into(),
            discount_value: 1000,
            ..CouponSpec::default()
        },
        rules: GenerationRules {
            prefix: "SH-".into(),
            ..GenerationRules::default()
        },
        budget_limit: Some(budget),
        ..CampaignSpec::default()
    }
}

/// 64 connections redeem the pair (PAIR-A, PAIR-B) best-effort on orders of
/// 100.00: PAIR-A takes 10 % first (10.00), PAIR-B then 5.00. PAIR-A may be
/// used 12 times; the campaign's budget of 300.00 covers both. So exactly 12
/// orders take both (180.00) and exactly 24 take PAIR-B alone (120.00),
/// however the requests interleave.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pairs_keep_every_limit_exact() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let campaign = client.create_campaign(campaign_spec(30_000)).await.unwrap();
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let a = client
        .create_coupon(CouponSpec {
            campaign_id: Some(campaign.id),
            ..percent_coupon("PAIR-A", 1000, Some(12), None)
        })
        .await
        .unwrap();
    let b = client
        .create_coupon(CouponSpec {
            campaign_id: Some(campaign.id),
            ..fixed_coupon("PAIR-B", 500, Some(1000))
        })
        .await
        .unwrap();

    let mut tasks = Vec::new();
    for conn in 0..64 {
        let client = server.client().await;
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..4 {
                let id = format!("c{conn}-{n}");
                let codes = if conn % 2 == 0 {
                    ["PAIR-A", "PAIR-B"]
                } else {
                    ["PAIR-B", "PAIR-A"]
                };
                let reply = client
                    .order_redeem(redeem(&codes, OrderMode::BestEffort, &id, 10_000))
                    .await
                    .expect("order");
                acknowledged.push((id, reply));
            }
            acknowledged
        }));
    }
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.extend(t.await.unwrap());
    }
    let both = acknowledged
        .iter()
        .filter(|(_, r)| r.redemptions.len() == 2)
        .count();
    let b_alone = acknowledged
        .iter()
        .filter(|(_, r)| r.redemptions.len() == 1 && r.redemptions[0].code == "PAIR-B")
        .count();
    assert_eq!((both, b_alone), (12, 24));

    let check = |client: Client| async move {
        assert_eq!(usage(&client, "PAIR-A").await, 12);
        assert_eq!(usage(&client, "PAIR-B").await, 36);
        let c = client.get_campaign(campaign.id).await.unwrap();
        assert_eq!(c.budget_used, 30_000);
        assert_eq!(c.redemptions, 48);
        // The counters equal the records.
        let mut spent = 0;
        for (id, uses) in [(a.id, 12), (b.id, 36)] {
            let records = all_redemptions(&client, id).await;
            let taken: Vec<_> = records
                .iter()
                .filter(|r| r.status == RedemptionStatus::Processed)
                .collect();
            assert_eq!(taken.len(), uses);
            spent += taken.iter().map(|r| r.discount_amount).sum::<i64>();
        }
        assert_eq!(spent, 30_000);
    };
    check(server.client().await).await;

    // kill -9 after those acknowledged orders: none is lost, and each
    // still answers as its first result.
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    check(client.clone()).await;
    // (An order that took nothing recorded nothing: a retry is judged afresh.)
    let taken = acknowledged
        .iter()
        .filter(|(_, r)| !r.redemptions.is_empty());
    for (id, first) in taken.take(16) {
        let codes: Vec<&str> = first.codes.iter().map(|c| c.code.as_str()).collect();
        let again = client
            .order_redeem(redeem(&codes, OrderMode::BestEffort, id, 10_000))
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.redemptions, first.redemptions);
        let other = client
            .order_redeem(redeem(&["PAIR-A"], OrderMode::BestEffort, id, 10_000))
            .await;
        assert_eq!(code_of(other), ErrorCode::Conflict);
    }
}

/// The command line's exit code, JSON output and all it printed.
fn couponsd(addr: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr])
        .args(args)
        .output()
        .expect("running couponsd");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null);
    let all = stdout + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), json, all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_codes_from_the_command_line() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(fixed_coupon("TENOFF", 1000, None))
        .await
        .unwrap();
    client
        .create_coupon(percent_coupon("SUMMER20", 2000, None, None))
        .await
        .unwrap();
    let addr = server.addr.as_str();
    let order = [
        "--code",
        "tenoff",
        "--code",
        "SUMMER20",
        "--code",
        "NOSUCH",
        "--customer",
        "c1",
        "--order",
        "o-cli",
        "--amount",
        "150.00",
        "--currency",
        "USD",
    ];
    fn with<'a>(verb: &'a str, order: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [&[verb][..], order, extra].concat()
    }

    // All or nothing (the default): the unknown code refuses the order.
    let (status, v, out) = couponsd(addr, &with("redeem", &order, &["--json"]));
    assert_eq!(status, 1, "{out}");
    assert_eq!(v["error"], "NOT_FOUND", "{out}");
    assert_eq!(usage(&client, "TENOFF").await, 0);

    let (status, v, out) = couponsd(
        addr,
        &with("validate", &order, &["--mode", "best", "--json"]),
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(v["codes"][0]["code"], "SUMMER20");
    assert_eq!(v["codes"][0]["discount_amount"], "30.00");
    assert_eq!(v["codes"][1]["discount_amount"], "10.00");
    assert_eq!(v["codes"][2]["reason"], "NOT_FOUND");
    assert_eq!(v["final_amount"], "110.00");

    let (status, v, out) = couponsd(addr, &with("redeem", &order, &["--mode", "best", "--json"]));
    assert_eq!(status, 0, "{out}");
    assert_eq!(v["redemptions"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["replayed"], false);
    let (status, text_out, out) = couponsd(addr, &with("redeem", &order, &["--mode", "best"]));
    assert_eq!(status, 0, "{out}");
    assert!(text_out.is_null());
    assert!(out.contains("replayed"), "{out}");
    assert_eq!(usage(&client, "TENOFF").await, 1);

    // reserve takes several codes too (ORDER_RESERVE), and confirm,
    // release and reverse with --order alone act on the order's set.
    let held = ["--code", "TENOFF", "--code", "SUMMER20", "--customer", "c1"];
    let held = [&held[..], &["--amount", "150.00", "--currency", "USD"]].concat();
    let reserve = |order_id: &'static str| {
        let args = [
            &["reserve"][..],
            &held,
            &["--order", order_id, "--ttl-secs", "60", "--json"],
        ];
        couponsd(addr, &args.concat())
    };
    let (status, v, out) = reserve("o-held");
    assert_eq!(status, 0, "{out}");
    let statuses = |v: &serde_json::Value| -> Vec<String> {
        let records = v["redemptions"].as_array().cloned().unwrap_or_default();
        records.iter().map(|r| r["status"].to_string()).collect()
    };
    assert_eq!(statuses(&v), ["\"PENDING\"", "\"PENDING\""], "{out}");
    assert_eq!(usage(&client, "SUMMER20").await, 1);
    let (status, v, out) = couponsd(
        addr,
        &[
            "confirm",
            "--order",
            "o-held",
            "--transaction",
            "tx-1",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(statuses(&v), ["\"PROCESSED\"", "\"PROCESSED\""], "{out}");
    assert_eq!(v["redemptions"][0]["transaction_id"], "tx-1", "{out}");
    assert_eq!(usage(&client, "SUMMER20").await, 2);
    let (status, v, out) = couponsd(
        addr,
        &[
            "reverse", "--order", "o-held", "--reason", "refund", "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(statuses(&v), ["\"REVERSED\"", "\"REVERSED\""], "{out}");
    assert_eq!(usage(&client, "SUMMER20").await, 1);
    let (status, v, out) = couponsd(addr, &["reverse", "--order", "o-held", "--json"]);
    assert_eq!(status, 1, "{out}");
    assert_eq!(v["error"], "ALREADY_REVERSED", "{out}");
    let (status, _, out) = reserve("o-gone");
    assert_eq!(status, 0, "{out}");
    let (status, v, out) = couponsd(addr, &["release", "--order", "o-gone", "--json"]);
    assert_eq!(status, 0, "{out}");
    assert_eq!(statuses(&v), ["\"RELEASED\"", "\"RELEASED\""], "{out}");
    let (status, _, out) = couponsd(addr, &["release", "--order", "o-gone"]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("replayed"), "{out}");
    assert_eq!(usage(&client, "SUMMER20").await, 1);
    // A set is reversed in full: no partial refund of it.
    let (status, _, out) = couponsd(addr, &["reverse", "--order", "o-held", "--refund", "1.00"]);
    assert_eq!(status, 2, "{out}");
}

/// The server's policy: `--stack-max-codes` bounds the codes of an order,
/// `--stack-base` what each discount is computed on. AFIXED (10.00) comes
/// before ZPCT (20 %) by code: on 150.00, ZPCT takes 20 % of 140.00 on the
/// remaining base (the default) and 20 % of 150.00 on the initial one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stacking_policy_is_the_servers() {
    for (flags, zpct) in [
        (&["--stack-max-codes", "2"][..], 2800),
        (
            &["--stack-max-codes", "2", "--stack-base", "initial"][..],
            3000,
        ),
    ] {
        let server = Server::start_with(flags).await;
        let client = server.client().await;
        client
            .create_coupon(fixed_coupon("AFIXED", 1000, None))
            .await
            .unwrap();
        client
            .create_coupon(percent_coupon("ZPCT", 2000, None, None))
            .await
            .unwrap();
        let validate = |codes: &[&str]| OrderValidateRequest {
            codes: codes.iter().map(|c| c.to_string()).collect(),
            mode: OrderMode::AllOrNothing,
            order: order("cust", 15_000),
        };
        let v = client
            .order_validate(validate(&["ZPCT", "AFIXED"]))
            .await
            .unwrap();
        let discounts: Vec<i64> = v.codes.iter().map(|c| c.discount_amount).collect();
        assert_eq!(discounts, [1000, zpct], "{flags:?}");
        let three = client
            .order_validate(validate(&["ZPCT", "AFIXED", "OTHER"]))
            .await;
        assert_eq!(code_of(three), ErrorCode::InvalidArgument);
    }
}

fn reserve(codes: &[&str], mode: OrderMode, order_id: &str, ttl_ms: u32) -> OrderReserveRequest {
    OrderReserveRequest {
        codes: codes.iter().map(|c| c.to_string()).collect(),
        mode,
        order_id: order_id.into(),
        ttl_ms,
        order: order("cust", 10_000),
    }
}

/// A coupon's (current_usage, reserved_uses).
async fn uses(client: &Client, code: &str) -> (u64, u64) {
    let coupon = client.get_coupon(CouponRef::Code(code.into())).await;
    let coupon = coupon.expect("coupon");
    (coupon.current_usage, coupon.reserved_uses)
}

/// Three coupons SET-A, SET-B, SET-C (10 %, 5.00, 2 %) in one campaign
/// with a budget of 500.00; returns the campaign's id.
async fn set_of_three(client: &Client) -> u64 {
    let campaign = client.create_campaign(campaign_spec(50_000)).await.unwrap();
    client
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    for spec in [
        percent_coupon("SET-A", 1000, Some(100), None),
        fixed_coupon("SET-B", 500, Some(100)),
        percent_coupon("SET-C", 200, Some(100), None),
    ] {
        let spec = CouponSpec {
            campaign_id: Some(campaign.id),
            ..spec
        };
        client.create_coupon(spec).await.unwrap();
    }
    campaign.id
}

const SET: [&str; 3] = ["SET-A", "SET-B", "SET-C"];

/// Each coupon of the set: its counters and its records agree.
async fn counters_equal_records(client: &Client) {
    for code in SET {
        let coupon = client.get_coupon(CouponRef::Code(code.into())).await;
        let coupon = coupon.unwrap();
        let records = all_redemptions(client, coupon.id).await;
        let count = |status| records.iter().filter(|r| r.status == status).count() as u64;
        assert_eq!(
            coupon.current_usage,
            count(RedemptionStatus::Processed),
            "{code}"
        );
        assert_eq!(
            coupon.reserved_uses,
            count(RedemptionStatus::Pending),
            "{code}"
        );
    }
}

/// ORDER_RESERVE holds the three codes in one record, ORDER_CONFIRM
/// captures all three in one record: each coupon's uses +1 once, the
/// campaign's budget takes the three discounts once; retries of either
/// replay; ORDER_REDEEM of a held set is CONFLICT (confirm it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserved_set_is_confirmed_whole_once() {
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = set_of_three(&client).await;
    let lsn = || async { client.server_info().await.unwrap().lsn };
    let before = lsn().await;
    let held = client
        .order_reserve(reserve(&SET, OrderMode::AllOrNothing, "o-1", 60_000))
        .await
        .unwrap();
    assert_eq!(lsn().await, before + 1, "one record for the set's holds");
    assert!(!held.replayed);
    assert_eq!(held.redemptions.len(), 3);
    assert!(held
        .redemptions
        .iter()
        .all(|r| r.status == RedemptionStatus::Pending && r.hold_expires_at.is_some()));
    // 10 % of 100.00, then 5.00, then 2 % of what is left (85.00).
    assert_eq!(held.totals.discount_amount, 1000 + 500 + 170);
    for code in SET {
        assert_eq!(uses(&client, code).await, (0, 1), "{code}");
    }
    let again = client
        .order_reserve(reserve(
            &["set-c", "SET-A", "SET-B"],
            OrderMode::AllOrNothing,
            "o-1",
            60_000,
        ))
        .await
        .unwrap();
    assert!(again.replayed);
    assert_eq!(again.redemptions, held.redemptions);
    let redeemed = client
        .order_redeem(redeem(&SET, OrderMode::AllOrNothing, "o-1", 10_000))
        .await;
    assert_eq!(code_of(redeemed), ErrorCode::Conflict);

    let before = lsn().await;
    let confirmed = client.order_confirm("o-1", "tx-9").await.unwrap();
    assert_eq!(lsn().await, before + 1, "one record for the set's captures");
    assert!(!confirmed.replayed);
    assert_eq!(confirmed.totals, held.totals);
    for (r, h) in confirmed.redemptions.iter().zip(&held.redemptions) {
        assert_eq!((r.id, r.status), (h.id, RedemptionStatus::Processed));
        assert_eq!(r.transaction_id, "tx-9");
    }
    let twice = client.order_confirm("o-1", "tx-9").await.unwrap();
    assert!(twice.replayed);
    assert_eq!(twice.redemptions, confirmed.redemptions);
    // Once captured, ORDER_REDEEM and ORDER_RESERVE of the set replay it.
    let redeemed = client
        .order_redeem(redeem(&SET, OrderMode::AllOrNothing, "o-1", 10_000))
        .await
        .unwrap();
    assert!(redeemed.replayed);
    assert_eq!(redeemed.redemptions, confirmed.redemptions);
    for code in SET {
        assert_eq!(uses(&client, code).await, (1, 0), "{code}");
    }
    let c = client.get_campaign(campaign).await.unwrap();
    assert_eq!((c.budget_used, c.redemptions), (1670, 3));
    counters_equal_records(&client).await;
    // A captured set cannot be released; an unknown order is NOT_FOUND.
    let released = client.order_release("o-1").await;
    assert_eq!(code_of(released), ErrorCode::InvalidState);
    let unknown = client.order_confirm("o-nope", "").await;
    assert_eq!(code_of(unknown), ErrorCode::NotFound);
}

/// ORDER_RELEASE gives every hold back (uses, budget); twice replays; the
/// order can then be reserved afresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_released_set_gives_everything_back() {
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = set_of_three(&client).await;
    client
        .order_reserve(reserve(&SET, OrderMode::AllOrNothing, "o-1", 60_000))
        .await
        .unwrap();
    assert_eq!(
        client.get_campaign(campaign).await.unwrap().budget_used,
        1670
    );
    let released = client.order_release("o-1").await.unwrap();
    assert!(!released.replayed);
    assert!(released
        .redemptions
        .iter()
        .all(|r| r.status == RedemptionStatus::Released));
    for code in SET {
        assert_eq!(uses(&client, code).await, (0, 0), "{code}");
    }
    let c = client.get_campaign(campaign).await.unwrap();
    assert_eq!((c.budget_used, c.redemptions), (0, 0));
    let twice = client.order_release("o-1").await.unwrap();
    assert!(twice.replayed);
    assert_eq!(twice.redemptions, released.redemptions);
    let confirm = client.order_confirm("o-1", "").await;
    assert_eq!(code_of(confirm), ErrorCode::InvalidState);
    counters_equal_records(&client).await;
    // Given back whole, the order takes a set afresh (another one, too).
    let fresh = client
        .order_reserve(reserve(&SET[..2], OrderMode::AllOrNothing, "o-1", 60_000))
        .await
        .unwrap();
    assert!(!fresh.replayed);
    assert_eq!(fresh.redemptions.len(), 2);
    assert_eq!(uses(&client, "SET-A").await, (0, 1));
}

/// Holds past their TTL: ORDER_CONFIRM is HOLD_EXPIRED and changes nothing,
/// both before the sweep has given them back and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_with_an_expired_hold_is_not_confirmed() {
    // The sweep runs every 3 s: the first confirm comes between the TTL and it.
    let server = Server::start_with(&["--hold-sweep-ms", "3000"]).await;
    let client = server.client().await;
    let campaign = set_of_three(&client).await;
    client
        .order_reserve(reserve(&SET, OrderMode::AllOrNothing, "o-1", 300))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let lsn = client.server_info().await.unwrap().lsn;
    let due = client.order_confirm("o-1", "").await;
    assert_eq!(code_of(due), ErrorCode::HoldExpired);
    assert_eq!(
        client.server_info().await.unwrap().lsn,
        lsn,
        "nothing recorded"
    );
    for code in SET {
        assert_eq!(uses(&client, code).await.0, 0, "{code}");
    }
    // The sweep expires each hold of the set; confirm still fails.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while uses(&client, "SET-C").await.1 != 0 {
        assert!(std::time::Instant::now() < deadline, "holds not swept");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let expired = client.order_confirm("o-1", "").await;
    assert_eq!(code_of(expired), ErrorCode::HoldExpired);
    for code in SET {
        assert_eq!(uses(&client, code).await, (0, 0), "{code}");
    }
    assert_eq!(client.get_campaign(campaign).await.unwrap().budget_used, 0);
    counters_equal_records(&client).await;
}

/// ORDER_REVERSE reverses every captured use: uses and budget given back;
/// twice is ALREADY_REVERSED; a held set is not reversed (release it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversed_set_gives_every_use_and_the_budget_back() {
    let server = Server::start().await;
    let client = server.client().await;
    let campaign = set_of_three(&client).await;
    client
        .order_reserve(reserve(&SET, OrderMode::AllOrNothing, "o-held", 60_000))
        .await
        .unwrap();
    let held = client.order_reverse("o-held", "refund").await;
    assert_eq!(code_of(held), ErrorCode::InvalidState);
    client.order_release("o-held").await.unwrap();

    let redeemed = client
        .order_redeem(redeem(&SET, OrderMode::AllOrNothing, "o-1", 10_000))
        .await
        .unwrap();
    assert_eq!(
        client.get_campaign(campaign).await.unwrap().budget_used,
        1670
    );
    let lsn = client.server_info().await.unwrap().lsn;
    let reversed = client.order_reverse("o-1", "refund").await.unwrap();
    assert_eq!(
        client.server_info().await.unwrap().lsn,
        lsn + 1,
        "one record"
    );
    assert_eq!(reversed.redemptions.len(), 3);
    for (r, first) in reversed.redemptions.iter().zip(&redeemed.redemptions) {
        assert_eq!((r.id, r.status), (first.id, RedemptionStatus::Reversed));
        assert_eq!(r.reverse_reason, "refund");
    }
    for code in SET {
        assert_eq!(uses(&client, code).await, (0, 0), "{code}");
    }
    let c = client.get_campaign(campaign).await.unwrap();
    assert_eq!((c.budget_used, c.redemptions), (0, 0));
    let twice = client.order_reverse("o-1", "refund").await;
    assert_eq!(code_of(twice), ErrorCode::AlreadyReversed);
    // A retry of the order answers it as it is now: reversed.
    let replayed = client
        .order_redeem(redeem(&SET, OrderMode::AllOrNothing, "o-1", 10_000))
        .await
        .unwrap();
    assert!(replayed.replayed);
    assert_eq!(replayed.redemptions, reversed.redemptions);
    counters_equal_records(&client).await;
}

/// ORDER_REVERSE follows each coupon's reversal policy, as REVERSE does: a
/// coupon whose refunded uses stay used keeps its use, the other gives its
/// back; both give their discount back to the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversed_set_follows_each_coupons_reversal_policy() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(fixed_coupon("GIVES-BACK", 500, Some(1)))
        .await
        .unwrap();
    client
        .create_coupon(CouponSpec {
            reversal: ReversalPolicy {
                returns_use: false,
                ..ReversalPolicy::default()
            },
            ..fixed_coupon("STAYS-USED", 300, Some(1))
        })
        .await
        .unwrap();
    let codes = ["GIVES-BACK", "STAYS-USED"];
    client
        .order_redeem(redeem(&codes, OrderMode::AllOrNothing, "o-1", 10_000))
        .await
        .unwrap();
    let reversed = client.order_reverse("o-1", "refund").await.unwrap();
    assert!(reversed
        .redemptions
        .iter()
        .all(|r| r.status == RedemptionStatus::Reversed));
    assert_eq!(usage(&client, "GIVES-BACK").await, 0);
    assert_eq!(usage(&client, "STAYS-USED").await, 1);
    // The kept use still counts: another order cannot take STAYS-USED.
    let again = client
        .order_redeem(redeem(&codes, OrderMode::BestEffort, "o-2", 10_000))
        .await
        .unwrap();
    let applied: Vec<&str> = again.redemptions.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(applied, ["GIVES-BACK"]);
}

/// A code a security check refuses (a coupon that needs a device
/// fingerprint, on an order without one) is kept as a REJECTED redemption
/// in the order's record, in both modes, as a single REDEEM keeps it; the
/// best-effort reply says so, and its replay answers the first reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_refused_code_of_a_set_leaves_a_rejected_record() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("PLAIN", 1000, None, None))
        .await
        .unwrap();
    let guarded = client
        .create_coupon(CouponSpec {
            security: SecuritySettings {
                device_fingerprinting: true,
                velocity_checks: false,
                ..SecuritySettings::default()
            },
            ..fixed_coupon("GUARDED", 500, None)
        })
        .await
        .unwrap();
    let refused = ErrorCode::DeviceFingerprintRequired;
    let lsn = client.server_info().await.unwrap().lsn;
    let all = client
        .order_redeem(redeem(
            &["PLAIN", "GUARDED", "NOSUCH"],
            OrderMode::AllOrNothing,
            "o-all",
            10_000,
        ))
        .await;
    assert_eq!(code_of(all), refused);
    assert_eq!(client.server_info().await.unwrap().lsn, lsn + 1, "recorded");
    assert_eq!(usage(&client, "PLAIN").await, 0);

    let best = client
        .order_redeem(redeem(
            &["PLAIN", "GUARDED", "NOSUCH"],
            OrderMode::BestEffort,
            "o-best",
            10_000,
        ))
        .await
        .unwrap();
    assert_eq!(best.redemptions.len(), 1);
    let outcome = best.codes.iter().find(|c| c.code == "GUARDED").unwrap();
    assert_eq!(outcome.reason, refused.as_u16());
    assert!(
        outcome.message.contains("kept as REJECTED redemption"),
        "{}",
        outcome.message
    );
    let records = all_redemptions(&client, guarded.id).await;
    let kept: Vec<(&str, RedemptionStatus)> = records
        .iter()
        .map(|r| (r.order_id.as_str(), r.status))
        .collect();
    assert_eq!(
        kept,
        [
            ("o-all", RedemptionStatus::Rejected),
            ("o-best", RedemptionStatus::Rejected)
        ]
    );
    let coupon = client.get_coupon(CouponRef::Id(guarded.id)).await.unwrap();
    assert_eq!((coupon.blocked_redemptions, coupon.current_usage), (2, 0));
    // The replay answers each code not applied with its first reason, and
    // keeps no second REJECTED record.
    let again = client
        .order_redeem(redeem(
            &["NOSUCH", "GUARDED", "PLAIN"],
            OrderMode::BestEffort,
            "o-best",
            10_000,
        ))
        .await
        .unwrap();
    assert!(again.replayed);
    let reasons = |r: &couponsd_client::wire::OrderRedemption| -> Vec<(String, bool, u16)> {
        r.codes
            .iter()
            .map(|c| (c.code.clone(), c.applied, c.reason))
            .collect()
    };
    assert_eq!(reasons(&again), reasons(&best));
    assert_eq!(all_redemptions(&client, guarded.id).await.len(), 2);
}

/// kill -9 right after an acknowledged ORDER_CONFIRM and ORDER_REVERSE:
/// the restarted server has both, and answers their retries as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_after_a_set_is_confirmed_loses_nothing() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let campaign = set_of_three(&client).await;
    client
        .order_reserve(reserve(&SET, OrderMode::AllOrNothing, "o-1", 60_000))
        .await
        .unwrap();
    client
        .order_reserve(reserve(&SET, OrderMode::AllOrNothing, "o-2", 60_000))
        .await
        .unwrap();
    client.order_confirm("o-2", "").await.unwrap();
    client.order_reverse("o-2", "refund").await.unwrap();
    let confirmed = client.order_confirm("o-1", "tx-1").await.unwrap();
    server.kill9();
    server.restart().await;
    let client = server.client().await;
    for code in SET {
        assert_eq!(uses(&client, code).await, (1, 0), "{code}");
    }
    let c = client.get_campaign(campaign).await.unwrap();
    assert_eq!((c.budget_used, c.redemptions), (1670, 3));
    let again = client.order_confirm("o-1", "tx-1").await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.redemptions, confirmed.redemptions);
    let reversed = client.order_reverse("o-2", "refund").await;
    assert_eq!(code_of(reversed), ErrorCode::AlreadyReversed);
    counters_equal_records(&client).await;
}
