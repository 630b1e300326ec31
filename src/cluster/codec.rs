//! The bytes of Raft: log ids, votes, memberships, entries (on disk and on
//! the wire alike: a follower stores the entries it receives as they are),
//! and the bodies of the node-to-node messages RAFT_APPEND, RAFT_VOTE and
//! RAFT_SNAPSHOT_*. They carry openraft's types, which the client crate does
//! not know, so they are encoded here, with the protocol's primitives; the
//! client crate carries these bodies opaque. protocol.md, "Cluster", gives
//! every layout.

use std::collections::{BTreeMap, BTreeSet};

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Writer};
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse, VoteRequest, VoteResponse};
use openraft::{CommittedLeaderId, EntryPayload, LeaderId};

use super::types::{
    Entry, LogId, Membership, Node, NodeId, SnapshotMeta, StoredMembership, TypeConfig, Vote,
};
use crate::writer::Proposal;

/// The entry layout's version.
const ENTRY_FORMAT_V1: u8 = 1;
/// Format byte and CRC before an entry's checked bytes.
const ENTRY_HEADER_LEN: usize = 5;

const PAYLOAD_BLANK: u8 = 0;
const PAYLOAD_NORMAL: u8 = 1;
const PAYLOAD_MEMBERSHIP: u8 = 2;

const APPEND_SUCCESS: u8 = 0;
const APPEND_PARTIAL: u8 = 1;
const APPEND_CONFLICT: u8 = 2;
const APPEND_HIGHER_VOTE: u8 = 3;

/// Bytes that are not what they should be.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("entry: {0}")]
    Corrupt(String),
}

pub fn write_log_id(w: &mut Writer, id: &LogId) {
    w.u64(id.leader_id.term);
    w.u64(id.leader_id.node_id);
    w.u64(id.index);
}

pub fn read_log_id(r: &mut Reader) -> Result<LogId, DecodeError> {
    let term = r.u64("term")?;
    let node_id = r.u64("node_id")?;
    let index = r.u64("index")?;
    Ok(LogId::new(CommittedLeaderId::new(term, node_id), index))
}

pub fn write_opt_log_id(w: &mut Writer, id: &Option<LogId>) {
    match id {
        Some(id) => {
            w.u8(1);
            write_log_id(w, id);
        }
        None => w.u8(0),
    }
}

pub fn read_opt_log_id(r: &mut Reader) -> Result<Option<LogId>, DecodeError> {
    Ok(match r.u8("log_id_present")? {
        0 => None,
        1 => Some(read_log_id(r)?),
        other => {
            return Err(DecodeError::UnknownValue {
                field: "log_id_present",
                value: u64::from(other),
            })
        }
    })
}

/// The index of an encoded optional log id: what the store's binding checks
/// compare (`storage::binding::ReadIndex`).
pub fn read_opt_index(raw: &[u8]) -> Result<Option<u64>, String> {
    read_opt_log_id(&mut Reader::new(raw))
        .map(|id| id.map(|id| id.index))
        .map_err(|e| e.to_string())
}

pub fn write_vote(w: &mut Writer, v: &Vote) {
    w.u64(v.leader_id.term);
    w.u64(v.leader_id.node_id);
    w.bool(v.committed);
}

pub fn read_vote(r: &mut Reader) -> Result<Vote, DecodeError> {
    let term = r.u64("term")?;
    let node_id = r.u64("node_id")?;
    let committed = r.bool("committed")?;
    Ok(Vote {
        leader_id: LeaderId::new(term, node_id),
        committed,
    })
}

pub fn write_membership(w: &mut Writer, m: &Membership) {
    let configs = m.get_joint_config();
    w.u32(configs.len() as u32);
    for config in configs {
        w.u32(config.len() as u32);
        for id in config {
            w.u64(*id);
        }
    }
    let nodes: Vec<(&NodeId, &Node)> = m.nodes().collect();
    w.u32(nodes.len() as u32);
    for (id, node) in nodes {
        w.u64(*id);
        w.str(&node.addr);
    }
}

