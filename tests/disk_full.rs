//! A full disk (issue 10, part 4): the data directory is a small tmpfs this
//! test mounts (the tests run as root), nearly filled by a ballast file, and
//! a redeem load runs until writes fail. Writes must then be refused with
//! the typed STORAGE_UNAVAILABLE (not INTERNAL) and store nothing; reads go
//! on; the log does not grow by a line per failure; `info` says writes are
//! failing and why. Once the ballast is deleted, writes work again without a
//! restart and `info` is healthy; every acknowledged redemption is stored
//! (also after kill -9 and a restart) and no refused one is.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::tmpfs::{fill_leaving_headroom, Tmpfs};
use common::{all_redemptions, order, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{CouponRef, ErrorCode, RedemptionRef, RedemptionStatus};
use couponsd_client::{Client, ClientError};

const CODE: &str = "DISKFULL";

/// How each redeem of the load ended.
#[derive(Default)]
struct Outcomes {
    /// order id -> redemption id
    acked: HashMap<String, u64>,
    /// Refused with STORAGE_UNAVAILABLE: must not be stored.
    refused: Vec<String>,
    /// Any other error code, by name (NOT_COMMITTED is an unknown outcome).
    other: HashMap<&'static str, u64>,
    first_refusal: Option<Instant>,
}

type Shared = Arc<Mutex<Outcomes>>;

/// Connections redeeming fresh orders until `stop` is set.
async fn start_load(
    server: &Server,
    round: &str,
    outcomes: &Shared,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for c in 0..8 {
        let client = server.client().await;
        let (outcomes, stop, round) = (outcomes.clone(), stop.clone(), round.to_string());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let order_id = format!("{round}-c{c}-o{i}");
                let result = client
                    .redeem(redeem_request(
                        CODE,
                        &order_id,
                        &format!("cust-{i}"),
                        10_000,
                    ))
                    .await;
                let refused = {
                    let mut o = outcomes.lock().unwrap();
                    match result {
                        Ok(reply) => {
                            o.acked.insert(order_id, reply.redemption.id);
                            false
                        }
                        Err(e) if e.code() == Some(ErrorCode::StorageUnavailable) => {
                            o.refused.push(order_id);
                            o.first_refusal.get_or_insert_with(Instant::now);
                            true
                        }
                        Err(ClientError::Server { code, .. }) => {
                            *o.other.entry(code.name()).or_default() += 1;
                            false
                        }
                        Err(e) => panic!("the connection failed: {e}"),
                    }
                };
                if refused {
                    // A checkout would retry later; so does this one.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    tasks
}

async fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool, server: &Server) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {within:?}; log:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn log_lines(server: &Server) -> usize {
    server.log().lines().count()
}

/// `couponsd info --json` against the server.
fn cli_info(addr: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr, "info", "--json"])
        .output()
        .expect("running couponsd info");
    assert!(out.status.success(), "couponsd info failed: {out:?}");
    serde_json::from_slice(&out.stdout).expect("info --json")
}

