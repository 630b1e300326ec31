//! The security settings a coupon enforces: its IP restrictions, a required
//! device fingerprint, disposable email domains refused where the coupon
//! blocks suspicious patterns, and velocity checks (redemptions per customer,
//! email, device and IP per hour, also from racing connections and after
//! kill -9). VALIDATE and REDEEM agree on each.

mod common;

use common::{code_of, percent_coupon, redeem_request, reserve_request, Server};
use couponsd_client::wire::{
    CouponSpec, ErrorCode, Identifier, IdentifierLimit, Order, RedeemRequest, RedemptionRef,
    RedemptionStatus, RiskLevel, SecuritySettings,
};
use couponsd_client::Client;

fn secured(code: &str, security: SecuritySettings) -> CouponSpec {
    CouponSpec {
        security,
        ..percent_coupon(code, 1000, None, None)
    }
}

fn request(code: &str, order_id: &str, ip: &str, device: &str, email: &str) -> RedeemRequest {
    let base = redeem_request(code, order_id, "dana", 10_000);
    RedeemRequest {
        order: Order {
            ip_address: ip.into(),
            device_fingerprint: device.into(),
            customer_email: email.into(),
            ..base.order
        },
        ..base
    }
}

/// A coupon's (fraud_attempts, blocked_redemptions, current_usage).
async fn fraud_counts(client: &Client, coupon_id: u64) -> (u64, u64, u64) {
    let got = client
        .get_coupon(couponsd_client::wire::CouponRef::Id(coupon_id))
        .await
        .expect("the coupon");
    (
        got.fraud_attempts,
        got.blocked_redemptions,
        got.current_usage,
    )
}

