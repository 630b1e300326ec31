//! Raft messages arriving from other nodes: RAFT_APPEND and RAFT_VOTE go to
//! openraft; RAFT_SNAPSHOT_BEGIN, _PART and _END fill a staging store, part
//! by part, and install it; VIEWS_FORWARD brings a follower's views. Every message names its cluster: one from another
//! cluster is refused with WRONG_CLUSTER, and a node that joins with no
//! cluster yet takes the id of the first leader whose entries or snapshot it
//! accepts. A message in this node's own name, or with a term no election
//! reaches, is refused.

use std::sync::atomic::Ordering;

use couponsd_client::wire::{opcode, Reader};
use openraft::error::RaftError;

use super::codec::{self, CodecError};
use super::node::Node;
use super::snapshot::{End, Part, Receiver};
use super::types::{Snapshot, SnapshotData, SnapshotMeta, Vote};
use crate::error::{Error, Result};

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::Malformed(e.to_string())
}

fn codec_error(e: CodecError) -> Error {
    match e {
        CodecError::Decode(e) => malformed(e),
        CodecError::Corrupt(reason) => Error::CorruptData(reason),
    }
}

fn raft_error<E: std::error::Error>(e: RaftError<super::types::NodeId, E>) -> Error {
    match e {
        RaftError::Fatal(_) => Error::ShuttingDown,
        RaftError::APIError(e) => Error::InvalidState(e.to_string()),
    }
}

fn wrong_cluster(ours: u64, theirs: u64) -> Error {
    Error::WrongCluster(format!(
        "this node belongs to cluster {ours:016x}, the message to cluster {theirs:016x}"
    ))
}

/// The highest term a message may carry. Terms grow by one an election, so
/// no cluster comes near it; a peer sending more is refused, so that no
/// election ever overflows.
const TERM_MAX: u64 = 1 << 62;

/// Checks who a message speaks for: its term, that it is not this node's
/// own name, and its cluster id against ours. A node that has no cluster id
/// yet (it is joining) may take the one of a leader's message (`adopt`),
/// once the message was accepted: the id to record then is returned.
fn check_sender(node: &Node, theirs: u64, vote: &Vote, adopt: bool) -> Result<Option<u64>> {
    if vote.leader_id.term >= TERM_MAX {
        return Err(Error::invalid(
            "term",
            format!("{} is beyond any real term", vote.leader_id.term),
        ));
    }
    if vote.leader_id.node_id == node.id {
        return Err(Error::invalid(
            "vote",
            format!(
                "a message in the name of node {}, this node: two nodes share an id or an address",
                node.id
            ),
        ));
    }
    let ours = node.cluster_id.load(Ordering::Acquire);
    if ours == theirs && ours != 0 {
        return Ok(None);
    }
    if ours == 0 && theirs != 0 && adopt {
        return Ok(Some(theirs));
    }
    Err(wrong_cluster(ours, theirs))
}

/// Records the cluster id a joining node took from its leader, durably.
async fn adopt_cluster(node: &Node, id: Option<u64>) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    node.log
        .set_cluster_id(id)
        .await
        .map_err(|e| Error::Storage(crate::storage::StorageError::Database(e.to_string())))?;
    node.cluster_id.store(id, Ordering::Release);
    tracing::info!(cluster_id = format!("{id:016x}"), "joined the cluster");
    Ok(())
}

/// Answers RAFT_APPEND or RAFT_VOTE.
pub async fn answer(node: &Node, op: u16, body: &[u8]) -> Result<Vec<u8>> {
    let r = &mut Reader::new(body);
    match op {
        opcode::RAFT_APPEND => {
            let (cluster, request) = codec::read_append_request(r).map_err(codec_error)?;
            let adopt = check_sender(node, cluster, &request.vote, true)?;
            let commit = request.leader_commit.map_or(0, |c| c.index);
            let response = node
                .raft
                .append_entries(request)
                .await
                .map_err(raft_error)?;
            // From the current leader, unless refused as a deposed one's.
            if !matches!(
                response,
                openraft::raft::AppendEntriesResponse::HigherVote(_)
            ) {
                adopt_cluster(node, adopt).await?;
                node.contacts.heard_from_leader(commit);
            }
            Ok(codec::encode(|w| {
                codec::write_append_response(w, &response)
            }))
        }
        opcode::RAFT_VOTE => {
            let (cluster, request) = codec::read_vote_request(r).map_err(malformed)?;
            check_sender(node, cluster, &request.vote, false)?;
            let response = node.raft.vote(request).await.map_err(raft_error)?;
            Ok(codec::encode(|w| codec::write_vote_response(w, &response)))
        }
        other => Err(Error::invalid(
            "opcode",
            format!("0x{other:04x} is not a Raft request"),
        )),
    }
}

