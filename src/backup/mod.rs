//! Online backup and offline restore of a node's store.
//!
//! - `stream`: the node's side: the store at one LSN (the consistent read a
//!   Raft snapshot is sent from, `storage::SnapshotSource`) cut into the
//!   snapshot's parts by `cluster::snapshot::send`, then the end and the
//!   digest at that LSN, rebuilt from the same read.
//! - `file`: the backup file: a header, the parts as they came, the end, and
//!   a SHA-256 over all of it; written to `FILE.tmp`, fsynced, renamed.
//! - `restore`: a file checked whole, then put into a data directory
//!   through the code that installs a received snapshot
//!   (`cluster::snapshot::Receiver`), as the start of a new history.
//!
//! **Invariant:** a backup is one consistent LSN: every record up to it and
//! none after it, the rows, the checkpoint and the log all read from one
//! pair of read transactions. A restored node serves exactly that state.

pub mod file;
pub mod restore;
pub mod stream;
