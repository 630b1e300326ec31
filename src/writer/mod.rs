//! The writer: the only code that decides changes to the store and the state.
//!
//! Every mutation from every connection is queued here (bounded). On the
//! leader, the decider thread takes everything queued (up to `max_batch`, or
//! until the batch's records reach `PROPOSAL_BYTES_MAX`; with two proposals
//! in flight it waits for one to be applied, and what arrives meanwhile
//! joins the batch) and decides each mutation in turn against the applied
//! state plus the batches proposed but not yet applied (their overlays).
//! Deciding only reads: it yields a plan (`ops::decide`) or a refusal, and
//! `execute` applies the plan to the batch, one log record per accepted
//! mutation. The batch is one `Proposal`: one Raft entry, one log write and
//! one replication round for the whole batch. Raft commits it on a majority
//! and every node applies it (`apply`, in the consensus state machine); the
//! applier answers each request the moment its batch is applied here
//! (`in_flight`).
//!
//! Serial decisions make each redemption an atomic compare-and-decrement;
//! group commit makes it fast. A batch is decided only by the leader of the
//! current term, once that term's first entry is applied (so everything any
//! earlier leader committed is in the state it decides on), and each batch
//! names the state it was decided on: if its leader is deposed before it
//! commits, it is void everywhere alike (see `Proposal::follows`), its
//! requests are answered NOT_LEADER, and the next leader decides afresh.

mod apply;
mod assign_ops;
mod batch;
mod campaign_ops;
mod checkpointer;
mod core;
#[cfg(test)]
mod decide_tests;
#[cfg(test)]
mod decider_tests;
pub mod distribute_ops;
mod flusher;
mod fraud_ops;
mod in_flight;
pub mod judge;
pub mod observe;
mod ops;
pub mod order_ops;
mod order_set_ops;
mod period_uses;
mod plan;
mod proposal;
pub mod qualify;
mod recovery;
mod retention;
mod rows;
pub mod sweep;
mod triggers;
mod usage;
pub mod webhook_ops;

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CouponSpec, FraudLabel, OrderRedeemRequest, OrderReserveRequest,
    RedeemRequest, RedemptionRef, ReserveRequest, Response, WebhookAdd,
};
use tokio::sync::{mpsc, oneshot};

use crate::state::webhooks::Progress;

pub use apply::{Applier, Applying};
pub use campaign_ops::MAX_CODES_PER_MUTATION;
pub use core::{digest_of, Core, CoreCell};
pub use in_flight::{Fate, InFlight};
use proposal::DecidedOnce;
pub use proposal::{Chain, Proposal};
pub use recovery::{recover, recover_snapshot, Recovered};

use crate::domain::now_ms;
use crate::error::{Error, Result};
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::rules::stacking::StackPolicy;
use crate::storage::StorageError;
use batch::{Batch, Cursor, Overlay};

/// Most record bytes in one proposal: with the entry's own header it stays
/// well under the frame limit, so one entry always fits one RAFT_APPEND.
pub const PROPOSAL_BYTES_MAX: usize = 512 << 10;
// A batch stops once its records pass PROPOSAL_BYTES_MAX, so it holds at
// most that plus one request's records, and a request is itself a frame.
const _: () = assert!(
    PROPOSAL_BYTES_MAX + couponsd_client::wire::MAX_FRAME_LENGTH as usize
        <= 2 * couponsd_client::wire::MAX_FRAME_LENGTH as usize
);
/// Proposals in flight at once (proposed, not yet applied): the decider
/// decides the next batch while these commit, and requests pile up into it.
const PROPOSALS_IN_FLIGHT_MAX: usize = 2;