pub fn read_membership(r: &mut Reader) -> Result<Membership, DecodeError> {
    let count = r.u32("config_count")? as usize;
    let mut configs = Vec::with_capacity(count.min(16));
    for _ in 0..count {
        let n = r.u32("voter_count")? as usize;
        let mut config = BTreeSet::new();
        for _ in 0..n {
            config.insert(r.u64("voter")?);
        }
        configs.push(config);
    }
    let n = r.u32("node_count")? as usize;
    let mut nodes = BTreeMap::new();
    for _ in 0..n {
        let id = r.u64("node_id")?;
        nodes.insert(id, Node::new(r.str("addr")?));
    }
    Ok(Membership::new(configs, nodes))
}

pub fn write_stored_membership(w: &mut Writer, m: &StoredMembership) {
    write_opt_log_id(w, m.log_id());
    write_membership(w, m.membership());
}

pub fn read_stored_membership(r: &mut Reader) -> Result<StoredMembership, DecodeError> {
    let log_id = read_opt_log_id(r)?;
    Ok(StoredMembership::new(log_id, read_membership(r)?))
}

pub fn write_snapshot_meta(w: &mut Writer, m: &SnapshotMeta) {
    write_opt_log_id(w, &m.last_log_id);
    write_stored_membership(w, &m.last_membership);
    w.str(&m.snapshot_id);
}

pub fn read_snapshot_meta(r: &mut Reader) -> Result<SnapshotMeta, DecodeError> {
    Ok(SnapshotMeta {
        last_log_id: read_opt_log_id(r)?,
        last_membership: read_stored_membership(r)?,
        snapshot_id: r.str("snapshot_id")?,
    })
}

/// An entry as stored and sent: u8 format, u32 CRC-32 of the rest, the log
/// id, u8 payload kind, then the payload.
pub fn encode_entry(entry: &Entry) -> Vec<u8> {
    let mut buf = BytesMut::with_capacity(64);
    {
        let mut w = Writer::new(&mut buf);
        w.u8(ENTRY_FORMAT_V1);
        w.u32(0);
        write_log_id(&mut w, &entry.log_id);
        match &entry.payload {
            EntryPayload::Blank => w.u8(PAYLOAD_BLANK),
            EntryPayload::Normal(p) => {
                w.u8(PAYLOAD_NORMAL);
                p.write(&mut w);
            }
            EntryPayload::Membership(m) => {
                w.u8(PAYLOAD_MEMBERSHIP);
                write_membership(&mut w, m);
            }
        }
    }
    let crc = crc32fast::hash(&buf[ENTRY_HEADER_LEN..]);
    buf[1..ENTRY_HEADER_LEN].copy_from_slice(&crc.to_be_bytes());
    buf.to_vec()
}

/// Decodes and verifies an entry: a wrong format or checksum is corruption.
pub fn decode_entry(raw: &[u8]) -> Result<Entry, CodecError> {
    if raw.len() < ENTRY_HEADER_LEN {
        return Err(CodecError::Corrupt("shorter than its header".into()));
    }
    if raw[0] != ENTRY_FORMAT_V1 {
        return Err(CodecError::Corrupt(format!("unknown format {}", raw[0])));
    }
    let expected = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
    let actual = crc32fast::hash(&raw[ENTRY_HEADER_LEN..]);
    if expected != actual {
        return Err(CodecError::Corrupt(format!(
            "checksum {actual:08x} does not match {expected:08x}"
        )));
    }
    // Past a good checksum, bytes that do not decode are corrupt too.
    let corrupt = |e: DecodeError| CodecError::Corrupt(e.to_string());
    let r = &mut Reader::new(&raw[ENTRY_HEADER_LEN..]);
    let log_id = read_log_id(r).map_err(corrupt)?;
    let payload = match r.u8("payload_kind").map_err(corrupt)? {
        PAYLOAD_BLANK => EntryPayload::Blank,
        PAYLOAD_NORMAL => EntryPayload::Normal(Proposal::read(r).map_err(corrupt)?),
        PAYLOAD_MEMBERSHIP => EntryPayload::Membership(read_membership(r).map_err(corrupt)?),
        other => {
            return Err(CodecError::Corrupt(format!("unknown payload kind {other}")));
        }
    };
    Ok(Entry { log_id, payload })
}

/// RAFT_APPEND's body: u64 cluster id, the leader's vote, the previous log
/// id, the leader's commit, u32 count, then each entry as a blob.
pub fn write_append_request(
    w: &mut Writer,
    cluster_id: u64,
    req: &AppendEntriesRequest<TypeConfig>,
    encoded_entries: &[Vec<u8>],
) {
    w.u64(cluster_id);
    write_vote(w, &req.vote);
    write_opt_log_id(w, &req.prev_log_id);
    write_opt_log_id(w, &req.leader_commit);
    w.u32(encoded_entries.len() as u32);
    for e in encoded_entries {
        w.blob(e);
    }
}

