//! A coupon's order settings (CouponSpec fields 34 to 45) against the real
//! binary: its stacking class, classes, exclusivity and priority decide how
//! the codes of one order combine; its reversal policy decides whether a
//! reversal gives the use back and whether a partial refund below the
//! minimum order ends the redemption. Set through the CLI and the client.

mod common;

use std::process::Command;

use common::{code_of, order, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{
    CouponRef, CouponSpec, DiscountType, ErrorCode, OrderMode, OrderValidateRequest, RedemptionRef,
    RedemptionStatus, RefundBelowMinimum, ReversalPolicy, StackClass, StackSettings,
    COMBINES_WITH_ORDER,
};
use couponsd_client::Client;
use serde_json::Value;

fn couponsd(addr: &str, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr, "--json"])
        .args(args)
        .output()
        .expect("running couponsd");
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).expect("json")
}

async fn validate(client: &Client, codes: &[&str], amount: i64) -> Vec<(String, i64, u16)> {
    let validation = client
        .order_validate(OrderValidateRequest {
            codes: codes.iter().map(|c| c.to_string()).collect(),
            mode: OrderMode::BestEffort,
            order: couponsd_client::wire::Order {
                shipping_amount: 800,
                ..order("cust", amount)
            },
        })
        .await
        .unwrap();
    validation
        .codes
        .into_iter()
        .map(|c| (c.code, c.discount_amount, c.reason))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacking_settings_decide_which_codes_combine() {
    let server = Server::start().await;
    let client = server.client().await;
    let addr = server.addr.as_str();
    // From the CLI: an exclusive 25 % and a 10.00 that applies first.
    let vip = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "VIP25",
            "--percent",
            "25",
            "--currency",
            "USD",
            "--exclusive",
            "true",
        ],
    );
    assert_eq!(vip["stacking"]["exclusive"], true);
    assert_eq!(
        vip["stacking"]["combines_with"],
        serde_json::json!(["ORDER", "PRODUCT", "SHIPPING"])
    );
    let ten = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "TENOFF",
            "--amount",
            "10.00",
            "--currency",
            "USD",
            "--priority",
            "1",
            "--combines-with",
            "order,shipping",
        ],
    );
    assert_eq!(ten["stacking"]["priority"], 1);
    assert_eq!(
        ten["stacking"]["combines_with"],
        serde_json::json!(["ORDER", "SHIPPING"])
    );
    client
        .create_coupon(percent_coupon("SUMMER20", 2000, None, None))
        .await
        .unwrap();
    // SHIPPING class, combining only with ORDER codes.
    client
        .create_coupon(CouponSpec {
            discount_type: DiscountType::FreeShipping,
            discount_value: 0,
            stacking: StackSettings {
                class: Some(StackClass::Shipping),
                combines_with: COMBINES_WITH_ORDER,
                ..StackSettings::default()
            },
            ..percent_coupon("FREESHIP", 0, None, None)
        })
        .await
        .unwrap();

    // Priority: TENOFF (1) before SUMMER20 (0), which then takes 20 % of
    // what is left of 150.00 (remaining base): 28.00, not 30.00.
    assert_eq!(
        validate(&client, &["SUMMER20", "TENOFF"], 15_000).await,
        [("TENOFF".into(), 1000, 0), ("SUMMER20".into(), 2800, 0)]
    );
    // Exclusive: VIP25 alone, whatever else the order carries.
    let exclusive = ErrorCode::ExclusiveCode.as_u16();
    assert_eq!(
        validate(&client, &["TENOFF", "VIP25", "SUMMER20"], 15_000).await,
        [
            ("TENOFF".into(), 0, exclusive),
            ("SUMMER20".into(), 0, exclusive),
            ("VIP25".into(), 3750, 0),
        ]
    );
    // Classes both ways: TENOFF (ORDER, combines with SHIPPING) and
    // FREESHIP (SHIPPING, combines with ORDER) stack; FREESHIP and a PRODUCT
    // class code would not, nor SUMMER20 with FREESHIP once SUMMER20 takes
    // only ORDER companions.
    // TENOFF, on an order without lines, takes the shipping's share of its
    // 10.00 (8.00 of 150.00: 0.53), so 7.47 of shipping is left to FREESHIP.
    assert_eq!(
        validate(&client, &["FREESHIP", "TENOFF"], 15_000).await,
        [("TENOFF".into(), 1000, 0), ("FREESHIP".into(), 747, 0)]
    );
    let summer = client
        .get_coupon(CouponRef::Code("SUMMER20".into()))
        .await
        .unwrap();
    let mut spec = summer.spec.clone();
    spec.stacking.combines_with = COMBINES_WITH_ORDER;
    client
        .update_coupon(summer.id, summer.revision, spec)
        .await
        .unwrap();
    assert_eq!(
        validate(&client, &["FREESHIP", "SUMMER20"], 15_000).await,
        [
            ("FREESHIP".into(), 800, 0),
            ("SUMMER20".into(), 0, ErrorCode::NotCombinable.as_u16())
        ]
    );
    // Bits beside the three classes are refused, naming the field.
    let mut bad = percent_coupon("BADBITS", 1000, None, None);
    bad.stacking.combines_with = 8;
    let e = client.create_coupon(bad).await;
    assert_eq!(code_of(e), ErrorCode::InvalidArgument);
}

