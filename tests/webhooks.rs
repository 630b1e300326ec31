//! Webhooks end to end: the real binary POSTs to a real HTTP/1.1 receiver on
//! loopback written here (a plain tokio TCP parser), which checks each
//! signature with its own HMAC-SHA256.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{code_of, percent_coupon, Cluster, Server};
use couponsd_client::wire::{
    event_id, ErrorCode, EventType, EventsRequest, Webhook, WebhookAdd, WEBHOOKS_MAX,
};
use couponsd_client::Client;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Fast retries, so failures show within a test.
const FAST: &[&str] = &[
    "--webhook-backoff-initial-ms",
    "20",
    "--webhook-backoff-max-ms",
    "200",
];

/// One POST as the receiver saw it.
#[derive(Debug, Clone)]
struct Delivery {
    headers: HashMap<String, String>,
    body: Vec<u8>,
    /// What the receiver answered.
    status: u16,
}

impl Delivery {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
    fn id(&self) -> u64 {
        self.json()["id"].as_u64().expect("an id")
    }
}

/// An HTTP/1.1 receiver on loopback: answers every request with `status`,
/// keeps what it got; `stop` closes the port and every connection.
struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Delivery>>>,
    status: Arc<AtomicU16>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    async fn start(status: u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let mut r = Receiver {
            addr: listener.local_addr().expect("addr"),
            got: Arc::default(),
            status: Arc::new(AtomicU16::new(status)),
            task: None,
        };
        r.serve(listener);
        r
    }

    fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    fn serve(&mut self, listener: TcpListener) {
        let got = self.got.clone();
        let status = self.status.clone();
        self.task = Some(tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                connections.spawn(serve_connection(socket, got.clone(), status.clone()));
            }
        }));
    }

    /// Closes the port and every open connection.
    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens on the same port again.
    async fn restart(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("rebinding {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    fn all(&self) -> Vec<Delivery> {
        self.got.lock().expect("lock").clone()
    }

    /// The deliveries answered 2xx, in arrival order.
    fn accepted(&self) -> Vec<Delivery> {
        self.all()
            .into_iter()
            .filter(|d| (200..300).contains(&d.status))
            .collect()
    }

    /// Waits until the accepted deliveries hold every id of `wanted`.
    async fn wait_for(&self, wanted: &BTreeSet<u64>, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let ids: BTreeSet<u64> = self.accepted().iter().map(Delivery::id).collect();
            if wanted.is_subset(&ids) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "missing {:?} after {within:?}",
                wanted.difference(&ids).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve_connection(
    mut socket: TcpStream,
    got: Arc<Mutex<Vec<Delivery>>>,
    status: Arc<AtomicU16>,
) {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        // Headers.
        let head_end = loop {
            if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_string();
        assert!(request_line.starts_with("POST /hooks "), "{request_line}");
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .expect("a content-length");
        while buf.len() < head_end + length {
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = buf[head_end..head_end + length].to_vec();
        buf.drain(..head_end + length);
        let answer = status.load(Ordering::SeqCst);
        got.lock().expect("lock").push(Delivery {
            headers,
            body,
            status: answer,
        });
        let reply = format!("HTTP/1.1 {answer} X\r\ncontent-length: 0\r\n\r\n");
        if socket.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Checks a delivery's signature as a receiver would: HMAC-SHA256 keyed
/// with the whole secret over "<t>.<body>", and the id in the header.
fn assert_signed(d: &Delivery, secret: &str) {
    let header = d.headers.get("couponsd-signature").expect("signed");
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("a t=...,v1=... signature: {header}"));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(&d.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        v1,
        expected,
        "signature of {}",
        String::from_utf8_lossy(&d.body)
    );
    let t: i64 = t.parse().expect("unix seconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((now - t).abs() < 300, "t={t} is now");
    assert_eq!(
        d.headers.get("couponsd-event-id").map(String::as_str),
        Some(d.id().to_string().as_str())
    );
    assert_eq!(
        d.headers.get("content-type").map(String::as_str),
        Some("application/json")
    );
}

/// The ids of the events after `webhook_id`'s record of `types` (0: all).
async fn events_after(client: &Client, webhook_id: u64, types: u64) -> Vec<u64> {
    let mut ids = Vec::new();
    let mut from = event_id(webhook_id + 1, 0);
    loop {
        let batch = client
            .events(EventsRequest {
                from,
                types,
                max_batch: 1000,
                ..EventsRequest::default()
            })
            .await
            .expect("events");
        ids.extend(batch.events.iter().map(|e| e.id));
        if batch.events.is_empty() && batch.next == from {
            return ids;
        }
        from = batch.next;
    }
}

async fn add(client: &Client, url: &str, types: u64) -> (u64, String) {
    let added = client
        .webhook_add(WebhookAdd {
            url: url.into(),
            types,
            description: "test".into(),
        })
        .await
        .expect("webhook added");
    (added.id, added.secret)
}

async fn listed(client: &Client, id: u64) -> Webhook {
    client
        .webhook_list()
        .await
        .expect("list")
        .into_iter()
        .find(|w| w.id == id)
        .expect("listed")
}

async fn create_coupons(client: &Client, prefix: &str, n: usize) {
    let mut pending = Vec::new();
    for i in 0..n {
        pending.push(client.create_coupon(percent_coupon(
            &format!("{prefix}{i}"),
            1000,
            None,
            None,
        )));
    }
    for created in futures_util::future::join_all(pending).await {
        created.expect("coupon created");
    }
}

/// Every event arrives once, in id order, signed, with its id in the header;
/// an endpoint of one type gets only that type; LIST and DELIVERIES show it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_in_order_signed() {
    let server = Server::start_with(FAST).await;
    let client = server.client().await;
    let all = Receiver::start(200).await;
    let created_only = Receiver::start(204).await;
    let (id, secret) = add(&client, &all.url(), 0).await;
    let created_bit = EventType::CouponCreated.bit();
    let (only_id, only_secret) = add(&client, &created_only.url(), created_bit).await;
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    create_coupons(&client, "HOOK", 5).await;
    let coupon = client
        .create_coupon(percent_coupon("HOOKED", 1000, None, None))
        .await
        .expect("created");
    client
        .redeem(common::redeem_request("HOOKED", "order-1", "ann", 10_000))
        .await
        .expect("redeemed");
    client.delete_coupon(coupon.id).await.expect("deleted");

    let expected = events_after(&client, id, 0).await;
    assert!(expected.len() >= 8, "{expected:?}");
    all.wait_for(&expected.iter().copied().collect(), Duration::from_secs(20))
        .await;
    let got = all.accepted();
    let ids: Vec<u64> = got.iter().map(Delivery::id).collect();
    assert_eq!(ids, expected, "every event once, in order");
    for d in &got {
        assert_signed(d, &secret);
        let body = d.json();
        assert_eq!(body["data"]["id"], body["id"]);
        assert!(body["created_ms"].as_i64().is_some_and(|t| t > 0));
    }
    let types: Vec<String> = got.iter().map(|d| d.json()["type"].to_string()).collect();
    for wanted in ["\"redemption.redeemed\"", "\"coupon.deleted\""] {
        assert!(types.iter().any(|t| t == wanted), "{types:?}");
    }

    let expected_created = events_after(&client, only_id, created_bit).await;
    assert_eq!(expected_created.len(), 6);
    created_only
        .wait_for(
            &expected_created.iter().copied().collect(),
            Duration::from_secs(20),
        )
        .await;
    for d in created_only.accepted() {
        assert_signed(&d, &only_secret);
        assert_eq!(d.json()["type"], "coupon.created");
    }

    // The position is recorded within about 100 ms of the last delivery.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let w = listed(&client, id).await;
        if w.position > *expected.last().expect("events") {
            assert!(w.enabled && w.consecutive_failures == 0, "{w:?}");
            assert_eq!(w.url, all.url());
            break;
        }
        assert!(Instant::now() < deadline, "position not recorded: {w:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts = client.webhook_deliveries(id).await.expect("deliveries");
    assert_eq!(attempts.len(), expected.len());
    assert!(attempts
        .iter()
        .all(|a| a.status == 200 && a.error.is_empty()));
    assert_eq!(
        attempts.iter().map(|a| a.event_id).collect::<Vec<_>>(),
        expected
    );
}

/// A receiver that answers 500, then is down (port closed), then comes back
/// gets every event afterwards, in order, none missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_fails_then_is_down_gets_everything_once_back() {
    let server = Server::start_with(FAST).await;
    let client = server.client().await;
    let mut receiver = Receiver::start(500).await;
    let (id, secret) = add(&client, &receiver.url(), 0).await;
    create_coupons(&client, "DOWN", 10).await;
    // A few 500s.
    let deadline = Instant::now() + Duration::from_secs(10);
    while receiver.all().len() < 3 {
        assert!(Instant::now() < deadline, "no attempts");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    receiver.stop();
    create_coupons(&client, "GONE", 10).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let w = listed(&client, id).await;
    assert!(w.enabled && w.consecutive_failures >= 3, "{w:?}");
    assert!(!w.last_error.is_empty());
    assert!(w.backlog_records >= 20, "{w:?}");
    receiver.status.store(200, Ordering::SeqCst);
    receiver.restart().await;
    let expected = events_after(&client, id, 0).await;
    assert_eq!(expected.len(), 20);
    receiver
        .wait_for(&expected.iter().copied().collect(), Duration::from_secs(30))
        .await;
    let accepted = receiver.accepted();
    let ids: Vec<u64> = accepted.iter().map(Delivery::id).collect();
    assert!(ids.windows(2).all(|w| w[0] <= w[1]), "in order: {ids:?}");
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.into_iter().collect::<Vec<_>>(), expected);
    for d in &accepted {
        assert_signed(d, &secret);
    }
    let attempts = client.webhook_deliveries(id).await.expect("deliveries");
    assert!(attempts.iter().any(|a| a.status == 500));
    assert!(
        attempts
            .iter()
            .any(|a| a.status == 0 && !a.error.is_empty()),
        "connection refused is logged"
    );
}

/// kill -9 in the middle of delivering: after the restart the receiver has
/// every event (duplicates allowed, deduplicated by id).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill9_mid_delivery_loses_nothing() {
    let mut server = Server::start_with(FAST).await;
    let client = server.client().await;
    let receiver = Receiver::start(200).await;
    let (id, _) = add(&client, &receiver.url(), 0).await;
    create_coupons(&client, "K", 400).await;
    let expected = events_after(&client, id, 0).await;
    assert_eq!(expected.len(), 400);
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.accepted().len() < 50 {
        assert!(Instant::now() < deadline, "no deliveries");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    server.kill9();
    let before = receiver.accepted().len();
    server.restart().await;
    receiver
        .wait_for(&expected.iter().copied().collect(), Duration::from_secs(30))
        .await;
    let ids: Vec<u64> = receiver.accepted().iter().map(Delivery::id).collect();
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.into_iter().collect::<Vec<_>>(), expected);
    eprintln!(
        "{before} delivered before kill -9, {} deliveries in all for {} events",
        ids.len(),
        expected.len()
    );
}

/// A receiver that always fails gets its endpoint disabled after
/// --webhook-failures-max attempts, reported in LIST; enabling it again
/// delivers once the receiver answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_always_failing_receiver_gets_the_endpoint_disabled() {
    let mut flags = FAST.to_vec();
    flags.extend(["--webhook-failures-max", "4"]);
    let server = Server::start_with(&flags).await;
    let client = server.client().await;
    let receiver = Receiver::start(503).await;
    let (id, secret) = add(&client, &receiver.url(), 0).await;
    create_coupons(&client, "FAIL", 1).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let w = loop {
        let w = listed(&client, id).await;
        if !w.enabled {
            break w;
        }
        assert!(Instant::now() < deadline, "never disabled: {w:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        w.disabled_reason
            .contains("4 consecutive failed deliveries"),
        "{w:?}"
    );
    assert!(w.disabled_reason.contains("HTTP 503"), "{w:?}");
    assert_eq!(w.consecutive_failures, 4);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.all().len(), 4, "no attempt once disabled");
    assert_eq!(client.webhook_deliveries(id).await.expect("log").len(), 4);
    assert!(server.log().contains("webhook endpoint disabled"));

    receiver.status.store(200, Ordering::SeqCst);
    let enabled = client.webhook_enable(id).await.expect("enabled");
    assert!(
        enabled.enabled && enabled.consecutive_failures == 0,
        "{enabled:?}"
    );
    let expected = events_after(&client, id, 0).await;
    receiver
        .wait_for(&expected.iter().copied().collect(), Duration::from_secs(20))
        .await;
    for d in receiver.accepted() {
        assert_signed(&d, &secret);
    }
}

/// Removing an endpoint stops its deliveries; bad input is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removal_stops_deliveries_and_bad_input_is_refused() {
    let server = Server::start_with(FAST).await;
    let client = server.client().await;
    let receiver = Receiver::start(200).await;
    let (id, _) = add(&client, &receiver.url(), 0).await;
    create_coupons(&client, "RM", 2).await;
    let expected = events_after(&client, id, 0).await;
    receiver
        .wait_for(&expected.iter().copied().collect(), Duration::from_secs(20))
        .await;
    client.webhook_remove(id).await.expect("removed");
    create_coupons(&client, "AFTER", 3).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(receiver.all().len(), 2, "nothing after removal");
    assert!(client.webhook_list().await.expect("list").is_empty());
    assert_eq!(
        code_of(client.webhook_remove(id).await),
        ErrorCode::NotFound
    );
    assert_eq!(
        code_of(client.webhook_deliveries(id).await),
        ErrorCode::NotFound
    );

    let long = format!("http://example.com/{}", "a".repeat(2048));
    for url in [
        "ftp://example.com/",
        "example.com/hooks",
        "",
        "http://",
        long.as_str(),
    ] {
        let refused = client
            .webhook_add(WebhookAdd {
                url: url.into(),
                ..WebhookAdd::default()
            })
            .await;
        assert_eq!(code_of(refused), ErrorCode::InvalidArgument, "{url}");
    }
    let unknown_type = client
        .webhook_add(WebhookAdd {
            url: receiver.url(),
            types: 1 << 60,
            ..WebhookAdd::default()
        })
        .await;
    assert_eq!(code_of(unknown_type), ErrorCode::InvalidArgument);
    for _ in 0..WEBHOOKS_MAX {
        add(&client, &receiver.url(), EventType::CouponDeleted.bit()).await;
    }
    let over = client
        .webhook_add(WebhookAdd {
            url: receiver.url(),
            ..WebhookAdd::default()
        })
        .await;
    assert_eq!(code_of(over), ErrorCode::TooManyWebhooks);
}

/// A follower answers LIST from the replicated endpoints (the same ids,
/// never a secret); only the leader delivers, each event once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_answers_list() {
    let mut cluster = Cluster::start(3, FAST).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let client = cluster.nodes[leader].client().await;
    let receiver = Receiver::start(200).await;
    let (id, _) = add(&client, &receiver.url(), 0).await;
    create_coupons(&client, "FOLLOW", 3).await;
    let expected = events_after(&client, id, 0).await;
    receiver
        .wait_for(&expected.iter().copied().collect(), Duration::from_secs(20))
        .await;
    let ids: Vec<u64> = receiver.accepted().iter().map(Delivery::id).collect();
    assert_eq!(ids, expected, "one deliverer");
    let follower = (leader + 1) % 3;
    let on_follower = cluster.nodes[follower].client().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let list = on_follower.webhook_list().await.expect("a follower lists");
        if list.len() == 1 && list[0].position > *expected.last().expect("events") {
            assert_eq!(
                (list[0].id, list[0].url.as_str()),
                (id, receiver.url().as_str())
            );
            break;
        }
        assert!(Instant::now() < deadline, "follower's list: {list:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Retention keeps the records an enabled endpoint has not had: with no
/// window (--log-retention-records 0) and checkpoints every 200 records, a
/// receiver down while 2,500 records are written still gets every event.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_what_an_endpoint_needs() {
    let mut flags = FAST.to_vec();
    flags.extend([
        "--log-retention-records",
        "0",
        "--checkpoint-records",
        "200",
    ]);
    let server = Server::start_with(&flags).await;
    let client = server.client().await;
    let mut receiver = Receiver::start(200).await;
    receiver.stop();
    let (id, _) = add(&client, &receiver.url(), 0).await;
    for round in 0..5 {
        create_coupons(&client, &format!("KEEP{round}-"), 500).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let w = listed(&client, id).await;
    assert!(w.enabled && w.backlog_records >= 2500, "{w:?}");
    let expected = events_after(&client, id, 0).await;
    assert_eq!(expected.len(), 2500, "the log still holds them");
    receiver.restart().await;
    receiver
        .wait_for(&expected.iter().copied().collect(), Duration::from_secs(60))
        .await;
}

/// Past --webhook-lag-records-max the endpoint is disabled ("fell behind the
/// retained log") and the log is cut anyway: the disk is not held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_past_the_cap_is_disabled_and_the_log_cut() {
    let mut flags = FAST.to_vec();
    flags.extend([
        "--log-retention-records",
        "0",
        "--checkpoint-records",
        "200",
        "--webhook-lag-records-max",
        "1500",
        "--webhook-failures-max",
        "100000",
    ]);
    let server = Server::start_with(&flags).await;
    let client = server.client().await;
    let mut receiver = Receiver::start(200).await;
    receiver.stop();
    let (id, _) = add(&client, &receiver.url(), 0).await;
    for round in 0..6 {
        create_coupons(&client, &format!("CUT{round}-"), 500).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let w = loop {
        let w = listed(&client, id).await;
        if !w.enabled {
            break w;
        }
        assert!(Instant::now() < deadline, "never disabled: {w:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(w.disabled_reason, "fell behind the retained log");
    // Another record or two, and the cut happens.
    create_coupons(&client, "LAST", 1100).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    for round in 0.. {
        let read = client
            .events(EventsRequest {
                from: event_id(id + 1, 0),
                max_batch: 1,
                ..EventsRequest::default()
            })
            .await;
        match read {
            Err(e) if e.code() == Some(ErrorCode::EventsTruncated) => break,
            _ => {}
        }
        assert!(Instant::now() < deadline, "the log was never cut");
        create_coupons(&client, &format!("MORE{round}-"), 50).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// protocol.md's worked signature example verifies with an HMAC computed
/// here, the way a receiver would.
#[test]
fn the_documented_signature_example_verifies() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md"))
        .expect("protocol.md");
    let start = doc.find("<!-- signature-example -->").expect("the example");
    let block = &doc[start..];
    let field = |name: &str| -> String {
        let line = block
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} line"));
        line[name.len() + 1..].trim().to_string()
    };
    let (secret, t, body, header) = (field("secret"), field("t"), field("body"), field("header"));
    assert_eq!(field("signed"), format!("{t}.{body}"));
    let delivery = Delivery {
        headers: HashMap::new(),
        body: body.into_bytes(),
        status: 200,
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(&delivery.body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(header, format!("t={t},v1={hex}"));
}
