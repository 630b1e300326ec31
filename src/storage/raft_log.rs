//! The Raft log's files: `raft.redb` holds the consensus state, kept apart
//! from the state machine's two files so that installing a snapshot can
//! replace those without touching the vote or the log; the entries are in
//! the segment files of `raft-log/` (see `raft_segments`).
//!
//! Tables of `raft.redb`:
//! - `raft_meta`: name -> value: the vote, the committed and purged log ids
//!   (encoded by `cluster::codec`), the purged index and the cluster id (u64,
//!   big-endian).
//! - `binding`: the store id and how far the data file durably applied the
//!   log (see `storage::binding`).
//! - `raft_entries` (log index -> entry) only in a file from before the
//!   segments: its entries move to segments when it is opened (see
//!   `migrate_entries`), and the table goes.
//!
//! Only the log store's writer thread writes the log; readers read the
//! segments under their lock and `raft.redb` in read transactions. A write
//! does its entries first (and syncs them when durable), then its rows of
//! `raft.redb` in one transaction. A write that fails with an I/O error is
//! tried again whole by the writer: appending the same entries again
//! replaces them, and the rest is idempotent. A `raft.redb` write that
//! fails reopens the file (see `db_file`). Every write that matters is
//! durable, so a reopen loses nothing but a purge (which only keeps entries
//! longer) or a `binding` position a durable write carries again. A reopen
//! must find the store id again (see `db_file`).
//!
//! A purge records the purged log id, then removes the segments whose every
//! entry it covers. Entries at or below the purged index may so remain in
//! the oldest segment kept; nothing reads them (the log starts after the
//! purged log id).

use std::ops::{Bound, RangeBounds};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use redb::{
    Database, Durability, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
};

use super::binding::{self, RaftFacts, ReadIndex, StoreFile};
use super::db_file::{nothing_to_redo, DbFile};
use super::health::Health;
use super::raft_segments::Segments;
pub use super::raft_segments::SEGMENTS_DIR;
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

/// Most legacy entries one transaction moves to the segments.
const MIGRATE_SLICE: usize = 256;

pub struct RaftLogFile {
    file: DbFile,
    segments: Segments,
    health: Arc<Health>,
    /// The entries below this index are purged (0: none; entry 0 is a
    /// log's first), some perhaps still in the oldest segment.
    purge_end: AtomicU64,
}

