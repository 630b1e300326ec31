//! The node's side of a backup. `open` takes the consistent read a Raft
//! snapshot is sent from (`Store::snapshot_source`) and says where it
//! stands; `produce`, on a thread of its own, cuts it into the snapshot's
//! parts (`cluster::snapshot::send`, each encoded as a RAFT_SNAPSHOT_PART
//! body) and hands them over a bounded channel, then the end with, if asked,
//! the digest of the state at the backup's LSN, rebuilt from the same read
//! (`writer::recover_snapshot`: a second copy of the state for as long as
//! that takes). A receiver that goes away stops it at its next part.

use couponsd_client::wire::{BackupEnd, BackupHeader, Writer};
use tokio::sync::mpsc;

use crate::cluster::{snapshot, state_machine};
use crate::error::Error;
use crate::storage::SnapshotSource;
use crate::writer::{digest_of, recover_snapshot, Core};

/// What the producer hands the connection, in order: parts, then the end.
pub enum Produced {
    /// A RAFT_SNAPSHOT_PART body.
    Part(Vec<u8>),
    End(Result<BackupEnd, Error>),
}

/// The node's store at the LSN it has applied now, and the header that
/// names it.
pub fn open(
    core: &Core,
    cluster_id: u64,
    node_id: u64,
    created_ms: i64,
) -> Result<(BackupHeader, SnapshotSource), Error> {
    let source = core.store.snapshot_source()?;
    let (applied, _) = state_machine::position(|key| source.cluster_value(key))?;
    let header = BackupHeader {
        cluster_id,
        node_id,
        lsn: source.lsn(),
        term: applied.map_or(0, |id| id.leader_id.term),
        created_ms,
    };
    Ok((header, source))
}

/// Streams `source` into `out` (blocking: run it on a thread of its own),
/// then its end; stops when `out` is closed. `keep` (the node's backup
/// slot) is held until this returns, so the node's one backup includes the
/// digest still being computed for a receiver that left.
pub fn produce<T>(source: SnapshotSource, digest: bool, out: mpsc::Sender<Produced>, keep: T) {
    let sent = snapshot::send(&source, |part| {
        let body = crate::cluster::codec::encode(|w: &mut Writer| part.write(w));
        out.blocking_send(Produced::Part(body)).is_ok()
    });
    let end = match sent {
        // The receiver went away.
        Ok(None) => return,
        Ok(Some(end)) => finish(&source, end, digest),
        Err(e) => Err(Error::from(e)),
    };
    // Nobody may be left to take it: that is fine.
    let _ = out.blocking_send(Produced::End(end));
    drop(keep);
}

fn finish(source: &SnapshotSource, end: snapshot::End, digest: bool) -> Result<BackupEnd, Error> {
    let digest = if digest {
        let (state, recovered) = recover_snapshot(source)?;
        assert_eq!(
            recovered.last_lsn, end.lsn,
            "the state rebuilt from a snapshot is as of the snapshot's LSN"
        );
        Some(digest_of(&state, source.view(), end.lsn)?)
    } else {
        None
    };
    Ok(BackupEnd {
        parts: end.parts,
        checkpoint_lsn: end.checkpoint_lsn,
        lsn: end.lsn,
        digest,
    })
}
