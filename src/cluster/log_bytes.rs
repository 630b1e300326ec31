//! The Raft log's size in bytes, for its bound in bytes
//! (`--raft-log-keep-mib`). openraft bounds the log in entries, but an entry
//! holds one batch, from one request to `max_batch` of them: the same count
//! of entries is megabytes under light load and gigabytes under pipelined
//! load. After a crash, opening the log reads every entry it holds (redb's
//! repair), so its bytes are what such a restart pays, and what a disk holds.
//!
//! `bound_loop` asks openraft, once a second, to purge the oldest entries
//! while the log holds more than the bound: after a snapshot that covers
//! them (it triggers one if needed), and never while a follower is still
//! being sent them (openraft waits; a follower that needs them later gets a
//! snapshot, as for entries the entry bound let go).
//!
//! Sizes are known for the entries appended since the node started; older
//! ones count as nothing (they go with the first purge past them).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::types::Raft;

/// How often `bound_loop` compares the log with its bound.
const CHECK_INTERVAL_MS: u64 = 1000;

/// The encoded sizes of the log's entries appended since start.
#[derive(Default, Debug)]
pub struct LogBytes {
    /// (index, encoded bytes), oldest first, indexes increasing.
    entries: VecDeque<(u64, u64)>,
    total: u64,
}

impl LogBytes {
    pub fn appended(&mut self, index: u64, bytes: u64) {
        // An index at or below the last replaces a suffix (openraft truncates
        // first; this keeps the order even if it did not).
        self.truncated_from(index);
        self.entries.push_back((index, bytes));
        self.total += bytes;
    }

    /// The entries from `index` on were removed (a conflicting suffix).
    pub fn truncated_from(&mut self, index: u64) {
        while let Some(&(last, bytes)) = self.entries.back() {
            if last < index {
                break;
            }
            self.entries.pop_back();
            self.total -= bytes;
        }
    }

    /// The entries through `index` were purged.
    pub fn purged_through(&mut self, index: u64) {
        while let Some(&(first, bytes)) = self.entries.front() {
            if first > index {
                break;
            }
            self.entries.pop_front();
            self.total -= bytes;
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The index to purge through so that at most `max` bytes stay; None
    /// when they already do.
    pub fn purge_point(&self, max: u64) -> Option<u64> {
        if self.total <= max {
            return None;
        }
        let mut kept = 0;
        for &(index, bytes) in self.entries.iter().rev() {
            if kept + bytes > max {
                return Some(index);
            }
            kept += bytes;
        }
        debug_assert!(false, "the entries add up to more than max");
        self.entries.back().map(|&(index, _)| index)
    }
}

/// Keeps the log within `max_bytes` (see the module comment) until Raft stops.
pub async fn bound_loop(raft: Raft, bytes: Arc<Mutex<LogBytes>>, max_bytes: u64) {
    let mut tick = tokio::time::interval(Duration::from_millis(CHECK_INTERVAL_MS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let metrics = raft.metrics();
    loop {
        tick.tick().await;
        let (stopped, applied, snapshot) = {
            let m = metrics.borrow();
            (
                m.running_state.is_err(),
                m.last_applied.map(|id| id.index),
                m.snapshot.map(|id| id.index),
            )
        };
        if stopped {
            return;
        }
        let point = bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .purge_point(max_bytes);
        // A snapshot covers what is applied, no further.
        let Some(through) = point.zip(applied).map(|(p, a)| p.min(a)) else {
            continue;
        };
        if snapshot.is_none_or(|s| s < through) && raft.trigger().snapshot().await.is_err() {
            return;
        }
        // openraft purges no further than the last snapshot: what the one
        // just asked for does not cover yet goes at a later tick.
        if raft.trigger().purge_log(through).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of(sizes: &[(u64, u64)]) -> LogBytes {
        let mut b = LogBytes::default();
        for &(index, bytes) in sizes {
            b.appended(index, bytes);
        }
        b
    }

    #[test]
    fn the_purge_point_keeps_the_newest_entries_within_the_bound() {
        let b = bytes_of(&[(1, 100), (2, 100), (3, 50), (4, 30)]);
        assert_eq!(b.total(), 280);
        assert_eq!(b.purge_point(280), None, "within the bound already");
        assert_eq!(b.purge_point(279), Some(1));
        assert_eq!(b.purge_point(180), Some(1), "2, 3 and 4 make 180");
        assert_eq!(b.purge_point(179), Some(2));
        assert_eq!(b.purge_point(30), Some(3));
        assert_eq!(b.purge_point(29), Some(4), "even the newest is too big");
    }

    #[test]
    fn purges_and_truncations_take_their_entries_out_of_the_total() {
        let mut b = bytes_of(&[(5, 10), (6, 20), (7, 30), (8, 40)]);
        b.purged_through(6);
        assert_eq!(b.total(), 70);
        b.truncated_from(8);
        assert_eq!(b.total(), 30);
        // A new leader's entry at an index already held replaces it.
        b.appended(7, 5);
        assert_eq!(b.total(), 5);
        assert_eq!(b.purge_point(4), Some(7));
        b.purged_through(100);
        assert_eq!((b.total(), b.purge_point(0)), (0, None));
    }
}
