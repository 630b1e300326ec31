//! The Raft log file, `raft.redb`: the consensus state, kept apart from the
//! state machine's two files so that installing a snapshot can replace those
//! without touching the vote or the log.
//!
//! Tables:
//! - `raft_entries`: log index -> entry, as `cluster::codec` encodes it (the
//!   same bytes the leader sends in RAFT_APPEND: a follower stores what it
//!   receives). Opaque here.
//! - `raft_meta`: name -> value: the vote, the committed and purged log ids
//!   (encoded by `cluster::codec`), the purged index and the cluster id (u64,
//!   big-endian).
//! - `binding`: the store id and how far the data file durably applied the
//!   log (see `storage::binding`).
//!
//! Only the log store's writer thread writes this file; readers open read
//! transactions and never wait for it. A write that fails with an I/O error
//! stored nothing and reopens the file (see `db_file`): the writer tries the
//! same write again later. Every write that matters is durable, so a reopen
//! loses nothing but a purge (which only keeps entries longer) or a
//! `binding` position a durable write carries again. A reopen must find
//! the store id again (see `db_file`).
//!
//! A purge drops its entries a slice at a time (`PURGE_SLICE`), one slice
//! with each write, after it: dropping them reads every one back (redb reads
//! each page it frees), and a Raft snapshot's purge of 10,000 entries in one
//! write held every append behind it for up to about 150 ms. Entries at or below
//! the purged index may so remain for a while; nothing reads them (the log
//! starts after the purged log id).

use std::ops::RangeBounds;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
};

use super::binding::{self, RaftFacts, ReadIndex, StoreFile};
use super::db_file::{nothing_to_redo, DbFile};
use super::health::Health;
use super::Result;

/// The file name inside the data directory.
pub const RAFT_FILE: &str = "raft.redb";

const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("raft_entries");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("raft_meta");

/// Meta keys.
pub mod keys {
    /// The last vote this node cast or accepted (must survive a crash).
    pub const VOTE: &str = "vote";
    /// The last committed log id this node knows (a hint: losing it is harmless).
    pub const COMMITTED: &str = "committed";
    /// The last log id removed from the front of the log.
    pub const PURGED: &str = "purged";
    /// The cluster this log belongs to (u64, big-endian; absent until known).
    pub const CLUSTER_ID: &str = "cluster_id";
    /// The index of the purged log id (u64, big-endian): the entries through
    /// it left to drop (absent in a file from before purges were sliced,
    /// whose purges dropped everything at once).
    pub const PURGE_INDEX: &str = "purge_index";
}

/// A write to the log file, applied in one transaction with the others of its group.
#[derive(Debug)]
pub enum LogWrite {
    /// Entries at consecutive indexes, encoded.
    Append(Vec<(u64, Vec<u8>)>),
    /// Removes every entry at this index and after (a conflicting suffix).
    TruncateFrom(u64),
    /// Records the purged log id: every entry up to this index goes, a
    /// slice at a time (see the module comment).
    PurgeThrough {
        index: u64,
        purged: Vec<u8>,
    },
    Meta {
        key: &'static str,
        value: Vec<u8>,
    },
    /// A value of the `binding` table (see `storage::binding::keys`).
    Binding {
        key: &'static str,
        value: u64,
    },
}

/// Most entries one write drops of those purged (about 0.5 ms of work).
pub const PURGE_SLICE: usize = 64;

pub struct RaftLogFile {
    file: DbFile,
    health: Arc<Health>,
    /// The entries below this index are purged (0: none; entry 0 is a
    /// log's first), some perhaps still to drop.
    purge_end: AtomicU64,
}

impl RaftLogFile {
    /// Opens (creating if needed) the log file in `dir`; failures to write
    /// it go to `health`.
    pub fn open(dir: &Path, health: Arc<Health>) -> Result<RaftLogFile> {
        std::fs::create_dir_all(dir)?;
        let file = DbFile::open(dir, StoreFile::Raft, 64 << 20, |db| {
            let txn = db.begin_write()?;
            txn.open_table(ENTRIES)?;
            txn.open_table(META)?;
            binding::create_table(&txn)?;
            txn.commit()?;
            Ok(())
        })?;
        let purge_end = {
            let txn = file.get()?.begin_read()?;
            let meta = txn.open_table(META)?;
            let raw = meta.get(keys::PURGE_INDEX)?;
            match raw.map(|raw| <[u8; 8]>::try_from(raw.value())) {
                None => 0,
                Some(Ok(bytes)) => u64::from_be_bytes(bytes).saturating_add(1),
                Some(Err(_)) => {
                    return Err(super::StorageError::Corrupt {
                        table: "raft_meta",
                        key: keys::PURGE_INDEX.into(),
                        reason: "not 8 bytes".into(),
                    })
                }
            }
        };
        Ok(RaftLogFile {
            file,
            health,
            purge_end: AtomicU64::new(purge_end),
        })
    }

