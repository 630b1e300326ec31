//! This node's role and what it serves from. Connections read both on every
//! request; they change on promotion, fencing and snapshot installs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use couponsd_client::wire::{NodeRole, ReplicationStatus};
use tokio_util::sync::CancellationToken;

use super::hub::Hub;
use crate::error::{Error, Result};
use crate::state::State;
use crate::storage::{write_keys, Changes, StorageError, Store};
use crate::writer::{Writer, WriterConfig};

/// The store and the state built from it (replaced together by a snapshot install).
pub struct Core {
    pub store: Arc<Store>,
    pub state: Arc<State>,
}

pub enum Role {
    Leader(Writer),
    /// Follows `leader` (the address last tried; empty when unknown).
    Follower {
        leader: String,
    },
    /// A leader that learned of a newer epoch: it never takes writes again
    /// until it is restarted as a follower.
    Fenced,
    /// Shutting down: the writer is being drained.
    Stopping,
}

/// What a follower knows about its stream.
#[derive(Default)]
struct FollowerView {
    connected: AtomicBool,
    leader_lsn: AtomicU64,
}

pub struct Node {
    core: ArcSwap<Core>,
    role: ArcSwap<Role>,
    pub hub: Arc<Hub>,
    epoch: AtomicU64,
    follower: FollowerView,
    /// The follower task, stopped on promotion.
    following: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
    writer_config: WriterConfig,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    pub data_dir: PathBuf,
    pub quick_repair: bool,
}

impl Node {
    pub fn new(
        core: Core,
        hub: Arc<Hub>,
        writer_config: WriterConfig,
        data_dir: PathBuf,
        quick_repair: bool,
    ) -> Result<Node, StorageError> {
        let epoch = core.store.read()?.meta(write_keys::EPOCH)?.max(1);
        Ok(Node {
            core: ArcSwap::from_pointee(core),
            role: ArcSwap::from_pointee(Role::Follower {
                leader: String::new(),
            }),
            hub,
            epoch: AtomicU64::new(epoch),
            follower: FollowerView::default(),
            following: Mutex::new(None),
            writer_config,
            writer_thread: Mutex::new(None),
            data_dir,
            quick_repair,
        })
    }

    pub fn core(&self) -> Arc<Core> {
        self.core.load_full()
    }

