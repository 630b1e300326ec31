//! The operations listener (`--http-listen`): plain HTTP/1.1 for load
//! balancers and scrapers, apart from the protocol port. `/healthz` (the
//! process runs), `/readyz` (it can take writes: `readiness`), `/metrics`
//! (Prometheus text: `metrics_page`); `routes` maps a request to its answer.
//! With `--console`, `/console/` is the admin console (`console`), behind
//! an admin login.
//!
//! Off unless asked for: a second fixed port would collide when several
//! nodes share a host, and the operator chooses which interface a scraper
//! sees. It needs no token and shows nothing secret (no tokens, customer or
//! order ids, codes), so it is safe on an internal interface.
//!
//! Bounded like the protocol port: at most `connections_max` connections
//! (more are closed at once), a request head of at most `request_bytes_max`
//! (more: 431 and closed), a head within `header_timeout`, a whole
//! connection within `connection_timeout` (a client that trickles bytes or
//! never reads its answer is dropped). It shares the runtime but nothing
//! else with the protocol path: it reads what the server already keeps
//! (atomics, the node's status) and a page is made on a blocking thread.

pub mod console;
mod metrics_page;
mod readiness;
mod routes;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::Shared;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Connections at once; more are closed as soon as accepted.
    pub connections_max: usize,
    /// Largest request head (request line and headers) read.
    pub request_bytes_max: usize,
    /// Time allowed for a request head to arrive.
    pub header_timeout: Duration,
    /// Time allowed for a whole connection, however many requests it makes.
    pub connection_timeout: Duration,
    /// A follower more log entries than this behind the leader's commit is
    /// not ready (see `readiness`).
    pub ready_lag_entries_max: u64,
    /// The admin console at `/console/` (`console`): off unless asked for.
    pub console: bool,
}

impl HttpConfig {
    pub fn new(listen: SocketAddr) -> HttpConfig {
        HttpConfig {
            listen,
            connections_max: 64,
            // hyper's smallest read buffer is 8 KiB.
            request_bytes_max: 16 << 10,
            header_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(30),
            ready_lag_entries_max: 1_000,
            console: false,
        }
    }
}

/// The server, once started: until then `/healthz` answers and `/readyz`
/// says the node is starting (loading its store can take a while, and a
/// liveness probe must not kill it meanwhile).
pub type Started = Arc<OnceLock<Arc<Shared>>>;

/// Serves the listener until `shutdown`; open connections are dropped then.
pub async fn run(
    listener: TcpListener,
    config: HttpConfig,
    started: Started,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(config.connections_max));
    let sessions = Arc::new(console::Sessions::default());
    let mut connections = JoinSet::new();
    let mut backoff = Duration::from_millis(5);
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            a = listener.accept() => a,
        };
        while connections.try_join_next().is_some() {}
        let (socket, peer) = match accepted {
            Ok((socket, peer)) => {
                backoff = Duration::from_millis(5);
                (socket, peer)
            }
            Err(e) => {
                tracing::warn!(error = %e, "http accept failed");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        // Over the limit: closed at once, as a scraper retries anyway.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let (started, config, sessions) = (started.clone(), config.clone(), sessions.clone());
        connections.spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let (started, sessions) = (started.clone(), sessions.clone());
                let (lag_max, console_on) = (config.ready_lag_entries_max, config.console);
                async move {
                    let response = if console_on && console::owns(request.uri().path()) {
                        console::answer(request, peer, &started, &sessions).await
                    } else {
                        routes::answer(&request, &started, lag_max).await
                    };
                    Ok::<_, Infallible>(response)
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(config.header_timeout)
                .max_buf_size(config.request_bytes_max)
                .serve_connection(TokioIo::new(socket), service);
            // Past it the connection is dropped mid-way: a slow client
            // gets nothing more.
            let _ = tokio::time::timeout(config.connection_timeout, connection).await;
            drop(slot);
        });
    }
}