    fn begin_read(&self) -> Result<ReadTransaction> {
        Ok(self.file.get()?.begin_read()?)
    }

    /// Closes the file cleanly (at a clean stop; other handles to the log
    /// may outlive the process's last moment, and a file left open needs a
    /// repair before it can be read offline). Every use after fails, and
    /// it is never reopened.
    pub fn close(&self) {
        self.file.close();
    }

    /// What this file says of itself and of the data file (see
    /// `binding::check`).
    pub fn binding_facts(&self, read_index: ReadIndex) -> Result<RaftFacts> {
        facts_in(&self.begin_read()?, read_index)
    }

    /// The value of `key` in the `binding` table (0: none).
    pub fn binding(&self, key: &str) -> Result<u64> {
        binding::read_binding(&self.begin_read()?, key)
    }

    /// Whether a data directory has a Raft log file yet.
    pub fn exists(dir: &Path) -> bool {
        dir.join(RAFT_FILE).exists()
    }

    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let txn = self.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    /// The cluster id, 0 while unknown.
    pub fn cluster_id(&self) -> Result<u64> {
        Ok(self
            .meta(keys::CLUSTER_ID)?
            .and_then(|v| v.try_into().ok())
            .map_or(0, u64::from_be_bytes))
    }

    /// The last entry, if the log holds any.
    pub fn last_entry(&self) -> Result<Option<(u64, Vec<u8>)>> {
        let txn = self.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        let last = table.last()?.map(|(k, v)| (k.value(), v.value().to_vec()));
        Ok(last)
    }

