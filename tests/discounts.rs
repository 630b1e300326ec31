//! The discount rules end to end: coupons of every discount type and targeting
//! rule created over TCP with the real client, orders with line items
//! validated and redeemed, amounts and refusal codes checked, and the new
//! coupon fields kept across a restart.

mod common;

use common::Server;
use couponsd_client::wire::{
    CouponRef, CouponSpec, CriteriaOperator, CriteriaType, DiscountType, ErrorCode, LineItem,
    Order, ProductCriteria, RedeemRequest,
};
use couponsd_client::Client;

fn criterion(kind: CriteriaType, operator: CriteriaOperator, values: &[&str]) -> ProductCriteria {
    ProductCriteria {
        criteria_type: Some(kind),
        operator: Some(operator),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn coupon(code: &str, discount_type: DiscountType, value: i64) -> CouponSpec {
    CouponSpec {
        code: code.into(),
        discount_type,
        discount_value: value,
        currency: "USD".into(),
        ..CouponSpec::default()
    }
}

fn line(sku: &str, category: &str, tags: &[&str], unit_price: i64, quantity: u32) -> LineItem {
    LineItem {
        product_id: format!("id-{sku}"),
        sku: sku.into(),
        category: category.into(),
        brand: "acme".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        unit_price,
        quantity,
    }
}

/// Two dresses at 75.00, a 50.00 phone, three 20.00 shirts on sale, 7.99
/// shipping: 267.99 in all.
fn basket() -> Order {
    Order {
        customer_id: "customer-123".into(),
        amount: 26_799,
        currency: "USD".into(),
        channel: "web".into(),
        shipping_amount: 799,
        customer_email: "ann@example.com".into(),
        customer_segments: vec!["vip".into()],
        items: vec![
            line("DRESS-001", "clothing", &[], 7_500, 2),
            line("PHONE-1", "electronics", &[], 5_000, 1),
            line("SHIRT-9", "clothing", &["sale"], 2_000, 3),
        ],
        ..Order::default()
    }
}

/// Validates, then redeems the order (a new order id per code and amount):
/// both must agree on the amounts.
/// Returns (applicable, discount, final).
async fn validate_and_redeem(client: &Client, code: &str, order: Order) -> (i64, i64, i64) {
    let v = client
        .validate(code, order.clone())
        .await
        .expect("validate");
    assert!(v.valid, "{code}: {v:?}");
    assert_eq!(v.final_amount, order.amount - v.discount_amount, "{code}");
    let r = client
        .redeem(RedeemRequest {
            code: code.into(),
            order_id: format!("order-{code}-{}", order.amount),
            transaction_id: String::new(),
            order,
        })
        .await
        .expect("redeem");
    assert_eq!(
        (r.redemption.discount_amount, r.redemption.final_amount),
        (v.discount_amount, v.final_amount),
        "{code}: redeem and validate disagree"
    );
    (v.applicable_amount, v.discount_amount, v.final_amount)
}

/// The refusal a VALIDATE reports and a REDEEM returns, which must be the same.
async fn refusal(client: &Client, code: &str, order: Order) -> ErrorCode {
    let v = client
        .validate(code, order.clone())
        .await
        .expect("validate");
    assert!(!v.valid, "{code}: {v:?}");
    assert_eq!(v.applicable_amount, 0);
    let redeemed = client
        .redeem(RedeemRequest {
            code: code.into(),
            order_id: format!("refused-{code}"),
            transaction_id: String::new(),
            order,
        })
        .await
        .expect_err("a refused redeem");
    let code_of_redeem = redeemed.code().expect("a server error");
    assert_eq!(code_of_redeem.as_u16(), v.reason, "{code}");
    code_of_redeem
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_discount_type_on_an_order_with_lines() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    let server = Server::start().await;
    let client = server.client().await;
    let specs = [
        // The seed's SUMMER20: 20% capped at 50.00, on the 260.00 of lines.
        CouponSpec {
            max_discount_amount: Some(5_000),
            ..coupon("SUMMER20", DiscountType::Percentage, 2_000)
        },
        // 10% of the clothing not on sale: the dresses, 150.00.
        CouponSpec {
            applicable_products: vec![criterion(Category, In, &["clothing"])],
            excluded_products: vec![criterion(Tag, In, &["sale"])],
            ..coupon("DRESSES10", DiscountType::Percentage, 1_000)
        },
        // 8.00 off each line above 30.00: dresses and phone.
        CouponSpec {
            apply_per_line: true,
            applicable_products: vec![criterion(PriceRange, GreaterThan, &["3000"])],
            ..coupon("EIGHTPERLINE", DiscountType::Fixed, 800)
        },
        coupon("FREESHIP", DiscountType::FreeShipping, 0),
        // Buy 2 get 1 free on clothing: 5 units, one set, the cheapest shirt free.
        CouponSpec {
            buy_quantity: 2,
            get_quantity: 1,
            applicable_products: vec![criterion(Category, Equals, &["clothing"])],
            ..coupon("B2G1", DiscountType::BuyXGetY, 10_000)
        },
        // 5.00 off each shirt.
        CouponSpec {
            applicable_products: vec![criterion(Sku, In, &["SHIRT-9"])],
            ..coupon("SHIRTS5", DiscountType::Product, 500)
        },
    ];
    for spec in specs {
        client.create_coupon(spec).await.expect("create");
    }
    let expected = [
        ("SUMMER20", (26_000, 5_000, 21_799)),
        ("DRESSES10", (15_000, 1_500, 25_299)),
        ("EIGHTPERLINE", (20_000, 1_600, 25_199)),
        ("FREESHIP", (799, 799, 26_000)),
        ("B2G1", (21_000, 2_000, 24_799)),
        ("SHIRTS5", (6_000, 1_500, 25_299)),
    ];
    for (code, amounts) in expected {
        assert_eq!(
            validate_and_redeem(&client, code, basket()).await,
            amounts,
            "{code}"
        );
    }

    // The seed's order without lines: 20% of 150.00 is 30.00, under the cap.
    let seed = common::order("customer-9", 15_000);
    assert_eq!(
        validate_and_redeem(&client, "SUMMER20", seed).await,
        (15_000, 3_000, 12_000)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_targeting_rule_refuses_with_its_own_code() {
    use CriteriaOperator::*;
    use CriteriaType::*;
    let server = Server::start().await;
    let client = server.client().await;

    // A window of local hours that excludes the server's current minute, and
    // the days of the week other than today, in Tokyo.
    let now = client.ping().await.expect("ping");
    let tokyo = jiff::Timestamp::from_millisecond(now)
        .expect("a current time")
        .to_zoned(jiff::tz::TimeZone::get("Asia/Tokyo").expect("the zone"));
    let minute = u16::try_from(i32::from(tokyo.hour()) * 60 + i32::from(tokyo.minute()))
        .expect("a minute of the day");
    let later = |offset: u16| match (minute + offset) % 1440 {
        0 => 1440,
        m => m,
    };
    let not_today = 0x7f & !(1u8 << tokyo.weekday().to_monday_zero_offset());

    let specs = [
        CouponSpec {
            customer_segments: vec!["staff".into()],
            ..coupon("STAFF", DiscountType::Percentage, 1_000)
        },
        CouponSpec {
            channel_restrictions: vec!["store".into()],
            ..coupon("INSTORE", DiscountType::Percentage, 1_000)
        },
        CouponSpec {
            allowed_email_domains: vec!["Partner.com".into()],
            ..coupon("PARTNER", DiscountType::Percentage, 1_000)
        },
        CouponSpec {
            applicable_products: vec![criterion(Brand, In, &["globex"])],
            ..coupon("GLOBEX", DiscountType::Percentage, 1_000)
        },
        CouponSpec {
            buy_quantity: 3,
            get_quantity: 3,
            applicable_products: vec![criterion(Category, In, &["clothing"])],
            ..coupon("B3G3", DiscountType::BuyXGetY, 10_000)
        },
        CouponSpec {
            time_zone: "Asia/Tokyo".into(),
            active_days: not_today,
            ..coupon("NOTTODAY", DiscountType::Percentage, 1_000)
        },
        CouponSpec {
            time_zone: "Asia/Tokyo".into(),
            active_start_minute: later(60) % 1440,
            active_end_minute: later(120),
            ..coupon("LATER", DiscountType::Percentage, 1_000)
        },
        CouponSpec {
            currency: "EUR".into(),
            ..coupon("EUROS", DiscountType::Fixed, 500)
        },
    ];
    for spec in specs {
        client.create_coupon(spec).await.expect("create");
    }
    let cases = [
        ("STAFF", ErrorCode::SegmentNotEligible),
        ("INSTORE", ErrorCode::ChannelNotAllowed),
        ("PARTNER", ErrorCode::EmailDomainNotAllowed),
        ("GLOBEX", ErrorCode::NoEligibleItems),
        ("B3G3", ErrorCode::BuyQuantityNotMet),
        ("NOTTODAY", ErrorCode::DayNotAllowed),
        ("LATER", ErrorCode::OutsideActiveHours),
        ("EUROS", ErrorCode::CurrencyMismatch),
    ];
    for (code, expected) in cases {
        assert_eq!(refusal(&client, code, basket()).await, expected, "{code}");
    }

    // The same coupons accept an order that meets their rule.
    let fits = |change: fn(&mut Order)| {
        let mut order = basket();
        change(&mut order);
        order
    };
    let staff = fits(|o| o.customer_segments = vec!["STAFF".into()]);
    assert_eq!(validate_and_redeem(&client, "STAFF", staff).await.1, 2_600);
    let store = fits(|o| o.channel = "Store".into());
    assert_eq!(
        validate_and_redeem(&client, "INSTORE", store).await.1,
        2_600
    );
    let partner = fits(|o| o.customer_email = "bob@partner.COM".into());
    assert_eq!(
        validate_and_redeem(&client, "PARTNER", partner).await.1,
        2_600
    );
    // 6 units of clothing make one set: the 3 cheapest (shirts at 20.00) free.
    let more_shirts = fits(|o| o.items[2].quantity = 4);
    assert_eq!(
        validate_and_redeem(&client, "B3G3", more_shirts).await,
        (23_000, 6_000, 20_799)
    );
    // Without line items a coupon with product criteria has nothing to apply to.
    let no_lines = fits(|o| o.items.clear());
    assert_eq!(
        refusal(&client, "GLOBEX", no_lines).await,
        ErrorCode::NoEligibleItems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_rule_fields_are_refused_and_new_fields_survive_a_restart() {
    let mut server = Server::start().await;
    let client = server.client().await;
    let invalid = [
        (
            CouponSpec {
                time_zone: "Mars/Olympus_Mons".into(),
                active_days: 1,
                ..coupon("MARS", DiscountType::Percentage, 1_000)
            },
            "time_zone",
        ),
        (
            coupon("PRODUCTS", DiscountType::Product, 500),
            "applicable_products",
        ),
        (
            CouponSpec {
                buy_quantity: 1,
                ..coupon("HALFSET", DiscountType::BuyXGetY, 10_000)
            },
            "get_quantity",
        ),
    ];
    for (spec, field) in invalid {
        let e = client.create_coupon(spec).await.expect_err("invalid");
        assert_eq!(e.code(), Some(ErrorCode::InvalidArgument));
        assert!(e.to_string().contains(field), "{e} should name {field}");
    }

    let spec = CouponSpec {
        buy_quantity: 2,
        get_quantity: 1,
        active_days: 0b0011111,
        active_start_minute: 9 * 60,
        active_end_minute: 17 * 60,
        time_zone: "Europe/Paris".into(),
        allowed_email_domains: vec!["example.com".into()],
        ..coupon("KEEP", DiscountType::BuyXGetY, 5_000)
    };
    let created = client.create_coupon(spec.clone()).await.expect("create");
    let updated = client
        .update_coupon(
            created.id,
            created.revision,
            CouponSpec {
                apply_per_line: true,
                ..coupon("KEEP2", DiscountType::Fixed, 300)
            },
        )
        .await
        .expect("update");
    assert!(updated.spec.apply_per_line);
    let other = client.create_coupon(spec).await.expect("create again");

    server.restart().await;
    let client = server.client().await;
    let after = client
        .get_coupon(CouponRef::Id(other.id))
        .await
        .expect("get after restart");
    assert_eq!(after.spec, other.spec);
    let after = client
        .get_coupon(CouponRef::Code("KEEP2".into()))
        .await
        .expect("get after restart");
    assert_eq!(after.spec, updated.spec);
}