/// VALIDATE's reason and REDEEM's answer for one request: they must agree.
async fn both(client: &Client, r: RedeemRequest) -> Option<ErrorCode> {
    let v = client
        .validate(&r.code, r.order.clone())
        .await
        .expect("validate answers");
    let redeemed = client.redeem(r).await;
    match redeemed {
        Ok(_) => {
            assert!(v.valid, "VALIDATE said {} but REDEEM took it", v.reason);
            None
        }
        Err(e) => {
            let code = e.code().expect("a typed refusal");
            assert_eq!(v.reason, code.as_u16(), "VALIDATE and REDEEM disagree");
            Some(code)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_settings_refuse_with_their_own_reasons() {
    let server = Server::start().await;
    let client = server.client().await;
    let open = SecuritySettings {
        block_suspicious_patterns: false,
        ..SecuritySettings::default()
    };

    client
        .create_coupon(secured(
            "OFFICE",
            SecuritySettings {
                ip_restrictions: vec!["allow:10.0.0.0/8".into(), "deny:10.66.0.0/16".into()],
                ..open.clone()
            },
        ))
        .await
        .expect("a coupon with IP restrictions");
    assert_eq!(
        both(&client, request("OFFICE", "o1", "10.1.2.3", "", "")).await,
        None
    );
    assert_eq!(
        both(&client, request("OFFICE", "o2", "10.66.0.9", "", "")).await,
        Some(ErrorCode::IpNotAllowed),
        "in the deny range"
    );
    assert_eq!(
        both(&client, request("OFFICE", "o3", "192.0.2.1", "", "")).await,
        Some(ErrorCode::IpNotAllowed),
        "outside every allow range"
    );
    assert_eq!(
        both(&client, request("OFFICE", "o4", "", "", "")).await,
        Some(ErrorCode::IpNotAllowed),
        "no address"
    );

    client
        .create_coupon(secured(
            "DEVICE",
            SecuritySettings {
                device_fingerprinting: true,
                ..open.clone()
            },
        ))
        .await
        .expect("a coupon needing a fingerprint");
    assert_eq!(
        both(&client, request("DEVICE", "o5", "", "", "")).await,
        Some(ErrorCode::DeviceFingerprintRequired)
    );
    assert_eq!(
        both(&client, request("DEVICE", "o6", "", "fp-1", "")).await,
        None
    );

    // Suspicious patterns are blocked by default: a throwaway address.
    client
        .create_coupon(secured("WELCOME", SecuritySettings::default()))
        .await
        .expect("a coupon with the default settings");
    assert_eq!(
        both(
            &client,
            request("WELCOME", "o7", "", "", "dana@mailinator.com")
        )
        .await,
        Some(ErrorCode::DisposableEmail)
    );
    assert_eq!(
        both(
            &client,
            request("WELCOME", "o8", "", "", "dana@example.com")
        )
        .await,
        None
    );
    client
        .create_coupon(secured("LENIENT", open.clone()))
        .await
        .expect("a coupon that does not block patterns");
    assert_eq!(
        both(
            &client,
            request("LENIENT", "o9", "", "", "dana@mailinator.com")
        )
        .await,
        None
    );

    // Restrictions that are not ranges are refused when the coupon is made.
    let bad = secured(
        "BADIPS",
        SecuritySettings {
            ip_restrictions: vec!["deny:nonsense".into()],
            ..open
        },
    );
    assert_eq!(
        code_of(client.create_coupon(bad).await),
        ErrorCode::InvalidArgument
    );
}

/// Redeems `code` for `customer` with orders `first..first + n`, one after
/// another: how many were taken, and that every other one was VELOCITY_LIMIT.
async fn redeem_many(
    client: &Client,
    code: &str,
    customer: &str,
    orders: std::ops::Range<u32>,
) -> u32 {
    let mut taken = 0;
    for n in orders {
        let r = redeem_request(code, &format!("{customer}-{n}"), customer, 10_000);
        match both(client, r).await {
            None => taken += 1,
            Some(code) => assert_eq!(code, ErrorCode::VelocityLimit, "order {n}"),
        }
    }
    taken
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn velocity_checks_allow_max_redemptions_per_hour_per_customer() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let velocity = SecuritySettings {
        velocity_checks: true,
        max_redemptions_per_hour: 10,
        ..SecuritySettings::default()
    };
    for code in ["FAST", "RACE"] {
        client
            .create_coupon(secured(code, velocity.clone()))
            .await
            .expect("a coupon with velocity checks");
    }

    // One customer, 15 orders within a minute: exactly 10 go through.
    assert_eq!(redeem_many(&client, "FAST", "erin", 0..15).await, 10);
    // Another customer is not held back by erin's window.
    assert_eq!(redeem_many(&client, "FAST", "frank", 0..3).await, 3);

    // The same from 64 racing connections, one attempt each: still exactly 10.
    let mut tasks = Vec::new();
    for n in 0..64 {
        let client = server.client().await;
        tasks.push(tokio::spawn(async move {
            let r = redeem_request("RACE", &format!("race-{n}"), "gus", 10_000);
            client.redeem(r).await.map_err(|e| e.code())
        }));
    }
    let mut taken = 0;
    for task in tasks {
        match task.await.expect("the task ends") {
            Ok(_) => taken += 1,
            Err(code) => assert_eq!(code, Some(ErrorCode::VelocityLimit)),
        }
    }
    assert_eq!(taken, 10, "exactly the limit, whatever the interleaving");

    // Rebuilt after kill -9: erin's 11th is still refused, frank's 4th is not.
    server.restart().await;
    let client = server.client().await;
    assert_eq!(redeem_many(&client, "FAST", "erin", 15..16).await, 0);
    assert_eq!(redeem_many(&client, "FAST", "frank", 3..4).await, 1);
    assert_eq!(redeem_many(&client, "RACE", "gus", 64..65).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn released_holds_count_and_coupons_without_velocity_checks_have_no_limit() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(secured(
            "HOLDS",
            SecuritySettings {
                velocity_checks: true,
                max_redemptions_per_hour: 2,
                ..SecuritySettings::default()
            },
        ))
        .await
        .expect("a coupon with velocity checks");
    client
        .reserve(reserve_request("HOLDS", "h1", "hana", 10_000, 60_000))
        .await
        .expect("a hold");
    client
        .release(RedemptionRef::Order {
            code: "HOLDS".into(),
            order_id: "h1".into(),
        })
        .await
        .expect("released");
    client
        .reserve(reserve_request("HOLDS", "h2", "hana", 10_000, 60_000))
        .await
        .expect("a second hold");
    // Two attempts accepted within the hour, one given back: the window is full.
    assert_eq!(
        code_of(
            client
                .reserve(reserve_request("HOLDS", "h3", "hana", 10_000, 60_000))
                .await
        ),
        ErrorCode::VelocityLimit
    );
    assert_eq!(redeem_many(&client, "HOLDS", "hana", 3..4).await, 0);

    client
        .create_coupon(secured(
            "OPEN",
            SecuritySettings {
                velocity_checks: false,
                max_redemptions_per_hour: 2,
                ..SecuritySettings::default()
            },
        ))
        .await
        .expect("a coupon without velocity checks");
    assert_eq!(redeem_many(&client, "OPEN", "hana", 0..5).await, 5);
}

/// An order of `customer` (empty: a guest) from one email, device and IP.
fn from(customer: &str, email: &str, device: &str, ip: &str) -> Order {
    Order {
        customer_email: email.into(),
        device_fingerprint: device.into(),
        ip_address: ip.into(),
        ..common::order(customer, 10_000)
    }
}

/// VALIDATE then REDEEM of one order (they must agree): None if it was taken,
/// else the refusal's code and VALIDATE's message.
async fn attempt(
    client: &Client,
    code: &str,
    order_id: &str,
    order: Order,
) -> Option<(ErrorCode, String)> {
    let v = client
        .validate(code, order.clone())
        .await
        .expect("validate answers");
    let r = RedeemRequest {
        code: code.into(),
        order_id: order_id.into(),
        transaction_id: String::new(),
        order,
    };
    match client.redeem(r).await {
        Ok(_) => {
            assert!(v.valid, "VALIDATE said {} but REDEEM took it", v.reason);
            None
        }
        Err(e) => {
            let code = e.code().expect("a typed refusal");
            assert_eq!(v.reason, code.as_u16(), "VALIDATE and REDEEM disagree");
            Some((code, v.message))
        }
    }
}

/// At 3 an hour: the first three orders are taken, the fourth is refused
/// with VELOCITY_LIMIT naming `field`, and `other` (another identity of
/// that kind) is taken.
async fn three_then_refused(
    client: &Client,
    code: &str,
    field: &str,
    orders: [Order; 4],
    other: Order,
) {
    for (n, order) in orders.into_iter().enumerate() {
        let got = attempt(client, code, &format!("{code}-{n}"), order).await;
        if n < 3 {
            assert_eq!(got, None, "{code}: attempt {n} is within the limit");
        } else {
            let (refused, message) = got.expect("the fourth is refused");
            assert_eq!(refused, ErrorCode::VelocityLimit);
            assert!(message.contains(field), "{message:?} names {field}");
        }
    }
    let got = attempt(client, code, &format!("{code}-other"), other).await;
    assert_eq!(got, None, "{code}: another {field}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn velocity_counts_each_email_device_and_ip_across_customers() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let three_an_hour = SecuritySettings {
        velocity_checks: true,
        max_redemptions_per_hour: 3,
        ..SecuritySettings::default()
    };
    for code in ["DEVICE3", "ALIAS3", "IP3"] {
        client
            .create_coupon(secured(code, three_an_hour.clone()))
            .await
            .expect("a coupon with velocity checks");
    }
    // Four customers on one device: the device's fourth is refused.
    three_then_refused(
        &client,
        "DEVICE3",
        "device_fingerprint",
        ["dev-c1", "dev-c2", "dev-c3", "dev-c4"].map(|c| from(c, "", "fp-shared", "")),
        from("dev-c4", "", "fp-other", ""),
    )
    .await;
    // Gmail aliases of one mailbox, from different customers and a guest,
    // are one person.
    three_then_refused(
        &client,
        "ALIAS3",
        "customer_email",
        [
            ("al-1", "j.doe+a@gmail.com"),
            ("", "jdoe@googlemail.com"),
            ("al-3", "J.Doe+b@GMAIL.com"),
            ("al-4", "jdoe+c@gmail.com"),
        ]
        .map(|(c, email)| from(c, email, "", "")),
        from("al-4", "jane.doe@gmail.com", "", ""),
    )
    .await;
    // One IP address, however it is written, behind four customers.
    three_then_refused(
        &client,
        "IP3",
        "ip_address",
        [
            ("ip-c1", "2001:db8::7"),
            ("ip-c2", "2001:db8:0:0::7"),
            ("ip-c3", "2001:DB8::7"),
            ("ip-c4", "2001:db8::0:7"),
        ]
        .map(|(c, ip)| from(c, "", "", ip)),
        from("ip-c4", "", "", "2001:db8::8"),
    )
    .await;

    // Kept after kill -9, like the customer's window.
    server.restart().await;
    let refused_for = |field: &str, got: Option<(ErrorCode, String)>| {
        let (code, message) = got.expect("refused");
        assert_eq!(code, ErrorCode::VelocityLimit);
        assert!(message.contains(field), "{message:?} names {field}");
    };
    let client = server.client().await;
    let again = from("dev-c9", "", "fp-shared", "");
    refused_for(
        "device_fingerprint",
        attempt(&client, "DEVICE3", "d9", again).await,
    );
    let again = from("al-9", "jdoe@gmail.com", "", "");
    refused_for(
        "customer_email",
        attempt(&client, "ALIAS3", "a9", again).await,
    );
    let again = from("ip-c9", "", "", "2001:db8::7");
    refused_for("ip_address", attempt(&client, "IP3", "i9", again).await);
}

/// A blocked attempt is kept: a REJECTED redemption with the order's
/// identifiers, counted on its coupon (fraud_attempts, blocked_redemptions),
/// once per order however often it is retried; the same order id may try
/// again and be accepted; it took nothing.
/// Email verification is enforced where the coupon requires it. Both
/// survive kill -9.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_attempts_are_kept_as_rejected_redemptions() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(CouponSpec {
            usage_limit: Some(1),
            ..secured(
                "VERIFIED",
                SecuritySettings {
                    ip_restrictions: vec!["deny:203.0.113.0/24".into()],
                    require_email_verification: true,
                    ..SecuritySettings::default()
                },
            )
        })
        .await
        .expect("a coupon needing a verified email and a clean address");

    let unverified = request(
        "VERIFIED",
        "o1",
        "198.51.100.7",
        "dev-1",
        "dana@example.com",
    );
    assert_eq!(
        both(&client, unverified.clone()).await,
        Some(ErrorCode::EmailNotVerified)
    );
    // The client retries the same order: refused again, not kept twice.
    assert_eq!(
        code_of(client.redeem(unverified.clone()).await),
        ErrorCode::EmailNotVerified
    );
    let mut denied = unverified.clone();
    denied.order_id = "o2".into();
    denied.order.email_verified = true;
    denied.order.ip_address = "203.0.113.9".into();
    denied.order.payment_fingerprint = "card-42".into();
    assert_eq!(
        both(&client, denied.clone()).await,
        Some(ErrorCode::IpNotAllowed)
    );

    for round in ["before", "after kill -9"] {
        let client = server.client().await;
        assert_eq!(
            fraud_counts(&client, coupon.id).await,
            (2, 2, 0),
            "{round}: two blocked attempts, no use taken"
        );
        let (listed, _) = client
            .list_redemptions(coupon.id, 0, 100)
            .await
            .expect("the coupon's redemptions");
        let statuses: Vec<_> = listed.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![RedemptionStatus::Rejected, RedemptionStatus::Rejected],
            "{round}"
        );
        let kept = &listed[1];
        assert_eq!(kept.identifiers.ip_address, "203.0.113.9");
        assert_eq!(kept.identifiers.payment_fingerprint, "card-42");
        assert_eq!((kept.discount_amount, kept.final_amount), (0, 10_000));
        assert_eq!(
            code_of(client.confirm(RedemptionRef::Id(kept.id)).await),
            ErrorCode::InvalidState,
            "a rejected attempt has nothing to confirm"
        );
        if round == "before" {
            server.kill9();
            server.restart().await;
        }
    }
    let client = server.client().await;
    // The order was never used: the same order id, verified and from an
    // allowed address, takes the coupon's one use.
    let mut clean = denied;
    clean.order.ip_address = "198.51.100.7".into();
    let taken = client.redeem(clean).await.expect("the order tried again");
    assert_eq!(taken.redemption.status, RedemptionStatus::Processed);
    assert_eq!(taken.remaining_uses, Some(0));
}

