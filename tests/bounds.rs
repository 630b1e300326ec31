//! Bounds an attacker cannot push through: clients that pipeline big reads
//! and never take the replies hold a bounded amount of memory and do not
//! slow anyone else down; sockets left silent before HELLO cannot take the
//! connection slots others need.

mod common;

use std::time::{Duration, Instant};

use bytes::BytesMut;
use common::{percent_coupon, Server};
use couponsd_client::wire::{ErrorCode, Hello, Request, MAGIC, PROTOCOL_VERSION};
use couponsd_client::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    kib * 1024
}

fn frames(requests: &[(u32, Request)]) -> BytesMut {
    let mut buf = BytesMut::new();
    for (id, request) in requests {
        request.encode_frame(*id, &mut buf);
    }
    buf
}

fn hello() -> Request {
    Request::Hello(Hello {
        magic: MAGIC,
        version: PROTOCOL_VERSION,
        token: String::new(),
        client_name: "bounds-test".into(),
    })
}

const HOARDERS: usize = 32;
const LISTS_PER_HOARDER: u32 = 256;
/// What the hoarders may add to the server's memory: 32 connections at
/// their 2 MiB share of unread replies (64 MiB), plus the pages being built
/// (a whole list decoded, one per core) and what the allocator keeps; 100 to
/// 140 MiB measured. Without the bound they took 233 MB each.
const HOARDED_MAX_BYTES: u64 = 160 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_hold_bounded_memory_and_ping_stays_fast() {
    let server = Server::start().await;
    let admin = server.client().await;
    // 1,000 coupons of about 2.3 KB: a page of them is the full 512 KiB.
    let description = "d".repeat(2000);
    for chunk in (0..1000).collect::<Vec<_>>().chunks(100) {
        let creating = chunk.iter().map(|i| {
            let mut spec = percent_coupon(&format!("BIG{i:04}"), 1000, None, None);
            spec.name = "n".repeat(200);
            spec.description = description.clone();
            admin.create_coupon(spec)
        });
        for created in futures_util::future::join_all(creating).await {
            created.expect("creating a coupon");
        }
    }
    let (page, _) = admin.list_coupons(0, 1000).await.expect("a page");
    assert!(page.len() < 1000, "a page is cut by bytes, not count");
    let baseline = rss_bytes(server.pid());

    // Each hoarder pipelines 256 full-page lists and never reads.
    let mut hoarders = Vec::new();
    for h in 0..HOARDERS {
        let mut stream = TcpStream::connect(&server.addr).await.expect("connect");
        let mut requests = vec![(0, hello())];
        for i in 1..=LISTS_PER_HOARDER {
            requests.push((
                i,
                Request::ListCoupons {
                    after_id: 0,
                    limit: 1000,
                },
            ));
        }
        stream
            .write_all(&frames(&requests))
            .await
            .unwrap_or_else(|e| panic!("hoarder {h}: {e}"));
        hoarders.push(stream);
    }

    // Meanwhile a client that reads its replies pings.
    let pinger = server.client().await;
    let mut peak = baseline;
    let mut latencies = Vec::new();
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        let sent = Instant::now();
        pinger.ping().await.expect("ping");
        latencies.push(sent.elapsed());
        peak = peak.max(rss_bytes(server.pid()));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    let grown = peak.saturating_sub(baseline);
    eprintln!(
        "{HOARDERS} hoarders: RSS grew {} MiB; ping p99 {p99:?} over {} pings",
        grown >> 20,
        latencies.len()
    );
    assert!(
        grown < HOARDED_MAX_BYTES,
        "RSS grew {} MiB with {HOARDERS} clients not reading",
        grown >> 20
    );
    assert!(p99 < Duration::from_millis(100), "ping p99 {p99:?}");

    // A hoarder that starts reading gets every reply, in full.
    let mut reader = hoarders.pop().expect("a hoarder");
    let mut got = 0u32;
    let mut buf = BytesMut::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got < LISTS_PER_HOARDER + 1 {
        assert!(Instant::now() < deadline, "replies stopped at {got}");
        let n = reader.read_buf(&mut buf).await.expect("reading replies");
        assert!(n > 0, "closed after {got} replies");
        while let Some(total) =
            couponsd_client::wire::frame::check(&buf, couponsd_client::wire::MAX_FRAME_LENGTH)
                .expect("a valid frame")
        {
            let frame = couponsd_client::wire::frame::parse(&mut buf, total).expect("parse");
            assert_eq!(frame.status, 0, "reply {got} is an error");
            got += 1;
        }
    }
}

/// Opens a connection from `source` (an address of 127/8) and sends nothing.
async fn silent_from(source: &str, server: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{source}:0").parse().expect("address"))
        .expect("binding the source address");
    socket
        .connect(server.parse().expect("server address"))
        .await
        .expect("connect")
}

/// Whether the server has closed the connection within `wait`, and the
/// status of the error frame it sent first, if any.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Option<Option<u16>> {
    let mut buf = Vec::new();
    let deadline = Instant::now() + wait;
    loop {
        let mut chunk = [0u8; 256];
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => {
                let status = (buf.len() >= 16).then(|| u16::from_be_bytes([buf[14], buf[15]]));
                return Some(status);
            }
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_silent_sockets_from_one_address_leave_room_for_others() {
    let server = Server::start_with(&["--handshake-timeout-ms", "3000"]).await;
    let opened = Instant::now();
    let mut silent = Vec::new();
    for _ in 0..1000 {
        silent.push(silent_from("127.0.0.2", &server.addr).await);
    }

    // Everyone else still gets in, at once.
    let mut others = Vec::new();
    for i in 0..30 {
        let started = Instant::now();
        let client = Client::connect(&server.addr)
            .await
            .unwrap_or_else(|e| panic!("legitimate connection {i} refused: {e}"));
        client.ping().await.expect("ping");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "connection {i} took {:?}",
            started.elapsed()
        );
        others.push(client);
    }

    // Past the per-address limit, the silent ones were told BUSY and closed
    // at once; the first 32 wait out the handshake deadline.
    let mut busy = 0;
    let mut waiting = Vec::new();
    for mut stream in silent {
        match closed_within(&mut stream, Duration::from_millis(20)).await {
            Some(status) => {
                assert_eq!(status, Some(ErrorCode::Busy.as_u16()));
                busy += 1;
            }
            None => waiting.push(stream),
        }
    }
    assert_eq!(waiting.len(), 32, "{busy} refused at once");
    for mut stream in waiting {
        let status = closed_within(&mut stream, Duration::from_secs(6))
            .await
            .expect("closed at the handshake deadline");
        assert_eq!(status, Some(ErrorCode::Unauthenticated.as_u16()));
    }
    let took = opened.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "silent sockets held {took:?}"
    );
    // Their places are free again: the address may connect properly.
    let socket = silent_from("127.0.0.2", &server.addr).await;
    drop(socket);
    for client in &others {
        client.ping().await.expect("still served");
    }
}
