//! Cluster messages: CLUSTER_STATUS, CLUSTER_ADD and CLUSTER_REMOVE, which
//! operators and clients use. See protocol.md, "Cluster".
//!
//! The nodes' own Raft messages (RAFT_APPEND, RAFT_VOTE, RAFT_SNAPSHOT_*)
//! carry the consensus library's types; this crate passes their bodies
//! through unread (`Request::Raft`, `Response::Raft`), and the server encodes
//! them (protocol.md gives their layouts too).

use super::primitives::{DecodeError, Reader, Writer};
use super::types::NodeRole;

/// One member of the cluster, as the node answering sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClusterMember {
    pub node_id: u64,
    /// The address clients and peers use for it.
    pub addr: String,
    /// A voter counts toward elections and commits; a learner only follows.
    pub voter: bool,
    /// The last log index the leader knows this member holds (the leader's
    /// view; 0 on other nodes or when unknown).
    pub matched_index: u64,
    /// Log entries the leader has that this member does not (leader's view).
    pub lag_entries: u64,
    /// Milliseconds since the leader last heard from this member; `u64::MAX`
    /// when it never did (or this node is not the leader).
    pub last_contact_ms: u64,
}

/// One node's view of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClusterStatus {
    pub node_id: u64,
    /// Names the cluster; 0 while a joining node has not heard from it yet.
    pub cluster_id: u64,
    pub role: NodeRole,
    pub term: u64,
    /// The leader this node knows of (0: none).
    pub leader_id: u64,
    pub leader_addr: String,
    pub last_log_index: u64,
    /// The highest log index known to be on a majority.
    pub committed_index: u64,
    /// The highest log index applied to this node's state: what its reads see.
    pub applied_index: u64,
    /// The log sequence number of the last applied mutation.
    pub lsn: u64,
    pub snapshot_index: u64,
    /// Log entries up to here were removed (covered by a snapshot).
    pub purged_index: u64,
    /// Milliseconds since this node last heard from a leader (0 on the
    /// leader; `u64::MAX` if never): a follower's reads may miss writes
    /// acknowledged since then.
    pub leader_contact_ms: u64,
    pub members: Vec<ClusterMember>,
}

impl ClusterStatus {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.node_id);
        w.u64(self.cluster_id);
        w.u8(self.role.as_u8());
        w.u64(self.term);
        w.u64(self.leader_id);
        w.str(&self.leader_addr);
        w.u64(self.last_log_index);
        w.u64(self.committed_index);
        w.u64(self.applied_index);
        w.u64(self.lsn);
        w.u64(self.snapshot_index);
        w.u64(self.purged_index);
        w.u64(self.leader_contact_ms);
        w.list(&self.members, |w, m| {
            w.u64(m.node_id);
            w.str(&m.addr);
            w.bool(m.voter);
            w.u64(m.matched_index);
            w.u64(m.lag_entries);
            w.u64(m.last_contact_ms);
        });
    }

    pub fn read(r: &mut Reader) -> Result<ClusterStatus, DecodeError> {
        Ok(ClusterStatus {
            node_id: r.u64("node_id")?,
            cluster_id: r.u64("cluster_id")?,
            role: NodeRole::read(r, "role")?,
            term: r.u64("term")?,
            leader_id: r.u64("leader_id")?,
            leader_addr: r.str("leader_addr")?,
            last_log_index: r.u64("last_log_index")?,
            committed_index: r.u64("committed_index")?,
            applied_index: r.u64("applied_index")?,
            lsn: r.u64("lsn")?,
            snapshot_index: r.u64("snapshot_index")?,
            purged_index: r.u64("purged_index")?,
            leader_contact_ms: r.u64("leader_contact_ms")?,
            members: r.list("members", |r| {
                Ok(ClusterMember {
                    node_id: r.u64("node_id")?,
                    addr: r.str("addr")?,
                    voter: r.bool("voter")?,
                    matched_index: r.u64("matched_index")?,
                    lag_entries: r.u64("lag_entries")?,
                    last_contact_ms: r.u64("last_contact_ms")?,
                })
            })?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    #[test]
    fn status_roundtrip() {
        let status = ClusterStatus {
            node_id: 2,
            cluster_id: 0xfeed,
            role: NodeRole::Follower,
            term: 7,
            leader_id: 1,
            leader_addr: "10.0.0.1:7878".into(),
            last_log_index: 120,
            committed_index: 119,
            applied_index: 118,
            lsn: 5000,
            snapshot_index: 100,
            purged_index: 90,
            leader_contact_ms: 12,
            members: vec![ClusterMember {
                node_id: 1,
                addr: "10.0.0.1:7878".into(),
                voter: true,
                matched_index: 0,
                lag_entries: 0,
                last_contact_ms: u64::MAX,
            }],
        };
        let mut buf = BytesMut::new();
        status.write(&mut Writer::new(&mut buf));
        assert_eq!(ClusterStatus::read(&mut Reader::new(&buf)).unwrap(), status);
        for cut in 0..buf.len() {
            assert!(ClusterStatus::read(&mut Reader::new(&buf[..cut])).is_err());
        }
    }
}