/// What the node that took a new use's request knows of its shopper: the
/// unknown codes their order's IP block and device tried within their
/// guessing windows (`server::guessing`). Counted by each node alone, like
/// the guessing limits, it feeds the `code_guessing` signal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shopper {
    pub unknown_codes: u32,
}

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
    /// `unknown_codes`: see `Shopper`.
    Redeem {
        request: RedeemRequest,
        shopper: Shopper,
    },
    Reserve {
        request: ReserveRequest,
        shopper: Shopper,
    },
    Confirm(RedemptionRef),
    Release(RedemptionRef),
    Reverse {
        redemption: RedemptionRef,
        reason: String,
        /// A partial refund; None refunds whatever is left.
        refund_amount: Option<i64>,
        refund_id: String,
    },
    /// Several codes on one order, as one decision (`order_ops::redeem`).
    OrderRedeem {
        request: OrderRedeemRequest,
        shopper: Shopper,
    },
    /// Several codes on one order held as one decision (`order_ops::reserve`).
    OrderReserve {
        request: OrderReserveRequest,
        shopper: Shopper,
    },
    /// An order's whole set, as one decision each (`order_set_ops`).
    OrderConfirm {
        order_id: String,
        transaction_id: String,
    },
    OrderRelease {
        order_id: String,
    },
    OrderReverse {
        order_id: String,
        reason: String,
    },
    /// Give back PENDING holds whose TTL has passed.
    ExpireHolds,
    /// Remove the velocity windows, seen sets and code rates of a few parts
    /// that have nothing left in their window, and evict past the cap
    /// (`sweep::expire_windows`).
    ExpireWindows {
        first_part: usize,
    },
    /// Validations this node answered since its last flush: (coupon id,
    /// count), for analytics (`server::views`).
    CountViews(Vec<(u64, u64)>),
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
    /// Bind a code of a PERSONALIZED campaign to each customer without one
    /// (`assign_ops::assign`; empty: the campaign's audience).
    AssignCodes {
        campaign_id: u64,
        customer_ids: Vec<String>,
    },
    /// Queue a code of the campaign for each recipient in its outbox
    /// (`distribute_ops::distribute`).
    Distribute {
        campaign_id: u64,
        recipients: Vec<couponsd_client::wire::Recipient>,
    },
    /// What the sender learned of QUEUED entries (`distribute_ops::outcomes`).
    DistributionOutcomes {
        campaign_id: u64,
        outcomes: Vec<distribute_ops::Outcome>,
    },
    /// A SENT entry reported BOUNCED (`distribute_ops::report`).
    DistributionReport {
        campaign_id: u64,
        customer_id: String,
        reason: String,
    },
    /// Label a redemption fraud or legitimate; the model learns from it.
    FraudOutcome {
        redemption_id: u64,
        label: FraudLabel,
    },
    /// Add a webhook endpoint with the secret the dispatcher chose.
    AddWebhook {
        add: Box<WebhookAdd>,
        secret: String,
    },
    RemoveWebhook {
        id: u64,
    },
    EnableWebhook {
        id: u64,
    },
    /// The delivery task gives up on an endpoint (`server::webhooks`).
    DisableWebhook {
        id: u64,
        reason: String,
    },
    /// The delivery task's progress with an endpoint.
    WebhookProgress {
        id: u64,
        progress: Progress,
    },
}

/// Where the answer to a mutation goes once its batch is applied (or refused).
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

/// Where this node stands, as the decider needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The leader of `term`, with that term's first entry applied: it decides.
    Leading {
        term: u64,
    },
    /// Another node leads (its address; empty when unknown).
    Following {
        leader: String,
    },
    /// No leader yet, or this node just won and is catching up.
    Electing,
    Stopped,
}

/// A proposal on its way: resolves once it is applied on this node (true),
/// found void (false), or refused.
pub type Proposed = Pin<Box<dyn Future<Output = Result<bool>> + Send>>;

/// The consensus, as the decider uses it.
pub trait Proposer: Send + Sync + 'static {
    fn standing(&self) -> Standing;
    /// Blocks until the standing may have changed, or `timeout` passed.
    fn wait_for_change(&self, timeout: Duration);
    /// Blocks until this node, still the leader, has applied everything
    /// committed so far (whoever committed it).
    fn catch_up(&self) -> Result<()>;
    fn propose(&self, proposal: Proposal) -> Result<Proposed>;
}

