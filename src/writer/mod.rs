//! The writer: the only code that changes the store and the state.
//!
//! Every mutation from every connection is queued here (bounded). Two threads
//! form a pipeline so that deciding one batch overlaps the fsync of the one
//! before it:
//! - the decider takes everything queued (up to `max_batch`) and decides each
//!   mutation in turn against the committed state plus the batches decided but
//!   not yet durable (their overlays), producing log records and encoded rows;
//! - the committer writes a decided batch in one redb transaction (appends: log
//!   records and redemption rows), commits once (one fsync), applies the
//!   effects to the shared state, and only then answers each request.
//!
//! Serial decisions make each redemption an atomic compare-and-decrement; group
//! commit makes it fast. If a commit fails, that batch and every batch decided
//! on top of it are refused (INTERNAL), and the decider starts again from the
//! committed state.

mod batch;
mod campaign_ops;
mod checkpointer;
mod ops;
mod proposal;
mod recovery;
mod replica;
mod retention;
mod rows;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CouponSpec, RedeemRequest, RedemptionRef, ReserveRequest,
    Response,
};
use tokio::sync::{mpsc, oneshot};

pub use campaign_ops::MAX_CODES_PER_MUTATION;
pub use proposal::{Chain, Proposal};
pub use recovery::{recover, Recovered};
pub use replica::{ApplyError, ReplicaApplier};

use crate::domain::now_ms;
use crate::error::{Error, Result};
use crate::state::{LogRecord, State};
use crate::storage::{write_keys, Changes, StorageError, Store};
use batch::{Batch, Cursor, Overlay};
use checkpointer::Checkpointer;
use retention::Retention;

/// A change to the store. Inputs are already validated and normalized.
#[derive(Debug)]
pub enum Mutation {
    CreateCoupon {
        spec: CouponSpec,
        created_by: String,
    },
    UpdateCoupon {
        id: u64,
        expected_revision: u64,
        spec: CouponSpec,
    },
    DeleteCoupon {
        id: u64,
    },
    Redeem(RedeemRequest),
    Reserve(ReserveRequest),
    Confirm(RedemptionRef),
    Release(RedemptionRef),
    Reverse {
        redemption: RedemptionRef,
        reason: String,
        /// A partial refund; None refunds whatever is left.
        refund_amount: Option<i64>,
        refund_id: String,
    },
    /// Give back PENDING holds whose TTL has passed.
    ExpireHolds,
    // Boxed: a campaign spec (with its template) would make every queued
    // mutation, most of them redeems, several times bigger.
    CreateCampaign {
        spec: Box<CampaignSpec>,
        created_by: String,
    },
    UpdateCampaign {
        id: u64,
        expected_revision: u64,
        spec: Box<CampaignSpec>,
    },
    SetCampaignStatus {
        id: u64,
        status: CampaignStatus,
    },
    DeleteCampaign {
        id: u64,
    },
    /// Raise the campaign's generation target by `count` (if it is at
    /// `expected_revision`, when not 0).
    GenerateCodes {
        id: u64,
        count: u64,
        expected_revision: u64,
    },
    /// Store codes the generator made for the campaign (at most
    /// `MAX_CODES_PER_MUTATION`).
    AddCodes {
        campaign_id: u64,
        codes: Vec<String>,
    },
}

/// Where the answer to a mutation goes once its batch is durable (or refused).
/// Connections deliver it straight into their reply queue; `submit` uses a oneshot.
pub trait ReplyTo: Send + 'static {
    fn send(self: Box<Self>, result: Result<Response>);
}

impl ReplyTo for oneshot::Sender<Result<Response>> {
    fn send(self: Box<Self>, result: Result<Response>) {
        let _ = (*self).send(result);
    }
}

struct Job {
    mutation: Mutation,
    reply: Box<dyn ReplyTo>,
}

/// A batch's answers, ready to go once the listener lets them.
pub type Replies = Vec<(Box<dyn ReplyTo>, Result<Response>)>;

/// Told about every durable batch. Replication implements it: it wakes the
/// streams to followers and, with synchronous replicas, holds the answers
/// until enough followers have the batch.
pub trait CommitListener: Send + Sync + 'static {
    /// The batch up to `lsn` is durable and applied; `replies` answer it.
    fn committed(&self, lsn: u64, replies: Replies);
}

/// Answers at once: a node without replication.
pub struct AnswerAtOnce;

impl CommitListener for AnswerAtOnce {
    fn committed(&self, _lsn: u64, replies: Replies) {
        for (reply, result) in replies {
            reply.send(result);
        }
    }
}

