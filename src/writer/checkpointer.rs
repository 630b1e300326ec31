//! The checkpointer thread: encodes state snapshots and stores them in the
//! checkpoint file, off the writer's thread. The writer hands it a snapshot when
//! enough log has accumulated, and truncates the log once it is stored.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::state::checkpoint::Snapshot;
use crate::state::State;
use crate::storage::{self, CheckpointInfo, Store};

pub struct Checkpointer {
    /// None once dropping: closing it stops the thread.
    snapshots: Option<SyncSender<Snapshot>>,
    thread: Option<std::thread::JoinHandle<()>>,
    finished: Receiver<storage::Result<CheckpointInfo>>,
    in_progress: bool,
    last_start_lsn: u64,
    min_records: u64,
    /// After a failed checkpoint (a full disk, say), the next one waits
    /// this long (doubling up to `RETRY_DELAY_MAX`): each attempt encodes
    /// the whole state.
    retry_delay: Duration,
    not_before: Option<Instant>,
}

/// The wait after a first failed checkpoint.
const RETRY_DELAY_MIN: Duration = Duration::from_secs(1);
/// The longest wait between two failed checkpoints.
const RETRY_DELAY_MAX: Duration = Duration::from_secs(300);

impl Checkpointer {
    pub fn start(store: Arc<Store>, min_records: u64) -> std::io::Result<Checkpointer> {
        let latest = store.checkpoint_info().ok().flatten();
        if let Some(info) = &latest {
            let stored_ms = store.checkpoint_file_modified_ms().unwrap_or(0);
            crate::metrics::checkpoint_stored(info.start_lsn, stored_ms);
        }
        let last_start_lsn = latest.map_or(0, |i| i.start_lsn);
        let (snapshots, incoming) = sync_channel::<Snapshot>(1);
        let (done, finished) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("couponsd-checkpointer".into())
            .spawn(move || {
                for snapshot in incoming {
                    if done.send(write(&store, &snapshot)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Checkpointer {
            snapshots: Some(snapshots),
            thread: Some(thread),
            finished,
            in_progress: false,
            last_start_lsn,
            min_records: min_records.max(1),
            retry_delay: RETRY_DELAY_MIN,
            not_before: None,
        })
    }

    /// The LSN of the latest durable checkpoint (0: none).
    pub fn last_lsn(&self) -> u64 {
        self.last_start_lsn
    }

    /// Starts a checkpoint when enough has been logged since the last one. Call
    /// between batches (the snapshot must not straddle one).
    pub fn maybe_start(&mut self, state: &Arc<State>) {
        if self.in_progress || self.not_before.is_some_and(|t| Instant::now() < t) {
            return;
        }
        let since = state.applied_lsn().saturating_sub(self.last_start_lsn);
        // Counting the entries walks every part: only once it may matter.
        if since < self.min_records {
            return;
        }
        let threshold = self.min_records.max(state.entry_count() as u64 / 32);
        let Some(snapshots) = &self.snapshots else {
            return;
        };
        if since >= threshold && snapshots.try_send(state.snapshot()).is_ok() {
            self.in_progress = true;
        }
    }

    /// The start LSN of a checkpoint that finished since the last call: the log
    /// up to it may be dropped.
    pub fn take_finished(&mut self) -> Option<u64> {
        match self.finished.try_recv() {
            Ok(Ok(info)) => {
                self.in_progress = false;
                self.last_start_lsn = info.start_lsn;
                self.retry_delay = RETRY_DELAY_MIN;
                self.not_before = None;
                Some(info.start_lsn)
            }
            Ok(Err(e)) => {
                static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
                self.in_progress = false;
                self.not_before = Some(Instant::now() + self.retry_delay);
                if let Some(s) = FAILED.admit() {
                    tracing::error!(
                        error = %e,
                        retry_in_ms = self.retry_delay.as_millis() as u64,
                        "checkpoint failed; the log is kept and it will be retried{s}"
                    );
                }
                self.retry_delay = (self.retry_delay * 2).min(RETRY_DELAY_MAX);
                None
            }
            Err(_) => None,
        }
    }
}

/// Waits for a checkpoint in progress: two checkpointers on one store (the
/// applier's, then the next one's after a snapshot install) must never overlap.
impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.snapshots = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write(store: &Store, snapshot: &Snapshot) -> storage::Result<CheckpointInfo> {
    let started = Instant::now();
    let mut writer = store.checkpoint_writer()?;
    let mut failure = None;
    snapshot.encode(|chunks| {
        if failure.is_none() {
            if let Err(e) = writer.add(&chunks) {
                failure = Some(e);
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    // The main file's commits skip the fsync (see `apply`): make the ones
    // this checkpoint covers durable before it may replace the log under them.
    store.flush()?;
    let info = writer.finish(snapshot.start_lsn)?;
    crate::metrics::checkpoint_stored(info.start_lsn, crate::domain::now_ms());
    tracing::info!(
        start_lsn = info.start_lsn,
        chunks = info.chunks,
        ms = started.elapsed().as_millis() as u64,
        "checkpoint stored"
    );
    Ok(info)
}
