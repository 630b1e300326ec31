//! QUALIFY (issue 12) against the real binary: which coupons apply to a
//! cart, the best combination first, and only coupons a shopper may be told
//! about; on a store of 100,000 coupons the index hands the request a
//! bounded set of candidates, never the whole store.

mod common;

use common::{code_of, order, percent_coupon, Server};
use couponsd_client::wire::{
    CouponSpec, CriteriaOperator, CriteriaType, DiscountType, ErrorCode, LineItem, Order,
    OrderMode, OrderValidateRequest, ProductCriteria, Qualification, QualifyRequest,
};
use couponsd_client::Client;

/// `qualify::CANDIDATES_MAX`: the most coupons one request judges.
const CANDIDATES_MAX: u32 = 1_000;

fn fixed_coupon(code: &str, amount: i64) -> CouponSpec {
    CouponSpec {
        discount_type: DiscountType::Fixed,
        discount_value: amount,
        ..percent_coupon(code, 0, None, None)
    }
}

/// A percentage off the lines of one product id.
fn product_coupon(code: &str, bps: i64, product_id: &str) -> CouponSpec {
    CouponSpec {
        applicable_products: vec![ProductCriteria {
            criteria_type: Some(CriteriaType::ProductId),
            operator: Some(CriteriaOperator::In),
            values: vec![product_id.into()],
        }],
        ..percent_coupon(code, bps, None, None)
    }
}

fn cart(customer: &str, amount: i64, products: &[&str]) -> Order {
    let each = amount / products.len().max(1) as i64;
    Order {
        items: products
            .iter()
            .map(|p| LineItem {
                product_id: p.to_string(),
                unit_price: each,
                quantity: 1,
                ..LineItem::default()
            })
            .collect(),
        ..order(customer, amount)
    }
}

async fn qualify(client: &Client, order: Order, limit: u16) -> Qualification {
    client
        .qualify(QualifyRequest { limit, order })
        .await
        .expect("a qualification")
}

fn listed(q: &Qualification) -> Vec<(&str, i64)> {
    q.coupons
        .iter()
        .map(|c| (c.code.as_str(), c.discount_amount))
        .collect()
}

