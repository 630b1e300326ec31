//! Applying committed Raft entries to the state machine: the same on every
//! node, leader or follower. For each proposal that follows the chain (see
//! `Proposal::follows`) its records are decoded and checked, the rows they
//! imply are derived (`rows::for_record`, the one derivation), and everything
//! is written in one transaction with the chain, the cluster's time and the
//! Raft log position; only then are the records applied to the in-memory
//! state, which makes them visible to readers.
//!
//! These commits skip the fsync, and most are written behind (the store
//! commits them in groups, and before any read sees the file): the Raft log
//! holds every entry durably before it is applied, so after a crash the
//! state machine re-applies from its last durable commit. Every 250 ms
//! (`DURABLE_INTERVAL`) the flusher thread makes everything committed so
//! far durable, off this path (`flusher`), and so is everything before a
//! checkpoint is stored or the Raft log may be purged (see
//! `Applier::flush`), so that what is re-applied stays short and the log
//! still holds it. The commit before each such flush records how far
//! `raft.redb` is durable, and the flusher then tells the Raft log how far
//! this file is (`DurableIndexes`), so that an older copy of either file is
//! refused at start (`binding`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::checkpointer::Checkpointer;
use super::core::CoreCell;
use super::flusher::Flusher;
use super::in_flight::{Fate, InFlight};
use super::proposal::{Chain, Proposal};
use super::retention::Retention;
use super::rows;
use super::WriterConfig;
use crate::state::LogRecord;
use crate::storage::binding::DurableIndexes;
use crate::storage::{write_keys, Changes, StorageError};

/// How often the applied commits are made durable anyway (by the flusher).
/// Shorter flushes each carry fewer rows, so the data file's writeback holds
/// the Raft log's fsync back less (same disk): every 250 ms instead of every
/// second cut the pinned p99 by 9-28% in six runs of six, throughput the
/// same within the machine's noise (2026-12-07).
const DURABLE_INTERVAL: Duration = Duration::from_millis(250);

/// One committed entry to apply.
pub enum Applying<'a> {
    Proposal(&'a Proposal),
    /// An entry of the consensus itself (a new leader's blank entry, a
    /// membership change): no records, no rows.
    Consensus,
}

pub struct Applier {
    cell: Arc<CoreCell>,
    checkpointer: Checkpointer,
    retention: Retention,
    chain: Chain,
    durable_at: Instant,
    config: WriterConfig,
    /// This node's own proposals, answered the moment they apply.
    in_flight: Arc<InFlight>,
    /// Shared with the Raft log's writer (see `binding`).
    durable: Arc<DurableIndexes>,
    /// Makes the main file durable every `DURABLE_INTERVAL`, off this path.
    flusher: Flusher,
    /// A finished checkpoint's LSN not yet recorded in a stored commit (one
    /// that failed with an I/O error is tried again: it must carry it too).
    checkpoint_to_note: Option<u64>,
}

fn corrupt(lsn: u64, reason: String) -> StorageError {
    StorageError::Corrupt {
        table: "raft log",
        key: format!("record {lsn}"),
        reason,
    }
}

impl Applier {
    pub fn new(
        cell: Arc<CoreCell>,
        config: &WriterConfig,
        in_flight: Arc<InFlight>,
        durable: Arc<DurableIndexes>,
    ) -> Result<Applier, StorageError> {
        let core = cell.load();
        let checkpointer = Checkpointer::start(core.store.clone(), config.checkpoint_min_records)?;
        let retention = Retention::new(
            config.log_retention_records,
            config.webhook_lag_records_max,
            checkpointer.last_lsn(),
            core.store.read()?.first_lsn()?,
        );
        let chain = stored_chain(&core.store)?;
        debug_assert_eq!(chain.last_lsn, core.state.applied_lsn());
        core.state.set_last_batch(chain.last_batch);
        drop(core);
        Ok(Applier {
            flusher: Flusher::start(cell.clone(), durable.clone())?,
            cell,
            checkpointer,
            retention,
            chain,
            durable_at: Instant::now(),
            config: config.clone(),
            in_flight,
            durable,
            checkpoint_to_note: None,
        })
    }

    /// Starts over on the current core (after a snapshot replaced it).
    pub fn reset(&mut self) -> Result<(), StorageError> {
        *self = Applier::new(
            self.cell.clone(),
            &self.config,
            self.in_flight.clone(),
            self.durable.clone(),
        )?;
        Ok(())
    }

