//! couponsd: a coupon engine that checkout and payment services call over a
//! binary TCP protocol.
//!
//! # Layout
//! Data flows one way: `server` -> `domain`/`rules` -> `writer` -> `state` + `storage`.
//!
//! - `couponsd_client::wire` (in `clients/rust`): the protocol's bytes. Shared
//!   with the Rust client; knows no business rules.
//! - [`domain`]: what valid input looks like (codes, coupon specs, orders).
//! - [`codegen`]: pure functions: campaign codes, their check character or MAC.
//! - [`rules`]: pure functions: does a coupon apply to an order, and what
//!   discount it gives. No I/O, no clock.
//! - [`state`]: the in-memory counters, per-customer uses, idempotency index and
//!   holds; effects (the log's contents); checkpoints. Changed only by the writer.
//! - [`storage`]: the only code that touches redb: the log, redemption rows,
//!   coupon definitions, checkpoints.
//! - [`writer`]: the decider thread that decides every change, in batches
//!   (group commit: one Raft entry per batch), and the applier that applies
//!   committed batches to the store and the state; recovery.
//! - [`cluster`]: the log replicated and committed by Raft (openraft): the
//!   log store, the state machine, messages between nodes, membership.
//! - [`server`]: TCP connections, HELLO and auth, pipelining, dispatch of reads
//!   (answered from a snapshot) and mutations (sent to the writer);
//!   `server::http`, the operations listener (/healthz, /readyz, /metrics).
//! - [`distribution`]: sending campaigns' codes from the outbox: the SMTP
//!   channel, the email template, the rate's token bucket (the sender loop
//!   is `server::sender`, on the leader).
//! - [`events`]: the event stream: every change as an event, derived from
//!   the applied log records and read from a cursor (EVENTS_SUBSCRIBE).
//! - [`backup`]: online backup of a node's store at one LSN (the Raft
//!   snapshot's parts, in a checksummed file) and offline restore.
//! - [`outbound`]: requests this server makes to others (HTTP POST).
//! - [`error`]: typed errors and their one mapping to protocol codes.
//! - [`log_limit`]: rate-limited log lines for failures that repeat.
//! - [`metrics`]: counters and histograms of atomics the request path, the
//!   writer and storage record into; `server::http` serves them.
//! - [`cli`]: the `couponsd` command line: `serve`, admin and checkout verbs, `bench`.

pub mod backup;
pub mod cli;
pub mod cluster;
pub mod codegen;
pub mod distribution;
pub mod domain;
pub mod error;
pub mod events;
pub mod log_limit;
pub mod metrics;
pub mod outbound;
pub mod rules;
pub mod server;
pub mod state;
pub mod storage;
pub mod writer;
