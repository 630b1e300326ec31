//! Bad input on the node-to-node Raft messages (RAFT_APPEND, RAFT_VOTE,
//! RAFT_SNAPSHOT_*) and on the frames that carry them, sent to the real
//! binary over real TCP: every one gets a typed error (or, for a broken frame,
//! a typed error and a clean close), never a panic or a hang, nothing of it is
//! applied (the node's digest, term and log stay as they were, and its data
//! directory's `incoming/` staging store never replaces anything, not even
//! after a restart), and the node goes on serving everyone else.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::{percent_coupon, redeem_request, Cluster, Secrets, Server};
use couponsd::cluster::codec;
use couponsd::cluster::snapshot::{End, Part, SnapshotPart};
use couponsd::cluster::types::{
    Entry, LogId, Membership, Node, SnapshotMeta, StoredMembership, TypeConfig, Vote,
};
use couponsd::writer::Proposal;
use couponsd_client::frame_io::{FrameReader, ReadError};
use couponsd_client::wire::{
    opcode, ClusterStatus, CouponRef, DigestReply, ErrorBody, ErrorCode, Frame, Hello, NodeRole,
    Reader, RedemptionRef, Request, MAGIC, MAX_FRAME_LENGTH, PROTOCOL_VERSION,
};
use couponsd_client::{Client, ClientError, ClientOptions};
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse, VoteRequest};
use openraft::{CommittedLeaderId, EntryPayload};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

/// Elections on a shared 2-core machine, with tests running beside each
/// other, can take longer than the second or two they take alone.
const ELECTION: Duration = Duration::from_secs(15);
/// Every reply to a bad message must come within this: no hangs.
const REPLY: Duration = Duration::from_secs(5);
/// The node id the fake peer claims: no member has it.
const FAKE_NODE: u64 = 7;
/// Flipped into a cluster id to name another cluster.
const OTHER: u64 = 0x5a5a_0000_0000_a5a5;
const TOKENS: [&str; 3] = [
    "admin:adminsecret1",
    "read:readsecret1",
    "redeem:redeemsecret1",
];

// ---------------------------------------------------------------------------
// Bodies.

fn log_id(term: u64, node: u64, index: u64) -> LogId {
    LogId::new(CommittedLeaderId::new(term, node), index)
}

/// A RAFT_APPEND body carrying `entries` exactly as given (valid or not).
fn append_body(
    cluster: u64,
    vote: Vote,
    prev: Option<LogId>,
    commit: Option<LogId>,
    entries: &[Vec<u8>],
) -> Vec<u8> {
    let request = AppendEntriesRequest::<TypeConfig> {
        vote,
        prev_log_id: prev,
        entries: Vec::new(),
        leader_commit: commit,
    };
    codec::encode(|w| codec::write_append_request(w, cluster, &request, entries))
}

fn vote_body(cluster: u64, vote: Vote, last: Option<LogId>) -> Vec<u8> {
    let request = VoteRequest {
        vote,
        last_log_id: last,
    };
    codec::encode(|w| codec::write_vote_request(w, cluster, &request))
}

fn blank_entry(id: LogId) -> Vec<u8> {
    codec::encode_entry(&Entry {
        log_id: id,
        payload: EntryPayload::Blank,
    })
}

fn normal_entry(id: LogId) -> Vec<u8> {
    codec::encode_entry(&Entry {
        log_id: id,
        payload: EntryPayload::Normal(Proposal {
            term: id.leader_id.term,
            seq: 1,
            prev_seq: 0,
            base_lsn: 0,
            time_ms: 1_750_000_000_000,
            records: vec![Bytes::from_static(b"not a record")],
            decided: None,
        }),
    })
}

/// Recomputes an entry's CRC-32 after its bytes were changed, so that only
/// the change itself is wrong.
fn reseal(mut raw: Vec<u8>) -> Vec<u8> {
    let crc = crc32fast::hash(&raw[5..]);
    raw[1..5].copy_from_slice(&crc.to_be_bytes());
    raw
}

/// A snapshot meta no node here has: as of entry (1, 7, 100) of a cluster
/// whose only voter is node 7.
fn bogus_meta(last: Option<LogId>) -> SnapshotMeta {
    let nodes = std::collections::BTreeMap::from([(FAKE_NODE, Node::new("127.0.0.1:9"))]);
    SnapshotMeta {
        last_log_id: last,
        last_membership: StoredMembership::new(
            Some(log_id(1, FAKE_NODE, 1)),
            Membership::new(vec![std::collections::BTreeSet::from([FAKE_NODE])], nodes),
        ),
        snapshot_id: "1-7-100".into(),
    }
}

fn begin_body(cluster: u64, vote: Vote, meta: &SnapshotMeta) -> Vec<u8> {
    codec::encode(|w| {
        w.u64(cluster);
        codec::write_vote(w, &vote);
        codec::write_snapshot_meta(w, meta);
    })
}

fn part(seq: u32, kind: SnapshotPart, data: Vec<u8>) -> Part {
    Part {
        seq,
        kind,
        crc: crc32fast::hash(&data),
        data,
    }
}

/// A META part that decodes: `last_lsn` 0.
fn meta_part(seq: u32) -> Part {
    part(
        seq,
        SnapshotPart::Meta,
        codec::encode(|w| {
            w.u32(1);
            w.str("last_lsn");
            w.u64(0);
        }),
    )
}

/// A CLUSTER part that decodes: no entries.
fn cluster_part(seq: u32) -> Part {
    part(seq, SnapshotPart::Cluster, 0u32.to_be_bytes().to_vec())
}

fn part_body(part: &Part) -> Vec<u8> {
    codec::encode(|w| part.write(w))
}

fn end_body(parts: u32) -> Vec<u8> {
    codec::encode(|w| {
        End {
            parts,
            checkpoint_lsn: 0,
            lsn: 0,
        }
        .write(w)
    })
}

// ---------------------------------------------------------------------------
// Connections and checks.

/// How a node connects to another: the peer token, a node's client name,
/// one hop, and a short timeout so that a hang fails the test quickly.
fn peer_options(token: &str) -> ClientOptions {
    ClientOptions {
        token: token.into(),
        client_name: format!("couponsd-node-{FAKE_NODE}"),
        request_timeout: REPLY,
        follow_leader: false,
        ..ClientOptions::default()
    }
}

async fn connect(server: &Server, options: &ClientOptions) -> Client {
    Client::connect_with(&server.addr, options.clone())
        .await
        .unwrap_or_else(|e| panic!("connecting to {}: {e}", server.addr))
}

/// Asserts a Raft message got exactly `expected`.
#[track_caller]
fn assert_code(result: Result<Vec<u8>, ClientError>, expected: ErrorCode, what: &str) {
    match result {
        Err(ClientError::Server { code, .. }) if code == expected => {}
        other => panic!("{what}: expected {expected}, got {other:?}"),
    }
}

#[track_caller]
fn assert_ok(result: Result<Vec<u8>, ClientError>, what: &str) -> Vec<u8> {
    result.unwrap_or_else(|e| panic!("{what}: expected OK, got {e}"))
}

