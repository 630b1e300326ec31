//! Online backup and restore (`couponsd backup`, `couponsd restore`): a
//! backup taken under a redeem load restores to exactly the state at its
//! LSN (the source's own DIGEST there, every redemption acknowledged before
//! it, none of a later one); damaged files and occupied targets are refused
//! with their own errors and exit codes before anything is written; a client
//! that vanishes mid-backup does not hold the node.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{all_redemptions, code_of, percent_coupon, redeem_request, Server};
use couponsd_client::wire::{ErrorCode, Redemption};
use serde_json::Value;

/// Runs the CLI; returns its exit code and its --json output.
fn couponsd(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(args)
        .arg("--json")
        .output()
        .expect("running couponsd");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    let all = stdout + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), json, all)
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

/// `couponsd backup` of the node at `addr` into `out`: (lsn, digest hex).
fn backup(addr: &str, out: &Path) -> (u64, String) {
    let json = backup_json(addr, out);
    let lsn = json["lsn"].as_u64().expect("lsn");
    let digest = json["digest"].as_str().expect("digest").to_string();
    (lsn, digest)
}

/// `couponsd backup --json`'s output.
fn backup_json(addr: &str, out: &Path) -> Value {
    let (code, json, all) = couponsd(&["--addr", addr, "backup", "--out", path_str(out)]);
    assert_eq!(code, 0, "backup failed: {all}");
    assert!(out.exists() && !tmp_of(out).exists(), "{all}");
    json
}

fn tmp_of(out: &Path) -> std::path::PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".tmp");
    name.into()
}

fn restore(file: &Path, dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["restore", "--in", path_str(file), "--data", path_str(dir)];
    args.extend_from_slice(extra);
    couponsd(&args)
}

/// Starts a node on a restored data directory.
async fn start_on(dir: &Path) -> Server {
    let mut node = Server::prepare_with_data(dir.to_path_buf());
    node.launch(&[]).await;
    node
}

