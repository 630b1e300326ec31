//! openraft's log storage over `storage::raft_log` (`raft.redb` and the
//! segment files of `raft-log/`).
//!
//! Appends return at once: the entries wait in memory (readable from there)
//! while one writer thread makes them durable. The thread takes every append
//! that is waiting and commits them in one transaction with one fsync, so a
//! follower that receives entries faster than its disk syncs still pays one
//! fsync per round, not per entry (group commit at the log). Votes, truncates
//! and purges go through the same thread, in order, and are waited for.
//!
//! A write that fails with an I/O error (a full disk) is never reported to
//! openraft, which would stop the node for good: the writer thread tries
//! the same write again, with backoff (`storage::retry`), until it is
//! stored, and only then completes it. An append is acknowledged (its
//! flush callback called) only once it is durable, so nothing is answered
//! that is not; meanwhile the failure is in `storage::Health`, and the
//! writer refuses new writes.
//!
//! The writer also keeps `DurableIndexes::raft` (how far this file is
//! durable) and records `DurableIndexes::data` (how far the data file is)
//! with its next write: see `storage::binding`.
//!
//! Recent entries stay in memory once durable too (`Recent`, bounded by
//! bytes): the state machine applies them and the leader sends them to the
//! followers right after they are appended, and reading them back from the
//! file would cost a copy and a decode each time.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb, LogState, RaftLogId, RaftLogReader};
use tokio::sync::oneshot;

use super::codec::{self, decode_entry, encode_entry};
use super::log_bytes::LogBytes;
use super::types::{storage_error, Entry, LogId, StorageError, TypeConfig, Vote};
use crate::storage::binding::{self, DurableIndexes};
use crate::storage::raft_log::{keys, LogWrite, RaftLogFile};
use crate::storage::retry::{self, Backoff};
use crate::storage::Health;

/// Most entries one read returns (openraft asks for ranges; replication
/// sends at most `max_payload_entries` of them per message anyway).
const MAX_ENTRIES_PER_READ: usize = 4096;
/// Durable entries kept in memory, at most this many bytes (encoded).
const RECENT_BYTES_MAX: usize = 32 << 20;
/// How often, at most, an append also writes the committed log id (a hint:
/// see `save_committed`): with every append, it made each commit of the log
/// write a second table. Other writes carry it whenever it moved.
const COMMITTED_HINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Entries in memory: every one not yet durable (they must be readable), and
/// the most recent durable ones within `RECENT_BYTES_MAX`.
#[derive(Default)]
struct Recent {
    /// index -> (entry, its encoded size, whether it is durable)
    entries: BTreeMap<u64, (Entry, usize, bool)>,
    durable_bytes: usize,
}

impl Recent {
    fn insert(&mut self, entry: Entry, size: usize) {
        if let Some((_, old_size, true)) = self
            .entries
            .insert(entry.log_id.index, (entry, size, false))
        {
            self.durable_bytes -= old_size;
        }
    }

    /// The entry at `id`'s index is durable, if it is still that entry.
    fn flushed(&mut self, id: LogId) {
        if let Some((entry, size, durable)) = self.entries.get_mut(&id.index) {
            if entry.log_id == id && !*durable {
                *durable = true;
                self.durable_bytes += *size;
            }
        }
        // Forget the oldest durable entries past the bound (never one that
        // is not durable yet: it is readable only from here).
        while self.durable_bytes > RECENT_BYTES_MAX {
            let Some((&index, &(_, size, true))) = self.entries.iter().next() else {
                break;
            };
            self.entries.remove(&index);
            self.durable_bytes -= size;
        }
    }

    fn retain(&mut self, keep: impl Fn(u64) -> bool) {
        let durable_bytes = &mut self.durable_bytes;
        self.entries.retain(|&index, (_, size, durable)| {
            let kept = keep(index);
            if !kept && *durable {
                *durable_bytes -= *size;
            }
            kept
        });
    }
}

