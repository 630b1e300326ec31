//! A proposal: one decided batch as the leader proposes it to the cluster,
//! the payload of one Raft log entry. Group commit carries over to the
//! cluster: a batch costs one entry, one log write and one replication round,
//! whatever its size.
//!
//! Layout (big-endian, field encodings as in protocol.md):
//! ```text
//! u64 term       the term of the leader that decided the batch
//! u64 seq        that leader's batch number in its term (from 1)
//! u64 prev_seq   the batch it was decided on top of; 0: on the applied state alone
//! u64 base_lsn   the last LSN the decider's view held; records follow from base_lsn + 1
//! i64 time_ms    the batch's time (UTC unix ms), used by every decision in it
//! u32 count, then count x blob: the log records, each as stored (own format byte and CRC)
//! ```
//!
//! A proposal applies only on top of the state it was decided on (see
//! `Proposal::follows`); anything else makes it void on every replica alike.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use couponsd_client::wire::{DecodeError, Reader, Writer};

use crate::state::LogRecord;

#[derive(Clone)]
pub struct Proposal {
    pub term: u64,
    pub seq: u64,
    pub prev_seq: u64,
    pub base_lsn: u64,
    pub time_ms: i64,
    pub records: Vec<Bytes>,
    /// The same records as the leader decided them, on the leader only (never
    /// encoded): its state machine applies them without decoding them again.
    pub decided: Option<Arc<DecidedOnce>>,
}

/// The leader's decoded copy of a proposal's records, handed to its state
/// machine once. Every clone of the entry shares it, the Raft log's copy in
/// memory too (`cluster::log_store`, kept for followers up to a bound on its
/// *encoded* size): taking it frees the decoded records as soon as they are
/// applied, not when the entry leaves that copy. Decoded, a record takes
/// several times its encoded size; kept, they held hundreds of MiB.
pub struct DecidedOnce(Mutex<Option<Vec<LogRecord>>>);

impl DecidedOnce {
    pub fn new(records: Vec<LogRecord>) -> Arc<DecidedOnce> {
        Arc::new(DecidedOnce(Mutex::new(Some(records))))
    }

    /// The records, the first time; None after (the applier then decodes
    /// them from `Proposal::records`, as every other node does).
    pub fn take(&self) -> Option<Vec<LogRecord>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// Equal when their bytes are: `decided` is a local copy of `records`.
impl PartialEq for Proposal {
    fn eq(&self, other: &Self) -> bool {
        (
            self.term,
            self.seq,
            self.prev_seq,
            self.base_lsn,
            self.time_ms,
            &self.records,
        ) == (
            other.term,
            other.seq,
            other.prev_seq,
            other.base_lsn,
            other.time_ms,
            &other.records,
        )
    }
}

impl Eq for Proposal {}

/// Where the state machine stands, as a proposal's preconditions see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Chain {
    /// The LSN of the last record applied.
    pub last_lsn: u64,
    /// (term, seq) of the last proposal applied (0, 0 before any).
    pub last_batch: (u64, u64),
}

impl Proposal {
    /// Whether this proposal was decided on exactly the state `chain`
    /// describes. A batch decided on the applied state alone needs only its
    /// LSN (committed records never change); one decided on top of an earlier
    /// batch needs that batch to be the last one applied, since another
    /// leader's batch could cover the same LSNs.
    pub fn follows(&self, chain: Chain) -> bool {
        self.base_lsn == chain.last_lsn
            && (self.prev_seq == 0 || chain.last_batch == (self.term, self.prev_seq))
    }

    /// The chain once this proposal is applied.
    pub fn next(&self, chain: Chain) -> Chain {
        Chain {
            last_lsn: chain.last_lsn + self.records.len() as u64,
            last_batch: (self.term, self.seq),
        }
    }

    pub fn write(&self, w: &mut Writer) {
        w.u64(self.term);
        w.u64(self.seq);
        w.u64(self.prev_seq);
        w.u64(self.base_lsn);
        w.i64(self.time_ms);
        w.u32(self.records.len() as u32);
        for r in &self.records {
            w.blob(r);
        }
    }

    pub fn read(r: &mut Reader) -> Result<Proposal, DecodeError> {
        let term = r.u64("term")?;
        let seq = r.u64("seq")?;
        let prev_seq = r.u64("prev_seq")?;
        let base_lsn = r.u64("base_lsn")?;
        let time_ms = r.i64("time_ms")?;
        let count = r.u32("record_count")? as usize;
        // Each record takes at least its 4-byte length.
        let mut records = Vec::with_capacity(count.min(r.remaining() / 4));
        for _ in 0..count {
            records.push(Bytes::copy_from_slice(r.blob("record")?));
        }
        Ok(Proposal {
            term,
            seq,
            prev_seq,
            base_lsn,
            time_ms,
            records,
            decided: None,
        })
    }

    /// Encoded size, for keeping entries under the frame limit.
    pub fn encoded_len(&self) -> usize {
        44 + self.records.iter().map(|r| 4 + r.len()).sum::<usize>()
    }
}

impl std::fmt::Debug for Proposal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Proposal(T{}#{} on #{}, lsn {}+{}, {} ms)",
            self.term,
            self.seq,
            self.prev_seq,
            self.base_lsn,
            self.records.len(),
            self.time_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    fn proposal(term: u64, seq: u64, prev_seq: u64, base_lsn: u64, n: usize) -> Proposal {
        Proposal {
            term,
            seq,
            prev_seq,
            base_lsn,
            time_ms: 1_700_000_000_000,
            records: (0..n).map(|i| Bytes::from(vec![i as u8; i + 1])).collect(),
            decided: None,
        }
    }

    #[test]
    fn roundtrip_and_size() {
        let p = proposal(3, 7, 6, 100, 5);
        let mut buf = BytesMut::new();
        p.write(&mut Writer::new(&mut buf));
        assert_eq!(buf.len(), p.encoded_len());
        let back = Proposal::read(&mut Reader::new(&buf)).unwrap();
        assert_eq!(back, p);
        assert!(Proposal::read(&mut Reader::new(&buf[..buf.len() - 1])).is_err());
    }

    #[test]
    fn a_proposal_applies_only_on_the_state_it_was_decided_on() {
        let fresh = proposal(2, 1, 0, 10, 3);
        let start = Chain {
            last_lsn: 10,
            last_batch: (1, 40),
        };
        assert!(fresh.follows(start));
        let after = fresh.next(start);
        assert_eq!(
            after,
            Chain {
                last_lsn: 13,
                last_batch: (2, 1)
            }
        );
        // The next batch of the same leader follows it...
        let second = proposal(2, 2, 1, 13, 1);
        assert!(second.follows(after));
        // ...but not if another batch took its place at the same LSNs.
        let other = Chain {
            last_lsn: 13,
            last_batch: (3, 1),
        };
        assert!(!second.follows(other));
        // A fresh batch on a state that moved on is void.
        assert!(!fresh.follows(after));
    }
}