fn assert_no_panic(server: &Server) {
    let log = server.log();
    assert!(
        !log.contains("panicked"),
        "{} logged a panic:\n{log}",
        server.addr
    );
}

/// What a node looks like from outside: its digest and its Raft status.
struct Seen {
    digest: DigestReply,
    status: ClusterStatus,
}

async fn observe(server: &Server, options: &ClientOptions) -> Seen {
    let client = connect(server, options).await;
    Seen {
        digest: client.digest().await.expect("digest"),
        status: client.cluster_status().await.expect("cluster status"),
    }
}

/// The node serves a fresh connection, and nothing of the bad messages was
/// used: its digest is as before and its term is not one a message carried
/// (`bad_term` and above). `strict` (a node alone in its cluster, where no
/// election can happen meanwhile): its term, role, leader and Raft log are
/// exactly as before too.
async fn assert_untouched(
    server: &Server,
    options: &ClientOptions,
    before: &Seen,
    bad_term: u64,
    strict: bool,
    what: &str,
) {
    let client = connect(server, options).await;
    client
        .ping()
        .await
        .unwrap_or_else(|e| panic!("{what}: ping: {e}"));
    let digest = client.digest().await.expect("digest");
    let status = client.cluster_status().await.expect("cluster status");
    assert_eq!(digest, before.digest, "{what}: the digest changed");
    assert_eq!(
        status.cluster_id, before.status.cluster_id,
        "{what}: the cluster id changed"
    );
    assert!(
        status.term < bad_term,
        "{what}: the node took term {} from a refused message",
        status.term
    );
    assert_ne!(
        status.leader_id, FAKE_NODE,
        "{what}: the node follows the fake peer"
    );
    if strict {
        assert_eq!(status.term, before.status.term, "{what}: the term changed");
        assert_eq!(status.role, before.status.role, "{what}: the role changed");
        assert_eq!(
            status.leader_id, before.status.leader_id,
            "{what}: the leader changed"
        );
        assert_eq!(
            status.last_log_index, before.status.last_log_index,
            "{what}: something was appended to the Raft log"
        );
    }
    assert_no_panic(server);
}

