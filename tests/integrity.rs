//! Damaged stores are refused, never served: a row edited on disk, a
//! flipped bit, a data file from another store, an emptied, deleted or older
//! one, an older checkpoint or Raft log file. Each store is made by the real
//! binary, stopped (SIGTERM), damaged with redb directly while no server has
//! it open, then started again; `couponsd verify` names each problem.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{percent_coupon, redeem_request, Server};
use couponsd_client::wire::{ErrorCode, RedemptionRef};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

const COUPONS: TableDefinition<u64, &[u8]> = TableDefinition::new("coupons");
const REDEMPTIONS: TableDefinition<u64, &[u8]> = TableDefinition::new("redemptions");

/// A server with coupon 1 (`TEN`, limit 50) used by orders o1..=o`orders`,
/// stopped cleanly.
async fn stopped_store(orders: u32) -> Server {
    let mut server = Server::start().await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("TEN", 1_000, Some(50), None))
        .await
        .unwrap();
    redeem_orders(&server, 1..=orders).await;
    assert!(server.terminate().success());
    server
}

async fn redeem_orders(server: &Server, orders: std::ops::RangeInclusive<u32>) {
    let client = server.client().await;
    for i in orders {
        let order = format!("o{i}");
        let customer = format!("c{i}");
        client
            .redeem(redeem_request("TEN", &order, &customer, 10_000))
            .await
            .unwrap();
    }
}

/// Starts `serve` on `data`, expecting a refusal: returns its stderr. A
/// server that comes up instead (it would serve the damage) fails the test.
fn refused_start(data: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running couponsd");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("waiting for couponsd").is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            let output = child.wait_with_output().expect("reaping couponsd");
            panic!(
                "it started on the damaged store and served it:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("reaping couponsd");
    assert!(!output.status.success(), "it exited 0");
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Runs `couponsd verify` on `data`: its exit code and stdout.
fn verify(data: &Path, json: bool) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_couponsd"));
    command.args(["verify", "--data"]).arg(data);
    if json {
        command.arg("--json");
    }
    let output = command.output().expect("running couponsd verify");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code().unwrap_or(-1), text)
}

/// Rewrites the value of `key` in `table` of the data file with `edit`.
fn edit_row(
    data: &Path,
    table: TableDefinition<u64, &[u8]>,
    key: u64,
    edit: impl FnOnce(&mut Vec<u8>),
) {
    let db = Database::open(data.join("couponsd.redb")).expect("opening couponsd.redb");
    let txn = db.begin_write().unwrap();
    {
        let mut rows = txn.open_table(table).unwrap();
        let mut row = rows.get(key).unwrap().expect("the row").value().to_vec();
        edit(&mut row);
        rows.insert(key, row.as_slice()).unwrap();
    }
    txn.commit().unwrap();
}

fn row(data: &Path, table: TableDefinition<u64, &[u8]>, key: u64) -> Vec<u8> {
    let db = Database::open(data.join("couponsd.redb")).expect("opening couponsd.redb");
    let txn = db.begin_read().unwrap();
    let rows = txn.open_table(table).unwrap();
    let row = rows.get(key).unwrap().expect("the row").value().to_vec();
    row
}

