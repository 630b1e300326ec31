//! Bad replication traffic is refused with a typed error and changes nothing:
//! a fake leader feeds a real follower corrupt records, gaps, stale epochs,
//! garbage and a corrupt snapshot part; a fake follower sends a real leader
//! bad subscribes and bad stream frames.

mod common;

use std::time::Duration;

use bytes::BytesMut;
use common::{percent_coupon, redeem_request, Server};
use couponsd::state::{Effect, LogRecord};
use couponsd_client::frame_io::FrameReader;
use couponsd_client::wire::{
    frame, opcode, CatchUp, ErrorCode, Frame, Hello, HelloReply, NodeRole, Request, Response,
    SnapshotPart, StreamMessage, SubscribeReply, SubscribeRequest, MAGIC, MAX_FRAME_LENGTH,
    PROTOCOL_VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

const WAIT: Duration = Duration::from_secs(10);

/// One end of a raw replication conversation.
struct Peer {
    reader: FrameReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Peer {
    fn new(stream: TcpStream) -> Peer {
        let (r, w) = stream.into_split();
        Peer {
            reader: FrameReader::new(r, MAX_FRAME_LENGTH),
            writer: w,
        }
    }

    async fn read(&mut self) -> Option<Frame> {
        tokio::time::timeout(WAIT, self.reader.read_frame())
            .await
            .expect("the peer neither answered nor closed")
            .ok()
            .flatten()
    }

    async fn send(&mut self, bytes: &[u8]) {
        let _ = self.writer.write_all(bytes).await;
    }

    async fn send_stream(&mut self, message: &StreamMessage) {
        let mut buf = BytesMut::new();
        message.encode_frame(1, &mut buf);
        self.send(&buf).await;
    }

    async fn send_reply(&mut self, request_id: u32, op: u16, response: &Response) {
        let mut buf = BytesMut::new();
        response.encode_frame(request_id, op, &mut buf);
        self.send(&buf).await;
    }

    async fn send_request(&mut self, request_id: u32, request: &Request) {
        let mut buf = BytesMut::new();
        request.encode_frame(request_id, &mut buf);
        self.send(&buf).await;
    }

    /// Skips stream frames (the leader keeps streaming) up to an error with
    /// `code`; then the peer closes.
    async fn skip_to_error_then_close(&mut self, code: ErrorCode, what: &str) {
        loop {
            let frame = self
                .read()
                .await
                .unwrap_or_else(|| panic!("{what}: closed without an error"));
            if frame.status != 0 {
                assert_eq!(ErrorCode::from_u16(frame.status), Some(code), "{what}");
                break;
            }
        }
        assert!(
            self.read().await.is_none(),
            "{what}: the connection stayed open"
        );
    }

    /// The next frame must be an error with `code`; then the peer closes.
    async fn expect_error_then_close(&mut self, code: ErrorCode, what: &str) {
        let frame = self
            .read()
            .await
            .unwrap_or_else(|| panic!("{what}: closed without an error"));
        assert_eq!(
            ErrorCode::from_u16(frame.status),
            Some(code),
            "{what}: {:?}",
            couponsd_client::wire::ErrorBody::read(&frame.body)
        );
        assert!(
            self.read().await.is_none(),
            "{what}: the connection stayed open"
        );
    }
}

/// Plays a leader for one follower connection: answers HELLO and SUBSCRIBE
/// (with `mode` and the follower's own cluster id and epoch, adjusted by
/// `epoch_delta`), then returns the conversation and the follower's request.
async fn fake_leader_accept(
    listener: &TcpListener,
    mode: CatchUp,
    epoch_delta: i64,
) -> (Peer, SubscribeRequest) {
    let (stream, _) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("the follower did not connect")
        .unwrap();
    let mut peer = Peer::new(stream);
    let hello = peer.read().await.expect("HELLO");
    assert_eq!(hello.opcode, opcode::HELLO);
    let reply = Response::Hello(HelloReply {
        version: PROTOCOL_VERSION,
        server_version: "fake".into(),
        role: NodeRole::Leader,
        max_frame_length: MAX_FRAME_LENGTH,
        max_in_flight: 16,
    });
    peer.send_reply(hello.request_id, opcode::HELLO, &reply)
        .await;
    let subscribe = peer.read().await.expect("REPL_SUBSCRIBE");
    let Ok(Request::Subscribe(request)) = Request::decode(subscribe.opcode, &subscribe.body) else {
        panic!(
            "expected REPL_SUBSCRIBE, got opcode {:#06x}",
            subscribe.opcode
        );
    };
    let reply = Response::Subscribed(SubscribeReply {
        cluster_id: request.cluster_id,
        epoch: request.epoch.saturating_add_signed(epoch_delta),
        mode,
        keep_through: request.last_lsn,
    });
    peer.send_reply(subscribe.request_id, opcode::REPL_SUBSCRIBE, &reply)
        .await;
    (peer, request)
}

fn record(epoch: u64, lsn: u64) -> Vec<u8> {
    LogRecord {
        epoch,
        lsn,
        timestamp: 1_700_000_000_000,
        effects: vec![Effect::CouponDeleted { id: 999 }],
    }
    .encode()
}

fn records(epoch: u64, leader_lsn: u64, records: Vec<Vec<u8>>) -> StreamMessage {
    StreamMessage::Records {
        epoch,
        leader_lsn,
        leader_time_ms: 0,
        records,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_refuses_bad_streams_with_typed_errors_and_applies_nothing() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = listener.local_addr().unwrap().to_string();
    let follower = Server::start_with(&["--replica-of", &fake]).await;

    // A record whose checksum does not match.
    let (mut peer, req) = fake_leader_accept(&listener, CatchUp::Log, 0).await;
    let mut bad = record(req.epoch, req.last_lsn + 1);
    let middle = bad.len() / 2;
    bad[middle] ^= 0x40;
    peer.send_stream(&records(req.epoch, 1, vec![bad])).await;
    peer.expect_error_then_close(ErrorCode::CorruptData, "corrupt record")
        .await;

    // A gap: the record after the next one.
    let (mut peer, req) = fake_leader_accept(&listener, CatchUp::Log, 0).await;
    peer.send_stream(&records(
        req.epoch,
        2,
        vec![record(req.epoch, req.last_lsn + 2)],
    ))
    .await;
    peer.expect_error_then_close(ErrorCode::LogGap, "LSN gap")
        .await;

    // A good batch followed, in the same frame, by a duplicate.
    let (mut peer, req) = fake_leader_accept(&listener, CatchUp::Log, 0).await;
    let next = req.last_lsn + 1;
    peer.send_stream(&records(
        req.epoch,
        next,
        vec![record(req.epoch, next), record(req.epoch, next)],
    ))
    .await;
    peer.expect_error_then_close(ErrorCode::LogGap, "duplicate record")
        .await;

    // A frame from an older epoch than the stream's.
    let (mut peer, req) = fake_leader_accept(&listener, CatchUp::Log, 0).await;
    peer.send_stream(&records(req.epoch - 1, 1, Vec::new()))
        .await;
    peer.expect_error_then_close(ErrorCode::StaleEpoch, "old-epoch frame")
        .await;

    // A leader whose epoch is older than the follower's.
    let (mut peer, _) = fake_leader_accept(&listener, CatchUp::Log, -1).await;
    peer.expect_error_then_close(ErrorCode::StaleEpoch, "stale leader")
        .await;

    // Garbage: an opcode that is no stream message, and a body that does not decode.
    let (mut peer, _) = fake_leader_accept(&listener, CatchUp::Log, 0).await;
    let mut buf = BytesMut::new();
    frame::encode(&mut buf, 1, 0x7777, 0, |b| b.extend_from_slice(b"junk"));
    peer.send(&buf).await;
    peer.expect_error_then_close(ErrorCode::InvalidArgument, "unknown opcode")
        .await;
    let (mut peer, _) = fake_leader_accept(&listener, CatchUp::Log, 0).await;
    let mut buf = BytesMut::new();
    frame::encode(&mut buf, 1, opcode::REPL_RECORDS, 0, |b| {
        b.extend_from_slice(&[1, 2, 3])
    });
    peer.send(&buf).await;
    peer.expect_error_then_close(ErrorCode::MalformedFrame, "truncated records")
        .await;

    // A snapshot part whose checksum does not match its data.
    let (mut peer, req) = fake_leader_accept(&listener, CatchUp::Snapshot, 0).await;
    peer.send_stream(&StreamMessage::Snapshot {
        epoch: req.epoch,
        seq: 0,
        kind: SnapshotPart::Meta,
        crc: 0x1234_5678,
        data: vec![0, 0, 0, 0],
    })
    .await;
    peer.expect_error_then_close(ErrorCode::CorruptData, "corrupt snapshot part")
        .await;

    // Nothing was applied, and the follower still serves.
    let client = follower.client().await;
    let status = client.replication_status().await.unwrap();
    assert_eq!(status.lsn, 0, "a refused frame left records behind");
    assert_eq!(client.digest().await.unwrap().lsn, 0);
    client.ping().await.unwrap();
    let log = follower.log();
    assert!(!log.contains("panicked"), "{log}");
    // With no data it cannot be promoted: that would start an empty cluster.
    assert_eq!(
        client.promote().await.unwrap_err().code(),
        Some(ErrorCode::InvalidState)
    );
}

async fn raw_hello(addr: &str) -> Peer {
    let mut peer = Peer::new(TcpStream::connect(addr).await.unwrap());
    peer.send_request(
        1,
        &Request::Hello(Hello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            token: String::new(),
            client_name: "fake-follower".into(),
        }),
    )
    .await;
    let reply = peer.read().await.expect("HELLO reply");
    assert_eq!(reply.status, 0);
    peer
}

fn subscribe(cluster_id: u64, epoch: u64, last_lsn: u64) -> Request {
    Request::Subscribe(SubscribeRequest {
        cluster_id,
        epoch,
        last_lsn,
        last_epoch: if last_lsn == 0 { 0 } else { epoch },
        name: "fake".into(),
    })
}

/// Subscribes as a new follower and reads the snapshot through to its end;
/// returns the conversation and the leader's cluster id.
async fn subscribe_and_take_snapshot(addr: &str) -> (Peer, u64) {
    let mut peer = raw_hello(addr).await;
    peer.send_request(2, &subscribe(0, 1, 0)).await;
    let reply = peer.read().await.expect("subscribe reply");
    let Ok(Response::Subscribed(reply)) = Response::decode(reply.opcode, &reply.body) else {
        panic!("subscribe refused: status {}", reply.status);
    };
    assert_eq!(reply.mode, CatchUp::Snapshot);
    loop {
        let f = peer.read().await.expect("snapshot");
        if let Some(Ok(StreamMessage::SnapshotEnd { .. })) =
            StreamMessage::decode(f.opcode, &f.body)
        {
            return (peer, reply.cluster_id);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_leader_refuses_bad_followers_with_typed_errors() {
    let mut leader = Server::start().await;
    let admin = leader.client().await;
    admin
        .create_coupon(percent_coupon("FENCE", 1000, None, None))
        .await
        .unwrap();

    // A stream message sent as an ordinary request: refused, the connection stays.
    let mut peer = raw_hello(&leader.addr).await;
    let mut buf = BytesMut::new();
    StreamMessage::Ack {
        epoch: 1,
        durable_lsn: 1,
    }
    .encode_frame(5, &mut buf);
    peer.send(&buf).await;
    let reply = peer.read().await.expect("a reply");
    assert_eq!(
        ErrorCode::from_u16(reply.status),
        Some(ErrorCode::InvalidArgument)
    );
    peer.send_request(6, &Request::Ping).await;
    assert_eq!(peer.read().await.expect("still open").status, 0);

    // Another cluster's data.
    let (_, cluster_id) = subscribe_and_take_snapshot(&leader.addr).await;
    let mut peer = raw_hello(&leader.addr).await;
    peer.send_request(2, &subscribe(cluster_id ^ 1, 1, 5)).await;
    peer.expect_error_then_close(ErrorCode::WrongCluster, "wrong cluster")
        .await;

    // On the stream, a follower may only acknowledge.
    let (mut peer, _) = subscribe_and_take_snapshot(&leader.addr).await;
    peer.send_stream(&StreamMessage::Records {
        epoch: 1,
        leader_lsn: 0,
        leader_time_ms: 0,
        records: Vec::new(),
    })
    .await;
    peer.skip_to_error_then_close(ErrorCode::InvalidArgument, "records from a follower")
        .await;

    // A truncated ack.
    let (mut peer, _) = subscribe_and_take_snapshot(&leader.addr).await;
    let mut buf = BytesMut::new();
    frame::encode(&mut buf, 1, opcode::REPL_ACK, 0, |b| {
        b.extend_from_slice(&[0, 0, 1])
    });
    peer.send(&buf).await;
    peer.skip_to_error_then_close(ErrorCode::MalformedFrame, "truncated ack")
        .await;

    // The leader still takes writes...
    admin
        .redeem(redeem_request("FENCE", "before", "c1", 10_000))
        .await
        .unwrap();
    // ...until a follower from a newer epoch shows up: the leader is fenced.
    let mut peer = raw_hello(&leader.addr).await;
    peer.send_request(2, &subscribe(cluster_id, 7, 1)).await;
    peer.expect_error_then_close(ErrorCode::StaleEpoch, "newer epoch")
        .await;
    let refused = admin
        .redeem(redeem_request("FENCE", "after", "c2", 10_000))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::NotLeader));
    let status = admin.replication_status().await.unwrap();
    assert!(status.fenced);
    // Reads still work.
    admin
        .validate("FENCE", common::order("c3", 10_000))
        .await
        .unwrap();

    // The fence is durable: restarted without --replica-of, it still takes no
    // writes, and it cannot be promoted (its data may be behind the new leader).
    leader.restart().await;
    let admin = leader.client().await;
    assert!(admin.replication_status().await.unwrap().fenced);
    let refused = admin
        .redeem(redeem_request("FENCE", "after-restart", "c4", 10_000))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::NotLeader));
    assert_eq!(
        admin.promote().await.unwrap_err().code(),
        Some(ErrorCode::InvalidState)
    );
}