async fn wait_for_leadership(server: &Server, token: &str) {
    let deadline = Instant::now() + ELECTION;
    loop {
        let role = match Client::connect_with(&server.addr, peer_options(token)).await {
            Ok(client) => client.cluster_status().await.ok().map(|s| s.role),
            Err(_) => None,
        };
        if role == Some(NodeRole::Leader) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} did not lead; log:\n{}",
            server.addr,
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A lone node (a cluster of one) with a coupon and a redemption.
async fn lone_node(extra: &[&str], token: &str) -> Server {
    let server = Server::start_with(extra).await;
    wait_for_leadership(&server, token).await;
    let client = connect(&server, &peer_options(token)).await;
    client
        .create_coupon(percent_coupon("KEEP10", 1000, None, None))
        .await
        .expect("creating a coupon");
    client
        .redeem(redeem_request("KEEP10", "before-1", "alice", 10_000))
        .await
        .expect("redeeming");
    server
}

/// The coupon and redemption `lone_node` made are still there, and the
/// node still takes writes.
async fn assert_serves_old_data(server: &Server, token: &str, order: &str) {
    let client = connect(server, &peer_options(token)).await;
    let coupon = client
        .get_coupon(CouponRef::Code("KEEP10".into()))
        .await
        .expect("the coupon made before");
    assert!(coupon.current_usage >= 1);
    client
        .get_redemption(RedemptionRef::Order {
            code: "KEEP10".into(),
            order_id: "before-1".into(),
        })
        .await
        .expect("the redemption made before");
    client
        .redeem(redeem_request("KEEP10", order, "bob", 10_000))
        .await
        .expect("a write after the bad messages");
}

// ---------------------------------------------------------------------------
// Cases 1 and 2: RAFT_APPEND and RAFT_VOTE that do not decode, are corrupt,
// name another cluster, or carry a stale vote.

/// Sends every bad RAFT_APPEND and RAFT_VOTE to `server`; see
/// `assert_untouched` for `strict`.
async fn raft_garbage_is_refused(server: &Server, token: &str, strict: bool) {
    let options = peer_options(token);
    let peer = connect(server, &options).await;
    let before = observe(server, &options).await;
    let cluster = before.status.cluster_id;
    assert_ne!(cluster, 0);
    // Every message that must be refused carries a term far above the
    // node's: had any of it been used, the node's term would show it.
    let high = before.status.term + 1000;
    let fake = Vote::new_committed(high, FAKE_NODE);
    let entry = blank_entry(log_id(high, FAKE_NODE, 0));
    // Accepted whole, this would depose the leader and rewrite entry 0:
    // only broken copies of it are sent.
    let whole = append_body(cluster, fake, None, None, std::slice::from_ref(&entry));

    // Bodies that do not decode: MALFORMED_FRAME.
    for len in 0..whole.len() {
        assert_code(
            peer.raft(opcode::RAFT_APPEND, whole[..len].to_vec()).await,
            ErrorCode::MalformedFrame,
            &format!("RAFT_APPEND cut to {len} of {} bytes", whole.len()),
        );
    }
    let mut bad_bool = whole.clone();
    bad_bool[8 + 16] = 2; // the vote's `committed`
    let mut no_entries = codec::encode(|w| {
        w.u64(cluster);
        codec::write_vote(w, &fake);
        codec::write_opt_log_id(w, &None);
        codec::write_opt_log_id(w, &None);
    });
    no_entries.extend_from_slice(&u32::MAX.to_be_bytes());
    let mut huge_blob = no_entries[..no_entries.len() - 4].to_vec();
    huge_blob.extend_from_slice(&1u32.to_be_bytes());
    huge_blob.extend_from_slice(&0xffff_fff0u32.to_be_bytes());
    huge_blob.extend_from_slice(&entry);
    for (what, body) in [
        ("garbage", vec![0xff; 64]),
        ("a committed byte of 2", bad_bool),
        ("2^32 - 1 entries announced, none sent", no_entries),
        ("an entry blob announcing 4 GiB", huge_blob),
    ] {
        assert_code(
            peer.raft(opcode::RAFT_APPEND, body).await,
            ErrorCode::MalformedFrame,
            &format!("RAFT_APPEND with {what}"),
        );
    }

    // Entries that fail their checks: CORRUPT_DATA.
    let mut flipped_log_id = entry.clone();
    flipped_log_id[10] ^= 0x01;
    let mut flipped_crc = entry.clone();
    flipped_crc[2] ^= 0x80;
    let mut format_2 = entry.clone();
    format_2[0] = 2;
    let mut kind_9 = entry.clone();
    kind_9[29] = 9;
    let good_then_bad = [entry.clone(), flipped_crc.clone()];
    for (what, entries) in [
        ("a bit flipped in its log id", vec![flipped_log_id]),
        ("a bit flipped in its CRC", vec![flipped_crc]),
        ("format 2", vec![format_2]),
        ("3 bytes", vec![vec![1, 0, 0]]),
        ("payload kind 9", vec![reseal(kind_9)]),
        ("a good entry, then a corrupt one", good_then_bad.to_vec()),
    ] {
        assert_code(
            peer.raft(
                opcode::RAFT_APPEND,
                append_body(cluster, fake, None, None, &entries),
            )
            .await,
            ErrorCode::CorruptData,
            &format!("RAFT_APPEND with an entry with {what}"),
        );
    }

    // Another cluster's messages: WRONG_CLUSTER, and none of it used.
    for theirs in [cluster ^ OTHER, 0] {
        assert_code(
            peer.raft(
                opcode::RAFT_APPEND,
                append_body(theirs, fake, None, None, std::slice::from_ref(&entry)),
            )
            .await,
            ErrorCode::WrongCluster,
            &format!("RAFT_APPEND of cluster {theirs:016x}"),
        );
    }

    // A deposed leader's: refused with the node's higher vote, nothing stored.
    let stale = Vote::new_committed(0, FAKE_NODE);
    for (what, entries) in [
        ("heartbeat", Vec::new()),
        ("entry 0", vec![blank_entry(log_id(0, FAKE_NODE, 0))]),
    ] {
        let body = append_body(
            cluster,
            stale,
            None,
            Some(log_id(0, FAKE_NODE, 0)),
            &entries,
        );
        let reply = assert_ok(
            peer.raft(opcode::RAFT_APPEND, body).await,
            &format!("a stale RAFT_APPEND {what}"),
        );
        let response = codec::read_append_response(&mut Reader::new(&reply))
            .expect("a RAFT_APPEND reply that decodes");
        match response {
            AppendEntriesResponse::HigherVote(v) => {
                assert!(v > stale, "stale {what}: refused with {v}, not higher");
                assert!(v.leader_id.term >= before.status.term);
                if strict {
                    assert_eq!(v.leader_id.term, before.status.term);
                }
            }
            other => panic!("a stale RAFT_APPEND {what} was answered {other:?}"),
        }
    }

    // RAFT_VOTE. Granted, this would depose the leader.
    let whole = vote_body(
        cluster,
        Vote::new(high, FAKE_NODE),
        Some(log_id(high, FAKE_NODE, u64::MAX)),
    );
    for len in 0..whole.len() {
        assert_code(
            peer.raft(opcode::RAFT_VOTE, whole[..len].to_vec()).await,
            ErrorCode::MalformedFrame,
            &format!("RAFT_VOTE cut to {len} of {} bytes", whole.len()),
        );
    }
    let mut bad_bool = whole.clone();
    bad_bool[8 + 16] = 7;
    for (what, body) in [
        ("garbage", vec![0xee; 80]),
        ("a committed byte of 7", bad_bool),
    ] {
        assert_code(
            peer.raft(opcode::RAFT_VOTE, body).await,
            ErrorCode::MalformedFrame,
            &format!("RAFT_VOTE with {what}"),
        );
    }
    let mut other_cluster = whole.clone();
    other_cluster[..8].copy_from_slice(&(cluster ^ OTHER).to_be_bytes());
    assert_code(
        peer.raft(opcode::RAFT_VOTE, other_cluster).await,
        ErrorCode::WrongCluster,
        "RAFT_VOTE of another cluster",
    );
    for last in [None, Some(log_id(0, FAKE_NODE, u64::MAX))] {
        let reply = assert_ok(
            peer.raft(
                opcode::RAFT_VOTE,
                vote_body(cluster, Vote::new(0, FAKE_NODE), last),
            )
            .await,
            "a RAFT_VOTE of term 0",
        );
        let response =
            codec::read_vote_response(&mut Reader::new(&reply)).expect("a vote reply that decodes");
        assert!(
            !response.vote_granted,
            "a vote of term 0 (log to {last:?}) was granted: {response:?}"
        );
        assert!(response.vote.leader_id.term >= before.status.term);
        assert_ne!(response.vote.leader_id.node_id, FAKE_NODE);
    }

    // The connection is still open, and nothing was used.
    peer.ping().await.expect("the peer connection stays open");
    assert_untouched(
        server,
        &options,
        &before,
        high,
        strict,
        "after bad Raft messages",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_raft_append_and_vote_are_refused_and_nothing_is_used() {
    let server = lone_node(&[], "").await;
    raft_garbage_is_refused(&server, "", true).await;
    assert_serves_old_data(&server, "", "after-1").await;
    assert_no_panic(&server);
}

/// protocol.md, "Entries" and "Errors on Raft messages": an entry whose
/// checksum matches but whose payload does not decode is CORRUPT_DATA, like
/// any other entry that fails its checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_entry_whose_payload_does_not_decode_is_corrupt_data() {
    let server = lone_node(&[], "").await;
    let options = peer_options("");
    let peer = connect(&server, &options).await;
    let before = observe(&server, &options).await;
    let cluster = before.status.cluster_id;
    let high = before.status.term + 1000;
    let fake = Vote::new_committed(high, FAKE_NODE);
    let normal = normal_entry(log_id(high, FAKE_NODE, 0));
    let proposal_cut = reseal(normal[..normal.len() - 3].to_vec());
    let mut membership_cut = blank_entry(log_id(high, FAKE_NODE, 0));
    membership_cut[29] = 2; // MEMBERSHIP, with no membership after it
    let membership_cut = reseal(membership_cut);
    let mut results = Vec::new();
    for (what, entry) in [
        ("a NORMAL payload cut short", proposal_cut),
        ("a MEMBERSHIP payload with no membership", membership_cut),
    ] {
        let result = peer
            .raft(
                opcode::RAFT_APPEND,
                append_body(cluster, fake, None, None, &[entry]),
            )
            .await;
        results.push((what, result.map_err(|e| e.code())));
    }
    assert_untouched(
        &server,
        &options,
        &before,
        high,
        true,
        "after undecodable payloads",
    )
    .await;
    for (what, result) in &results {
        assert_eq!(
            *result,
            Err(Some(ErrorCode::CorruptData)),
            "RAFT_APPEND with an entry (CRC right) with {what}: all answers {results:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Case 3: the Raft messages need the admin role.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raft_messages_from_read_and_redeem_tokens_are_denied() {
    let secrets = Secrets::new();
    let flags = secrets.token_flags(&TOKENS);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = lone_node(&flags, "adminsecret1").await;
    let admin = peer_options("adminsecret1");
    let before = observe(&server, &admin).await;
    let cluster = before.status.cluster_id;
    let high = before.status.term + 1000;
    let fake = Vote::new_committed(high, FAKE_NODE);
    // Messages the node would act on, were they let through.
    let messages = [
        (
            opcode::RAFT_APPEND,
            append_body(
                cluster,
                fake,
                None,
                None,
                &[blank_entry(log_id(high, FAKE_NODE, 0))],
            ),
        ),
        (opcode::RAFT_APPEND, vec![0xff; 10]),
        (
            opcode::RAFT_VOTE,
            vote_body(
                cluster,
                Vote::new(high, FAKE_NODE),
                Some(log_id(high, FAKE_NODE, u64::MAX)),
            ),
        ),
        (
            opcode::RAFT_SNAPSHOT_BEGIN,
            begin_body(cluster, fake, &bogus_meta(Some(log_id(1, FAKE_NODE, 100)))),
        ),
        (opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0))),
        (opcode::RAFT_SNAPSHOT_END, end_body(1)),
        (opcode::VIEWS_FORWARD, views_body(cluster, &[(1, 1_000)])),
    ];
    for token in ["readsecret1", "redeemsecret1"] {
        let client = connect(&server, &peer_options(token)).await;
        for (op, body) in &messages {
            assert_code(
                client.raft(*op, body.clone()).await,
                ErrorCode::PermissionDenied,
                &format!("opcode 0x{op:04x} with the {token} token"),
            );
        }
        // The connection stays open and serves what the role may do.
        client
            .get_coupon(CouponRef::Code("KEEP10".into()))
            .await
            .expect("a read after PERMISSION_DENIED");
    }
    // The admin role gets through to the handler.
    assert_code(
        connect(&server, &admin)
            .await
            .raft(opcode::RAFT_APPEND, Vec::new())
            .await,
        ErrorCode::MalformedFrame,
        "an empty RAFT_APPEND with the admin token",
    );
    assert_untouched(
        &server,
        &admin,
        &before,
        high,
        true,
        "after denied messages",
    )
    .await;
    assert!(
        !server.data_dir().join("incoming").exists(),
        "a denied RAFT_SNAPSHOT_BEGIN opened a staging store"
    );
    assert_serves_old_data(&server, "adminsecret1", "after-1").await;
}

// ---------------------------------------------------------------------------
// Case 4: VIEWS_FORWARD, a follower's counted views.

fn views_body(cluster: u64, views: &[(u64, u64)]) -> Vec<u8> {
    codec::encode(|w| codec::write_views(w, cluster, views))
}

/// The views ANALYTICS_COUPON reports for KEEP10, once they reach `views`
/// (the leader makes them durable about once a second).
async fn wait_for_views(client: &Client, views: u64) {
    let deadline = Instant::now() + ELECTION;
    loop {
        let got = client
            .analytics_coupon(CouponRef::Code("KEEP10".into()))
            .await
            .expect("analytics")
            .metrics
            .total_views;
        assert!(got <= views, "{got} views, more than the {views} sent");
        if got == views {
            return;
        }
        assert!(Instant::now() < deadline, "views stuck at {got} of {views}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A leader counts the views a follower sends as its own; a body that does
/// not decode, of another cluster, or over the bound per message is
/// refused, counting nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forwarded_views_are_counted_once_checked() {
    let server = lone_node(&[], "").await;
    let peer = connect(&server, &peer_options("")).await;
    let coupon = peer
        .get_coupon(CouponRef::Code("KEEP10".into()))
        .await
        .expect("coupon");
    let cluster = observe(&server, &peer_options("")).await.status.cluster_id;
    let good = views_body(cluster, &[(coupon.id, 7)]);
    for len in [0, 4, 8, 9, good.len() - 1] {
        assert_code(
            peer.raft(opcode::VIEWS_FORWARD, good[..len].to_vec()).await,
            ErrorCode::MalformedFrame,
            &format!("VIEWS_FORWARD cut to {len} of {} bytes", good.len()),
        );
    }
    assert_code(
        peer.raft(opcode::VIEWS_FORWARD, views_body(OTHER, &[(coupon.id, 7)]))
            .await,
        ErrorCode::WrongCluster,
        "VIEWS_FORWARD of another cluster",
    );
    // One more than a message may carry, laid out by hand (the encoder
    // asserts the bound).
    let over = codec::VIEWS_PER_MESSAGE + 1;
    let mut body = cluster.to_be_bytes().to_vec();
    body.extend((over as u16).to_be_bytes());
    for _ in 0..over {
        body.extend(coupon.id.to_be_bytes());
        body.extend(1u64.to_be_bytes());
    }
    assert_code(
        peer.raft(opcode::VIEWS_FORWARD, body).await,
        ErrorCode::InvalidArgument,
        "VIEWS_FORWARD over its bound",
    );
    assert_ok(
        peer.raft(opcode::VIEWS_FORWARD, good).await,
        "a good VIEWS_FORWARD",
    );
    // Views of a coupon that does not exist are dropped when applied.
    assert_ok(
        peer.raft(opcode::VIEWS_FORWARD, views_body(cluster, &[(u64::MAX, 3)]))
            .await,
        "views of no coupon",
    );
    wait_for_views(&peer, 7).await;
    // Nothing more arrives later from the refused messages.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    wait_for_views(&peer, 7).await;
    assert_no_panic(&server);
}

// ---------------------------------------------------------------------------
// Case 5: snapshots.

fn complete_marker(server: &Server) -> bool {
    server.data_dir().join("incoming").join("COMPLETE").exists()
}

async fn begin_until_free(client: &Client, body: &[u8], what: &str) {
    let deadline = Instant::now() + REPLY;
    loop {
        match client
            .raft(opcode::RAFT_SNAPSHOT_BEGIN, body.to_vec())
            .await
        {
            Ok(_) => return,
            Err(ClientError::Server {
                code: ErrorCode::Busy,
                ..
            }) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => panic!("{what}: {e}"),
        }
    }
}

/// Every broken snapshot conversation, on `server`, whose cluster is (or,
/// for a joining node, becomes at the first BEGIN) `cluster`.
async fn snapshot_garbage_is_refused(server: &Server, cluster: u64) {
    let options = peer_options("");
    let before = observe(server, &options).await;
    let joining = before.status.cluster_id == 0;
    let a = connect(server, &options).await;
    let vote = Vote::new_committed(before.status.term + 1000, FAKE_NODE);
    let begin = begin_body(cluster, vote, &bogus_meta(Some(log_id(1, FAKE_NODE, 100))));
    let ok_begin = |what: &'static str| {
        let a = a.clone();
        let begin = begin.clone();
        async move { assert_ok(a.raft(opcode::RAFT_SNAPSHOT_BEGIN, begin).await, what) }
    };

    // Parts and ends without a BEGIN.
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
            .await,
        ErrorCode::InvalidState,
        "RAFT_SNAPSHOT_PART before BEGIN",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_END, end_body(1)).await,
        ErrorCode::InvalidState,
        "RAFT_SNAPSHOT_END before BEGIN",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, vec![0, 0]).await,
        ErrorCode::MalformedFrame,
        "a RAFT_SNAPSHOT_PART cut short",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_BEGIN, vec![0, 1, 2]).await,
        ErrorCode::MalformedFrame,
        "a RAFT_SNAPSHOT_BEGIN cut short",
    );
    if joining {
        assert_eq!(observe(server, &options).await.status.cluster_id, 0);
    }

    // A BEGIN opens a staging store; a joining node takes its cluster id
    // only once a snapshot is installed, and none of these ever is.
    ok_begin("RAFT_SNAPSHOT_BEGIN").await;
    assert_eq!(
        observe(server, &options).await.status.cluster_id,
        before.status.cluster_id
    );

    // Parts out of order: LOG_GAP, and the refused part ends the session.
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(1)))
            .await,
        ErrorCode::LogGap,
        "part 1 first",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
            .await,
        ErrorCode::InvalidState,
        "part 0 after a refused part",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_END, end_body(0)).await,
        ErrorCode::InvalidState,
        "END after a refused part",
    );
    ok_begin("BEGIN again").await;
    assert_ok(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
            .await,
        "part 0",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&cluster_part(2)))
            .await,
        ErrorCode::LogGap,
        "part 2 after part 0",
    );
    ok_begin("BEGIN again").await;
    assert_ok(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
            .await,
        "part 0",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
            .await,
        ErrorCode::LogGap,
        "part 0 twice",
    );

    // A part whose CRC does not match its data: CORRUPT_DATA.
    ok_begin("BEGIN again").await;
    let mut bad_crc = meta_part(0);
    bad_crc.crc ^= 1;
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&bad_crc))
            .await,
        ErrorCode::CorruptData,
        "a part with a bad CRC",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
            .await,
        ErrorCode::InvalidState,
        "a part after a corrupt one",
    );
    // Data with a good CRC that does not decode: CORRUPT_DATA too.
    for (kind, data) in [
        (SnapshotPart::Meta, vec![0, 0, 0, 9]),
        (SnapshotPart::Cluster, vec![0, 0, 0, 1, 0, 4, b'a']),
        (SnapshotPart::Coupons, vec![0, 0, 0, 1, 0, 0, 0]),
        (SnapshotPart::Log, vec![0xff, 0xff, 0xff, 0xff]),
    ] {
        ok_begin("BEGIN again").await;
        assert_code(
            a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&part(0, kind, data)))
                .await,
            ErrorCode::CorruptData,
            &format!("a {kind:?} part that does not decode"),
        );
    }
    // An unknown part kind: the body does not decode.
    ok_begin("BEGIN again").await;
    let mut unknown_kind = part_body(&meta_part(0));
    unknown_kind[4] = 99;
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, unknown_kind).await,
        ErrorCode::MalformedFrame,
        "a part of kind 99",
    );

    // An END that counts more, or fewer, parts than arrived: LOG_GAP.
    for (count, what) in [(3, "END counting 3 of 2 parts"), (1, "END counting 1 of 2")] {
        ok_begin("BEGIN again").await;
        assert_ok(
            a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(0)))
                .await,
            "part 0",
        );
        assert_ok(
            a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&cluster_part(1)))
                .await,
            "part 1",
        );
        assert_code(
            a.raft(opcode::RAFT_SNAPSHOT_END, end_body(count)).await,
            ErrorCode::LogGap,
            what,
        );
        assert_code(
            a.raft(opcode::RAFT_SNAPSHOT_END, end_body(2)).await,
            ErrorCode::InvalidState,
            "a second END",
        );
        assert!(
            !complete_marker(server),
            "{what}: the staged store was completed"
        );
    }

    // Another cluster's BEGIN: a node of a cluster refuses it; a joining
    // node belongs to none yet, so it may take it (it would join that
    // cluster only once such a snapshot is installed).
    let other = a
        .raft(
            opcode::RAFT_SNAPSHOT_BEGIN,
            begin_body(cluster ^ OTHER, vote, &bogus_meta(None)),
        )
        .await;
    if joining {
        assert_ok(other, "a joining node's BEGIN of any cluster");
        assert_eq!(observe(server, &options).await.status.cluster_id, 0);
    } else {
        assert_code(
            other,
            ErrorCode::WrongCluster,
            "RAFT_SNAPSHOT_BEGIN of another cluster",
        );
    }

    // One snapshot at a time: a second BEGIN on another connection is BUSY
    // until the first session ends (refused part, or closed connection).
    ok_begin("BEGIN on the first connection").await;
    let b = connect(server, &options).await;
    for attempt in ["a second BEGIN elsewhere", "and again"] {
        assert_code(
            b.raft(opcode::RAFT_SNAPSHOT_BEGIN, begin.clone()).await,
            ErrorCode::Busy,
            attempt,
        );
    }
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&meta_part(5)))
            .await,
        ErrorCode::LogGap,
        "a refused part on the first connection",
    );
    assert_ok(
        b.raft(opcode::RAFT_SNAPSHOT_BEGIN, begin.clone()).await,
        "BEGIN once the first session ended",
    );
    assert_code(
        a.raft(opcode::RAFT_SNAPSHOT_BEGIN, begin.clone()).await,
        ErrorCode::Busy,
        "BEGIN on the first connection while the second has one",
    );
    drop(b);
    let c = connect(server, &options).await;
    begin_until_free(&c, &begin, "BEGIN once the second connection closed").await;
    drop(c);
    begin_until_free(&a, &begin, "BEGIN once the third connection closed").await;
    a.ping().await.expect("the connection stays open");

    assert_untouched(
        server,
        &options,
        &before,
        vote.leader_id.term,
        true,
        "after bad snapshots",
    )
    .await;
    assert!(
        !complete_marker(server),
        "a refused snapshot left a complete staged store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_snapshots_on_a_node_of_a_cluster_change_nothing() {
    let mut server = lone_node(&[], "").await;
    let before = observe(&server, &peer_options("")).await;
    snapshot_garbage_is_refused(&server, before.status.cluster_id).await;
    assert_serves_old_data(&server, "", "after-1").await;
    let before = observe(&server, &peer_options("")).await;
    // The staging store left behind replaces nothing at a restart either.
    server.restart().await;
    wait_for_leadership(&server, "").await;
    let after = observe(&server, &peer_options("")).await;
    assert_eq!(after.digest, before.digest, "a restart changed the data");
    assert_serves_old_data(&server, "", "after-restart").await;
    assert_no_panic(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_snapshots_on_a_joining_node_change_nothing() {
    let server = Server::start_with(&["--node-id", "2", "--join"]).await;
    let status = server.status().await.expect("status");
    assert_eq!(status.cluster_id, 0, "a joining node has no cluster yet");
    snapshot_garbage_is_refused(&server, 0x0123_4567_89ab_cdef).await;
    let client = server.client().await;
    let digest = client.digest().await.expect("digest");
    assert_eq!(digest.lsn, 0, "a joining node holds nothing");
    assert!(matches!(
        client.get_coupon(CouponRef::Code("KEEP10".into())).await,
        Err(ClientError::Server {
            code: ErrorCode::NotFound,
            ..
        })
    ));
    assert_no_panic(&server);
}

/// protocol.md, "The cluster id": the id is compared (and a joining node
/// takes it) only once the body has decoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_joining_node_takes_no_cluster_id_from_a_begin_that_does_not_decode() {
    let server = Server::start_with(&["--node-id", "2", "--join"]).await;
    let peer = connect(&server, &peer_options("")).await;
    let mut body = 0x0123_4567_89ab_cdefu64.to_be_bytes().to_vec();
    body.extend_from_slice(&[0, 0, 0]); // a vote cut short
    assert_code(
        peer.raft(opcode::RAFT_SNAPSHOT_BEGIN, body).await,
        ErrorCode::MalformedFrame,
        "a RAFT_SNAPSHOT_BEGIN whose vote is cut short",
    );
    let status = server.status().await.expect("status");
    assert_eq!(
        status.cluster_id, 0,
        "a joining node took its cluster id from a RAFT_SNAPSHOT_BEGIN that did not decode: \
         it now refuses its real cluster with WRONG_CLUSTER"
    );
    assert_no_panic(&server);
}

/// A whole snapshot, well formed, from a deposed leader (a vote lower than
/// the node's): END answers the node's higher vote ("the snapshot was not
/// installed"), so nothing of it may ever be installed, not even by the
/// restart that finishes interrupted installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_complete_snapshot_is_not_installed_even_after_a_restart() {
    // Snapshots often and no log kept behind them: the node's data cannot
    // be rebuilt from its Raft log, only its files hold it.
    let flags = ["--snapshot-entries", "3", "--raft-log-keep-entries", "0"];
    let mut server = lone_node(&flags, "").await;
    let options = peer_options("");
    let writer = connect(&server, &options).await;
    for i in 0..8 {
        writer
            .redeem(redeem_request(
                "KEEP10",
                &format!("more-{i}"),
                "carol",
                10_000,
            ))
            .await
            .expect("redeeming");
    }
    let deadline = Instant::now() + ELECTION;
    while observe(&server, &options).await.status.purged_index == 0 {
        assert!(Instant::now() < deadline, "the log was never purged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = observe(&server, &options).await;
    let peer = connect(&server, &options).await;
    let stale = Vote::new(0, FAKE_NODE);
    let meta = bogus_meta(Some(log_id(0, FAKE_NODE, 1_000_000)));
    assert_ok(
        peer.raft(
            opcode::RAFT_SNAPSHOT_BEGIN,
            begin_body(before.status.cluster_id, stale, &meta),
        )
        .await,
        "BEGIN",
    );
    for p in [meta_part(0), cluster_part(1)] {
        assert_ok(
            peer.raft(opcode::RAFT_SNAPSHOT_PART, part_body(&p)).await,
            "part",
        );
    }
    let reply = assert_ok(
        peer.raft(opcode::RAFT_SNAPSHOT_END, end_body(2)).await,
        "END of a stale snapshot",
    );
    let vote = codec::read_vote(&mut Reader::new(&reply)).expect("END's reply is a vote");
    assert!(
        vote > stale,
        "END answered {vote}, not the node's higher vote"
    );
    assert_eq!(vote.leader_id.term, before.status.term);
    assert_untouched(
        &server,
        &options,
        &before,
        u64::MAX,
        true,
        "after a stale snapshot",
    )
    .await;
    assert_serves_old_data(&server, "", "after-1").await;
    let before = observe(&server, &options).await;
    let staged_left = complete_marker(&server);
    eprintln!("before the restart, incoming/COMPLETE exists: {staged_left}");

    server.restart().await;
    wait_for_leadership(&server, "").await;
    let after = observe(&server, &options).await;
    assert_eq!(
        (after.digest.lsn, after.digest.digest),
        (before.digest.lsn, before.digest.digest),
        "after a restart the node's data is not what it was: the refused snapshot was installed \
         (incoming/COMPLETE was left behind: {staged_left}); log:\n{}",
        server.log()
    );
    assert_serves_old_data(&server, "", "after-restart").await;
    assert!(
        !staged_left,
        "the refused snapshot left a complete staged store (incoming/COMPLETE) for the next \
         start to install"
    );
    assert_no_panic(&server);
}

// ---------------------------------------------------------------------------
// Case 6: broken frames on peer connections.

/// A connection that writes and reads raw frames.
struct Raw {
    reader: FrameReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    addr: String,
}

fn frame_bytes(request_id: u32, request: &Request) -> BytesMut {
    let mut buf = BytesMut::new();
    request.encode_frame(request_id, &mut buf);
    buf
}

fn hello() -> Request {
    Request::Hello(Hello {
        magic: MAGIC,
        version: PROTOCOL_VERSION,
        token: String::new(),
        client_name: format!("couponsd-node-{FAKE_NODE}"),
    })
}

impl Raw {
    async fn connect(addr: &str) -> Raw {
        let stream = TcpStream::connect(addr).await.expect("connecting");
        stream.set_nodelay(true).expect("nodelay");
        let (read, writer) = stream.into_split();
        Raw {
            reader: FrameReader::new(read, MAX_FRAME_LENGTH),
            writer,
            addr: addr.into(),
        }
    }

    /// Connects and says HELLO, as a node does.
    async fn peer(addr: &str) -> Raw {
        let mut raw = Raw::connect(addr).await;
        raw.send(&frame_bytes(1, &hello())).await;
        let reply = raw.next().await.expect("a HELLO reply");
        assert_eq!((reply.request_id, reply.status), (1, 0), "HELLO refused");
        raw
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("writing");
    }

    /// The next frame; None once the server closed the connection.
    async fn next(&mut self) -> Option<Frame> {
        match tokio::time::timeout(REPLY, self.reader.read_frame()).await {
            Err(_) => panic!("{}: no reply and no close within {REPLY:?}", self.addr),
            Ok(Ok(frame)) => frame,
            Ok(Err(ReadError::Io(_))) => None,
            Ok(Err(e)) => panic!("{}: the server's own frames are broken: {e}", self.addr),
        }
    }

    /// Reads until the server closes the connection (which it must, soon):
    /// every frame it sent before.
    async fn until_closed(&mut self) -> Vec<Frame> {
        let mut frames = Vec::new();
        while let Some(frame) = self.next().await {
            frames.push(frame);
            assert!(
                frames.len() < 10,
                "{}: the connection stays open",
                self.addr
            );
        }
        frames
    }
}

/// The connection-level error reply (request id 0, opcode 0) with `code`.
#[track_caller]
fn assert_connection_error(frames: &[Frame], code: ErrorCode, what: &str) {
    let found = frames.iter().any(|f| {
        f.request_id == 0
            && f.opcode == 0
            && f.status == code.as_u16()
            && !ErrorBody::read(&f.body).message.is_empty()
    });
    assert!(found, "{what}: no {code} before the close, got {frames:?}");
}

/// Every kind of broken frame, each on a connection of its own, to `addr`.
async fn broken_frames(addr: &str, cluster: u64) {
    let stale = Vote::new_committed(0, FAKE_NODE);
    let heartbeat = Request::Raft {
        opcode: opcode::RAFT_APPEND,
        body: append_body(cluster, stale, None, None, &[]),
    };

    // A RAFT_APPEND whose frame checksum is wrong, behind a good one.
    let mut raw = Raw::peer(addr).await;
    let mut bytes = frame_bytes(2, &heartbeat);
    let mut bad = frame_bytes(3, &heartbeat);
    bad[5] ^= 0x40;
    bytes.extend_from_slice(&bad);
    raw.send(&bytes).await;
    let frames = raw.until_closed().await;
    assert_connection_error(&frames, ErrorCode::MalformedFrame, "a bad checksum");
    assert!(
        frames
            .iter()
            .any(|f| f.request_id == 2 && f.opcode == opcode::RAFT_APPEND && f.status == 0),
        "the good RAFT_APPEND before the bad frame was not answered: {frames:?}"
    );
    assert!(
        !frames.iter().any(|f| f.request_id == 3),
        "the bad frame was answered as a request"
    );

    // A frame over the size limit (its body is never sent: the server must
    // not wait for it).
    let mut raw = Raw::peer(addr).await;
    let mut header = frame_bytes(4, &heartbeat)[..16].to_vec();
    header[..4].copy_from_slice(&(MAX_FRAME_LENGTH + 1).to_be_bytes());
    raw.send(&header).await;
    assert_connection_error(
        &raw.until_closed().await,
        ErrorCode::FrameTooLarge,
        "a frame over 1 MiB",
    );

    // A length under the header's.
    let mut raw = Raw::peer(addr).await;
    raw.send(&[0, 0, 0, 3, 1, 2, 3]).await;
    assert_connection_error(
        &raw.until_closed().await,
        ErrorCode::MalformedFrame,
        "a length of 3",
    );

    // Before HELLO: a bad checksum, and bytes that are no frame at all.
    let mut raw = Raw::connect(addr).await;
    let mut bad_hello = frame_bytes(1, &hello());
    bad_hello[4] ^= 0x01;
    raw.send(&bad_hello).await;
    assert_connection_error(
        &raw.until_closed().await,
        ErrorCode::MalformedFrame,
        "a HELLO with a bad checksum",
    );
    let mut raw = Raw::connect(addr).await;
    raw.send(b"GET / HTTP/1.1\r\nHost: couponsd\r\n\r\n").await;
    assert_connection_error(
        &raw.until_closed().await,
        ErrorCode::FrameTooLarge,
        "an HTTP request",
    );
}

/// A write's order id, when its answer came, and the answer.
type Outcome = (String, Instant, Result<(), ClientError>);

/// Redeems a new order after another through `client` until `stop`; every
/// outcome, with the time it came.
fn start_writes(client: Client, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<Outcome>> {
    tokio::spawn(async move {
        let mut outcomes = Vec::new();
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            let order = format!("load-{i}");
            let customer = format!("customer-{}", i % 50);
            let result = client
                .redeem(redeem_request("LOAD", &order, &customer, 10_000))
                .await
                .map(|_| ());
            outcomes.push((order, Instant::now(), result));
            i += 1;
        }
        outcomes
    })
}

async fn cluster_client(cluster: &Cluster) -> Client {
    let options = ClientOptions {
        failover_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    };
    Client::connect_cluster(&cluster.addrs(), options)
        .await
        .expect("a client of the cluster")
}

async fn digest_of(server: &Server) -> (u64, u128) {
    let d = server.client().await.digest().await.expect("digest");
    (d.lsn, d.digest)
}

/// Waits until every node has the leader's LSN, then compares digests.
async fn assert_converged(cluster: &mut Cluster) {
    let leader = cluster.leader(ELECTION).await;
    let expected = digest_of(&cluster.nodes[leader]).await;
    for (i, node) in cluster.nodes.iter().enumerate() {
        node.wait_for_lsn(expected.0, ELECTION).await;
        assert_eq!(
            digest_of(node).await,
            expected,
            "node {} differs from the leader at LSN {}",
            i + 1,
            expected.0
        );
    }
}

fn assert_no_panics(cluster: &Cluster) {
    let logs = cluster.logs();
    assert!(!logs.contains("panicked"), "a node panicked:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn broken_frames_on_peer_connections_close_them_and_the_cluster_keeps_committing() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let follower = (leader + 1) % 3;
    let client = cluster_client(&cluster).await;
    client
        .create_coupon(percent_coupon("LOAD", 1000, None, None))
        .await
        .expect("creating a coupon");
    let cluster_id = cluster.nodes[follower]
        .status()
        .await
        .expect("status")
        .cluster_id;

    // The bad Raft messages of cases 1 and 2 on a follower too, once it has
    // applied the coupon: its digest is then what the messages must not change.
    let (lsn, _) = digest_of(&cluster.nodes[leader]).await;
    cluster.nodes[follower]
        .wait_for_lsn(lsn, Duration::from_secs(10))
        .await;
    raft_garbage_is_refused(&cluster.nodes[follower], "", false).await;

    let stop = Arc::new(AtomicBool::new(false));
    let writes = start_writes(client.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    // A peer connection stuck in the middle of a frame, left open meanwhile.
    let mut stuck = Raw::peer(cluster.addrs()[follower]).await;
    let half = frame_bytes(
        2,
        &Request::Raft {
            opcode: opcode::RAFT_APPEND,
            body: vec![0; 64],
        },
    );
    stuck.send(&half[..40]).await;
    for addr in cluster.addrs() {
        broken_frames(addr, cluster_id).await;
    }
    // A snapshot session dies with its connection's broken frame.
    let node = &cluster.nodes[follower];
    let vote = Vote::new_committed(0, FAKE_NODE);
    let begin = begin_body(
        cluster_id,
        vote,
        &bogus_meta(Some(log_id(1, FAKE_NODE, 100))),
    );
    let mut raw = Raw::peer(&node.addr).await;
    let mut bytes = frame_bytes(
        2,
        &Request::Raft {
            opcode: opcode::RAFT_SNAPSHOT_BEGIN,
            body: begin.clone(),
        },
    );
    let mut bad = frame_bytes(
        3,
        &Request::Raft {
            opcode: opcode::RAFT_SNAPSHOT_PART,
            body: part_body(&meta_part(0)),
        },
    );
    bad[6] ^= 0x01;
    bytes.extend_from_slice(&bad);
    raw.send(&bytes).await;
    let frames = raw.until_closed().await;
    assert_connection_error(
        &frames,
        ErrorCode::MalformedFrame,
        "a snapshot part's bad frame",
    );
    let other = connect(node, &peer_options("")).await;
    begin_until_free(
        &other,
        &begin,
        "a BEGIN after the first one's connection broke",
    )
    .await;
    drop(other);
    let garbage_done = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let outcomes = writes.await.expect("the writer task");
    drop(stuck);

    let failed: Vec<_> = outcomes.iter().filter(|(_, _, r)| r.is_err()).collect();
    assert!(failed.is_empty(), "writes failed meanwhile: {failed:?}");
    let during = outcomes
        .iter()
        .filter(|(_, at, _)| *at >= started && *at <= garbage_done)
        .count();
    assert!(
        during >= 3,
        "only {during} writes were committed while the broken frames came ({:?})",
        garbage_done - started
    );
    assert_converged(&mut cluster).await;
    let coupon = client
        .get_coupon(CouponRef::Code("LOAD".into()))
        .await
        .expect("the coupon");
    assert_eq!(coupon.current_usage, outcomes.len() as u64);
    assert_no_panics(&cluster);
}

// ---------------------------------------------------------------------------
// Case 7: a fake peer with a huge term.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_fake_peer_with_a_huge_term_does_not_break_the_cluster() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let follower = (leader + 1) % 3;
    let client = cluster_client(&cluster).await;
    client
        .create_coupon(percent_coupon("LOAD", 1000, None, None))
        .await
        .expect("creating a coupon");
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let order = format!("before-{i}");
        client
            .redeem(redeem_request("LOAD", &order, "alice", 10_000))
            .await
            .expect("a redemption before the fake peer");
        acknowledged.push(order);
    }

    // Writes go on while the fake peer strikes.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = start_writes(client.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(300)).await;

    let node = &cluster.nodes[follower];
    let status = node.status().await.expect("the follower's status");
    let huge = status.term + 1_000_000;
    let fake = connect(node, &peer_options("")).await;
    let reply = assert_ok(
        fake.raft(
            opcode::RAFT_APPEND,
            append_body(
                status.cluster_id,
                Vote::new_committed(huge, FAKE_NODE),
                None,
                None,
                &[],
            ),
        )
        .await,
        "the fake peer's RAFT_APPEND",
    );
    let response = codec::read_append_response(&mut Reader::new(&reply))
        .expect("a RAFT_APPEND reply that decodes");
    let struck = Instant::now();

    // A write through the cluster client succeeds soon after.
    let after = loop {
        match client
            .redeem(redeem_request("LOAD", "after-fake", "bob", 10_000))
            .await
        {
            Ok(_) => break struck.elapsed(),
            Err(e) => assert!(
                struck.elapsed() < ELECTION,
                "no write succeeded within {ELECTION:?} of the fake peer's RAFT_APPEND \
                 (answered {response:?}); last error {e}; logs:\n{}",
                cluster.logs()
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        after < ELECTION,
        "the first write after the fake peer's RAFT_APPEND took {after:?}"
    );
    acknowledged.push("after-fake".into());
    stop.store(true, Ordering::Relaxed);
    let outcomes = writes.await.expect("the writer task");
    acknowledged.extend(
        outcomes
            .iter()
            .filter(|(_, _, r)| r.is_ok())
            .map(|(order, _, _)| order.clone()),
    );

    // A leader, every node equal, and every acknowledged write kept.
    let leader = cluster.leader(ELECTION).await;
    let status = cluster.nodes[leader].status().await.expect("status");
    assert_ne!(status.leader_id, FAKE_NODE);
    assert!(status.members.iter().all(|m| m.node_id != FAKE_NODE));
    assert_converged(&mut cluster).await;
    let leader_client = cluster.nodes[leader].client().await;
    for order in &acknowledged {
        leader_client
            .get_redemption(RedemptionRef::Order {
                code: "LOAD".into(),
                order_id: order.clone(),
            })
            .await
            .unwrap_or_else(|e| panic!("acknowledged redemption {order} is gone: {e}"));
    }
    let coupon = leader_client
        .get_coupon(CouponRef::Code("LOAD".into()))
        .await
        .expect("the coupon");
    // Writes whose outcome was unknown (not acknowledged) may have landed too.
    assert!(coupon.current_usage >= acknowledged.len() as u64);
    assert!(coupon.current_usage <= 6 + outcomes.len() as u64);
    assert_no_panics(&cluster);
    eprintln!("fake peer answered {response:?}; a write succeeded {after:?} after it");
}

/// The highest term there is: were it taken, no node could ever stand for
/// election again (its next term would be one above it). Such a message
/// must be refused, or the cluster must still elect a leader and commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_raft_append_with_the_highest_term_does_not_break_the_cluster() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let follower = (leader + 1) % 3;
    let client = cluster_client(&cluster).await;
    client
        .create_coupon(percent_coupon("LOAD", 1000, None, None))
        .await
        .expect("creating a coupon");
    let node = &cluster.nodes[follower];
    let status = node.status().await.expect("the follower's status");
    let fake = connect(node, &peer_options("")).await;
    let answer = fake
        .raft(
            opcode::RAFT_APPEND,
            append_body(
                status.cluster_id,
                Vote::new_committed(u64::MAX, FAKE_NODE),
                None,
                None,
                &[],
            ),
        )
        .await
        .map(|reply| codec::read_append_response(&mut Reader::new(&reply)).ok());
    let struck = Instant::now();
    let written = loop {
        match client
            .redeem(redeem_request("LOAD", "after-max", "bob", 10_000))
            .await
        {
            Ok(_) => break Ok(struck.elapsed()),
            Err(e) if struck.elapsed() >= ELECTION => break Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let mut terms = Vec::new();
    for n in &cluster.nodes {
        terms.push(n.status().await.map(|s| (s.role, s.term, s.leader_id)));
    }
    let logs = cluster.logs();
    let panics: Vec<&str> = logs.lines().filter(|l| l.contains("panicked")).collect();
    assert!(
        panics.is_empty() && written.is_ok(),
        "after a RAFT_APPEND of term 2^64 - 1 (answered {answer:?}) the cluster did not recover: \
         first write {written:?}; nodes (role, term, leader) {terms:?}; panics {panics:?}"
    );
    assert_converged(&mut cluster).await;
}

/// A message that carries the receiving leader's own vote (a replayed
/// message, or a peer list naming this node's address under another id)
/// is not a leader's message to a follower: it must be refused with a typed
/// reply, not crash the node's Raft.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_raft_message_with_the_leaders_own_vote_does_not_crash_it() {
    // A message in the receiver's own name (two nodes sharing an id or an
    // address) is refused before openraft sees it: it would otherwise take
    // it as its own leadership and stop.
    let options = peer_options("");
    let server = lone_node(&[], "").await;
    let before = observe(&server, &options).await;
    let peer = connect(&server, &options).await;
    let own = Vote::new_committed(before.status.term, before.status.node_id);
    let cluster = before.status.cluster_id;
    assert_code(
        peer.raft(
            opcode::RAFT_APPEND,
            append_body(cluster, own, None, None, &[]),
        )
        .await,
        ErrorCode::InvalidArgument,
        "RAFT_APPEND in the leader's own name",
    );
    let meta = bogus_meta(Some(log_id(0, 0, 0)));
    assert_code(
        peer.raft(opcode::RAFT_SNAPSHOT_BEGIN, begin_body(cluster, own, &meta))
            .await,
        ErrorCode::InvalidArgument,
        "RAFT_SNAPSHOT_BEGIN in the leader's own name",
    );
    assert_code(
        peer.raft(opcode::RAFT_VOTE, vote_body(cluster, own, None))
            .await,
        ErrorCode::InvalidArgument,
        "RAFT_VOTE in the leader's own name",
    );
    let client = connect(&server, &options).await;
    client
        .redeem(redeem_request("KEEP10", "after-1", "bob", 10_000))
        .await
        .expect("the leader still takes writes");
    assert_no_panic(&server);
    let status = observe(&server, &options).await.status;
    assert_eq!(status.role, NodeRole::Leader);
    assert_eq!(status.term, before.status.term);
}
