//! What this process counts as it works, for `/metrics` (`crate::http`).
//!
//! Everything here is a static made of atomics: recording is a relaxed
//! addition or store, with no lock, no allocation and no map of label sets,
//! so the request path, the decider thread and the storage threads record
//! without waiting on anyone. Labels are fixed sets known at compile time
//! (opcode names, status names, file names), so nothing a client sends
//! becomes a label: an unknown opcode counts as `UNKNOWN`. What is cheaper
//! to read than to count (connections, queue depths, cluster standing,
//! memory) is read when the page is made (`http::metrics_page`).
//!
//! The counts are the process's since it started, as Prometheus expects of
//! counters; several servers in one test process would add up (each
//! integration test runs its own binary).

pub mod histogram;
pub mod text;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use couponsd_client::wire::{opcode, ErrorCode, Response};

use crate::error::Error;
use crate::storage::{CHECKPOINT_FILE, DATA_FILE};
use histogram::{BatchHistogram, Histogram, LatencyHistogram, BATCH_BOUNDS, LATENCY_BOUNDS_US};
use text::{Kind, Text};

/// One slot per opcode the protocol names, plus one for every other number.
const OPCODE_SLOTS: usize = opcode::ALL.len() + 1;
const UNKNOWN_OPCODE_SLOT: usize = OPCODE_SLOTS - 1;
const STATUS_SLOTS: usize = ErrorCode::ALL.len();

/// The files whose durable commits are timed, by slot (the Raft log's
/// segments, then the redb files).
const FILES: [&str; 4] = [
    crate::storage::raft_log::SEGMENTS_DIR,
    crate::storage::raft_log::RAFT_FILE,
    DATA_FILE,
    CHECKPOINT_FILE,
];

/// Microseconds in a second: the histograms count µs, the page shows seconds.
const MICROS_PER_SECOND: f64 = 1e6;

struct Requests {
    /// Answers by opcode slot and status slot (position in `ErrorCode::ALL`).
    by_status: [[AtomicU64; STATUS_SLOTS]; OPCODE_SLOTS],
    /// From a request's frame read to its reply encoded, by opcode slot.
    latency_us: [LatencyHistogram; OPCODE_SLOTS],
    /// Read and not yet answered, over every connection.
    in_flight: AtomicI64,
    /// Refused by a security check (`Refusal::is_security`).
    fraud_blocks: AtomicU64,
}

static REQUESTS: Requests = Requests {
    by_status: [const { [const { AtomicU64::new(0) }; STATUS_SLOTS] }; OPCODE_SLOTS],
    latency_us: [const { Histogram::new(LATENCY_BOUNDS_US) }; OPCODE_SLOTS],
    in_flight: AtomicI64::new(0),
    fraud_blocks: AtomicU64::new(0),
};

/// Requests in each proposal (one Raft entry) the decider made.
static BATCH_REQUESTS: BatchHistogram = Histogram::new(BATCH_BOUNDS);
/// From a proposal to its batch applied on this leader: the Raft round
/// (append with its fsync, replication, commit on a majority) and the apply.
static COMMIT_US: LatencyHistogram = Histogram::new(LATENCY_BOUNDS_US);
static PROPOSALS_IN_FLIGHT: AtomicU64 = AtomicU64::new(0);
/// Durable commits (each ends in an fsync), by file slot.
static FSYNC_US: [LatencyHistogram; FILES.len()] =
    [const { Histogram::new(LATENCY_BOUNDS_US) }; FILES.len()];
/// Failed writes or reopens of a file with an I/O error (`storage::Health`).
static STORAGE_ERRORS: AtomicU64 = AtomicU64::new(0);
/// When the latest checkpoint this process knows of was stored (unix ms;
/// 0: none known), and its LSN.
static CHECKPOINT_STORED_MS: AtomicI64 = AtomicI64::new(0);
static CHECKPOINT_LSN: AtomicU64 = AtomicU64::new(0);

fn opcode_slot(op: u16) -> usize {
    // A scan of about 50 numbers: cheaper than anything that would need
    // building, and bounded by the protocol's table.
    opcode::ALL
        .iter()
        .position(|&known| known == op)
        .unwrap_or(UNKNOWN_OPCODE_SLOT)
}

fn opcode_name(slot: usize) -> &'static str {
    opcode::ALL
        .get(slot)
        .and_then(|&op| opcode::name(op))
        .unwrap_or("UNKNOWN")
}

/// A request was read: it is in flight until `request_answered`.
pub fn request_started() {
    REQUESTS.in_flight.fetch_add(1, Ordering::Relaxed);
}

/// A request's reply was made (`elapsed` since its frame was read).
pub fn request_answered(op: u16, result: &Result<Response, Error>, elapsed: Duration) {
    let slot = opcode_slot(op);
    let status = match result {
        Ok(_) => ErrorCode::Ok,
        Err(e) => e.code(),
    };
    let status_slot = ErrorCode::ALL
        .iter()
        .position(|&c| c == status)
        .unwrap_or(0);
    if let Some(count) = REQUESTS.by_status[slot].get(status_slot) {
        count.fetch_add(1, Ordering::Relaxed);
    }
    REQUESTS.latency_us[slot].observe_us(elapsed);
    if matches!(result, Err(Error::Refused(r)) if r.is_security()) {
        REQUESTS.fraud_blocks.fetch_add(1, Ordering::Relaxed);
    }
    REQUESTS.in_flight.fetch_sub(1, Ordering::Relaxed);
}

