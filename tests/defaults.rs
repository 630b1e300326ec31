//! What protocol.md says a client gets by sending 0, "", an empty list or an
//! absent value, checked against the real binary over the wire: the fields a
//! coupon or campaign does not use (written out here value by value, as the
//! tables list them, not taken from the Rust crate's `Default`), a hold's
//! default TTL, page sizes, and `expected_revision` 0.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use couponsd_client::wire::{
    AdminStatus, CampaignSpec, CampaignType, CodeCheck, CouponRef, CouponSpec, CouponStatus,
    CouponType, DiscountType, DistributionMethod, DistributionStrategy, ErrorCode, GenerationRules,
    LineItem, Order, PeriodLimits, RedeemRequest, RefundBelowMinimum, ReserveRequest,
    ReversalPolicy, SecuritySettings, StackSettings, TargetAudience, COMBINES_WITH_ALL,
};
use couponsd_client::{Client, ClientError};

/// protocol.md, "Fields a coupon does not use": a code and a discount, and
/// every other field as the table says.
fn smallest_coupon(code: &str) -> CouponSpec {
    CouponSpec {
        code: code.into(),
        name: String::new(),
        description: String::new(),
        coupon_type: CouponType::MultiUse,
        discount_type: DiscountType::Percentage,
        discount_value: 1000,
        currency: String::new(),
        max_discount_amount: None,
        min_order_amount: None,
        starts_at: None,
        ends_at: None,
        time_zone: String::new(),
        usage_limit: None,
        usage_limit_per_customer: None,
        status: AdminStatus::Active,
        campaign_id: None,
        distribution_method: DistributionMethod::Manual,
        is_public: false,
        applicable_products: Vec::new(),
        excluded_products: Vec::new(),
        customer_segments: Vec::new(),
        channel_restrictions: Vec::new(),
        allowed_email_domains: Vec::new(),
        security: usual_security(),
        apply_per_line: false,
        buy_quantity: 0,
        get_quantity: 0,
        active_days: 0,
        active_start_minute: 0,
        active_end_minute: 0,
        identifier_limits: Vec::new(),
        review_score: None,
        block_score: None,
        stacking: StackSettings {
            class: None,
            combines_with: COMBINES_WITH_ALL,
            exclusive: false,
            priority: 0,
        },
        auto_apply: false,
        assigned_customer_id: String::new(),
        period_limits: PeriodLimits {
            customer_per_day: None,
            customer_per_week: None,
            customer_per_month: None,
            per_day: None,
        },
        reversal: ReversalPolicy {
            returns_use: true,
            below_minimum: RefundBelowMinimum::Prorate,
        },
        referrer_customer_id: String::new(),
    }
}

/// protocol.md, SecuritySettings: the usual values.
fn usual_security() -> SecuritySettings {
    SecuritySettings {
        ip_restrictions: Vec::new(),
        device_fingerprinting: false,
        velocity_checks: true,
        max_redemptions_per_hour: 10,
        require_email_verification: false,
        block_suspicious_patterns: true,
    }
}

/// protocol.md, GenerationRules: the default rules.
fn default_rules() -> GenerationRules {
    GenerationRules {
        code_length: 8,
        prefix: String::new(),
        suffix: String::new(),
        include_letters: true,
        include_digits: true,
        include_special: false,
        exclude_ambiguous: true,
        check: CodeCheck::None,
        mac_length: 0,
    }
}

/// protocol.md, "Fields a campaign does not use": a name, a template (its
/// code "" and campaign absent) and rules, and every other field as the
/// table says.
fn smallest_campaign(name: &str) -> CampaignSpec {
    CampaignSpec {
        name: name.into(),
        description: String::new(),
        campaign_type: CampaignType::Bulk,
        template: smallest_coupon(""),
        validity_days: 0,
        rules: default_rules(),
        distribution: DistributionStrategy {
            method: DistributionMethod::Manual,
            batch_size: 1000,
            distribution_rate: 100,
            auto_distribute: false,
        },
        audience: TargetAudience {
            segments: Vec::new(),
            customer_ids: Vec::new(),
            include_new_customers: false,
            exclude_recent_users: false,
        },
        budget_limit: None,
        coupon_limit: None,
        starts_at: None,
        ends_at: None,
        reward_campaign_id: None,
    }
}

fn guest_order(amount: i64, currency: &str) -> Order {
    Order {
        customer_id: String::new(),
        amount,
        currency: currency.into(),
        ..Order::default()
    }
}

fn invalid_field<T: std::fmt::Debug>(result: Result<T, ClientError>) -> String {
    let e = result.expect_err("refused");
    assert_eq!(e.code(), Some(ErrorCode::InvalidArgument), "{e}");
    e.to_string()
}