#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Most queued mutations; past this, requests get BUSY.
    pub queue_capacity: usize,
    /// Most mutations in one batch.
    pub max_batch: usize,
    /// Hold TTL when a reserve asks for the default (0).
    pub default_hold_ttl_ms: u32,
    /// Longest TTL a reserve may ask for.
    pub max_hold_ttl_ms: u32,
    /// A checkpoint starts once this many records (or a 32nd of the state's
    /// entries, if more) were logged since the last one: replay at restart
    /// stays a small fraction of loading the checkpoint.
    pub checkpoint_min_records: u64,
    /// Records kept in the state machine's log behind the last LSN (beyond
    /// what restart needs).
    pub log_retention_records: u64,
    /// Records the log keeps for an enabled webhook endpoint that has not
    /// had them yet, at most this many behind the last LSN (past it the
    /// endpoint is disabled: `server::webhooks`).
    pub webhook_lag_records_max: u64,
    /// How long a request waits for a leader to be elected before NOT_LEADER.
    pub leader_wait: Duration,
    /// How long a proposal may wait to be committed before its requests are
    /// answered NOT_COMMITTED (it may still commit later).
    pub commit_timeout: Duration,
    /// Test hook: wait this long before each write of the Raft log (0 in
    /// production). Lets tests show that no reply leaves before its batch is
    /// durable.
    pub debug_commit_delay: Duration,
    /// How several codes on one order stack (`--stack-max-codes`,
    /// `--stack-base`).
    pub stack: StackPolicy,
    /// Whether the leader's decisions keep analytics (`usage`: effect 31;
    /// views, effect 32, are the server's): `--analytics false` turns them
    /// off, and ANALYTICS_* then answer what was counted before.
    pub analytics: bool,
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
            webhook_lag_records_max: 5_000_000,
            leader_wait: Duration::from_secs(3),
            commit_timeout: Duration::from_secs(5),
            debug_commit_delay: Duration::ZERO,
            stack: StackPolicy::default(),
            analytics: true,
        }
    }
}

/// Where connections send mutations. Cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
}

/// A started writer: the handle, and what to wait for when stopping (the
/// decider thread ends once every handle is dropped and the queue is
/// drained; the dispatcher once every proposal is answered).
pub struct Started {
    pub writer: Writer,
    pub decider: std::thread::JoinHandle<()>,
    pub dispatcher: tokio::task::JoinHandle<()>,
}

/// The decider's standing within one leader term.
struct Tenure {
    term: u64,
    /// The last proposal's number in this tenure.
    seq: u64,
    /// What the next proposal is decided on top of (0: the applied state alone).
    prev_seq: u64,
    cursor: Cursor,
    /// Overlays of proposals not yet applied, oldest first.
    earlier: VecDeque<(u64, Overlay)>,
    last_time_ms: i64,
}

impl Writer {
    /// Starts the decider thread and the dispatcher task (call within the
    /// tokio runtime). They stop when every `Writer` clone is dropped, after
    /// finishing what is queued; join the handle to wait for the decider.
    pub fn start(
        cell: Arc<CoreCell>,
        config: WriterConfig,
        proposer: Arc<dyn Proposer>,
        in_flight: Arc<InFlight>,
    ) -> std::io::Result<Started> {
        let (queue, rx) = mpsc::channel(config.queue_capacity);
        let (to_dispatch, dispatching) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Handle::current();
        let dispatcher = tokio::spawn(in_flight::dispatch_loop(
            dispatching,
            in_flight.clone(),
            config.commit_timeout,
        ));
        let decider = std::thread::Builder::new()
            .name("couponsd-writer".into())
            .spawn(move || {
                let decider = Decider {
                    cell,
                    config,
                    proposer,
                    in_flight,
                    to_dispatch,
                    runtime,
                };
                decider.run(rx);
                tracing::info!("writer stopped: queue closed and drained");
            })?;
        Ok(Started {
            writer: Writer { queue },
            decider,
            dispatcher,
        })
    }