/// The decider proposed a batch of `requests`.
pub fn batch_proposed(requests: usize) {
    BATCH_REQUESTS.observe(requests as u64);
}

/// A proposal was applied here `elapsed` after it was proposed.
pub fn batch_committed(elapsed: Duration) {
    COMMIT_US.observe_us(elapsed);
}

pub fn set_proposals_in_flight(n: usize) {
    PROPOSALS_IN_FLIGHT.store(n as u64, Ordering::Relaxed);
}

/// A durable commit of `file` took `elapsed`.
pub fn durable_commit(file: &str, elapsed: Duration) {
    if let Some(slot) = FILES.iter().position(|&f| f == file) {
        FSYNC_US[slot].observe_us(elapsed);
    }
}

pub fn storage_error() {
    STORAGE_ERRORS.fetch_add(1, Ordering::Relaxed);
}

/// The latest checkpoint is at `lsn`, stored at `stored_ms` (unix ms).
pub fn checkpoint_stored(lsn: u64, stored_ms: i64) {
    CHECKPOINT_LSN.store(lsn, Ordering::Relaxed);
    CHECKPOINT_STORED_MS.store(stored_ms, Ordering::Relaxed);
}

/// Writes every recorded family (the counters and histograms above).
pub fn write_recorded(t: &mut Text, now_ms: i64) {
    t.family(
        "couponsd_requests_total",
        Kind::Counter,
        "Requests answered, by opcode and status (OK or the error code's name).",
    );
    for (slot, row) in REQUESTS.by_status.iter().enumerate() {
        for (status, count) in ErrorCode::ALL.iter().zip(row) {
            let count = count.load(Ordering::Relaxed);
            if count > 0 {
                let labels = [("opcode", opcode_name(slot)), ("status", status.name())];
                t.sample("couponsd_requests_total", &labels, count);
            }
        }
    }
    t.family(
        "couponsd_request_duration_seconds",
        Kind::Histogram,
        "From a request's frame read to its reply made, by opcode.",
    );
    for (slot, h) in REQUESTS.latency_us.iter().enumerate() {
        if !h.is_empty() {
            let labels = [("opcode", opcode_name(slot))];
            t.histogram(
                "couponsd_request_duration_seconds",
                &labels,
                &h.snapshot(),
                MICROS_PER_SECOND,
            );
        }
    }
    let in_flight = REQUESTS.in_flight.load(Ordering::Relaxed).max(0);
    t.single(
        "couponsd_requests_in_flight",
        Kind::Gauge,
        "Requests read and not yet answered, over every connection.",
        in_flight,
    );
    t.single(
        "couponsd_fraud_blocks_total",
        Kind::Counter,
        "Requests this node refused for a security check (IP, device, email, velocity, identifier limit, fraud score).",
        REQUESTS.fraud_blocks.load(Ordering::Relaxed),
    );
    t.family(
        "couponsd_writer_batch_requests",
        Kind::Histogram,
        "Requests in each batch the decider proposed as one Raft entry.",
    );
    t.histogram(
        "couponsd_writer_batch_requests",
        &[],
        &BATCH_REQUESTS.snapshot(),
        1.0,
    );
    t.family(
        "couponsd_commit_duration_seconds",
        Kind::Histogram,
        "From a batch proposed to it applied on this leader (append and fsync, replication, commit on a majority, apply).",
    );
    t.histogram(
        "couponsd_commit_duration_seconds",
        &[],
        &COMMIT_US.snapshot(),
        MICROS_PER_SECOND,
    );
    t.single(
        "couponsd_proposals_in_flight",
        Kind::Gauge,
        "Batches proposed and not yet applied or failed (at most 2).",
        PROPOSALS_IN_FLIGHT.load(Ordering::Relaxed),
    );
    t.family(
        "couponsd_fsync_duration_seconds",
        Kind::Histogram,
        "Durable commits (each ending in an fsync), by file.",
    );
    for (file, h) in FILES.iter().zip(&FSYNC_US) {
        t.histogram(
            "couponsd_fsync_duration_seconds",
            &[("file", file)],
            &h.snapshot(),
            MICROS_PER_SECOND,
        );
    }
    t.single(
        "couponsd_storage_errors_total",
        Kind::Counter,
        "Writes or reopens of a file that failed with an I/O error (a full disk, say).",
        STORAGE_ERRORS.load(Ordering::Relaxed),
    );
    t.single(
        "couponsd_checkpoint_lsn",
        Kind::Gauge,
        "The LSN the latest durable checkpoint covers (0: none).",
        CHECKPOINT_LSN.load(Ordering::Relaxed),
    );
    let stored_ms = CHECKPOINT_STORED_MS.load(Ordering::Relaxed);
    if stored_ms > 0 {
        t.single(
            "couponsd_checkpoint_age_seconds",
            Kind::Gauge,
            "Seconds since the latest durable checkpoint was stored (absent while none is known).",
            now_ms.saturating_sub(stored_ms).max(0) as f64 / 1000.0,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_has_its_own_slot_and_others_share_one() {
        for (i, &op) in opcode::ALL.iter().enumerate() {
            assert_eq!(opcode_slot(op), i);
            assert_eq!(Some(opcode_name(i)), opcode::name(op));
        }
        assert_eq!(opcode_slot(0xfff0), UNKNOWN_OPCODE_SLOT);
        assert_eq!(opcode_name(UNKNOWN_OPCODE_SLOT), "UNKNOWN");
    }
}
