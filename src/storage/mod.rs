//! Storage: the only module that touches redb.
//!
//! Three files in the data directory, bound to each other by a store id
//! (see `binding`); `raft_log` has the third, `raft.redb`, and the Raft log's
//! entries in the segment files of `raft-log/` (`raft_segments`).
//!
//! `couponsd.redb`, the state machine's rows, written only where the Raft
//! log is applied (`writer::apply`), one transaction per group of entries
//! or, most often, per many of them (written behind: see `Unflushed`).
//! Those commits need no fsync of their own (the Raft log
//! is durable first, see `raft_log`); one is made durable now and then, and
//! always before the Raft log may be purged. Its tables are append-mostly,
//! so commits stay cheap:
//! - `log`: LSN -> log record (the state machine's history of changes; see
//!   `state::effect`)
//! - `redemptions`: redemption id -> record (ids only grow: appends)
//! - `coupons`: coupon id -> definition (written on create, update, delete)
//! - `meta`: name -> u64 (last LSN, next coupon id, key secret, the last
//!   proposal applied, the cluster's time)
//! - `cluster`: the last Raft log id applied and the membership (encoded by
//!   `cluster::codec`)
//! - `campaigns`: campaign id -> definition and status
//! - `codes`: coupon id -> campaign id and code, for generated codes
//! - `reversals`: reversal id -> a full or partial refund of a redemption
//! - `binding`: the store id and what this file knows of its siblings
//!
//! Rows (`coupons`, `redemptions`, `campaigns`, `codes`, `reversals`) carry
//! a format byte and a checksum, checked whenever one is read (`records`).
//!
//! `checkpoint.redb`, written only by the checkpointer thread (and its
//! `binding` table once, when the store is bound): chunks of the
//! in-memory state (counters, per-customer uses, the idempotency index, holds)
//! as of an LSN, so that a restart replays only the log after it.
//!
//! A write that fails with an I/O error (a full disk) stores nothing and
//! leaves the file reopened and readable (`db_file`), with the commits the
//! reopen rolled back written again; it is reported to `Health` and
//! returned as `StorageError::Unavailable`, for its caller to try again
//! later (`retry`).
//!
//! `scrub` checks a whole store offline (`couponsd verify`).

pub mod binding;
mod checkpoints;
mod db_file;
pub mod health;
pub mod raft_log;
mod raft_segments;
mod read;
mod records;
pub mod retry;
pub mod scrub;
mod snapshot;
mod tables;
mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use redb::{Database, Durability, ReadableDatabase, ReadableTable};

use binding::{CheckpointFacts, DataFacts, ReadIndex, StoreFile};
use records::LegacyRows;

pub use checkpoints::{CheckpointInfo, CheckpointWriter};
use db_file::DbFile;
pub use health::Health;
pub use read::{ReadView, RowTable};
pub use snapshot::{remove_store, SnapshotSource, StagedSnapshot, Staging};
pub use write::{keys as write_keys, Changes};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database: {0}")]
    Database(String),
    /// Stored bytes that fail their checksum or do not decode: never served.
    #[error("corrupt data in {table}, key {key}: {reason}")]
    Corrupt {
        table: &'static str,
        key: String,
        reason: String,
    },
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    /// A read or write of a file failed with an I/O error (a full disk, a
    /// device error): nothing of it was stored, and it may work later.
    #[error("I/O error: {0}")]
    Unavailable(String),
    /// The file is closed after an I/O error and is being opened again.
    #[error("the file is being reopened after an I/O error")]
    Reopening,
}

impl StorageError {
    /// Whether this is the disk failing (full, or an I/O error), which
    /// passes once the disk works again, rather than bad data or a bug.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StorageError::Unavailable(_) | StorageError::Reopening | StorageError::Io(_)
        )
    }

    /// The same error again, for each request of a batch that failed as one.
    pub fn again(&self) -> StorageError {
        match self {
            StorageError::Database(s) => StorageError::Database(s.clone()),
            StorageError::Corrupt { table, key, reason } => StorageError::Corrupt {
                table,
                key: key.clone(),
                reason: reason.clone(),
            },
            StorageError::Io(e) => StorageError::Io(std::io::Error::new(e.kind(), e.to_string())),
            StorageError::Unavailable(s) => StorageError::Unavailable(s.clone()),
            StorageError::Reopening => StorageError::Reopening,
        }
    }
}