/// Runs `make(i)` for every i in 0..n, 64 at a time.
async fn many<T, F>(n: usize, make: impl Fn(usize) -> F) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut out = Vec::with_capacity(n);
    let mut next = 0;
    while next < n {
        let batch: Vec<_> = (next..n.min(next + 64))
            .map(|i| tokio::spawn(make(i)))
            .collect();
        next += batch.len();
        for task in batch {
            out.push(task.await.expect("task"));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_fields_mean_no_rule() {
    let server = Server::start().await;
    let client = server.client().await;

    // The smallest coupon is created as sent, and no rule limits it.
    let spec = smallest_coupon("PLAIN");
    let coupon = client.create_coupon(spec.clone()).await.expect("created");
    assert_eq!(coupon.spec, spec, "stored as sent");
    assert_eq!(coupon.status, CouponStatus::Active);
    let anything = Order {
        channel: "kiosk".into(),
        customer_email: "ann@mail.example.org".into(),
        customer_segments: vec!["new".into()],
        items: vec![LineItem {
            sku: "ANY".into(),
            unit_price: 700,
            quantity: 2,
            ..LineItem::default()
        }],
        ..guest_order(1_500, "jpy")
    };
    for order in [guest_order(10_000, "USD"), guest_order(3, "KWD"), anything] {
        let v = client.validate("plain", order.clone()).await.unwrap();
        assert!(v.valid, "{order:?}: {v:?}");
        assert_eq!(v.remaining_uses, None, "no usage limit");
        assert_eq!(v.expires_at, None, "no end");
    }
    // Without lines the whole amount counts; with lines, every line.
    let v = client
        .validate("PLAIN", guest_order(10_000, "EUR"))
        .await
        .unwrap();
    assert_eq!((v.applicable_amount, v.discount_amount), (10_000, 1_000));
    let with_lines = Order {
        items: vec![LineItem {
            unit_price: 700,
            quantity: 2,
            ..LineItem::default()
        }],
        ..guest_order(1_500, "EUR")
    };
    let v = client.validate("PLAIN", with_lines).await.unwrap();
    assert_eq!((v.applicable_amount, v.discount_amount), (1_400, 140));
    // Guests redeem it, again and again.
    for i in 0..3 {
        let r = client
            .redeem(RedeemRequest {
                code: "PLAIN".into(),
                order_id: format!("guest-{i}"),
                transaction_id: String::new(),
                order: guest_order(2_000, "USD"),
            })
            .await
            .expect("a guest redeems");
        assert_eq!(r.remaining_uses, None);
    }

    // The Rust crate's CouponSpec::default() is not a coupon: it has no code
    // and a PERCENTAGE of 0, as protocol.md says.
    let no_code = invalid_field(client.create_coupon(CouponSpec::default()).await);
    assert!(no_code.contains("code"), "{no_code}");
    let no_discount = invalid_field(
        client
            .create_coupon(CouponSpec {
                code: "ZERO".into(),
                ..CouponSpec::default()
            })
            .await,
    );
    assert!(no_discount.contains("discount_value"), "{no_discount}");

    // A SINGLE_USE coupon's absent usage_limit is stored as 1.
    let single = client
        .create_coupon(CouponSpec {
            coupon_type: CouponType::SingleUse,
            ..smallest_coupon("ONCE")
        })
        .await
        .unwrap();
    assert_eq!(single.spec.usage_limit, Some(1));

    // RESERVE with ttl_ms 0: the server's default, 15 minutes.
    let hold = client
        .reserve(ReserveRequest {
            code: "PLAIN".into(),
            order_id: "held".into(),
            ttl_ms: 0,
            order: guest_order(2_000, "USD"),
        })
        .await
        .unwrap()
        .redemption;
    assert_eq!(hold.hold_expires_at, Some(hold.created_at + 15 * 60 * 1000));

    // The smallest campaign is created as sent; its code's window is the
    // template's (validity_days 0), and rules of code_length 0 are refused.
    let spec = smallest_campaign("plain");
    let campaign = client.create_campaign(spec.clone()).await.unwrap();
    assert_eq!(campaign.spec, spec, "stored as sent");
    let no_rules = CampaignSpec {
        rules: GenerationRules {
            code_length: 0,
            ..default_rules()
        },
        ..smallest_campaign("no rules")
    };
    let refused = invalid_field(client.create_campaign(no_rules).await);
    assert!(refused.contains("code_length"), "{refused}");
    let campaign = client.generate_codes(campaign.id, 1, 0).await.unwrap();
    client
        .set_campaign_status(campaign.id, couponsd_client::wire::CampaignStatus::Active)
        .await
        .unwrap();
    let code = wait_for_codes(&client, campaign.id, 1).await.remove(0);
    let generated = client
        .get_coupon(CouponRef::Code(code.clone()))
        .await
        .unwrap();
    assert_eq!(
        generated.spec.ends_at, None,
        "validity_days 0: no end of its own"
    );
    assert!(
        client
            .validate(&code, guest_order(500, "CHF"))
            .await
            .unwrap()
            .valid
    );

    // expected_revision 0 updates and generates whatever the revision is.
    let campaign = client.get_campaign(campaign.id).await.unwrap();
    assert!(campaign.revision > 1);
    let updated = client
        .update_campaign(
            campaign.id,
            0,
            CampaignSpec {
                description: "any revision".into(),
                ..spec.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.revision, campaign.revision + 1);
    let more = client.generate_codes(campaign.id, 1, 0).await.unwrap();
    assert_eq!(more.generation_target, 2);
}

async fn wait_for_codes(client: &Client, campaign_id: u64, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (codes, _) = client.list_campaign_codes(campaign_id, 0, 0).await.unwrap();
        if codes.len() >= count {
            return codes.into_iter().map(|c| c.code).collect();
        }
        assert!(Instant::now() < deadline, "codes never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// protocol.md, Pagination: `limit` 0 means 100 and above 1000 is 1000
/// (COUPON_LIST, REDEMPTION_LIST, CAMPAIGN_LIST); CAMPAIGN_CODES: 0 means
/// 1000 and above 10 000 is 10 000; `next_after` is 0 at the end, and after
/// a page that took exactly what was left it is not, and the next page is
/// empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_sizes() {
    let server = Server::start().await;
    let client = server.client().await;
    let spec = smallest_coupon("PAGE");
    let coupon = client.create_coupon(spec.clone()).await.unwrap();
    many(1_000, |i| {
        let client = client.clone();
        let spec = CouponSpec {
            code: format!("PAGE{i}"),
            ..spec.clone()
        };
        async move { client.create_coupon(spec).await.expect("coupon") }
    })
    .await;
    many(1_001, |i| {
        let client = client.clone();
        async move {
            client
                .redeem(RedeemRequest {
                    code: "PAGE".into(),
                    order_id: format!("order-{i}"),
                    transaction_id: String::new(),
                    order: guest_order(1_000, "USD"),
                })
                .await
                .expect("redeem")
        }
    })
    .await;
    let campaign_spec = smallest_campaign("page");
    many(1_001, |_| {
        let client = client.clone();
        let spec = campaign_spec.clone();
        async move { client.create_campaign(spec).await.expect("campaign") }
    })
    .await;

    // 1001 of each: the page sizes, and the last page.
    for limit in [0, 100, 1_000, 1_001, u16::MAX] {
        let wanted = match limit {
            0 => 100,
            l => usize::from(l).min(1_000),
        };
        let (coupons, next) = client.list_coupons(0, limit).await.unwrap();
        assert_eq!((coupons.len(), next), (wanted, coupons[wanted - 1].id));
        let (redemptions, next) = client.list_redemptions(coupon.id, 0, limit).await.unwrap();
        assert_eq!(
            (redemptions.len(), next),
            (wanted, redemptions[wanted - 1].id)
        );
        let (campaigns, next) = client.list_campaigns(0, limit).await.unwrap();
        assert_eq!((campaigns.len(), next), (wanted, campaigns[wanted - 1].id));
    }
    let (coupons, _) = client.list_coupons(0, 1_000).await.unwrap();
    let last = coupons[999].id;
    let (rest, next) = client.list_coupons(last, 1).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_ne!(next, 0, "a full page: more may follow");
    assert_eq!(
        client.list_coupons(next, 1).await.unwrap(),
        (Vec::new(), 0),
        "then an empty page ends it"
    );
    let (rest, next) = client.list_coupons(last, 0).await.unwrap();
    assert_eq!(
        (rest.len(), next),
        (1, 0),
        "a page that is not full ends it"
    );

    // CAMPAIGN_CODES: 10 001 codes.
    let campaign = client.create_campaign(campaign_spec).await.unwrap();
    client.generate_codes(campaign.id, 10_001, 0).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while client
        .get_campaign(campaign.id)
        .await
        .unwrap()
        .coupons_generated
        < 10_001
    {
        assert!(Instant::now() < deadline, "generation stalled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (limit, wanted) in [
        (0, 1_000),
        (10_000, 10_000),
        (10_001, 10_000),
        (u16::MAX, 10_000),
    ] {
        let (codes, next) = client
            .list_campaign_codes(campaign.id, 0, limit)
            .await
            .unwrap();
        assert_eq!(
            (codes.len(), next),
            (wanted, codes[wanted - 1].coupon_id),
            "CAMPAIGN_CODES limit {limit}"
        );
    }
}
