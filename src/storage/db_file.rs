//! One redb file that survives I/O errors: closed and opened again.
//!
//! After a failed write (a full disk, a device error) redb refuses every
//! later read and write of that `Database` ("Previous I/O error occurred"),
//! and only a new `Database` on the file works again: opening it repairs
//! the file to its last durable commit. So a write that fails with an I/O
//! error reopens the file at once (readers go on with the new handle), and
//! the next write is simply tried again: nothing is ever written through
//! a poisoned handle, and the node never needs a restart.
//!
//! A reopen loses the commits made without fsync since the last durable
//! one (redb rolls them back); the owner of the file says how to write them
//! again (`redo`), and that happens before any reader sees the new handle.
//!
//! A reopen is held to what the start checked (`binding`): it opens the
//! file that is there (never creating one), and that file must hold the
//! store id this one held. A file that is missing or is another file (from
//! another store, emptied, re-created) is never used: the `DbFile` is shut
//! for good with a `Corrupt` error, which no caller retries.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use redb::{Database, ReadableDatabase};

use super::binding::{self, Problem, StoreFile};
use super::health::Health;
use super::{Result, StorageError};
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};

/// How long a reopen waits for the last users of the old handle (readers
/// between two calls, a checkpoint chunk) to let go of it.
const RELEASE_WAIT: Duration = Duration::from_secs(2);

/// Writes the commits a reopen lost again, on the new handle.
pub(super) type Redo<'a> = &'a dyn Fn(&Database) -> Result<()>;

/// No commits to write again: every commit of the file is durable.
pub(super) fn nothing_to_redo(_: &Database) -> Result<()> {
    Ok(())
}

pub(super) struct DbFile {
    path: PathBuf,
    file: StoreFile,
    /// The file name, as the operator sees it in `info` and the log.
    pub(super) name: &'static str,
    cache_bytes: usize,
    /// None while closed: between a failed write and a reopen that worked.
    db: ArcSwapOption<Database>,
    /// One reopen at a time.
    reopening: Mutex<()>,
    reopened_log: LogLimit,
    /// The store id the file holds (0: not bound yet), as read at open or
    /// set by `bound_to`: what a reopen must find in it again.
    store_id: AtomicU64,
    /// Set for good by a clean close, or by a reopen that found another
    /// file: every use fails with it from then on.
    shut: OnceLock<StorageError>,
}

