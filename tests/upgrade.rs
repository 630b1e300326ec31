//! Data directories written before clusters become a cluster of one, keep
//! every coupon, redemption, hold, reversal, campaign and key, and grow by
//! `cluster add`. `tests/fixtures/pre-raft.tar.gz` holds two such
//! directories, made by couponsd at commit c6d994d (the last before Raft): a
//! leader (`leader/`) and its follower (`follower/`), at LSN 24, with coupon
//! OLD10 (10%, limit 100, 2 per customer) used 14 times by 7 customers,
//! OLDFIX (5.00 off) with a PENDING hold `held-1` and an order `refunded-1`
//! refunded 10.00 (1.42 given back, refund id rf-1), and campaign 1 (200
//! codes, one redeemed as order `camp-1`, budget 4.50 of 100.00 used).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{order, redeem_request, Server};
use couponsd_client::wire::{CouponRef, ErrorCode, RedemptionRef, RedemptionStatus};

/// Unpacks the fixture's `which` directory (leader or follower) as `data`.
fn unpack(which: &str, data: &Path) {
    let scratch = tempfile::tempdir().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pre-raft.tar.gz"
    );
    let status = Command::new("tar")
        .args(["xzf", fixture, "-C"])
        .arg(scratch.path())
        .status()
        .expect("tar");
    assert!(status.success(), "unpacking {fixture}");
    std::fs::rename(scratch.path().join(which), data).unwrap();
}