#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Most queued mutations; past this, requests get BUSY.
    pub queue_capacity: usize,
    /// Most mutations in one transaction.
    pub max_batch: usize,
    /// Hold TTL when a reserve asks for the default (0).
    pub default_hold_ttl_ms: u32,
    /// Longest TTL a reserve may ask for.
    pub max_hold_ttl_ms: u32,
    /// A checkpoint starts once this many records (or a 32nd of the state's
    /// entries, if more) were logged since the last one: replay at restart
    /// stays a small fraction of loading the checkpoint.
    pub checkpoint_min_records: u64,
    /// Log records kept behind the last LSN (beyond what restart needs), so
    /// that a follower that falls behind by less resumes from the log.
    pub log_retention_records: u64,
    /// Test hook: wait this long before each commit (0 in production). Lets
    /// tests show that no reply leaves before its batch is durable.
    pub debug_commit_delay: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            queue_capacity: 16_384,
            max_batch: 4_096,
            default_hold_ttl_ms: 15 * 60 * 1000,
            max_hold_ttl_ms: 24 * 60 * 60 * 1000,
            checkpoint_min_records: 200_000,
            log_retention_records: 1_000_000,
            debug_commit_delay: Duration::ZERO,
        }
    }
}

/// Where connections send mutations. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// A decided batch on its way to the committer.
struct Prepared {
    seq: u64,
    generation: u64,
    jobs: Vec<Job>,
    results: Vec<Result<Response>>,
    changes: Changes,
    records: Vec<LogRecord>,
    decide: Duration,
}

/// What the committer tells the decider.
#[derive(Default)]
struct Progress {
    /// Sequence number of the last batch applied to the state.
    applied_seq: AtomicU64,
    /// Generation whose batches are void because one failed to commit (0: none).
    failed_generation: AtomicU64,
}

impl Writer {
    /// Starts the writer's threads (and the checkpointer). They stop when every
    /// `Writer` clone is dropped, after finishing what is queued; join the
    /// handle to wait for that.
    pub fn start(
        store: Arc<Store>,
        state: Arc<State>,
        config: WriterConfig,
        listener: Arc<dyn CommitListener>,
    ) -> std::io::Result<(Writer, std::thread::JoinHandle<()>)> {
        let (queue, rx) = mpsc::channel(config.queue_capacity);
        let checkpointer = Checkpointer::start(store.clone(), config.checkpoint_min_records)?;
        let retention = Retention::new(config.log_retention_records, checkpointer.last_lsn());
        let progress = Arc::new(Progress::default());
        // A rendezvous: the decider hands over a batch only when the committer
        // is free, so while one batch commits, requests pile up into the next
        // (bigger batches, fewer fsyncs), and the decider is one batch ahead.
        let (to_commit, prepared) = sync_channel::<Prepared>(0);
        let committer = {
            let (store, state, progress) = (store.clone(), state.clone(), progress.clone());
            let mut committer = Committer {
                store,
                state,
                progress,
                checkpointer,
                retention,
                listener,
                debug_commit_delay: config.debug_commit_delay,
            };
            std::thread::Builder::new()
                .name("couponsd-commit".into())
                .spawn(move || committer.run(prepared))?
        };
        let decider = std::thread::Builder::new()
            .name("couponsd-writer".into())
            .spawn(move || {
                decide_loop(&store, &state, rx, &config, &progress, to_commit);
                let _ = committer.join();
                tracing::info!("writer stopped: queue closed and drained");
            })?;
        Ok((Writer { queue }, decider))
    }

    /// Queues a mutation and waits until it is durable (or refused).
    pub async fn submit(&self, mutation: Mutation) -> Result<Response> {
        let (reply, done) = oneshot::channel();
        self.submit_to(mutation, Box::new(reply));
        done.await.map_err(|_| Error::ShuttingDown)?
    }

    /// Queues a mutation; `reply` gets the answer once its batch is durable,
    /// or at once if the queue is full (BUSY) or closed (SHUTTING_DOWN).
    pub fn submit_to(&self, mutation: Mutation, reply: Box<dyn ReplyTo>) {
        if let Err(e) = self.queue.try_send(Job { mutation, reply }) {
            let (error, job) = match e {
                mpsc::error::TrySendError::Full(job) => (Error::Busy("writer queue is full"), job),
                mpsc::error::TrySendError::Closed(job) => (Error::ShuttingDown, job),
            };
            job.reply.send(Err(error));
        }
    }
}

fn internal(reason: &str) -> Error {
    Error::Storage(StorageError::Database(reason.into()))
}