impl From<redb::Error> for StorageError {
    fn from(e: redb::Error) -> Self {
        match e {
            redb::Error::Io(e) => StorageError::Unavailable(e.to_string()),
            redb::Error::PreviousIo | redb::Error::DatabaseClosed => StorageError::Reopening,
            e => StorageError::Database(e.to_string()),
        }
    }
}

macro_rules! from_redb {
    ($($t:ty),+) => {$(
        impl From<$t> for StorageError {
            fn from(e: $t) -> Self { StorageError::from(redb::Error::from(e)) }
        }
    )+};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);

pub type Result<T> = std::result::Result<T, StorageError>;

/// The main database file name inside the data directory.
pub const DATA_FILE: &str = "couponsd.redb";
/// The checkpoint database file name inside the data directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.redb";

pub struct Store {
    /// The data directory: the files below, and the checkpoints' chunk files.
    dir: PathBuf,
    main: DbFile,
    checkpoints: DbFile,
    /// Each commit also saves redb's allocator state (and uses two-phase
    /// commit), so that opening after a crash is instant instead of a full
    /// verification of the file (about 4 s at 4 GB here), at the price of a
    /// second fsync per commit.
    quick_repair: bool,
    /// Readable until the store is bound; corrupt from then on (see `records`).
    legacy_rows: LegacyRows,
    /// The commits made without fsync since the last durable one, in order
    /// (see `Unflushed`). Held by whoever writes the main file, for the
    /// whole write: the fsync of a durable commit included.
    unflushed: Mutex<Unflushed>,
    /// Commits written behind: not made yet (see `Unflushed`). A lock of
    /// its own, so that the applier adds to it while a durable commit is
    /// under way; taken after `unflushed` where both are.
    behind: Mutex<Vec<Changes>>,
    /// Whether `behind` holds anything, or a commit taking it is under way:
    /// a read that finds it unset takes no lock. Changed under `behind`.
    behind_waiting: AtomicBool,
    /// `unflushed.committed.len()`, for `commit` to check without waiting
    /// for a commit under way.
    unflushed_commits: AtomicUsize,
    /// Transactions of the main file committed by `commit` and `read`.
    commits: AtomicU64,
    health: Arc<Health>,
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, and makes sure every
    /// table exists. A snapshot install that a crash interrupted is finished
    /// first. Failures to write its files go to `health`.
    pub fn open(dir: &Path, quick_repair: bool, health: Arc<Health>) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        snapshot::recover_staging(dir)?;
        Store::open_files(dir, quick_repair, health)
    }

    fn open_files(dir: &Path, quick_repair: bool, health: Arc<Health>) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let main = DbFile::open(dir, StoreFile::Data, 256 << 20, |db| {
            let txn = db.begin_write()?;
            tables::create_all(&txn)?;
            binding::create_table(&txn)?;
            txn.commit()?;
            Ok(())
        })?;
        let checkpoints = DbFile::open(dir, StoreFile::Checkpoint, 32 << 20, |db| {
            let txn = db.begin_write()?;
            checkpoints::create_all(&txn)?;
            binding::create_table(&txn)?;
            txn.commit()?;
            Ok(())
        })?;
        checkpoints::sweep(dir, checkpoints::latest(&*checkpoints.get()?)?)?;
        let bound = main.store_id() != 0;
        Ok(Store {
            dir: dir.to_path_buf(),
            main,
            checkpoints,
            quick_repair,
            legacy_rows: if bound {
                LegacyRows::Corrupt
            } else {
                LegacyRows::Readable
            },
            unflushed: Mutex::new(Unflushed::default()),
            behind: Mutex::new(Vec::new()),
            unflushed_commits: AtomicUsize::new(0),
            behind_waiting: AtomicBool::new(false),
            commits: AtomicU64::new(0),
            health,
        })
    }

    /// Creates `dir` if needed, finishes a snapshot install a crash
    /// interrupted, and says which of the store's files are there (before
    /// `open` creates the missing ones).
    pub fn present_files(dir: &Path) -> Result<binding::Present> {
        std::fs::create_dir_all(dir)?;
        snapshot::recover_staging(dir)?;
        Ok(binding::Present::in_dir(dir))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where failures to write this store's files are reported.
    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }

    /// A consistent snapshot for reads, with every commit made before it:
    /// changes written behind are committed first (without fsync, into
    /// redb's cache). With none waiting, it never waits for the writer;
    /// with some, it may wait for a commit in progress (a durable one, with
    /// its fsync, is made every 250 ms).
    pub fn read(&self) -> Result<ReadView> {
        if self.behind_waiting.load(Ordering::Acquire) {
            self.commit_unflushed(&mut lock(&self.unflushed), None, false)?;
        }
        Ok(ReadView::new(
            self.main.get()?.begin_read()?,
            self.legacy_rows,
        ))
    }

    /// The store's id (0 while it is not bound).
    pub fn store_id(&self) -> Result<u64> {
        binding::read_binding(&self.main.get()?.begin_read()?, binding::keys::STORE_ID)
    }

    /// What this store's data and checkpoint files say of themselves and
    /// their siblings (see `binding::check`).
    pub fn binding_facts(&self, read_index: ReadIndex) -> Result<(DataFacts, CheckpointFacts)> {
        let data = binding::data_facts(&self.read()?, read_index)?;
        let checkpoint = binding::checkpoint_facts(&self.checkpoints.get()?.begin_read()?)?;
        Ok((data, checkpoint))
    }

    /// Binds the data and checkpoint files to store `id`: in one durable
    /// transaction of the data file, every row from before checksums
    /// rewritten with one, the id and the pending mark (unless the data
    /// file has the id already: a binding being finished); then the id in
    /// the checkpoint file. The Raft log file is next (the caller's), then
    /// `finish_binding`. From here on a reopen of either file (after an I/O
    /// error) must find the id in it again (see `db_file`).
    pub fn bind(&mut self, id: u64) -> Result<()> {
        assert_ne!(id, 0, "a store id is never 0");
        let existing = self.store_id()?;
        if existing == 0 {
            let txn = self.main.get()?.begin_write()?;
            let rewritten = rewrite_legacy_rows(&txn)?;
            {
                let mut table = txn.open_table(binding::BINDING)?;
                table.insert(binding::keys::STORE_ID, id)?;
                table.insert(binding::keys::PENDING, 1)?;
            }
            txn.commit()?;
            if rewritten > 0 {
                tracing::warn!(
                    rows = rewritten,
                    "rows from before checksums rewritten with one"
                );
            }
        } else {
            assert_eq!(existing, id, "finishing the binding of another store");
        }
        self.main.bound_to(id);
        let txn = self.checkpoints.get()?.begin_write()?;
        txn.open_table(binding::BINDING)?
            .insert(binding::keys::STORE_ID, id)?;
        txn.commit()?;
        self.checkpoints.bound_to(id);
        self.legacy_rows = LegacyRows::Corrupt;
        Ok(())
    }

    /// Ends a binding once all three files hold the store id.
    pub fn finish_binding(&self) -> Result<()> {
        let txn = self.main.get()?.begin_write()?;
        txn.open_table(binding::BINDING)?
            .remove(binding::keys::PENDING)?;
        txn.commit()?;
        Ok(())
    }

    /// Stores `changes` after every commit before them. Durable: in one
    /// transaction with fsync, with whatever was written behind. Not
    /// durable: written behind (see `Unflushed`), made durable by the next
    /// durable commit. Only the state machine's applier (and recovery,
    /// before it starts) calls this, and `flush`. After an I/O error nothing
    /// of `changes` is stored (the file is reopened as of the commits before
    /// them): call again with the same changes to retry.
    pub fn commit(&self, changes: Changes, durable: bool) -> Result<()> {
        if durable {
            let mut unflushed = lock(&self.unflushed);
            if changes.cuts_log() && lock(&self.behind).iter().any(Changes::cuts_log) {
                self.commit_unflushed(&mut unflushed, None, false)?;
            }
            return self.commit_unflushed(&mut unflushed, Some(changes), true);
        }
        let unflushed_commits = self.unflushed_commits.load(Ordering::Acquire);
        if unflushed_commits >= UNFLUSHED_COMMITS_MAX {
            // Durable commits keep failing (see `writer::flusher`): stop
            // piling up what a reopen would have to write again.
            return Err(StorageError::Unavailable(format!(
                "{DATA_FILE} has {unflushed_commits} commits not made durable"
            )));
        }
        {
            let mut behind = lock(&self.behind);
            // One log cut per transaction (see `LOG_CUT_SLICE`; two after
            // a failed commit put back what it took).
            let second_cut = changes.cuts_log() && behind.iter().any(Changes::cuts_log);
            // While someone else writes the file (a durable commit and its
            // fsync), more may wait, up to a bound.
            let room = behind.len() < BEHIND_COMMITS_MAX
                || (behind.len() < BEHIND_COMMITS_BUSY_MAX && self.unflushed.try_lock().is_err());
            if room && !second_cut {
                behind.push(changes);
                self.behind_waiting.store(true, Ordering::Release);
                return Ok(());
            }
        }
        self.commit_unflushed(&mut lock(&self.unflushed), None, false)?;
        let mut behind = lock(&self.behind);
        behind.push(changes);
        self.behind_waiting.store(true, Ordering::Release);
        Ok(())
    }

    /// Commits what was written behind and then `last`, in one transaction.
    /// After an error what waited still waits, first.
    fn commit_unflushed(
        &self,
        unflushed: &mut Unflushed,
        last: Option<Changes>,
        durable: bool,
    ) -> Result<()> {
        // `behind_waiting` stays set until they are in the file: a read
        // meanwhile waits for this commit rather than miss them.
        let behind = std::mem::take(&mut *lock(&self.behind));
        if behind.is_empty() && last.is_none() && !durable {
            let waiting = lock(&self.behind);
            if waiting.is_empty() {
                self.behind_waiting.store(false, Ordering::Release);
            }
            return Ok(());
        }
        let committed = &unflushed.committed;
        let redo = |db: &Database| -> Result<()> {
            if !committed.is_empty() {
                let txn = begin(db, false, self.quick_repair)?;
                for lost in committed {
                    write_changes(&txn, lost)?;
                }
                txn.commit()?;
            }
            Ok(())
        };
        let written = self.main.write(&self.health, durable, &redo, |db| {
            let txn = begin(db, durable, self.quick_repair)?;
            for changes in behind.iter().chain(&last) {
                write_changes(&txn, changes)?;
            }
            txn.commit()?;
            Ok(())
        });
        if let Err(e) = written {
            let mut waiting = lock(&self.behind);
            let newer = std::mem::replace(&mut *waiting, behind);
            waiting.extend(newer);
            return Err(e);
        }
        self.commits.fetch_add(1, Ordering::Relaxed);
        if durable {
            unflushed.committed.clear();
        } else {
            unflushed.committed.extend(behind.into_iter().chain(last));
        }
        self.unflushed_commits
            .store(unflushed.committed.len(), Ordering::Release);
        let waiting = lock(&self.behind);
        if waiting.is_empty() {
            self.behind_waiting.store(false, Ordering::Release);
        }
        Ok(())
    }

    /// How many transactions of the main file committed (tests).
    #[cfg(test)]
    fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Makes every commit so far durable (one empty durable commit).
    pub fn flush(&self) -> Result<()> {
        self.commit(Changes::default(), true)
    }

    /// Removes what the replication before Raft kept (its epoch history and
    /// meta keys) from a store being migrated; returns its cluster id (0: none).
    pub fn forget_legacy_replication(&self) -> Result<u64> {
        let cluster_id = self.read()?.meta(tables::LEGACY_CLUSTER_ID)?;
        let txn = self.main.get()?.begin_write()?;
        txn.delete_table(tables::LEGACY_EPOCHS)?;
        {
            let mut meta = txn.open_table(tables::META)?;
            for key in tables::LEGACY_KEYS {
                meta.remove(key)?;
            }
        }
        txn.commit()?;
        Ok(cluster_id)
    }

    /// The latest complete checkpoint, if any.
    pub fn checkpoint_info(&self) -> Result<Option<CheckpointInfo>> {
        checkpoints::latest(&*self.checkpoints.get()?)
    }

    /// When the checkpoint file last changed (unix ms): a checkpoint's own
    /// time is not stored, and only storing one changes the file.
    pub fn checkpoint_file_modified_ms(&self) -> Option<i64> {
        self.checkpoints.modified_ms()
    }

    /// Calls `f` with every chunk of the latest complete checkpoint.
    pub fn checkpoint_chunks(
        &self,
        info: &CheckpointInfo,
        f: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        let txn = self.checkpoints.get()?.begin_read()?;
        checkpoints::chunks_in(&self.dir, &txn, info, f)
    }

    /// Starts writing a new checkpoint. Only the checkpointer thread calls this.
    pub fn checkpoint_writer(&self) -> Result<CheckpointWriter<'_>> {
        CheckpointWriter::begin(&self.dir, &self.checkpoints, &self.health)
    }
}

