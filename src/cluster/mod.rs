//! The cluster: the write-ahead log replicated and committed by Raft
//! (openraft), so that a majority holds every acknowledged write, a new
//! leader is elected within seconds of the old one's failure, and a node
//! without a majority never takes a write.
//!
//! - `types`: the Raft type configuration (entries carry `writer::Proposal`s).
//! - `codec`: the bytes of log ids, votes, memberships, entries and the
//!   node-to-node messages.
//! - `log_store`: openraft's log storage over `raft.redb`, with group commit.

// openraft's error types are large, and its traits fix the signatures that
// return them; boxing them only in our helpers would buy nothing.
#![allow(clippy::result_large_err)]

pub mod codec;
pub mod log_store;
pub mod types;