/// protocol.md, IdentifierLimit: one card, one active use, whoever the
/// customer; a use given back frees the card. VALIDATE agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_card_holds_at_most_its_limit_of_uses() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(CouponSpec {
            identifier_limits: vec![IdentifierLimit {
                identifier: Identifier::Payment,
                max_uses: Some(1),
                max_discount_amount: None,
            }],
            ..secured("ONECARD", SecuritySettings::default())
        })
        .await
        .expect("a coupon limited per card");
    let with_card = |order_id: &str, customer: &str, card: &str| {
        let mut r = redeem_request("ONECARD", order_id, customer, 10_000);
        r.order.payment_fingerprint = card.into();
        r
    };
    assert_eq!(both(&client, with_card("o1", "ann", "card-1")).await, None);
    assert_eq!(
        both(&client, with_card("o2", "bob", "card-1")).await,
        Some(ErrorCode::IdentifierLimit),
        "another customer, the same card"
    );
    assert_eq!(both(&client, with_card("o3", "bob", "card-2")).await, None);
    client
        .reverse(
            RedemptionRef::Order {
                code: "ONECARD".into(),
                order_id: "o1".into(),
            },
            "refund",
        )
        .await
        .expect("o1 reversed");
    assert_eq!(
        both(&client, with_card("o4", "bob", "card-1")).await,
        None,
        "the card's use was given back"
    );
    let mut bad = secured("TWICE", SecuritySettings::default());
    bad.identifier_limits = vec![
        IdentifierLimit {
            identifier: Identifier::Ip,
            max_uses: Some(1),
            max_discount_amount: None,
        };
        2
    ];
    assert_eq!(
        code_of(client.create_coupon(bad).await),
        ErrorCode::InvalidArgument
    );
}

