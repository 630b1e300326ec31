//! The proposals this node has in flight, and the requests waiting on each.
//!
//! A proposal is resolved exactly once, by whoever learns its fate first:
//! the applier, the moment it applies the entry here (or finds it void), or
//! the dispatcher, when openraft reports it dropped (truncated, or Raft
//! stopped). The applier answers without a detour through openraft's
//! response path, which is most of the time. Independently, a proposal still
//! unresolved after the commit timeout has its requests answered
//! NOT_COMMITTED, and stays in flight until resolved.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use couponsd_client::wire::Response;

use super::{fail_all, Job, Proposed};
use crate::error::{Error, Result};

/// How often `wait_room` asks whether to give up.
const GIVE_UP_CHECK: Duration = Duration::from_millis(20);

/// A proposal's requests and their decided answers.
struct Waiting {
    jobs: Vec<Job>,
    results: Vec<Result<Response>>,
}

/// A proposal not yet resolved: its requests (None once answered
/// NOT_COMMITTED) and when it was registered (for its commit latency).
struct Pending {
    waiting: Option<Waiting>,
    at: Instant,
}

#[derive(Default)]
struct Flight {
    /// Unresolved proposals by (term, seq).
    proposals: HashMap<(u64, u64), Pending>,
    /// (term, seq) of the last proposal applied here.
    applied: (u64, u64),
    /// A proposal was void or dropped: the ones decided on top of it are
    /// void too, and the decider starts over from the applied state.
    broken: bool,
}

#[derive(Default)]
pub struct InFlight {
    flight: Mutex<Flight>,
    changed: Condvar,
}

/// How a proposal ended.
pub enum Fate {
    Applied,
    /// Applied as void: its state was gone when it landed.
    Void,
    Dropped(Error),
}

impl InFlight {
    fn lock(&self) -> std::sync::MutexGuard<'_, Flight> {
        self.flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a proposal about to be proposed, with its requests.
    pub(super) fn register(&self, key: (u64, u64), jobs: Vec<Job>, results: Vec<Result<Response>>) {
        let mut flight = self.lock();
        flight.proposals.insert(
            key,
            Pending {
                waiting: Some(Waiting { jobs, results }),
                at: Instant::now(),
            },
        );
        crate::metrics::set_proposals_in_flight(flight.proposals.len());
    }

    /// Resolves a proposal (see the module comment); a second resolution
    /// of the same proposal does nothing.
    pub fn resolve(&self, key: (u64, u64), fate: Fate) {
        let waiting = {
            let mut flight = self.lock();
            let Some(proposed) = flight.proposals.remove(&key) else {
                return;
            };
            crate::metrics::set_proposals_in_flight(flight.proposals.len());
            match fate {
                Fate::Applied => {
                    flight.applied = flight.applied.max(key);
                    crate::metrics::batch_committed(proposed.at.elapsed());
                }
                Fate::Void | Fate::Dropped(_) => flight.broken = true,
            }
            self.changed.notify_all();
            proposed.waiting
        };
        let Some(Waiting { jobs, results }) = waiting else {
            return;
        };
        match fate {
            Fate::Applied => {
                for (job, result) in jobs.into_iter().zip(results) {
                    job.reply.send(result);
                }
            }
            Fate::Void => fail_all(jobs, || Error::NotLeader {
                leader: String::new(),
            }),
            Fate::Dropped(e) => fail_all(jobs, || e.again()),
        }
    }

    /// Answers a proposal's requests NOT_COMMITTED, if it is unresolved: the
    /// outcome is unknown until it is.
    fn time_out(&self, key: (u64, u64)) {
        let waiting = self
            .lock()
            .proposals
            .get_mut(&key)
            .and_then(|p| p.waiting.take());
        if let Some(w) = waiting {
            fail_all(w.jobs, || Error::NotCommitted);
        }
    }

    pub(super) fn in_flight(&self) -> usize {
        self.lock().proposals.len()
    }

    pub(super) fn applied(&self) -> (u64, u64) {
        self.lock().applied
    }

    pub(super) fn broken(&self) -> bool {
        self.lock().broken
    }

    pub(super) fn clear_broken(&self) {
        self.lock().broken = false;
    }

    /// Waits until fewer than `max` proposals are in flight; false on
    /// timeout, or as soon as `give_up` says so (asked every
    /// `GIVE_UP_CHECK`: the proposals in flight may be held up by a disk
    /// that is full, and the requests waiting are better refused at once).
    pub(super) fn wait_room(
        &self,
        max: usize,
        timeout: Duration,
        give_up: impl Fn() -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        let mut flight = self.lock();
        while flight.proposals.len() >= max {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || give_up() {
                return false;
            }
            flight = self
                .changed
                .wait_timeout(flight, left.min(GIVE_UP_CHECK))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

/// Follows each proposal's openraft outcome: resolves the ones the applier
/// has not (dropped, or Raft stopped), and times out the slow ones. Each
/// proposal has its own timeout: one held up for long (a full disk) must not
/// keep the next one's requests waiting past theirs.
pub(super) async fn dispatch_loop(
    mut incoming: tokio::sync::mpsc::UnboundedReceiver<((u64, u64), Proposed)>,
    in_flight: std::sync::Arc<InFlight>,
    commit_timeout: Duration,
) {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut following = FuturesUnordered::new();
    loop {
        tokio::select! {
            next = incoming.recv() => match next {
                Some((key, proposed)) => {
                    following.push(follow(key, proposed, &in_flight, commit_timeout));
                }
                None => break,
            },
            Some(()) = following.next(), if !following.is_empty() => {}
        }
    }
    while following.next().await.is_some() {}
}

/// Follows one proposal until openraft answers it (see `dispatch_loop`).
async fn follow(
    key: (u64, u64),
    mut proposed: Proposed,
    in_flight: &InFlight,
    commit_timeout: Duration,
) {
    let outcome = match tokio::time::timeout(commit_timeout, &mut proposed).await {
        Ok(outcome) => outcome,
        Err(_) => {
            in_flight.time_out(key);
            proposed.await
        }
    };
    // Usually already resolved by the applier.
    let fate = match outcome {
        Ok(true) => Fate::Applied,
        Ok(false) => Fate::Void,
        Err(e) => Fate::Dropped(e),
    };
    in_flight.resolve(key, fate);
}
