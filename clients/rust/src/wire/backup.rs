//! Online backup: BACKUP_BEGIN, BACKUP_PART, BACKUP_END and BACKUP_ABORT
//! (protocol.md, "BACKUP_BEGIN (0x0090) to BACKUP_ABORT (0x0093)"). A backup
//! is the node's store at one LSN, streamed in the parts a Raft snapshot is
//! made of; each part's bytes are those of a RAFT_SNAPSHOT_PART body, laid
//! out by the server's `cluster::snapshot` and carried here opaque.

use super::messages::DigestReply;
use super::primitives::{DecodeError, Reader, Writer};

/// BACKUP_BEGIN's `flags`: compute the digest at the backup's LSN, answered
/// by BACKUP_END.
pub const BACKUP_DIGEST: u8 = 1;

/// What BACKUP_BEGIN answers: which store, and the position the backup is
/// consistent at. A backup file's header carries the same fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BackupHeader {
    /// The cluster the node belongs to (0: none yet, a node waiting to join).
    pub cluster_id: u64,
    /// The node that answered.
    pub node_id: u64,
    /// Every record up to this LSN is in the backup, and none after it.
    pub lsn: u64,
    /// The Raft term of the last log entry the backup's state applied.
    pub term: u64,
    /// When the backup began (unix ms, the node's clock).
    pub created_ms: i64,
}

impl BackupHeader {
    /// The header's bytes: 40 (5 × 8).
    pub const LEN: usize = 40;

    pub fn write(&self, w: &mut Writer) {
        w.u64(self.cluster_id);
        w.u64(self.node_id);
        w.u64(self.lsn);
        w.u64(self.term);
        w.i64(self.created_ms);
    }

    pub fn read(r: &mut Reader) -> Result<BackupHeader, DecodeError> {
        Ok(BackupHeader {
            cluster_id: r.u64("cluster_id")?,
            node_id: r.u64("node_id")?,
            lsn: r.u64("lsn")?,
            term: r.u64("term")?,
            created_ms: r.i64("created_ms")?,
        })
    }
}

/// What BACKUP_END answers once every part was taken: how many there were,
/// the positions (as RAFT_SNAPSHOT_END's body), and the digest at `lsn` if
/// BACKUP_BEGIN asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BackupEnd {
    pub parts: u32,
    /// The checkpoint in the CHECKPOINT parts is as of this LSN (0: none).
    pub checkpoint_lsn: u64,
    pub lsn: u64,
    /// The node's DIGEST of the state at `lsn`, as DIGEST would have
    /// answered had it been asked right then.
    pub digest: Option<DigestReply>,
}

impl BackupEnd {
    pub fn write(&self, w: &mut Writer) {
        w.u32(self.parts);
        w.u64(self.checkpoint_lsn);
        w.u64(self.lsn);
        match &self.digest {
            Some(d) => {
                w.bool(true);
                w.bytes(&d.digest.to_be_bytes());
                w.u64(d.entries);
            }
            None => w.bool(false),
        }
    }

    pub fn read(r: &mut Reader) -> Result<BackupEnd, DecodeError> {
        let parts = r.u32("parts")?;
        let checkpoint_lsn = r.u64("checkpoint_lsn")?;
        let lsn = r.u64("lsn")?;
        let digest = if r.bool("digested")? {
            let mut digest = [0u8; 16];
            digest.copy_from_slice(r.bytes(16, "digest")?);
            Some(DigestReply {
                lsn,
                digest: u128::from_be_bytes(digest),
                entries: r.u64("entries")?,
            })
        } else {
            None
        };
        Ok(BackupEnd {
            parts,
            checkpoint_lsn,
            lsn,
            digest,
        })
    }
}
