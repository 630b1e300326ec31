//! Business limits per period (CouponSpec fields 40 to 43): uses per
//! customer per local day, ISO week and calendar month, and everyone's uses
//! per local day, in the coupon's time zone. The server runs under
//! libfaketime (installed by `scripts/test.sh`, as for tests/clock.rs); the
//! cluster's time follows a jump of the wall clock only at a start, so each
//! move across a boundary is a kill -9 and a restart, which also shows the
//! counts survive one.

mod common;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use common::{all_redemptions, code_of, order, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{
    CouponSpec, ErrorCode, OrderMode, OrderRedeemRequest, OrderReserveRequest, PeriodLimits,
    RedemptionRef, RedemptionStatus, ReversalPolicy,
};
use couponsd_client::{Client, ClientError};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// A server whose wall clock is shifted by the offset in a file, started
/// at `at` (RFC 3339).
async fn server_at(at: &str) -> (Server, PathBuf) {
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: run scripts/test.sh, which installs Debian's faketime"
    );
    let mut server = Server::prepare();
    let offset = server.data_dir().with_file_name("wall-clock-offset");
    set_clock(&offset, at);
    server.env = vec![
        ("LD_PRELOAD".into(), LIBFAKETIME.into()),
        (
            "FAKETIME_TIMESTAMP_FILE".into(),
            offset.display().to_string(),
        ),
        ("FAKETIME_NO_CACHE".into(), "1".into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
    ];
    server
        .launch(&["--hold-sweep-ms", "50", "--window-sweep-ms", "50"])
        .await;
    (server, offset)
}

fn unix_ms(at: &str) -> i64 {
    let parsed = at.parse::<jiff::Timestamp>();
    parsed.expect("an RFC 3339 instant").as_millisecond()
}

/// Shifts the server's wall clock so that it reads `at` now.
fn set_clock(offset: &PathBuf, at: &str) {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64;
    let seconds = (unix_ms(at) - now_ms) / 1000;
    std::fs::write(offset, format!("{seconds:+}")).expect("writing the clock offset");
}

/// kill -9, then a start at `at`: the cluster's time moves to it.
async fn restart_at(server: &mut Server, offset: &PathBuf, at: &str) -> Client {
    set_clock(offset, at);
    server.restart().await;
    let client = server.client().await;
    let now = client.ping().await.expect("ping");
    assert!(
        (now - unix_ms(at)).abs() < 20_000,
        "the server's clock is {now}, not near {at}"
    );
    client
}

fn limited(code: &str, zone: &str, limits: PeriodLimits) -> CouponSpec {
    CouponSpec {
        time_zone: zone.into(),
        period_limits: limits,
        ..percent_coupon(code, 1000, None, None)
    }
}

/// The refusal of a REDEEM: PERIOD_LIMIT, and its message.
fn period_message<T: std::fmt::Debug>(result: Result<T, ClientError>) -> String {
    match result {
        Err(ClientError::Server {
            code: ErrorCode::PeriodLimit,
            message,
            ..
        }) => message,
        other => panic!("expected PERIOD_LIMIT, got {other:?}"),
    }
}

/// Local days, ISO weeks and calendar months of Paris (UTC+1 in winter):
/// the second use of a day is refused until local midnight, 23:00 UTC, and
/// accepted a minute after it, on the same UTC day; a week's limit resets
/// on Monday, a month's on the first (here across the year's end).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_customer_limits_reset_at_local_midnight_monday_and_the_first() {
    let paris = "Europe/Paris";
    let (mut server, offset) = server_at("2026-12-08T22:57:00Z").await;
    let client = server.client().await;
    let day = PeriodLimits {
        customer_per_day: Some(1),
        ..PeriodLimits::default()
    };
    let week = PeriodLimits {
        customer_per_week: Some(2),
        ..PeriodLimits::default()
    };
    let month = PeriodLimits {
        customer_per_month: Some(1),
        ..PeriodLimits::default()
    };
    client
        .create_coupon(limited("DAY1", paris, day))
        .await
        .unwrap();
    client
        .create_coupon(limited("WEEK2", paris, week))
        .await
        .unwrap();
    client
        .create_coupon(limited("MONTH1", paris, month))
        .await
        .unwrap();
    let mut n = 0;
    let mut redeem = |client: &Client, code: &str, customer: &str| {
        n += 1;
        let client = client.clone();
        let request = redeem_request(code, &format!("order-{n}"), customer, 10_000);
        async move { client.redeem(request).await }
    };

