//! Whether this node can take writes now, for `/readyz`. Ready means all of:
//! - its files can be written (`storage::Health`: no file on the write
//!   path failing, as after a full disk);
//! - a leader is known;
//! - as the leader: it heard from a majority of the voters within the
//!   longest election timeout (as `Node::check_leader` asks of a write);
//! - as a follower or learner: it heard from the leader within the longest
//!   election timeout, and has applied all but at most `lag_max` entries of
//!   what the leader last said is committed (`--ready-lag-entries`).
//!
//! A follower takes no writes itself, but a client that reaches it is told
//! the leader, and its reads are as fresh as the bound says.

use couponsd_client::wire::NodeRole;

use crate::server::Shared;

/// Ok, or a short plain reason (no secrets: file names, roles, numbers).
pub fn check(shared: &Shared, lag_max: u64) -> Result<(), String> {
    let node = &shared.node;
    if let Some(why) = node.cell.load().store.health().writes_refused() {
        return Err(format!("storage cannot be written ({why})"));
    }
    let status = node.status();
    let contact_max_ms = node.election_timeout_max_ms;
    match status.role {
        NodeRole::Stopped => return Err("stopping".into()),
        NodeRole::Candidate => return Err("no leader known: an election is under way".into()),
        NodeRole::Leader | NodeRole::Follower | NodeRole::Learner => {}
    }
    if status.leader_id == 0 {
        return Err("no leader known".into());
    }
    if status.role == NodeRole::Leader {
        let m = node.metrics();
        let voters = m.membership_config.membership().voter_ids().count();
        match m.millis_since_quorum_ack {
            Some(ms) if voters > 1 && ms > contact_max_ms => Err(format!(
                "this leader has not heard from a majority for {ms} ms"
            )),
            _ => Ok(()),
        }
    } else if status.leader_contact_ms > contact_max_ms {
        Err(if status.leader_contact_ms == u64::MAX {
            "no word from the leader yet".into()
        } else {
            format!(
                "no word from the leader for {} ms",
                status.leader_contact_ms
            )
        })
    } else {
        let behind = status.committed_index.saturating_sub(status.applied_index);
        if behind > lag_max {
            Err(format!(
                "{behind} log entries behind the leader's commit (at most {lag_max})"
            ))
        } else {
            Ok(())
        }
    }
}
