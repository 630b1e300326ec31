//! This node in its cluster: the Raft handle, where it stands (for the
//! decider and for NOT_LEADER answers), linearizable reads, membership
//! changes, the status operators see, and a follower's views sent on to
//! the leader.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use couponsd_client::wire::{opcode, ClusterMember, ClusterStatus, NodeRole};
use couponsd_client::ClientError;
use openraft::error::{ClientWriteError, RaftError};
use openraft::{ChangeMembers, ServerState};
use tokio::sync::watch;

use super::codec;
use super::log_store::LogStore;
use super::network::Network;
use super::read_gate::ReadGate;
use super::types::{Metrics, Node as NodeInfo, NodeId, Outcome, Raft};
use crate::error::{Error, Result};
use crate::writer::{CoreCell, Mutation, Proposal, Proposed, Proposer, ReplyTo, Standing, Writer};

/// How long CLUSTER_ADD waits for a new node to catch up.
const CATCH_UP_WAIT: Duration = Duration::from_secs(600);
/// How long the leader may take to take one VIEWS_FORWARD.
const VIEWS_FORWARD_TIMEOUT: Duration = Duration::from_secs(5);

/// When this node last heard from the others.
#[derive(Default)]
pub struct Contacts {
    inner: Mutex<ContactsInner>,
}

#[derive(Default)]
struct ContactsInner {
    /// Leader side: the last good reply from each member.
    replies: HashMap<NodeId, Instant>,
    /// Follower side: the last RAFT_APPEND from a leader, and its commit index.
    leader: Option<Instant>,
    leader_commit: u64,
}

impl Contacts {
    fn lock(&self) -> std::sync::MutexGuard<'_, ContactsInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn replied(&self, member: NodeId) {
        self.lock().replies.insert(member, Instant::now());
    }

    pub fn heard_from_leader(&self, leader_commit: u64) {
        let mut inner = self.lock();
        inner.leader = Some(Instant::now());
        inner.leader_commit = inner.leader_commit.max(leader_commit);
    }

    /// Forgets members no longer in the cluster (the map stays bounded).
    fn retain(&self, members: &BTreeSet<NodeId>) {
        self.lock().replies.retain(|id, _| members.contains(id));
    }
}

fn since_ms(at: Option<Instant>) -> u64 {
    at.map_or(u64::MAX, |at| at.elapsed().as_millis() as u64)
}

/// This node's Raft standing, read from openraft's metrics.
pub struct Leadership {
    id: NodeId,
    raft: Raft,
    metrics: watch::Receiver<Metrics>,
    runtime: tokio::runtime::Handle,
}

/// The address of `leader` in the membership `m` knows (empty if none).
fn address_of(m: &Metrics, leader: Option<NodeId>) -> String {
    leader
        .and_then(|id| m.membership_config.membership().get_node(&id).cloned())
        .map_or_else(String::new, |n| n.addr)
}

impl Leadership {
    pub fn standing_of(&self, m: &Metrics) -> Standing {
        if m.running_state.is_err() || m.state == ServerState::Shutdown {
            return Standing::Stopped;
        }
        match m.current_leader {
            // The decider catches up (`catch_up`) before it decides.
            Some(leader) if leader == self.id && m.state == ServerState::Leader => {
                Standing::Leading {
                    term: m.current_term,
                }
            }
            Some(leader) if leader != self.id => Standing::Following {
                leader: address_of(m, Some(leader)),
            },
            _ => Standing::Electing,
        }
    }
}

impl Proposer for Leadership {
    fn standing(&self) -> Standing {
        self.standing_of(&self.metrics.borrow())
    }

    fn wait_for_change(&self, timeout: Duration) {
        let mut metrics = self.metrics.clone();
        metrics.mark_unchanged();
        // The timer is made inside the runtime: this thread is not one of its.
        let _ = self
            .runtime
            .block_on(async move { tokio::time::timeout(timeout, metrics.changed()).await });
    }

    fn catch_up(&self) -> Result<()> {
        // Read index: confirms the leadership and waits until everything
        // committed, this term's first entry included, is applied.
        let raft = self.raft.clone();
        self.runtime
            .block_on(async move { raft.ensure_linearizable().await })
            .map(|_| ())
            .map_err(|e| match e {
                openraft::error::RaftError::APIError(
                    openraft::error::CheckIsLeaderError::ForwardToLeader(f),
                ) => Error::NotLeader {
                    leader: f.leader_node.map_or_else(String::new, |n| n.addr),
                },
                openraft::error::RaftError::APIError(
                    openraft::error::CheckIsLeaderError::QuorumNotEnough(_),
                ) => Error::NoQuorum,
                openraft::error::RaftError::Fatal(_) => Error::ShuttingDown,
            })
    }

