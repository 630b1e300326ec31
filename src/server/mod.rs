//! The network side: accept loop, connection limits, hold sweeper, shutdown.

pub mod auth;
pub mod config;
mod connection;
mod dispatch;
mod generator;

use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use couponsd_client::wire::{ErrorBody, ErrorCode};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::ServerConfig;

use crate::replication::{self, Core, Hub, Node};
use crate::storage::{write_keys, Store};
use crate::writer::{self, Mutation};

/// What every connection shares.
pub struct Shared {
    pub node: Arc<Node>,
    pub config: ServerConfig,
    pub started: Instant,
    pub connections: AtomicU32,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("opening the store in {dir}: {source}")]
    Store {
        dir: String,
        source: crate::storage::StorageError,
    },
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("starting the writer thread: {0}")]
    Thread(std::io::Error),
}

/// Runs the server until `shutdown` is cancelled, then stops accepting, lets
/// in-flight requests finish (up to the grace period), drains the writer so
/// that everything acknowledged is durable, and returns.
pub async fn run(config: ServerConfig, shutdown: CancellationToken) -> Result<(), ServeError> {
    let opening = Instant::now();
    let store =
        Store::open(&config.data_dir, config.quick_repair).map_err(|source| ServeError::Store {
            dir: config.data_dir.display().to_string(),
            source,
        })?;
    // After an unclean stop redb verifies and repairs the files here.
    tracing::info!(ms = opening.elapsed().as_millis() as u64, "store opened");
    let (state, recovered) = writer::recover(&store).map_err(|source| ServeError::Store {
        dir: config.data_dir.display().to_string(),
        source,
    })?;
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
    let fenced = store
        .read()
        .and_then(|v| v.meta(write_keys::FENCED_EPOCH))
        .map_err(|source| ServeError::Store {
            dir: config.data_dir.display().to_string(),
            source,
        })?;
    let hub = Arc::new(Hub::new(
        config.sync_replicas,
        config.sync_timeout,
        state.applied_lsn(),
    ));
    let core = Core {
        store: Arc::new(store),
        state: Arc::new(state),
    };
    let node = Node::new(
        core,
        hub,
        config.writer.clone(),
        config.data_dir.clone(),
        config.quick_repair,
    )
    .map_err(|source| ServeError::Store {
        dir: config.data_dir.display().to_string(),
        source,
    })?;
    let node = Arc::new(node);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen.to_string(),
            source,
        })?;
    let local = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.listen.to_string(),
        source,
    })?;
    if config.tokens.is_empty() {
        tracing::warn!(
            "no tokens configured: only loopback clients may connect, with full rights (protected mode); \
             configure --accept-token ROLE:SECRET to accept remote clients"
        );
    }
    if let Some(follow) = &config.follow {
        let stop = shutdown.child_token();
        let task = tokio::spawn(replication::follower::run(
            node.clone(),
            follow.clone(),
            stop.clone(),
        ));
        node.set_following(stop, task);
    } else if fenced > 0 {
        node.stay_fenced();
        tracing::warn!(
            fenced_epoch = fenced,
            "this node was a leader replaced by a newer epoch: it takes no writes; restart it with --replica-of"
        );
    } else {
        node.become_leader().map_err(ServeError::Thread)?;
    }
    let shared = Arc::new(Shared {
        node,
        config,
        started: Instant::now(),
        connections: AtomicU32::new(0),
    });
    tracing::info!(listen = %local, data = %shared.config.data_dir.display(), role = shared.node.role().name(), "couponsd serving");

    let tasks = TaskTracker::new();
    tasks.spawn(sweep_holds(shared.clone(), shutdown.clone()));
    tasks.spawn(generator::run(shared.clone(), shutdown.clone()));
    // Runs until the writer has stopped: requests parked for followers must be
    // answered (or time out) while connections drain.
    let expiry_stop = CancellationToken::new();
    tokio::spawn(expire_unreplicated(shared.clone(), expiry_stop.clone()));
    accept_loop(&listener, &shared, &shutdown, &tasks).await;

    tracing::info!("shutting down: finishing in-flight requests");
    drop(listener);
    tasks.close();
    if tokio::time::timeout(shared.config.shutdown_grace, tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!("grace period over; closing remaining connections");
    }
    // The writer commits what is queued and stops.
    shared.node.stop().await;
    expiry_stop.cancel();
    tracing::info!("stopped; all acknowledged writes are durable");
    Ok(())
}

async fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    shutdown: &CancellationToken,
    tasks: &TaskTracker,
) {
    let slots = Arc::new(Semaphore::new(shared.config.max_connections));
    let mut backoff = std::time::Duration::from_millis(5);
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = listener.accept() => a,
        };
        let (mut socket, peer) = match accepted {
            Ok(a) => {
                backoff = std::time::Duration::from_millis(5);
                a
            }
            Err(e) => {
                // Usually out of file descriptors: wait instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(1));
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tasks.spawn(async move {
                let mut buf = BytesMut::new();
                let body = ErrorBody {
                    message: "too many connections".into(),
                    leader: String::new(),
                };
                body.encode_frame(0, 0, ErrorCode::Busy, &mut buf);
                let _ =
                    tokio::time::timeout(std::time::Duration::from_secs(1), socket.write_all(&buf))
                        .await;
            });
            continue;
        };
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            connection::count_open(&shared, 1);
            connection::serve(socket, peer, shared.clone(), shutdown).await;
            connection::count_open(&shared, -1);
            drop(slot);
        });
    }
}

async fn sweep_holds(shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(shared.config.hold_sweep_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        // Only the leader expires holds (followers get the result in the
        // log), and not while too few followers are connected to confirm it.
        let Ok(sweep) = shared.node.with_writer(|w| w.clone()) else {
            continue;
        };
        if shared.node.hub.check_writable().is_err() {
            continue;
        }
        if let Err(e) = sweep.submit(Mutation::ExpireHolds).await {
            tracing::warn!(error = %e, "hold sweep failed; retrying at the next tick");
        }
    }
}

/// Answers writes that waited longer than --sync-timeout-ms for their followers.
async fn expire_unreplicated(shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => shared.node.hub.expire_parked(),
        }
    }
}