    /// Applies `entries` in order, storing `cluster` (the Raft position they
    /// bring the state machine to: through `index`) with them. Returns, for
    /// each entry, whether it applied (false: a proposal that did not follow
    /// the chain, which changed nothing).
    ///
    /// After an I/O error nothing of them is stored or applied (the store
    /// is reopened as of before them): call again with the same entries
    /// until it works. A batch is never skipped or half applied.
    pub fn apply(
        &mut self,
        entries: &[Applying],
        index: u64,
        cluster: &[(&'static str, Vec<u8>)],
    ) -> Result<Vec<bool>, StorageError> {
        let core = self.cell.load();
        let mut changes = Changes::default();
        // Each applied proposal's records: the leader's own as it decided
        // them (taken: a retry after an I/O error decodes them), anyone
        // else's decoded here.
        let mut applied: Vec<Vec<LogRecord>> = Vec::new();
        // (term, seq) of each proposal met, and whether it applied.
        let mut fates: Vec<((u64, u64), bool)> = Vec::new();
        let mut outcomes = Vec::with_capacity(entries.len());
        let mut chain = self.chain;
        for entry in entries {
            let Applying::Proposal(proposal) = entry else {
                outcomes.push(true);
                continue;
            };
            if !proposal.follows(chain) {
                tracing::warn!(
                    ?proposal,
                    ?chain,
                    "a proposal decided on another state is void (its leader was replaced)"
                );
                // Its decided records are of no use: let them go now.
                drop(proposal.decided.as_ref().and_then(|d| d.take()));
                outcomes.push(false);
                fates.push(((proposal.term, proposal.seq), false));
                continue;
            }
            let records = match proposal.decided.as_ref().and_then(|d| d.take()) {
                Some(decided) if decided.len() == proposal.records.len() => decided,
                _ => decode(proposal, chain.last_lsn)?,
            };
            for (i, (record, raw)) in records.iter().zip(&proposal.records).enumerate() {
                let lsn = chain.last_lsn + 1 + i as u64;
                if record.lsn != lsn {
                    return Err(corrupt(
                        lsn,
                        format!("record {} where {lsn} belongs", record.lsn),
                    ));
                }
                rows::for_record(record, raw.clone(), &mut changes);
            }
            applied.push(records);
            fates.push(((proposal.term, proposal.seq), true));
            chain = proposal.next(chain);
            outcomes.push(true);
        }
        changes.set_meta(write_keys::LAST_BATCH_TERM, chain.last_batch.0);
        changes.set_meta(write_keys::LAST_BATCH_SEQ, chain.last_batch.1);
        let newest = applied
            .iter()
            .flat_map(|r| r.iter())
            .map(|r| r.timestamp)
            .max();
        if let Some(last) = newest {
            changes.set_meta(
                write_keys::CLOCK_MS,
                u64::try_from(last.max(core.state.clock.last_ms())).unwrap_or(0),
            );
        }
        for (key, value) in cluster {
            changes.set_cluster(key, value.clone());
        }
        if let Some(lsn) = self.checkpointer.take_finished() {
            self.retention.checkpointed(lsn);
            self.checkpoint_to_note = Some(lsn);
        }
        if let Some(lsn) = self.checkpoint_to_note {
            changes.note_checkpoint(lsn);
        }
        let webhooks_need = core
            .state
            .webhooks_oldest_position()
            .map(couponsd_client::wire::event_lsn);
        let cut = self.retention.due(chain.last_lsn, webhooks_need);
        if let Some(lsn) = cut {
            changes.truncate_log_through(lsn);
        }
        let durable = self.durable_at.elapsed() >= DURABLE_INTERVAL;
        if durable {
            // Entries through `index` are committed, so never truncated: what
            // of them raft.redb holds durably now, it holds for good.
            changes.note_raft_durable(index.min(self.durable.raft()));
        }
        core.store.commit(changes, false)?;
        self.checkpoint_to_note = None;
        if durable {
            // Made durable by the flusher, which then tells the Raft log.
            self.durable_at = Instant::now();
            self.flusher.request(index);
        }
        if let Some(lsn) = cut {
            self.retention.cut(lsn);
        }
        // Stored (written behind, for the next read): make it visible.
        for record in applied.iter().flat_map(|r| r.iter()) {
            core.state.apply_record(record);
        }
        debug_assert_eq!(core.state.applied_lsn(), chain.last_lsn);
        core.state.set_last_batch(chain.last_batch);
        self.chain = chain;
        // Visible: answer the requests of this node's own proposals.
        for (key, applied) in fates {
            let fate = if applied { Fate::Applied } else { Fate::Void };
            self.in_flight.resolve(key, fate);
        }
        self.checkpointer.maybe_start(&core.state);
        Ok(outcomes)
    }

    /// Makes everything applied so far durable.
    pub fn flush(&mut self) -> Result<(), StorageError> {
        self.cell.load().store.flush()?;
        self.durable_at = Instant::now();
        Ok(())
    }
}

/// A proposal's records, decoded and checked.
fn decode(proposal: &Proposal, last_lsn: u64) -> Result<Vec<LogRecord>, StorageError> {
    let mut out = Vec::with_capacity(proposal.records.len());
    for (i, raw) in proposal.records.iter().enumerate() {
        let lsn = last_lsn + 1 + i as u64;
        out.push(LogRecord::decode(raw).map_err(|e| corrupt(lsn, e.to_string()))?);
    }
    Ok(out)
}

/// The chain as the store's last commit left it.
fn stored_chain(store: &crate::storage::Store) -> Result<Chain, StorageError> {
    let view = store.read()?;
    Ok(Chain {
        last_lsn: view.meta(write_keys::LAST_LSN)?,
        last_batch: (
            view.meta(write_keys::LAST_BATCH_TERM)?,
            view.meta(write_keys::LAST_BATCH_SEQ)?,
        ),
    })
}
