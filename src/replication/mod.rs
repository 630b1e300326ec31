//! Replication: the write-ahead log shipped from the leader to followers.
//!
//! - `node`: this node's role (leader, follower, fenced), its current store
//!   and state, promotion and fencing.
//! - `hub`: the leader's bookkeeping of followers, acks and the answers held
//!   back for `--sync-replicas`.
//! - `catch_up`: how a leader answers a follower's subscribe (log, snapshot,
//!   or refusal), as a pure function.
//! - `leader`: one follower's stream, leader side (records, snapshot, acks).
//! - `follower`: the follower's connection to its leader and its apply loop.
//! - `snapshot`: snapshots cut into checked parts and put back together.
//!
//! **Invariant:** a follower writes only records it has verified (checksum,
//! consecutive LSN, epoch never going back), through the same row derivation
//! as the leader, and acknowledges an LSN only once it is durable.

pub mod catch_up;
pub mod follower;
pub mod hub;
pub mod leader;
pub mod node;
pub mod snapshot;

pub use follower::FollowConfig;
pub use hub::Hub;
pub use node::{Core, Node};