    pub fn replace_core(&self, core: Core) {
        self.core.store(Arc::new(core));
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn set_epoch(&self, epoch: u64) {
        self.epoch.fetch_max(epoch, Ordering::AcqRel);
    }

    pub fn writer_config(&self) -> &WriterConfig {
        &self.writer_config
    }

    pub fn role(&self) -> NodeRole {
        match **self.role.load() {
            Role::Leader(_) => NodeRole::Leader,
            _ => NodeRole::Follower,
        }
    }

    pub fn is_leader(&self) -> bool {
        matches!(**self.role.load(), Role::Leader(_))
    }

    /// Runs `f` with the writer, or says where the leader is.
    pub fn with_writer<T>(&self, f: impl FnOnce(&Writer) -> T) -> Result<T> {
        match &**self.role.load() {
            Role::Leader(writer) => Ok(f(writer)),
            Role::Follower { leader } => Err(Error::NotLeader {
                leader: leader.clone(),
            }),
            Role::Fenced => Err(Error::NotLeader {
                leader: String::new(),
            }),
            Role::Stopping => Err(Error::ShuttingDown),
        }
    }

    /// Starts the writer and takes writes.
    pub fn become_leader(&self) -> std::io::Result<()> {
        let core = self.core();
        let (writer, thread) = Writer::start(
            core.store.clone(),
            core.state.clone(),
            self.writer_config.clone(),
            self.hub.clone(),
        )?;
        *self.writer_thread.lock().unwrap_or_else(|e| e.into_inner()) = Some(thread);
        self.role.store(Arc::new(Role::Leader(writer)));
        Ok(())
    }

    /// A replaced leader restarted without --replica-of: reads only.
    pub fn stay_fenced(&self) {
        self.role.store(Arc::new(Role::Fenced));
    }

    pub fn become_follower(&self, leader: &str) {
        self.role.store(Arc::new(Role::Follower {
            leader: leader.to_string(),
        }));
    }

    /// Records the follower task so that promotion can stop it.
    pub fn set_following(&self, stop: CancellationToken, task: tokio::task::JoinHandle<()>) {
        *self.following.lock().unwrap_or_else(|e| e.into_inner()) = Some((stop, task));
    }

    pub fn set_stream(&self, connected: bool, leader_lsn: Option<u64>) {
        self.follower.connected.store(connected, Ordering::Release);
        if let Some(lsn) = leader_lsn {
            self.follower.leader_lsn.store(lsn, Ordering::Release);
        }
    }

    /// A follower with an epoch newer than ours exists: stop taking writes,
    /// durably, so that a restart does not take them either.
    pub fn fence(&self, newer_epoch: u64) {
        if !self.is_leader() {
            return;
        }
        tracing::warn!(
            epoch = self.epoch(),
            newer_epoch,
            "a newer epoch exists: this node is fenced and takes no writes; restart it with --replica-of"
        );
        self.role.store(Arc::new(Role::Fenced));
        let mut changes = Changes::default();
        changes.set_meta(write_keys::FENCED_EPOCH, newer_epoch);
        if let Err(e) = self.core().store.commit(&changes) {
            tracing::error!(error = %e, "could not record the fence; it holds until restart");
        }
    }

    /// Makes this follower the leader with a new, higher epoch.
    pub async fn promote(&self) -> Result<(u64, u64)> {
        if !matches!(**self.role.load(), Role::Follower { .. }) {
            return Err(Error::InvalidState(
                "only a follower can be promoted".into(),
            ));
        }
        if self.core().state.applied_lsn() == 0 {
            return Err(Error::InvalidState(
                "this follower holds no data yet: promoting it would start an empty cluster".into(),
            ));
        }
        self.stop_following().await;
        let core = self.core();
        let view = core.store.read()?;
        let epoch = view.meta(write_keys::EPOCH)?.max(self.epoch()) + 1;
        let lsn = core.state.applied_lsn();
        let mut changes = Changes::default();
        changes.set_meta(write_keys::EPOCH, epoch);
        changes.set_meta(write_keys::FENCED_EPOCH, 0);
        changes.put_epoch(epoch, lsn + 1);
        core.store.commit(&changes)?;
        self.set_epoch(epoch);
        self.set_stream(false, None);
        self.become_leader()
            .map_err(|e| Error::Storage(StorageError::Io(e)))?;
        tracing::warn!(epoch, lsn, "promoted: this node is now the leader");
        Ok((epoch, lsn))
    }

    pub fn status(&self) -> ReplicationStatus {
        let lsn = self.core().state.applied_lsn();
        let role = self.role.load();
        let (leader, fenced) = match &**role {
            Role::Follower { leader } => (leader.clone(), false),
            Role::Fenced => (String::new(), true),
            _ => (String::new(), false),
        };
        let is_leader = matches!(**role, Role::Leader(_));
        ReplicationStatus {
            role: self.role(),
            epoch: self.epoch(),
            lsn,
            leader,
            connected: !is_leader && self.follower.connected.load(Ordering::Acquire),
            leader_lsn: if is_leader {
                lsn
            } else {
                self.follower.leader_lsn.load(Ordering::Acquire)
            },
            sync_replicas: self.hub.sync_replicas(),
            fenced,
            followers: if is_leader {
                self.hub.followers(lsn)
            } else {
                Vec::new()
            },
        }
    }

    /// Stops the follower task, if any, and waits for it (it stops between
    /// batches, never inside a commit).
    async fn stop_following(&self) {
        let following = self
            .following
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some((stop, task)) = following {
            stop.cancel();
            let _ = task.await;
        }
    }

    /// Stops taking writes and stops following; returns once the writer has
    /// committed everything queued.
    pub async fn stop(&self) {
        self.stop_following().await;
        // Dropping the last Writer handle closes its queue.
        self.role.store(Arc::new(Role::Stopping));
        let thread = self
            .writer_thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}
