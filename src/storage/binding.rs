//! The three files of a data directory, bound to each other.
//!
//! `couponsd.redb` (the state machine), `checkpoint.redb` (its checkpoints)
//! and `raft.redb` (the Raft log) only make sense together: a checkpoint is
//! a state as of an LSN of one data file's log, and the data file is a state
//! as of an index of one Raft log. So each file has a `binding` table holding
//! the store's id (random, made when the store is bound: at its first start),
//! and a few positions each file durably held, recorded in a sibling; at
//! start, `check` compares them and refuses a file that is missing, from
//! another store, emptied (a fresh file beside bound ones) or older than its
//! siblings know it was (rolled back), naming the file and what is wrong.
//! Serving such a directory would mean a new key secret (an acknowledged
//! order's retry redeeming again) or a state that skips or repeats writes.
//!
//! Binding an existing store (one from before store ids) rewrites its rows
//! with checksums in the same transaction (see `records`), first in the data
//! file with a `PENDING` mark, then in the other two, then the mark goes: a
//! crash midway is finished at the next start.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use redb::{ReadTransaction, TableDefinition, WriteTransaction};

use super::raft_log::RAFT_FILE;
use super::read::ReadView;
use super::tables::{cluster_keys, CLUSTER, LAST_LSN};
use super::{Result, CHECKPOINT_FILE, DATA_FILE};

/// The table of the binding in each of the three files: name -> value.
pub(super) const BINDING: TableDefinition<&str, u64> = TableDefinition::new("binding");

/// Keys of the `binding` table.
pub mod keys {
    /// The store's id (random, never 0), in all three files.
    pub const STORE_ID: &str = "store_id";
    /// couponsd.redb: the store id is recorded here, maybe not yet in the
    /// other two files (a binding under way).
    pub const PENDING: &str = "binding_pending";
    /// couponsd.redb: the LSN of the newest checkpoint durable in
    /// checkpoint.redb, as the applier learned it.
    pub const CHECKPOINT_LSN: &str = "checkpoint_lsn";
    /// couponsd.redb: raft.redb durably held the log through this index.
    pub const RAFT_DURABLE_INDEX: &str = "raft_durable_index";
    /// raft.redb: couponsd.redb durably applied the log through this index.
    pub const DATA_DURABLE_INDEX: &str = "data_durable_index";
}

/// Reads the index of an encoded optional Raft log id (laid out by
/// `cluster::codec`: opaque here).
pub type ReadIndex<'a> = &'a dyn Fn(&[u8]) -> std::result::Result<Option<u64>, String>;

/// The positions each file is known to have held durably, shared by the
/// applier and the Raft log's writer while the server runs; each records
/// the other's in its own file.
#[derive(Debug, Default)]
pub struct DurableIndexes {
    /// couponsd.redb durably applied the log through this index.
    pub data: AtomicU64,
    /// raft.redb durably holds the log through this index.
    pub raft: AtomicU64,
}

impl DurableIndexes {
    pub fn data(&self) -> u64 {
        self.data.load(Ordering::Acquire)
    }

    pub fn raft(&self) -> u64 {
        self.raft.load(Ordering::Acquire)
    }
}

/// One of the three files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFile {
    Data,
    Checkpoint,
    Raft,
}

impl StoreFile {
    pub const ALL: [StoreFile; 3] = [StoreFile::Data, StoreFile::Checkpoint, StoreFile::Raft];

    pub fn name(self) -> &'static str {
        match self {
            StoreFile::Data => DATA_FILE,
            StoreFile::Checkpoint => CHECKPOINT_FILE,
            StoreFile::Raft => RAFT_FILE,
        }
    }
}

/// Which of the three files a data directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Present {
    pub data: bool,
    pub checkpoint: bool,
    pub raft: bool,
}

impl Present {
    pub fn in_dir(dir: &Path) -> Present {
        Present {
            data: dir.join(DATA_FILE).exists(),
            checkpoint: dir.join(CHECKPOINT_FILE).exists(),
            raft: dir.join(RAFT_FILE).exists(),
        }
    }