pub fn read_append_request(
    r: &mut Reader,
) -> Result<(u64, AppendEntriesRequest<TypeConfig>), CodecError> {
    let cluster_id = r.u64("cluster_id")?;
    let vote = read_vote(r)?;
    let prev_log_id = read_opt_log_id(r)?;
    let leader_commit = read_opt_log_id(r)?;
    let count = r.u32("entry_count")? as usize;
    let mut entries = Vec::with_capacity(count.min(r.remaining() / 4));
    for _ in 0..count {
        entries.push(decode_entry(r.blob("entry")?)?);
    }
    Ok((
        cluster_id,
        AppendEntriesRequest {
            vote,
            prev_log_id,
            entries,
            leader_commit,
        },
    ))
}

pub fn write_append_response(w: &mut Writer, resp: &AppendEntriesResponse<NodeId>) {
    match resp {
        AppendEntriesResponse::Success => w.u8(APPEND_SUCCESS),
        AppendEntriesResponse::PartialSuccess(id) => {
            w.u8(APPEND_PARTIAL);
            write_opt_log_id(w, id);
        }
        AppendEntriesResponse::Conflict => w.u8(APPEND_CONFLICT),
        AppendEntriesResponse::HigherVote(v) => {
            w.u8(APPEND_HIGHER_VOTE);
            write_vote(w, v);
        }
    }
}

pub fn read_append_response(r: &mut Reader) -> Result<AppendEntriesResponse<NodeId>, CodecError> {
    Ok(match r.u8("result")? {
        APPEND_SUCCESS => AppendEntriesResponse::Success,
        APPEND_PARTIAL => AppendEntriesResponse::PartialSuccess(read_opt_log_id(r)?),
        APPEND_CONFLICT => AppendEntriesResponse::Conflict,
        APPEND_HIGHER_VOTE => AppendEntriesResponse::HigherVote(read_vote(r)?),
        other => {
            return Err(CodecError::Decode(DecodeError::UnknownValue {
                field: "result",
                value: u64::from(other),
            }))
        }
    })
}

/// RAFT_VOTE's body: u64 cluster id, the candidate's vote, its last log id.
pub fn write_vote_request(w: &mut Writer, cluster_id: u64, req: &VoteRequest<NodeId>) {
    w.u64(cluster_id);
    write_vote(w, &req.vote);
    write_opt_log_id(w, &req.last_log_id);
}

pub fn read_vote_request(r: &mut Reader) -> Result<(u64, VoteRequest<NodeId>), DecodeError> {
    let cluster_id = r.u64("cluster_id")?;
    let vote = read_vote(r)?;
    let last_log_id = read_opt_log_id(r)?;
    Ok((cluster_id, VoteRequest { vote, last_log_id }))
}

pub fn write_vote_response(w: &mut Writer, resp: &VoteResponse<NodeId>) {
    write_vote(w, &resp.vote);
    w.bool(resp.vote_granted);
    write_opt_log_id(w, &resp.last_log_id);
}

pub fn read_vote_response(r: &mut Reader) -> Result<VoteResponse<NodeId>, DecodeError> {
    Ok(VoteResponse {
        vote: read_vote(r)?,
        vote_granted: r.bool("vote_granted")?,
        last_log_id: read_opt_log_id(r)?,
    })
}

/// Coupons one VIEWS_FORWARD carries at most (16 bytes each: 64 KiB).
pub const VIEWS_PER_MESSAGE: usize = 4096;

/// VIEWS_FORWARD's body: u64 cluster id, then a list of (u64 coupon id, u64
/// views): what a follower counted, for the leader to count.
pub fn write_views(w: &mut Writer, cluster_id: u64, views: &[(u64, u64)]) {
    assert!(views.len() <= VIEWS_PER_MESSAGE);
    w.u64(cluster_id);
    w.list(views, |w, (coupon_id, count)| {
        w.u64(*coupon_id);
        w.u64(*count);
    });
}

