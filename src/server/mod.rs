//! The network side: accept loop, connection limits, the hold and window
//! sweepers, shutdown.

mod admission;
mod analytics;
pub mod auth;
mod backup;
pub mod config;
mod connection;
pub mod credentials;
mod dispatch;
mod distribution;
mod generator;
pub mod guessing;
pub mod http;
mod in_process;
mod reply_budget;
mod sender;
pub mod tls;
pub mod tokens;
mod views;
pub mod webhooks;

use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use couponsd_client::wire::{ErrorBody, ErrorCode};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use admission::Unauthenticated;
pub use config::ServerConfig;
use credentials::CredentialCells;
use reply_budget::ReplyMemory;

use crate::cluster::{self, Node};
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::writer::Mutation;

/// What every connection shares.
pub struct Shared {
    pub node: Arc<Node>,
    pub config: ServerConfig,
    pub started: Instant,
    pub connections: AtomicU32,
    pub credentials: Arc<CredentialCells>,
    /// Bytes of replies not yet written, over every connection.
    pub reply_memory: Arc<ReplyMemory>,
    /// Connections before HELLO, per address.
    pub unauthenticated: Arc<Unauthenticated>,
    /// Reads that walk many rows in progress (see `dispatch::reads_long`):
    /// one per core.
    pub long_reads: Arc<Semaphore>,
    /// Unknown codes tried, per client.
    pub guesses: guessing::GuessLimiter,
    /// Validations answered, per coupon, until the next flush (analytics).
    pub views: views::Views,
    /// Held by the one backup this node streams at a time (`backup`).
    pub backup_slot: Arc<tokio::sync::Mutex<()>>,
    /// The leader's last delivery attempts per webhook endpoint.
    pub webhook_attempts: webhooks::Attempts,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("starting in {dir}: {source}")]
    Start {
        dir: String,
        source: cluster::StartError,
    },
    #[error("{0}")]
    Credentials(#[from] credentials::CredentialError),
    #[error(
        "refusing to listen on {0} without authentication: a non-loopback address needs --token-file or client certificates (--tls-ca and --client-cert-role)"
    )]
    Unauthenticated(std::net::SocketAddr),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Distribution(#[from] crate::distribution::email::SetupError),
}

/// Runs the server until `shutdown` is cancelled, then stops accepting, lets
/// in-flight requests finish (up to the grace period), stops the writer so
/// that everything acknowledged is applied, and returns.
pub async fn run(config: ServerConfig, shutdown: CancellationToken) -> Result<(), ServeError> {
    let credentials = config.credentials.load()?;
    // Read once at start (password, template files): a mistake stops the start.
    let mailer = match &config.distribution.smtp {
        Some(smtp) => Some(Arc::new(crate::distribution::email::Mailer::new(smtp)?)),
        None => None,
    };
    let certificates_authenticate = credentials.tls.is_some()
        && config
            .credentials
            .tls
            .as_ref()
            .is_some_and(|t| t.ca.is_some())
        && !config.client_cert_roles.is_empty();
    if credentials.tokens.is_empty()
        && !certificates_authenticate
        && !auth::is_loopback(config.listen.ip())
    {
        // Protected mode would refuse every remote client anyway: say so now.
        return Err(ServeError::Unauthenticated(config.listen));
    }
    let credentials = Arc::new(CredentialCells::new(credentials));
    // Bound first: the other nodes need this address to elect a leader.
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
    // Before the node starts (loading a large store takes a while): a
    // liveness probe gets its answer, and readiness says it is starting.
    let started: http::Started = Arc::default();
    let tasks = TaskTracker::new();
    if let Some(http_config) = &config.http {
        let http_listener = TcpListener::bind(http_config.listen)
            .await
            .map_err(|source| ServeError::Listen {
                addr: http_config.listen.to_string(),
                source,
            })?;
        tracing::info!(
            listen = %http_config.listen,
            console = http_config.console,
            "http: /healthz, /readyz, /metrics (and /console/ when console is true)"
        );
        tasks.spawn(http::run(
            http_listener,
            http_config.clone(),
            started.clone(),
            shutdown.clone(),
        ));
    }
    if credentials.server.load().tokens.is_empty() {
        tracing::warn!(
            "no tokens configured: only loopback clients may connect, with full rights (protected mode); \
             give --token-file to accept remote clients"
        );
    }
    let node = cluster::start(
        &config.cluster,
        &config.data_dir,
        config.quick_repair,
        &config.writer,
        credentials.peer.clone(),
    )
    .await
    .map_err(|source| ServeError::Start {
        dir: config.data_dir.display().to_string(),
        source,
    })?;
    let shared = Arc::new(Shared {
        node,
        started: Instant::now(),
        connections: AtomicU32::new(0),
        credentials,
        reply_memory: Arc::new(ReplyMemory::new(config.max_unread_reply_bytes_total)),
        unauthenticated: Arc::new(Unauthenticated::new(config.max_unauthenticated_per_address)),
        long_reads: Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )),
        guesses: guessing::GuessLimiter::new(config.guess_limits),
        views: views::Views::new(config.writer.analytics),
        backup_slot: Arc::new(tokio::sync::Mutex::new(())),
        webhook_attempts: webhooks::Attempts::default(),
        config,
    });
    tracing::info!(
        listen = %local,
        data = %shared.config.data_dir.display(),
        node_id = shared.node.id,
        role = shared.node.role().name(),
        "couponsd serving"
    );

    // Set once: `started` was empty until now.
    let _ = started.set(shared.clone());
    tasks.spawn(sweep_holds(shared.clone(), shutdown.clone()));
    tasks.spawn(sweep_windows(shared.clone(), shutdown.clone()));
    tasks.spawn(flush_views(shared.clone(), shutdown.clone()));
    tasks.spawn(credentials::reload_on_sighup(
        shared.config.credentials.clone(),
        shared.credentials.clone(),
        shutdown.clone(),
    ));
    tasks.spawn(generator::run(shared.clone(), shutdown.clone()));
    tasks.spawn(webhooks::run(shared.clone(), shutdown.clone()));
    let channels = sender::Channels {
        mailer,
        sms: shared
            .config
            .distribution
            .sms
            .clone()
            .map(|c| Arc::new(crate::distribution::sms::SmsGateway::new(c))),
    };
    tasks.spawn(sender::run(shared.clone(), channels, shutdown.clone()));
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
    // The writer proposes what is queued and stops.
    shared.node.stop().await;
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
        let (socket, peer) = match accepted {
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
        let Some(admitted) = shared.unauthenticated.admit(peer.ip()) else {
            refuse(
                &socket,
                ErrorCode::Busy,
                "too many connections from this address awaiting HELLO",
            );
            continue;
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            refuse(&socket, ErrorCode::Busy, "too many connections");
            continue;
        };
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            connection::count_open(&shared, 1);
            connection::serve(socket, peer, admitted, shared.clone(), shutdown).await;
            connection::count_open(&shared, -1);
            drop(slot);
        });
    }
}