    pub fn get(self, file: StoreFile) -> bool {
        match file {
            StoreFile::Data => self.data,
            StoreFile::Checkpoint => self.checkpoint,
            StoreFile::Raft => self.raft,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataFacts {
    pub store_id: u64,
    pub pending: bool,
    /// The last LSN of its log (0: none yet).
    pub last_lsn: u64,
    /// The oldest LSN still in its log (0: the log is empty).
    pub first_lsn: u64,
    /// The last Raft log index applied (None: none yet).
    pub applied_index: Option<u64>,
    pub checkpoint_lsn_seen: u64,
    pub raft_index_seen: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointFacts {
    pub store_id: u64,
    /// The LSN the latest checkpoint is as of (0: none).
    pub lsn: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RaftFacts {
    pub store_id: u64,
    /// Entries were removed from the front through this index.
    pub purged_index: Option<u64>,
    /// The last entry's index.
    pub last_index: Option<u64>,
    pub data_index_seen: u64,
}

impl RaftFacts {
    /// How far the log reaches: its last entry, or what it purged.
    pub fn end_index(&self) -> Option<u64> {
        self.last_index.max(self.purged_index)
    }
}

/// What a data directory's three files say of themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub present: Present,
    pub data: DataFacts,
    pub checkpoint: CheckpointFacts,
    pub raft: RaftFacts,
}

/// What `check` found wrong: each names a file and says what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{} is missing (the other files of the store are here)", .0.name())]
    Missing(StoreFile),
    #[error(
        "{} has no store id, but the other files belong to store {expected:016x}: \
         it was emptied, re-created or replaced by a file from before store ids",
        file.name()
    )]
    NoStoreId { file: StoreFile, expected: u64 },
    #[error(
        "{} belongs to store {found:016x}, the other files to store {expected:016x}: \
         it comes from another data directory",
        file.name()
    )]
    OtherStore {
        file: StoreFile,
        found: u64,
        expected: u64,
    },
    #[error(
        "{CHECKPOINT_FILE} holds a checkpoint as of LSN {checkpoint_lsn}, but {DATA_FILE} \
         reaches only LSN {data_lsn}: {DATA_FILE} is older than the checkpoint (rolled back)"
    )]
    CheckpointAhead { checkpoint_lsn: u64, data_lsn: u64 },
    #[error(
        "{DATA_FILE}'s log holds LSNs {first_lsn}..={data_lsn}, but {CHECKPOINT_FILE} \
         is as of LSN {checkpoint_lsn}: the records between are in neither file \
         ({CHECKPOINT_FILE} is older than the log: rolled back)"
    )]
    LogHole {
        checkpoint_lsn: u64,
        first_lsn: u64,
        data_lsn: u64,
    },
    #[error(
        "{CHECKPOINT_FILE} is as of LSN {checkpoint_lsn}, but a checkpoint as of LSN \
         {seen_lsn} was stored in it: {CHECKPOINT_FILE} is an older copy (rolled back)"
    )]
    CheckpointRolledBack { checkpoint_lsn: u64, seen_lsn: u64 },
    #[error(
        "{DATA_FILE} has applied the Raft log through index {}, but {RAFT_FILE} no longer \
         holds the entries after it (purged through {purged_index}): {DATA_FILE} is an \
         older copy (rolled back)",
        index_text(*applied_index)
    )]
    DataBehindPurge {
        applied_index: Option<u64>,
        purged_index: u64,
    },
    #[error(
        "{DATA_FILE} has applied the Raft log through index {}, but it had durably applied \
         it through index {seen_index} ({RAFT_FILE} recorded it): {DATA_FILE} is an older \
         copy (rolled back)",
        index_text(*applied_index)
    )]
    DataRolledBack {
        applied_index: Option<u64>,
        seen_index: u64,
    },
    #[error(
        "{RAFT_FILE} reaches index {}, but it durably held the log through index \
         {seen_index} ({DATA_FILE} recorded it): {RAFT_FILE} is an older copy (rolled back)",
        index_text(*end_index)
    )]
    RaftRolledBack {
        end_index: Option<u64>,
        seen_index: u64,
    },
}

fn index_text(index: Option<u64>) -> String {
    index.map_or_else(|| "none".into(), |i| i.to_string())
}

impl Problem {
    /// The file the problem is with.
    pub fn file(&self) -> StoreFile {
        match self {
            Problem::Missing(file)
            | Problem::NoStoreId { file, .. }
            | Problem::OtherStore { file, .. } => *file,
            Problem::CheckpointAhead { .. }
            | Problem::DataBehindPurge { .. }
            | Problem::DataRolledBack { .. } => StoreFile::Data,
            Problem::LogHole { .. } | Problem::CheckpointRolledBack { .. } => StoreFile::Checkpoint,
            Problem::RaftRolledBack { .. } => StoreFile::Raft,
        }
    }
}

/// What to do about the binding at start, when `check` found nothing wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// No file has a store id: a new store, or one from before store ids.
    /// Bind it (a new id; rows rewritten with checksums).
    New,
    /// The data file has the id but a binding was under way: finish it.
    Finish(u64),
    /// Bound, and every file agrees.
    Bound(u64),
}

/// Checks that the three files belong together and fit, given what each
/// says of itself and of the others. Every problem is reported.
pub fn check(facts: &Facts) -> std::result::Result<Verdict, Vec<Problem>> {
    let mut problems = Vec::new();
    let verdict = check_ids(facts, &mut problems);
    check_positions(facts, &mut problems);
    if problems.is_empty() {
        Ok(verdict)
    } else {
        Err(problems)
    }
}

