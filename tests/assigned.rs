//! Codes bound to a customer (issue 12), against the real binary: a coupon
//! with `assigned_customer_id` is refused to anyone else (NOT_ASSIGNED when
//! public; a private one answers as an unknown code, byte for byte) and
//! accepted for its owner, alone and in multi-code orders.

mod common;

use common::{code_of, order, percent_coupon, redeem_request, reserve_request, Server};
use couponsd_client::wire::{
    CouponSpec, ErrorCode, OrderMode, OrderRedeemRequest, OrderValidateRequest, Validation,
};
use couponsd_client::Client;

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
