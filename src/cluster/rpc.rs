//! Raft messages arriving from other nodes: RAFT_APPEND and RAFT_VOTE go to
//! openraft; RAFT_SNAPSHOT_BEGIN, _PART and _END fill a staging store, part
//! by part, and install it. Every message names its cluster: one from another
//! cluster is refused with WRONG_CLUSTER, and a node that joins with no
//! cluster yet takes the id of the first leader that writes to it.

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

/// Checks a message's cluster id against ours. A node that has none yet (it
/// is joining) takes it from a leader's message (`adopt`: RAFT_APPEND or a
/// snapshot), durably, before anything is written.
async fn check_cluster(node: &Node, theirs: u64, adopt: bool) -> Result<()> {
    let ours = node.cluster_id.load(Ordering::Acquire);
    if ours == theirs && ours != 0 {
        return Ok(());
    }
    if ours == 0 && theirs != 0 && adopt {
        node.log
            .set_cluster_id(theirs)
            .await
            .map_err(|e| Error::Storage(crate::storage::StorageError::Database(e.to_string())))?;
        node.cluster_id.store(theirs, Ordering::Release);
        tracing::info!(cluster_id = format!("{theirs:016x}"), "joined the cluster");
        return Ok(());
    }
    Err(Error::WrongCluster(format!(
        "this node belongs to cluster {ours:016x}, the message to cluster {theirs:016x}"
    )))
}

/// Answers RAFT_APPEND or RAFT_VOTE.
pub async fn answer(node: &Node, op: u16, body: &[u8]) -> Result<Vec<u8>> {
    let r = &mut Reader::new(body);
    match op {
        opcode::RAFT_APPEND => {
            let (cluster, request) = codec::read_append_request(r).map_err(codec_error)?;
            check_cluster(node, cluster, true).await?;
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
                node.contacts.heard_from_leader(commit);
            }
            Ok(codec::encode(|w| {
                codec::write_append_response(w, &response)
            }))
        }
        opcode::RAFT_VOTE => {
            let (cluster, request) = codec::read_vote_request(r).map_err(malformed)?;
            check_cluster(node, cluster, false).await?;
            let response = node.raft.vote(request).await.map_err(raft_error)?;
            Ok(codec::encode(|w| codec::write_vote_response(w, &response)))
        }
        other => Err(Error::invalid(
            "opcode",
            format!("0x{other:04x} is not a Raft request"),
        )),
    }
}

/// A snapshot being received on one connection (one at a time per node:
/// they share the staging directory).
pub struct SnapshotSession {
    vote: Vote,
    meta: SnapshotMeta,
    receiver: Receiver,
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
            check_cluster(node, cluster, true).await?;
            let vote = codec::read_vote(r).map_err(malformed)?;
            let meta = codec::read_snapshot_meta(r).map_err(malformed)?;
            // A new snapshot on this connection replaces the one in progress.
            *session = None;
            let slot = node
                .snapshot_slot
                .clone()
                .try_lock_owned()
                .map_err(|_| Error::Busy("another snapshot is being received"))?;
            let receiver = tokio::task::block_in_place(|| Receiver::begin(&node.data_dir))?;
            tracing::info!(last_log_id = ?meta.last_log_id, "receiving a snapshot");
            *session = Some(SnapshotSession {
                vote,
                meta,
                receiver,
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
            let response = node
                .raft
                .install_full_snapshot(open.vote, snapshot)
                .await
                .map_err(|_| Error::ShuttingDown)?;
            Ok(codec::encode(|w| codec::write_vote(w, &response.vote)))
        }
        other => Err(Error::invalid(
            "opcode",
            format!("0x{other:04x} is not a snapshot message"),
        )),
    }
}
