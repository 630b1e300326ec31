//! The cluster's time against a wall clock that jumps. The server runs under
//! libfaketime (installed by `scripts/test.sh`), which shifts what the
//! process reads from the wall clock by the offset in a file the test
//! rewrites, and leaves the monotonic clock alone: a real jump, for this
//! process only. Decisions use the batch's time, which follows the wall
//! clock only within the monotonic clock's bounds, so a jump forward does
//! not expire a hold and a jump back does not reopen an expired coupon.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{order, percent_coupon, redeem_request, reserve_request, Server};
use couponsd_client::wire::{ErrorCode, RedemptionRef, RedemptionStatus};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// A server whose wall clock is shifted by the offset written to the
/// returned file ("+2h", "-1d", ...).
async fn server_with_a_movable_clock() -> (Server, PathBuf) {
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: run scripts/test.sh, which installs Debian's faketime"
    );
    let mut server = Server::prepare();
    let offset = server.data_dir().with_file_name("wall-clock-offset");
    std::fs::write(&offset, "+0").unwrap();
    server.env = vec![
        ("LD_PRELOAD".into(), LIBFAKETIME.into()),
        (
            "FAKETIME_TIMESTAMP_FILE".into(),
            offset.display().to_string(),
        ),
        // Read the file on every call, and never touch the monotonic clock.
        ("FAKETIME_NO_CACHE".into(), "1".into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
    ];
    server
        .launch(&["--hold-sweep-ms", "50", "--window-sweep-ms", "50"])
        .await;
    (server, offset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wall_clock_jump_moves_no_hold_and_no_validity_window() {
    let (server, offset) = server_with_a_movable_clock().await;
    let client = server.client().await;
    let wall = |c: &couponsd_client::Client| {
        let c = c.clone();
        async move { c.ping().await.unwrap() }
    };
    // The process's wall clock really moves.
    let before = wall(&client).await;
    std::fs::write(&offset, "+2h").unwrap();
    let after = wall(&client).await;
    assert!(
        after - before > 7_000_000,
        "libfaketime did not shift the clock"
    );
    std::fs::write(&offset, "+0").unwrap();

    // A hold with a 60 s TTL survives a two-hour jump forward.
    client
        .create_coupon(percent_coupon("HOLDME", 1000, Some(5), None))
        .await
        .unwrap();
    let hold = client
        .reserve(reserve_request("HOLDME", "held", "c", 10_000, 60_000))
        .await
        .unwrap();
    std::fs::write(&offset, "+2h").unwrap();
    // Many sweeps run meanwhile (every 50 ms).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let held = client
        .get_redemption(RedemptionRef::Id(hold.redemption.id))
        .await
        .unwrap();
    assert_eq!(held.redemption.status, RedemptionStatus::Pending);
    client
        .confirm(RedemptionRef::Id(hold.redemption.id))
        .await
        .expect("the hold was expired by a clock jump");
    assert!(
        server.log().contains("the wall clock jumped"),
        "no warning:\n{}",
        server.log()
    );

    // A coupon that expired stays expired when the wall clock jumps back.
    std::fs::write(&offset, "+0").unwrap();
    let now = wall(&client).await;
    let mut brief = percent_coupon("BRIEF", 1000, None, None);
    brief.ends_at = Some(now + 1_500);
    client.create_coupon(brief).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let v = client.validate("BRIEF", order("c", 10_000)).await.unwrap();
    assert_eq!(v.reason, ErrorCode::Expired.as_u16(), "{v:?}");
    std::fs::write(&offset, "-1d").unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let v = client.validate("BRIEF", order("c", 10_000)).await.unwrap();
    assert_eq!(
        v.reason,
        ErrorCode::Expired.as_u16(),
        "a jump back reopened an expired coupon: {v:?}"
    );
    let r = client
        .redeem(common::redeem_request("BRIEF", "late", "c", 10_000))
        .await;
    assert_eq!(r.err().and_then(|e| e.code()), Some(ErrorCode::Expired));
}

/// Velocity windows are keyed by what clients send (devices, addresses), so
/// they must not stay forever: once the cluster's time is past a window's
/// newest attempt by an hour, the leader's window sweep removes it, on the
/// record (DIGEST counts one entry fewer per window). The clock moves as a
/// restart after a long stop moves it: to the wall clock, two hours on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn velocity_windows_go_once_their_hour_is_over() {
    let (mut server, offset) = server_with_a_movable_clock().await;
    let client = server.client().await;
    let mut spec = percent_coupon("WINDOWS", 1000, None, None);
    spec.security.velocity_checks = true;
    spec.security.max_redemptions_per_hour = 3;
    client.create_coupon(spec).await.unwrap();
    let before = client.digest().await.unwrap().entries;
    // Two orders, each with four identities: customer, mailbox, device, IP.
    for (i, customer) in ["ann", "bob"].iter().enumerate() {
        let mut r = redeem_request("WINDOWS", &format!("o{i}"), customer, 10_000);
        r.order.customer_email = format!("{customer}@example.com");
        r.order.device_fingerprint = format!("device-{customer}");
        r.order.ip_address = format!("192.0.2.{}", i + 1);
        client.redeem(r).await.unwrap();
    }
    let after = client.digest().await.unwrap().entries;
    // Each redemption adds its rows and index entries, and four windows.
    assert!(after >= before + 8, "{before} -> {after}");
    // Young windows stay however many sweeps run (every 50 ms).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(client.digest().await.unwrap().entries, after);

    // Down for two hours: at start the cluster's time moves to the wall clock.
    std::fs::write(&offset, "+2h").unwrap();
    server.restart().await;
    let client = server.client().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let entries = client.digest().await.unwrap().entries;
        if entries == after - 8 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of 8 windows left; log:\n{}",
            entries - (after - 8),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Gone on the record: after another restart (replay or checkpoint) too.
    server.restart().await;
    let client = server.client().await;
    assert_eq!(client.digest().await.unwrap().entries, after - 8);
    // And the identities start afresh.
    let mut r = redeem_request("WINDOWS", "o9", "ann", 10_000);
    r.order.device_fingerprint = "device-ann".into();
    client.redeem(r).await.unwrap();
}