/// protocol.md, Fraud score: every VALIDATE reports the score and every
/// check; the payment provider's score moves it; at `review_score` an
/// accepted redemption is flagged and counted, at `block_score` refused
/// with FRAUD_SUSPECTED and kept as REJECTED with the checks that fired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fraud_score_flags_and_blocks() {
    use couponsd::rules::fraud::score::{Model, Signal, Signals, PPM, SIGNALS};
    let server = Server::start().await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(CouponSpec {
            review_score: Some(600_000),
            block_score: Some(850_000),
            ..secured("SCORED", SecuritySettings::default())
        })
        .await
        .expect("a coupon with the usual review and block scores");
    let expected = |set: &[(Signal, i64)]| {
        let mut signals = Signals::default();
        for (signal, strength) in set {
            signals.set(*signal, *strength);
        }
        Model::default().assess(&signals).score_ppm as u32
    };

    // No fingerprint, nothing else: LOW, accepted, not flagged.
    let plain = redeem_request("SCORED", "o1", "ann", 10_000);
    let v = client
        .validate("SCORED", plain.order.clone())
        .await
        .expect("validate");
    let a = &v.security_assessment;
    assert_eq!(a.checks.len(), SIGNALS.len(), "every check is listed");
    assert_eq!(a.fraud_score_ppm, expected(&[(Signal::NoFingerprint, PPM)]));
    assert_eq!(a.risk_level, Some(RiskLevel::Low));
    assert!(!a.flagged);
    let taken = client.redeem(plain).await.expect("a plain order");
    assert_eq!(taken.redemption.security.risk_level, Some(RiskLevel::Low));
    assert_eq!(
        taken
            .redemption
            .security
            .checks
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["no_device_fingerprint"],
        "a record keeps the checks that fired"
    );

    // The provider's score at full: logit 1.5, HIGH: flagged, accepted.
    let mut risky = redeem_request("SCORED", "o2", "bob", 10_000);
    risky.order.provider_risk_score = Some(1_000_000);
    let flagged = client
        .redeem(risky.clone())
        .await
        .expect("flagged, accepted");
    let score = expected(&[(Signal::NoFingerprint, PPM), (Signal::ProviderRisk, PPM)]);
    assert_eq!(flagged.redemption.security.fraud_score_ppm, score);
    assert_eq!(
        flagged.redemption.security.risk_level,
        Some(RiskLevel::High)
    );
    assert!(flagged.redemption.security.flagged);

    // And an unverified email on top: logit 2.0, CRITICAL: refused.
    risky.order_id = "o3".into();
    risky.order.customer_email = "carol@example.com".into();
    assert_eq!(both(&client, risky).await, Some(ErrorCode::FraudSuspected));
    assert_eq!(
        fraud_counts(&client, coupon.id).await,
        (2, 1, 2),
        "one flagged and one blocked attempt; two uses"
    );
    let (listed, _) = client
        .list_redemptions(coupon.id, 0, 10)
        .await
        .expect("redemptions");
    let rejected = listed.last().expect("the blocked attempt");
    assert_eq!(rejected.status, RedemptionStatus::Rejected);
    assert_eq!(rejected.security.risk_level, Some(RiskLevel::Critical));
    assert_eq!(rejected.security.checks.len(), 3);
}

