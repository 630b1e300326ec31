//! Linearizable reads on a leader, by read index: before answering, the
//! leader confirms with a majority that it still leads (a heartbeat round)
//! and waits until it has applied what was committed when it asked. One
//! round serves every read waiting: a read waits for the first round that
//! starts after it arrived, so with many reads in flight the cost is one
//! round per round trip, not one per read.
//!
//! openraft gives each round's heartbeats one heartbeat interval to be
//! answered. Under load a live follower can take longer (the heartbeat queues
//! behind replication on the same connection), so a round that hears from no
//! majority is run again, up to an election timeout after the first try: a
//! read fails with `NO_QUORUM` only when the leader stayed cut off about as
//! long as the others wait before electing someone else.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use openraft::error::{CheckIsLeaderError, RaftError};
use tokio::sync::watch;

use super::types::{Node, NodeId, Raft};
use crate::error::{Error, Result};

#[derive(Default)]
struct Rounds {
    /// Rounds started so far (the running one, if any, is number `started`).
    started: u64,
    /// The latest round a reader waits for.
    wanted: u64,
    /// Whether a reader is running rounds.
    running: bool,
}

/// (round finished, its outcome).
type Finished = (u64, std::result::Result<(), RoundError>);

/// Why a round did not confirm the leadership.
#[derive(Debug, Clone)]
enum RoundError {
    /// Another node leads (its address; empty if unknown).
    NotLeader(String),
    NoQuorum,
    Stopped,
}

/// The pause between two tries of a round that heard from no majority (a
/// dead peer refuses at once; this keeps the retries from spinning).
const QUORUM_RETRY_PAUSE_MS: u64 = 20;

pub struct ReadGate {
    rounds: Mutex<Rounds>,
    finished: watch::Sender<Finished>,
    /// How long a round keeps trying to hear from a majority.
    quorum_patience: Duration,
}

impl ReadGate {
    /// `quorum_patience_ms`: the cluster's longest election timeout.
    pub fn new(quorum_patience_ms: u64) -> ReadGate {
        ReadGate {
            rounds: Mutex::new(Rounds::default()),
            finished: watch::channel((0, Ok(()))).0,
            quorum_patience: Duration::from_millis(quorum_patience_ms),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Rounds> {
        self.rounds.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns once a round that started after this call confirmed the
    /// leadership and the state caught up with it.
    pub async fn confirm(&self, raft: &Raft) -> Result<()> {
        let mut finished = self.finished.subscribe();
        let (target, run) = {
            let mut rounds = self.lock();
            let target = rounds.started + 1;
            rounds.wanted = rounds.wanted.max(target);
            let run = !rounds.running;
            rounds.running = true;
            (target, run)
        };
        if run {
            self.run_rounds(raft).await;
        }
        loop {
            {
                let (round, outcome) = &*finished.borrow_and_update();
                if *round >= target {
                    return outcome.clone().map_err(|e| match e {
                        RoundError::NotLeader(leader) => Error::NotLeader { leader },
                        RoundError::NoQuorum => Error::NoQuorum,
                        RoundError::Stopped => Error::ShuttingDown,
                    });
                }
            }
            if finished.changed().await.is_err() {
                return Err(Error::ShuttingDown);
            }
        }
    }

    /// Runs rounds while readers wait for ones not yet started.
    async fn run_rounds(&self, raft: &Raft) {
        loop {
            let round = {
                let mut rounds = self.lock();
                if rounds.started >= rounds.wanted {
                    rounds.running = false;
                    return;
                }
                rounds.started += 1;
                rounds.started
            };
            let outcome = self.round(raft).await;
            // The previous round's value is not needed.
            let _previous = self.finished.send_replace((round, outcome));
        }
    }

    /// One round: confirms the leadership, trying again while no majority
    /// answers, for up to `quorum_patience`.
    async fn round(&self, raft: &Raft) -> std::result::Result<(), RoundError> {
        let started = Instant::now();
        loop {
            let error = match raft.ensure_linearizable().await {
                Ok(_) => return Ok(()),
                Err(e) => round_error(e),
            };
            let patient = started.elapsed() < self.quorum_patience;
            if !matches!(error, RoundError::NoQuorum) || !patient {
                return Err(error);
            }
            tokio::time::sleep(Duration::from_millis(QUORUM_RETRY_PAUSE_MS)).await;
        }
    }
}

fn round_error(e: RaftError<NodeId, CheckIsLeaderError<NodeId, Node>>) -> RoundError {
    match e {
        RaftError::APIError(CheckIsLeaderError::ForwardToLeader(f)) => {
            RoundError::NotLeader(f.leader_node.map_or_else(String::new, |n| n.addr))
        }
        RaftError::APIError(CheckIsLeaderError::QuorumNotEnough(_)) => RoundError::NoQuorum,
        RaftError::Fatal(_) => RoundError::Stopped,
    }
}
