//! Webhooks on the server side: the delivery task (`deliver.rs`: one worker
//! per enabled endpoint, on the leader only), the body and its signature
//! (`signature.rs`), the backoff after failures (`backoff.rs`) and the
//! leader's in-memory delivery log (`attempts.rs`). The endpoints themselves
//! are replicated state (`state::webhooks`, `writer::webhook_ops`).
//!
//! **Invariants.** Only the leader delivers: the supervisor starts a worker
//! per enabled endpoint while this node leads and stops them all when it no
//! longer does; a new leader resumes from the durable position. Delivery is
//! at least once, in event id order per endpoint: a worker records its
//! position through the log (`Mutation::WebhookProgress`) only after the
//! events before it were answered 2xx, so a crash or a leader change sends
//! again at most what was delivered since the last record, never skips.

mod attempts;
mod backoff;
mod deliver;
pub mod signature;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use couponsd_client::wire::{event_lsn, Response};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use attempts::Attempts;

use super::Shared;
use crate::error::{Error, Result};
use crate::outbound::http::HttpClient;
use crate::writer::Core;

/// Delivery settings (`couponsd serve --webhook-*`).
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// A delivery succeeds on a 2xx answered within this.
    pub timeout: Duration,
    /// The wait after the first failure; it doubles with each next one.
    pub backoff_initial: Duration,
    /// The longest wait between two attempts.
    pub backoff_max: Duration,
    /// Consecutive failed attempts after which an endpoint is disabled.
    pub failures_max: u32,
    /// Log records an endpoint may fall behind before it is disabled (the
    /// retention guard's cap, `WriterConfig::webhook_lag_records_max`).
    pub lag_records_max: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            timeout: Duration::from_secs(10),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(600),
            // 1 s doubling to 10 min is 17 minutes for the first ten
            // attempts, then 430 more ten minutes apart: about three days.
            failures_max: 440,
            lag_records_max: 5_000_000,
        }
    }
}

/// How often the supervisor looks at leadership and the endpoints.
const SUPERVISE_EVERY: Duration = Duration::from_millis(100);

/// Starts and stops the delivery workers: one per enabled endpoint while
/// this node leads, none otherwise.
pub async fn run(shared: Arc<Shared>, shutdown: CancellationToken) {
    let client = Arc::new(HttpClient::default());
    let mut workers: HashMap<u64, (CancellationToken, JoinHandle<()>)> = HashMap::new();
    let mut tick = tokio::time::interval(SUPERVISE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        let endpoints = shared.node.cell.load().state.webhooks();
        let ids: Vec<u64> = endpoints.iter().map(|e| e.id).collect();
        shared.webhook_attempts.keep_only(&ids);
        let leading = shared.node.is_leader();
        let wanted: Vec<u64> = endpoints
            .iter()
            .filter(|e| leading && e.enabled)
            .map(|e| e.id)
            .collect();
        workers.retain(|id, (stop, handle)| {
            let keep = wanted.contains(id) && !handle.is_finished();
            if !keep {
                stop.cancel();
            }
            keep
        });
        for id in wanted {
            workers.entry(id).or_insert_with(|| {
                let stop = shutdown.child_token();
                let handle = tokio::spawn(deliver::run(
                    shared.clone(),
                    client.clone(),
                    id,
                    stop.clone(),
                ));
                (stop, handle)
            });
        }
    }
    for (_, (stop, handle)) in workers {
        stop.cancel();
        let _ = handle.await;
    }
}

/// WEBHOOK_LIST: every endpoint, its backlog counted on this node's log.
pub fn list(core: &Core) -> Result<Response> {
    let applied = core.state.applied_lsn();
    let endpoints = core.state.webhooks();
    Ok(Response::Webhooks(
        endpoints
            .iter()
            .map(|e| {
                let backlog = (applied + 1).saturating_sub(event_lsn(e.progress.position));
                e.to_wire(backlog)
            })
            .collect(),
    ))
}

/// WEBHOOK_DELIVERIES: the leader's delivery log of an endpoint.
pub fn deliveries(shared: &Shared, id: u64) -> Result<Response> {
    shared.node.check_leader()?;
    if shared.node.cell.load().state.webhook(id).is_none() {
        return Err(Error::NotFound("webhook"));
    }
    Ok(Response::Deliveries(shared.webhook_attempts.of(id)))
}
