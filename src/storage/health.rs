//! Whether this node's files can be written: what the writer checks before
//! deciding anything, and what the operator sees in `info`.
//!
//! Every write of a redb file reports here (`DbFile::write`): a failure with
//! an I/O error marks its file failing, the next durable write that works
//! marks it healthy again. The failure is only ever cleared by a write that
//! worked, and every failing write is tried again by its owner until one
//! does (the Raft log's writer thread, the applier, the checkpointer), so a
//! file never stays marked failing after the disk has room again.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::raft_log::{RAFT_FILE, SEGMENTS_DIR};
use super::{StorageError, DATA_FILE};
use crate::log_limit::LogLimit;

/// How often a failure that goes on is logged again (with the number of
/// failed attempts held back).
const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// The files every write goes through: while one of them fails, writes are
/// refused (the checkpoint file is not one: its writes are only retried).
const WRITE_PATH: [&str; 3] = [SEGMENTS_DIR, RAFT_FILE, DATA_FILE];

/// A file that cannot be written now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub file: &'static str,
    /// The I/O error that started it, or the latest one with a cause (not
    /// just "the file is being reopened").
    pub error: String,
    /// Since when (unix ms).
    pub since_ms: i64,
    /// Failed attempts so far.
    pub attempts: u64,
    started: Instant,
}

/// What the operator sees: since when writes are refused (if they are), and
/// every file that cannot be written and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    pub writes_failing_since_ms: Option<i64>,
    /// `file: error` for each failing file, `; `-separated; empty when none.
    pub error: String,
}

struct FileLog {
    failing: LogLimit,
    written: LogLimit,
}

pub struct Health {
    /// Whether a file on the write path is failing: read on every batch.
    refusing: AtomicBool,
    /// Whether any file is failing: read on every durable write.
    any_failing: AtomicBool,
    failures: Mutex<BTreeMap<&'static str, Failure>>,
    logs: [(&'static str, FileLog); 4],
}

impl Default for Health {
    fn default() -> Self {
        let log = || FileLog {
            failing: LogLimit::new(LOG_INTERVAL),
            written: LogLimit::new(LOG_INTERVAL),
        };
        Health {
            refusing: AtomicBool::new(false),
            any_failing: AtomicBool::new(false),
            failures: Mutex::new(BTreeMap::new()),
            logs: [
                (SEGMENTS_DIR, log()),
                (RAFT_FILE, log()),
                (DATA_FILE, log()),
                (super::CHECKPOINT_FILE, log()),
            ],
        }
    }
}

impl Health {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Failure>> {
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn log_of(&self, file: &str) -> Option<&FileLog> {
        self.logs.iter().find(|(f, _)| *f == file).map(|(_, l)| l)
    }

    /// Updates the flags from the failures (called under their lock).
    fn publish(&self, failures: &BTreeMap<&'static str, Failure>) {
        let refusing = failures.keys().any(|f| WRITE_PATH.contains(f));
        self.refusing.store(refusing, Ordering::Release);
        self.any_failing
            .store(!failures.is_empty(), Ordering::Release);
    }

    /// A write (or the reopen after one) of `file` failed with `error`.
    pub fn failed(&self, file: &'static str, error: &StorageError) {
        if !error.is_unavailable() {
            return;
        }
        crate::metrics::storage_error();
        let mut failures = self.lock();
        let failure = failures.entry(file).or_insert_with(|| Failure {
            file,
            error: error.to_string(),
            since_ms: crate::domain::now_ms(),
            attempts: 0,
            started: Instant::now(),
        });
        failure.attempts += 1;
        if !matches!(error, StorageError::Reopening) {
            failure.error = error.to_string();
        }
        let failure = failure.clone();
        self.publish(&failures);
        drop(failures);
        let Some(suppressed) = self.log_of(file).and_then(|l| l.failing.admit()) else {
            return;
        };
        let consequence = if WRITE_PATH.contains(&file) {
            "writes are refused (STORAGE_UNAVAILABLE) and it is retried until it works"
        } else {
            "writes go on; it is retried until it works"
        };
        tracing::error!(
            file,
            error = %failure.error,
            attempts = failure.attempts,
            failing_for_ms = failure.started.elapsed().as_millis() as u64,
            "cannot write {file}: {consequence}{suppressed}"
        );
    }

    /// A durable write of `file` worked.
    pub fn written(&self, file: &'static str) {
        // Off the lock on the common path: nothing is failing.
        if !self.any_failing.load(Ordering::Acquire) {
            return;
        }
        let mut failures = self.lock();
        let Some(failure) = failures.remove(file) else {
            return;
        };
        self.publish(&failures);
        drop(failures);
        if let Some(suppressed) = self.log_of(file).and_then(|l| l.written.admit()) {
            tracing::warn!(
                file,
                failed_attempts = failure.attempts,
                failing_for_ms = failure.started.elapsed().as_millis() as u64,
                "{file} is written again{suppressed}"
            );
        }
    }

    /// Why writes are refused now, if they are: this node cannot store
    /// anything until the failing file can be written again.
    pub fn writes_refused(&self) -> Option<String> {
        if !self.refusing.load(Ordering::Acquire) {
            return None;
        }
        let failures = self.lock();
        let text: Vec<String> = failures
            .values()
            .filter(|f| WRITE_PATH.contains(&f.file))
            .map(|f| format!("{}: {}", f.file, f.error))
            .collect();
        (!text.is_empty()).then(|| text.join("; "))
    }

    pub fn status(&self) -> Status {
        let failures = self.lock();
        let mut all: Vec<&Failure> = failures.values().collect();
        all.sort_by_key(|f| f.since_ms);
        Status {
            writes_failing_since_ms: all
                .iter()
                .filter(|f| WRITE_PATH.contains(&f.file))
                .map(|f| f.since_ms)
                .min(),
            error: all
                .iter()
                .map(|f| format!("{}: {}", f.file, f.error))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::CHECKPOINT_FILE;

    fn enospc() -> StorageError {
        StorageError::Unavailable("No space left on device (os error 28)".into())
    }

    #[test]
    fn a_failing_file_refuses_writes_until_a_durable_write_works() {
        let health = Health::default();
        assert_eq!(health.writes_refused(), None);
        health.failed(RAFT_FILE, &enospc());
        health.failed(RAFT_FILE, &StorageError::Reopening);
        let refused = health.writes_refused().expect("refused");
        assert!(
            refused.contains("raft.redb: I/O error: No space left"),
            "{refused}"
        );
        let status = health.status();
        assert!(status.writes_failing_since_ms.is_some());
        assert_eq!(health.lock()[RAFT_FILE].attempts, 2);
        health.written(RAFT_FILE);
        assert_eq!(health.writes_refused(), None);
        assert_eq!(health.status(), Status::default());
    }

    #[test]
    fn a_failing_checkpoint_is_shown_but_refuses_nothing() {
        let health = Health::default();
        health.failed(CHECKPOINT_FILE, &enospc());
        assert_eq!(health.writes_refused(), None);
        let status = health.status();
        assert_eq!(status.writes_failing_since_ms, None);
        assert!(status.error.starts_with("checkpoint.redb: "), "{status:?}");
        // Errors that are not about the disk are not this module's.
        health.written(CHECKPOINT_FILE);
        health.failed(DATA_FILE, &StorageError::Database("a bug".into()));
        assert_eq!(health.status(), Status::default());
    }
}
