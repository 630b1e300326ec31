//! openraft's state machine: committed entries go to `writer::Applier`
//! (records, rows, the in-memory state); snapshots are the state machine's
//! own two files, streamed from a consistent read (`SnapshotSource`) and
//! installed by moving a staged copy over them.
//!
//! A built snapshot is cheap: the state machine is already on disk, so
//! "building" one only makes its files durable, after which the log before it
//! may be purged. What a lagging node receives is read from the live store
//! at that moment (`get_current_snapshot`), as of the last entry applied.
//!
//! An I/O error (a full disk) is never returned to openraft, which would
//! stop the node for good: the same batch is applied again, with backoff,
//! until it is stored (`storage::retry::until_done`); the store reopens its
//! file in between (`storage`). Entries are applied in order, each exactly
//! once, and only a batch that is stored reaches the in-memory state.

use std::path::PathBuf;
use std::sync::Arc;

use couponsd_client::wire::Reader;
use openraft::storage::RaftStateMachine;
use openraft::{EntryPayload, ErrorSubject, ErrorVerb, RaftSnapshotBuilder};

use super::codec;
use super::types::{
    storage_error, Entry, LogId, Outcome, Snapshot, SnapshotData, SnapshotMeta, StorageError,
    StoredMembership, TypeConfig,
};
use crate::storage::binding::DurableIndexes;
use crate::storage::{retry::until_done, write_keys::cluster_keys, ReadView, Store};
use crate::writer::{recover, Applier, Applying, Core, CoreCell, InFlight, WriterConfig};

pub struct StateMachine {
    cell: Arc<CoreCell>,
    /// Only openraft's state machine task uses it; the lock makes the
    /// state machine `Sync`, as openraft requires.
    applier: std::sync::Mutex<Applier>,
    applied: Option<LogId>,
    membership: StoredMembership,
    data_dir: PathBuf,
    quick_repair: bool,
}

fn sm_error(verb: ErrorVerb, e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::StateMachine, verb, e)
}

/// The Raft position a state machine store is at: its last applied log id
/// and membership (None and the empty membership for a new store).
pub fn position(
    cluster_value: impl Fn(&str) -> crate::storage::Result<Option<Vec<u8>>>,
) -> Result<(Option<LogId>, StoredMembership), crate::storage::StorageError> {
    let bad = |key: &'static str| {
        move |e: couponsd_client::wire::DecodeError| crate::storage::StorageError::Corrupt {
            table: "cluster",
            key: key.into(),
            reason: e.to_string(),
        }
    };
    let applied = match cluster_value(cluster_keys::APPLIED)? {
        Some(raw) => {
            codec::read_opt_log_id(&mut Reader::new(&raw)).map_err(bad(cluster_keys::APPLIED))?
        }
        None => None,
    };
    let membership = match cluster_value(cluster_keys::MEMBERSHIP)? {
        Some(raw) => codec::read_stored_membership(&mut Reader::new(&raw))
            .map_err(bad(cluster_keys::MEMBERSHIP))?,
        None => StoredMembership::default(),
    };
    Ok((applied, membership))
}

fn view_position(
    view: &ReadView,
) -> Result<(Option<LogId>, StoredMembership), crate::storage::StorageError> {
    position(|key| view.cluster_value(key))
}

impl StateMachine {
    pub fn new(
        cell: Arc<CoreCell>,
        config: &WriterConfig,
        data_dir: PathBuf,
        quick_repair: bool,
        in_flight: Arc<InFlight>,
        durable: Arc<DurableIndexes>,
    ) -> Result<StateMachine, crate::storage::StorageError> {
        let applier = Applier::new(cell.clone(), config, in_flight, durable)?;
        let (applied, membership) = view_position(&cell.load().store.read()?)?;
        Ok(StateMachine {
            cell,
            applier: std::sync::Mutex::new(applier),
            applied,
            membership,
            data_dir,
            quick_repair,
        })
    }
}

/// What a snapshot built now says of itself.
fn snapshot_meta(applied: Option<LogId>, membership: StoredMembership) -> SnapshotMeta {
    let snapshot_id = applied.map_or_else(
        || "0-0-0".to_string(),
        |id| {
            format!(
                "{}-{}-{}",
                id.leader_id.term, id.leader_id.node_id, id.index
            )
        },
    );
    SnapshotMeta {
        last_log_id: applied,
        last_membership: membership,
        snapshot_id,
    }
}

/// Builds snapshots: makes the state machine's files durable as of the
/// position captured when the builder was made.
pub struct Builder {
    store: Arc<Store>,
    meta: SnapshotMeta,
    data_dir: PathBuf,
}