fn check_ids(facts: &Facts, problems: &mut Vec<Problem>) -> Verdict {
    let ids = [
        (StoreFile::Data, facts.data.store_id),
        (StoreFile::Checkpoint, facts.checkpoint.store_id),
        (StoreFile::Raft, facts.raft.store_id),
    ];
    // The id most files have; the data file's on a tie.
    let count = |id: u64| ids.iter().filter(|(_, i)| *i == id).count();
    let expected = ids
        .iter()
        .map(|(_, id)| *id)
        .filter(|id| *id != 0)
        .max_by_key(|id| (count(*id), *id == facts.data.store_id))
        .unwrap_or(0);
    if expected == 0 {
        return Verdict::New;
    }
    let finishing = facts.data.pending && facts.data.store_id == expected;
    for (file, id) in ids {
        if !facts.present.get(file) {
            problems.push(Problem::Missing(file));
        } else if id == 0 {
            // A binding under way records the id in the data file first.
            if !(finishing && file != StoreFile::Data) {
                problems.push(Problem::NoStoreId { file, expected });
            }
        } else if id != expected {
            problems.push(Problem::OtherStore {
                file,
                found: id,
                expected,
            });
        }
    }
    if finishing {
        Verdict::Finish(expected)
    } else {
        Verdict::Bound(expected)
    }
}

fn check_positions(facts: &Facts, problems: &mut Vec<Problem>) {
    let (data, checkpoint, raft) = (&facts.data, &facts.checkpoint, &facts.raft);
    if checkpoint.lsn > data.last_lsn {
        problems.push(Problem::CheckpointAhead {
            checkpoint_lsn: checkpoint.lsn,
            data_lsn: data.last_lsn,
        });
    } else if data.last_lsn > checkpoint.lsn
        && (data.first_lsn == 0 || data.first_lsn > checkpoint.lsn + 1)
    {
        problems.push(Problem::LogHole {
            checkpoint_lsn: checkpoint.lsn,
            first_lsn: data.first_lsn,
            data_lsn: data.last_lsn,
        });
    }
    if checkpoint.lsn < data.checkpoint_lsn_seen {
        problems.push(Problem::CheckpointRolledBack {
            checkpoint_lsn: checkpoint.lsn,
            seen_lsn: data.checkpoint_lsn_seen,
        });
    }
    // The Raft log is purged only up to a durable state machine.
    if let Some(purged_index) = raft.purged_index {
        if data.applied_index < Some(purged_index) {
            problems.push(Problem::DataBehindPurge {
                applied_index: data.applied_index,
                purged_index,
            });
        }
    }
    if raft.data_index_seen > 0 && data.applied_index < Some(raft.data_index_seen) {
        problems.push(Problem::DataRolledBack {
            applied_index: data.applied_index,
            seen_index: raft.data_index_seen,
        });
    }
    if data.raft_index_seen > 0 && raft.end_index() < Some(data.raft_index_seen) {
        problems.push(Problem::RaftRolledBack {
            end_index: raft.end_index(),
            seen_index: data.raft_index_seen,
        });
    }
}

