//! A follower's write path: log records shipped by the leader, applied in
//! order. Each batch of records is checked (checksum, epoch, no gap), written
//! with the rows its effects imply (the same `rows::for_record` the leader
//! uses, so both files hold the same rows) in one transaction together with
//! the new last LSN, committed durably, and only then applied to the state.

use std::sync::Arc;

use super::checkpointer::Checkpointer;
use super::retention::Retention;
use super::rows;
use super::WriterConfig;
use crate::state::{LogRecord, State};
use crate::storage::{write_keys, Changes, StorageError, Store};

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("record {lsn} is corrupt: {reason}")]
    Corrupt { lsn: u64, reason: String },
    #[error("record {got} does not follow {last}")]
    Gap { last: u64, got: u64 },
    #[error("record {lsn} has epoch {record}, older than {known}")]
    StaleEpoch { lsn: u64, record: u64, known: u64 },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub struct ReplicaApplier {
    store: Arc<Store>,
    state: Arc<State>,
    checkpointer: Checkpointer,
    retention: Retention,
    /// The highest epoch this node knows (its records' and its leader's).
    epoch: u64,
    /// The epoch of the last record applied.
    last_record_epoch: u64,
    /// Test hook, as `WriterConfig::debug_commit_delay`: a slow follower.
    debug_commit_delay: std::time::Duration,
}

impl ReplicaApplier {
    pub fn new(
        store: Arc<Store>,
        state: Arc<State>,
        config: &WriterConfig,
    ) -> Result<ReplicaApplier, ApplyError> {
        let view = store.read()?;
        let epoch = view.meta(write_keys::EPOCH)?.max(1);
        let last_record_epoch = epoch_of(&view.epochs()?, state.applied_lsn());
        drop(view);
        let checkpointer = Checkpointer::start(store.clone(), config.checkpoint_min_records)
            .map_err(StorageError::Io)?;
        let retention = Retention::new(config.log_retention_records, checkpointer.last_lsn());
        Ok(ReplicaApplier {
            store,
            state,
            checkpointer,
            retention,
            epoch,
            last_record_epoch,
            debug_commit_delay: config.debug_commit_delay,
        })
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn last_record_epoch(&self) -> u64 {
        self.last_record_epoch
    }

    /// Durably adopts a newer epoch learned from the leader.
    pub fn adopt_epoch(&mut self, epoch: u64) -> Result<(), ApplyError> {
        if epoch > self.epoch {
            let mut changes = Changes::default();
            changes.set_meta(write_keys::EPOCH, epoch);
            self.store.commit(&changes)?;
            self.epoch = epoch;
        }
        Ok(())
    }

    /// Verifies, writes and applies consecutive raw records; returns the LSN
    /// now durable. Nothing of a batch is applied if any record is refused.
    pub fn apply(&mut self, raw_records: Vec<Vec<u8>>) -> Result<u64, ApplyError> {
        let mut last = self.state.applied_lsn();
        let mut changes = Changes::default();
        let mut records = Vec::with_capacity(raw_records.len());
        let mut epoch = self.epoch;
        let mut last_record_epoch = self.last_record_epoch;
        for raw in raw_records {
            let record = LogRecord::decode(&raw).map_err(|e| ApplyError::Corrupt {
                lsn: last + 1,
                reason: e.to_string(),
            })?;
            if record.lsn != last + 1 {
                return Err(ApplyError::Gap {
                    last,
                    got: record.lsn,
                });
            }
            if record.epoch < last_record_epoch {
                return Err(ApplyError::StaleEpoch {
                    lsn: record.lsn,
                    record: record.epoch,
                    known: last_record_epoch,
                });
            }
            if record.epoch > last_record_epoch {
                // The first record of an epoch marks where it starts.
                changes.put_epoch(record.epoch, record.lsn);
                last_record_epoch = record.epoch;
            }
            if record.epoch > epoch {
                changes.set_meta(write_keys::EPOCH, record.epoch);
                epoch = record.epoch;
            }
            last = record.lsn;
            rows::for_record(&record, raw, &mut changes);
            records.push(record);
        }
        if records.is_empty() {
            return Ok(last);
        }
        if let Some(lsn) = self.checkpointer.take_finished() {
            self.retention.checkpointed(lsn);
        }
        let cut = self.retention.due(last);
        if let Some(lsn) = cut {
            changes.truncate_log_through(lsn);
        }
        if !self.debug_commit_delay.is_zero() {
            std::thread::sleep(self.debug_commit_delay);
        }
        self.store.commit(&changes)?;
        if let Some(lsn) = cut {
            self.retention.cut(lsn);
        }
        self.epoch = epoch;
        self.last_record_epoch = last_record_epoch;
        for record in &records {
            self.state.apply_record(record);
        }
        self.checkpointer.maybe_start(&self.state);
        Ok(last)
    }
}

/// The epoch that wrote `lsn`, by the epoch history (0 for LSN 0).
pub fn epoch_of(history: &[(u64, u64)], lsn: u64) -> u64 {
    if lsn == 0 {
        return 0;
    }
    history
        .iter()
        .filter(|(_, first)| *first <= lsn)
        .map(|(epoch, _)| *epoch)
        .max()
        .unwrap_or(1)
}