    fn propose(&self, proposal: Proposal) -> Result<Proposed> {
        let raft = self.raft.clone();
        let receiver = self
            .runtime
            .block_on(raft.client_write_ff(proposal))
            .map_err(|_| Error::ShuttingDown)?;
        Ok(Box::pin(async move {
            match receiver.await {
                Ok(Ok(response)) => Ok(response.data == Outcome::Applied),
                Ok(Err(ClientWriteError::ForwardToLeader(f))) => Err(Error::NotLeader {
                    leader: f.leader_node.map_or_else(String::new, |n| n.addr),
                }),
                Ok(Err(ClientWriteError::ChangeMembershipError(e))) => {
                    Err(Error::InvalidState(e.to_string()))
                }
                // Raft stopped with the entry out: it may still commit on
                // the others, so the outcome is unknown.
                Err(_) => Err(Error::NotCommitted),
            }
        }))
    }
}

pub struct Node {
    pub id: NodeId,
    pub raft: Raft,
    pub cell: Arc<CoreCell>,
    pub leadership: Arc<Leadership>,
    /// None once stopping: dropping the last handle stops the decider.
    writer: arc_swap::ArcSwapOption<Writer>,
    pub contacts: Arc<Contacts>,
    /// The cluster this node belongs to (0 until a joining node hears from it).
    pub cluster_id: Arc<AtomicU64>,
    /// The Raft log (openraft owns another handle): for the cluster id.
    pub log: LogStore,
    pub data_dir: PathBuf,
    /// A leader that heard from no majority for this long refuses writes at once.
    pub election_timeout_max_ms: u64,
    /// Held by the one snapshot being received (see `rpc`).
    pub snapshot_slot: Arc<tokio::sync::Mutex<()>>,
    /// Connections to the other nodes, shared with openraft's messages.
    network: Network,
    gate: ReadGate,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    dispatcher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Node {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: NodeId,
        raft: Raft,
        cell: Arc<CoreCell>,
        leadership: Arc<Leadership>,
        writer: crate::writer::Started,
        contacts: Arc<Contacts>,
        cluster_id: Arc<AtomicU64>,
        log: LogStore,
        data_dir: PathBuf,
        election_timeout_max_ms: u64,
        network: Network,
    ) -> Node {
        Node {
            id,
            raft,
            cell,
            leadership,
            writer: arc_swap::ArcSwapOption::from_pointee(writer.writer),
            contacts,
            cluster_id,
            log,
            data_dir,
            election_timeout_max_ms,
            snapshot_slot: Arc::new(tokio::sync::Mutex::new(())),
            network,
            gate: ReadGate::new(election_timeout_max_ms),
            writer_thread: Mutex::new(Some(writer.decider)),
            dispatcher: Mutex::new(Some(writer.dispatcher)),
        }
    }

    pub fn leadership(id: NodeId, raft: &Raft, runtime: tokio::runtime::Handle) -> Arc<Leadership> {
        Arc::new(Leadership {
            id,
            raft: raft.clone(),
            metrics: raft.metrics(),
            runtime,
        })
    }

    /// Hands a mutation to the writer; `reply` gets the answer.
    pub fn submit_to(&self, mutation: Mutation, reply: Box<dyn ReplyTo>) {
        match self.writer.load().as_ref() {
            Some(writer) => writer.submit_to(mutation, reply),
            None => reply.send(Err(Error::ShuttingDown)),
        }
    }

    /// Hands a mutation to the writer and waits for its answer.
    pub async fn submit(&self, mutation: Mutation) -> Result<couponsd_client::wire::Response> {
        let writer = self.writer.load_full().ok_or(Error::ShuttingDown)?;
        writer.submit(mutation).await
    }

    /// Sends views this node counted while following to the leader, which
    /// counts them as its own (VIEWS_FORWARD; `server::views`).
    pub async fn forward_views(
        &self,
        views: &[(u64, u64)],
    ) -> std::result::Result<(), ClientError> {
        let m = self.metrics();
        let leader = m
            .current_leader
            .filter(|leader| *leader != self.id)
            .ok_or_else(|| ClientError::Io("no leader is known".into()))?;
        let peer = self.network.peer(leader, address_of(&m, Some(leader)));
        let cluster_id = self.cluster_id.load(Ordering::Acquire);
        for part in views.chunks(codec::VIEWS_PER_MESSAGE) {
            let body = codec::encode(|w| codec::write_views(w, cluster_id, part));
            peer.send(opcode::VIEWS_FORWARD, body, VIEWS_FORWARD_TIMEOUT)
                .await?;
        }
        Ok(())
    }