/// Where the coupon row holds `usage_limit: Some(50)` (presence byte, u64).
fn usage_limit_at(row: &[u8]) -> usize {
    let pattern = [1, 0, 0, 0, 0, 0, 0, 0, 50];
    let found: Vec<usize> = row
        .windows(pattern.len())
        .enumerate()
        .filter(|(_, w)| *w == pattern)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(found.len(), 1, "usage_limit 50 once in {row:?}");
    found[0] + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reports_a_good_store_clean() {
    let server = stopped_store(3).await;
    let (code, text) = verify(&server.data_dir(), false);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("clean"), "{text}");
    let (code, text) = verify(&server.data_dir(), true);
    assert_eq!(code, 0, "{text}");
    let report: serde_json::Value = serde_json::from_str(text.trim()).expect(&text);
    assert_eq!(report["clean"], true);
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);
    let count = |table: &str| {
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .map(|t| t["entries"].as_u64().unwrap())
    };
    assert_eq!(count("coupons"), Some(1));
    assert_eq!(count("redemptions"), Some(3));
    assert!(count("raft_entries").unwrap() > 0);
    assert_eq!(report["store_id"].as_str().map(str::len), Some(16));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usage_limit_edited_on_disk_is_refused_at_start() {
    let mut server = stopped_store(3).await;
    let data = server.data_dir();
    let original = row(&data, COUPONS, 1);

    // 50 -> 5000 inside the row, its bytes otherwise as they were.
    edit_row(&data, COUPONS, 1, |row| {
        let at = usage_limit_at(row);
        row[at..at + 8].copy_from_slice(&5_000u64.to_be_bytes());
    });
    let err = refused_start(&data);
    assert!(
        err.contains("coupons, key 1") && err.contains("checksum mismatch"),
        "{err}"
    );
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("coupons, key 1: checksum mismatch"), "{text}");

    // The same edit in the old layout, with no checksum at all (format 2:
    // a coupon row from before checksums).
    edit_row(&data, COUPONS, 1, |row| {
        *row = original[..original.len() - 4].to_vec();
        row[0] = 2;
        let at = usage_limit_at(row);
        row[at..at + 8].copy_from_slice(&5_000u64.to_be_bytes());
    });
    let err = refused_start(&data);
    assert!(
        err.contains("coupons, key 1") && err.contains("no checksum"),
        "{err}"
    );
    let (code, text) = verify(&data, true);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(r#""table":"coupons""#) && text.contains(r#""key":"1""#),
        "{text}"
    );

    // Put back, it serves again, with the limit it had.
    edit_row(&data, COUPONS, 1, |row| *row = original.clone());
    assert_eq!(verify(&data, false).0, 0);
    server.launch(&[]).await;
    let coupon = server
        .client()
        .await
        .get_coupon(couponsd_client::wire::CouponRef::Id(1))
        .await
        .unwrap();
    assert_eq!(coupon.spec.usage_limit, Some(50));
    assert_eq!(coupon.current_usage, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_bit_in_a_redemption_is_refused_on_read() {
    let mut server = stopped_store(3).await;
    let data = server.data_dir();
    let good = row(&data, REDEMPTIONS, 2);
    edit_row(&data, REDEMPTIONS, 2, |row| {
        let middle = row.len() / 2;
        row[middle] ^= 0x10;
    });
    assert_ne!(row(&data, REDEMPTIONS, 2), good);

    // Redemptions are read when asked for: the server starts, and refuses
    // the damaged one each time it would serve it.
    server.launch(&[]).await;
    let client = server.client().await;
    let err = client
        .get_redemption(RedemptionRef::Id(2))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::CorruptData), "{err}");
    assert!(err.to_string().contains("redemptions, key 2"), "{err}");
    let err = client.list_redemptions(1, 0, 10).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::CorruptData), "{err}");
    // The acknowledged order's retry is neither served from the damaged row
    // nor redeemed again.
    let err = client
        .redeem(redeem_request("TEN", "o2", "c2", 10_000))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::CorruptData), "{err}");
    let err = client.digest().await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::CorruptData), "{err}");
    // The others are served as before.
    let one = client.get_redemption(RedemptionRef::Id(1)).await.unwrap();
    assert_eq!(one.redemption.order_id, "o1");
    let ten = client
        .get_coupon(couponsd_client::wire::CouponRef::Id(1))
        .await
        .unwrap();
    assert_eq!(ten.current_usage, 3);
    assert!(server.terminate().success());

    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("redemptions, key 2"), "{text}");
    assert!(text.contains("1 problems"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_file_from_another_store_is_refused() {
    let mine = stopped_store(3).await;
    let other = stopped_store(1).await;
    let data = mine.data_dir();
    std::fs::copy(
        other.data_dir().join("couponsd.redb"),
        data.join("couponsd.redb"),
    )
    .unwrap();
    let err = refused_start(&data);
    assert!(
        err.contains("couponsd.redb belongs to store") && err.contains("another data directory"),
        "{err}"
    );
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("couponsd.redb: couponsd.redb belongs to store"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emptied_or_deleted_data_file_is_refused() {
    let mut server = stopped_store(3).await;
    let data = server.data_dir();
    let saved = std::fs::read(data.join("couponsd.redb")).unwrap();

    // Emptied: a new, empty file in its place.
    std::fs::File::create(data.join("couponsd.redb")).unwrap();
    let err = refused_start(&data);
    assert!(err.contains("couponsd.redb has no store id"), "{err}");
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("couponsd.redb"), "{text}");

    // Deleted: refused, and not made again by the refused start.
    std::fs::remove_file(data.join("couponsd.redb")).unwrap();
    let err = refused_start(&data);
    assert!(err.contains("couponsd.redb is missing"), "{err}");
    assert!(!data.join("couponsd.redb").exists());
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("couponsd.redb is missing"), "{text}");

    // Put back, it serves: the acknowledged orders are replays.
    std::fs::write(data.join("couponsd.redb"), saved).unwrap();
    server.launch(&[]).await;
    let replay = server
        .client()
        .await
        .redeem(redeem_request("TEN", "o2", "c2", 10_000))
        .await
        .unwrap();
    assert!(replay.replayed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_copy_of_the_data_file_is_refused() {
    let mut server = stopped_store(3).await;
    let data = server.data_dir();
    let old = std::fs::read(data.join("couponsd.redb")).unwrap();
    server.launch(&[]).await;
    redeem_orders(&server, 4..=6).await;
    assert!(server.terminate().success());
    std::fs::write(data.join("couponsd.redb"), &old).unwrap();

    // Served, orders o4..o6 would be redeemed again on retry.
    let err = refused_start(&data);
    assert!(err.contains("couponsd.redb is an older copy"), "{err}");
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("couponsd.redb is an older copy"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_copy_of_the_checkpoint_file_is_refused() {
    // A checkpoint every few records.
    let mut server = Server::start_with(&["--checkpoint-records", "4"]).await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon("TEN", 1_000, Some(50), None))
        .await
        .unwrap();
    redeem_orders(&server, 1..=6).await;
    let data = server.data_dir();
    wait_for_log(&server, "checkpoint stored", 1).await;
    assert!(server.terminate().success());
    let old = std::fs::read(data.join("checkpoint.redb")).unwrap();
    let stored = server.log().matches("checkpoint stored").count();
    server.launch(&["--checkpoint-records", "4"]).await;
    redeem_orders(&server, 7..=14).await;
    wait_for_log(&server, "checkpoint stored", stored + 1).await;
    // One more batch, so that the data file learns of the new checkpoint.
    redeem_orders(&server, 15..=15).await;
    assert!(server.terminate().success());
    std::fs::write(data.join("checkpoint.redb"), &old).unwrap();

    let err = refused_start(&data);
    assert!(err.contains("checkpoint.redb is an older copy"), "{err}");
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("checkpoint.redb is an older copy"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_copy_of_the_raft_log_is_refused() {
    let mut server = stopped_store(1).await;
    let data = server.data_dir();
    // The Raft log is raft.redb and its segments: an older copy of both.
    let old = std::fs::read(data.join("raft.redb")).unwrap();
    let old_segments = data.join("raft-log.old");
    copy_dir(&data.join("raft-log"), &old_segments);
    server.launch(&[]).await;
    // The data file records how far the Raft log is durable with its own
    // durable commits, one every 250 ms at most: more than a second apart
    // here, each round's is one of them.
    for round in 0..3 {
        redeem_orders(&server, 10 + round..=10 + round).await;
        tokio::time::sleep(Duration::from_millis(1_100)).await;
    }
    redeem_orders(&server, 20..=20).await;
    assert!(server.terminate().success());
    std::fs::write(data.join("raft.redb"), &old).unwrap();
    std::fs::remove_dir_all(data.join("raft-log")).unwrap();
    std::fs::rename(&old_segments, data.join("raft-log")).unwrap();

    let err = refused_start(&data);
    assert!(err.contains("raft.redb is an older copy"), "{err}");
    let (code, text) = verify(&data, false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("raft.redb is an older copy"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_does_not_check_a_store_in_use_or_not_closed_cleanly() {
    let mut server = Server::start().await;
    let (code, text) = verify(&server.data_dir(), false);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("open in a running server"), "{text}");
    server.kill9();
    let (code, text) = verify(&server.data_dir(), false);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("not closed cleanly"), "{text}");
    // A start recovers the files, a clean stop closes them: then it checks.
    server.launch(&[]).await;
    assert!(server.terminate().success());
    let (code, text) = verify(&server.data_dir(), false);
    assert_eq!(code, 0, "{text}");
    let (code, text) = verify(&server.data_dir().join("nothing"), false);
    assert_eq!(code, 2, "{text}");
}

/// Waits until the server's log has `what` at least `times` times.
async fn wait_for_log(server: &Server, what: &str, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.log().matches(what).count() < times {
        assert!(
            Instant::now() < deadline,
            "no {what:?} x{times}:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for item in std::fs::read_dir(from).unwrap() {
        let item = item.unwrap();
        std::fs::copy(item.path(), to.join(item.file_name())).unwrap();
    }
}
