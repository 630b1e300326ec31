//! Memory for replies not yet written to their sockets, bounded per
//! connection and in all, so that a client that sends and never reads holds
//! a bounded amount of the server's memory.
//!
//! A request is charged an estimate of its reply when it is read
//! (`reserve_bytes`), the estimate is swapped for the encoded reply's real
//! size when the reply is made, and the bytes are given back once written to
//! the socket (the buffer's capacity is what is counted). Before handling a
//! request, a connection waits until that estimate fits its share and the
//! server's, or until it holds nothing: a client that reads its replies can
//! always send one request, so a ping stays fast while others hoard.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::dispatch::{reads_long, PAGE_BYTES};

/// Charged for a request whose reply is one record or less, until it is made.
const SMALL_REPLY_RESERVE_BYTES: usize = 1024;
/// How often a connection waiting on the server-wide budget looks again
/// (other connections' writes free it; they do not wake this one).
const TOTAL_RECHECK: Duration = Duration::from_millis(10);

/// What a request is charged until its reply is made: a page for the
/// opcodes that answer with one, a small reply otherwise.
pub fn reserve_bytes(op: u16) -> usize {
    if reads_long(op) || op == couponsd_client::wire::opcode::BACKUP_PART {
        PAGE_BYTES
    } else {
        SMALL_REPLY_RESERVE_BYTES
    }
}

/// The server-wide count.
#[derive(Debug)]
pub struct ReplyMemory {
    held_bytes: AtomicUsize,
    max_bytes: usize,
}

impl ReplyMemory {
    pub fn new(max_bytes: usize) -> ReplyMemory {
        ReplyMemory {
            held_bytes: AtomicUsize::new(0),
            max_bytes,
        }
    }

    pub fn held_bytes(&self) -> usize {
        self.held_bytes.load(Ordering::Relaxed)
    }
}

/// One connection's count.
pub struct ConnReplies {
    held_bytes: AtomicUsize,
    max_bytes: usize,
    total: Arc<ReplyMemory>,
    written: Notify,
}

impl ConnReplies {
    pub fn new(max_bytes: usize, total: Arc<ReplyMemory>) -> ConnReplies {
        ConnReplies {
            held_bytes: AtomicUsize::new(0),
            max_bytes,
            total,
            written: Notify::new(),
        }
    }

    pub fn charge(&self, bytes: usize) {
        self.held_bytes.fetch_add(bytes, Ordering::Relaxed);
        self.total.held_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub fn release(&self, bytes: usize) {
        let before = self.held_bytes.fetch_sub(bytes, Ordering::Relaxed);
        debug_assert!(before >= bytes, "released more reply bytes than charged");
        let total_before = self.total.held_bytes.fetch_sub(bytes, Ordering::Relaxed);
        debug_assert!(total_before >= bytes);
        self.written.notify_one();
    }

    /// Swaps a reservation for the reply's real size.
    pub fn settle(&self, reserved: usize, actual: usize) {
        if actual > reserved {
            self.charge(actual - reserved);
        } else if reserved > actual {
            self.release(reserved - actual);
        }
    }

    /// Whether `bytes` more fit this connection's share and the server's.
    /// A connection holding nothing always has room for one reply, however
    /// large: that is what keeps a reading client's ping fast.
    fn has_room(&self, bytes: usize) -> bool {
        let held = self.held_bytes.load(Ordering::Relaxed);
        held == 0
            || (held + bytes <= self.max_bytes
                && self.total.held_bytes() + bytes <= self.total.max_bytes)
    }

    /// Waits until this connection may read another request (one byte more
    /// fits).
    pub async fn room(&self) {
        self.room_for(1).await
    }

    /// Waits until a reply of `bytes` fits; so a connection never holds
    /// more than its share plus nothing, or one reply alone.
    pub async fn room_for(&self, bytes: usize) {
        loop {
            let written = self.written.notified();
            tokio::pin!(written);
            written.as_mut().enable();
            if self.has_room(bytes) {
                return;
            }
            tokio::select! {
                _ = written => {}
                _ = tokio::time::sleep(TOTAL_RECHECK) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_reads_while_under_its_share_and_the_total() {
        let total = Arc::new(ReplyMemory::new(1000));
        let hoarder = ConnReplies::new(600, total.clone());
        let reader = ConnReplies::new(600, total.clone());
        hoarder.charge(500);
        assert!(hoarder.has_room(1));
        assert!(!hoarder.has_room(101), "a reply past its share waits");
        hoarder.charge(100);
        assert!(!hoarder.has_room(1), "at its share");
        reader.charge(450);
        assert!(!reader.has_room(1), "the total is over and it holds some");
        reader.release(450);
        assert!(
            reader.has_room(5000),
            "holding nothing, it may always send one"
        );
        reader.charge(SMALL_REPLY_RESERVE_BYTES);
        reader.settle(SMALL_REPLY_RESERVE_BYTES, 40);
        assert_eq!(reader.held_bytes.load(Ordering::Relaxed), 40);
        assert_eq!(total.held_bytes(), 640);
        hoarder.release(600);
        reader.release(40);
        assert_eq!(total.held_bytes(), 0);
        tokio::time::timeout(Duration::from_secs(1), hoarder.room())
            .await
            .expect("room once written");
    }
}