impl RaftSnapshotBuilder<TypeConfig> for Builder {
    async fn build_snapshot(&mut self) -> Result<Snapshot, StorageError> {
        let (store, data_dir) = (self.store.clone(), self.data_dir.clone());
        tokio::task::spawn_blocking(move || until_done(&data_dir, || store.flush()))
            .await
            .map_err(|e| sm_error(ErrorVerb::Write, e))?
            .map_err(|e| sm_error(ErrorVerb::Write, e))?;
        Ok(Snapshot {
            meta: self.meta.clone(),
            snapshot: Box::new(SnapshotData::Durable),
        })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = Builder;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        Ok((self.applied, self.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Outcome>, StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<Entry> = entries.into_iter().collect();
        let Some(last) = entries.last().map(|e| e.log_id) else {
            return Ok(Vec::new());
        };
        let mut cluster = vec![(
            cluster_keys::APPLIED,
            codec::encode(|w| codec::write_opt_log_id(w, &Some(last))),
        )];
        let mut membership = None;
        let applying: Vec<Applying> = entries
            .iter()
            .map(|e| match &e.payload {
                EntryPayload::Normal(p) => Applying::Proposal(p),
                EntryPayload::Membership(m) => {
                    membership = Some(StoredMembership::new(Some(e.log_id), m.clone()));
                    Applying::Consensus
                }
                EntryPayload::Blank => Applying::Consensus,
            })
            .collect();
        if let Some(m) = &membership {
            cluster.push((
                cluster_keys::MEMBERSHIP,
                codec::encode(|w| codec::write_stored_membership(w, m)),
            ));
        }
        let applier = self.applier.get_mut().unwrap_or_else(|e| e.into_inner());
        let data_dir = &self.data_dir;
        let outcomes = tokio::task::block_in_place(|| {
            until_done(data_dir, || applier.apply(&applying, last.index, &cluster))
        })
        .map_err(|e| sm_error(ErrorVerb::Write, e))?;
        self.applied = Some(last);
        if let Some(m) = membership {
            self.membership = m;
        }
        Ok(outcomes
            .into_iter()
            .map(|applied| {
                if applied {
                    Outcome::Applied
                } else {
                    Outcome::Void
                }
            })
            .collect())
    }

    async fn get_snapshot_builder(&mut self) -> Builder {
        Builder {
            store: self.cell.load().store.clone(),
            meta: snapshot_meta(self.applied, self.membership.clone()),
            data_dir: self.data_dir.clone(),
        }
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<SnapshotData>, StorageError> {
        // Snapshots arrive as RAFT_SNAPSHOT_* parts into a staging store
        // (`rpc`), never through openraft's chunked transfer.
        Err(sm_error(
            ErrorVerb::Write,
            std::io::Error::other("snapshots are received as RAFT_SNAPSHOT_* parts"),
        ))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<SnapshotData>,
    ) -> Result<(), StorageError> {
        let SnapshotData::Staged(staged) = *snapshot else {
            return Err(sm_error(
                ErrorVerb::Write,
                std::io::Error::other("only a received snapshot can be installed"),
            ));
        };
        let started = std::time::Instant::now();
        let (data_dir, quick_repair) = (self.data_dir.clone(), self.quick_repair);
        let health = self.cell.load().store.health().clone();
        let installed = tokio::task::spawn_blocking(move || {
            until_done(&data_dir, || {
                staged.install(&data_dir)?;
                let store = Store::open(&data_dir, quick_repair, health.clone())?;
                let (state, recovered) = recover(&store)?;
                tracing::info!(
                    lsn = recovered.last_lsn,
                    checkpoint_lsn = recovered.checkpoint_lsn,
                    "snapshot installed"
                );
                Ok(Core {
                    store: Arc::new(store),
                    state: Arc::new(state),
                })
            })
        })
        .await
        .map_err(|e| sm_error(ErrorVerb::Write, e))?
        .map_err(|e| sm_error(ErrorVerb::Write, e))?;
        let (applied, membership) = view_position(
            &installed
                .store
                .read()
                .map_err(|e| sm_error(ErrorVerb::Read, e))?,
        )
        .map_err(|e| sm_error(ErrorVerb::Read, e))?;
        if applied != meta.last_log_id {
            return Err(sm_error(
                ErrorVerb::Read,
                std::io::Error::other(format!(
                    "the snapshot's files are at {applied:?}, its meta says {:?}",
                    meta.last_log_id
                )),
            ));
        }
        self.cell.replace(installed);
        let applier = self.applier.get_mut().unwrap_or_else(|e| e.into_inner());
        tokio::task::block_in_place(|| applier.reset())
            .map_err(|e| sm_error(ErrorVerb::Write, e))?;
        self.applied = applied;
        self.membership = membership;
        tracing::info!(
            ms = started.elapsed().as_millis() as u64,
            last_log_id = ?meta.last_log_id,
            "snapshot catch-up done"
        );
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot>, StorageError> {
        let store = self.cell.load().store.clone();
        let data_dir = self.data_dir.clone();
        let source =
            tokio::task::spawn_blocking(move || until_done(&data_dir, || store.snapshot_source()))
                .await
                .map_err(|e| sm_error(ErrorVerb::Read, e))?
                .map_err(|e| sm_error(ErrorVerb::Read, e))?;
        let (applied, membership) =
            position(|key| source.cluster_value(key)).map_err(|e| sm_error(ErrorVerb::Read, e))?;
        if applied.is_none() {
            return Ok(None);
        }
        Ok(Some(Snapshot {
            meta: snapshot_meta(applied, membership),
            snapshot: Box::new(SnapshotData::Source(Box::new(source))),
        }))
    }
}