/// issue 11's "gmail aliases of one person share one per-customer use": a
/// second account, or a guest, with an alias of the same mailbox is the same
/// person; another mailbox is not; a guest without an email counts by
/// device; the use given back frees the person again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_of_one_mailbox_share_one_per_customer_use() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(CouponSpec {
            usage_limit_per_customer: Some(1),
            ..secured("ONEEACH", SecuritySettings::default())
        })
        .await
        .expect("one use per person");
    let order = |order_id: &str, customer: &str, email: &str, device: &str| {
        request("ONEEACH", order_id, "", device, email).with_customer(customer)
    };
    assert_eq!(
        both(&client, order("o1", "acct-1", "jane.doe@gmail.com", "")).await,
        None
    );
    for (order_id, customer, email) in [
        ("o2", "acct-2", "janedoe+deal@gmail.com"),
        ("o3", "", "Jane.Doe@googlemail.com"),
    ] {
        assert_eq!(
            both(&client, order(order_id, customer, email, "")).await,
            Some(ErrorCode::CustomerLimit),
            "{email} is jane's mailbox"
        );
    }
    assert_eq!(
        both(&client, order("o4", "acct-2", "john@gmail.com", "")).await,
        None,
        "another mailbox"
    );
    assert_eq!(both(&client, order("o5", "", "", "dev-9")).await, None);
    assert_eq!(
        both(&client, order("o6", "", "", "dev-9")).await,
        Some(ErrorCode::CustomerLimit),
        "a guest without an email is counted by device"
    );
    assert_eq!(
        code_of(client.redeem(order("o7", "", "", "")).await),
        ErrorCode::InvalidArgument,
        "nothing to count a person by"
    );
    client
        .reverse(
            RedemptionRef::Order {
                code: "ONEEACH".into(),
                order_id: "o1".into(),
            },
            "cancelled",
        )
        .await
        .expect("o1 reversed");
    assert_eq!(
        both(&client, order("o8", "acct-3", "j.a.n.e.doe@gmail.com", "")).await,
        None,
        "jane's use was given back"
    );
}