fn orders(redemptions: &[Redemption]) -> BTreeSet<String> {
    redemptions.iter().map(|r| r.order_id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_to_the_state_at_its_lsn() {
    // Checkpoints every few hundred records: the backup carries a
    // checkpoint and the log after it, as a long-running node's would.
    let source = Server::start_with(&["--checkpoint-records", "300"]).await;
    let client = source.client().await;
    let coupon = client
        .create_coupon(percent_coupon("LOAD10", 1000, None, None))
        .await
        .unwrap();
    for i in 0..600 {
        let order = format!("pre-{i}");
        client
            .redeem(redeem_request("LOAD10", &order, &format!("c{i}"), 10_000))
            .await
            .unwrap();
    }

    // 8 connections redeem, each order once, until told to stop; each
    // acknowledged order is kept with the moment its reply came.
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(String, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut load = Vec::new();
    for conn in 0..8 {
        let c = source.client().await;
        let (stop, acked) = (stop.clone(), acked.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let order = format!("load-{conn}-{n}");
                n += 1;
                let reply = c
                    .redeem(redeem_request(
                        "LOAD10",
                        &order,
                        &format!("c{conn}"),
                        10_000,
                    ))
                    .await;
                reply.expect("a redemption under load");
                acked.lock().unwrap().push((order, Instant::now()));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("load.bak");
    let begun = Instant::now();
    let addr = source.addr.clone();
    let file_for_cli = file.clone();
    let taken = tokio::task::spawn_blocking(move || backup_json(&addr, &file_for_cli))
        .await
        .unwrap();
    let finished = Instant::now();
    let lsn = taken["lsn"].as_u64().expect("lsn");
    let digest = taken["digest"].as_str().expect("digest").to_string();
    let checkpoint_lsn = taken["checkpoint_lsn"].as_u64().expect("checkpoint_lsn");
    assert!(
        0 < checkpoint_lsn && checkpoint_lsn <= lsn,
        "the backup carries a checkpoint (and the log after it): {taken}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for task in load {
        task.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let during = acked
        .iter()
        .filter(|(_, at)| *at > begun && *at < finished)
        .count();
    let after = acked.iter().filter(|(_, at)| *at > finished).count();
    let source_lsn = client.server_info().await.unwrap().lsn;
    println!(
        "backup at LSN {lsn} in {:?}; {} redemptions under load, {during} acknowledged while it ran, {after} after; the source went on to LSN {source_lsn}",
        finished - begun,
        acked.len()
    );
    assert!(
        after > 0 && source_lsn > lsn,
        "the load went on past the backup"
    );

    // Restore into a new directory: verify passes, and a node started on it
    // alone serves the state at the backup's LSN.
    let restored_dir = dir.path().join("restored");
    let (code, json, all) = restore(&file, &restored_dir, &[]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(json["lsn"].as_u64(), Some(lsn));
    let (code, _, all) = couponsd(&["verify", "--data", path_str(&restored_dir)]);
    assert_eq!(code, 0, "verify of the restored store: {all}");
    let restored = start_on(&restored_dir).await;
    let rc = restored.client().await;
    let d = rc.digest().await.unwrap();
    assert_eq!(d.lsn, lsn, "the restored node is at the backup's LSN");
    assert_eq!(
        format!("{:032x}", d.digest),
        digest,
        "the restored node's DIGEST is the source's at that LSN"
    );

    // Exactly the source's redemptions up to one point: those acknowledged
    // before the backup began are there, and none after the last one it has.
    let at_source = all_redemptions(&client, coupon.id).await;
    let at_restore = all_redemptions(&rc, coupon.id).await;
    let last = at_restore.last().expect("redemptions restored").id;
    let prefix: Vec<Redemption> = at_source.iter().filter(|r| r.id <= last).cloned().collect();
    assert_eq!(
        at_restore, prefix,
        "the restored redemptions are the source's up to one id"
    );
    let restored_orders = orders(&at_restore);
    let before: Vec<&String> = acked
        .iter()
        .filter(|(_, at)| *at < begun)
        .map(|(order, _)| order)
        .collect();
    assert!(before.len() > 10, "the load ran before the backup");
    for order in &before {
        assert!(
            restored_orders.contains(*order),
            "{order} was acknowledged before the backup began but is not in it"
        );
    }
    let restored_coupon = rc
        .get_coupon(couponsd_client::wire::CouponRef::Id(coupon.id))
        .await
        .unwrap();
    assert_eq!(restored_coupon.current_usage, at_restore.len() as u64);
    assert!(at_restore.len() < at_source.len());

    // The restored node is a new cluster of one: it takes writes.
    rc.redeem(redeem_request("LOAD10", "after-restore", "z", 10_000))
        .await
        .unwrap();

    // Without load, the backup's digest is the node's DIGEST at the same LSN.
    let quiet = dir.path().join("quiet.bak");
    let addr = source.addr.clone();
    let quiet_for_cli = quiet.clone();
    let (quiet_lsn, quiet_digest) =
        tokio::task::spawn_blocking(move || backup(&addr, &quiet_for_cli))
            .await
            .unwrap();
    let live = client.digest().await.unwrap();
    assert_eq!(
        (quiet_lsn, quiet_digest),
        (live.lsn, format!("{:032x}", live.digest))
    );
}

/// Rewrites a file's trailing SHA-256 over everything before it.
fn reseal(bytes: &mut [u8]) {
    let split = bytes.len() - 32;
    let sum = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes[..split]);
    bytes[split..].copy_from_slice(sum.as_ref());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_and_occupied_targets_are_refused_with_their_own_errors() {
    let source = Server::start().await;
    let client = source.client().await;
    client
        .create_coupon(percent_coupon("SMALL", 500, Some(10), None))
        .await
        .unwrap();
    for i in 0..3 {
        client
            .redeem(redeem_request("SMALL", &format!("o{i}"), "c", 5_000))
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.bak");
    let (lsn, digest) = backup(&source.addr, &good);
    let bytes = std::fs::read(&good).unwrap();

    let write = |name: &str, contents: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    };
    let mut flipped = bytes.clone();
    let middle = bytes.len() / 2;
    flipped[middle] ^= 0x20;
    let mut newer = bytes.clone();
    newer[9] = 2; // format version 2, sealed as a real one would be
    reseal(&mut newer);
    let cases: Vec<(&str, std::path::PathBuf, i32)> = vec![
        ("truncated", write("half.bak", &bytes[..bytes.len() / 2]), 3),
        (
            "truncated",
            write("short.bak", &bytes[..bytes.len() - 1]),
            3,
        ),
        ("checksum_mismatch", write("flipped.bak", &flipped), 4),
        ("unknown_version", write("v2.bak", &newer), 5),
        (
            "not_a_backup",
            write("text.bak", b"not a backup at all, just text"),
            5,
        ),
    ];
    for (kind, file, exit) in cases {
        let target = dir.path().join(format!(
            "target-{}",
            file.file_name().unwrap().to_string_lossy()
        ));
        let (code, json, all) = restore(&file, &target, &[]);
        assert_eq!(code, exit, "{kind}: {all}");
        assert_eq!(json["error"], kind, "{all}");
        assert!(
            !target.exists(),
            "{kind}: nothing is written for a bad file"
        );
    }
    let (code, _, all) = couponsd(&[
        "restore",
        "--in",
        path_str(&dir.path().join("flipped.bak")),
        "--data",
        path_str(&dir.path().join("t")),
    ]);
    assert!(all.contains("checksum mismatch"), "{code}: {all}");

    // A directory with anything in it is refused, and left as it was.
    let occupied = dir.path().join("occupied");
    std::fs::create_dir(&occupied).unwrap();
    std::fs::write(occupied.join("notes.txt"), "keep me").unwrap();
    let (code, json, all) = restore(&good, &occupied, &[]);
    assert_eq!(
        (code, json["error"].as_str()),
        (6, Some("not_empty")),
        "{all}"
    );
    assert_eq!(std::fs::read_dir(&occupied).unwrap().count(), 1);

    // --force replaces a stopped node's store (and only its files).
    let mut other = Server::prepare_with_data(occupied.clone());
    other.launch(&[]).await;
    other
        .client()
        .await
        .create_coupon(percent_coupon("OTHER", 100, None, None))
        .await
        .unwrap();
    let (code, _, all) = restore(&good, &occupied, &["--force"]);
    assert_eq!(code, 1, "a running node's store is not replaced: {all}");
    assert!(all.contains("running server"), "{all}");
    other.terminate();
    let (code, _, all) = restore(&good, &occupied, &["--force"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        std::fs::read_to_string(occupied.join("notes.txt")).unwrap(),
        "keep me"
    );
    other.launch(&[]).await;
    let d = other.client().await.digest().await.unwrap();
    assert_eq!((d.lsn, format!("{:032x}", d.digest)), (lsn, digest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_backup_does_not_hold_the_node() {
    let server = Server::start().await;
    let admin = server.client().await;
    admin
        .create_coupon(percent_coupon("KEEP", 500, None, None))
        .await
        .unwrap();

    let first = server.client().await;
    let header = first.backup_begin(true).await.unwrap();
    assert!(first.backup_part(0).await.unwrap().is_some());
    // Out of order, and the end before the last part: refused, the backup goes on.
    assert_eq!(code_of(first.backup_part(5).await), ErrorCode::InvalidState);
    assert_eq!(code_of(first.backup_end().await), ErrorCode::InvalidState);
    // One backup per node at a time.
    let second = server.client().await;
    assert_eq!(code_of(second.backup_begin(false).await), ErrorCode::Busy);
    // Parts of a backup another connection holds are not this one's.
    assert_eq!(
        code_of(second.backup_part(1).await),
        ErrorCode::InvalidState
    );

    // The first client vanishes mid-stream (its socket closes, as a killed
    // process's does): the node lets the backup go.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    let header2 = loop {
        match second.backup_begin(true).await {
            Ok(h) => break h,
            Err(e) if e.code() == Some(ErrorCode::Busy) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => panic!("the node stayed busy after its client left: {e}"),
        }
    };
    assert_eq!(header2.lsn, header.lsn);
    let mut seq = 0;
    while second.backup_part(seq).await.unwrap().is_some() {
        seq += 1;
    }
    let end = second.backup_end().await.unwrap();
    assert_eq!(end.parts, seq);
    let live = admin.digest().await.unwrap();
    assert_eq!(end.digest, Some(live));

    // And the command line's backup works after it.
    let dir = tempfile::tempdir().unwrap();
    let (lsn, _) = backup(&server.addr, &dir.path().join("after.bak"));
    assert_eq!(lsn, header.lsn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restored_node_seeds_a_new_cluster_that_others_join() {
    let source = Server::start().await;
    let client = source.client().await;
    client
        .create_coupon(percent_coupon("SEED", 1000, None, None))
        .await
        .unwrap();
    for i in 0..20 {
        client
            .redeem(redeem_request(
                "SEED",
                &format!("o{i}"),
                &format!("c{i}"),
                5_000,
            ))
            .await
            .unwrap();
    }
    let source_cluster = client.cluster_status().await.unwrap().cluster_id;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seed.bak");
    let (lsn, digest) = backup(&source.addr, &file);
    let restored_dir = dir.path().join("node1");
    let (code, _, all) = restore(&file, &restored_dir, &[]);
    assert_eq!(code, 0, "{all}");

    // Started alone, the restored node is a new cluster of one at the
    // backup's state, under a new cluster id: messages of the old
    // cluster's nodes name the old id and are refused (WRONG_CLUSTER).
    let first = start_on(&restored_dir).await;
    let status = first.client().await.cluster_status().await.unwrap();
    assert_ne!(status.cluster_id, source_cluster);
    assert_eq!(status.lsn, lsn);

    // A second node joins it empty and takes a snapshot of it.
    let mut second = Server::prepare();
    second.launch(&["--node-id", "2", "--join"]).await;
    first
        .client_with(couponsd_client::ClientOptions {
            request_timeout: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .cluster_add(2, &second.addr, true)
        .await
        .expect("adding a node to the restored one");
    second.wait_for_lsn(lsn, Duration::from_secs(60)).await;
    let on_second = second.client().await.digest().await.unwrap();
    assert_eq!(
        (on_second.lsn, format!("{:032x}", on_second.digest)),
        (lsn, digest)
    );
    // The idempotency index (keyed with the source's secret) came along.
    let redeemed_again = first
        .client()
        .await
        .redeem(redeem_request("SEED", "o3", "c3", 5_000))
        .await
        .unwrap();
    assert!(
        redeemed_again.replayed,
        "the order from before the backup replays"
    );
}
