//! `couponsd cluster status|add|remove`: the cluster as each member sees it,
//! and membership changes (sent to the leader).

use std::time::Duration;

use couponsd_client::wire::ClusterStatus;
use couponsd_client::{Client, ClientOptions};
use serde_json::Value;

use super::args::{ClientArgs, ClusterCommand};
use super::commands::{client_options, Failure, Output};

/// How long `cluster add` waits: the new node first catches up (a snapshot
/// of the whole store, when it starts empty).
const ADD_TIMEOUT: Duration = Duration::from_secs(3600);

pub async fn run(
    client: &Client,
    args: &ClientArgs,
    command: ClusterCommand,
) -> Result<Output, Failure> {
    match command {
        ClusterCommand::Status => status(client, args).await,
        ClusterCommand::Add {
            node_id,
            node_addr,
            learner,
        } => {
            let options = ClientOptions {
                request_timeout: ADD_TIMEOUT,
                ..client_options(args)?
            };
            let slow = Client::connect_with(&args.addr, options).await?;
            let s = slow.cluster_add(node_id, &node_addr, !learner).await?;
            Ok(changed(&s, format!("added node {node_id} at {node_addr}")))
        }
        ClusterCommand::Remove { node_id } => {
            let s = client.cluster_remove(node_id).await?;
            Ok(changed(&s, format!("removed node {node_id}")))
        }
    }
}

fn changed(s: &ClusterStatus, what: String) -> Output {
    let members: Vec<String> = s
        .members
        .iter()
        .map(|m| {
            format!(
                "  {} {} {}",
                m.node_id,
                m.addr,
                if m.voter { "voter" } else { "learner" }
            )
        })
        .collect();
    Output {
        json: serde_json::json!({ "changed": what, "members": s.members.iter().map(member_json).collect::<Vec<_>>() }),
        text: format!("{what}; members:\n{}", members.join("\n")),
    }
}

/// One node's own view (the console's cluster page): its place in the
/// cluster and each member as it sees them.
pub(crate) fn node_status_json(s: &ClusterStatus) -> Value {
    let members: Vec<Value> = s
        .members
        .iter()
        .map(|m| {
            serde_json::json!({
                "node_id": m.node_id, "addr": m.addr, "voter": m.voter,
                "matched_index": m.matched_index, "lag_entries": m.lag_entries,
                "last_contact_ms": ms(m.last_contact_ms),
            })
        })
        .collect();
    serde_json::json!({
        "cluster_id": format!("{:016x}", s.cluster_id),
        "node_id": s.node_id, "role": s.role.name(), "term": s.term,
        "leader_id": if s.leader_id == 0 { Value::Null } else { s.leader_id.into() },
        "leader_addr": s.leader_addr,
        "last_log_index": s.last_log_index, "committed_index": s.committed_index,
        "applied_index": s.applied_index, "lsn": s.lsn,
        "snapshot_index": s.snapshot_index, "purged_index": s.purged_index,
        "leader_contact_ms": ms(s.leader_contact_ms),
        "members": members,
    })
}

fn member_json(m: &couponsd_client::wire::ClusterMember) -> Value {
    serde_json::json!({ "node_id": m.node_id, "addr": m.addr, "voter": m.voter })
}

fn ms(v: u64) -> Value {
    if v == u64::MAX {
        Value::Null
    } else {
        v.into()
    }
}

fn ms_text(v: u64) -> String {
    if v == u64::MAX {
        "never".into()
    } else {
        format!("{v} ms")
    }
}

/// Asks the node at --addr who the members are, then each member how it
/// stands; a member that does not answer is shown as unreachable.
async fn status(client: &Client, args: &ClientArgs) -> Result<Output, Failure> {
    let here = client.cluster_status().await?;
    let leader_view = if here.leader_id == here.node_id {
        Some(here.clone())
    } else if !here.leader_addr.is_empty() {
        match super::commands::connect_to(&here.leader_addr, args).await {
            Ok(c) => c.cluster_status().await.ok(),
            Err(_) => None,
        }
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for member in &here.members {
        let seen = if member.node_id == here.node_id {
            Ok(here.clone())
        } else {
            match super::commands::connect_to(&member.addr, args).await {
                Ok(c) => c.cluster_status().await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            }
        };
        // Lag and last contact as the leader sees this member.
        let progress = leader_view
            .as_ref()
            .and_then(|l| l.members.iter().find(|m| m.node_id == member.node_id));
        let (lag, contact) = progress.map_or((None, u64::MAX), |p| {
            (Some(p.lag_entries), p.last_contact_ms)
        });
        let kind = if member.voter { "voter" } else { "learner" };
        match seen {
            Ok(s) => {
                rows.push(format!(
                    "{:>4} {:<22} {:<7} {:<9} term {:<5} log {:<8} commit {:<8} applied {:<8} lsn {:<10} lag {:<6} contact {}",
                    s.node_id,
                    member.addr,
                    kind,
                    s.role.name(),
                    s.term,
                    s.last_log_index,
                    s.committed_index,
                    s.applied_index,
                    s.lsn,
                    lag.map_or("?".into(), |l| l.to_string()),
                    if s.role.name() == "LEADER" { "-".into() } else { ms_text(s.leader_contact_ms) }
                ));
                json_rows.push(serde_json::json!({
                    "node_id": s.node_id, "addr": member.addr, "voter": member.voter,
                    "role": s.role.name(), "term": s.term, "leader_id": s.leader_id,
                    "last_log_index": s.last_log_index, "committed_index": s.committed_index,
                    "applied_index": s.applied_index, "lsn": s.lsn,
                    "snapshot_index": s.snapshot_index, "purged_index": s.purged_index,
                    "lag_entries": lag, "last_contact_ms": ms(contact),
                    "leader_contact_ms": ms(s.leader_contact_ms), "reachable": true,
                }));
            }
            Err(e) => {
                rows.push(format!(
                    "{:>4} {:<22} {:<7} unreachable: {e}",
                    member.node_id, member.addr, kind
                ));
                json_rows.push(serde_json::json!({
                    "node_id": member.node_id, "addr": member.addr, "voter": member.voter,
                    "reachable": false, "error": e, "lag_entries": lag, "last_contact_ms": ms(contact),
                }));
            }
        }
    }
    let leader = if here.leader_id == 0 {
        "no leader known".to_string()
    } else {
        format!("leader {} at {}", here.leader_id, here.leader_addr)
    };
    Ok(Output {
        json: serde_json::json!({
            "cluster_id": format!("{:016x}", here.cluster_id),
            "leader_id": if here.leader_id == 0 { Value::Null } else { here.leader_id.into() },
            "term": here.term,
            "members": json_rows,
        }),
        text: format!(
            "cluster {:016x}, term {}, {leader}\n{}",
            here.cluster_id,
            here.term,
            rows.join("\n")
        ),
    })
}