trait WithCustomer {
    fn with_customer(self, customer: &str) -> Self;
}

impl WithCustomer for RedeemRequest {
    fn with_customer(mut self, customer: &str) -> Self {
        self.order.customer_id = customer.into();
        self
    }
}

/// protocol.md, Fraud score: the detectors remember what accepted
/// redemptions showed. Four customers on one device make a fifth's
/// `shared_device` three quarters strong; thirty redemptions of a new code
/// within the hour make its `leaked_code` half strong (5 times its floor of
/// 4 an hour is free, 10 times is full). VALIDATE reports both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detectors_remember_shared_devices_and_leaked_codes() {
    let server = Server::start().await;
    let client = server.client().await;
    let open = SecuritySettings {
        velocity_checks: false,
        ..SecuritySettings::default()
    };
    client
        .create_coupon(secured("SHARED", open.clone()))
        .await
        .expect("a coupon");
    for i in 0..4 {
        let r = request("SHARED", &format!("d{i}"), "", "one-device", "")
            .with_customer(&format!("c{i}"));
        client.redeem(r).await.expect("accepted");
    }
    let fifth = request("SHARED", "d5", "", "one-device", "").with_customer("c5");
    let v = client
        .validate("SHARED", fifth.order)
        .await
        .expect("validate");
    let check = |name: &str| {
        v.security_assessment
            .checks
            .iter()
            .find(|c| c.name == name)
            .cloned()
            .expect("every check is listed")
    };
    let shared = check("shared_device");
    assert!(!shared.passed);
    assert_eq!(
        shared.strength_ppm, 750_000,
        "five customers: (5 - 2) / (6 - 2)"
    );
    assert!(check("leaked_code").passed, "4 redemptions are no leak");

    client
        .create_coupon(secured("LEAKED", open))
        .await
        .expect("a coupon");
    for i in 0..30 {
        let r = request("LEAKED", &format!("l{i}"), "", &format!("dev-{i}"), "")
            .with_customer(&format!("buyer-{i}"));
        client.redeem(r).await.expect("accepted");
    }
    let next = request("LEAKED", "l30", "", "dev-30", "").with_customer("buyer-30");
    let v = client
        .validate("LEAKED", next.order)
        .await
        .expect("validate");
    let leaked = v
        .security_assessment
        .checks
        .iter()
        .find(|c| c.name == "leaked_code")
        .cloned()
        .expect("listed");
    assert_eq!(
        leaked.strength_ppm, 500_000,
        "30 an hour against a floor of 4"
    );
}

