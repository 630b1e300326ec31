//! The cluster: the write-ahead log replicated and committed by Raft
//! (openraft), so that a majority holds every acknowledged write, a new
//! leader is elected within seconds of the old one's failure, and a node
//! without a majority never takes a write. One node alone is a cluster of one.
//!
//! - `types`: the Raft type configuration (entries carry `writer::Proposal`s).
//! - `codec`: the bytes of log ids, votes, memberships, entries and the
//!   node-to-node messages.
//! - `log_store`: openraft's log storage over `storage::raft_log`, with group commit;
//!   `log_bytes`: its size in bytes, and the bound on it.
//! - `state_machine`: openraft's state machine: `writer::Applier`, and
//!   snapshots of the state machine's files.
//! - `snapshot`: snapshots cut into checked parts and put back together.
//! - `network`: Raft's messages to the other nodes; `rpc`: from them.
//! - `node`: this node's standing, linearizable reads (`read_gate`),
//!   membership changes and status.
//!
//! **Invariant:** only the leader of the current term decides writes, and
//! only once that term's first entry is applied; a write is answered only
//! once its entry is committed on a majority and applied here.

// openraft's error types are large, and its traits fix the signatures that
// return them; boxing them only in our helpers would buy nothing.
#![allow(clippy::result_large_err)]

pub mod codec;
pub mod log_bytes;
pub mod log_store;
pub mod network;
pub mod node;
pub mod read_gate;
pub mod rpc;
pub mod snapshot;
pub mod state_machine;
pub mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use openraft::{CommittedLeaderId, SnapshotPolicy};

pub use network::PeerAuth;
pub use node::Node;
use types::{LogId, Membership, Node as NodeInfo, NodeId, Raft, StoredMembership};

use crate::storage::binding::{self, DurableIndexes, Facts, Present, StoreFile, Verdict};
use crate::storage::{write_keys, StorageError, Store};
use crate::writer::{recover, Core, CoreCell, InFlight, Writer, WriterConfig};

#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub node_id: NodeId,
    /// The address clients and the other nodes reach this node at.
    pub advertise: String,
    /// A new cluster's voters (id -> address); empty: this node alone.
    pub peers: BTreeMap<NodeId, String>,
    /// Start empty and wait to be added with `cluster add`, instead of
    /// forming a cluster.
    pub join: bool,
    pub heartbeat_ms: u64,
    pub election_timeout_min_ms: u64,
    pub election_timeout_max_ms: u64,
    /// Log entries between snapshots (a snapshot lets the log before it go).
    pub snapshot_entries: u64,
    /// Entries kept behind the last snapshot: a node that lags by less
    /// resumes from the log instead of taking a snapshot.
    pub log_keep_entries: u64,
    /// The most bytes of entries the log keeps (see `log_bytes`).
    pub log_keep_bytes: u64,
}

impl ClusterConfig {
    /// One node alone at `advertise`: the embedded default.
    pub fn single(advertise: String) -> ClusterConfig {
        ClusterConfig {
            node_id: 1,
            advertise,
            peers: BTreeMap::new(),
            join: false,
            heartbeat_ms: 100,
            election_timeout_min_ms: 500,
            election_timeout_max_ms: 1000,
            snapshot_entries: 10_000,
            log_keep_entries: 20_000,
            log_keep_bytes: 256 << 20,
        }
    }

    /// The voters of the cluster this node forms when new.
    fn initial_members(&self) -> BTreeMap<NodeId, NodeInfo> {
        if self.peers.is_empty() {
            BTreeMap::from([(self.node_id, NodeInfo::new(self.advertise.clone()))])
        } else {
            self.peers
                .iter()
                .map(|(id, addr)| (*id, NodeInfo::new(addr.clone())))
                .collect()
        }
    }