impl RaftLogFile {
    /// Opens (creating if needed) the log file in `dir`; failures to write
    /// it go to `health`.
    pub fn open(dir: &Path, health: Arc<Health>) -> Result<RaftLogFile> {
        std::fs::create_dir_all(dir)?;
        let file = DbFile::open(dir, StoreFile::Raft, 64 << 20, |db| {
            let txn = db.begin_write()?;
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
        let segments = Segments::open(&dir.join(SEGMENTS_DIR))?;
        migrate_entries(&file, &segments, purge_end)?;
        if let Some(purged) = purge_end.checked_sub(1) {
            segments.drop_through(purged)?;
        }
        if let Some((first, _)) = segments.bounds().filter(|(first, _)| *first > purge_end) {
            return Err(super::StorageError::Corrupt {
                table: SEGMENTS_DIR,
                key: format!("index {first}"),
                reason: format!(
                    "the log begins at {first}, but only entries before {purge_end} were purged"
                ),
            });
        }
        Ok(RaftLogFile {
            file,
            segments,
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
        let last_index = self.segments.bounds().map(|(_, last)| last);
        facts_in(&self.begin_read()?, read_index, last_index)
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
        self.segments.last()
    }

    /// Entries in `range` (none purged), in order, at most `max`.
    pub fn entries(&self, range: impl RangeBounds<u64>, max: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => u64::MAX,
        };
        let start = start.max(self.purge_end.load(Ordering::Acquire));
        self.segments.entries(start, end, max)
    }

    /// The bytes the segment files hold.
    pub fn entry_bytes(&self) -> u64 {
        self.segments.bytes()
    }

    /// Applies `writes` in order: the entries first, synced when `durable`,
    /// then the rest in one transaction, durable (fsync) when `durable`,
    /// else made durable by the next durable commit. After an I/O error
    /// (`StorageError::is_unavailable`) the same writes are to be tried
    /// again: nothing of them counts as stored.
    pub fn write(&self, writes: &[LogWrite], durable: bool) -> Result<()> {
        let purge_end = writes
            .iter()
            .filter_map(|w| match w {
                LogWrite::PurgeThrough { index, .. } => Some(index.saturating_add(1)),
                _ => None,
            })
            .fold(self.purge_end.load(Ordering::Acquire), u64::max);
        let started = std::time::Instant::now();
        match self.write_entries(writes, durable) {
            Ok(false) => {}
            Ok(true) => {
                if durable {
                    crate::metrics::durable_commit(SEGMENTS_DIR, started.elapsed());
                    self.health.written(SEGMENTS_DIR);
                }
            }
            Err(e) => {
                self.health.failed(SEGMENTS_DIR, &e);
                return Err(e);
            }
        }
        let rows: Vec<&LogWrite> = writes.iter().filter(|w| !w.is_entries()).collect();
        if !rows.is_empty() {
            self.file
                .write(&self.health, durable, &nothing_to_redo, |db| {
                    write_rows(db, &rows, durable)
                })?;
        }
        self.purge_end.fetch_max(purge_end, Ordering::AcqRel);
        let purges = writes
            .iter()
            .any(|w| matches!(w, LogWrite::PurgeThrough { .. }));
        if durable && purges {
            // Recorded for good: the segments it covers can go. If that
            // fails they stay, to go with the next purge or at the next open.
            if let Err(e) = self.segments.drop_through(purge_end - 1) {
                tracing::warn!(error = %e, "could not remove purged Raft log segments");
            }
        }
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

    /// The entry writes of `writes`, in order; whether there were any.
    fn write_entries(&self, writes: &[LogWrite], durable: bool) -> Result<bool> {
        let mut any = false;
        for write in writes {
            match write {
                LogWrite::Append(list) => {
                    // Entries after a gap only follow a purge past it (a
                    // snapshot installed): the segments before then go.
                    let first = list.first().map_or(0, |(index, _)| *index);
                    let after_log = self.segments.bounds().map(|(_, last)| last + 1);
                    let purge_end = self.purge_end.load(Ordering::Acquire);
                    if let Some(after_log) = after_log.filter(|&a| first > a && first > purge_end) {
                        return Err(super::StorageError::Corrupt {
                            table: SEGMENTS_DIR,
                            key: format!("index {first}"),
                            reason: format!(
                                "an append would leave a gap after index {after_log} \
                                 (purged before {purge_end})"
                            ),
                        });
                    }
                    self.segments.append(list)?
                }
                LogWrite::TruncateFrom(index) => self.segments.truncate_from(*index)?,
                _ => continue,
            }
            any = true;
        }
        if any && durable {
            self.segments.sync()?;
        }
        Ok(any)
    }
}

impl LogWrite {
    /// Whether it writes entries (the segments) rather than rows.
    fn is_entries(&self) -> bool {
        matches!(self, LogWrite::Append(_) | LogWrite::TruncateFrom(_))
    }
}

/// Writes the rows of `writes` in one transaction.
fn write_rows(db: &Database, writes: &[&LogWrite], durable: bool) -> Result<()> {
    let mut txn = db.begin_write()?;
    if !durable {
        txn.set_durability(Durability::None)?;
    }
    {
        let mut meta = txn.open_table(META)?;
        for write in writes {
            match write {
                LogWrite::Append(_) | LogWrite::TruncateFrom(_) => {}
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
    }
    txn.commit()?;
    Ok(())
}

/// Moves the entries of a file from before the segments (`raft_entries`)
/// to the segments, then drops the table. A crash midway leaves the table
/// whole, and the move begins again (an append at an index the segments
/// hold replaces it).
fn migrate_entries(file: &DbFile, segments: &Segments, purge_end: u64) -> Result<()> {
    let db = file.get()?;
    let mut next = purge_end;
    loop {
        let txn = db.begin_read()?;
        let table = match txn.open_table(ENTRIES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let mut slice = Vec::new();
        for entry in table.range(next..)?.take(MIGRATE_SLICE) {
            let (k, v) = entry?;
            slice.push((k.value(), v.value().to_vec()));
        }
        let Some(&(last, _)) = slice.last() else {
            break;
        };
        segments.append(&slice)?;
        next = last + 1;
    }
    segments.sync()?;
    let txn = db.begin_write()?;
    txn.delete_table(ENTRIES)?;
    txn.commit()?;
    tracing::info!(
        through = next,
        "moved the Raft log's entries from raft.redb to segment files"
    );
    Ok(())
}

/// What a read of a Raft log file says (see `binding::check`), given the
/// last index its segments hold.
pub(super) fn facts_in(
    txn: &ReadTransaction,
    read_index: ReadIndex,
    last_index: Option<u64>,
) -> Result<RaftFacts> {
    let meta = txn.open_table(META)?;
    let purged_index = match meta.get(keys::PURGED)? {
        Some(raw) => read_index(raw.value()).map_err(|reason| super::StorageError::Corrupt {
            table: "raft_meta",
            key: keys::PURGED.into(),
            reason,
        })?,
        None => None,
    };
    Ok(RaftFacts {
        store_id: binding::read_binding(txn, binding::keys::STORE_ID)?,
        purged_index,
        last_index,
        data_index_seen: binding::read_binding(txn, binding::keys::DATA_DURABLE_INDEX)?,
    })
}

/// Calls `f` with every entry of a Raft log opened for reading, raw: those
/// of a file from before the segments, then the segments' (in `dir`, the
/// data directory). Returns the last index met.
pub(super) fn for_each_entry_in(
    dir: &Path,
    txn: &ReadTransaction,
    mut f: impl FnMut(u64, &[u8]),
) -> Result<Option<u64>> {
    let mut last = None;
    match txn.open_table(ENTRIES) {
        Ok(table) => {
            for entry in table.iter()? {
                let (k, v) = entry?;
                f(k.value(), v.value());
                last = Some(k.value());
            }
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(e) => return Err(e.into()),
    }
    super::raft_segments::for_each_entry_in(&dir.join(SEGMENTS_DIR), |index, raw| {
        f(index, raw);
        last = Some(index);
    })?;
    Ok(last)
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
        file.entries(.., 10_000)
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
    fn a_purge_removes_the_segments_it_covers() {
        let dir = tempfile::tempdir().unwrap();
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        // Entries of 1 MiB: 8 to a segment.
        let big = |first: u64, n: u64| {
            LogWrite::Append(
                (first..first + n)
                    .map(|i| (i, vec![i as u8; 1 << 20]))
                    .collect(),
            )
        };
        file.write(&[big(1, 40)], true).unwrap();
        let before = file.entry_bytes();
        let purge = || LogWrite::PurgeThrough {
            index: 30,
            purged: vec![7],
        };
        // Not durable: the segments stay, since a crash could lose it.
        file.write(&[purge()], false).unwrap();
        assert_eq!(file.entry_bytes(), before);
        file.write(&[purge()], true).unwrap();
        assert!(
            file.entry_bytes() < before / 2,
            "{} of {before} bytes left",
            file.entry_bytes()
        );
        assert_eq!(indexes(&file), (31..=40).collect::<Vec<_>>());
        drop(file);
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        assert_eq!(indexes(&file), (31..=40).collect::<Vec<_>>());
        assert_eq!(file.meta(keys::PURGED).unwrap(), Some(vec![7]));
    }

    /// A file from before the segments: its entries move to them.
    #[test]
    fn entries_of_a_file_from_before_the_segments_move_to_them() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Database::create(dir.path().join(RAFT_FILE)).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut entries = txn.open_table(ENTRIES).unwrap();
                for i in 1..=600u64 {
                    entries.insert(i, [i as u8; 3].as_slice()).unwrap();
                }
                let mut meta = txn.open_table(META).unwrap();
                meta.insert(keys::PURGE_INDEX, 5u64.to_be_bytes().as_slice())
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        assert_eq!(indexes(&file), (6..=600).collect::<Vec<_>>());
        assert_eq!(file.entries(600.., 1).unwrap(), vec![(600, vec![88; 3])]);
        file.write(&[append(601, 1)], true).unwrap();
        drop(file);
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        assert_eq!(indexes(&file), (6..=601).collect::<Vec<_>>());
        let txn = file.begin_read().unwrap();
        assert!(txn.open_table(ENTRIES).is_err(), "the table is gone");
    }
}