struct Shared {
    file: RaftLogFile,
    /// Recent entries, readable from here (see `Recent`).
    recent: Mutex<Recent>,
    /// The last committed log id openraft told us of, written with the next
    /// write (it is only a hint after a restart).
    committed: Mutex<Option<LogId>>,
    committed_dirty: AtomicBool,
    /// Shared with the state machine's applier (see `storage::binding`).
    durable: Arc<DurableIndexes>,
    /// The entries' sizes, for the log's bound in bytes (`log_bytes`).
    bytes: Arc<Mutex<LogBytes>>,
}

enum Op {
    Append {
        entries: Vec<(u64, Vec<u8>)>,
        ids: Vec<LogId>,
        done: LogFlushed<TypeConfig>,
    },
    Write {
        writes: Vec<LogWrite>,
        durable: bool,
        done: oneshot::Sender<crate::storage::Result<()>>,
    },
}

/// The log storage openraft owns. Clones share the file and the writer
/// thread (the node keeps one for the cluster id).
#[derive(Clone)]
pub struct LogStore {
    shared: Arc<Shared>,
    ops: Sender<Op>,
}

/// A reader of the log for openraft's replication tasks.
#[derive(Clone)]
pub struct LogReader {
    shared: Arc<Shared>,
}

impl LogStore {
    /// Opens the Raft log in `dir` and starts its writer thread (it stops when
    /// the store is dropped). `debug_write_delay` (tests only) holds every
    /// append back that long before it is written. Failures to write the
    /// file go to `health`.
    pub fn open(
        dir: &Path,
        debug_write_delay: std::time::Duration,
        durable: Arc<DurableIndexes>,
        health: Arc<Health>,
    ) -> Result<LogStore, crate::storage::StorageError> {
        let file = RaftLogFile::open(dir, health)?;
        let facts = file.binding_facts(&codec::read_opt_index)?;
        durable
            .raft
            .store(facts.end_index().unwrap_or(0), Ordering::Release);
        let committed = file
            .meta(keys::COMMITTED)?
            .map(|raw| codec::read_opt_log_id(&mut couponsd_client::wire::Reader::new(&raw)))
            .transpose()
            .map_err(|e| crate::storage::StorageError::Corrupt {
                table: "raft_meta",
                key: keys::COMMITTED.into(),
                reason: e.to_string(),
            })?
            .flatten();
        let shared = Arc::new(Shared {
            file,
            recent: Mutex::new(Recent::default()),
            committed: Mutex::new(committed),
            committed_dirty: AtomicBool::new(false),
            durable,
            bytes: Arc::default(),
        });
        let (ops, incoming) = channel();
        let thread_shared = shared.clone();
        let dir = dir.to_path_buf();
        std::thread::Builder::new()
            .name("couponsd-raft-log".into())
            .spawn(move || write_loop(&thread_shared, &dir, incoming, debug_write_delay))?;
        Ok(LogStore { shared, ops })
    }

    /// The entries' sizes (see `log_bytes`).
    pub fn bytes(&self) -> Arc<Mutex<LogBytes>> {
        self.shared.bytes.clone()
    }

    pub fn cluster_id(&self) -> Result<u64, crate::storage::StorageError> {
        self.shared.file.cluster_id()
    }

    /// Waits for a write through the writer thread.
    async fn write(&self, writes: Vec<LogWrite>, durable: bool) -> Result<(), StorageError> {
        let (done, result) = oneshot::channel();
        let op = Op::Write {
            writes,
            durable,
            done,
        };
        let stopped = || {
            storage_error(
                ErrorSubject::Logs,
                ErrorVerb::Write,
                std::io::Error::other("the log writer stopped"),
            )
        };
        self.ops.send(op).map_err(|_| stopped())?;
        result
            .await
            .map_err(|_| stopped())?
            .map_err(|e| storage_error(ErrorSubject::Logs, ErrorVerb::Write, e))
    }