    /// Mutations waiting in the writer's queue (0 once stopping).
    pub fn writer_queue_depth(&self) -> usize {
        self.writer.load().as_ref().map_or(0, |w| w.queued())
    }

    pub fn metrics(&self) -> Metrics {
        self.leadership.metrics.borrow().clone()
    }

    pub fn standing(&self) -> Standing {
        self.leadership.standing()
    }

    pub fn is_leader(&self) -> bool {
        matches!(self.standing(), Standing::Leading { .. })
    }

    /// Refuses writes on a node that does not lead (naming the leader), or
    /// that leads but has not heard from a majority for longer than an
    /// election takes (cut off: the others have likely elected someone else).
    pub fn check_leader(&self) -> Result<()> {
        match self.standing() {
            Standing::Leading { .. } => {
                let m = self.leadership.metrics.borrow();
                let voters = m.membership_config.membership().voter_ids().count();
                let silent = m
                    .millis_since_quorum_ack
                    .is_some_and(|ms| ms > self.election_timeout_max_ms);
                if voters > 1 && silent {
                    return Err(Error::NoQuorum);
                }
                Ok(())
            }
            Standing::Following { leader } => Err(Error::NotLeader { leader }),
            Standing::Stopped => Err(Error::ShuttingDown),
            // The writer waits a moment for the election to end.
            Standing::Electing => Ok(()),
        }
    }

    pub fn role(&self) -> NodeRole {
        // Borrowed, not cloned: this is on every request's path.
        match self.leadership.metrics.borrow().state {
            ServerState::Leader => NodeRole::Leader,
            ServerState::Follower => NodeRole::Follower,
            ServerState::Candidate => NodeRole::Candidate,
            ServerState::Learner => NodeRole::Learner,
            ServerState::Shutdown => NodeRole::Stopped,
        }
    }

    pub fn term(&self) -> u64 {
        self.leadership.metrics.borrow().current_term
    }

    /// Whether a read here must first be confirmed by a majority: on a
    /// leader with other voters, who may have elected someone else since.
    /// A follower's reads are as fresh as its applied log (see `status`).
    pub fn reads_need_confirmation(&self) -> bool {
        let m = self.leadership.metrics.borrow();
        m.state == ServerState::Leader && m.membership_config.membership().voter_ids().count() > 1
    }

    /// Waits until a read started now is linearizable: a majority confirmed
    /// this node still leads after the read arrived (read index, one round
    /// shared by every read waiting), and the state applied that far.
    pub async fn confirm_read(&self) -> Result<()> {
        self.gate.confirm(&self.raft).await
    }

    /// Adds `id` at `addr` as a learner, waits (up to `CATCH_UP_WAIT`) for it
    /// to catch up, then makes it a voter if asked.
    pub async fn add_member(&self, id: NodeId, addr: String, voter: bool) -> Result<ClusterStatus> {
        if id == 0 {
            return Err(Error::invalid("node_id", "must be at least 1"));
        }
        if addr.trim().is_empty() {
            return Err(Error::invalid("addr", "the new node's address is required"));
        }
        self.check_writable()?;
        let added = tokio::time::timeout(
            CATCH_UP_WAIT,
            self.raft.add_learner(id, NodeInfo::new(addr), true),
        )
        .await
        .map_err(|_| {
            Error::InvalidState(format!(
                "node {id} is a learner but did not catch up within {} s (is it running, with --join?); \
                 it goes on catching up: add it again to make it a voter",
                CATCH_UP_WAIT.as_secs()
            ))
        })?;
        added.map_err(membership_error)?;
        if voter {
            self.raft
                .change_membership(ChangeMembers::AddVoterIds(BTreeSet::from([id])), false)
                .await
                .map_err(membership_error)?;
        }
        Ok(self.status())
    }

    /// Removes `id`, voter or learner.
    pub async fn remove_member(&self, id: NodeId) -> Result<ClusterStatus> {
        self.check_writable()?;
        let m = self.metrics();
        let membership = m.membership_config.membership();
        let change = if membership.voter_ids().any(|v| v == id) {
            ChangeMembers::RemoveVoters(BTreeSet::from([id]))
        } else if membership.get_node(&id).is_some() {
            ChangeMembers::RemoveNodes(BTreeSet::from([id]))
        } else {
            return Err(Error::NotFound("cluster member"));
        };
        self.raft
            .change_membership(change, false)
            .await
            .map_err(membership_error)?;
        Ok(self.status())
    }