fn with_policy(code: &str, reversal: ReversalPolicy) -> CouponSpec {
    CouponSpec {
        min_order_amount: Some(10_000),
        reversal,
        ..percent_coupon(code, 2000, Some(1), None)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_keeps_the_use_when_the_policy_says_so() {
    let server = Server::start().await;
    let client = server.client().await;
    let keep = ReversalPolicy {
        returns_use: false,
        ..ReversalPolicy::default()
    };
    client
        .create_coupon(with_policy("KEEPUSE", keep))
        .await
        .unwrap();
    client
        .create_coupon(with_policy("GIVEBACK", ReversalPolicy::default()))
        .await
        .unwrap();
    for code in ["KEEPUSE", "GIVEBACK"] {
        let first = client
            .redeem(redeem_request(code, "o-1", "jane", 15_000))
            .await
            .unwrap();
        let reversed = client
            .reverse(RedemptionRef::Id(first.redemption.id), "refunded")
            .await
            .unwrap();
        assert_eq!(reversed.redemption.status, RedemptionStatus::Reversed);
        let coupon = client.get_coupon(CouponRef::Code(code.into())).await;
        let again = client
            .redeem(redeem_request(code, "o-2", "john", 15_000))
            .await;
        if code == "KEEPUSE" {
            assert_eq!(reversed.redemption.counted & 64, 64, "use kept");
            assert_eq!(coupon.unwrap().current_usage, 1);
            assert_eq!(code_of(again), ErrorCode::Exhausted);
        } else {
            assert_eq!(reversed.redemption.counted & 64, 0);
            assert_eq!(coupon.unwrap().current_usage, 0);
            assert!(again.is_ok(), "{again:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_below_the_minimum_reverses_the_discount_under_reverse_discount() {
    let server = Server::start().await;
    let client = server.client().await;
    let reverse = ReversalPolicy {
        below_minimum: RefundBelowMinimum::ReverseDiscount,
        ..ReversalPolicy::default()
    };
    client
        .create_coupon(with_policy("STRICT", reverse))
        .await
        .unwrap();
    client
        .create_coupon(with_policy("PRORATE", ReversalPolicy::default()))
        .await
        .unwrap();
    // 150.00 ordered, minimum 100.00, 30.00 off: 120.00 paid.
    for code in ["STRICT", "PRORATE"] {
        let redeemed = client
            .redeem(redeem_request(code, "o-1", "jane", 15_000))
            .await
            .unwrap();
        let id = RedemptionRef::Id(redeemed.redemption.id);
        // 40.00 back keeps 110.00 of the order: its share, 10.00, either way.
        let first = client
            .refund(id.clone(), 4_000, "re_1", "part")
            .await
            .unwrap();
        assert_eq!(first.redemption.status, RedemptionStatus::Processed);
        // 20.00 more keeps 90.00, below the minimum.
        let second = client
            .refund(id.clone(), 2_000, "re_2", "part")
            .await
            .unwrap();
        let returned: Vec<i64> = client
            .list_reversals(id.clone())
            .await
            .unwrap()
            .iter()
            .map(|r| r.discount_returned)
            .collect();
        let coupon = client
            .get_coupon(CouponRef::Code(code.into()))
            .await
            .unwrap();
        if code == "STRICT" {
            // The rest of the discount, and the use, come back.
            assert_eq!(returned, [1000, 2000]);
            assert_eq!(second.redemption.status, RedemptionStatus::Reversed);
            assert_eq!(coupon.current_usage, 0);
            let third = client.refund(id, 1_000, "re_3", "part").await;
            assert_eq!(code_of(third), ErrorCode::AlreadyReversed);
        } else {
            assert_eq!(returned, [1000, 500]);
            assert_eq!(second.redemption.status, RedemptionStatus::Processed);
            assert_eq!(coupon.current_usage, 1);
        }
    }
}