    // Tuesday 8 December, 23:57 in Paris.
    redeem(&client, "DAY1", "ann").await.unwrap();
    assert_eq!(
        period_message(redeem(&client, "DAY1", "ann").await),
        "customer_uses_per_day 1 reached; resets 2026-12-09T00:00:00+01:00"
    );
    redeem(&client, "DAY1", "bob")
        .await
        .expect("another customer");
    let v = client.validate("DAY1", order("ann", 10_000)).await.unwrap();
    assert_eq!(v.reason, ErrorCode::PeriodLimit.as_u16(), "{v:?}");
    assert!(v.message.contains("customer_uses_per_day 1"), "{v:?}");
    redeem(&client, "WEEK2", "ann").await.unwrap();
    redeem(&client, "WEEK2", "ann").await.unwrap();
    assert_eq!(
        period_message(redeem(&client, "WEEK2", "ann").await),
        "customer_uses_per_week 2 reached; resets 2026-12-14T00:00:00+01:00"
    );
    redeem(&client, "MONTH1", "ann").await.unwrap();

    // 00:00:30 on Wednesday in Paris, still 8 December in UTC: a new day.
    let client = restart_at(&mut server, &offset, "2026-12-08T23:00:30Z").await;
    redeem(&client, "DAY1", "ann")
        .await
        .expect("a new local day");
    assert_eq!(
        period_message(redeem(&client, "DAY1", "ann").await),
        "customer_uses_per_day 1 reached; resets 2026-12-10T00:00:00+01:00"
    );
    assert_eq!(
        code_of(redeem(&client, "WEEK2", "ann").await),
        ErrorCode::PeriodLimit
    );

    // Sunday 23:58 in Paris: the week is not over; Monday 00:00:30 it is.
    let client = restart_at(&mut server, &offset, "2026-12-13T22:58:00Z").await;
    assert_eq!(
        code_of(redeem(&client, "WEEK2", "ann").await),
        ErrorCode::PeriodLimit
    );
    let client = restart_at(&mut server, &offset, "2026-12-13T23:00:30Z").await;
    redeem(&client, "WEEK2", "ann").await.expect("a new week");
    assert_eq!(
        period_message(redeem(&client, "MONTH1", "ann").await),
        "customer_uses_per_month 1 reached; resets 2027-01-01T00:00:00+01:00"
    );

    // The year's last minutes in Paris, then its first.
    let client = restart_at(&mut server, &offset, "2026-12-31T22:58:00Z").await;
    assert_eq!(
        code_of(redeem(&client, "MONTH1", "ann").await),
        ErrorCode::PeriodLimit
    );
    let client = restart_at(&mut server, &offset, "2026-12-31T23:00:30Z").await;
    redeem(&client, "MONTH1", "ann").await.expect("a new month");
}