impl DbFile {
    /// Opens (creating if needed) `dir/file`; `init` runs once on it
    /// (tables, the `binding` table among them).
    pub(super) fn open(
        dir: &Path,
        file: StoreFile,
        cache_bytes: usize,
        init: impl FnOnce(&Database) -> Result<()>,
    ) -> Result<DbFile> {
        let name = file.name();
        let path = dir.join(name);
        let db = Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)?;
        init(&db)?;
        let store_id = binding::read_binding(&db.begin_read()?, binding::keys::STORE_ID)?;
        Ok(DbFile {
            path,
            file,
            name,
            cache_bytes,
            db: ArcSwapOption::from_pointee(db),
            reopening: Mutex::new(()),
            reopened_log: LogLimit::new(DEFAULT_INTERVAL),
            store_id: AtomicU64::new(store_id),
            shut: OnceLock::new(),
        })
    }

    /// The open handle, for a read; `Reopening` while the file is closed.
    pub(super) fn get(&self) -> Result<Arc<Database>> {
        if let Some(e) = self.shut.get() {
            return Err(e.again());
        }
        self.db.load_full().ok_or(StorageError::Reopening)
    }

    /// The store id the file holds (0: not bound yet).
    pub(super) fn store_id(&self) -> u64 {
        self.store_id.load(Ordering::Acquire)
    }

    /// Records that `id` was durably written to the file's `binding` table:
    /// a reopen must find it there from now on.
    pub(super) fn bound_to(&self, id: u64) {
        self.store_id.store(id, Ordering::Release);
    }

    /// Closes the file cleanly, for good (at a clean stop: a file left open
    /// needs a repair before it can be read offline). Waits a little for a
    /// write in progress (it closes the file when it lets go otherwise);
    /// every use after fails.
    pub(super) fn close(&self) {
        let _one = self.reopening.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self
            .shut
            .set(StorageError::Database(format!("{} is closed", self.name)));
        if let Some(db) = self.db.swap(None) {
            close(db, self.name);
        }
    }

    /// Runs one write (`f`, one or more transactions) on the file. A file
    /// that an earlier failure left closed is opened first. On an I/O error
    /// the failure goes to `health` and the file is reopened (with `redo`)
    /// before the error is returned; a durable write that works tells
    /// `health` the file is written again.
    /// When the file last changed (unix ms), if the file system says.
    pub(super) fn modified_ms(&self) -> Option<i64> {
        let modified = std::fs::metadata(&self.path).ok()?.modified().ok()?;
        let since_epoch = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
        i64::try_from(since_epoch.as_millis()).ok()
    }

    pub(super) fn write<T>(
        &self,
        health: &Health,
        durable: bool,
        redo: Redo<'_>,
        f: impl FnOnce(&Database) -> Result<T>,
    ) -> Result<T> {
        if let Some(e) = self.shut.get() {
            return Err(e.again());
        }
        let db = match self.db.load_full() {
            Some(db) => db,
            None => match self.reopen(None, redo) {
                Ok(db) => db,
                Err(e) => {
                    health.failed(self.name, &e);
                    return Err(e);
                }
            },
        };
        let started = std::time::Instant::now();
        match f(&db) {
            Ok(value) => {
                if durable {
                    crate::metrics::durable_commit(self.name, started.elapsed());
                    health.written(self.name);
                }
                Ok(value)
            }
            Err(e) if e.is_unavailable() => {
                health.failed(self.name, &e);
                // Readers get a working handle again at once; the write
                // itself is the caller's to try again, later.
                if let Err(reopen) = self.reopen(Some(db), redo) {
                    health.failed(self.name, &reopen);
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Closes `failed` (if it is still the current handle) and opens the
    /// file again, checking that it is still this store's (see the module
    /// comment) and running `redo` on the new handle before publishing it.
    /// Leaves the file closed if that fails, shut if it is another file.
    fn reopen(&self, failed: Option<Arc<Database>>, redo: Redo<'_>) -> Result<Arc<Database>> {
        let _one = self.reopening.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = self.shut.get() {
            return Err(e.again());
        }
        let current = self.db.load_full();
        match (&current, &failed) {
            // Someone else reopened it meanwhile: use theirs.
            (Some(now), Some(failed)) if !Arc::ptr_eq(now, failed) => return Ok(now.clone()),
            (Some(now), None) => return Ok(now.clone()),
            _ => {}
        }
        drop(failed);
        drop(current);
        if let Some(old) = self.db.swap(None) {
            close(old, self.name);
        }
        let started = Instant::now();
        if !self.path.exists() {
            return Err(self.refuse(Problem::Missing(self.file)));
        }
        // `open`, not `create`: a file that went is never replaced by an
        // empty one.
        let db = Database::builder()
            .set_cache_size(self.cache_bytes)
            .open(&self.path)
            .map_err(|e| match e {
                // The old handle is still held somewhere: it closes when let
                // go, and the next write opens the file then.
                redb::DatabaseError::DatabaseAlreadyOpen => StorageError::Reopening,
                e => StorageError::from(e),
            })?;
        if let Some(problem) = self.binding_problem(&db)? {
            drop(db);
            return Err(self.refuse(problem));
        }
        redo(&db)?;
        let db = Arc::new(db);
        self.db.store(Some(db.clone()));
        if let Some(s) = self.reopened_log.admit() {
            tracing::info!(
                file = self.name,
                ms = started.elapsed().as_millis() as u64,
                "reopened after an I/O error{s}"
            );
        }
        Ok(db)
    }

    /// What is wrong with the binding of `db`, a reopen of this file, if
    /// anything: it must hold the store id the file held.
    fn binding_problem(&self, db: &Database) -> Result<Option<Problem>> {
        let expected = self.store_id();
        if expected == 0 {
            return Ok(None);
        }
        let found = binding::read_binding(&db.begin_read()?, binding::keys::STORE_ID)?;
        Ok(match found {
            id if id == expected => None,
            0 => Some(Problem::NoStoreId {
                file: self.file,
                expected,
            }),
            found => Some(Problem::OtherStore {
                file: self.file,
                found,
                expected,
            }),
        })
    }

    /// Shuts the file for good over `problem` (see the module comment):
    /// the error every use returns from now on.
    fn refuse(&self, problem: Problem) -> StorageError {
        let error = StorageError::Corrupt {
            table: "binding",
            key: binding::keys::STORE_ID.into(),
            reason: format!("on reopening after an I/O error: {problem}"),
        };
        tracing::error!(
            file = self.name,
            error = %error,
            "not reopened: it is no longer this store's file, and it is not used again (stop the server and see `couponsd verify`)"
        );
        let _ = self.shut.set(error.again());
        error
    }
}

/// Closes a handle once nobody else holds it (waiting a little for readers
/// to finish); otherwise the last holder closes it when it lets go.
fn close(mut old: Arc<Database>, name: &'static str) {
    let deadline = Instant::now() + RELEASE_WAIT;
    loop {
        match Arc::try_unwrap(old) {
            Ok(db) => {
                // A poisoned handle writes nothing when closed: it only
                // releases the file (its error is the one already reported).
                // A sound one is closed cleanly.
                let _ = db.close();
                return;
            }
            Err(shared) if Instant::now() < deadline => {
                old = shared;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(_) => {
                tracing::warn!(
                    file = name,
                    "the old handle is still in use; it closes once it is let go"
                );
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::DATA_FILE;

    /// Opens `dir`'s data file, bound to store `id` (0: not bound).
    fn open_bound(dir: &Path, id: u64) -> DbFile {
        DbFile::open(dir, StoreFile::Data, 1 << 20, |db| {
            let txn = db.begin_write()?;
            binding::create_table(&txn)?;
            if id != 0 {
                txn.open_table(binding::BINDING)?
                    .insert(binding::keys::STORE_ID, id)?;
            }
            txn.commit()?;
            Ok(())
        })
        .unwrap()
    }

    /// What the next write finds after an I/O error closed the file.
    fn write_after_failure(file: &DbFile, health: &Health) -> Result<()> {
        if let Some(old) = file.db.swap(None) {
            close(old, file.name);
        }
        file.write(health, true, &nothing_to_redo, |_| Ok(()))
    }

    #[test]
    fn a_reopen_finds_the_same_store() {
        let dir = tempfile::tempdir().unwrap();
        let file = open_bound(dir.path(), 7);
        assert_eq!(file.store_id(), 7);
        let health = Health::default();
        write_after_failure(&file, &health).unwrap();
        assert!(file.get().is_ok());
    }

    #[test]
    fn a_reopen_refuses_another_or_a_missing_file_for_good() {
        let health = Health::default();
        // Another store's file, and one from before store ids, put in its
        // place while it was open.
        for (id, expected) in [
            (9, "belongs to store 0000000000000009"),
            (0, "has no store id"),
        ] {
            let (dir, other) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
            let file = open_bound(dir.path(), 7);
            drop(open_bound(other.path(), id));
            std::fs::rename(other.path().join(DATA_FILE), dir.path().join(DATA_FILE)).unwrap();
            let e = write_after_failure(&file, &health).unwrap_err();
            assert!(
                matches!(&e, StorageError::Corrupt { .. }) && e.to_string().contains(expected),
                "{e}"
            );
            assert!(!e.is_unavailable());
            // Shut for good: reads and writes get the same, never a retry.
            let again = file.get().unwrap_err();
            assert!(matches!(again, StorageError::Corrupt { .. }), "{again}");
            let again = file
                .write(&health, true, &nothing_to_redo, |_| Ok(()))
                .unwrap_err();
            assert!(matches!(again, StorageError::Corrupt { .. }), "{again}");
        }
        assert_eq!(health.writes_refused(), None, "not an I/O error");

        // A file that went is not replaced by an empty one.
        let dir = tempfile::tempdir().unwrap();
        let file = open_bound(dir.path(), 7);
        std::fs::remove_file(dir.path().join(DATA_FILE)).unwrap();
        let e = write_after_failure(&file, &health).unwrap_err();
        assert!(e.to_string().contains("is missing"), "{e}");
        assert!(!dir.path().join(DATA_FILE).exists());
    }

    #[test]
    fn a_closed_file_is_never_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let file = open_bound(dir.path(), 7);
        let health = Health::default();
        file.close();
        let e = file.get().unwrap_err();
        assert!(!e.is_unavailable(), "{e}");
        let e = file
            .write(&health, true, &nothing_to_redo, |_| Ok(()))
            .unwrap_err();
        assert!(e.to_string().contains("is closed"), "{e}");
        // Closed cleanly: another handle opens it at once, with no repair.
        let db = Database::builder()
            .open(dir.path().join(DATA_FILE))
            .unwrap();
        drop(db);
    }
}