/// The `binding` table of a file opened for reading; empty when the file
/// has none (from before store ids, opened read-only).
pub(super) fn read_binding(txn: &ReadTransaction, key: &str) -> Result<u64> {
    match txn.open_table(BINDING) {
        Ok(table) => Ok(table.get(key)?.map_or(0, |v| v.value())),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

pub(super) fn create_table(txn: &WriteTransaction) -> std::result::Result<(), redb::TableError> {
    txn.open_table(BINDING).map(drop)
}

/// What the data file says, from a read of it.
pub(super) fn data_facts(view: &ReadView, read_index: ReadIndex) -> Result<DataFacts> {
    let txn = view.txn();
    // A store from before clusters has no `cluster` table (read-only, it
    // was never created).
    let applied = match txn.open_table(CLUSTER) {
        Ok(table) => table
            .get(cluster_keys::APPLIED)?
            .map(|v| v.value().to_vec()),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let applied_index = match applied {
        Some(raw) => read_index(&raw).map_err(|reason| super::StorageError::Corrupt {
            table: "cluster",
            key: cluster_keys::APPLIED.into(),
            reason,
        })?,
        None => None,
    };
    Ok(DataFacts {
        store_id: read_binding(txn, keys::STORE_ID)?,
        pending: read_binding(txn, keys::PENDING)? != 0,
        last_lsn: view.meta(LAST_LSN)?,
        first_lsn: view.first_lsn()?,
        applied_index,
        checkpoint_lsn_seen: read_binding(txn, keys::CHECKPOINT_LSN)?,
        raft_index_seen: read_binding(txn, keys::RAFT_DURABLE_INDEX)?,
    })
}

/// What the checkpoint file says, from a read of it.
pub(super) fn checkpoint_facts(txn: &ReadTransaction) -> Result<CheckpointFacts> {
    Ok(CheckpointFacts {
        store_id: read_binding(txn, keys::STORE_ID)?,
        lsn: super::checkpoints::latest_in(txn)?.map_or(0, |c| c.start_lsn),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: u64 = 0x1234;

    fn bound() -> Facts {
        Facts {
            present: Present {
                data: true,
                checkpoint: true,
                raft: true,
            },
            data: DataFacts {
                store_id: ID,
                last_lsn: 500,
                first_lsn: 301,
                applied_index: Some(90),
                checkpoint_lsn_seen: 300,
                raft_index_seen: 80,
                ..DataFacts::default()
            },
            checkpoint: CheckpointFacts {
                store_id: ID,
                lsn: 300,
            },
            raft: RaftFacts {
                store_id: ID,
                purged_index: Some(50),
                last_index: Some(95),
                data_index_seen: 85,
            },
        }
    }

    fn problems(facts: &Facts) -> Vec<Problem> {
        check(facts).err().unwrap_or_default()
    }

    #[test]
    fn a_new_or_bound_store_passes() {
        assert_eq!(check(&bound()), Ok(Verdict::Bound(ID)));
        let new = Facts {
            present: Present {
                data: false,
                checkpoint: false,
                raft: false,
            },
            data: DataFacts::default(),
            checkpoint: CheckpointFacts::default(),
            raft: RaftFacts::default(),
        };
        assert_eq!(check(&new), Ok(Verdict::New));
        // A binding interrupted after the data file: finished.
        let mut f = bound();
        f.data.pending = true;
        f.raft.store_id = 0;
        assert_eq!(check(&f), Ok(Verdict::Finish(ID)));
    }

    #[test]
    fn missing_emptied_and_swapped_files_are_named() {
        let mut f = bound();
        f.present.data = false;
        f.data = DataFacts::default();
        let found = problems(&f);
        assert!(
            found.contains(&Problem::Missing(StoreFile::Data)),
            "{found:?}"
        );

        let mut f = bound();
        f.checkpoint.store_id = 0;
        assert_eq!(
            problems(&f),
            vec![Problem::NoStoreId {
                file: StoreFile::Checkpoint,
                expected: ID
            }]
        );

        // The odd one out is named, even when it is the data file.
        let mut f = bound();
        f.data.store_id = 99;
        assert_eq!(
            problems(&f),
            vec![Problem::OtherStore {
                file: StoreFile::Data,
                found: 99,
                expected: ID
            }]
        );
        // Not finishing a binding the other files never had.
        let mut f = bound();
        f.data.pending = true;
        f.raft.store_id = 7;
        assert_eq!(problems(&f)[0].file(), StoreFile::Raft);
    }

    #[test]
    fn positions_must_fit() {
        let mut f = bound();
        f.data.last_lsn = 200;
        f.data.first_lsn = 100;
        assert!(matches!(
            problems(&f)[0],
            Problem::CheckpointAhead {
                checkpoint_lsn: 300,
                data_lsn: 200
            }
        ));

        let mut f = bound();
        f.checkpoint.lsn = 250;
        f.data.checkpoint_lsn_seen = 0;
        assert!(matches!(problems(&f)[0], Problem::LogHole { .. }));

        let mut f = bound();
        f.data.first_lsn = 0;
        f.data.last_lsn = 300;
        f.checkpoint.lsn = 300;
        assert_eq!(
            check(&f),
            Ok(Verdict::Bound(ID)),
            "an empty log at the checkpoint"
        );

        let mut f = bound();
        f.data.checkpoint_lsn_seen = 400;
        assert!(matches!(
            problems(&f)[0],
            Problem::CheckpointRolledBack { .. }
        ));

        let mut f = bound();
        f.data.applied_index = Some(40);
        let found = problems(&f);
        assert!(matches!(found[0], Problem::DataBehindPurge { .. }));
        assert!(matches!(found[1], Problem::DataRolledBack { .. }));

        let mut f = bound();
        f.data.applied_index = Some(84);
        assert!(matches!(problems(&f)[0], Problem::DataRolledBack { .. }));

        let mut f = bound();
        f.raft.last_index = Some(70);
        assert!(matches!(problems(&f)[0], Problem::RaftRolledBack { .. }));
        // A follower may apply entries it has not made durable: the log
        // may end before what was applied, just not before what it held.
        let mut f = bound();
        f.raft.last_index = Some(85);
        assert_eq!(check(&f), Ok(Verdict::Bound(ID)));
    }
}