pub fn read_views(r: &mut Reader) -> Result<(u64, Vec<(u64, u64)>), DecodeError> {
    let cluster_id = r.u64("cluster_id")?;
    let views = r.list("views", |r| Ok((r.u64("coupon_id")?, r.u64("views")?)))?;
    Ok((cluster_id, views))
}

/// Runs `write` into a fresh buffer.
pub fn encode(write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut buf = BytesMut::new();
    write(&mut Writer::new(&mut buf));
    buf.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn log_id(term: u64, node: u64, index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(term, node), index)
    }

    fn membership() -> Membership {
        let voters = BTreeSet::from([1, 2, 3]);
        let nodes = BTreeMap::from([
            (1, Node::new("10.0.0.1:7878")),
            (2, Node::new("10.0.0.2:7878")),
            (3, Node::new("10.0.0.3:7878")),
            (4, Node::new("10.0.0.4:7878")),
        ]);
        Membership::new(vec![voters], nodes)
    }

    #[test]
    fn entries_roundtrip_and_corruption_is_caught() {
        let entries = [
            Entry {
                log_id: log_id(2, 1, 7),
                payload: EntryPayload::Blank,
            },
            Entry {
                log_id: log_id(2, 1, 8),
                payload: EntryPayload::Normal(Proposal {
                    term: 2,
                    seq: 1,
                    prev_seq: 0,
                    base_lsn: 41,
                    time_ms: 1_700_000_000_123,
                    records: vec![Bytes::from_static(b"abc"), Bytes::from_static(b"")],
                    decided: None,
                }),
            },
            Entry {
                log_id: log_id(3, 2, 9),
                payload: EntryPayload::Membership(membership()),
            },
        ];
        for entry in &entries {
            let raw = encode_entry(entry);
            let back = decode_entry(&raw).unwrap();
            assert_eq!(&back, entry);
            for at in [0, 3, raw.len() - 1] {
                let mut bad = raw.clone();
                bad[at] ^= 0x10;
                assert!(decode_entry(&bad).is_err(), "a flipped byte at {at}");
            }
        }
    }

    #[test]
    fn messages_roundtrip() {
        let vote = Vote::new_committed(5, 2);
        let req = AppendEntriesRequest::<TypeConfig> {
            vote,
            prev_log_id: Some(log_id(4, 1, 10)),
            entries: vec![Entry {
                log_id: log_id(5, 2, 11),
                payload: EntryPayload::Blank,
            }],
            leader_commit: None,
        };
        let encoded: Vec<Vec<u8>> = req.entries.iter().map(encode_entry).collect();
        let body = encode(|w| write_append_request(w, 99, &req, &encoded));
        let (cluster, back) = read_append_request(&mut Reader::new(&body)).unwrap();
        assert_eq!(cluster, 99);
        assert_eq!(back.vote, req.vote);
        assert_eq!(back.prev_log_id, req.prev_log_id);
        assert_eq!(back.entries, req.entries);
        for resp in [
            AppendEntriesResponse::Success,
            AppendEntriesResponse::PartialSuccess(Some(log_id(5, 2, 11))),
            AppendEntriesResponse::PartialSuccess(None),
            AppendEntriesResponse::Conflict,
            AppendEntriesResponse::HigherVote(Vote::new(6, 3)),
        ] {
            let body = encode(|w| write_append_response(w, &resp));
            assert_eq!(read_append_response(&mut Reader::new(&body)).unwrap(), resp);
        }
        let vreq = VoteRequest {
            vote: Vote::new(7, 3),
            last_log_id: Some(log_id(5, 2, 11)),
        };
        let body = encode(|w| write_vote_request(w, 99, &vreq));
        assert_eq!(
            read_vote_request(&mut Reader::new(&body)).unwrap(),
            (99, vreq)
        );
        let vresp = VoteResponse {
            vote: Vote::new(7, 3),
            vote_granted: true,
            last_log_id: None,
        };
        let body = encode(|w| write_vote_response(w, &vresp));
        assert_eq!(read_vote_response(&mut Reader::new(&body)).unwrap(), vresp);
        let meta = SnapshotMeta {
            last_log_id: Some(log_id(5, 2, 11)),
            last_membership: StoredMembership::new(Some(log_id(1, 1, 1)), membership()),
            snapshot_id: "5-2-11".into(),
        };
        let body = encode(|w| write_snapshot_meta(w, &meta));
        assert_eq!(read_snapshot_meta(&mut Reader::new(&body)).unwrap(), meta);
    }
}
