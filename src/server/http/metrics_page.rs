//! The `/metrics` page: what the process recorded (`crate::metrics`) and
//! what is read at the moment of the scrape (connections, queues, the
//! cluster's standing, memory, the data directory). Labels are only names
//! the server fixes (roles, node ids, file names): nothing a client sent.

use std::path::Path;
use std::sync::atomic::Ordering;

use couponsd_client::wire::NodeRole;

use super::readiness;
use crate::domain::now_ms;
use crate::metrics::text::{Kind, Text};
use crate::server::Shared;

/// Directories below the data directory walked for its size (a snapshot
/// being received is staged one level down).
const DATA_DIR_DEPTH_MAX: usize = 3;

pub fn render(shared: Option<&Shared>, lag_max: u64) -> String {
    let mut t = Text::default();
    let now = now_ms();
    t.family(
        "couponsd_build_info",
        Kind::Gauge,
        "Always 1; the server's version as a label.",
    );
    t.sample(
        "couponsd_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1,
    );
    if let Some(bytes) = resident_memory_bytes() {
        t.single(
            "couponsd_resident_memory_bytes",
            Kind::Gauge,
            "Resident memory of the process (/proc/self/statm).",
            bytes,
        );
    }
    match shared {
        Some(shared) => node_gauges(&mut t, shared, lag_max),
        None => t.single(
            "couponsd_ready",
            Kind::Gauge,
            "1 when /readyz answers 200 (this node can take writes), else 0.",
            0,
        ),
    }
    crate::metrics::write_recorded(&mut t, now);
    t.finish()
}

fn node_gauges(t: &mut Text, shared: &Shared, lag_max: u64) {
    let ready = readiness::check(shared, lag_max).is_ok();
    t.single(
        "couponsd_ready",
        Kind::Gauge,
        "1 when /readyz answers 200 (this node can take writes), else 0.",
        u8::from(ready),
    );
    t.single(
        "couponsd_uptime_seconds",
        Kind::Gauge,
        "Seconds since the server started serving.",
        shared.started.elapsed().as_secs_f64(),
    );
    t.single(
        "couponsd_connections_open",
        Kind::Gauge,
        "Protocol connections open now.",
        shared.connections.load(Ordering::Relaxed),
    );
    t.single(
        "couponsd_connections_max",
        Kind::Gauge,
        "Protocol connections allowed at once (--max-connections).",
        shared.config.max_connections,
    );
    t.single(
        "couponsd_writer_queue_depth",
        Kind::Gauge,
        "Mutations waiting for the decider.",
        shared.node.writer_queue_depth(),
    );
    t.single(
        "couponsd_writer_queue_capacity",
        Kind::Gauge,
        "Mutations the writer queue holds before requests get BUSY.",
        shared.config.writer.queue_capacity,
    );
    let core = shared.node.cell.load();
    t.single(
        "couponsd_holds_pending",
        Kind::Gauge,
        "Holds (RESERVE) not yet confirmed, released or expired.",
        core.state.pending_hold_count(),
    );
    t.single(
        "couponsd_storage_writes_refused",
        Kind::Gauge,
        "1 while a file on the write path cannot be written (writes get STORAGE_UNAVAILABLE), else 0.",
        u8::from(core.store.health().writes_refused().is_some()),
    );
    t.single(
        "couponsd_data_dir_bytes",
        Kind::Gauge,
        "Bytes of the files in the data directory.",
        dir_bytes(&shared.config.data_dir, DATA_DIR_DEPTH_MAX),
    );
    cluster_gauges(t, shared);
    // Hook for the outbound queues (webhooks, distribution): each adds its
    // backlog gauge here once it exists.
}

fn cluster_gauges(t: &mut Text, shared: &Shared) {
    let status = shared.node.status();
    t.family(
        "couponsd_cluster_role",
        Kind::Gauge,
        "1 for this node's role in the cluster, 0 for the others.",
    );
    for role in NodeRole::ALL {
        let name = role.name().to_ascii_lowercase();
        let value = u8::from(*role == status.role);
        t.sample("couponsd_cluster_role", &[("role", &name)], value);
    }
    let gauges: [(&str, &str, u64); 8] = [
        ("couponsd_cluster_node_id", "This node's id.", status.node_id),
        (
            "couponsd_cluster_term",
            "The Raft term this node is in.",
            status.term,
        ),
        (
            "couponsd_cluster_leader_id",
            "The leader this node knows of (0: none).",
            status.leader_id,
        ),
        (
            "couponsd_raft_last_log_index",
            "The last Raft log index this node holds.",
            status.last_log_index,
        ),
        (
            "couponsd_raft_committed_index",
            "The highest log index known committed on a majority (a follower: as the leader last said).",
            status.committed_index,
        ),
        (
            "couponsd_raft_applied_index",
            "The highest log index applied to this node's state.",
            status.applied_index,
        ),
        (
            "couponsd_applied_lsn",
            "The log sequence number of the last mutation applied here.",
            status.lsn,
        ),
        (
            "couponsd_cluster_members",
            "Members of the cluster (voters and learners).",
            status.members.len() as u64,
        ),
    ];
    for (name, help, value) in gauges {
        t.single(name, Kind::Gauge, help, value);
    }
    if status.leader_contact_ms != u64::MAX {
        t.single(
            "couponsd_cluster_leader_contact_seconds",
            Kind::Gauge,
            "Seconds since this node last heard from the leader (0 on the leader).",
            status.leader_contact_ms as f64 / 1000.0,
        );
    }
    if status.role != NodeRole::Leader {
        return;
    }
    // The leader's view of each other member.
    let others: Vec<_> = status
        .members
        .iter()
        .filter(|m| m.node_id != status.node_id)
        .map(|m| (m.node_id.to_string(), m))
        .collect();
    t.family(
        "couponsd_cluster_member_lag_entries",
        Kind::Gauge,
        "Log entries the leader has that this member does not (on the leader).",
    );
    for (id, m) in &others {
        t.sample(
            "couponsd_cluster_member_lag_entries",
            &[("node_id", id)],
            m.lag_entries,
        );
    }
    t.family(
        "couponsd_cluster_member_matched_index",
        Kind::Gauge,
        "The last log index the leader knows this member holds (on the leader).",
    );
    for (id, m) in &others {
        t.sample(
            "couponsd_cluster_member_matched_index",
            &[("node_id", id)],
            m.matched_index,
        );
    }
    t.family(
        "couponsd_cluster_member_last_contact_seconds",
        Kind::Gauge,
        "Seconds since the leader last heard from this member (absent when never).",
    );
    for (id, m) in others.iter().filter(|(_, m)| m.last_contact_ms != u64::MAX) {
        t.sample(
            "couponsd_cluster_member_last_contact_seconds",
            &[("node_id", id)],
            m.last_contact_ms as f64 / 1000.0,
        );
    }
}

/// Resident memory: the second field of /proc/self/statm, in pages.
fn resident_memory_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages.saturating_mul(rustix::param::page_size() as u64))
}

/// Bytes of the regular files under `dir`, `depth` levels down at most.
fn dir_bytes(dir: &Path, depth: usize) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0u64;
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file() {
            total = total.saturating_add(meta.len());
        } else if meta.is_dir() && depth > 0 {
            total = total.saturating_add(dir_bytes(&entry.path(), depth - 1));
        }
    }
    total
}
