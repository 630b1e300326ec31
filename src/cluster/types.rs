//! The Raft type configuration: what an entry carries (a `Proposal`), what
//! applying one answers (`Outcome`), and what a snapshot is (`SnapshotData`).

use crate::storage::{SnapshotSource, StagedSnapshot};
use crate::writer::Proposal;

openraft::declare_raft_types!(
    /// couponsd's Raft types. Nodes are u64 ids with a `BasicNode` (the
    /// address clients and peers use).
    pub TypeConfig:
        D = Proposal,
        R = Outcome,
        SnapshotData = SnapshotData,
);

pub type NodeId = u64;
pub type Node = openraft::BasicNode;
pub type Raft = openraft::Raft<TypeConfig>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type Membership = openraft::Membership<NodeId, Node>;
pub type StoredMembership = openraft::StoredMembership<NodeId, Node>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, Node>;
pub type Snapshot = openraft::Snapshot<TypeConfig>;
pub type Metrics = openraft::RaftMetrics<NodeId, Node>;
pub type StorageError = openraft::StorageError<NodeId>;

/// What applying an entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// A proposal decided on a state that is not the one it landed on (its
    /// leader was deposed while it was in flight): it changed nothing, on
    /// every replica alike. Its requests were not carried out; retrying is safe.
    Void,
}

/// A snapshot as openraft hands it around.
pub enum SnapshotData {
    /// The live store, read at one log position: what a leader sends.
    Source(Box<SnapshotSource>),
    /// A complete snapshot received into the staging directory: what a
    /// follower installs.
    Staged(StagedSnapshot),
    /// A built snapshot: the state machine's files are durable as of its
    /// meta, so the log before it may be purged. Only its meta is used.
    Durable,
}

impl std::fmt::Debug for SnapshotData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SnapshotData::Source(_) => "SnapshotData::Source",
            SnapshotData::Staged(_) => "SnapshotData::Staged",
            SnapshotData::Durable => "SnapshotData::Durable",
        })
    }
}

/// A storage failure as openraft wants it.
pub fn storage_error(
    subject: openraft::ErrorSubject<NodeId>,
    verb: openraft::ErrorVerb,
    e: impl std::error::Error + 'static,
) -> StorageError {
    openraft::StorageIOError::new(subject, verb, openraft::AnyError::new(&e)).into()
}