    /// Records the cluster id, durably (a new node learns it from its first
    /// leader; a new cluster sets it at genesis).
    pub async fn set_cluster_id(&self, id: u64) -> Result<(), StorageError> {
        let write = LogWrite::Meta {
            key: keys::CLUSTER_ID,
            value: id.to_be_bytes().to_vec(),
        };
        self.write(vec![write], true).await
    }

    /// Records the store id (see `storage::binding`), durably.
    pub async fn bind(&self, store_id: u64) -> Result<(), StorageError> {
        let write = LogWrite::Binding {
            key: binding::keys::STORE_ID,
            value: store_id,
        };
        self.write(vec![write], true).await
    }

    /// Durably records that the data file is durable through `data_index`
    /// (at a clean stop, once it was flushed).
    pub async fn flush_binding(&self, data_index: u64) -> Result<(), StorageError> {
        self.shared
            .durable
            .data
            .fetch_max(data_index, Ordering::AcqRel);
        self.write(Vec::new(), true).await
    }

    /// Closes the file cleanly (at a clean stop, once nothing writes).
    pub fn close(&self) {
        self.shared.file.close();
    }

    /// What this file says of itself and the data file (see `storage::binding`).
    pub fn binding_facts(&self) -> Result<binding::RaftFacts, crate::storage::StorageError> {
        self.shared.file.binding_facts(&codec::read_opt_index)
    }

    /// Marks the log as starting after `purged` (a state machine that begins
    /// from a snapshot at that log id: a migrated store).
    pub async fn set_purged(&self, purged: LogId) -> Result<(), StorageError> {
        let write = LogWrite::PurgeThrough {
            index: purged.index,
            purged: codec::encode(|w| codec::write_opt_log_id(w, &Some(purged))),
        };
        self.write(vec![write], true).await
    }

    /// A node that led when it stopped must win an election again before it
    /// leads: its committed vote for itself becomes a plain vote for itself
    /// in the same term (which still refuses every other candidate of that
    /// term), so openraft does not resume leading at start.
    pub async fn stand_down(&self, id: u64) -> Result<(), StorageError> {
        let raw = self.shared.file.meta(keys::VOTE).map_err(read_error)?;
        let Some(vote) = decode_meta(raw, codec::read_vote)? else {
            return Ok(());
        };
        if !vote.committed || vote.leader_id.node_id != id {
            return Ok(());
        }
        let plain = Vote::new(vote.leader_id.term, id);
        let write = LogWrite::Meta {
            key: keys::VOTE,
            value: codec::encode(|w| codec::write_vote(w, &plain)),
        };
        self.write(vec![write], true).await
    }

    /// Whether nothing was ever written: no vote, no entries, nothing purged.
    pub fn is_pristine(&self) -> Result<bool, crate::storage::StorageError> {
        Ok(self.shared.file.meta(keys::VOTE)?.is_none()
            && self.shared.file.meta(keys::PURGED)?.is_none()
            && self.shared.file.last_entry()?.is_none())
    }
}

