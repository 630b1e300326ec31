//! The operations listener (issue 14, point 1): `--http-listen` serves
//! /healthz, /readyz and /metrics over HTTP/1.1, apart from the protocol
//! port, without a token and showing nothing secret.
//!
//! - /metrics is the Prometheus text format (every line parsed by
//!   `prometheus-parse`, every sample under a TYPE), and its series move
//!   under a redeem load: requests by opcode and status, latency, batch,
//!   commit and fsync histograms' counts up, holds pending, fraud blocks.
//! - No secret in it: the configured tokens, the codes, customer and order
//!   ids are absent.
//! - /readyz is 503 while writes fail (a full disk, as tests/disk_full.rs
//!   makes one) and 200 again once they work; a follower is ready while it
//!   follows a leader and not once the leader and the other node are gone.
//! - Bad requests (garbage, a 10 MB header, a silent client) get a 4xx or
//!   a clean close, and other connections, HTTP and protocol, go on.

mod common;

use std::net::TcpListener as StdListener;
use std::time::{Duration, Instant};

use common::tmpfs::{fill_leaving_headroom, Tmpfs};
use common::{
    order, peers_flag, percent_coupon, redeem_request, reserve_request, Cluster, Secrets, Server,
};
use couponsd_client::wire::{ErrorCode, RedeemRequest, SecuritySettings};
use couponsd_client::{Client, ClientOptions};
use futures_util::future::join_all;
use prometheus_parse::{LineInfo, Scrape, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN_TOKEN: &str = "admin-token-never-shown-4711";
const REDEEM_TOKEN: &str = "redeem-token-never-shown-0815";
const CODE: &str = "METRICS-SECRET-CODE";
const GUARDED: &str = "NEEDS-A-DEVICE";

fn free_addr() -> String {
    let listener = StdListener::bind("127.0.0.1:0").expect("an ephemeral port");
    let addr = listener.local_addr().expect("its address");
    addr.to_string()
}

/// An HTTP answer: status (0 when the server closed without one) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

/// Sends `request` as it is on a new connection and reads until the server
/// closes it (or 10 s pass, which fails the test: nothing may hang).
async fn raw(addr: &str, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connecting over http");
    // The server may answer and close before it read everything: a
    // refused write is its right.
    let _ = stream.write_all(request).await;
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 64 << 10];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the http connection hung");
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

async fn get(addr: &str, path: &str) -> Answer {
    let request = format!("GET {path} HTTP/1.1\r\nHost: couponsd\r\nConnection: close\r\n\r\n");
    raw(addr, request.as_bytes()).await
}

/// /metrics, every line checked against the text format, then parsed.
async fn scrape(addr: &str) -> (String, Scrape) {
    let answer = get(addr, "/metrics").await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer
            .head
            .to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{}",
        answer.head
    );
    let mut typed = std::collections::HashSet::new();
    for line in answer.body.lines() {
        match LineInfo::parse(line) {
            LineInfo::Type { metric_name, .. } => {
                typed.insert(metric_name.trim_end_matches("_bucket").to_string());
            }
            LineInfo::Doc { .. } => {}
            LineInfo::Sample { metric_name, .. } => {
                let family = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| metric_name.strip_suffix(s))
                    .filter(|f| typed.contains(*f))
                    .unwrap_or(metric_name);
                assert!(typed.contains(family), "{metric_name} has no TYPE line");
            }
            LineInfo::Empty | LineInfo::Ignored => {
                panic!("not the text format: {line:?}")
            }
        }
    }
    let lines = answer.body.lines().map(|l| Ok(l.to_string()));
    let parsed = Scrape::parse(lines).expect("parsing /metrics");
    (answer.body, parsed)
}

/// The value of a counter or gauge with exactly these labels.
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    s.samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .find_map(|x| match x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(v),
            _ => None,
        })
}

fn must(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    value(s, name, labels).unwrap_or_else(|| panic!("{name}{labels:?} missing"))
}

