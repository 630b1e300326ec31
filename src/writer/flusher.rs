//! Makes the main file durable every 250 ms (`apply::DURABLE_INTERVAL`),
//! off the apply path. The applier's commits skip the fsync (see `apply`);
//! before, one of them a second was durable, and its fsync (60-110 ms of a
//! busy second's rows here) held back every answer for as long: the
//! pipelined p99. The applier now asks this thread instead
//! (`Flusher::request`) and goes on: while the fsync runs, its commits wait
//! behind (`Store::commit`). Once it is done, the Raft log is told how far
//! the data file is durable (`DurableIndexes`).

use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use super::core::CoreCell;
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::storage::binding::DurableIndexes;
use crate::storage::retry::until_done;

pub struct Flusher {
    requests: SyncSender<u64>,
}

impl Flusher {
    /// Starts the thread; it stops once the `Flusher` is dropped (after the
    /// flush under way, if any: one that fails with an I/O error is tried
    /// again until it works).
    pub fn start(cell: Arc<CoreCell>, durable: Arc<DurableIndexes>) -> std::io::Result<Flusher> {
        let (requests, incoming) = sync_channel(1);
        std::thread::Builder::new()
            .name("couponsd-flush".into())
            .spawn(move || run(&cell, &durable, incoming))?;
        Ok(Flusher { requests })
    }

    /// Asks for a durable commit of everything committed so far, which
    /// applied the Raft log through `index`. Asked while one already waits,
    /// it adds nothing: the next one asks again.
    pub fn request(&self, index: u64) {
        let _ = self.requests.try_send(index);
    }
}

fn run(cell: &CoreCell, durable: &DurableIndexes, incoming: Receiver<u64>) {
    static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
    for index in incoming {
        // A snapshot may have replaced the store meanwhile: flushing the new
        // one is harmless, and it is durable through more than `index`.
        let store = cell.load().store.clone();
        // Tried again until it works, paced (`storage::retry`): until then
        // the node refuses writes (`storage::Health`), so nothing else
        // asks, and this is how writes resume once the disk has room.
        match until_done(store.dir(), || store.flush()) {
            Ok(()) => {
                durable.data.fetch_max(index, Ordering::AcqRel);
            }
            Err(e) => {
                if let Some(s) = FAILED.admit() {
                    tracing::error!(error = %e, "could not make the data file durable{s}");
                }
            }
        }
    }
}