fn write_loop(
    shared: &Shared,
    dir: &Path,
    incoming: Receiver<Op>,
    debug_write_delay: std::time::Duration,
) {
    let mut queue: VecDeque<Op> = VecDeque::new();
    // The data file's durable index as last written here.
    let mut data_written = shared
        .file
        .binding(binding::keys::DATA_DURABLE_INDEX)
        .unwrap_or(0);
    let mut hint_written_at = std::time::Instant::now();
    loop {
        if queue.is_empty() {
            match incoming.recv() {
                Ok(op) => queue.push_back(op),
                Err(_) => return,
            }
        }
        while let Ok(op) = incoming.try_recv() {
            queue.push_back(op);
        }
        // Every append at the front of the queue: one transaction, one fsync.
        let mut appends = Vec::new();
        while matches!(queue.front(), Some(Op::Append { .. })) {
            if let Some(Op::Append { entries, ids, done }) = queue.pop_front() {
                appends.push((entries, ids, done));
            }
        }
        if !appends.is_empty() {
            if !debug_write_delay.is_zero() {
                std::thread::sleep(debug_write_delay);
            }
            let mut writes: Vec<LogWrite> = appends
                .iter_mut()
                .map(|(entries, _, _)| LogWrite::Append(std::mem::take(entries)))
                .collect();
            if hint_written_at.elapsed() >= COMMITTED_HINT_INTERVAL {
                writes.extend(committed_write(shared));
                hint_written_at = std::time::Instant::now();
            }
            let data_index = shared.durable.data();
            writes.extend(data_index_write(data_index, data_written));
            let result = write_until_stored(shared, dir, &writes, true);
            let failed = result.as_ref().err().map(|e| e.to_string());
            if failed.is_none() {
                data_written = data_written.max(data_index);
                let mut recent = lock(&shared.recent);
                let mut last = 0;
                for (_, ids, _) in &appends {
                    for id in ids {
                        recent.flushed(*id);
                        last = last.max(id.index);
                    }
                }
                shared.durable.raft.fetch_max(last, Ordering::AcqRel);
            }
            for (_, _, done) in appends {
                done.log_io_completed(match &failed {
                    None => Ok(()),
                    Some(e) => Err(std::io::Error::other(e.clone())),
                });
            }
            continue;
        }
        if let Some(Op::Write {
            mut writes,
            durable,
            done,
        }) = queue.pop_front()
        {
            // Entries from a truncated index on are no longer durable here
            // (the ones that replace them will be once appended).
            for write in &writes {
                if let LogWrite::TruncateFrom(index) = write {
                    shared
                        .durable
                        .raft
                        .fetch_min(index.saturating_sub(1), Ordering::AcqRel);
                }
            }
            writes.extend(committed_write(shared));
            let data_index = shared.durable.data();
            writes.extend(data_index_write(data_index, data_written));
            let result = write_until_stored(shared, dir, &writes, durable);
            // Only a durable write keeps it for good: a reopen after an I/O
            // error (or a crash) may lose the others, so the next durable
            // write carries it again.
            if result.is_ok() && durable {
                data_written = data_written.max(data_index);
            }
            let _ = done.send(result);
        }
    }
}

/// Writes `writes`, trying again after an I/O error until they are stored
/// (see the module comment). Any other error is returned.
fn write_until_stored(
    shared: &Shared,
    dir: &Path,
    writes: &[LogWrite],
    durable: bool,
) -> crate::storage::Result<()> {
    retry::until_done(dir, || shared.file.write(writes, durable))
}

/// The data file's durable index, if it moved since it was last written.
fn data_index_write(index: u64, written: u64) -> Option<LogWrite> {
    (index > written).then_some(LogWrite::Binding {
        key: binding::keys::DATA_DURABLE_INDEX,
        value: index,
    })
}

/// The committed log id, if it changed since it was last written.
fn committed_write(shared: &Shared) -> Option<LogWrite> {
    if !shared.committed_dirty.swap(false, Ordering::AcqRel) {
        return None;
    }
    let committed = *lock(&shared.committed);
    Some(LogWrite::Meta {
        key: keys::COMMITTED,
        value: codec::encode(|w| codec::write_opt_log_id(w, &committed)),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_error(e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::Logs, ErrorVerb::Read, e)
}

impl Shared {
    /// Entries in `range` (see `read_entries`), waiting while the file is
    /// unreadable after an I/O error (it is being reopened).
    async fn entries<RB: RangeBounds<u64> + Clone>(
        &self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        let mut backoff = Backoff::default();
        loop {
            match self.read_entries(range.clone())? {
                Some(entries) => return Ok(entries),
                None => tokio::time::sleep(backoff.next_delay()).await,
            }
        }
    }

    /// Entries in `range`: None when the file cannot be read now.
    fn read_entries<RB: RangeBounds<u64>>(
        &self,
        range: RB,
    ) -> Result<Option<Vec<Entry>>, StorageError> {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s + 1,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => u64::MAX,
        };
        if start >= end {
            return Ok(Some(Vec::new()));
        }
        // Under the lock, so that an entry leaves `recent` only after the
        // file read below can see it. What is in memory is a run up to the
        // newest: the file holds everything before it.
        let recent = lock(&self.recent);
        let cached: Vec<Entry> = recent
            .entries
            .range(start..end)
            .map(|(_, (e, _, _))| e.clone())
            .collect();
        let file_end = cached.first().map_or(end, |e| e.log_id.index);
        let mut out = Vec::new();
        if start < file_end {
            let raw = match self.file.entries(start..file_end, MAX_ENTRIES_PER_READ) {
                Ok(raw) => raw,
                Err(e) if e.is_unavailable() => return Ok(None),
                Err(e) => return Err(read_error(e)),
            };
            drop(recent);
            for (index, bytes) in raw {
                let entry = decode_entry(&bytes).map_err(|e| {
                    storage_error(ErrorSubject::LogIndex(index), ErrorVerb::Read, e)
                })?;
                out.push(entry);
            }
            // Only a contiguous prefix is an answer: no holes.
            if out.last().map(|e| e.log_id.index + 1) != Some(file_end) {
                return Ok(Some(out));
            }
        }
        out.extend(cached);
        Ok(Some(out))
    }
}

impl RaftLogReader<TypeConfig> for LogReader {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.shared.entries(range).await
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.shared.entries(range).await
    }
}