fn decide_loop(
    store: &Store,
    state: &State,
    mut rx: mpsc::Receiver<Job>,
    config: &WriterConfig,
    progress: &Progress,
    to_commit: SyncSender<Prepared>,
) {
    let epoch = match store.read().and_then(|v| v.meta(write_keys::EPOCH)) {
        Ok(e) => e.max(1),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the epoch; writer stopped");
            return;
        }
    };
    let mut cursor = Cursor::from_state(state);
    let mut earlier: VecDeque<(u64, Overlay)> = VecDeque::new();
    let mut seq = 0;
    let mut generation = 1;
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        while jobs.len() < config.max_batch {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        if progress.failed_generation.load(Ordering::Acquire) == generation {
            // Everything decided on top of the failed batch is void; the
            // committed state is all there is.
            earlier.clear();
            generation += 1;
            cursor = Cursor::from_state(state);
        }
        let applied = progress.applied_seq.load(Ordering::Acquire);
        while earlier.front().is_some_and(|(s, _)| *s <= applied) {
            earlier.pop_front();
        }
        // Opened after dropping the applied overlays, so it sees their rows.
        let view = match store.read() {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the store; batch refused");
                fail_all(jobs, "the store cannot be read");
                continue;
            }
        };
        let mut batch = Batch::new(state, &earlier, &view, epoch, cursor, now_ms());
        let mut results = Vec::with_capacity(jobs.len());
        let mut broken = None;
        for job in &jobs {
            // A bug in one mutation must not take the writer down with it.
            let executed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                ops::execute(&mut batch, &job.mutation, config)
            }));
            let Ok(executed) = executed else {
                tracing::error!(mutation = ?job.mutation, "a mutation panicked; batch abandoned");
                broken = Some("internal error while deciding the batch".to_string());
                break;
            };
            match executed {
                Ok(result) => {
                    if result.is_err() && batch.has_unsealed() {
                        // A refused request must change nothing; if one did,
                        // the whole batch is abandoned rather than committed.
                        tracing::error!(mutation = ?job.mutation, "a refused mutation left changes; batch abandoned");
                        broken = Some("a refused request left changes behind".to_string());
                        break;
                    }
                    batch.seal();
                    results.push(result);
                }
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(reason) = broken {
            tracing::error!(reason, "batch abandoned; nothing of it was applied");
            fail_all(jobs, &reason);
            continue;
        }
        let decided = batch.finish();
        cursor = decided.cursor;
        seq += 1;
        earlier.push_back((seq, decided.overlay));
        let prepared = Prepared {
            seq,
            generation,
            jobs,
            results,
            changes: decided.changes,
            records: decided.records,
            decide: started.elapsed(),
        };
        if to_commit.send(prepared).is_err() {
            return;
        }
    }
}

fn fail_all(jobs: Vec<Job>, reason: &str) {
    for job in jobs {
        job.reply.send(Err(internal(reason)));
    }
}

struct Committer {
    store: Arc<Store>,
    state: Arc<State>,
    progress: Arc<Progress>,
    checkpointer: Checkpointer,
    retention: Retention,
    listener: Arc<dyn CommitListener>,
    debug_commit_delay: Duration,
}

impl Committer {
    fn run(&mut self, prepared: Receiver<Prepared>) {
        let mut stats = BatchStats::default();
        for mut batch in prepared {
            let progress = &self.progress;
            if progress.failed_generation.load(Ordering::Acquire) == batch.generation {
                fail_all(batch.jobs, "an earlier batch failed to commit");
                continue;
            }
            if let Some(lsn) = self.checkpointer.take_finished() {
                self.retention.checkpointed(lsn);
            }
            let last_lsn = batch.records.last().map_or(0, |r| r.lsn);
            let cut = self.retention.due(last_lsn);
            if let Some(lsn) = cut {
                batch.changes.truncate_log_through(lsn);
            }
            if !self.debug_commit_delay.is_zero() {
                std::thread::sleep(self.debug_commit_delay);
            }
            let started = Instant::now();
            if let Err(e) = self.store.commit(&batch.changes) {
                tracing::error!(error = %e, records = batch.records.len(), "commit failed; this batch and those decided after it are refused");
                progress
                    .failed_generation
                    .store(batch.generation, Ordering::Release);
                fail_all(batch.jobs, &format!("commit failed: {e}"));
                continue;
            }
            if let Some(lsn) = cut {
                self.retention.cut(lsn);
            }
            let committed = Instant::now();
            // Durable now: make it visible, then answer.
            for record in &batch.records {
                self.state.apply_record(record);
            }
            progress.applied_seq.store(batch.seq, Ordering::Release);
            let replies = batch
                .jobs
                .drain(..)
                .map(|job| job.reply)
                .zip(batch.results)
                .collect();
            self.listener.committed(self.state.applied_lsn(), replies);
            stats.record(
                batch.records.len(),
                batch.decide,
                committed - started,
                committed.elapsed(),
            );
            self.checkpointer.maybe_start(&self.state);
        }
    }
}

/// Batch sizes and phase times, logged once a second at debug level
/// (`COUPONSD_LOG=couponsd::writer=debug`).
#[derive(Default)]
struct BatchStats {
    since: Option<Instant>,
    batches: u64,
    records: u64,
    decide: Duration,
    commit: Duration,
    apply: Duration,
}

impl BatchStats {
    fn record(&mut self, records: usize, decide: Duration, commit: Duration, apply: Duration) {
        let since = *self.since.get_or_insert_with(Instant::now);
        self.batches += 1;
        self.records += records as u64;
        self.decide += decide;
        self.commit += commit;
        self.apply += apply;
        let elapsed = since.elapsed();
        if elapsed >= Duration::from_secs(1) {
            let per_batch = |d: Duration| d.as_micros() as u64 / self.batches.max(1);
            tracing::debug!(
                batches = self.batches,
                records = self.records,
                mean_records = self.records / self.batches.max(1),
                decide_us = per_batch(self.decide),
                commit_us = per_batch(self.commit),
                apply_us = per_batch(self.apply),
                "writer batches"
            );
            *self = BatchStats::default();
        }
    }
}
