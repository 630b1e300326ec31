//! Bad input never hurts the server: every malformed frame, invalid field or
//! misbehaving peer gets a typed error or a clean close, never a panic, a hang,
//! a partial reply, a write, or an effect on other connections.
//!
//! Every test keeps one good client connection open from the start and checks,
//! at the end, that it still answers (ping and validate), that a fresh
//! connection works, that the process is alive and that its log has no panic.

mod common;

use std::io;
use std::time::{Duration, Instant};

use bytes::{BufMut, BytesMut};
use common::Server;
use couponsd_client::wire::{
    frame, opcode, CouponRef, CouponSpec, CouponType, CriteriaOperator, CriteriaType, DiscountType,
    ErrorBody, ErrorCode, Frame, Hello, LineItem, Order, ProductCriteria, RedeemRequest,
    RedemptionRef, Request, ReserveRequest, Writer, MAGIC, MAX_FRAME_LENGTH, PROTOCOL_VERSION,
};
use couponsd_client::{Client, ClientError, ClientOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a raw connection waits for a reply or a close before the test fails.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// The coupon the good connection validates throughout.
const GOOD: &str = "GOOD10";

// ---------------------------------------------------------------------------
// Raw connections
// ---------------------------------------------------------------------------

/// A raw TCP connection that reads whole reply frames, failing the test on a
/// hang, a partial frame or a bad checksum.
struct Raw {
    stream: TcpStream,
    buf: BytesMut,
    /// Set when the connection ended with a reset rather than a clean close.
    reset: bool,
}

fn is_reset(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

impl Raw {
    async fn connect(addr: &str) -> Raw {
        let stream = TcpStream::connect(addr).await.expect("raw connect");
        stream.set_nodelay(true).expect("nodelay");
        Raw {
            stream,
            buf: BytesMut::with_capacity(64 * 1024),
            reset: false,
        }
    }

    /// Connects and completes a good HELLO (request id 1).
    async fn connect_hello(addr: &str) -> Raw {
        let mut raw = Raw::connect(addr).await;
        raw.send(&request_frame(1, &hello(MAGIC, PROTOCOL_VERSION)))
            .await;
        let reply = raw
            .reply()
            .await
            .expect("closed instead of answering HELLO");
        assert_eq!(
            (reply.request_id, reply.opcode, reply.status),
            (1, opcode::HELLO, 0),
            "HELLO refused: {}",
            describe(&reply)
        );
        raw
    }

    /// Writes everything; the server must still be reading.
    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("raw write");
    }

    /// Writes, tolerating a server that already closed (its reply or close is
    /// then checked by reading).
    async fn send_lossy(&mut self, bytes: &[u8]) {
        let _ = tokio::time::timeout(REPLY_TIMEOUT, self.stream.write_all(bytes)).await;
    }

    /// The next reply frame, or None once the server closed the connection.
    /// Fails the test if the server neither answers nor closes within
    /// REPLY_TIMEOUT, or closes inside a frame, or sends a corrupt frame.
    async fn reply(&mut self) -> Option<Frame> {
        let deadline = Instant::now() + REPLY_TIMEOUT;
        loop {
            match frame::check(&self.buf, MAX_FRAME_LENGTH) {
                Ok(Some(total)) => {
                    let f = frame::parse(&mut self.buf, total)
                        .unwrap_or_else(|e| panic!("the server sent a corrupt frame: {e}"));
                    return Some(f);
                }
                Ok(None) => {}
                Err(e) => panic!("the server sent an invalid frame header: {e}"),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            self.buf.reserve(64 * 1024);
            match tokio::time::timeout(left, self.stream.read_buf(&mut self.buf)).await {
                Err(_) => panic!(
                    "the server neither answered nor closed within {REPLY_TIMEOUT:?} \
                     ({} bytes of a frame buffered)",
                    self.buf.len()
                ),
                Ok(Ok(0)) => {
                    assert!(
                        self.buf.is_empty(),
                        "the server closed inside a reply frame ({} bytes): a partial write",
                        self.buf.len()
                    );
                    return None;
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) if is_reset(&e) => {
                    self.reset = true;
                    return None;
                }
                Ok(Err(e)) => panic!("reading a reply failed: {e}"),
            }
        }
    }

    /// The next reply must be the typed error `code` for (`request_id`, `op`).
    async fn expect_error(&mut self, code: ErrorCode, request_id: u32, op: u16) -> Frame {
        let f = self.reply().await.unwrap_or_else(|| {
            panic!(
                "expected {code} for request {request_id} (opcode {op:#06x}), but the \
                 connection {} without a reply",
                if self.reset { "was reset" } else { "closed" }
            )
        });
        assert_eq!(
            (f.status, f.request_id, f.opcode),
            (code.as_u16(), request_id, op),
            "expected {code} for request {request_id} opcode {op:#06x}, got {}",
            describe(&f)
        );
        assert!(
            !ErrorBody::read(&f.body).message.is_empty(),
            "an error reply should say why: {}",
            describe(&f)
        );
        f
    }

    /// The server must close (or reset) the connection without sending more.
    async fn expect_closed(&mut self) {
        if let Some(f) = self.reply().await {
            panic!("expected the connection to be closed, got {}", describe(&f));
        }
    }

    /// The connection must still answer a PING (with this request id).
    async fn expect_ping(&mut self, request_id: u32) {
        self.send(&request_frame(request_id, &Request::Ping)).await;
        let f = self
            .reply()
            .await
            .expect("closed instead of answering PING");
        assert_eq!(
            (f.request_id, f.opcode, f.status),
            (request_id, opcode::PING, 0),
            "PING answered with {}",
            describe(&f)
        );
    }
}

fn describe(f: &Frame) -> String {
    let status =
        ErrorCode::from_u16(f.status).map_or_else(|| f.status.to_string(), |c| c.to_string());
    format!(
        "frame(id {}, opcode {:#06x}, status {status}, message {:?})",
        f.request_id,
        f.opcode,
        if f.status == 0 {
            String::new()
        } else {
            ErrorBody::read(&f.body).message
        }
    )
}

// ---------------------------------------------------------------------------
// Frame builders
// ---------------------------------------------------------------------------

fn hello(magic: [u8; 4], version: u16) -> Request {
    Request::Hello(Hello {
        magic,
        version,
        token: String::new(),
        client_name: "bad-input-test".into(),
    })
}

fn request_frame(request_id: u32, request: &Request) -> Vec<u8> {
    let mut buf = BytesMut::new();
    request.encode_frame(request_id, &mut buf);
    buf.to_vec()
}

fn body_of(request: &Request) -> Vec<u8> {
    let mut buf = BytesMut::new();
    request.write_body(&mut Writer::new(&mut buf));
    buf.to_vec()
}

/// A well-formed frame (right length and checksum) around any body.
fn frame_with_body(request_id: u32, op: u16, body: &[u8]) -> Vec<u8> {
    let mut buf = BytesMut::new();
    frame::encode(&mut buf, request_id, op, 0, |b| b.put_slice(body));
    buf.to_vec()
}

/// A 16-byte header with whatever length and checksum the test wants.
fn raw_header(length: u32, checksum: u32, request_id: u32, op: u16) -> Vec<u8> {
    let mut buf = Vec::with_capacity(16);
    buf.extend_from_slice(&length.to_be_bytes());
    buf.extend_from_slice(&checksum.to_be_bytes());
    buf.extend_from_slice(&request_id.to_be_bytes());
    buf.extend_from_slice(&op.to_be_bytes());
    buf.extend_from_slice(&0u16.to_be_bytes());
    buf
}

fn redeem(code: &str, order_id: &str, amount: i64) -> RedeemRequest {
    common::redeem_request(code, order_id, "customer-1", amount)
}

// ---------------------------------------------------------------------------
// Set-up and the health check every test ends with
// ---------------------------------------------------------------------------

/// Client options with a short request timeout, so that a missing reply fails
/// a test in seconds rather than hanging it.
fn quick_options() -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

async fn quick_client(server: &Server) -> Client {
    server.client_with(quick_options()).await
}

/// A server, and a good client connection opened before any bad input.
async fn setup() -> (Server, Client) {
    let server = Server::start().await;
    let good = quick_client(&server).await;
    good.create_coupon(common::percent_coupon(GOOD, 1000, None, None))
        .await
        .expect("creating the good coupon");
    (server, good)
}

async fn within<T>(what: &str, limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {limit:?}"))
}

/// The good connection validates GOOD10 for an order of 100.00 USD.
async fn good_validate(good: &Client, limit: Duration) {
    let v = within(
        "validate on the good connection",
        limit,
        good.validate(GOOD, common::order("customer-1", 10_000)),
    )
    .await
    .expect("validate on the good connection");
    assert!(v.valid, "the good coupon should apply: {v:?}");
    assert_eq!(v.discount_amount, 1000);
}

/// The process is alive, the already-open good connection and a fresh one both
/// work, and nothing panicked.
async fn assert_healthy(server: &mut Server, good: &Client) {
    assert!(
        server.is_running(),
        "the server died; log:\n{}",
        server.log()
    );
    within(
        "ping on the good connection",
        Duration::from_secs(5),
        good.ping(),
    )
    .await
    .expect("ping on the good connection");
    good_validate(good, Duration::from_secs(5)).await;
    let fresh = within(
        "connecting a fresh client",
        Duration::from_secs(5),
        quick_client(server),
    )
    .await;
    within(
        "ping on a fresh connection",
        Duration::from_secs(5),
        fresh.ping(),
    )
    .await
    .expect("ping on a fresh connection");
    assert!(
        server.is_running(),
        "the server died; log:\n{}",
        server.log()
    );
    let log = server.log();
    assert!(
        !log.contains("panicked"),
        "the server panicked; log:\n{log}"
    );
}

/// (lsn, coupons, redemptions) as the server reports them.
async fn counters(client: &Client) -> (u64, u64, u64) {
    let info = client.server_info().await.expect("server info");
    (info.lsn, info.coupons, info.redemptions)
}

/// Waits until the server counts exactly `n` open connections.
async fn wait_for_connections(client: &Client, n: u32) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let open = client.server_info().await.expect("server info").connections;
        if open == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server still counts {open} open connections, expected {n}: connections leak"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------------------
// 1. Random bytes
// ---------------------------------------------------------------------------

/// Drains replies until the close: every reply must be a typed error.
async fn expect_only_errors_then_close(raw: &mut Raw, what: &str) {
    for _ in 0..8 {
        match raw.reply().await {
            None => return,
            Some(f) => assert_ne!(
                f.status,
                0,
                "{what}: random bytes got an OK reply {}",
                describe(&f)
            ),
        }
    }
    panic!("{what}: the server kept answering garbage instead of closing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_get_an_error_or_a_close() {
    let (mut server, good) = setup().await;
    let before = counters(&good).await;

    for seed in 1..=6u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut junk = vec![0u8; 64 * 1024];
        rng.fill(&mut junk[..]);

        // As the very first bytes of a connection.
        let mut raw = Raw::connect(&server.addr).await;
        raw.send_lossy(&junk).await;
        let _ = raw.stream.shutdown().await;
        expect_only_errors_then_close(&mut raw, &format!("seed {seed}, before HELLO")).await;

        // After a good HELLO.
        let mut raw = Raw::connect_hello(&server.addr).await;
        raw.send_lossy(&junk).await;
        let _ = raw.stream.shutdown().await;
        expect_only_errors_then_close(&mut raw, &format!("seed {seed}, after HELLO")).await;

        // Random bytes behind a plausible length prefix: the checksum catches them.
        let length = rng.random_range(12..=4096u32);
        let mut framed = length.to_be_bytes().to_vec();
        framed.extend_from_slice(&junk[..length as usize]);
        let mut raw = Raw::connect_hello(&server.addr).await;
        raw.send(&framed).await;
        raw.expect_error(ErrorCode::MalformedFrame, 0, 0).await;
        raw.expect_closed().await;
    }

    assert_eq!(
        counters(&good).await,
        before,
        "random bytes changed the store"
    );
    assert_healthy(&mut server, &good).await;
}

/// Well-framed requests (right length and checksum) with random or mutated
/// bodies and random opcodes, pipelined on one connection: every one gets
/// exactly one reply with its own id and opcode, and the connection stays in step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bodies_in_good_frames_each_get_one_reply() {
    let (mut server, good) = setup().await;
    let mut rng = StdRng::seed_from_u64(42);
    let mut ops: Vec<u16> = opcode::ALL.to_vec();
    ops.extend([0x0000, 0x0004, 0x00ff, 0x0100, 0x7777, 0xffff]);
    let templates: Vec<Request> = vec![
        Request::Validate {
            code: GOOD.into(),
            order: common::order("customer-1", 10_000),
        },
        Request::Redeem(redeem("FUZZ-NOPE", "order-1", 10_000)),
        Request::Reserve(common::reserve_request(
            "FUZZ-NOPE",
            "order-2",
            "customer-1",
            10_000,
            1000,
        )),
        Request::CreateCoupon(common::percent_coupon(
            "FUZZ-CREATE",
            1500,
            Some(10),
            Some(1),
        )),
        Request::GetCoupon(CouponRef::Code(GOOD.into())),
        Request::ListCoupons {
            after_id: 0,
            limit: 10,
        },
        Request::Confirm(RedemptionRef::Order {
            code: "FUZZ-NOPE".into(),
            order_id: "order-1".into(),
        }),
        Request::Reverse {
            redemption: RedemptionRef::Id(999_999),
            reason: "fuzz".into(),
            refund_amount: Some(100),
            refund_id: "fuzz-refund".into(),
        },
        Request::CreateCampaign(Box::new(couponsd_client::wire::CampaignSpec {
            name: "fuzz".into(),
            template: common::percent_coupon("", 1000, Some(1), None),
            validity_days: 30,
            budget_limit: Some(100_000),
            ..Default::default()
        })),
        Request::SetCampaignStatus {
            id: 1,
            status: couponsd_client::wire::CampaignStatus::Paused,
        },
        Request::ListCampaignCodes {
            id: 1,
            after_coupon_id: 0,
            limit: 100,
        },
    ];

    let mut raw = Raw::connect_hello(&server.addr).await;
    let mut next_id = 100u32;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for _round in 0..8 {
        let mut batch = Vec::new();
        let mut sent = std::collections::HashMap::new();
        for _ in 0..200 {
            let (op, body) = if rng.random_bool(0.5) {
                let op = ops[rng.random_range(0..ops.len())];
                let mut body = vec![0u8; rng.random_range(0..300)];
                rng.fill(&mut body[..]);
                (op, body)
            } else {
                let t = &templates[rng.random_range(0..templates.len())];
                let mut body = body_of(t);
                match rng.random_range(0..4) {
                    0 => {
                        for _ in 0..rng.random_range(1..=3) {
                            let i = rng.random_range(0..body.len());
                            body[i] ^= rng.random_range(1..=255u8);
                        }
                    }
                    1 => body.truncate(rng.random_range(0..body.len())),
                    2 => body.extend((0..rng.random_range(1..64)).map(|_| rng.random::<u8>())),
                    _ => {
                        let start = rng.random_range(0..body.len());
                        let end = (start + rng.random_range(1..16)).min(body.len());
                        rng.fill(&mut body[start..end]);
                    }
                }
                (t.opcode(), body)
            };
            batch.extend(frame_with_body(next_id, op, &body));
            sent.insert(next_id, op);
            next_id += 1;
        }
        raw.send(&batch).await;
        while !sent.is_empty() {
            let f = raw.reply().await.unwrap_or_else(|| {
                panic!("the server closed with {} requests unanswered", sent.len())
            });
            let op = sent
                .remove(&f.request_id)
                .unwrap_or_else(|| panic!("a reply for no outstanding request: {}", describe(&f)));
            assert_eq!(
                f.opcode,
                op,
                "reply opcode differs from the request's: {}",
                describe(&f)
            );
            assert!(
                ErrorCode::from_u16(f.status).is_some(),
                "the reply's status is not a known error code: {}",
                describe(&f)
            );
            *statuses.entry(f.status).or_default() += 1;
        }
    }
    // The fuzz reached the decoders, the opcode table and the handlers.
    for code in [
        ErrorCode::Ok,
        ErrorCode::MalformedFrame,
        ErrorCode::UnknownOpcode,
    ] {
        assert!(
            statuses.contains_key(&code.as_u16()),
            "no reply had status {code}: {statuses:?}"
        );
    }
    raw.expect_ping(1).await;
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 2. Truncated frames
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_frames_are_closed_cleanly_and_do_not_block_others() {
    let (mut server, good) = setup().await;
    let before = counters(&good).await;

    // A header claiming 100 body bytes, 10 of them, then end of stream.
    let mut cut = raw_header(12 + 100, 0, 7, opcode::PING);
    cut.extend_from_slice(&[0xab; 10]);
    for after_hello in [false, true] {
        let mut raw = if after_hello {
            Raw::connect_hello(&server.addr).await
        } else {
            Raw::connect(&server.addr).await
        };
        raw.send(&cut).await;
        raw.stream.shutdown().await.expect("shutdown");
        raw.expect_closed().await;
        assert!(
            !raw.reset,
            "a truncated frame should end in a clean close, not a reset"
        );
    }
    // Pipelined requests then end of stream (a half-close): all are still
    // answered, then the server closes cleanly.
    let mut raw = Raw::connect_hello(&server.addr).await;
    let mut batch = Vec::new();
    for id in 2..12 {
        batch.extend(request_frame(id, &Request::Ping));
    }
    raw.send(&batch).await;
    raw.stream.shutdown().await.expect("shutdown");
    let mut ids = Vec::new();
    while let Some(f) = raw.reply().await {
        assert_eq!((f.opcode, f.status), (opcode::PING, 0), "{}", describe(&f));
        ids.push(f.request_id);
    }
    ids.sort();
    assert_eq!(
        ids,
        (2..12).collect::<Vec<_>>(),
        "replies lost after a half-close"
    );
    assert!(!raw.reset);

    // Only part of the 4-byte length prefix, then end of stream.
    let mut raw = Raw::connect_hello(&server.addr).await;
    raw.send(&[0, 0]).await;
    raw.stream.shutdown().await.expect("shutdown");
    raw.expect_closed().await;

    // Half a frame left pending (before and after HELLO): others are served.
    let ping = request_frame(9, &Request::Ping);
    let redeem_frame = request_frame(10, &Request::Redeem(redeem(GOOD, "half-order", 10_000)));
    let mut pending_hello = Raw::connect(&server.addr).await;
    let hello_frame = request_frame(1, &hello(MAGIC, PROTOCOL_VERSION));
    pending_hello
        .send(&hello_frame[..hello_frame.len() / 2])
        .await;
    let mut pending_ping = Raw::connect_hello(&server.addr).await;
    pending_ping.send(&ping[..ping.len() / 2]).await;
    let mut pending_redeem = Raw::connect_hello(&server.addr).await;
    pending_redeem
        .send(&redeem_frame[..redeem_frame.len() - 1])
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_healthy(&mut server, &good).await;
    assert_eq!(
        counters(&good).await,
        before,
        "half a REDEEM frame was applied"
    );

    // The pending frames complete later, byte by byte: each is answered.
    for &b in &hello_frame[hello_frame.len() / 2..] {
        pending_hello.send(&[b]).await;
    }
    let f = pending_hello.reply().await.expect("HELLO completed late");
    assert_eq!(
        (f.request_id, f.opcode, f.status),
        (1, opcode::HELLO, 0),
        "{}",
        describe(&f)
    );
    pending_hello.expect_ping(2).await;
    pending_ping.send(&ping[ping.len() / 2..]).await;
    let f = pending_ping.reply().await.expect("PING completed late");
    assert_eq!(
        (f.request_id, f.opcode, f.status),
        (9, opcode::PING, 0),
        "{}",
        describe(&f)
    );
    // Vanishing with the REDEEM one byte short applies nothing.
    drop(pending_redeem);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        counters(&good).await,
        before,
        "a REDEEM missing its last byte was applied"
    );

    assert_healthy(&mut server, &good).await;
}

/// A frame that never completes (half sent, or trickled one byte at a time)
/// is cut at the frame deadline, counted from its first byte, with a typed
/// error and a clean close; a connection quiet between frames stays open
/// (only the idle timeout closes it), and an active one is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_that_never_complete_are_cut_at_the_frame_deadline() {
    let mut server = Server::start_with(&["--frame-timeout-ms", "1000"]).await;
    let good = quick_client(&server).await;
    good.create_coupon(common::percent_coupon(GOOD, 1000, None, None))
        .await
        .expect("creating the good coupon");
    // Keeps the good connection active (and checks it) while the others wait.
    let keep_alive = {
        let good = good.clone();
        tokio::spawn(async move {
            loop {
                good_validate(&good, Duration::from_secs(2)).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    let ping = request_frame(9, &Request::Ping);
    let half = async {
        let mut raw = Raw::connect_hello(&server.addr).await;
        raw.send(&ping[..ping.len() / 2]).await;
        let started = Instant::now();
        raw.expect_error(ErrorCode::MalformedFrame, 0, 0).await;
        raw.expect_closed().await;
        assert!(!raw.reset, "the close should be clean");
        started.elapsed()
    };
    let trickle = async {
        let mut raw = Raw::connect_hello(&server.addr).await;
        // A frame promising 1000 body bytes, sent one byte every 100 ms.
        let mut slow = raw_header(12 + 1000, 0, 9, opcode::PING);
        slow.extend(vec![0u8; 1000]);
        let started = Instant::now();
        let mut sent = 0;
        let mut answered = Vec::new();
        let mut probe = [0u8; 256];
        loop {
            tokio::select! {
                read = raw.stream.read(&mut probe) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answered.extend_from_slice(&probe[..n]),
                },
                _ = tokio::time::sleep(Duration::from_millis(100)) => {
                    assert!(
                        started.elapsed() < Duration::from_secs(4),
                        "a frame trickled byte by byte kept the connection open"
                    );
                    let _ = raw.stream.write_all(&slow[sent..sent + 1]).await;
                    sent += 1;
                }
            }
        }
        assert!(sent < slow.len());
        // What came back before the close is one MALFORMED_FRAME error.
        let status = u16::from_be_bytes([answered[14], answered[15]]);
        assert_eq!(status, ErrorCode::MalformedFrame.as_u16(), "{answered:?}");
        started.elapsed()
    };
    let quiet = async {
        let mut raw = Raw::connect_hello(&server.addr).await;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        raw.expect_ping(5).await;
    };
    let (half_took, trickle_took, ()) = tokio::join!(half, trickle, quiet);
    for (what, took) in [("half frame", half_took), ("trickled frame", trickle_took)] {
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(3),
            "{what} cut after {took:?}, the deadline being 1 s"
        );
    }

    assert!(
        !keep_alive.is_finished(),
        "the active good connection failed"
    );
    keep_alive.abort();
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 3. Frame-level errors: length over the maximum, under the header, bad checksum
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_lengths_and_checksums_get_a_typed_error_then_close() {
    let (mut server, good) = setup().await;
    let before = counters(&good).await;

    for after_hello in [false, true] {
        let connect = |addr: String| async move {
            if after_hello {
                Raw::connect_hello(&addr).await
            } else {
                Raw::connect(&addr).await
            }
        };

        for length in [0x7fff_ffff, u32::MAX, MAX_FRAME_LENGTH + 1] {
            let mut raw = connect(server.addr.clone()).await;
            raw.send(&raw_header(length, 0, 5, opcode::PING)).await;
            raw.expect_error(ErrorCode::FrameTooLarge, 0, 0).await;
            raw.expect_closed().await;
        }

        for length in [0, 3, 11] {
            let mut raw = connect(server.addr.clone()).await;
            raw.send(&raw_header(length, 0, 5, opcode::PING)).await;
            raw.expect_error(ErrorCode::MalformedFrame, 0, 0).await;
            raw.expect_closed().await;
        }

        // A good frame with one checksum bit flipped, and one with a body bit flipped.
        for flip in [5usize, 17] {
            let request = if after_hello {
                Request::Validate {
                    code: GOOD.into(),
                    order: common::order("customer-1", 10_000),
                }
            } else {
                hello(MAGIC, PROTOCOL_VERSION)
            };
            let mut bad = request_frame(5, &request);
            bad[flip] ^= 0x01;
            let mut raw = connect(server.addr.clone()).await;
            raw.send(&bad).await;
            raw.expect_error(ErrorCode::MalformedFrame, 0, 0).await;
            raw.expect_closed().await;
        }
    }

    // The maximum itself is allowed: a PING carrying a 1 MiB frame is answered.
    let mut raw = Raw::connect_hello(&server.addr).await;
    let big = vec![0x5a; MAX_FRAME_LENGTH as usize - 12];
    raw.send(&frame_with_body(77, opcode::PING, &big)).await;
    let f = raw
        .reply()
        .await
        .expect("a maximum-size frame closed the connection");
    assert_eq!(
        (f.request_id, f.opcode, f.status),
        (77, opcode::PING, 0),
        "{}",
        describe(&f)
    );

    assert_eq!(counters(&good).await, before);
    assert_healthy(&mut server, &good).await;
}

/// The error reply to a bad frame must reach a client that had already
/// pipelined more requests behind it: the server must not reset the connection
/// (closing with unread input) before its reply is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frame_error_reply_survives_pipelined_requests_behind_it() {
    let (mut server, good) = setup().await;
    let mut pipelined = Vec::new();
    for id in 0..20_000u32 {
        pipelined.extend(request_frame(1000 + id, &Request::Ping));
    }
    for attempt in 0..5 {
        let mut raw = Raw::connect_hello(&server.addr).await;
        let mut bad = request_frame(5, &Request::Ping);
        bad[5] ^= 0x01;
        bad.extend_from_slice(&pipelined);
        raw.send_lossy(&bad).await;
        // Give the server time to answer and close before we read.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut replies = Vec::new();
        while let Some(f) = raw.reply().await {
            replies.push(f);
        }
        let malformed = replies
            .iter()
            .find(|f| f.status == ErrorCode::MalformedFrame.as_u16());
        assert!(
            malformed.is_some_and(|f| f.request_id == 0 && f.opcode == 0),
            "attempt {attempt}: the MALFORMED_FRAME reply was lost ({} replies read, connection {})",
            replies.len(),
            if raw.reset { "reset" } else { "closed" }
        );
        assert!(
            replies.iter().all(|f| f.status != 0),
            "attempt {attempt}: requests after a bad frame were served"
        );
    }
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 4. Unknown opcodes keep the connection
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_opcode_is_answered_and_the_connection_stays() {
    let (mut server, good) = setup().await;
    let mut raw = Raw::connect_hello(&server.addr).await;
    let mut id = 42;
    for op in [0x7777u16, 0x0000, 0x0004, 0xffff] {
        raw.send(&frame_with_body(id, op, b"whatever the body"))
            .await;
        raw.expect_error(ErrorCode::UnknownOpcode, id, op).await;
        raw.expect_ping(id + 1).await;
        id += 2;
    }
    // A second HELLO on the same connection is refused as an argument error.
    raw.send(&request_frame(60, &hello(MAGIC, PROTOCOL_VERSION)))
        .await;
    raw.expect_error(ErrorCode::InvalidArgument, 60, opcode::HELLO)
        .await;
    raw.expect_ping(61).await;
    // Several unknown opcodes pipelined with good requests: each answered in kind.
    let mut batch = Vec::new();
    batch.extend(frame_with_body(70, 0x1234, &[]));
    batch.extend(request_frame(71, &Request::Ping));
    batch.extend(frame_with_body(72, 0x4321, &[1, 2, 3]));
    batch.extend(request_frame(73, &Request::ServerInfo));
    raw.send(&batch).await;
    let mut got = Vec::new();
    for _ in 0..4 {
        let f = raw
            .reply()
            .await
            .expect("closed with pipelined requests unanswered");
        got.push((f.request_id, f.opcode, f.status));
    }
    got.sort();
    assert_eq!(
        got,
        vec![
            (70, 0x1234, ErrorCode::UnknownOpcode.as_u16()),
            (71, opcode::PING, 0),
            (72, 0x4321, ErrorCode::UnknownOpcode.as_u16()),
            (73, opcode::SERVER_INFO, 0),
        ]
    );
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 5. and 6. Handshake errors
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_hello_gets_unsupported_version_then_close() {
    let (mut server, good) = setup().await;
    for (magic, version) in [
        (MAGIC, 2u16),
        (MAGIC, 0),
        (MAGIC, u16::MAX),
        (*b"XXXX", PROTOCOL_VERSION),
        (*b"cpnd", PROTOCOL_VERSION),
        (*b"HTTP", PROTOCOL_VERSION),
    ] {
        let mut raw = Raw::connect(&server.addr).await;
        raw.send(&request_frame(3, &hello(magic, version))).await;
        raw.expect_error(ErrorCode::UnsupportedVersion, 3, opcode::HELLO)
            .await;
        raw.expect_closed().await;
    }

    // A HELLO body that ends early, or whose token is not UTF-8: MALFORMED_FRAME, close.
    let full = body_of(&hello(MAGIC, PROTOCOL_VERSION));
    for cut in [0, 3, 5, 7] {
        let mut raw = Raw::connect(&server.addr).await;
        raw.send(&frame_with_body(4, opcode::HELLO, &full[..cut]))
            .await;
        raw.expect_error(ErrorCode::MalformedFrame, 4, opcode::HELLO)
            .await;
        raw.expect_closed().await;
    }
    let mut bad_utf8 = MAGIC.to_vec();
    bad_utf8.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    bad_utf8.extend_from_slice(&[0, 2, 0xff, 0xfe, 0, 0]);
    let mut raw = Raw::connect(&server.addr).await;
    raw.send(&frame_with_body(4, opcode::HELLO, &bad_utf8))
        .await;
    raw.expect_error(ErrorCode::MalformedFrame, 4, opcode::HELLO)
        .await;
    raw.expect_closed().await;

    assert_healthy(&mut server, &good).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_before_hello_get_unauthenticated_then_close() {
    let (mut server, good) = setup().await;
    let before = counters(&good).await;
    let firsts: Vec<(u16, Vec<u8>)> = vec![
        (opcode::PING, request_frame(8, &Request::Ping)),
        (opcode::SERVER_INFO, request_frame(8, &Request::ServerInfo)),
        (
            opcode::REDEEM,
            request_frame(8, &Request::Redeem(redeem(GOOD, "sneaky", 10_000))),
        ),
        (
            opcode::COUPON_CREATE,
            request_frame(
                8,
                &Request::CreateCoupon(common::percent_coupon("SNEAKY", 5000, None, None)),
            ),
        ),
        (0x7777, frame_with_body(8, 0x7777, b"")),
    ];
    for (op, first) in firsts {
        let mut raw = Raw::connect(&server.addr).await;
        // A HELLO pipelined right behind must not rescue the connection.
        let mut bytes = first.clone();
        bytes.extend(request_frame(9, &hello(MAGIC, PROTOCOL_VERSION)));
        raw.send(&bytes).await;
        raw.expect_error(ErrorCode::Unauthenticated, 8, op).await;
        raw.expect_closed().await;
    }
    assert_eq!(
        counters(&good).await,
        before,
        "a request before HELLO wrote something"
    );
    let coupon = good.get_coupon(CouponRef::Code("SNEAKY".into())).await;
    assert_eq!(
        coupon.err().and_then(|e| e.code()),
        Some(ErrorCode::NotFound)
    );
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 7. Bodies that do not decode: MALFORMED_FRAME, connection stays
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_bodies_get_malformed_and_the_connection_stays() {
    let (mut server, good) = setup().await;
    let before = counters(&good).await;
    let mut raw = Raw::connect_hello(&server.addr).await;

    let redeem_body = body_of(&Request::Redeem(redeem(GOOD, "order-123", 10_000)));
    // code: u16 len + "GOOD10"; order_id: u16 len + "order-123".
    let mid_code = 2 + 3;
    let mid_order_id = 2 + GOOD.len() + 2 + 4;
    let create_body = body_of(&Request::CreateCoupon(common::percent_coupon(
        "NEWONE", 1000, None, None,
    )));

    let mut cases: Vec<(&str, u16, Vec<u8>)> = vec![
        (
            "REDEEM cut inside code",
            opcode::REDEEM,
            redeem_body[..mid_code].to_vec(),
        ),
        (
            "REDEEM cut inside order_id",
            opcode::REDEEM,
            redeem_body[..mid_order_id].to_vec(),
        ),
        (
            "REDEEM missing its last byte",
            opcode::REDEEM,
            redeem_body[..redeem_body.len() - 1].to_vec(),
        ),
        ("REDEEM with an empty body", opcode::REDEEM, Vec::new()),
        (
            "COUPON_CREATE cut in half",
            opcode::COUPON_CREATE,
            create_body[..create_body.len() / 2].to_vec(),
        ),
        (
            "COUPON_GET with an empty body",
            opcode::COUPON_GET,
            Vec::new(),
        ),
        (
            "COUPON_DELETE with 7 of 8 id bytes",
            opcode::COUPON_DELETE,
            vec![0; 7],
        ),
        (
            "VALIDATE with a code longer than the body",
            opcode::VALIDATE,
            vec![0xff, 0xff, b'A'],
        ),
    ];
    // Invalid UTF-8 in the code.
    let mut bad_utf8 = vec![0, 2, 0xc3, 0x28];
    bad_utf8.extend_from_slice(&redeem_body[2 + GOOD.len()..]);
    cases.push(("REDEEM with a non-UTF-8 code", opcode::REDEEM, bad_utf8));
    // Unknown enum values and a bool that is neither 0 nor 1 in a coupon spec.
    let coupon_type_at = 2 + 6 + 2 + "NEWONE test coupon".len() + 2;
    let mut bad_type = create_body.clone();
    bad_type[coupon_type_at] = 99;
    cases.push((
        "COUPON_CREATE with coupon_type 99",
        opcode::COUPON_CREATE,
        bad_type,
    ));
    let mut bad_discount = create_body.clone();
    bad_discount[coupon_type_at + 1] = 0;
    cases.push((
        "COUPON_CREATE with discount_type 0",
        opcode::COUPON_CREATE,
        bad_discount,
    ));
    let mut bad_opt = create_body.clone();
    let max_discount_at = coupon_type_at + 2 + 8 + 2 + 3;
    bad_opt[max_discount_at] = 2;
    cases.push((
        "COUPON_CREATE with an optional tagged 2",
        opcode::COUPON_CREATE,
        bad_opt,
    ));
    // A coupon ref / redemption ref with an unknown tag.
    cases.push((
        "COUPON_GET with ref tag 3",
        opcode::COUPON_GET,
        vec![3, 0, 0, 0, 0, 0, 0, 0, 1],
    ));
    cases.push((
        "CONFIRM with ref tag 0",
        opcode::CONFIRM,
        vec![0, 0, 0, 0, 0, 0, 0, 0, 1],
    ));
    // A list count far beyond the body.
    let mut big_list = Vec::new();
    big_list.extend_from_slice(&[0, 1, b'A']); // code "A"
    big_list.extend_from_slice(&[0, 0]); // customer_id ""
    big_list.extend_from_slice(&100i64.to_be_bytes()); // amount
    big_list.extend_from_slice(&[0, 3, b'U', b'S', b'D']); // currency
    big_list.extend_from_slice(&[0, 0]); // channel
    big_list.extend_from_slice(&0i64.to_be_bytes()); // shipping
    big_list.extend_from_slice(&[0, 0]); // email
    big_list.extend_from_slice(&[0xff, 0xff]); // 65535 customer segments, none present
    cases.push((
        "VALIDATE with a list count of 65535 and no items",
        opcode::VALIDATE,
        big_list,
    ));

    let mut id = 500;
    for (what, op, body) in &cases {
        raw.send(&frame_with_body(id, *op, body)).await;
        let f = raw
            .reply()
            .await
            .unwrap_or_else(|| panic!("{what}: the connection closed"));
        assert_eq!(
            (f.status, f.request_id, f.opcode),
            (ErrorCode::MalformedFrame.as_u16(), id, *op),
            "{what}: {}",
            describe(&f)
        );
        raw.expect_ping(id + 1).await;
        id += 2;
    }
    assert_eq!(
        counters(&good).await,
        before,
        "an undecodable request wrote something"
    );
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 8. Invalid fields through the real client: INVALID_ARGUMENT, nothing written
// ---------------------------------------------------------------------------

fn expect_invalid<T: std::fmt::Debug>(what: &str, field: &str, result: Result<T, ClientError>) {
    match result {
        Err(e) => {
            assert_eq!(
                e.code(),
                Some(ErrorCode::InvalidArgument),
                "{what}: expected INVALID_ARGUMENT, got {e}"
            );
            assert!(
                e.to_string().contains(field),
                "{what}: the error should name `{field}`: {e}"
            );
        }
        Ok(v) => panic!("{what}: accepted: {v:?}"),
    }
}

/// The typed error code of a failed call; None if it succeeded (or failed untyped).
fn code<T>(result: Result<T, ClientError>) -> Option<ErrorCode> {
    result.err().and_then(|e| e.code())
}

fn spec(code: &str) -> CouponSpec {
    common::percent_coupon(code, 1000, None, None)
}

/// A valid spec ("BAD1", 10% in USD) with one change that makes it invalid.
fn bad(change: impl FnOnce(&mut CouponSpec)) -> CouponSpec {
    let mut s = spec("BAD1");
    change(&mut s);
    s
}

/// A valid order (100 USD) with one change that makes it invalid.
fn bad_order(change: impl FnOnce(&mut Order)) -> Order {
    let mut o = common::order("customer-1", 100);
    change(&mut o);
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_fields_get_invalid_argument_and_write_nothing() {
    let (mut server, good) = setup().await;
    let client = quick_client(&server).await;
    let before = counters(&good).await;
    let good_coupon = client
        .get_coupon(CouponRef::Code(GOOD.into()))
        .await
        .expect("get");

    #[rustfmt::skip]
    let specs: Vec<(&str, &str, CouponSpec)> = vec![
        ("negative max_discount_amount", "max_discount_amount", bad(|s| s.max_discount_amount = Some(-1))),
        ("negative min_order_amount", "min_order_amount", bad(|s| s.min_order_amount = Some(-500))),
        ("percent over 100%", "discount_value", bad(|s| s.discount_value = 10_001)),
        ("zero percent", "discount_value", bad(|s| s.discount_value = 0)),
        ("negative percent", "discount_value", bad(|s| s.discount_value = -1)),
        ("negative fixed amount", "discount_value", bad(|s| {
            s.discount_type = DiscountType::Fixed;
            s.discount_value = -100;
        })),
        ("end before start", "ends_at", bad(|s| (s.starts_at, s.ends_at) = (Some(2_000_000), Some(1_000_000)))),
        ("end equal to start", "ends_at", bad(|s| (s.starts_at, s.ends_at) = (Some(2_000_000), Some(2_000_000)))),
        ("empty code", "code", bad(|s| s.code = String::new())),
        ("whitespace-only code", "code", bad(|s| s.code = " \t  ".into())),
        ("65-character code", "code", bad(|s| s.code = "A".repeat(65))),
        ("code with a space", "code", bad(|s| s.code = "TWO WORDS".into())),
        ("code with a non-ASCII letter", "code", bad(|s| s.code = "ÇODE".into())),
        ("code with a Cyrillic look-alike", "code", bad(|s| s.code = "GOОD10".into())),
        ("code with a control character", "code", bad(|s| s.code = "BAD\u{7}".into())),
        ("unknown currency", "currency", bad(|s| s.currency = "ZZZ".into())),
        ("two-letter currency", "currency", bad(|s| s.currency = "US".into())),
        ("FIXED without currency", "currency", bad(|s| {
            s.discount_type = DiscountType::Fixed;
            s.discount_value = 500;
            s.currency = String::new();
        })),
        ("max discount without currency", "currency", bad(|s| {
            s.max_discount_amount = Some(100);
            s.currency = String::new();
        })),
        ("usage_limit 0", "usage_limit", bad(|s| s.usage_limit = Some(0))),
        ("per-customer limit 0", "usage_limit_per_customer", bad(|s| s.usage_limit_per_customer = Some(0))),
        ("SINGLE_USE with 5 uses", "usage_limit", bad(|s| {
            s.coupon_type = CouponType::SingleUse;
            s.usage_limit = Some(5);
        })),
        ("UNLIMITED with a limit", "usage_limit", bad(|s| {
            s.coupon_type = CouponType::Unlimited;
            s.usage_limit = Some(5);
        })),
        ("BUY_X_GET_Y without quantities", "buy_quantity", bad(|s| s.discount_type = DiscountType::BuyXGetY)),
        ("FREE_SHIPPING with a value", "discount_value", bad(|s| s.discount_type = DiscountType::FreeShipping)),
        ("PRODUCT without products", "applicable_products", bad(|s| s.discount_type = DiscountType::Product)),
        ("per line on a percentage", "apply_per_line", bad(|s| s.apply_per_line = true)),
        ("active days past Sunday", "active_days", bad(|s| s.active_days = 0x80)),
        ("active hours ending at 24:01", "active_end_minute", bad(|s| (s.active_start_minute, s.active_end_minute) = (60, 1441))),
        ("email domain with an @", "allowed_email_domains", bad(|s| s.allowed_email_domains = vec!["a@example.com".into()])),
        ("greater_than on a category", "operator", bad(|s| {
            s.applicable_products = vec![ProductCriteria {
                criteria_type: Some(CriteriaType::Category),
                operator: Some(CriteriaOperator::GreaterThan),
                values: vec!["shoes".into()],
            }]
        })),
        ("price range that is not minor units", "values", bad(|s| {
            s.excluded_products = vec![ProductCriteria {
                criteria_type: Some(CriteriaType::PriceRange),
                operator: Some(CriteriaOperator::LessThan),
                values: vec!["19.99".into()],
            }]
        })),
        ("unknown time zone", "time_zone", bad(|s| s.time_zone = "Mars/Olympus_Mons".into())),
        ("time zone path traversal", "time_zone", bad(|s| s.time_zone = "../../../../etc/passwd".into())),
        ("time zone absolute path", "time_zone", bad(|s| s.time_zone = "/etc/localtime".into())),
        ("overlong time zone", "time_zone", bad(|s| s.time_zone = "Z".repeat(5000))),
        ("201-byte name", "name", bad(|s| s.name = "n".repeat(201))),
        ("2001-byte description", "description", bad(|s| s.description = "d".repeat(2001))),
        ("criteria without a type", "criteria_type", bad(|s| {
            s.applicable_products = vec![ProductCriteria {
                criteria_type: None,
                operator: Some(CriteriaOperator::In),
                values: vec!["x".into()],
            }]
        })),
        ("101 customer segments", "customer_segments", bad(|s| {
            s.customer_segments = (0..101).map(|i| format!("s{i}")).collect()
        })),
        ("129-byte ip restriction", "ip_restrictions", bad(|s| {
            s.security.ip_restrictions = vec!["1".repeat(129)]
        })),
    ];
    for (what, field, s) in &specs {
        expect_invalid(
            &format!("create: {what}"),
            field,
            client.create_coupon(s.clone()).await,
        );
        expect_invalid(
            &format!("update: {what}"),
            field,
            client.update_coupon(good_coupon.id, 0, s.clone()).await,
        );
    }

    let item = |unit_price: i64| LineItem {
        product_id: "p1".into(),
        unit_price,
        quantity: 1,
        ..LineItem::default()
    };
    #[rustfmt::skip]
    let orders: Vec<(&str, &str, Order)> = vec![
        ("negative order amount", "amount", bad_order(|o| o.amount = -1)),
        ("most negative order amount", "amount", bad_order(|o| o.amount = i64::MIN)),
        ("negative shipping", "shipping_amount", bad_order(|o| o.shipping_amount = -5)),
        ("unknown currency", "currency", bad_order(|o| o.currency = "ZZZ".into())),
        ("empty currency", "currency", bad_order(|o| o.currency = String::new())),
        ("129-byte customer id", "customer_id", bad_order(|o| o.customer_id = "c".repeat(129))),
        ("negative unit price", "items.unit_price", bad_order(|o| o.items = vec![item(-1)])),
        ("1001 line items", "items", bad_order(|o| o.items = vec![item(1); 1001])),
    ];
    for (what, field, order) in &orders {
        let r = RedeemRequest {
            order: order.clone(),
            ..redeem(GOOD, "order-bad", 100)
        };
        expect_invalid(&format!("redeem: {what}"), field, client.redeem(r).await);
        let r = ReserveRequest {
            order: order.clone(),
            ..common::reserve_request(GOOD, "order-bad", "customer-1", 100, 0)
        };
        expect_invalid(&format!("reserve: {what}"), field, client.reserve(r).await);
        expect_invalid(
            &format!("validate: {what}"),
            field,
            client.validate(GOOD, order.clone()).await,
        );
    }

    let codes: Vec<(&str, String)> = vec![
        ("empty code", String::new()),
        ("whitespace-only code", "   ".into()),
        ("65-character code", "A".repeat(65)),
        ("code with a space", "GOOD 10".into()),
        ("code with a non-ASCII letter", "GÖÖD10".into()),
    ];
    for (what, code) in &codes {
        expect_invalid(
            &format!("redeem: {what}"),
            "code",
            client.redeem(redeem(code, "order-bad", 100)).await,
        );
        expect_invalid(
            &format!("validate: {what}"),
            "code",
            client
                .validate(code, common::order("customer-1", 100))
                .await,
        );
        expect_invalid(
            &format!("confirm: {what}"),
            "code",
            client
                .confirm(RedemptionRef::Order {
                    code: code.clone(),
                    order_id: "order-bad".into(),
                })
                .await,
        );
    }

    let order_ids: Vec<(&str, String)> = vec![
        ("empty order_id", String::new()),
        ("129-byte order_id", "o".repeat(129)),
    ];
    for (what, order_id) in &order_ids {
        expect_invalid(
            &format!("redeem: {what}"),
            "order_id",
            client.redeem(redeem(GOOD, order_id, 100)).await,
        );
        expect_invalid(
            &format!("reserve: {what}"),
            "order_id",
            client
                .reserve(common::reserve_request(
                    GOOD,
                    order_id,
                    "customer-1",
                    100,
                    0,
                ))
                .await,
        );
        let r = RedemptionRef::Order {
            code: GOOD.into(),
            order_id: order_id.clone(),
        };
        expect_invalid(
            &format!("confirm: {what}"),
            "order_id",
            client.confirm(r.clone()).await,
        );
        expect_invalid(
            &format!("release: {what}"),
            "order_id",
            client.release(r.clone()).await,
        );
        expect_invalid(
            &format!("reverse: {what}"),
            "order_id",
            client.reverse(r, "because").await,
        );
    }
    expect_invalid(
        "redeem: 129-byte transaction_id",
        "transaction_id",
        client
            .redeem(RedeemRequest {
                transaction_id: "t".repeat(129),
                ..redeem(GOOD, "order-bad", 100)
            })
            .await,
    );
    expect_invalid(
        "reserve: ttl over the maximum",
        "ttl_ms",
        client
            .reserve(common::reserve_request(
                GOOD,
                "order-bad",
                "customer-1",
                100,
                u32::MAX,
            ))
            .await,
    );
    expect_invalid(
        "reverse: 201-byte reason",
        "reason",
        client.reverse(RedemptionRef::Id(1), &"r".repeat(201)).await,
    );

    // Nothing was written, and the good coupon is untouched.
    assert_eq!(
        counters(&good).await,
        before,
        "an invalid request wrote something (lsn, coupons, redemptions)"
    );
    let after = client
        .get_coupon(CouponRef::Code(GOOD.into()))
        .await
        .expect("get");
    assert_eq!(after, good_coupon, "an invalid update changed the coupon");
    for code in ["BAD1", "TWO WORDS"] {
        let got = client.get_coupon(CouponRef::Code(code.into())).await;
        assert!(got.is_err(), "{code} exists after invalid creates");
    }

    // The limits are inclusive: the largest valid values are accepted.
    client
        .create_coupon(common::percent_coupon(&"B".repeat(64), 10_000, None, None))
        .await
        .expect("a 64-character code at 100% is valid");
    client
        .redeem(redeem(GOOD, &"o".repeat(128), 100))
        .await
        .expect("a 128-byte order id is valid");
    // And the same connection is still fine after all those refusals.
    client.ping().await.expect("ping after refusals");
    assert_healthy(&mut server, &good).await;
}

/// Extreme ids, limits and amounts are answered (NOT_FOUND, CONFLICT, empty
/// pages, capped discounts), never with a panic or an overflow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_ids_limits_and_amounts_are_answered() {
    let (mut server, good) = setup().await;
    let client = quick_client(&server).await;
    let before = counters(&good).await;

    let not_found = Some(ErrorCode::NotFound);

    for after in [0, 1, u64::MAX - 1, u64::MAX] {
        for limit in [0, 1, u16::MAX] {
            client
                .list_coupons(after, limit)
                .await
                .expect("list coupons");
            client
                .list_redemptions(after, after, limit)
                .await
                .expect("list redemptions");
            client
                .list_redemptions(u64::MAX, after, limit)
                .await
                .expect("list redemptions");
        }
    }
    for id in [0, u64::MAX] {
        assert_eq!(code(client.get_coupon(CouponRef::Id(id)).await), not_found);
        assert_eq!(code(client.delete_coupon(id).await), not_found);
        assert_eq!(
            code(client.update_coupon(id, 0, spec("NEWCODE")).await),
            not_found
        );
        let r = RedemptionRef::Id(id);
        assert_eq!(code(client.get_redemption(r.clone()).await), not_found);
        assert_eq!(code(client.confirm(r.clone()).await), not_found);
        assert_eq!(code(client.release(r.clone()).await), not_found);
        assert_eq!(code(client.reverse(r, "x").await), not_found);
    }
    let good_coupon = client
        .get_coupon(CouponRef::Code(GOOD.into()))
        .await
        .expect("get");
    assert_eq!(
        code(
            client
                .update_coupon(good_coupon.id, u64::MAX, spec(GOOD))
                .await
        ),
        Some(ErrorCode::Conflict)
    );
    // The largest amounts: the discount is computed without overflow.
    let huge = Order {
        shipping_amount: i64::MAX,
        items: vec![LineItem {
            unit_price: i64::MAX,
            quantity: u32::MAX,
            ..LineItem::default()
        }],
        ..common::order("customer-1", i64::MAX)
    };
    let v = client
        .validate(GOOD, huge)
        .await
        .expect("validate a huge order");
    assert!(v.valid, "{v:?}");
    assert_eq!(v.discount_amount + v.final_amount, i64::MAX);
    assert_eq!(
        counters(&good).await,
        before,
        "a read or a refusal wrote something"
    );

    // Extreme but valid coupons and redemptions.
    let wide = CouponSpec {
        starts_at: Some(i64::MIN),
        ends_at: Some(i64::MAX),
        max_discount_amount: Some(i64::MAX),
        min_order_amount: Some(0),
        usage_limit: Some(u64::MAX),
        usage_limit_per_customer: Some(u32::MAX),
        ..common::percent_coupon("WIDE", 10_000, None, None)
    };
    client
        .create_coupon(wide)
        .await
        .expect("a coupon with extreme limits");
    let fixed = CouponSpec {
        discount_type: DiscountType::Fixed,
        discount_value: i64::MAX,
        ..spec("FIXEDMAX")
    };
    client
        .create_coupon(fixed)
        .await
        .expect("a fixed coupon of i64::MAX");
    let r = client
        .redeem(redeem("WIDE", "wide-1", i64::MAX))
        .await
        .expect("redeem WIDE");
    assert_eq!(
        (r.redemption.discount_amount, r.redemption.final_amount),
        (i64::MAX, 0)
    );
    let r = client
        .redeem(redeem("FIXEDMAX", "fixed-1", 1))
        .await
        .expect("redeem FIXEDMAX");
    assert_eq!(
        (r.redemption.discount_amount, r.redemption.final_amount),
        (1, 0)
    );
    let r = client
        .reserve(common::reserve_request(
            "WIDE",
            "wide-2",
            "customer-2",
            0,
            24 * 60 * 60 * 1000,
        ))
        .await
        .expect("reserve with the longest TTL");
    assert_eq!(r.redemption.discount_amount, 0);

    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 9. A peer that never reads its replies
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_does_not_stall_other_connections() {
    let (mut server, good) = setup().await;
    // Coupons large enough that a page of them fills socket buffers quickly.
    for i in 0..20 {
        good.create_coupon(CouponSpec {
            name: "n".repeat(200),
            description: "d".repeat(2000),
            ..common::percent_coupon(&format!("BIG{i}"), 500, None, None)
        })
        .await
        .expect("create");
    }
    wait_for_connections(&good, 1).await;

    let slow = Raw::connect_hello(&server.addr).await;
    let (slow_read, mut slow_write) = slow.stream.into_split();
    let flood = tokio::spawn(async move {
        let mut buf = BytesMut::new();
        for id in 0..2000u32 {
            Request::ListCoupons {
                after_id: 0,
                limit: 1000,
            }
            .encode_frame(10 + id, &mut buf);
        }
        for id in 0..5000u32 {
            Request::Ping.encode_frame(10_000 + id, &mut buf);
        }
        // Pings padded to 4 KiB (the server ignores a PING's body): 20 MiB.
        let pad = vec![0u8; 4096];
        for id in 0..5000u32 {
            frame::encode(&mut buf, 20_000 + id, opcode::PING, 0, |b| {
                b.put_slice(&pad)
            });
        }
        slow_write.write_all(&buf).await.map(|_| slow_write)
    });

    // Let the flood saturate the slow connection, then use the good one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for _ in 0..20 {
        let started = Instant::now();
        good_validate(&good, Duration::from_secs(2)).await;
        within(
            "ping while a peer is not reading",
            Duration::from_secs(2),
            good.ping(),
        )
        .await
        .expect("ping");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // New connections are still accepted and served.
    let mut other = Raw::connect_hello(&server.addr).await;
    other.expect_ping(2).await;
    drop(other);
    // The server bounds what it takes from a peer that does not read: it stopped
    // reading, so the flood cannot have been written in full.
    assert!(
        !flood.is_finished(),
        "the server took 20 MiB of requests from a peer that reads no replies: unbounded buffering"
    );
    assert_healthy(&mut server, &good).await;

    // When the slow peer goes away, its connection is cleaned up promptly.
    flood.abort();
    let _ = flood.await;
    drop(slow_read);
    wait_for_connections(&good, 1).await;
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// 10. Many peers that vanish mid-frame
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_vanishing_mid_frame_leave_the_server_working() {
    let (mut server, good) = setup().await;
    wait_for_connections(&good, 1).await;
    let before = counters(&good).await;

    let hello_frame = request_frame(1, &hello(MAGIC, PROTOCOL_VERSION));
    let redeem_frame = request_frame(2, &Request::Redeem(redeem(GOOD, "vanish", 10_000)));
    let create_frame = request_frame(3, &Request::CreateCoupon(spec("VANISH")));
    let mut tasks = Vec::new();
    for i in 0..300usize {
        let addr = server.addr.clone();
        let hello_frame = hello_frame.clone();
        let redeem_frame = redeem_frame.clone();
        let create_frame = create_frame.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(i as u64);
            let Ok(mut s) = TcpStream::connect(&addr).await else {
                return;
            };
            let mut bytes = Vec::new();
            match i % 5 {
                // Part of a HELLO.
                0 => {
                    bytes.extend_from_slice(&hello_frame[..rng.random_range(1..hello_frame.len())])
                }
                // A HELLO, then part of a REDEEM.
                1 => {
                    bytes.extend_from_slice(&hello_frame);
                    bytes.extend_from_slice(
                        &redeem_frame[..rng.random_range(0..redeem_frame.len())],
                    );
                }
                // A HELLO, then part of a COUPON_CREATE.
                2 => {
                    bytes.extend_from_slice(&hello_frame);
                    bytes.extend_from_slice(
                        &create_frame[..rng.random_range(0..create_frame.len())],
                    );
                }
                // Part of a length prefix only.
                3 => bytes.extend_from_slice(&hello_frame[..rng.random_range(1..4)]),
                // A HELLO and a header promising a large body that never comes.
                _ => {
                    bytes.extend_from_slice(&hello_frame);
                    bytes.extend(raw_header(MAX_FRAME_LENGTH, 0, 4, opcode::PING));
                    bytes.extend(vec![0u8; rng.random_range(0..10_000)]);
                }
            }
            let _ = s.write_all(&bytes).await;
            if i % 2 == 0 {
                // Sometimes wait a moment first, so the server is mid-read.
                tokio::time::sleep(Duration::from_millis(rng.random_range(0..20))).await;
            }
            drop(s);
        }));
    }
    for t in tasks {
        t.await.expect("a vanishing peer task");
    }
    // Every vanished connection is cleaned up, nothing of the partial frames applied.
    wait_for_connections(&good, 1).await;
    assert_eq!(counters(&good).await, before, "a partial frame was applied");
    assert_healthy(&mut server, &good).await;
}

// ---------------------------------------------------------------------------
// Connection limit
// ---------------------------------------------------------------------------

/// Over the connection limit, a peer gets BUSY then a close; a slot freed by a
/// bad peer going away is usable again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_connection_limit_gets_busy_then_close() {
    let mut server = Server::start_with(&["--max-connections", "3"]).await;
    let good = quick_client(&server).await;
    good.create_coupon(common::percent_coupon(GOOD, 1000, None, None))
        .await
        .expect("creating the good coupon");
    wait_for_connections(&good, 1).await;
    // Two peers that send half a frame and then sit there fill the limit.
    let mut squatters = Vec::new();
    for _ in 0..2 {
        let mut raw = Raw::connect_hello(&server.addr).await;
        raw.send(&request_frame(2, &Request::Ping)[..5]).await;
        squatters.push(raw);
    }
    wait_for_connections(&good, 3).await;

    for _ in 0..3 {
        let mut raw = Raw::connect(&server.addr).await;
        raw.send(&request_frame(1, &hello(MAGIC, PROTOCOL_VERSION)))
            .await;
        raw.expect_error(ErrorCode::Busy, 0, 0).await;
        raw.expect_closed().await;
    }
    within(
        "ping while the server is full",
        Duration::from_secs(5),
        good.ping(),
    )
    .await
    .expect("ping while the server is full");

    squatters.pop();
    wait_for_connections(&good, 2).await;
    let fresh = quick_client(&server).await;
    fresh.ping().await.expect("a freed slot is usable");
    drop(fresh);
    squatters.clear();
    wait_for_connections(&good, 1).await;
    assert_healthy(&mut server, &good).await;
}

/// The real client, connecting to a full server, gets the typed BUSY error
/// (not a protocol error), so that callers can back off and retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_connecting_to_a_full_server_gets_busy() {
    let mut server = Server::start_with(&["--max-connections", "1"]).await;
    // The harness's start-up probe may still hold the only slot for a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    let good = loop {
        match Client::connect_with(&server.addr, quick_options()).await {
            Ok(c) => break c,
            Err(e) => assert!(Instant::now() < deadline, "cannot connect: {e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    good.create_coupon(common::percent_coupon(GOOD, 1000, None, None))
        .await
        .expect("creating the good coupon");
    wait_for_connections(&good, 1).await;
    let refused = Client::connect(&server.addr).await;
    match refused {
        Err(e) => assert_eq!(
            e.code(),
            Some(ErrorCode::Busy),
            "connecting to a full server: {e:?}"
        ),
        Ok(_) => panic!("a second connection was accepted over --max-connections 1"),
    }
    good.ping().await.expect("ping");
    assert!(server.is_running());
    assert!(!server.log().contains("panicked"));
}

/// A request too large for a frame, sent through the real client, gets a
/// typed error, and the client's connection (shared by every clone) survives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_through_the_client_gets_a_typed_error() {
    let (mut server, good) = setup().await;
    let client = quick_client(&server).await;
    let before = counters(&good).await;
    // 20 000 segments of 64 bytes: about 1.3 MiB, over the 1 MiB frame limit.
    let huge = CouponSpec {
        customer_segments: (0..20_000).map(|i| format!("{i:064}")).collect(),
        ..spec("HUGE")
    };
    let err = within(
        "an oversized create",
        Duration::from_secs(5),
        client.create_coupon(huge),
    )
    .await
    .expect_err("a 1.3 MiB request was accepted");
    assert!(
        matches!(
            err.code(),
            Some(ErrorCode::FrameTooLarge | ErrorCode::InvalidArgument)
        ),
        "an oversized request should get a typed error, got {err:?}"
    );
    within(
        "ping on the same client",
        Duration::from_secs(5),
        client.ping(),
    )
    .await
    .expect("the client's connection died because one request was too large");
    assert_eq!(counters(&good).await, before);
    assert_healthy(&mut server, &good).await;
}