/// 64 connections race for a day of 100 uses (everyone's, `uses_per_day`):
/// exactly 100 are taken. Giving uses back (a release, a reversal) lets
/// exactly as many more in, so the count is the records' active uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_connections_take_exactly_the_days_uses() {
    let (server, _offset) = server_at("2026-12-09T03:00:00Z").await;
    let client = server.client().await;
    let limits = PeriodLimits {
        per_day: Some(100),
        ..PeriodLimits::default()
    };
    let coupon = client
        .create_coupon(limited("DAILY100", "Asia/Tokyo", limits))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for connection in 0..64 {
        let client = server.client().await;
        tasks.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for attempt in 0..4 {
                let order_id = format!("o-{connection}-{attempt}");
                let customer = format!("c-{connection}-{attempt}");
                let outcome = if attempt % 2 == 0 {
                    let request = redeem_request("DAILY100", &order_id, &customer, 10_000);
                    client.redeem(request).await
                } else {
                    let request =
                        common::reserve_request("DAILY100", &order_id, &customer, 10_000, 600_000);
                    client.reserve(request).await
                };
                outcomes.push(outcome.map(|r| r.redemption.id).map_err(|e| e.code()));
            }
            outcomes
        }));
    }
    let mut taken = Vec::new();
    let mut refused = 0;
    for task in tasks {
        for outcome in task.await.unwrap() {
            match outcome {
                Ok(id) => taken.push(id),
                Err(Some(ErrorCode::PeriodLimit)) => refused += 1,
                Err(other) => panic!("unexpected refusal {other:?}"),
            }
        }
    }
    assert_eq!((taken.len(), refused), (100, 156));
    let active = |all: &[couponsd_client::wire::Redemption]| {
        all.iter()
            .filter(|r| {
                matches!(
                    r.status,
                    RedemptionStatus::Pending | RedemptionStatus::Processed
                )
            })
            .count()
    };
    let records = all_redemptions(&client, coupon.id).await;
    assert_eq!(active(&records), 100);

    // Three holds released and two captured uses reversed: five back.
    let holds: Vec<u64> = records
        .iter()
        .filter(|r| r.status == RedemptionStatus::Pending)
        .map(|r| r.id)
        .take(3)
        .collect();
    let captured: Vec<u64> = records
        .iter()
        .filter(|r| r.status == RedemptionStatus::Processed)
        .map(|r| r.id)
        .take(2)
        .collect();
    for id in holds {
        client.release(RedemptionRef::Id(id)).await.unwrap();
    }
    for id in captured {
        client
            .reverse(RedemptionRef::Id(id), "refund")
            .await
            .unwrap();
    }
    let mut more = 0;
    for i in 0..10 {
        let request = redeem_request("DAILY100", &format!("late-{i}"), &format!("l-{i}"), 10_000);
        match client.redeem(request).await {
            Ok(_) => more += 1,
            Err(e) => assert_eq!(e.code(), Some(ErrorCode::PeriodLimit), "{e}"),
        }
    }
    assert_eq!(more, 5);
    assert_eq!(active(&all_redemptions(&client, coupon.id).await), 100);
}

/// A customer's use comes back within the day when a hold is released or
/// expires, or a redemption is reversed (unless the coupon's reversal policy
/// keeps the use); kill -9 and a restart keep the count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uses_given_back_within_the_day_and_counts_survive_kill_9() {
    let (mut server, offset) = server_at("2026-12-09T01:00:00Z").await;
    let client = server.client().await;
    let one_a_day = PeriodLimits {
        customer_per_day: Some(1),
        ..PeriodLimits::default()
    };
    client
        .create_coupon(limited("ONCE", "America/New_York", one_a_day))
        .await
        .unwrap();
    let kept = CouponSpec {
        reversal: ReversalPolicy {
            returns_use: false,
            ..ReversalPolicy::default()
        },
        ..limited("KEPT", "America/New_York", one_a_day)
    };
    client.create_coupon(kept).await.unwrap();

    let hold = client
        .reserve(common::reserve_request("ONCE", "h1", "ann", 10_000, 60_000))
        .await
        .unwrap();
    let second = client
        .redeem(redeem_request("ONCE", "r1", "ann", 10_000))
        .await;
    assert_eq!(code_of(second), ErrorCode::PeriodLimit, "the hold counts");
    client
        .release(RedemptionRef::Id(hold.redemption.id))
        .await
        .unwrap();
    let used = client
        .redeem(redeem_request("ONCE", "r2", "ann", 10_000))
        .await
        .expect("the released hold gave its use back");
    client
        .reverse(RedemptionRef::Id(used.redemption.id), "returned")
        .await
        .unwrap();
    client
        .reserve(common::reserve_request("ONCE", "h2", "ann", 10_000, 1_000))
        .await
        .expect("the reversal gave its use back");
    // The hold expires (the sweep runs every 50 ms).
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    client
        .redeem(redeem_request("ONCE", "r3", "ann", 10_000))
        .await
        .expect("the expired hold gave its use back");

    let kept = client
        .redeem(redeem_request("KEPT", "k1", "ann", 10_000))
        .await
        .unwrap();
    client
        .reverse(RedemptionRef::Id(kept.redemption.id), "returned")
        .await
        .unwrap();
    let again = client
        .redeem(redeem_request("KEPT", "k2", "ann", 10_000))
        .await;
    assert_eq!(code_of(again), ErrorCode::PeriodLimit, "the policy kept it");

    // kill -9 and a restart an hour later, the same day in New York.
    let client = restart_at(&mut server, &offset, "2026-12-09T02:00:00Z").await;
    for (code, order) in [("ONCE", "r4"), ("KEPT", "k3")] {
        let after = client
            .redeem(redeem_request(code, order, "ann", 10_000))
            .await;
        assert_eq!(code_of(after), ErrorCode::PeriodLimit, "{code}");
    }
    client
        .redeem(redeem_request("ONCE", "r5", "bob", 10_000))
        .await
        .expect("another customer");
    // 00:00 in New York is 05:00 UTC.
    let client = restart_at(&mut server, &offset, "2026-12-09T05:00:30Z").await;
    client
        .redeem(redeem_request("ONCE", "r6", "ann", 10_000))
        .await
        .expect("a new day in New York");
}