/// Reads VIEWS_FORWARD, a follower's counted views, on the leader, which
/// counts them as its own (`server::views`); any other node refuses them
/// with NOT_LEADER, as it would a write.
pub fn forwarded_views(node: &Node, body: &[u8]) -> Result<Vec<(u64, u64)>> {
    let (cluster, views) = codec::read_views(&mut Reader::new(body)).map_err(malformed)?;
    let ours = node.cluster_id.load(Ordering::Acquire);
    if cluster != ours || ours == 0 {
        return Err(wrong_cluster(ours, cluster));
    }
    if views.len() > codec::VIEWS_PER_MESSAGE {
        return Err(Error::invalid(
            "views",
            format!(
                "{} coupons in one message; at most {}",
                views.len(),
                codec::VIEWS_PER_MESSAGE
            ),
        ));
    }
    node.check_leader()?;
    Ok(views)
}

/// A snapshot being received on one connection (one at a time per node:
/// they share the staging directory).
pub struct SnapshotSession {
    vote: Vote,
    meta: SnapshotMeta,
    receiver: Receiver,
    /// The cluster id a joining node takes once the snapshot is installed.
    adopt: Option<u64>,
    _slot: tokio::sync::OwnedMutexGuard<()>,
}

/// Handles one RAFT_SNAPSHOT_* message of the connection's session.
pub async fn snapshot_message(
    node: &Node,
    session: &mut Option<SnapshotSession>,
    op: u16,
    body: &[u8],
) -> Result<Vec<u8>> {
    let r = &mut Reader::new(body);
    match op {
        opcode::RAFT_SNAPSHOT_BEGIN => {
            let cluster = r.u64("cluster_id").map_err(malformed)?;
            let vote = codec::read_vote(r).map_err(malformed)?;
            let meta = codec::read_snapshot_meta(r).map_err(malformed)?;
            let adopt = check_sender(node, cluster, &vote, true)?;
            // A new snapshot on this connection replaces the one in progress.
            *session = None;
            let slot = node
                .snapshot_slot
                .clone()
                .try_lock_owned()
                .map_err(|_| Error::Busy("another snapshot is being received"))?;
            let receiver = tokio::task::block_in_place(|| {
                let store_id = node.cell.load().store.store_id()?;
                Receiver::begin(&node.data_dir, store_id)
            })?;
            tracing::info!(last_log_id = ?meta.last_log_id, "receiving a snapshot");
            *session = Some(SnapshotSession {
                vote,
                meta,
                receiver,
                adopt,
                _slot: slot,
            });
            Ok(Vec::new())
        }
        opcode::RAFT_SNAPSHOT_PART => {
            let part = Part::read(r).map_err(malformed)?;
            let open = session.as_mut().ok_or_else(|| {
                Error::InvalidState("no RAFT_SNAPSHOT_BEGIN on this connection".into())
            })?;
            let stored = tokio::task::block_in_place(|| open.receiver.part(part));
            if stored.is_err() {
                // A refused part ends the session: the sender starts over.
                *session = None;
            }
            stored.map(|()| Vec::new())
        }
        opcode::RAFT_SNAPSHOT_END => {
            let end = End::read(r).map_err(malformed)?;
            let open = session.take().ok_or_else(|| {
                Error::InvalidState("no RAFT_SNAPSHOT_BEGIN on this connection".into())
            })?;
            let staged = tokio::task::block_in_place(|| open.receiver.finish(end))?;
            let snapshot = Snapshot {
                meta: open.meta,
                snapshot: Box::new(SnapshotData::Staged(staged)),
            };
            let vote = open.vote;
            let response = node
                .raft
                .install_full_snapshot(vote, snapshot)
                .await
                .map_err(|_| Error::ShuttingDown)?;
            // Installed only if the sender's vote stands.
            if response.vote == vote {
                adopt_cluster(node, open.adopt).await?;
            }
            Ok(codec::encode(|w| codec::write_vote(w, &response.vote)))
        }
        other => Err(Error::invalid(
            "opcode",
            format!("0x{other:04x} is not a snapshot message"),
        )),
    }
}