    /// Entries in `range`, in order, at most `max`.
    pub fn entries(&self, range: impl RangeBounds<u64>, max: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let txn = self.begin_read()?;
        let table = txn.open_table(ENTRIES)?;
        let mut out = Vec::new();
        for entry in table.range(range)?.take(max) {
            let (k, v) = entry?;
            out.push((k.value(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Applies `writes` in order, in one transaction; durable (fsync) when
    /// `durable`, else made durable by the next durable commit. After an
    /// I/O error (`StorageError::is_unavailable`) nothing of them is stored.
    pub fn write(&self, writes: &[LogWrite], durable: bool) -> Result<()> {
        let purge_end = writes
            .iter()
            .filter_map(|w| match w {
                LogWrite::PurgeThrough { index, .. } => Some(index.saturating_add(1)),
                _ => None,
            })
            .fold(self.purge_end.load(Ordering::Acquire), u64::max);
        self.file
            .write(&self.health, durable, &nothing_to_redo, |db| {
                write_all(db, writes, durable, purge_end)
            })?;
        self.purge_end.fetch_max(purge_end, Ordering::AcqRel);
        // A reopen must find the store id from now on (see `db_file`).
        for write in writes {
            if let LogWrite::Binding {
                key: binding::keys::STORE_ID,
                value,
            } = write
            {
                self.file.bound_to(*value);
            }
        }
        Ok(())
    }
}

/// Writes `writes` in one transaction, then drops a slice of the entries
/// below `purge_end`.
fn write_all(db: &Database, writes: &[LogWrite], durable: bool, purge_end: u64) -> Result<()> {
    let mut txn = db.begin_write()?;
    if !durable {
        txn.set_durability(Durability::None)?;
    }
    {
        let mut entries = txn.open_table(ENTRIES)?;
        let mut meta = txn.open_table(META)?;
        for write in writes {
            match write {
                LogWrite::Append(list) => {
                    for (index, bytes) in list {
                        entries.insert(index, bytes.as_slice())?;
                    }
                }
                LogWrite::TruncateFrom(index) => {
                    entries.retain_in(*index.., |_, _| false)?;
                }
                LogWrite::PurgeThrough { index, purged } => {
                    meta.insert(keys::PURGED, purged.as_slice())?;
                    meta.insert(keys::PURGE_INDEX, index.to_be_bytes().as_slice())?;
                }
                LogWrite::Meta { key, value } => {
                    meta.insert(*key, value.as_slice())?;
                }
                LogWrite::Binding { key, value } => {
                    txn.open_table(binding::BINDING)?.insert(*key, value)?;
                }
            }
        }
        let first = entries.first()?.map(|(k, _)| k.value());
        if let Some(first) = first.filter(|first| *first < purge_end) {
            let end = purge_end.min(first.saturating_add(PURGE_SLICE as u64));
            entries.retain_in(first..end, |_, _| false)?;
        }
    }
    txn.commit()?;
    Ok(())
}

/// What a read of a Raft log file says (see `binding::check`).
pub(super) fn facts_in(txn: &ReadTransaction, read_index: ReadIndex) -> Result<RaftFacts> {
    let meta = txn.open_table(META)?;
    let purged_index = match meta.get(keys::PURGED)? {
        Some(raw) => read_index(raw.value()).map_err(|reason| super::StorageError::Corrupt {
            table: "raft_meta",
            key: keys::PURGED.into(),
            reason,
        })?,
        None => None,
    };
    let last_index = txn.open_table(ENTRIES)?.last()?.map(|(k, _)| k.value());
    Ok(RaftFacts {
        store_id: binding::read_binding(txn, binding::keys::STORE_ID)?,
        purged_index,
        last_index,
        data_index_seen: binding::read_binding(txn, binding::keys::DATA_DURABLE_INDEX)?,
    })
}

/// Calls `f` with every entry of a Raft log file opened for reading, raw.
pub(super) fn for_each_entry_in(
    txn: &ReadTransaction,
    mut f: impl FnMut(u64, &[u8]),
) -> Result<()> {
    for entry in txn.open_table(ENTRIES)?.iter()? {
        let (k, v) = entry?;
        f(k.value(), v.value());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(first: u64, n: u64) -> LogWrite {
        LogWrite::Append((first..first + n).map(|i| (i, vec![i as u8])).collect())
    }

    #[test]
    fn appends_truncates_and_purges() {
        let dir = tempfile::tempdir().unwrap();
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        assert_eq!(file.last_entry().unwrap(), None);
        file.write(&[append(1, 10)], true).unwrap();
        assert_eq!(file.last_entry().unwrap(), Some((10, vec![10])));
        file.write(&[LogWrite::TruncateFrom(8), append(8, 1)], true)
            .unwrap();
        assert_eq!(file.last_entry().unwrap(), Some((8, vec![8])));
        file.write(
            &[LogWrite::PurgeThrough {
                index: 3,
                purged: vec![3],
            }],
            false,
        )
        .unwrap();
        let left: Vec<u64> = file
            .entries(.., 100)
            .unwrap()
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        assert_eq!(left, vec![4, 5, 6, 7, 8]);
        assert_eq!(file.meta(keys::PURGED).unwrap(), Some(vec![3]));
        assert_eq!(file.entries(6.., 1).unwrap(), vec![(6, vec![6])]);
        file.write(
            &[LogWrite::Meta {
                key: keys::CLUSTER_ID,
                value: 42u64.to_be_bytes().to_vec(),
            }],
            true,
        )
        .unwrap();
        drop(file);
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        assert_eq!(file.cluster_id().unwrap(), 42);
        assert_eq!(file.last_entry().unwrap(), Some((8, vec![8])));
    }

    fn indexes(file: &RaftLogFile) -> Vec<u64> {
        file.entries(.., 1_000)
            .unwrap()
            .into_iter()
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn entry_zero_stays_until_it_is_purged() {
        let dir = tempfile::tempdir().unwrap();
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        file.write(&[append(0, 3)], true).unwrap();
        file.write(&[append(3, 1)], true).unwrap();
        assert_eq!(indexes(&file), [0, 1, 2, 3]);
        let purge = LogWrite::PurgeThrough {
            index: 0,
            purged: vec![0],
        };
        file.write(&[purge], false).unwrap();
        assert_eq!(indexes(&file), [1, 2, 3]);
    }

    #[test]
    fn a_purge_drops_a_slice_with_each_write_and_goes_on_after_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        let slice = PURGE_SLICE as u64;
        file.write(&[append(1, 3 * slice + 10)], true).unwrap();
        let purge = LogWrite::PurgeThrough {
            index: 2 * slice + 5,
            purged: vec![7],
        };
        file.write(&[purge], false).unwrap();
        assert_eq!(indexes(&file).first(), Some(&(slice + 1)), "one slice");
        assert_eq!(file.meta(keys::PURGED).unwrap(), Some(vec![7]));
        // The next write, whatever it is, drops the next slice.
        file.write(&[append(3 * slice + 11, 1)], true).unwrap();
        assert_eq!(indexes(&file).first(), Some(&(2 * slice + 1)));
        drop(file);
        // The purge survives a reopen: the rest goes with the next write.
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        file.write(&[append(3 * slice + 12, 1)], true).unwrap();
        assert_eq!(indexes(&file).first(), Some(&(2 * slice + 6)));
        file.write(&[append(3 * slice + 13, 1)], true).unwrap();
        assert_eq!(indexes(&file).first(), Some(&(2 * slice + 6)), "done");
        assert_eq!(indexes(&file).last(), Some(&(3 * slice + 13)));
    }
}