fn decode_meta<T>(
    raw: Option<Vec<u8>>,
    read: impl FnOnce(
        &mut couponsd_client::wire::Reader,
    ) -> Result<T, couponsd_client::wire::DecodeError>,
) -> Result<Option<T>, StorageError> {
    raw.map(|raw| read(&mut couponsd_client::wire::Reader::new(&raw)))
        .transpose()
        .map_err(read_error)
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogReader;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let purged = decode_meta(
            self.shared.file.meta(keys::PURGED).map_err(read_error)?,
            codec::read_opt_log_id,
        )?
        .flatten();
        let cached_last = lock(&self.shared.recent)
            .entries
            .last_key_value()
            .map(|(_, (e, _, _))| e.log_id);
        let purged_index = purged.map(|p| p.index);
        let last = match cached_last {
            Some(id) => Some(id),
            // Entries through the purged index may still be there, in the
            // segment the purge kept (`storage::raft_log`): not the log.
            None => match self.shared.file.last_entry().map_err(read_error)? {
                Some((index, _)) if Some(index) <= purged_index => purged,
                Some((index, raw)) => Some(
                    decode_entry(&raw)
                        .map_err(|e| {
                            storage_error(ErrorSubject::LogIndex(index), ErrorVerb::Read, e)
                        })?
                        .log_id,
                ),
                None => purged,
            },
        };
        Ok(LogState {
            last_purged_log_id: purged,
            last_log_id: last,
        })
    }

    async fn get_log_reader(&mut self) -> LogReader {
        LogReader {
            shared: self.shared.clone(),
        }
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        let write = LogWrite::Meta {
            key: keys::VOTE,
            value: codec::encode(|w| codec::write_vote(w, vote)),
        };
        self.write(vec![write], true)
            .await
            .map_err(|e| storage_error(ErrorSubject::Vote, ErrorVerb::Write, e))
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        decode_meta(
            self.shared.file.meta(keys::VOTE).map_err(read_error)?,
            codec::read_vote,
        )
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        // Not waited for: it goes to disk with the next write that is not an
        // append, or with an append at most once a second
        // (`COMMITTED_HINT_INTERVAL`). openraft reads it only at start, to
        // apply what it knows is committed before it hears from a leader: an
        // older one only means that less is applied before then.
        *lock(&self.shared.committed) = committed;
        self.shared.committed_dirty.store(true, Ordering::Release);
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        Ok(*lock(&self.shared.committed))
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut encoded = Vec::new();
        let mut ids = Vec::new();
        {
            let mut recent = lock(&self.shared.recent);
            let mut sizes = lock(&self.shared.bytes);
            for entry in entries {
                let id = *entry.get_log_id();
                let bytes = encode_entry(&entry);
                recent.insert(entry, bytes.len());
                sizes.appended(id.index, bytes.len() as u64);
                encoded.push((id.index, bytes));
                ids.push(id);
            }
        }
        let op = Op::Append {
            entries: encoded,
            ids,
            done: callback,
        };
        if let Err(std::sync::mpsc::SendError(Op::Append { done, .. })) = self.ops.send(op) {
            done.log_io_completed(Err(std::io::Error::other("the log writer stopped")));
        }
        Ok(())
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        lock(&self.shared.recent).retain(|index| index < log_id.index);
        lock(&self.shared.bytes).truncated_from(log_id.index);
        self.write(vec![LogWrite::TruncateFrom(log_id.index)], true)
            .await
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        lock(&self.shared.recent).retain(|index| index > log_id.index);
        lock(&self.shared.bytes).purged_through(log_id.index);
        let write = LogWrite::PurgeThrough {
            index: log_id.index,
            purged: codec::encode(|w| codec::write_opt_log_id(w, &Some(log_id))),
        };
        // Durable: the segments it covers go once it is recorded, and a
        // purged id lost in a crash would leave the log with a hole.
        self.write(vec![write], true).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::{CommittedLeaderId, EntryPayload};

    fn entry(term: u64, index: u64) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(term, 1), index),
            payload: EntryPayload::Blank,
        }
    }

    #[test]
    fn recent_keeps_what_is_not_durable_and_a_bounded_tail_of_what_is() {
        let mut recent = Recent::default();
        let big = RECENT_BYTES_MAX / 4 + 1;
        for index in 1..=6 {
            recent.insert(entry(1, index), big);
        }
        // Nothing durable yet: everything stays, however large.
        assert_eq!(recent.entries.len(), 6);
        for index in 1..=5 {
            recent.flushed(entry(1, index).log_id);
        }
        // Durable bytes over the bound: the oldest durable ones go, in order.
        assert_eq!(
            recent.entries.keys().copied().collect::<Vec<_>>(),
            vec![3, 4, 5, 6]
        );
        assert!(recent.durable_bytes <= RECENT_BYTES_MAX);
        // An entry replaced after a truncate is not the one that was flushed.
        recent.retain(|i| i < 6);
        recent.insert(entry(2, 6), 10);
        recent.flushed(entry(1, 6).log_id);
        assert!(
            !recent.entries[&6].2,
            "a stale flush marked the new entry durable"
        );
        recent.flushed(entry(2, 6).log_id);
        assert!(recent.entries[&6].2);
        let sum: usize = recent
            .entries
            .values()
            .filter(|(_, _, durable)| *durable)
            .map(|(_, size, _)| *size)
            .sum();
        assert_eq!(recent.durable_bytes, sum);
    }

    /// A purge beyond the last entry (a snapshot installed past the log)
    /// leaves the entries of the newest segment below the purged index: the
    /// log is empty all the same, and ends at the purged log id.
    #[tokio::test]
    async fn entries_left_below_the_purged_index_are_not_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let file = RaftLogFile::open(dir.path(), Default::default()).unwrap();
        let entries = 128;
        let appended = (1..=entries)
            .map(|i| (i, codec::encode_entry(&entry(1, i))))
            .collect();
        let purged = entry(2, entries + 100).log_id;
        file.write(&[LogWrite::Append(appended)], true).unwrap();
        file.write(
            &[LogWrite::PurgeThrough {
                index: purged.index,
                purged: codec::encode(|w| codec::write_opt_log_id(w, &Some(purged))),
            }],
            true,
        )
        .unwrap();
        assert!(file.last_entry().unwrap().is_some(), "some are left");
        drop(file);
        let mut store = LogStore::open(
            dir.path(),
            std::time::Duration::ZERO,
            Default::default(),
            Default::default(),
        )
        .unwrap();
        let state = store.get_log_state().await.unwrap();
        assert_eq!(state.last_purged_log_id, Some(purged));
        assert_eq!(state.last_log_id, Some(purged));
    }
}