/// The main file's changes not durable yet, in order. The applier's
/// commits skip the fsync (the Raft log is durable first, see
/// `writer::apply`), and most are not even committed at once: each redb
/// commit has a cost of its own (its pages, its header), which one per
/// applied batch paid again and again for the same pages of the log and
/// rows tables. They wait in `Store::behind` until `BEHIND_COMMITS_MAX`
/// gather, a durable commit takes them, or a read needs them (`read` commits
/// them first). Nothing reads the rows on the redeem path: the in-memory
/// state answers it. A hot redeem costs 8% fewer instructions so. (A commit
/// without fsync stays in redb's cache, so one that takes what waited works
/// on a full disk too, as the one per batch did: `tests/disk_full.rs`.)
#[derive(Default)]
struct Unflushed {
    /// Committed without fsync since the last durable commit. Reopening
    /// the file after an I/O error rolls them back, and the in-memory state
    /// already holds them: they are written again on the new handle before
    /// anyone reads it. (Each is a list of puts, deletes and range deletes,
    /// so writing them again over a file that kept some of them gives the
    /// same result.)
    committed: Vec<Changes>,
}

/// Most non-durable commits written behind before they are committed, as
/// one: bounds the memory they hold and the work of the commit that takes
/// them (about 30 applied batches; the applier makes a durable commit at
/// least every 250 ms anyway).
const BEHIND_COMMITS_MAX: usize = 32;