/// ORDER_VALIDATE of the best combination answers the same totals.
async fn assert_best_redeems_as_reported(client: &Client, q: &Qualification, order: Order) {
    let validation = client
        .order_validate(OrderValidateRequest {
            codes: q.best.clone(),
            mode: OrderMode::AllOrNothing,
            order,
        })
        .await
        .expect("the best combination validates");
    assert_eq!(validation.totals, q.best_totals);
    assert!(validation.codes.iter().all(|c| c.applied));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_what_applies_best_first_and_never_a_private_code() {
    let server = Server::start().await;
    let client = server.client().await;
    let coupons = [
        percent_coupon("SUMMER20", 2000, None, None),
        fixed_coupon("TENOFF", 1000),
        // 30 % but private: never listed, though it would apply.
        CouponSpec {
            is_public: false,
            ..percent_coupon("SECRET30", 3000, None, None)
        },
        // Refused on this cart (minimum 500.00): not listed.
        CouponSpec {
            min_order_amount: Some(50_000),
            ..percent_coupon("BIG50", 5000, None, None)
        },
        // Another currency: not listed.
        CouponSpec {
            currency: "EUR".into(),
            ..fixed_coupon("EUROS", 500)
        },
        // Any currency: listed.
        CouponSpec {
            currency: String::new(),
            ..percent_coupon("ANY5", 500, None, None)
        },
    ];
    for spec in coupons {
        client.create_coupon(spec).await.expect("created");
    }
    let q = qualify(&client, order("alice", 15_000), 10).await;
    assert_eq!(
        listed(&q),
        [("SUMMER20", 3000), ("TENOFF", 1000), ("ANY5", 750)]
    );
    assert!(!q.truncated);
    // Judged: the five public ones the cart's currencies list (not SECRET30,
    // not EUROS, which is in another currency's bucket).
    assert_eq!(q.candidates_evaluated, 4);
    // All three combine: by code, each on what the ones before it left.
    // ANY5 5 % of 150.00 = 7.50, SUMMER20 20 % of 142.50 = 28.50, TENOFF 10.00.
    assert_eq!(q.best, ["ANY5", "SUMMER20", "TENOFF"]);
    assert_eq!(q.best_totals.discount_amount, 750 + 2850 + 1000);
    assert_eq!(q.best_totals.final_amount, 15_000 - 4600);
    assert_best_redeems_as_reported(&client, &q, order("alice", 15_000)).await;

    // The limit cuts the list, not the best combination.
    let q = qualify(&client, order("alice", 15_000), 1).await;
    assert_eq!(listed(&q), [("SUMMER20", 3000)]);
    assert_eq!(q.best.len(), 3);

    // In yen only the any-currency coupon applies.
    let q = qualify(&client, order("alice", 15_000).with_currency("JPY"), 10).await;
    assert_eq!(listed(&q), [("ANY5", 750)]);
    assert_eq!(q.candidates_evaluated, 1);
    // Nothing applies: an empty answer with the order's totals.
    let q = qualify(&client, order("alice", 1).with_currency("JPY"), 10).await;
    assert!(q.coupons.is_empty() && q.best.is_empty());
    assert_eq!(q.best_totals.final_amount, 1);
}

trait WithCurrency {
    fn with_currency(self, currency: &str) -> Order;
}

impl WithCurrency for Order {
    fn with_currency(self, currency: &str) -> Order {
        Order {
            currency: currency.into(),
            ..self
        }
    }
}

/// An exclusive 25 % against SUMMER20 (20 %) and TENOFF (10.00), which
/// combine: the larger total wins, whichever it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_best_combination_is_the_larger_of_an_exclusive_code_and_a_stack() {
    let server = Server::start().await;
    let client = server.client().await;
    let mut vip = percent_coupon("VIP25", 2500, None, None);
    vip.stacking.exclusive = true;
    for spec in [
        vip,
        percent_coupon("SUMMER20", 2000, None, None),
        fixed_coupon("TENOFF", 1000),
    ] {
        client.create_coupon(spec).await.expect("created");
    }
    // 150.00: 37.50 alone against 30.00 + 10.00.
    let q = qualify(&client, order("alice", 15_000), 10).await;
    assert_eq!(
        listed(&q),
        [("VIP25", 3750), ("SUMMER20", 3000), ("TENOFF", 1000)]
    );
    assert_eq!(q.best, ["SUMMER20", "TENOFF"]);
    assert_eq!(q.best_totals.discount_amount, 4000);
    assert_best_redeems_as_reported(&client, &q, order("alice", 15_000)).await;
    // 300.00: 75.00 alone against 60.00 + 10.00.
    let q = qualify(&client, order("alice", 30_000), 10).await;
    assert_eq!(q.best, ["VIP25"]);
    assert_eq!(q.best_totals.discount_amount, 7500);
    assert_best_redeems_as_reported(&client, &q, order("alice", 30_000)).await;
}

