//! The writer: the one thread that changes the store. Every mutation from every
//! connection is queued here (bounded); the writer takes everything queued, up
//! to `max_batch`, applies it in one redb write transaction, commits once (one
//! fsync) and only then answers each request of the batch. Serial execution
//! makes each redemption an atomic compare-and-decrement; group commit makes it
//! fast.

mod ops;

use std::sync::Arc;

use couponsd_client::wire::{CouponSpec, RedeemRequest, RedemptionRef, ReserveRequest, Response};
use tokio::sync::{mpsc, oneshot};

use crate::domain::now_ms;
use crate::error::{Error, Result};
use crate::storage::Store;

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
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            queue_capacity: 16_384,
            max_batch: 4_096,
            default_hold_ttl_ms: 15 * 60 * 1000,
            max_hold_ttl_ms: 24 * 60 * 60 * 1000,
        }
    }
}

/// Where connections send mutations. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread. It stops when every `Writer` clone is dropped,
    /// after finishing what is queued; join the handle to wait for that.
    pub fn start(store: Arc<Store>, config: WriterConfig) -> (Writer, std::thread::JoinHandle<()>) {
        let (queue, rx) = mpsc::channel(config.queue_capacity);
        let handle = std::thread::Builder::new()
            .name("couponsd-writer".into())
            .spawn(move || run(&store, rx, &config))
            .expect("spawning the writer thread");
        (Writer { queue }, handle)
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

fn run(store: &Store, mut rx: mpsc::Receiver<Job>, config: &WriterConfig) {
    let mut jobs = Vec::with_capacity(config.max_batch);
    while let Some(first) = rx.blocking_recv() {
        jobs.push(first);
        while jobs.len() < config.max_batch {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let now = now_ms();
        let outcome = store.write(|batch| {
            let mut results = Vec::with_capacity(jobs.len());
            for job in &jobs {
                let result = ops::execute(batch, &job.mutation, now, config)?;
                if result.is_err() && batch.has_unsealed_rows() {
                    // A refused request must write nothing; if one did, the
                    // whole batch is abandoned rather than committed half-done.
                    return Err(crate::storage::StorageError::Corrupt {
                        table: "batch",
                        reason: format!("refused {:?} left rows behind", job.mutation),
                    });
                }
                batch.seal(now)?;
                results.push(result);
            }
            Ok(results)
        });
        match outcome {
            Ok(results) => {
                for (job, result) in jobs.drain(..).zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, batch = jobs.len(), "write batch failed; nothing of it was applied");
                for job in jobs.drain(..) {
                    let _ = job.reply.send(Err(Error::Storage(
                        crate::storage::StorageError::Database(e.to_string()),
                    )));
                }
            }
        }
    }
    tracing::info!("writer stopped: queue closed and drained");
}