/// Most commits written behind while another thread writes the main file
/// (`Store::flush`'s fsync, 60-110 ms of a busy second's rows here): the
/// applier goes on rather than wait for it.
const BEHIND_COMMITS_BUSY_MAX: usize = 1024;

/// Most commits made without fsync since the last durable one before
/// `Store::commit` refuses more (`StorageError::Unavailable`): many seconds
/// of a busy node's batches, reached only when durable commits keep failing.
const UNFLUSHED_COMMITS_MAX: usize = 16_384;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Rewrites every row not yet in the current format (see `records`), a
/// page at a time; returns how many.
fn rewrite_legacy_rows(txn: &redb::WriteTransaction) -> Result<u64> {
    const PAGE_ROWS: usize = 4096;
    let mut rewritten = 0;
    for table in read::RowTable::ALL {
        let mut rows = txn.open_table(table.definition())?;
        let mut from = 0u64;
        loop {
            let mut page = Vec::new();
            let mut last = None;
            for entry in rows.range(from..)?.take(PAGE_ROWS) {
                let (k, v) = entry?;
                last = Some(k.value());
                if !records::is_current(v.value()) {
                    page.push((k.value(), records::reencode(table, k.value(), v.value())?));
                }
            }
            for (key, row) in &page {
                rows.insert(key, row.as_slice())?;
            }
            rewritten += page.len() as u64;
            match last.and_then(|k| k.checked_add(1)) {
                Some(next) => from = next,
                None => break,
            }
        }
    }
    Ok(rewritten)
}