/// The disposable-domain list is shipped and can be added to:
/// `serve --disposable-domains FILE` refuses an address under a listed
/// domain where the coupon blocks suspicious patterns; a server without the
/// file does not know the domain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disposable_domains_can_be_added_at_start() {
    let files = common::Secrets::new();
    let list = files.write("disposable.txt", "# ours\nthrowaway.example\n");
    let with_list = Server::start_with(&["--disposable-domains", &list]).await;
    let without = Server::start().await;
    for (server, expected) in [
        (&with_list, Some(ErrorCode::DisposableEmail)),
        (&without, None),
    ] {
        let client = server.client().await;
        client
            .create_coupon(secured("NOBURNER", SecuritySettings::default()))
            .await
            .expect("a coupon blocking suspicious patterns");
        let r = request("NOBURNER", "o1", "", "", "x@mail.THROWAWAY.example");
        assert_eq!(both(&client, r).await, expected);
    }
    let data = tempfile::tempdir().expect("a data dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .args(["--disposable-domains", "/nonexistent/list.txt"])
        .output()
        .expect("running couponsd");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a list that cannot be read stops the start"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--disposable-domains"));
}

/// protocol.md, IdentifierLimit `max_discount_amount`: one mailbox (any of
/// its spellings) takes at most 50.00 USD of a 10 % coupon's discount while
/// its uses are active; a reversal gives its discount back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_takes_at_most_its_discount_limit() {
    let server = Server::start().await;
    let client = server.client().await;
    let mut spec = secured("FIFTY", SecuritySettings::default());
    spec.currency = "USD".into();
    spec.identifier_limits = vec![IdentifierLimit {
        identifier: Identifier::Email,
        max_uses: None,
        max_discount_amount: Some(5_000),
    }];
    client.create_coupon(spec.clone()).await.expect("a coupon");
    let order = |order_id: &str, customer: &str, email: &str, amount: i64| {
        let mut r = redeem_request("FIFTY", order_id, customer, amount);
        r.order.customer_email = email.into();
        r
    };
    // (order, account, email, amount, expected, why)
    let rows = [
        ("o1", "a1", "ann@gmail.com", 30_000, None, "30.00 of 50.00"),
        (
            "o2",
            "a2",
            "ann@gmail.com",
            30_000,
            Some(ErrorCode::IdentifierLimit),
            "60.00 > 50.00",
        ),
        (
            "o3",
            "a2",
            "a.n.n+x@gmail.com",
            20_000,
            None,
            "an alias: 50.00 of 50.00",
        ),
        (
            "o4",
            "a3",
            "ann@googlemail.com",
            100,
            Some(ErrorCode::IdentifierLimit),
            "even 0.10 more",
        ),
        ("o5", "b1", "bob@gmail.com", 30_000, None, "another mailbox"),
    ];
    for (order_id, account, email, amount, expected, why) in rows {
        assert_eq!(
            both(&client, order(order_id, account, email, amount)).await,
            expected,
            "{why}"
        );
    }
    client
        .reverse(
            RedemptionRef::Order {
                code: "FIFTY".into(),
                order_id: "o1".into(),
            },
            "returned",
        )
        .await
        .expect("o1 reversed");
    assert_eq!(
        both(&client, order("o6", "a1", "ann@gmail.com", 30_000)).await,
        None,
        "o1's 30.00 was given back"
    );
    spec.code = "NOCUR".into();
    spec.currency.clear();
    assert_eq!(
        code_of(client.create_coupon(spec).await),
        ErrorCode::InvalidArgument,
        "a discount limit needs the coupon's currency"
    );
}