/// Runs `serve` on `data` with `flags`, expecting it to refuse to start.
fn refused_start(data: &Path, flags: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(flags)
        .output()
        .expect("running couponsd");
    assert!(!output.status.success(), "it started");
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// libfaketime (installed by `scripts/test.sh`): see `as_of_the_fixture`.
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// Runs `node` with its wall clock starting an hour after the fixture was
/// made (2026-12-06, about 13:45 UTC), and running on from there: the
/// fixture's hold (a day's TTL) stays a hold whatever today's date.
fn as_of_the_fixture(node: &mut Server) {
    assert!(
        Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: run scripts/test.sh, which installs Debian's faketime"
    );
    node.env = vec![
        ("LD_PRELOAD".into(), LIBFAKETIME.into()),
        ("FAKETIME".into(), "@2026-12-06 14:45:00".into()),
        ("TZ".into(), "UTC".into()),
        ("FAKETIME_DONT_FAKE_MONOTONIC".into(), "1".into()),
    ];
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_from_before_clusters_becomes_a_cluster_of_one_and_grows() {
    let mut node = Server::prepare();
    unpack("leader", &node.data_dir());
    as_of_the_fixture(&mut node);
    node.launch(&[]).await;
    assert!(
        node.log()
            .contains("migrated a data directory from before clusters"),
        "{}",
        node.log()
    );
    let client = node.client().await;
    let info = client.server_info().await.unwrap();
    assert_eq!((info.lsn, info.coupons, info.redemptions), (24, 202, 17));

    // Counters, per-customer uses (keyed with the old secret) and idempotency.
    let old10 = client
        .get_coupon(CouponRef::Code("OLD10".into()))
        .await
        .unwrap();
    assert_eq!(old10.current_usage, 14);
    let v = client.validate("OLD10", order("c1", 5_000)).await.unwrap();
    assert_eq!(v.customer_usage_count, 2);
    assert_eq!(v.reason, ErrorCode::CustomerLimit.as_u16());
    let replay = client
        .redeem(redeem_request("OLD10", "o1", "c1", 5_000))
        .await
        .unwrap();
    assert!(replay.replayed, "the order from before redeemed again");
    // The hold is still a hold, and can be confirmed.
    let hold = client
        .get_redemption(RedemptionRef::Order {
            code: "OLDFIX".into(),
            order_id: "held-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(hold.redemption.status, RedemptionStatus::Pending);
    // The partial refund, and the campaign with its codes and budget.
    let refunded = client
        .list_reversals(RedemptionRef::Order {
            code: "OLDFIX".into(),
            order_id: "refunded-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(refunded.len(), 1);
    assert_eq!(
        (refunded[0].refund_amount, refunded[0].discount_returned),
        (1_000, 142)
    );
    let campaign = client.get_campaign(1).await.unwrap();
    assert_eq!(
        (
            campaign.coupons_generated,
            campaign.redemptions,
            campaign.budget_used
        ),
        (200, 1, 450)
    );
    // New writes carry on after the old ones.
    client
        .confirm(RedemptionRef::Id(hold.redemption.id))
        .await
        .unwrap();
    let fresh = client
        .redeem(redeem_request(
            "OLD10",
            "after-upgrade",
            "new-customer",
            5_000,
        ))
        .await
        .unwrap();
    assert!(fresh.redemption.id > 17);

    // A restart keeps it a cluster of one with the same data.
    let before = client.digest().await.unwrap();
    node.kill9();
    node.launch(&[]).await;
    assert_eq!(node.client().await.digest().await.unwrap(), before);
    assert_eq!(
        node.log()
            .matches("migrated a data directory from before clusters")
            .count(),
        1
    );

    // A second node joins: it takes a snapshot of the migrated store.
    let mut second = Server::prepare();
    second.launch(&["--node-id", "2", "--join"]).await;
    node.client_with(couponsd_client::ClientOptions {
        request_timeout: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .cluster_add(2, &second.addr, true)
    .await
    .expect("adding a node");
    second
        .wait_for_lsn(before.lsn, Duration::from_secs(60))
        .await;
    let digest = node.client().await.digest().await.unwrap();
    assert_eq!(second.client().await.digest().await.unwrap(), digest);
    assert!(
        second.log().contains("snapshot installed"),
        "{}",
        second.log()
    );
    let on_second = second.client().await;
    let v = on_second
        .validate("OLD10", order("c1", 5_000))
        .await
        .unwrap();
    assert_eq!(v.customer_usage_count, 2, "the key secret came along");
}

#[test]
fn a_store_from_before_clusters_is_refused_with_join_or_peers() {
    let dir = tempfile::tempdir().unwrap();
    let follower = dir.path().join("follower");
    unpack("follower", &follower);
    let err = refused_start(&follower, &["--node-id", "2", "--join"]);
    assert!(err.contains("from before clusters"), "{err}");
    let err = refused_start(
        &follower,
        &[
            "--node-id",
            "1",
            "--peers",
            "1=127.0.0.1:1,2=127.0.0.1:2,3=127.0.0.1:3",
        ],
    );
    assert!(err.contains("from before clusters"), "{err}");
    // Nothing was changed: alone, it starts with all its data.
    let mut node = Server::prepare();
    std::fs::remove_dir(node.data_dir()).ok();
    std::fs::rename(&follower, node.data_dir()).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        node.launch(&[]).await;
        let info = node.client().await.server_info().await.unwrap();
        assert_eq!((info.lsn, info.coupons, info.redemptions), (24, 202, 17));
    });
}

/// `couponsd verify` on a store from before checksums: its rows decode but
/// have none (not a problem); the first start binds the store and rewrites
/// every row with one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_from_before_checksums_are_rewritten_with_one_at_the_first_start() {
    let verify = |data: &Path| {
        let output = Command::new(env!("CARGO_BIN_EXE_couponsd"))
            .args(["verify", "--json", "--data"])
            .arg(data)
            .output()
            .expect("running couponsd verify");
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        let report: serde_json::Value = serde_json::from_str(text.trim()).expect(&text);
        (output.status.code(), report)
    };
    let mut node = Server::prepare();
    unpack("leader", &node.data_dir());
    let (code, report) = verify(&node.data_dir());
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["store_id"], serde_json::Value::Null, "{report}");
    // 2 coupons (the 200 codes are rows of their own), 17 redemptions, 1
    // campaign, 200 codes, 1 reversal.
    assert_eq!(report["rows_without_checksum"], 221, "{report}");

    node.launch(&[]).await;
    assert!(node
        .log()
        .contains("rows from before checksums rewritten with one"));
    let before = node.client().await.digest().await.unwrap();
    assert!(node.terminate().success());
    let (code, report) = verify(&node.data_dir());
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["rows_without_checksum"], 0, "{report}");
    assert!(report["store_id"].is_string(), "{report}");
    node.launch(&[]).await;
    assert_eq!(node.client().await.digest().await.unwrap(), before);
}
