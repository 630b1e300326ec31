//! Code guessing stopped: unknown codes are counted per credential and
//! address of the connection, and per shopper (the order's address and device); past the limit a client gets
//! RATE_LIMITED without a lookup while others go on; and a code that is not
//! public and cannot be used for its own state is answered byte for byte as
//! a code that does not exist.

mod common;

use bytes::BytesMut;
use common::{code_of, order, percent_coupon, redeem_request, Secrets, Server};
use couponsd_client::wire::{
    opcode, AdminStatus, CouponSpec, ErrorCode, Order, Response, Validation,
};
use couponsd_client::ClientOptions;

fn with_token(token: &str) -> ClientOptions {
    ClientOptions {
        token: token.into(),
        ..ClientOptions::default()
    }
}

fn encoded(v: Validation) -> BytesMut {
    let mut buf = BytesMut::new();
    Response::Validation(v).encode_frame(7, opcode::VALIDATE, &mut buf);
    buf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guessing_connection_is_rate_limited_and_others_are_not() {
    let secrets = Secrets::new();
    let mut flags = secrets.token_flags(&[
        "admin:admin-secret",
        "redeem:checkout-secret",
        "read:guesser-secret",
    ]);
    flags.extend(["--guess-limit-connection".into(), "50".into()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut server = Server::prepare();
    server.options = with_token("admin-secret");
    server.launch(&flags).await;
    let admin = server.client().await;
    admin
        .create_coupon(percent_coupon("REAL10", 1000, None, None))
        .await
        .expect("a real coupon");

    let guesser = server.client_with(with_token("guesser-secret")).await;
    let mut refused_at = None;
    for i in 0..200 {
        match guesser
            .validate(&format!("GUESS{i:05}"), order("mallory", 5_000))
            .await
        {
            Ok(v) => assert_eq!(v.reason, ErrorCode::NotFound.as_u16(), "guess {i}"),
            Err(e) => {
                assert_eq!(e.code(), Some(ErrorCode::RateLimited), "guess {i}: {e}");
                refused_at = Some(i);
                break;
            }
        }
    }
    assert_eq!(refused_at, Some(50), "the 51st unknown code is refused");
    // Refused without a lookup: even a real code, from this connection.
    assert_eq!(
        code_of(guesser.validate("REAL10", order("mallory", 5_000)).await),
        ErrorCode::RateLimited
    );
    // Another client (its own token) goes on redeeming.
    let checkout = server.client_with(with_token("checkout-secret")).await;
    for i in 0..20 {
        checkout
            .redeem(redeem_request(
                "REAL10",
                &format!("order-{i}"),
                "alice",
                5_000,
            ))
            .await
            .expect("an honest client is unaffected");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_is_counted_across_connections() {
    let server = Server::start_with(&["--guess-limit-shopper", "5"]).await;
    let from = |ip: &str| Order {
        ip_address: ip.into(),
        ..order("mallory", 5_000)
    };
    for i in 0..5 {
        let c = server.client().await;
        let v = c
            .validate(&format!("NOPE{i}"), from("203.0.113.7"))
            .await
            .expect("under the limit");
        assert!(!v.valid);
    }
    let fresh = server.client().await;
    assert_eq!(
        code_of(fresh.validate("NOPE9", from("203.0.113.7")).await),
        ErrorCode::RateLimited,
        "the sixth unknown code from one shopper address, on a new connection"
    );
    fresh
        .validate("NOPE9", from("203.0.113.8"))
        .await
        .expect("another shopper address is unaffected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusable_private_codes_answer_exactly_as_unknown_ones() {
    let server = Server::start().await;
    let admin = server.client().await;
    let asked = || order("eve", 5_000);

    let unknown_inactive = admin.validate("SECRET-A", asked()).await.expect("unknown");
    let unknown_exhausted = admin.validate("SECRET-B", asked()).await.expect("unknown");
    // An order the coupon would refuse anyway must not tell either.
    let in_euros = || Order {
        currency: "EUR".into(),
        amount: 1,
        ..asked()
    };
    let unknown_in_euros = admin
        .validate("SECRET-B", in_euros())
        .await
        .expect("unknown");
    let unknown_public = admin.validate("PUBLIC-C", asked()).await.expect("unknown");

    let private = |code: &str, limit| CouponSpec {
        is_public: false,
        ..percent_coupon(code, 1000, limit, None)
    };
    let mut inactive = private("SECRET-A", None);
    inactive.status = AdminStatus::Inactive;
    admin
        .create_coupon(inactive)
        .await
        .expect("inactive coupon");
    admin
        .create_coupon(private("SECRET-B", Some(1)))
        .await
        .expect("single-use coupon");
    admin
        .redeem(redeem_request("SECRET-B", "order-1", "alice", 5_000))
        .await
        .expect("its one use");
    let mut public = percent_coupon("PUBLIC-C", 1000, None, None);
    assert!(public.is_public);
    public.status = AdminStatus::Inactive;
    admin
        .create_coupon(public)
        .await
        .expect("public inactive coupon");

    let inactive = admin.validate("SECRET-A", asked()).await.expect("validate");
    let exhausted = admin.validate("SECRET-B", asked()).await.expect("validate");
    assert_eq!(encoded(inactive.clone()), encoded(unknown_inactive));
    assert_eq!(encoded(exhausted.clone()), encoded(unknown_exhausted));
    let exhausted_in_euros = admin
        .validate("SECRET-B", in_euros())
        .await
        .expect("validate");
    assert_eq!(encoded(exhausted_in_euros), encoded(unknown_in_euros));
    assert_eq!(inactive.reason, ErrorCode::NotFound.as_u16());
    assert_eq!(inactive.coupon_id, 0);

    // REDEEM answers alike: an unusable private code, an unknown one.
    let redeemed = admin
        .redeem(redeem_request("SECRET-B", "order-2", "bob", 5_000))
        .await
        .expect_err("exhausted");
    let unknown = admin
        .redeem(redeem_request("SECRET-Z", "order-2", "bob", 5_000))
        .await
        .expect_err("unknown");
    assert_eq!(redeemed.code(), Some(ErrorCode::NotFound));
    assert_eq!(redeemed.to_string(), unknown.to_string());

    // A public coupon says why.
    let public = admin.validate("PUBLIC-C", asked()).await.expect("validate");
    assert_eq!(public.reason, ErrorCode::Inactive.as_u16());
    assert_ne!(encoded(public), encoded(unknown_public));

    // A private coupon refused for the order, not for itself, says why too.
    let small = Order {
        currency: "EUR".into(),
        ..asked()
    };
    admin
        .create_coupon(private("SECRET-D", None))
        .await
        .expect("usable coupon");
    let mismatch = admin.validate("SECRET-D", small).await.expect("validate");
    assert_eq!(mismatch.reason, ErrorCode::CurrencyMismatch.as_u16());
}

/// protocol.md, Fraud score: `code_guessing` is the unknown codes the
/// order's shopper (address block, device) tried within their window: ten
/// make it (10 - 3) / (20 - 3) strong in VALIDATE and on the redemption;
/// another address of the same IPv6 /64 is the same shopper; another block
/// is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_codes_raise_the_shoppers_code_guessing_signal() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("REAL", 1000, None, None))
        .await
        .expect("a coupon");
    let from = |ip: &str| Order {
        ip_address: ip.into(),
        ..order("mallory", 5_000)
    };
    for i in 0..10 {
        client
            .validate(&format!("NOPE{i}"), from("2001:db8:7:7::1"))
            .await
            .expect("under the limit");
    }
    let guessing = |checks: &[couponsd_client::wire::SecurityCheck]| {
        checks
            .iter()
            .find(|c| c.name == "code_guessing")
            .map_or(0, |c| c.strength_ppm)
    };
    let v = client
        .validate("REAL", from("2001:db8:7:7:ffff::9"))
        .await
        .expect("validate");
    assert_eq!(guessing(&v.security_assessment.checks), 7 * 1_000_000 / 17);
    let mut r = redeem_request("REAL", "o1", "mallory", 5_000);
    r.order.ip_address = "2001:db8:7:7::2".into();
    let taken = client.redeem(r).await.expect("accepted");
    assert_eq!(
        guessing(&taken.redemption.security.checks),
        7 * 1_000_000 / 17
    );
    let v = client
        .validate("REAL", from("2001:db8:7:8::1"))
        .await
        .expect("validate");
    assert_eq!(guessing(&v.security_assessment.checks), 0, "another /64");
}