/// Automatic promotions are listed though not public, and marked; a coupon
/// assigned to a customer is listed to them alone, marked as theirs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_promotions_and_a_customers_own_codes() {
    let server = Server::start().await;
    let client = server.client().await;
    for spec in [
        CouponSpec {
            is_public: false,
            auto_apply: true,
            ..fixed_coupon("AUTO5", 500)
        },
        CouponSpec {
            is_public: false,
            assigned_customer_id: "alice".into(),
            ..fixed_coupon("ALICE7", 700)
        },
        CouponSpec {
            is_public: false,
            assigned_customer_id: "bob".into(),
            ..fixed_coupon("BOB9", 900)
        },
    ] {
        client.create_coupon(spec).await.expect("created");
    }
    let marks = |q: &Qualification| -> Vec<(String, bool, bool)> {
        q.coupons
            .iter()
            .map(|c| (c.code.clone(), c.auto_apply, c.assigned))
            .collect()
    };
    let q = qualify(&client, order("alice", 10_000), 10).await;
    assert_eq!(
        marks(&q),
        [
            ("ALICE7".to_string(), false, true),
            ("AUTO5".to_string(), true, false)
        ]
    );
    let q = qualify(&client, order("bob", 10_000), 10).await;
    assert_eq!(
        marks(&q),
        [
            ("BOB9".to_string(), false, true),
            ("AUTO5".to_string(), true, false)
        ]
    );
    // A guest, or anyone else: only the promotion.
    for customer in ["", "carol"] {
        let q = qualify(&client, order(customer, 10_000), 10).await;
        assert_eq!(marks(&q), [("AUTO5".to_string(), true, false)]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_coupons_are_listed_only_for_carts_with_the_product() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(product_coupon("SHOES15", 1500, "shoe-1"))
        .await
        .expect("created");
    client
        .create_coupon(product_coupon("HATS10", 1000, "hat-1"))
        .await
        .expect("created");
    let q = qualify(&client, cart("bob", 10_000, &["shoe-1", "sock-1"]), 10).await;
    // 15 % of the shoe's 50.00.
    assert_eq!(listed(&q), [("SHOES15", 750)]);
    assert_eq!(
        q.candidates_evaluated, 1,
        "only the shoe's coupon is judged"
    );
    let q = qualify(&client, cart("bob", 10_000, &["SOCK-1"]), 10).await;
    assert!(q.coupons.is_empty());
    assert_eq!(q.candidates_evaluated, 0);
    // Product ids compare ignoring case, as the rules compare them.
    let q = qualify(&client, cart("bob", 10_000, &["HAT-1", "Shoe-1"]), 10).await;
    assert_eq!(listed(&q), [("SHOES15", 750), ("HATS10", 500)]);
    // A coupon deleted or made private leaves the index.
    let shoes = client
        .get_coupon(couponsd_client::wire::CouponRef::Code("SHOES15".into()))
        .await
        .expect("coupon");
    client.delete_coupon(shoes.id).await.expect("deleted");
    let q = qualify(&client, cart("bob", 10_000, &["hat-1", "shoe-1"]), 10).await;
    assert_eq!(listed(&q), [("HATS10", 500)]);
}

/// The index is derived from the definitions: after a kill -9 the restarted
/// server lists the same coupons, a change made before the crash included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_is_rebuilt_after_kill_9() {
    let mut server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(product_coupon("SHOES15", 1500, "shoe-1"))
        .await
        .expect("created");
    let made_private = client
        .create_coupon(percent_coupon("GONE10", 1000, None, None))
        .await
        .expect("created");
    let spec = CouponSpec {
        is_public: false,
        ..made_private.spec.clone()
    };
    client
        .update_coupon(made_private.id, made_private.revision, spec)
        .await
        .expect("made private");
    let shopping = cart("bob", 10_000, &["shoe-1"]);
    let before = qualify(&client, shopping.clone(), 10).await;
    assert_eq!(listed(&before), [("SHOES15", 1500)]);
    server.restart().await;
    let client = server.client().await;
    assert_eq!(qualify(&client, shopping, 10).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_out_of_range_is_refused_and_the_connection_kept() {
    let server = Server::start().await;
    let client = server.client().await;
    for limit in [0, 101] {
        let refused = client
            .qualify(QualifyRequest {
                limit,
                order: order("alice", 10_000),
            })
            .await;
        assert_eq!(code_of(refused), ErrorCode::InvalidArgument);
    }
    let q = qualify(&client, order("alice", 10_000), 100).await;
    assert!(q.coupons.is_empty());
}

/// 100,000 coupons: 97,000 for one product each (two per product), 2,999
/// untargeted at 1 % to 15 % and one untargeted at 30 %. A cart with one
/// product judges at most `CANDIDATES_MAX` of them, best bound first, so
/// the 30 % and the product's own two are among them; a cart in a currency
/// no coupon has judges none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_of_100000_coupons_answers_from_the_index() {
    const PRODUCTS: usize = 48_500;
    const UNTARGETED: usize = 2_999;
    let server = Server::start().await;
    let client = server.client().await;
    let mut specs: Vec<CouponSpec> = Vec::with_capacity(100_000);
    for n in 0..2 * PRODUCTS {
        specs.push(product_coupon(
            &format!("P{n}"),
            2000 + (n / PRODUCTS) as i64 * 500,
            &format!("p-{}", n % PRODUCTS),
        ));
    }
    for n in 0..UNTARGETED {
        specs.push(percent_coupon(
            &format!("U{n}"),
            100 + (n as i64 % 15) * 100,
            None,
            None,
        ));
    }
    specs.push(percent_coupon("BEST30", 3000, None, None));
    assert_eq!(specs.len(), 100_000);
    for chunk in specs.chunks(200) {
        let creating = chunk.iter().map(|spec| client.create_coupon(spec.clone()));
        for created in futures_util::future::join_all(creating).await {
            created.expect("creating a coupon");
        }
    }
    let info = client.server_info().await.expect("info");
    assert_eq!(info.coupons, 100_000);

    let shopping = cart("carol", 10_000, &["p-7"]);
    let q = qualify(&client, shopping.clone(), 5).await;
    assert!(q.truncated, "3,002 candidates for a bound of 1,000");
    assert_eq!(q.candidates_evaluated, CANDIDATES_MAX);
    // P7 (20 %) and P48507 (25 %) target p-7.
    assert_eq!(
        listed(&q),
        [
            ("BEST30", 3000),
            ("P48507", 2500),
            ("P7", 2000),
            ("U1004", 1500),
            ("U1019", 1500)
        ]
    );
    assert!(q.best.contains(&"BEST30".to_string()));
    assert_best_redeems_as_reported(&client, &q, shopping).await;

    let q = qualify(
        &client,
        cart("carol", 10_000, &["p-7"]).with_currency("GBP"),
        5,
    )
    .await;
    assert_eq!(q.candidates_evaluated, 0);
    assert!(q.coupons.is_empty() && !q.truncated);
}

fn couponsd(addr: &str, args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr])
        .args(args)
        .output()
        .expect("running couponsd");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (out.status.code().unwrap_or(-1), stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qualify_from_the_command_line() {
    let server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(product_coupon("SHOES15", 1500, "shoe-1"))
        .await
        .expect("created");
    client
        .create_coupon(fixed_coupon("TENOFF", 1000))
        .await
        .expect("created");
    let cart = [
        "qualify",
        "--customer",
        "alice",
        "--amount",
        "150.00",
        "--currency",
        "usd",
        "--item",
        "product_id=SHOE-1,price=100.00",
        "--item",
        "product_id=sock-1,price=50.00",
    ];
    let (status, out) = couponsd(
        &server.addr,
        &[&cart[..], &["--limit", "5", "--json"]].concat(),
    );
    assert_eq!(status, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["best"], serde_json::json!(["SHOES15", "TENOFF"]));
    assert_eq!(v["discount_amount"], "25.00");
    assert_eq!(v["final_amount"], "125.00");
    assert_eq!(v["coupons"][0]["code"], "SHOES15");
    assert_eq!(v["coupons"][0]["discount_amount"], "15.00");
    assert_eq!(v["coupons"][1]["code"], "TENOFF");
    assert_eq!(v["truncated"], false);
    assert_eq!(v["candidates_evaluated"], 2);
    let (status, out) = couponsd(&server.addr, &cart);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.starts_with("best: SHOES15 + TENOFF: discount 25.00 of 150.00, final 125.00 USD"),
        "{out}"
    );
    let (status, _) = couponsd(&server.addr, &[&cart[..], &["--limit", "0"]].concat());
    assert_eq!(status, 1, "a limit of 0 is the server's INVALID_ARGUMENT");
}