/// Every acknowledged redemption is stored as acknowledged, no refused one
/// is, and the coupon's counter matches its records.
async fn check_stored(client: &Client, coupon_id: u64, outcomes: &Outcomes) {
    for (order_id, id) in &outcomes.acked {
        let r = client
            .get_redemption(RedemptionRef::Id(*id))
            .await
            .unwrap_or_else(|e| panic!("acknowledged redemption {id} ({order_id}) lost: {e}"));
        assert_eq!(&r.redemption.order_id, order_id);
        assert_eq!(r.redemption.status, RedemptionStatus::Processed);
    }
    for order_id in &outcomes.refused {
        let found = client
            .get_redemption(RedemptionRef::Order {
                code: CODE.into(),
                order_id: order_id.clone(),
            })
            .await;
        assert!(
            matches!(&found, Err(e) if e.code() == Some(ErrorCode::NotFound)),
            "{order_id} was refused with STORAGE_UNAVAILABLE but is stored: {found:?}"
        );
    }
    let records = all_redemptions(client, coupon_id).await;
    let coupon = client.get_coupon(CouponRef::Id(coupon_id)).await.unwrap();
    let processed = records
        .iter()
        .filter(|r| r.status == RedemptionStatus::Processed)
        .count() as u64;
    assert_eq!(
        coupon.current_usage, processed,
        "counter matches the records"
    );
    assert!(processed >= outcomes.acked.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_disk_refuses_writes_keeps_reads_and_recovers_without_a_restart() {
    let tmpfs = Tmpfs::mount(64);
    let data: PathBuf = tmpfs.path().join("data");
    let mut server = Server::prepare_with_data(data);
    server.launch(&[]).await;
    let client = server.client().await;
    let coupon = client
        .create_coupon(percent_coupon(CODE, 1_000, None, None))
        .await
        .expect("creating the coupon");

    // The ballast takes everything but a few MiB; deleting it frees space.
    let ballast = tmpfs.path().join("ballast");
    fill_leaving_headroom(&ballast);

    let outcomes: Shared = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(&server, "full", &outcomes, &stop).await;
    wait_for(
        "a write refused with STORAGE_UNAVAILABLE",
        Duration::from_secs(120),
        || {
            let o = outcomes.lock().unwrap();
            assert!(
                !o.other.contains_key("INTERNAL"),
                "a write failed with INTERNAL, not STORAGE_UNAVAILABLE: {:?}",
                o.other
            );
            o.first_refusal.is_some()
        },
        &server,
    )
    .await;
    let lines_at_failure = log_lines(&server);
    let acked_at_failure = outcomes.lock().unwrap().acked.len();
    assert!(
        acked_at_failure > 0,
        "nothing was acknowledged before the disk filled"
    );

    // Full, with the load still on, for a few seconds.
    tokio::time::sleep(Duration::from_secs(4)).await;
    {
        let o = outcomes.lock().unwrap();
        assert!(
            !o.other.contains_key("INTERNAL"),
            "writes failed with INTERNAL, not STORAGE_UNAVAILABLE: {:?}",
            o.other
        );
        assert!(
            o.refused.len() > 20,
            "the load kept trying: {} refusals",
            o.refused.len()
        );
    }
    // Reads go on: ping, validate, a coupon, an acknowledged redemption.
    let reader = server.client().await;
    reader.ping().await.expect("ping while the disk is full");
    let validation = reader
        .validate(CODE, order("reader", 10_000))
        .await
        .expect("validate while the disk is full");
    assert!(validation.valid, "{validation:?}");
    let stored = reader
        .get_coupon(CouponRef::Code(CODE.into()))
        .await
        .expect("coupon get while the disk is full");
    assert!(stored.current_usage >= acked_at_failure as u64);
    // Every redemption acknowledged so far is readable, the last ones too
    // (their rows were written without fsync just before the disk filled).
    let acked: Vec<(String, u64)> = {
        let o = outcomes.lock().unwrap();
        o.acked.iter().map(|(k, v)| (k.clone(), *v)).collect()
    };
    for (order_id, id) in &acked {
        let r = reader
            .get_redemption(RedemptionRef::Id(*id))
            .await
            .unwrap_or_else(|e| panic!("redemption {id} while the disk is full: {e}"));
        assert_eq!(&r.redemption.order_id, order_id);
    }
    // The operator sees why: over the protocol and from the command line.
    let info = reader.server_info().await.expect("info");
    assert!(info.writes_failing_since_ms > 0, "{info:?}");
    assert!(
        info.storage_error.contains("No space left on device"),
        "{info:?}"
    );
    let cli = cli_info(&server.addr);
    assert_eq!(cli["writes_ok"], false, "{cli}");
    assert!(
        cli["storage_error"]
            .as_str()
            .is_some_and(|e| e.contains("No space left")),
        "{cli}"
    );

    // No flood: the failures of every request (hundreds), of the retries
    // and of the hold sweeper (twice a second) fit in a few lines. Idle too.
    stop.store(true, Ordering::Relaxed);
    for task in load {
        if let Err(e) = task.await {
            panic!("a load task failed: {e}; log:\n{}", server.log());
        }
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let flood = log_lines(&server) - lines_at_failure;
    let refusals = outcomes.lock().unwrap().refused.len();
    assert!(
        flood <= 40,
        "{flood} log lines for {refusals} refusals in about 8 s; log:\n{}",
        server.log()
    );
    println!("while full: {refusals} refusals, {flood} log lines");

    // Room again: writes resume by themselves, no restart.
    std::fs::remove_file(&ballast).expect("deleting the ballast");
    let freed = Instant::now();
    let probe = server.client().await;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let order_id = format!("after-{attempt}");
        match probe
            .redeem(redeem_request(CODE, &order_id, "after", 10_000))
            .await
        {
            Ok(reply) => {
                outcomes
                    .lock()
                    .unwrap()
                    .acked
                    .insert(order_id, reply.redemption.id);
                break;
            }
            Err(e) if e.code() == Some(ErrorCode::StorageUnavailable) => {
                outcomes.lock().unwrap().refused.push(order_id);
            }
            Err(e) => panic!("after freeing space: {e}"),
        }
        assert!(
            freed.elapsed() < Duration::from_secs(30),
            "writes did not resume within 30 s of freeing space; log:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("writes resumed {:?} after space was freed", freed.elapsed());
    let info = probe.server_info().await.expect("info");
    assert_eq!(info.writes_failing_since_ms, 0, "{info:?}");
    assert_eq!(info.storage_error, "", "{info:?}");
    assert_eq!(cli_info(&server.addr)["writes_ok"], true);

    // And they go on: a second load round, all acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let before = outcomes.lock().unwrap().acked.len();
    let load = start_load(&server, "after", &outcomes, &stop).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        if let Err(e) = task.await {
            panic!("a load task failed: {e}; log:\n{}", server.log());
        }
    }
    let outcomes = Arc::try_unwrap(outcomes)
        .ok()
        .expect("load tasks done")
        .into_inner()
        .unwrap();
    assert!(
        outcomes.acked.len() > before + 100,
        "the load after recovery"
    );
    println!(
        "acknowledged {}, refused {}, other {:?}",
        outcomes.acked.len(),
        outcomes.refused.len(),
        outcomes.other
    );

    // Nothing acknowledged lost, nothing refused stored: now, and after kill -9.
    check_stored(&server.client().await, coupon.id, &outcomes).await;
    server.restart().await;
    check_stored(&server.client().await, coupon.id, &outcomes).await;
    drop(server);
    drop(tmpfs);
}

/// A redemption row of about 1 KiB (a long `reverse_reason`), so that a few
/// thousand of them need fresh space in the file.
fn row(id: u64) -> couponsd_client::wire::Redemption {
    couponsd_client::wire::Redemption {
        id,
        coupon_id: 1,
        code: CODE.into(),
        customer_id: format!("cust-{id}"),
        order_id: format!("order-{id}"),
        transaction_id: String::new(),
        status: RedemptionStatus::Processed,
        original_amount: 10_000,
        discount_amount: 1_000,
        final_amount: 9_000,
        currency: "USD".into(),
        channel: String::new(),
        created_at: 1,
        updated_at: 1,
        hold_expires_at: None,
        reverse_reason: "x".repeat(1_000),
        security: Default::default(),
        fraud_outcome: None,
        identifiers: Default::default(),
        counted: 0,
    }
}

fn rows(ids: std::ops::RangeInclusive<u64>) -> couponsd::storage::Changes {
    let mut changes = couponsd::storage::Changes::default();
    for id in ids {
        changes.put_redemption(&row(id));
    }
    changes
}

fn stored(store: &couponsd::storage::Store, id: u64) -> bool {
    store
        .read()
        .and_then(|view| view.redemption(id))
        .unwrap_or_else(|e| panic!("reading redemption {id}: {e}"))
        .is_some()
}

/// The store on its own, deterministically: the state machine's commits
/// skip the fsync, so the one that fails on a full disk takes the unsynced
/// ones before it down with it (redb reopens as of its last durable
/// commit). They must be readable again at once, still with the disk full,
/// and durable once it has room; the failed commit must have stored nothing.
#[test]
fn commits_without_fsync_survive_the_reopen_after_a_full_disk() {
    use couponsd::storage::{Health, Store};

    let tmpfs = Tmpfs::mount(32);
    let dir = tmpfs.path().join("data");
    let health = Arc::new(Health::default());
    let store = Store::open(&dir, false, health.clone()).expect("opening the store");
    store.commit(rows(1..=100), true).expect("a durable commit");
    for first in [101, 201, 301] {
        store
            .commit(rows(first..=first + 99), false)
            .expect("a commit without fsync");
    }
    // Written behind: a read commits them (without fsync) into the file.
    assert!(stored(&store, 400));

    let ballast = tmpfs.path().join("ballast");
    let mut file = std::fs::File::create(&ballast).expect("ballast");
    let chunk = vec![0x5au8; 1 << 20];
    while file.write(&chunk).is_ok_and(|n| n > 0) {}
    drop(file);

    let failed = store
        .commit(rows(401..=4_400), true)
        .expect_err("a 4 MiB commit on a full disk");
    assert!(failed.is_unavailable(), "{failed:?}");
    let why = health.writes_refused().expect("writes are refused");
    assert!(
        why.starts_with("couponsd.redb: I/O error: No space left"),
        "{why}"
    );
    // Readable at once, the unsynced commits included; nothing of the failed one.
    for id in 1..=400 {
        assert!(stored(&store, id), "redemption {id} lost by the reopen");
    }
    assert!(!stored(&store, 401) && !stored(&store, 4_400));

    std::fs::remove_file(&ballast).expect("deleting the ballast");
    store
        .commit(rows(401..=4_400), true)
        .expect("the same commit once there is room");
    assert_eq!(health.writes_refused(), None);
    drop(store);
    let store = Store::open(&dir, false, health).expect("opening it again");
    for id in 1..=4_400 {
        assert!(stored(&store, id), "redemption {id} not durable");
    }
    drop(store);
    drop(tmpfs);
}

/// Commits without fsync are written behind (`Store::commit`): kept in
/// memory and committed by the next read, the next durable commit or once
/// enough gather. Rows acknowledged before the disk filled stay readable
/// after: that commit, without fsync, stays in redb's own cache.
#[test]
fn rows_written_behind_stay_readable_once_the_disk_fills() {
    use couponsd::storage::Store;

    let tmpfs = Tmpfs::mount(32);
    let dir = tmpfs.path().join("data");
    let store = Store::open(&dir, false, Arc::default()).expect("opening the store");
    store.commit(rows(1..=10), true).expect("a durable commit");
    for first in (11..=2_011).step_by(100) {
        store
            .commit(rows(first..=first + 99), false)
            .expect("a commit without fsync");
    }

    let ballast = tmpfs.path().join("ballast");
    let mut file = std::fs::File::create(&ballast).expect("ballast");
    let chunk = vec![0x5au8; 1 << 20];
    while file.write(&chunk).is_ok_and(|n| n > 0) {}
    drop(file);

    for id in 1..=2_110 {
        assert!(
            stored(&store, id),
            "redemption {id} unreadable on a full disk"
        );
    }
    drop(store);
    drop(tmpfs);
}