/// Every code of a multi-code order is held to its limits: all-or-nothing
/// refuses the order and takes nothing of the other code; best-effort skips
/// the code at its limit (reason PERIOD_LIMIT) and applies the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_code_order_respects_the_limits_of_each_code() {
    let (server, _offset) = server_at("2026-12-09T12:00:00Z").await;
    let client = server.client().await;
    let one_a_day = PeriodLimits {
        customer_per_day: Some(1),
        ..PeriodLimits::default()
    };
    client
        .create_coupon(limited("DAILY", "Europe/Paris", one_a_day))
        .await
        .unwrap();
    client
        .create_coupon(percent_coupon("ANY", 500, None, None))
        .await
        .unwrap();
    let order_of = |id: &str, mode| OrderRedeemRequest {
        codes: vec!["DAILY".into(), "ANY".into()],
        mode,
        order_id: id.into(),
        transaction_id: String::new(),
        order: order("ann", 10_000),
    };
    let first = client
        .order_redeem(order_of("m1", OrderMode::AllOrNothing))
        .await
        .unwrap();
    assert!(first.codes.iter().all(|c| c.applied), "{first:?}");
    let refused = client
        .order_redeem(order_of("m2", OrderMode::AllOrNothing))
        .await;
    assert_eq!(code_of(refused), ErrorCode::PeriodLimit);
    let any = client
        .get_coupon(couponsd_client::wire::CouponRef::Code("ANY".into()))
        .await
        .unwrap();
    assert_eq!(any.current_usage, 1, "all-or-nothing took the other code");
    let best = client
        .order_redeem(order_of("m3", OrderMode::BestEffort))
        .await
        .unwrap();
    let outcome = |code: &str| {
        let found = best.codes.iter().find(|c| c.code == code);
        found.expect("each code has an outcome").clone()
    };
    let daily = outcome("DAILY");
    assert!(!daily.applied, "{best:?}");
    assert_eq!(daily.reason, ErrorCode::PeriodLimit.as_u16());
    assert!(
        daily.message.contains("customer_uses_per_day 1"),
        "{daily:?}"
    );
    assert!(outcome("ANY").applied, "{best:?}");

    // A set's holds count too, and ORDER_RELEASE gives them back.
    let bob_set = OrderReserveRequest {
        codes: vec!["DAILY".into(), "ANY".into()],
        mode: OrderMode::AllOrNothing,
        order_id: "s1".into(),
        ttl_ms: 600_000,
        order: order("bob", 10_000),
    };
    client.order_reserve(bob_set).await.unwrap();
    let bob = |id: &str| OrderRedeemRequest {
        order: order("bob", 10_000),
        ..order_of(id, OrderMode::AllOrNothing)
    };
    assert_eq!(
        code_of(client.order_redeem(bob("m4")).await),
        ErrorCode::PeriodLimit,
        "the set's hold counts"
    );
    client.order_release("s1").await.unwrap();
    let after = client.order_redeem(bob("m5")).await.unwrap();
    assert!(after.codes.iter().all(|c| c.applied), "{after:?}");
}