/// Most log records one commit drops. A checkpoint of a large state covers a
/// million records or more, and dropping them reads every one back (redb
/// reads each page it frees): in one commit that held up the applier for
/// as long. A cut drops at most this many from the front of what it may,
/// and the writer (`writer::retention`) asks again for what is left.
pub const LOG_CUT_SLICE: usize = 4096;

/// A write transaction of the main file: durable (with quick repair if
/// asked) or not.
fn begin(db: &Database, durable: bool, quick_repair: bool) -> Result<redb::WriteTransaction> {
    let mut txn = db.begin_write()?;
    if durable {
        txn.set_quick_repair(quick_repair);
    } else {
        txn.set_durability(Durability::None)?;
    }
    Ok(txn)
}

/// Writes `changes` in `txn`.
fn write_changes(txn: &redb::WriteTransaction, changes: &Changes) -> Result<()> {
    let mut log = txn.open_table(tables::LOG)?;
    let mut meta = txn.open_table(tables::META)?;
    if let Some(lsn) = changes.truncate_log_through {
        // The first `LOG_CUT_SLICE` records at most; the rest go in later cuts.
        let through = match log.range(..=lsn)?.take(LOG_CUT_SLICE).last() {
            Some(entry) => Some(entry?.0.value()),
            None => None,
        };
        if let Some(through) = through {
            log.retain_in(..=through, |_, _| false)?;
        }
    }
    for (lsn, record) in &changes.log {
        log.insert(lsn, record.as_ref())?;
    }
    if let Some((lsn, _)) = changes.log.last() {
        meta.insert(tables::LAST_LSN, lsn)?;
    }
    let mut redemptions = txn.open_table(tables::REDEMPTIONS)?;
    for (id, row) in &changes.redemptions {
        redemptions.insert(id, row.as_slice())?;
    }
    let mut coupons = txn.open_table(tables::COUPONS)?;
    for (id, row) in &changes.coupons {
        match row {
            Some(row) => coupons.insert(id, row.as_slice())?,
            None => coupons.remove(id)?,
        };
    }
    for (key, value) in &changes.meta {
        meta.insert(*key, value)?;
    }
    if !changes.campaigns.is_empty() {
        let mut campaigns = txn.open_table(tables::CAMPAIGNS)?;
        for (id, row) in &changes.campaigns {
            match row {
                Some(row) => campaigns.insert(id, row.as_slice())?,
                None => campaigns.remove(id)?,
            };
        }
    }
    if !changes.codes.is_empty() {
        let mut codes = txn.open_table(tables::CODES)?;
        for (id, row) in &changes.codes {
            codes.insert(id, row.as_slice())?;
        }
    }
    if !changes.reversals.is_empty() {
        let mut reversals = txn.open_table(tables::REVERSALS)?;
        for (id, row) in &changes.reversals {
            reversals.insert(id, row.as_slice())?;
        }
    }
    if !changes.cluster.is_empty() {
        let mut cluster = txn.open_table(tables::CLUSTER)?;
        for (key, value) in &changes.cluster {
            cluster.insert(*key, value.as_slice())?;
        }
    }
    if !changes.binding.is_empty() {
        let mut binding = txn.open_table(binding::BINDING)?;
        for (key, value) in &changes.binding {
            binding.insert(*key, value)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(store: &Store, lsn: u64) {
        let mut changes = Changes::default();
        changes.append_log(lsn, bytes::Bytes::from_static(b"record"));
        store.commit(changes, false).unwrap();
    }

    #[test]
    fn commits_without_fsync_are_written_behind_read_at_once_and_made_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), false, Arc::default()).unwrap();
        let last_lsn = |store: &Store| store.read().unwrap().meta(write_keys::LAST_LSN).unwrap();
        for lsn in 1..=10 {
            append(&store, lsn);
        }
        assert_eq!(store.commits(), 0, "written behind, not committed yet");
        assert_eq!(last_lsn(&store), 10, "a read sees them");
        assert_eq!(store.commits(), 1, "the read committed all ten at once");
        assert_eq!(last_lsn(&store), 10);
        assert_eq!(store.commits(), 1, "nothing left to commit");

        let max = BEHIND_COMMITS_MAX as u64;
        for lsn in 11..=10 + max {
            append(&store, lsn);
        }
        assert_eq!(store.commits(), 1, "up to the most that wait");
        append(&store, 11 + max);
        assert_eq!(store.commits(), 2, "one more commits those that wait");
        append(&store, 12 + max);
        store.flush().unwrap();
        assert_eq!(store.commits(), 3, "the durable commit takes the last");

        // One log cut per transaction: a second one commits the first.
        for through in [1, 2] {
            let mut cut = Changes::default();
            cut.truncate_log_through(through);
            store.commit(cut, false).unwrap();
        }
        assert_eq!(store.commits(), 4, "the second cut committed the first");
        assert_eq!(store.read().unwrap().first_lsn().unwrap(), 3, "both cut");
        drop(store);
        let store = Store::open(dir.path(), false, Arc::default()).unwrap();
        assert_eq!(last_lsn(&store), 12 + max, "durable");
    }

    /// The flusher's durable commit holds `unflushed` through its fsync;
    /// the applier's commits must not wait for it.
    #[test]
    fn commits_without_fsync_go_on_while_another_commit_is_under_way() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), false, Arc::default()).unwrap());
        let under_way = lock(&store.unflushed);
        let (done, finished) = std::sync::mpsc::channel();
        let applier = {
            let store = store.clone();
            std::thread::spawn(move || {
                for lsn in 1..=2 * BEHIND_COMMITS_MAX as u64 {
                    append(&store, lsn);
                }
                done.send(()).unwrap();
            })
        };
        let waited = finished.recv_timeout(std::time::Duration::from_secs(10));
        drop(under_way);
        applier.join().unwrap();
        assert!(waited.is_ok(), "the commits waited for the one under way");
        let last = store.read().unwrap().meta(write_keys::LAST_LSN).unwrap();
        assert_eq!(last, 2 * BEHIND_COMMITS_MAX as u64, "and are all there");
    }

    #[test]
    fn commits_are_refused_once_too_many_are_not_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), false, Arc::default()).unwrap();
        store
            .unflushed_commits
            .store(UNFLUSHED_COMMITS_MAX, Ordering::Release);
        let mut changes = Changes::default();
        changes.append_log(1, bytes::Bytes::from_static(b"record"));
        let refused = store.commit(changes, false).unwrap_err();
        assert!(refused.is_unavailable(), "{refused:?}");
        store.flush().unwrap();
        append(&store, 1);
        assert_eq!(store.read().unwrap().meta(write_keys::LAST_LSN).unwrap(), 1);
    }

    #[test]
    fn a_log_cut_drops_at_most_a_slice_per_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), false, Arc::default()).unwrap();
        let records = 2 * LOG_CUT_SLICE as u64 + 100;
        let mut changes = Changes::default();
        for lsn in 1..=records {
            changes.append_log(lsn, bytes::Bytes::from_static(b"record"));
        }
        store.commit(changes, false).unwrap();
        let first = || store.read().unwrap().first_lsn().unwrap();
        let cut_through = records - 10;
        let mut firsts = Vec::new();
        for _ in 0..4 {
            let mut cut = Changes::default();
            cut.truncate_log_through(cut_through);
            store.commit(cut, false).unwrap();
            firsts.push(first());
        }
        let slice = LOG_CUT_SLICE as u64;
        assert_eq!(
            firsts,
            [slice + 1, 2 * slice + 1, cut_through + 1, cut_through + 1]
        );
    }
}
