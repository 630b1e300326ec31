//! The leader's side of replication bookkeeping: which followers are
//! streaming, what each has acknowledged, and the answers held back until
//! `--sync-replicas` followers have a batch.
//!
//! The writer's committer calls `committed` after every durable batch (the
//! `CommitListener`): it wakes the streams and either answers at once (K = 0,
//! or K followers already have it) or parks the answers. Acks release them in
//! commit order. One round of acks covers a whole batch: group commit holds.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use couponsd_client::wire::FollowerStatus;
use hdrhistogram::Histogram;
use tokio::sync::watch;

use crate::error::Error;
use crate::writer::{CommitListener, Replies};

/// Commit times of recent batches kept for lag figures.
const MAX_TRACKED_BATCHES: usize = 100_000;

pub struct Hub {
    sync_replicas: u8,
    sync_timeout: Duration,
    /// The last durable LSN, for the streams to wait on.
    committed: watch::Sender<u64>,
    next_follower: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    followers: HashMap<u64, Follower>,
    /// (last LSN of a batch, when it became durable), oldest first.
    batches: VecDeque<(u64, Instant)>,
    parked: VecDeque<Parked>,
}

impl Inner {
    /// When the batch holding `lsn` became durable (if still tracked).
    fn commit_time(&self, lsn: u64) -> Option<Instant> {
        let i = self.batches.partition_point(|(last, _)| *last < lsn);
        self.batches.get(i).map(|(_, at)| *at)
    }
}

struct Follower {
    name: String,
    peer: String,
    acked: u64,
    /// Commit-to-ack times, in microseconds.
    ack_latency: Histogram<u64>,
}

struct Parked {
    lsn: u64,
    since: Instant,
    replies: Replies,
}