    /// Mutations queued for the decider and not yet taken.
    pub fn queued(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Queues a mutation and waits until it is applied (or refused).
    pub async fn submit(&self, mutation: Mutation) -> Result<Response> {
        let (reply, done) = oneshot::channel();
        self.submit_to(mutation, Box::new(reply));
        done.await.map_err(|_| Error::ShuttingDown)?
    }

    /// Queues a mutation; `reply` gets the answer once its batch is applied,
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

/// Decides one mutation and applies what it decided: the one place a
/// mutation changes its batch. First the housekeeping it calls for (a hold
/// it names, past its TTL, is expired as its own record), then its plan, as
/// one record; a refusal is an answer and nothing else. Err: the store
/// failed (the batch is abandoned).
fn execute(
    batch: &mut Batch,
    mutation: &Mutation,
    config: &WriterConfig,
) -> crate::storage::Result<Result<Response>> {
    if let Some(expiry) = ops::expire_named_hold(batch, mutation, config)? {
        let _ = batch.apply(expiry);
    }
    Ok(ops::decide(batch, mutation, config)?.and_then(|plan| batch.apply(plan)))
}

fn fail_all(jobs: Vec<Job>, error: impl Fn() -> Error) {
    for job in jobs {
        job.reply.send(Err(error()));
    }
}

struct Decider {
    cell: Arc<CoreCell>,
    config: WriterConfig,
    proposer: Arc<dyn Proposer>,
    in_flight: Arc<InFlight>,
    to_dispatch: mpsc::UnboundedSender<((u64, u64), Proposed)>,
    runtime: tokio::runtime::Handle,
}

impl Decider {
    fn run(&self, mut rx: mpsc::Receiver<Job>) {
        let mut tenure: Option<Tenure> = None;
        // Requests left over when a batch reached its size limit.
        let mut carried: VecDeque<Job> = VecDeque::new();
        loop {
            let first = match carried.pop_front() {
                Some(job) => job,
                None => match rx.blocking_recv() {
                    Some(job) => job,
                    None => return,
                },
            };
            let mut jobs = vec![first];
            self.take_waiting(&mut jobs, &mut carried, &mut rx);
            let term = match self.leadership() {
                Ok(term) => term,
                Err(e) => {
                    tenure = None;
                    let e = std::sync::Arc::new(e);
                    fail_all(jobs, || e.again());
                    continue;
                }
            };
            // A node that cannot write its files refuses changes before
            // deciding them: nothing of them is stored, now or later.
            if let Some(why) = self.writes_refused() {
                fail_all(jobs, || Error::StorageUnavailable(why.clone()));
                continue;
            }
            let restart = self.in_flight.broken() || tenure.as_ref().is_none_or(|t| t.term != term);
            if restart {
                tenure = match self.begin_tenure(term) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        let e = std::sync::Arc::new(e);
                        fail_all(jobs, || e.again());
                        continue;
                    }
                };
            }
            let Some(t) = tenure.as_mut() else { continue };
            let room = self.in_flight.wait_room(
                PROPOSALS_IN_FLIGHT_MAX,
                self.config.commit_timeout,
                || self.writes_refused().is_some(),
            );
            if let Some(why) = self.writes_refused() {
                fail_all(jobs, || Error::StorageUnavailable(why.clone()));
                continue;
            }
            if !room {
                fail_all(jobs, || Error::NoQuorum);
                continue;
            }
            // What arrived while the proposals in flight committed joins
            // this batch: one log write and one replication round for all
            // of it, not a small batch now and the rest after.
            self.take_waiting(&mut jobs, &mut carried, &mut rx);
            let leftover = self.decide_and_propose(t, jobs);
            if leftover.is_err() {
                tenure = None;
            }
            if let Ok(rest) = leftover {
                carried.extend(rest);
            }
        }
    }

    /// Adds the requests waiting (those carried over first, in order) to
    /// `jobs`, up to `max_batch`.
    fn take_waiting(
        &self,
        jobs: &mut Vec<Job>,
        carried: &mut VecDeque<Job>,
        rx: &mut mpsc::Receiver<Job>,
    ) {
        while jobs.len() < self.config.max_batch {
            match carried.pop_front().map_or_else(|| rx.try_recv().ok(), Some) {
                Some(job) => jobs.push(job),
                None => break,
            }
        }
    }