/// Tells a connection why it is refused (over a limit: BUSY) and closes
/// it, without waiting: a fresh socket's send buffer takes the few bytes at
/// once, and a peer that refused them loses nothing it was owed.
fn refuse(socket: &tokio::net::TcpStream, code: ErrorCode, why: &str) {
    let mut buf = BytesMut::new();
    let body = ErrorBody {
        message: why.into(),
        leader: String::new(),
    };
    body.encode_frame(0, 0, code, &mut buf);
    let _ = socket.try_write(&buf);
}

/// The pause between sweeps while one is behind: a batch's worth, so that
/// redemptions keep their share of the decider.
const SWEEP_CATCHING_UP: Duration = Duration::from_millis(2);

/// The longest a sweeper waits between two sweeps after failures.
const SWEEP_BACKOFF_MAX: Duration = Duration::from_secs(60);

/// Gives back holds past their TTL.
async fn sweep_holds(shared: Arc<Shared>, shutdown: CancellationToken) {
    static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
    let interval = shared.config.hold_sweep_interval;
    let never = |_: &Shared| false;
    sweep(shared, shutdown, interval, &FAILED, "hold", never, || {
        Mutation::ExpireHolds
    })
    .await;
}

/// Removes velocity windows, seen sets and code rates past their window,
/// a few parts of each map per sweep (`writer::sweep`).
async fn sweep_windows(shared: Arc<Shared>, shutdown: CancellationToken) {
    static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
    let interval = shared.config.window_sweep_interval;
    let mut next_part = 0usize;
    let next = move || {
        let first_part = next_part;
        next_part = next_part.wrapping_add(crate::writer::sweep::PARTS_PER_SWEEP);
        Mutation::ExpireWindows { first_part }
    };
    // Past the cap (more new identities than a sweep a second evicts), the
    // sweeps follow each other until the maps are back under it.
    let over_cap = |shared: &Shared| {
        let (windows, sets, _) = shared.node.cell.load().state.swept_sizes();
        windows > crate::writer::sweep::MAX_KEYS || sets > crate::writer::sweep::MAX_KEYS
    };
    sweep(
        shared, shutdown, interval, &FAILED, "window", over_cap, next,
    )
    .await;
}

/// Makes the views this node counted durable, once a `views::FLUSH_INTERVAL`,
/// while it leads; a follower sends its own to the leader (`views`).
async fn flush_views(shared: Arc<Shared>, shutdown: CancellationToken) {
    static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(views::FLUSH_INTERVAL) => {}
        }
        let counted = shared.views.take();
        if counted.is_empty() {
            continue;
        }
        let counted = if shared.node.is_leader() {
            shared
                .node
                .submit(Mutation::CountViews(counted))
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        } else {
            shared
                .node
                .forward_views(&counted)
                .await
                .map_err(|e| format!("sending them to the leader: {e}"))
        };
        if let Err(e) = counted {
            if let Some(s) = FAILED.admit() {
                tracing::warn!(error = %e, "views not counted{s}");
            }
        }
    }
}

/// Submits `mutation()` every `interval` while this node leads (the others
/// get the result in the log), and at once again while `behind` says a
/// sweep left work to do.
async fn sweep(
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    interval: Duration,
    failed: &'static LogLimit,
    what: &'static str,
    behind: impl Fn(&Shared) -> bool,
    mut mutation: impl FnMut() -> Mutation,
) {
    let mut wait = interval;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        if !shared.node.is_leader() {
            wait = interval;
            continue;
        }
        match shared.node.submit(mutation()).await {
            Ok(_) if behind(&shared) => wait = SWEEP_CATCHING_UP,
            Ok(_) => wait = interval,
            Err(e) => {
                // While writes fail (a full disk), sweeping at full rate
                // only adds refusals: back off, doubling up to a minute.
                wait = (wait * 2).min(SWEEP_BACKOFF_MAX.max(interval));
                if let Some(s) = failed.admit() {
                    tracing::warn!(
                        error = %e,
                        next_sweep_ms = wait.as_millis() as u64,
                        "{what} sweep failed; retrying later{s}"
                    );
                }
            }
        }
    }
}