impl Hub {
    pub fn new(sync_replicas: u8, sync_timeout: Duration, lsn: u64) -> Hub {
        Hub {
            sync_replicas,
            sync_timeout,
            committed: watch::Sender::new(lsn),
            next_follower: AtomicU64::new(1),
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn sync_replicas(&self) -> u8 {
        self.sync_replicas
    }

    /// Wakes when the durable LSN moves.
    pub fn subscribe_commits(&self) -> watch::Receiver<u64> {
        self.committed.subscribe()
    }

    /// Refuses a mutation up front when fewer followers stream than K.
    pub fn check_writable(&self) -> Result<(), Error> {
        if self.sync_replicas == 0 {
            return Ok(());
        }
        let connected = self.lock().followers.len();
        if connected < usize::from(self.sync_replicas) {
            return Err(Error::NotEnoughReplicas {
                connected,
                required: self.sync_replicas,
            });
        }
        Ok(())
    }

    /// A follower started streaming; its entry goes when the guard drops.
    pub fn register(self: &Arc<Self>, name: String, peer: String, acked: u64) -> FollowerGuard {
        let id = self.next_follower.fetch_add(1, Ordering::Relaxed);
        let ack_latency = Histogram::new_with_bounds(1, 60_000_000, 2)
            .expect("constant histogram bounds are valid");
        self.lock().followers.insert(
            id,
            Follower {
                name,
                peer,
                acked,
                ack_latency,
            },
        );
        FollowerGuard {
            hub: self.clone(),
            id,
        }
    }

    fn ack(&self, id: u64, lsn: u64) {
        let now = Instant::now();
        let released = {
            let mut inner = self.lock();
            let commit_time = inner.commit_time(lsn);
            let Some(follower) = inner.followers.get_mut(&id) else {
                return;
            };
            if lsn <= follower.acked {
                return;
            }
            follower.acked = lsn;
            if let Some(at) = commit_time {
                let micros = now.saturating_duration_since(at).as_micros() as u64;
                let _ = follower.ack_latency.record(micros.max(1));
            }
            let everyone = inner.followers.values().map(|f| f.acked).min().unwrap_or(0);
            while inner.batches.front().is_some_and(|(l, _)| *l <= everyone) {
                inner.batches.pop_front();
            }
            self.release(&mut inner)
        };
        send(released);
    }

    /// The LSN that K followers have (u64::MAX when K = 0).
    fn replicated(&self, inner: &Inner) -> u64 {
        let k = usize::from(self.sync_replicas);
        if k == 0 {
            return u64::MAX;
        }
        let mut acked: Vec<u64> = inner.followers.values().map(|f| f.acked).collect();
        if acked.len() < k {
            return 0;
        }
        acked.sort_unstable_by(|a, b| b.cmp(a));
        acked[k - 1]
    }

    fn release(&self, inner: &mut Inner) -> Replies {
        let through = self.replicated(inner);
        let mut out = Vec::new();
        while inner.parked.front().is_some_and(|p| p.lsn <= through) {
            if let Some(p) = inner.parked.pop_front() {
                out.extend(p.replies);
            }
        }
        out
    }

    /// Answers parked longer than the sync timeout with NOT_REPLICATED.
    /// Called periodically by the server.
    pub fn expire_parked(&self) {
        let now = Instant::now();
        let mut expired = Vec::new();
        {
            let mut inner = self.lock();
            while inner
                .parked
                .front()
                .is_some_and(|p| now.saturating_duration_since(p.since) >= self.sync_timeout)
            {
                if let Some(p) = inner.parked.pop_front() {
                    expired.extend(p.replies);
                }
            }
        }
        let timeout_ms = self.sync_timeout.as_millis() as u64;
        for (reply, result) in expired {
            // Refusals changed nothing; only successes are in doubt.
            let result = result.and(Err(Error::NotReplicated {
                required: self.sync_replicas,
                timeout_ms,
            }));
            reply.send(result);
        }
    }

    /// Per follower: acked LSN and lag, for REPL_STATUS.
    pub fn followers(&self, last_lsn: u64) -> Vec<FollowerStatus> {
        let now = Instant::now();
        let inner = self.lock();
        let mut out: Vec<FollowerStatus> = inner
            .followers
            .values()
            .map(|f| {
                let lag_ms = inner
                    .commit_time(f.acked + 1)
                    .map_or(0, |at| now.saturating_duration_since(at).as_millis() as u64);
                let ms = |q: f64| f.ack_latency.value_at_quantile(q) / 1000;
                FollowerStatus {
                    name: f.name.clone(),
                    peer: f.peer.clone(),
                    acked_lsn: f.acked,
                    lag_records: last_lsn.saturating_sub(f.acked),
                    lag_ms: if f.acked >= last_lsn { 0 } else { lag_ms },
                    ack_p50_ms: ms(0.5),
                    ack_p99_ms: ms(0.99),
                }
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

impl CommitListener for Hub {
    fn committed(&self, lsn: u64, replies: Replies) {
        let ready = {
            let mut inner = self.lock();
            if inner.followers.is_empty() {
                inner.batches.clear();
            } else if inner.batches.back().is_none_or(|(l, _)| *l < lsn) {
                if inner.batches.len() >= MAX_TRACKED_BATCHES {
                    inner.batches.pop_front();
                }
                inner.batches.push_back((lsn, Instant::now()));
            }
            if self.replicated(&inner) >= lsn {
                replies
            } else {
                inner.parked.push_back(Parked {
                    lsn,
                    since: Instant::now(),
                    replies,
                });
                Vec::new()
            }
        };
        self.committed.send_replace(lsn);
        send(ready);
    }
}

fn send(replies: Replies) {
    for (reply, result) in replies {
        reply.send(result);
    }
}

/// A registered follower: acks go through it; dropping it unregisters.
pub struct FollowerGuard {
    hub: Arc<Hub>,
    id: u64,
}

impl FollowerGuard {
    pub fn ack(&self, lsn: u64) {
        self.hub.ack(self.id, lsn);
    }
}

impl Drop for FollowerGuard {
    fn drop(&mut self) {
        self.hub.lock().followers.remove(&self.id);
    }
}