    /// Why this node cannot store changes now, if it cannot (see
    /// `storage::Health`).
    fn writes_refused(&self) -> Option<String> {
        self.cell.load().store.health().writes_refused()
    }

    /// This node's term as the deciding leader, waiting for an election in
    /// progress to end (up to `leader_wait`).
    fn leadership(&self) -> Result<u64> {
        let deadline = Instant::now() + self.config.leader_wait;
        loop {
            match self.proposer.standing() {
                Standing::Leading { term } => return Ok(term),
                Standing::Following { leader } => return Err(Error::NotLeader { leader }),
                Standing::Stopped => return Err(Error::ShuttingDown),
                Standing::Electing => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Error::NotLeader {
                            leader: String::new(),
                        });
                    }
                    self.proposer.wait_for_change(left);
                }
            }
        }
    }

    /// Starts deciding in `term`, on the applied state, once nothing decided
    /// earlier is in flight and everything committed is applied. The first
    /// leader of a new cluster first chooses the key secret (see
    /// `state::Effect::KeySecret`).
    fn begin_tenure(&self, term: u64) -> Result<Tenure> {
        if !self.in_flight.wait_room(1, self.config.commit_timeout, || {
            self.writes_refused().is_some()
        }) {
            return Err(match self.writes_refused() {
                Some(why) => Error::StorageUnavailable(why),
                None => Error::NoQuorum,
            });
        }
        self.proposer.catch_up()?;
        tracing::info!(term, "leading: deciding writes in this term");
        self.in_flight.clear_broken();
        let core = self.cell.load();
        // A leader can lead the same term again after a restart: its numbers
        // go on from the last batch of the term applied.
        let (last_term, last_seq) = core.state.last_batch();
        let seq = if last_term == term { last_seq } else { 0 };
        let mut tenure = Tenure {
            term,
            seq,
            prev_seq: 0,
            cursor: Cursor::from_state(&core.state),
            earlier: VecDeque::new(),
            last_time_ms: i64::MIN,
        };
        if !core.state.has_key_secret() {
            let now = core.state.clock.now(now_ms());
            let mut batch = Batch::new(
                &core.state,
                &tenure.earlier,
                &core.store,
                term,
                tenure.cursor,
                now,
            );
            let plan = ops::choose_key_secret(&batch);
            // Its reply is no one's.
            let _ = batch.apply(plan);
            let decided = batch.finish();
            let proposal = Proposal {
                term,
                seq: seq + 1,
                prev_seq: 0,
                base_lsn: tenure.cursor.next_lsn - 1,
                time_ms: now,
                records: decided.records,
                decided: Some(DecidedOnce::new(decided.decided)),
            };
            let proposed = self.proposer.propose(proposal)?;
            if !self.runtime.block_on(proposed)? {
                return Err(Error::NotLeader {
                    leader: String::new(),
                });
            }
            tracing::info!(term, "chose the key secret for customer and order ids");
            tenure.seq = seq + 1;
            tenure.prev_seq = seq + 1;
            tenure.cursor = Cursor::from_state(&core.state);
        }
        Ok(tenure)
    }

    /// Decides `jobs` into one proposal (up to its size limit) and proposes
    /// it; returns the jobs that did not fit. Err: the tenure is over.
    fn decide_and_propose(&self, t: &mut Tenure, jobs: Vec<Job>) -> Result<Vec<Job>, ()> {
        let started = Instant::now();
        let core = self.cell.load();
        let applied = self.in_flight.applied();
        while t
            .earlier
            .front()
            .is_some_and(|(seq, _)| (t.term, *seq) <= applied)
        {
            t.earlier.pop_front();
        }
        // Never before the previous batch, whatever the wall clock does.
        let now = core.state.clock.now(now_ms()).max(t.last_time_ms);
        let base_lsn = t.cursor.next_lsn - 1;
        // The store is read (if at all) after dropping the applied overlays, so
        // it sees their rows.
        let mut batch = Batch::new(&core.state, &t.earlier, &core.store, t.term, t.cursor, now);
        batch.analytics = self.config.analytics;
        let mut results = Vec::with_capacity(jobs.len());
        let mut decided_jobs = Vec::with_capacity(jobs.len());
        let mut jobs = jobs.into_iter();
        let mut broken: Option<StorageError> = None;
        for job in jobs.by_ref() {
            // A bug in one mutation must not take the writer down with it.
            let executed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                execute(&mut batch, &job.mutation, &self.config)
            }));
            let Ok(executed) = executed else {
                tracing::error!(mutation = ?job.mutation, "a mutation panicked; batch abandoned");
                broken = Some(StorageError::Database(
                    "internal error while deciding the batch".into(),
                ));
                decided_jobs.push(job);
                break;
            };
            match executed {
                Ok(result) => {
                    results.push(result);
                    decided_jobs.push(job);
                }
                // A stored row that fails its checksum is this request's
                // refusal (CORRUPT_DATA): deciding changed nothing (a plan
                // is applied whole or not at all), so the rest of the batch
                // goes on.
                Err(e @ StorageError::Corrupt { .. }) => {
                    tracing::error!(error = %e, mutation = ?job.mutation, "a stored row is corrupt; request refused");
                    results.push(Err(Error::Storage(e)));
                    decided_jobs.push(job);
                }
                Err(e) => {
                    broken = Some(e);
                    decided_jobs.push(job);
                    break;
                }
            }
            if batch.records_len() >= PROPOSAL_BYTES_MAX {
                break;
            }
        }
        let rest: Vec<Job> = jobs.collect();
        if let Some(cause) = broken {
            static ABANDONED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
            if let Some(s) = ABANDONED.admit() {
                tracing::error!(reason = %cause, "batch abandoned; nothing of it was applied{s}");
            }
            fail_all(decided_jobs, || Error::Storage(cause.again()));
            // The others were not decided: an I/O error is theirs too (the
            // store cannot be read), anything else only the one request's.
            fail_all(rest, || {
                Error::Storage(if cause.is_unavailable() {
                    cause.again()
                } else {
                    StorageError::Database("an earlier request of its batch failed".into())
                })
            });
            // The overlays of this batch are gone with it: start over.
            return Err(());
        }
        let decided = batch.finish();
        if decided.records.is_empty() && self.in_flight.in_flight() == 0 {
            // Nothing to write, and decided on the applied state alone: the
            // answers stand without a log entry (an idle sweep, a refusal).
            for (job, result) in decided_jobs.into_iter().zip(results) {
                job.reply.send(result);
            }
            return Ok(rest);
        }
        let proposal = Proposal {
            term: t.term,
            seq: t.seq + 1,
            prev_seq: t.prev_seq,
            base_lsn,
            time_ms: now,
            records: decided.records,
            decided: Some(DecidedOnce::new(decided.decided)),
        };
        debug_assert!(proposal.encoded_len() <= PROPOSAL_BYTES_MAX * 2);
        let key = (t.term, t.seq + 1);
        let requests = decided_jobs.len();
        // Registered first: the applier may resolve it before `propose` returns.
        self.in_flight.register(key, decided_jobs, results);
        let proposed = match self.proposer.propose(proposal) {
            Ok(p) => p,
            Err(e) => {
                self.in_flight.resolve(key, Fate::Dropped(e));
                return Err(());
            }
        };
        crate::metrics::batch_proposed(requests);
        t.seq += 1;
        t.prev_seq = t.seq;
        t.cursor = decided.cursor;
        t.last_time_ms = now;
        t.earlier.push_back((t.seq, decided.overlay));
        tracing::trace!(
            seq = t.seq,
            requests,
            decide_us = started.elapsed().as_micros() as u64,
            "proposed"
        );
        if self.to_dispatch.send((key, proposed)).is_err() {
            self.in_flight
                .resolve(key, Fate::Dropped(Error::ShuttingDown));
        }
        Ok(rest)
    }
}