    fn check_writable(&self) -> Result<()> {
        match self.standing() {
            Standing::Leading { .. } => Ok(()),
            Standing::Following { leader } => Err(Error::NotLeader { leader }),
            Standing::Stopped => Err(Error::ShuttingDown),
            Standing::Electing => Err(Error::NotLeader {
                leader: String::new(),
            }),
        }
    }

    pub fn status(&self) -> ClusterStatus {
        let m = self.metrics();
        let membership = m.membership_config.membership();
        let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
        let last_log = m.last_log_index.unwrap_or(0);
        let leading = m.state == ServerState::Leader;
        let matched = |id: NodeId| -> Option<u64> {
            if id == self.id {
                return Some(last_log);
            }
            m.replication
                .as_ref()
                .and_then(|r| r.get(&id).cloned().flatten())
                .map(|l| l.index)
        };
        let committed = if leading {
            // The highest index a majority of the voters holds.
            let mut held: Vec<u64> = voters.iter().map(|&v| matched(v).unwrap_or(0)).collect();
            held.sort_unstable_by(|a, b| b.cmp(a));
            held.get(held.len() / 2).copied().unwrap_or(0)
        } else {
            self.contacts.lock().leader_commit
        };
        let all: BTreeSet<NodeId> = membership.nodes().map(|(id, _)| *id).collect();
        self.contacts.retain(&all);
        let contacts = self.contacts.lock();
        let members = membership
            .nodes()
            .map(|(&id, node)| {
                let matched_index = if leading { matched(id).unwrap_or(0) } else { 0 };
                ClusterMember {
                    node_id: id,
                    addr: node.addr.clone(),
                    voter: voters.contains(&id),
                    matched_index,
                    lag_entries: if leading {
                        last_log.saturating_sub(matched_index)
                    } else {
                        0
                    },
                    last_contact_ms: if id == self.id {
                        0
                    } else if leading {
                        since_ms(contacts.replies.get(&id).copied())
                    } else {
                        u64::MAX
                    },
                }
            })
            .collect();
        ClusterStatus {
            node_id: self.id,
            cluster_id: self.cluster_id.load(Ordering::Acquire),
            role: self.role(),
            term: m.current_term,
            leader_id: m.current_leader.unwrap_or(0),
            leader_addr: address_of(&m, m.current_leader),
            last_log_index: last_log,
            committed_index: committed,
            applied_index: m.last_applied.map_or(0, |l| l.index),
            lsn: self.cell.load().state.applied_lsn(),
            snapshot_index: m.snapshot.map_or(0, |l| l.index),
            purged_index: m.purged.map_or(0, |l| l.index),
            leader_contact_ms: if leading {
                0
            } else {
                since_ms(contacts.leader)
            },
            members,
        }
    }

    /// Stops taking writes and returns once the writer has proposed what was
    /// queued and those proposals were answered (or, past the commit
    /// timeout, told NOT_COMMITTED); then stops Raft.
    pub async fn stop(&self) {
        self.writer.store(None);
        let thread = self
            .writer_thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        let dispatcher = self
            .dispatcher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(dispatcher) = dispatcher {
            let _ = dispatcher.await;
        }
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "raft did not stop cleanly");
        }
        // The data file durable through what it applied, and the Raft log
        // told so: an older copy of the data file is refused at the next
        // start (`storage::binding`).
        let store = self.cell.load().store.clone();
        let flushed = tokio::task::spawn_blocking(move || {
            store.flush()?;
            super::state_machine::position(|key| store.read()?.cluster_value(key))
        })
        .await;
        match flushed {
            Ok(Ok((Some(applied), _))) => {
                if let Err(e) = self.log.flush_binding(applied.index).await {
                    tracing::warn!(error = %e, "could not record the data file's position");
                }
            }
            Ok(Ok((None, _))) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not flush the data file"),
            Err(e) => tracing::warn!(error = %e, "could not flush the data file"),
        }
        self.log.close();
    }
}

fn membership_error(e: RaftError<NodeId, ClientWriteError<NodeId, NodeInfo>>) -> Error {
    match e {
        RaftError::APIError(ClientWriteError::ForwardToLeader(f)) => Error::NotLeader {
            leader: f.leader_node.map_or_else(String::new, |n| n.addr),
        },
        RaftError::APIError(ClientWriteError::ChangeMembershipError(e)) => {
            Error::InvalidState(e.to_string())
        }
        RaftError::Fatal(_) => Error::ShuttingDown,
    }
}
