//! The writer: the one thread that changes the store and the state. Every
//! mutation from every connection is queued here (bounded); the writer takes
//! everything queued, up to `max_batch`, decides each mutation in turn against
//! the committed state plus the batch's own earlier changes, writes the batch in
//! one redb transaction (log records and redemption rows: appends), commits once
//! (one fsync), then applies the effects to the shared state and only then
//! answers each request. Serial decisions make each redemption an atomic
//! compare-and-decrement; group commit makes it fast.

mod batch;
mod checkpointer;
mod ops;
mod recovery;

use std::sync::Arc;

use couponsd_client::wire::{CouponSpec, RedeemRequest, RedemptionRef, ReserveRequest, Response};
use tokio::sync::{mpsc, oneshot};

pub use recovery::{recover, Recovered};

use crate::domain::now_ms;
use crate::error::{Error, Result};
use crate::state::State;
use crate::storage::{write_keys, StorageError, Store};
use batch::Batch;
use checkpointer::Checkpointer;

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
    },
    /// Give back PENDING holds whose TTL has passed.
    ExpireHolds,
}

struct Job {
    mutation: Mutation,
    reply: oneshot::Sender<Result<Response>>,
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
    /// A checkpoint starts once this many records (or an eighth of the state's
    /// entries, if more) were logged since the last one.
    pub checkpoint_min_records: u64,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            queue_capacity: 16_384,
            max_batch: 4_096,
            default_hold_ttl_ms: 15 * 60 * 1000,
            max_hold_ttl_ms: 24 * 60 * 60 * 1000,
            checkpoint_min_records: 200_000,
        }
    }
}

/// Where connections send mutations. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread (and its checkpointer). It stops when every
    /// `Writer` clone is dropped, after finishing what is queued; join the
    /// handle to wait for that.
    pub fn start(
        store: Arc<Store>,
        state: Arc<State>,
        config: WriterConfig,
    ) -> std::io::Result<(Writer, std::thread::JoinHandle<()>)> {
        let (queue, rx) = mpsc::channel(config.queue_capacity);
        let checkpointer = Checkpointer::start(store.clone(), config.checkpoint_min_records)?;
        let handle = std::thread::Builder::new()
            .name("couponsd-writer".into())
            .spawn(move || run(&store, &state, rx, &config, checkpointer))?;
        Ok((Writer { queue }, handle))
    }

    /// Queues a mutation and waits until it is durable (or refused).
    pub async fn submit(&self, mutation: Mutation) -> Result<Response> {
        let (reply, done) = oneshot::channel();
        self.queue
            .try_send(Job { mutation, reply })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => Error::Busy("writer queue is full"),
                mpsc::error::TrySendError::Closed(_) => Error::ShuttingDown,
            })?;
        done.await.map_err(|_| Error::ShuttingDown)?
    }
}

fn run(
    store: &Store,
    state: &State,
    mut rx: mpsc::Receiver<Job>,
    config: &WriterConfig,
    mut checkpointer: Checkpointer,
) {
    let epoch = match store.read().and_then(|v| v.meta(write_keys::EPOCH)) {
        Ok(e) => e.max(1),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the epoch; writer stopped");
            return;
        }
    };
    let mut jobs = Vec::with_capacity(config.max_batch);
    let mut truncate_through: Option<u64> = None;
    let mut stats = BatchStats::default();
    while let Some(first) = rx.blocking_recv() {
        let batch_started = std::time::Instant::now();
        jobs.push(first);
        while jobs.len() < config.max_batch {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        if let Some(lsn) = checkpointer.take_finished() {
            truncate_through = Some(lsn);
        }
        let now = now_ms();
        let next_lsn = state.applied_lsn() + 1;
        let mut decided_at = batch_started;
        let outcome = store.write(|tx| {
            if let Some(lsn) = truncate_through {
                tx.truncate_log(lsn)?;
            }
            let mut batch = Batch::new(state, tx, epoch, next_lsn, now);
            let mut results = Vec::with_capacity(jobs.len());
            for job in &jobs {
                let result = ops::execute(&mut batch, &job.mutation, config)?;
                if result.is_err() && batch.has_unsealed() {
                    // A refused request must change nothing; if one did, the
                    // whole batch is abandoned rather than committed half-done.
                    tracing::error!(mutation = ?job.mutation, "a refused mutation left changes; batch abandoned");
                    return Err(StorageError::Corrupt {
                        table: "batch",
                        reason: "a refused request left changes behind".into(),
                    });
                }
                batch.seal()?;
                results.push(result);
            }
            decided_at = std::time::Instant::now();
            Ok((results, batch.into_records()))
        });
        let committed_at = std::time::Instant::now();
        match outcome {
            Ok((results, records)) => {
                truncate_through = None;
                // Durable now: make it visible, then answer.
                for record in &records {
                    state.apply_record(record);
                }
                for (job, result) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
                stats.record(
                    records.len(),
                    decided_at - batch_started,
                    committed_at - decided_at,
                    committed_at.elapsed(),
                );
            }
            Err(e) => {
                // Nothing of the batch reached the state: memory still matches disk.
                tracing::error!(error = %e, batch = jobs.len(), "write batch failed; nothing of it was applied");
                for job in jobs.drain(..) {
                    let _ = job
                        .reply
                        .send(Err(Error::Storage(StorageError::Database(e.to_string()))));
                }
            }
        }
        checkpointer.maybe_start(state);
    }
    tracing::info!("writer stopped: queue closed and drained");
}

/// Batch sizes and durations, logged once a second at debug level
/// (`COUPONSD_LOG=couponsd::writer=debug`).
#[derive(Default)]
struct BatchStats {
    since: Option<std::time::Instant>,
    batches: u64,
    records: u64,
    decide: std::time::Duration,
    commit: std::time::Duration,
    apply: std::time::Duration,
}

impl BatchStats {
    fn record(
        &mut self,
        records: usize,
        decide: std::time::Duration,
        commit: std::time::Duration,
        apply: std::time::Duration,
    ) {
        let since = *self.since.get_or_insert_with(std::time::Instant::now);
        self.batches += 1;
        self.records += records as u64;
        self.decide += decide;
        self.commit += commit;
        self.apply += apply;
        let elapsed = since.elapsed();
        if elapsed >= std::time::Duration::from_secs(1) {
            let per_batch = |d: std::time::Duration| d.as_micros() as u64 / self.batches.max(1);
            tracing::debug!(
                batches = self.batches,
                records = self.records,
                mean_records = self.records / self.batches.max(1),
                decide_us = per_batch(self.decide),
                commit_us = per_batch(self.commit),
                apply_us = per_batch(self.apply),
                busy_pct = ((self.decide + self.commit + self.apply).as_secs_f64() * 100.0
                    / elapsed.as_secs_f64()) as u64,
                "writer batches"
            );
            *self = BatchStats::default();
        }
    }
}
