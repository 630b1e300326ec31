//! `couponsd replica status`: how a node's replication stands, as text or JSON.

use couponsd_client::wire::ReplicationStatus;

use super::commands::Output;

pub fn status_output(s: &ReplicationStatus) -> Output {
    let followers: Vec<serde_json::Value> = s
        .followers
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name, "peer": f.peer, "acked_lsn": f.acked_lsn,
                "lag_records": f.lag_records, "lag_ms": f.lag_ms,
                "ack_p50_ms": f.ack_p50_ms, "ack_p99_ms": f.ack_p99_ms,
            })
        })
        .collect();
    let json = serde_json::json!({
        "role": s.role.name(), "epoch": s.epoch, "lsn": s.lsn, "leader": s.leader,
        "connected": s.connected, "leader_lsn": s.leader_lsn,
        "sync_replicas": s.sync_replicas, "fenced": s.fenced, "followers": followers,
    });
    let mut lines = vec![format!(
        "{} epoch {} lsn {}{}",
        s.role,
        s.epoch,
        s.lsn,
        if s.fenced {
            " (fenced: a newer epoch exists; takes no writes)"
        } else {
            ""
        }
    )];
    if s.leader.is_empty() {
        lines.push(format!(
            "sync replicas {}, {} follower(s)",
            s.sync_replicas,
            s.followers.len()
        ));
    } else {
        lines.push(format!(
            "leader {} ({}), leader lsn {}, behind by {}",
            s.leader,
            if s.connected {
                "connected"
            } else {
                "disconnected"
            },
            s.leader_lsn,
            s.leader_lsn.saturating_sub(s.lsn)
        ));
    }
    for f in &s.followers {
        lines.push(format!(
            "  {} ({}): acked {}, lag {} records / {} ms, ack p50 {} ms p99 {} ms",
            f.name, f.peer, f.acked_lsn, f.lag_records, f.lag_ms, f.ack_p50_ms, f.ack_p99_ms
        ));
    }
    Output {
        json,
        text: lines.join("\n"),
    }
}