/// A histogram's observations (its +Inf bucket), with these labels.
fn observations(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let buckets = s
        .samples
        .iter()
        .filter(|x| x.metric == name)
        .filter(|x| labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .find_map(|x| match &x.value {
            Value::Histogram(b) => Some(b.clone()),
            _ => None,
        });
    let Some(buckets) = buckets else { return 0.0 };
    assert!(
        buckets.windows(2).all(|w| w[0].count <= w[1].count),
        "{name}: buckets not cumulative"
    );
    let total = buckets
        .iter()
        .find(|b| b.less_than.is_infinite())
        .map_or(0.0, |b| b.count);
    // _count agrees with the +Inf bucket.
    let mut keys: Vec<(&str, &str)> = labels.to_vec();
    keys.retain(|(k, _)| *k != "le");
    assert_eq!(value(s, &format!("{name}_count"), &keys), Some(total));
    total
}

fn with_token(token: &str) -> ClientOptions {
    ClientOptions {
        token: token.into(),
        ..ClientOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_move_under_a_redeem_load_and_show_nothing_secret() {
    let secrets = Secrets::new();
    let http = free_addr();
    let mut flags = secrets.token_flags(&[
        &format!("admin:{ADMIN_TOKEN}"),
        &format!("redeem:{REDEEM_TOKEN}"),
    ]);
    // Small, so that the load stores a checkpoint.
    flags.extend(["--checkpoint-records".into(), "50".into()]);
    flags.extend(["--http-listen".into(), http.clone()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = Server::start_with(&flags).await;
    let admin = server.client_with(with_token(ADMIN_TOKEN)).await;
    admin
        .create_coupon(percent_coupon(CODE, 1_000, None, None))
        .await
        .expect("creating the coupon");
    let mut guarded = percent_coupon(GUARDED, 1_000, None, None);
    guarded.security = SecuritySettings {
        device_fingerprinting: true,
        velocity_checks: false,
        ..SecuritySettings::default()
    };
    admin
        .create_coupon(guarded)
        .await
        .expect("a guarded coupon");

    let (_, before) = scrape(&http).await;
    let redeems_before = value(&before, "couponsd_requests_total", &[("opcode", "REDEEM")]);
    assert_eq!(redeems_before, None, "no redeem yet");
    assert_eq!(
        must(&before, "couponsd_cluster_role", &[("role", "leader")]),
        1.0
    );
    assert_eq!(must(&before, "couponsd_ready", &[]), 1.0);

    // The load: 4 connections, 100 redeems each, pipelined 10 at a time.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..4 {
        let client = server.client_with(with_token(REDEEM_TOKEN)).await;
        tasks.push(tokio::spawn(async move {
            for round in 0..10 {
                let calls = (0..10).map(|i| {
                    let order_id = format!("secret-order-c{c}-r{round}-{i}");
                    let customer = format!("secret-customer-{c}-{round}-{i}");
                    let client = client.clone();
                    async move {
                        client
                            .redeem(redeem_request(CODE, &order_id, &customer, 10_000))
                            .await
                    }
                });
                for result in join_all(calls).await {
                    result.expect("a redeem of the load");
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a load task");
    }
    let load_ms = started.elapsed().as_millis();
    let redeemer = server.client_with(with_token(REDEEM_TOKEN)).await;
    // A hold left pending, and three attempts a security check blocks.
    redeemer
        .reserve(reserve_request(
            CODE,
            "secret-hold",
            "secret-holder",
            10_000,
            600_000,
        ))
        .await
        .expect("a hold");
    for i in 0..3 {
        let blocked = redeemer
            .redeem(RedeemRequest {
                code: GUARDED.into(),
                order_id: format!("secret-blocked-{i}"),
                transaction_id: String::new(),
                order: order("secret-blocked-customer", 10_000),
            })
            .await;
        assert_eq!(
            common::code_of(blocked),
            ErrorCode::DeviceFingerprintRequired
        );
    }

    let (page, after) = scrape(&http).await;
    let ok = must(
        &after,
        "couponsd_requests_total",
        &[("opcode", "REDEEM"), ("status", "OK")],
    );
    assert_eq!(ok, 400.0, "every redeem of the load counted once");
    assert_eq!(
        must(
            &after,
            "couponsd_requests_total",
            &[
                ("opcode", "REDEEM"),
                ("status", "DEVICE_FINGERPRINT_REQUIRED")
            ]
        ),
        3.0
    );
    assert_eq!(must(&after, "couponsd_fraud_blocks_total", &[]), 3.0);
    assert_eq!(
        must(
            &after,
            "couponsd_requests_total",
            &[("opcode", "RESERVE"), ("status", "OK")]
        ),
        1.0
    );
    assert_eq!(
        observations(
            &after,
            "couponsd_request_duration_seconds",
            &[("opcode", "REDEEM")]
        ),
        403.0
    );
    let batches_before = observations(&before, "couponsd_writer_batch_requests", &[]);
    let batches = observations(&after, "couponsd_writer_batch_requests", &[]);
    assert!(
        batches > batches_before,
        "batches {batches_before} -> {batches}"
    );
    let batch_sum_before = must(&before, "couponsd_writer_batch_requests_sum", &[]);
    let batch_sum = must(&after, "couponsd_writer_batch_requests_sum", &[]);
    assert!(
        batch_sum - batch_sum_before >= 401.0,
        "the batches hold every write: {batch_sum_before} -> {batch_sum}"
    );
    let commits_before = observations(&before, "couponsd_commit_duration_seconds", &[]);
    let commits = observations(&after, "couponsd_commit_duration_seconds", &[]);
    assert!(
        commits > commits_before,
        "commits {commits_before} -> {commits}"
    );
    let fsyncs_before = observations(
        &before,
        "couponsd_fsync_duration_seconds",
        &[("file", "raft-log")],
    );
    let fsyncs = observations(
        &after,
        "couponsd_fsync_duration_seconds",
        &[("file", "raft-log")],
    );
    assert!(fsyncs > fsyncs_before, "fsyncs {fsyncs_before} -> {fsyncs}");
    assert_eq!(must(&after, "couponsd_holds_pending", &[]), 1.0);
    assert_eq!(must(&after, "couponsd_requests_in_flight", &[]), 0.0);
    // The admin's and the redeemer's (the load's are closed by now).
    assert!(must(&after, "couponsd_connections_open", &[]) >= 2.0);
    assert!(must(&after, "couponsd_applied_lsn", &[]) > must(&before, "couponsd_applied_lsn", &[]));
    assert!(must(&after, "couponsd_cluster_term", &[]) >= 1.0);
    assert!(must(&after, "couponsd_resident_memory_bytes", &[]) > 1e6);
    assert!(must(&after, "couponsd_data_dir_bytes", &[]) > 0.0);
    assert!(must(&after, "couponsd_checkpoint_lsn", &[]) > 0.0);
    assert!(must(&after, "couponsd_checkpoint_age_seconds", &[]) < 600.0);
    for gauge in [
        "couponsd_writer_queue_depth",
        "couponsd_proposals_in_flight",
        "couponsd_storage_errors_total",
        "couponsd_storage_writes_refused",
        "couponsd_raft_committed_index",
        "couponsd_raft_applied_index",
    ] {
        must(&after, gauge, &[]);
    }
    println!(
        "400 redeems in {load_ms} ms: {} batches ({} requests), {} commits, {} Raft log syncs",
        batches - batches_before,
        batch_sum - batch_sum_before,
        commits - commits_before,
        fsyncs - fsyncs_before
    );

    // Nothing secret: no token, no code, no customer or order id.
    for secret in [
        ADMIN_TOKEN,
        REDEEM_TOKEN,
        CODE,
        GUARDED,
        "secret-order",
        "secret-customer",
        "secret-hold",
        "secret-blocked",
    ] {
        assert!(!page.contains(secret), "/metrics shows {secret:?}");
    }
    for path in ["/healthz", "/readyz"] {
        let answer = get(&http, path).await;
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        assert!(!answer.body.contains(ADMIN_TOKEN));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn routes_and_bad_requests_get_clean_answers_and_others_go_on() {
    let http = free_addr();
    let server = Server::start_with(&["--http-listen", &http]).await;
    let client = server.client().await;

    assert_eq!(get(&http, "/healthz").await.status, 200);
    let ready = get(&http, "/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));
    assert_eq!(get(&http, "/metrics?x=1").await.status, 200);
    assert_eq!(get(&http, "/nowhere").await.status, 404);
    assert_eq!(get(&http, "/").await.status, 404);
    let post = raw(
        &http,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(post.status, 405, "{post:?}");
    assert!(post.head.to_ascii_lowercase().contains("allow: get, head"));
    let head = raw(
        &http,
        b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!((head.status, head.body.as_str()), (200, ""));

    // A client that sends nothing is closed once the head timeout passes,
    // and meanwhile everyone else is served.
    let mut silent = TcpStream::connect(&http).await.expect("a silent client");
    // Garbage bytes: a 400 or a close, never a hang.
    let garbage = raw(
        &http,
        &[0x16, 0x03, 0x01, 0xff, 0x00, b'\r', b'\n', b'\r', b'\n'],
    )
    .await;
    assert!(
        garbage.status == 0 || garbage.status == 400,
        "garbage got {garbage:?}"
    );
    let nonsense = raw(&http, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert!(
        nonsense.status == 0 || (400..500).contains(&nonsense.status),
        "{nonsense:?}"
    );
    // A 10 MB header: refused (431) or closed, without reading it all.
    let mut huge = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 10 << 20));
    huge.extend_from_slice(b"\r\n\r\n");
    let big = raw(&http, &huge).await;
    assert!(
        big.status == 0 || (400..500).contains(&big.status),
        "a 10 MB header got {big:?}"
    );
    assert_eq!(get(&http, "/healthz").await.status, 200);
    client.ping().await.expect("the protocol port goes on");
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(15), silent.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "a silent client must be closed: {closed:?}"
    );
    assert!(server.log().lines().all(|l| !l.contains("panicked")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readyz_is_false_while_writes_fail_and_true_again_after() {
    let tmpfs = Tmpfs::mount(64);
    let http = free_addr();
    let mut server = Server::prepare_with_data(tmpfs.path().join("data"));
    server.launch(&["--http-listen", &http]).await;
    let client = server.client().await;
    client
        .create_coupon(percent_coupon(CODE, 1_000, None, None))
        .await
        .expect("creating the coupon");
    assert_eq!(get(&http, "/readyz").await.status, 200);

    let ballast = tmpfs.path().join("ballast");
    fill_leaving_headroom(&ballast);
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut i = 0;
    loop {
        i += 1;
        let result = client
            .redeem(redeem_request(CODE, &format!("full-{i}"), "c", 10_000))
            .await;
        if matches!(&result, Err(e) if e.code() == Some(ErrorCode::StorageUnavailable)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes never failed; log:\n{}",
            server.log()
        );
    }
    let not_ready = get(&http, "/readyz").await;
    assert_eq!(not_ready.status, 503, "{not_ready:?}");
    assert!(
        not_ready
            .body
            .starts_with("not ready: storage cannot be written")
            && not_ready.body.contains("No space left"),
        "{not_ready:?}"
    );
    assert_eq!(get(&http, "/healthz").await.status, 200);
    let (_, full) = scrape(&http).await;
    assert_eq!(must(&full, "couponsd_ready", &[]), 0.0);
    assert_eq!(must(&full, "couponsd_storage_writes_refused", &[]), 1.0);
    assert!(must(&full, "couponsd_storage_errors_total", &[]) >= 1.0);
    assert!(
        must(
            &full,
            "couponsd_requests_total",
            &[("opcode", "REDEEM"), ("status", "STORAGE_UNAVAILABLE")]
        ) >= 1.0
    );

    std::fs::remove_file(&ballast).expect("deleting the ballast");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let result = client
            .redeem(redeem_request(CODE, "after-room", "c", 10_000))
            .await;
        if result.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "writes did not resume: {result:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = get(&http, "/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));
    let (_, healthy) = scrape(&http).await;
    assert_eq!(must(&healthy, "couponsd_ready", &[]), 1.0);
    assert_eq!(must(&healthy, "couponsd_storage_writes_refused", &[]), 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_is_ready_while_it_follows_and_not_once_alone() {
    let mut nodes: Vec<Server> = (0..3).map(|_| Server::prepare()).collect();
    let peers = peers_flag(&nodes);
    let https: Vec<String> = (0..3).map(|_| free_addr()).collect();
    for (i, node) in nodes.iter_mut().enumerate() {
        let id = (i + 1).to_string();
        node.launch(&[
            "--node-id",
            &id,
            "--peers",
            &peers,
            "--http-listen",
            &https[i],
        ])
        .await;
    }
    let mut cluster = Cluster { nodes };
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let follower = (leader + 1) % 3;
    let other = (leader + 2) % 3;
    let client = Client::connect(cluster.nodes[leader].addr.as_str())
        .await
        .expect("the leader");
    client
        .create_coupon(percent_coupon(CODE, 1_000, None, None))
        .await
        .expect("a write through the leader");
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&https[follower], "/readyz").await.status != 200 {
        assert!(Instant::now() < deadline, "the follower never got ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, page) = scrape(&https[leader]).await;
    assert_eq!(
        must(&page, "couponsd_cluster_role", &[("role", "leader")]),
        1.0
    );
    for i in [follower, other] {
        let id = (i + 1).to_string();
        must(
            &page,
            "couponsd_cluster_member_lag_entries",
            &[("node_id", &id)],
        );
    }
    let (_, page) = scrape(&https[follower]).await;
    assert_eq!(
        must(&page, "couponsd_cluster_role", &[("role", "follower")]),
        1.0
    );

    // Cut off: the leader and the third node gone, the follower alone.
    cluster.nodes[leader].kill9();
    cluster.nodes[other].kill9();
    let deadline = Instant::now() + Duration::from_secs(20);
    let answer = loop {
        let answer = get(&https[follower], "/readyz").await;
        if answer.status == 503 {
            break answer;
        }
        assert!(
            Instant::now() < deadline,
            "a follower alone stayed ready: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        answer.body.contains("leader"),
        "the reason names the leader: {answer:?}"
    );
    assert_eq!(get(&https[follower], "/healthz").await.status, 200);
}