    fn raft_config(&self) -> Result<openraft::Config, StartError> {
        openraft::Config {
            cluster_name: "couponsd".into(),
            heartbeat_interval: self.heartbeat_ms,
            election_timeout_min: self.election_timeout_min_ms,
            election_timeout_max: self.election_timeout_max_ms,
            max_payload_entries: 256,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(self.snapshot_entries),
            max_in_snapshot_log_to_keep: self.log_keep_entries,
            // A snapshot streams the whole store: allow it the time.
            install_snapshot_timeout: 3_600_000,
            ..Default::default()
        }
        .validate()
        .map_err(|e| StartError::Config(e.to_string()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Refused(String),
    #[error("the data directory's files do not belong together: {}; nothing was changed (see `couponsd verify`)", join_problems(.0))]
    Binding(Vec<crate::storage::binding::Problem>),
    #[error("raft: {0}")]
    Raft(String),
    #[error("starting the writer: {0}")]
    Thread(#[from] std::io::Error),
}

fn join_problems(problems: &[crate::storage::binding::Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The log id a store migrated from before clusters is taken to be at: a
/// snapshot at index 0, so every node that joins it takes a snapshot.
fn genesis() -> LogId {
    LogId::new(CommittedLeaderId::new(0, 0), 0)
}

/// The id a new cluster of several voters takes: the same on each of them,
/// from the voters they were all given.
fn cluster_id_of(members: &BTreeMap<NodeId, NodeInfo>) -> u64 {
    let text: Vec<String> = members
        .iter()
        .map(|(id, n)| format!("{id}={}", n.addr))
        .collect();
    siphasher::sip::SipHasher13::new_with_keys(0x636f_7570_6f6e, 0x7364)
        .hash(text.join(",").as_bytes())
        | 1
}

/// Opens the store and the Raft log in `data_dir`, forms, joins or rejoins
/// the cluster, and starts the writer.
pub async fn start(
    config: &ClusterConfig,
    data_dir: &Path,
    quick_repair: bool,
    writer_config: &WriterConfig,
    peer_auth: Arc<ArcSwap<PeerAuth>>,
) -> Result<Arc<Node>, StartError> {
    let opening = std::time::Instant::now();
    let present = Store::present_files(data_dir)?;
    // Every file of this node reports its write failures here.
    let health = Arc::new(crate::storage::Health::default());
    let store = Store::open(data_dir, quick_repair, health.clone())?;
    let durable = Arc::new(DurableIndexes::default());
    let log = log_store::LogStore::open(
        data_dir,
        writer_config.debug_commit_delay,
        durable.clone(),
        health,
    )?;
    let binding = match check_binding(present, &store, &log) {
        Ok(verdict) => verdict,
        Err(e) => {
            log.close();
            drop((store, log));
            remove_created(data_dir, present);
            return Err(e);
        }
    };
    tracing::info!(ms = opening.elapsed().as_millis() as u64, "store opened");
    let opened = Opened {
        store,
        log: log.clone(),
        binding,
        durable,
    };
    let started = start_opened(
        config,
        data_dir,
        quick_repair,
        writer_config,
        peer_auth,
        opened,
    )
    .await;
    if started.is_err() {
        // Closed cleanly: `couponsd verify` reads it offline.
        log.close();
    }
    started
}

/// The store and the Raft log of a data directory, once their binding was checked.
struct Opened {
    store: Store,
    log: log_store::LogStore,
    binding: Verdict,
    durable: Arc<DurableIndexes>,
}

async fn start_opened(
    config: &ClusterConfig,
    data_dir: &Path,
    quick_repair: bool,
    writer_config: &WriterConfig,
    peer_auth: Arc<ArcSwap<PeerAuth>>,
    opened: Opened,
) -> Result<Arc<Node>, StartError> {
    let Opened {
        mut store,
        log,
        binding,
        durable,
    } = opened;
    let members = config.initial_members();
    if !config.join && !members.contains_key(&config.node_id) {
        return Err(StartError::Refused(format!(
            "--peers does not name this node (--node-id {})",
            config.node_id
        )));
    }
    let pristine = log.is_pristine()?;
    let (applied, _) = state_machine::position(|key| store.read()?.cluster_value(key))?;
    let has_data = store.read()?.meta(write_keys::LAST_LSN)? > 0;
    let mut initialize = false;
    if pristine && applied.is_some() {
        return Err(StartError::Refused(format!(
            "{} is missing or empty but the data was applied up to {applied:?}: \
             restore it, or empty this data directory and add the node again",
            crate::storage::raft_log::RAFT_FILE
        )));
    }
    if pristine && has_data {
        migrate(config, &store, &log, &members).await?;
    } else if pristine && !config.join {
        let id = if members.len() == 1 {
            rand::random::<u64>() | 1
        } else {
            cluster_id_of(&members)
        };
        log.set_cluster_id(id)
            .await
            .map_err(|e| StartError::Raft(e.to_string()))?;
        initialize = true;
    }
    bind(binding, &mut store, &log).await?;
    log.stand_down(config.node_id)
        .await
        .map_err(|e| StartError::Raft(e.to_string()))?;
    let (state, recovered) = recover(&store)?;
    tracing::info!(
        coupons = state.coupon_count(),
        checkpoint_lsn = recovered.checkpoint_lsn,
        replayed = recovered.replayed_records,
        last_lsn = recovered.last_lsn,
        definitions_ms = recovered.definitions_ms,
        checkpoint_ms = recovered.checkpoint_ms,
        replay_ms = recovered.replay_ms,
        "state recovered"
    );
    let cell = Arc::new(CoreCell::new(Core {
        store: Arc::new(store),
        state: Arc::new(state),
    }));
    let in_flight = Arc::new(InFlight::default());
    let state_machine = state_machine::StateMachine::new(
        cell.clone(),
        writer_config,
        data_dir.to_path_buf(),
        quick_repair,
        in_flight.clone(),
        durable,
    )?;
    let cluster_id = Arc::new(AtomicU64::new(log.cluster_id()?));
    let contacts = Arc::new(node::Contacts::default());
    let network = network::Network::new(
        config.node_id,
        cluster_id.clone(),
        peer_auth,
        contacts.clone(),
    );
    let raft = Raft::new(
        config.node_id,
        Arc::new(config.raft_config()?),
        network.clone(),
        log.clone(),
        state_machine,
    )
    .await
    .map_err(|e| StartError::Raft(e.to_string()))?;
    if initialize {
        match raft.initialize(members.clone()).await {
            Ok(()) => {
                tracing::info!(voters = ?members.keys().collect::<Vec<_>>(), "formed a new cluster")
            }
            Err(openraft::error::RaftError::APIError(
                openraft::error::InitializeError::NotAllowed(_),
            )) => {}
            Err(e) => return Err(StartError::Raft(e.to_string())),
        }
    }
    let leadership = Node::leadership(config.node_id, &raft, tokio::runtime::Handle::current());
    let writer = Writer::start(
        cell.clone(),
        writer_config.clone(),
        leadership.clone(),
        in_flight,
    )?;
    // Started once nothing can fail: it holds a handle of Raft until Raft stops.
    tokio::spawn(log_bytes::bound_loop(
        raft.clone(),
        log.bytes(),
        config.log_keep_bytes,
    ));
    let node = Arc::new(Node::new(
        config.node_id,
        raft,
        cell,
        leadership,
        writer,
        contacts,
        cluster_id,
        log,
        data_dir.to_path_buf(),
        config.election_timeout_max_ms,
        network,
    ));
    lead_alone(&node).await;
    Ok(node)
}

/// Checks that the store's three files belong together (see
/// `storage::binding`).
fn check_binding(
    present: Present,
    store: &Store,
    log: &log_store::LogStore,
) -> Result<Verdict, StartError> {
    let (data, checkpoint) = store.binding_facts(&codec::read_opt_index)?;
    let facts = Facts {
        present,
        data,
        checkpoint,
        raft: log.binding_facts()?,
    };
    binding::check(&facts).map_err(StartError::Binding)
}

/// A refused start leaves the directory as it found it: the files it
/// created (empty) go.
fn remove_created(data_dir: &Path, present: Present) {
    for file in StoreFile::ALL {
        if !present.get(file) {
            if let Err(e) = std::fs::remove_file(data_dir.join(file.name())) {
                tracing::warn!(file = file.name(), error = %e, "could not remove a file this start created");
            }
        }
    }
}

/// Binds a new store, or one from before store ids, to a new id (or
/// finishes a binding a crash interrupted): data file, checkpoint file,
/// Raft log, then the data file's pending mark goes.
async fn bind(
    verdict: Verdict,
    store: &mut Store,
    log: &log_store::LogStore,
) -> Result<(), StartError> {
    let id = match verdict {
        Verdict::Bound(_) => return Ok(()),
        Verdict::Finish(id) => id,
        Verdict::New => rand::random::<u64>() | 1,
    };
    store.bind(id)?;
    log.bind(id)
        .await
        .map_err(|e| StartError::Raft(e.to_string()))?;
    store.finish_binding()?;
    tracing::info!(
        store_id = format!("{id:016x}"),
        "the store's files are bound to each other"
    );
    Ok(())
}

/// A node that is its cluster's only voter need not wait out an election
/// timeout: it stands at once, and start-up waits until it leads and has
/// applied everything committed (its reads skip the read index: nobody else
/// can lead).
async fn lead_alone(node: &Node) {
    // The metrics show the membership once openraft has loaded it (a node
    // that waits to join has none).
    let loaded = node
        .raft
        .wait(Some(Duration::from_secs(5)))
        .metrics(
            |m| m.membership_config.log_id().is_some(),
            "membership loaded",
        )
        .await;
    if loaded.is_err() {
        return;
    }
    let voters: BTreeSet<NodeId> = node
        .metrics()
        .membership_config
        .membership()
        .voter_ids()
        .collect();
    if voters != BTreeSet::from([node.id]) {
        return;
    }
    if let Err(e) = node.raft.trigger().elect().await {
        tracing::warn!(error = %e, "could not stand for election");
        return;
    }
    let waited = node
        .raft
        .wait(Some(Duration::from_secs(10)))
        .metrics(|m| m.current_leader == Some(node.id), "leading alone")
        .await;
    if let Err(e) = waited {
        tracing::warn!(error = %e, "not leading yet");
        return;
    }
    let caught_up = tokio::time::timeout(Duration::from_secs(60), node.raft.ensure_linearizable());
    match caught_up.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not catch up before serving"),
        Err(_) => tracing::warn!("still applying the log after 60 s; serving meanwhile"),
    }
}

/// Makes a store from before clusters (a lone node, or a leader or follower
/// of the replication that came before Raft), or one `couponsd restore`
/// made (which has no Raft position either), the state of a cluster of one:
/// as of a snapshot at index 0, so that every node added later takes a
/// snapshot of it. Its cluster id carries over.
async fn migrate(
    config: &ClusterConfig,
    store: &Store,
    log: &log_store::LogStore,
    members: &BTreeMap<NodeId, NodeInfo>,
) -> Result<(), StartError> {
    if config.join || members.len() > 1 {
        return Err(StartError::Refused(
            "this data directory holds data from before clusters: start this node alone first \
             (without --peers or --join), then add the others with `couponsd cluster add`"
                .into(),
        ));
    }
    let legacy_id = store.forget_legacy_replication()?;
    let cluster_id = if legacy_id == 0 {
        rand::random::<u64>() | 1
    } else {
        legacy_id
    };
    let voters = BTreeSet::from([config.node_id]);
    let membership = StoredMembership::new(
        Some(genesis()),
        Membership::new(vec![voters], members.clone()),
    );
    let mut changes = crate::storage::Changes::default();
    changes.set_cluster(
        write_keys::cluster_keys::APPLIED,
        codec::encode(|w| codec::write_opt_log_id(w, &Some(genesis()))),
    );
    changes.set_cluster(
        write_keys::cluster_keys::MEMBERSHIP,
        codec::encode(|w| codec::write_stored_membership(w, &membership)),
    );
    store.commit(changes, true)?;
    let raft_error = |e: types::StorageError| StartError::Raft(e.to_string());
    log.set_cluster_id(cluster_id).await.map_err(raft_error)?;
    log.set_purged(genesis()).await.map_err(raft_error)?;
    tracing::warn!(
        cluster_id = format!("{cluster_id:016x}"),
        "migrated a data directory from before clusters (or restored from a backup): this node \
         is now a cluster of one; add the others with `couponsd cluster add`"
    );
    Ok(())
}