/// Out-of-range fraud fields are INVALID_ARGUMENT naming the field, and the
/// connection stays open: a provider score above 1, a customer id with a
/// NUL, a review score above 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_fraud_fields_are_refused_by_name() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(secured("PLAIN", SecuritySettings::default()))
        .await
        .expect("a coupon");
    let mut risky = redeem_request("PLAIN", "o1", "c1", 10_000);
    risky.order.provider_risk_score = Some(1_000_001);
    let mut nul = redeem_request("PLAIN", "o2", "c\0x", 10_000);
    nul.order.provider_risk_score = None;
    for (r, field) in [(risky, "provider_risk_score"), (nul, "customer_id")] {
        let e = client.redeem(r.clone()).await.expect_err("refused");
        assert_eq!(e.code(), Some(ErrorCode::InvalidArgument));
        assert!(e.to_string().contains(field), "{e}");
        let e = client
            .validate("PLAIN", r.order)
            .await
            .expect_err("refused");
        assert!(e.to_string().contains(field), "{e}");
    }
    let mut spec = secured("SCORE", SecuritySettings::default());
    spec.review_score = Some(1_000_001);
    let e = client.create_coupon(spec).await.expect_err("refused");
    assert!(e.to_string().contains("review_score"), "{e}");
    client.ping().await.expect("the connection is still open");
}
