//! One endpoint's delivery worker, on the leader: reads the matching events
//! from its position (`events::read`), POSTs each in order until it is
//! answered 2xx (backing off between failures), and records its position
//! through the log in batches. It returns when stopped (leadership gone,
//! endpoint removed or disabled) or once it disabled the endpoint.

use std::sync::Arc;
use std::time::{Duration, Instant};

use couponsd_client::wire::{event_lsn, DeliveryAttempt, Event, EventsRequest};
use tokio_util::sync::CancellationToken;

use super::{backoff, signature, Shared};
use crate::domain::now_ms;
use crate::error::Error;
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::outbound::http::{HttpClient, Target};
use crate::state::webhooks::{Endpoint, Progress};
use crate::writer::Mutation;

/// Events read per request.
const EVENTS_PER_READ: u32 = 100;

/// The position is recorded after this many delivered events...
const RECORD_AFTER_EVENTS: usize = 256;
/// ...or this long after the last record, whichever comes first.
const RECORD_AFTER: Duration = Duration::from_millis(100);
/// Records that matched nothing are recorded as passed once this many
/// accumulate, so an endpoint of rare types does not hold the log.
const RECORD_AFTER_RECORDS: u64 = 1024;

/// How long an idle worker waits before looking for new events.
const IDLE_POLL: Duration = Duration::from_millis(20);

/// Why an endpoint that fell behind is disabled.
pub const FELL_BEHIND: &str = "fell behind the retained log";

pub async fn run(shared: Arc<Shared>, client: Arc<HttpClient>, id: u64, stop: CancellationToken) {
    let Some(endpoint) = shared.node.cell.load().state.webhook(id) else {
        return;
    };
    let url = match Target::parse(&endpoint.url) {
        Ok(url) => url,
        Err(e) => {
            disable(&shared, id, &format!("invalid URL: {e}")).await;
            return;
        }
    };
    let mut worker = Worker {
        shared,
        client,
        url,
        recorded: endpoint.progress.clone(),
        progress: endpoint.progress.clone(),
        recorded_at: Instant::now(),
        delivered_unrecorded: 0,
        endpoint,
        stop,
    };
    worker.deliver().await;
}

struct Worker {
    shared: Arc<Shared>,
    client: Arc<HttpClient>,
    endpoint: Endpoint,
    url: Target,
    /// Where delivery stands here.
    progress: Progress,
    /// What the log holds.
    recorded: Progress,
    recorded_at: Instant,
    delivered_unrecorded: usize,
    stop: CancellationToken,
}

impl Worker {
    /// Stopped, no longer leading, or the endpoint removed or disabled
    /// (asked before every attempt: the supervisor notices only within
    /// `SUPERVISE_EVERY`, and nothing may be sent after a removal's reply).
    fn stopped(&self) -> bool {
        self.stop.is_cancelled()
            || !self.shared.node.is_leader()
            || !self
                .shared
                .node
                .cell
                .load()
                .state
                .webhook(self.endpoint.id)
                .is_some_and(|e| e.enabled)
    }

    async fn deliver(&mut self) {
        let id = self.endpoint.id;
        while !self.stopped() {
            if self.fell_behind() {
                disable(&self.shared, id, FELL_BEHIND).await;
                return;
            }
            let request = EventsRequest {
                from: self.progress.position,
                types: self.endpoint.types,
                coupon_id: 0,
                campaign_id: 0,
                max_batch: EVENTS_PER_READ,
            };
            let core = self.shared.node.cell.load();
            let read = tokio::task::block_in_place(|| crate::events::read::read(&core, &request));
            drop(core);
            let batch = match read {
                Ok(batch) => batch,
                Err(Error::EventsTruncated { .. }) => {
                    disable(&self.shared, id, FELL_BEHIND).await;
                    return;
                }
                Err(e) => {
                    static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
                    if let Some(s) = FAILED.admit() {
                        tracing::warn!(webhook = id, error = %e, "reading events to deliver failed; retrying{s}");
                    }
                    self.pause(Duration::from_secs(1)).await;
                    continue;
                }
            };
            for event in &batch.events {
                if !self.deliver_one(event).await {
                    return;
                }
                self.progress.position = event.id + 1;
                self.delivered_unrecorded += 1;
                if self.delivered_unrecorded >= RECORD_AFTER_EVENTS
                    || self.recorded_at.elapsed() >= RECORD_AFTER
                {
                    self.record().await;
                }
            }
            let moved = batch.next > self.progress.position;
            self.progress.position = self.progress.position.max(batch.next);
            if batch.events.is_empty() {
                let passed = event_lsn(self.progress.position)
                    .saturating_sub(event_lsn(self.recorded.position));
                if self.delivered_unrecorded > 0 || passed >= RECORD_AFTER_RECORDS {
                    self.record().await;
                }
                if !moved {
                    self.pause(IDLE_POLL).await;
                }
            }
        }
        // Leadership gone or stopped: what was delivered is recorded if the
        // log still takes it (a new leader sends the rest again otherwise).
        if self.delivered_unrecorded > 0 {
            self.record().await;
        }
    }

    /// Whether the endpoint is past the cap of records behind.
    fn fell_behind(&self) -> bool {
        let applied = self.shared.node.cell.load().state.applied_lsn();
        let behind = applied.saturating_sub(event_lsn(self.progress.position));
        behind > self.shared.config.webhooks.lag_records_max
    }

    /// POSTs one event until it is answered 2xx. False: stop (stopped,
    /// or the endpoint was disabled).
    async fn deliver_one(&mut self, event: &Event) -> bool {
        let shared = self.shared.clone();
        let config = &shared.config.webhooks;
        let body = signature::body(event);
        let event_id = event.id.to_string();
        loop {
            if self.stopped() {
                return false;
            }
            let at = now_ms();
            let signed = signature::signature(&self.endpoint.secret, at / 1000, &body);
            let headers = [
                ("content-type", "application/json"),
                (
                    "user-agent",
                    concat!("couponsd/", env!("CARGO_PKG_VERSION")),
                ),
                ("couponsd-event-id", event_id.as_str()),
                ("couponsd-signature", signed.as_str()),
            ];
            let started = Instant::now();
            let posted = self
                .client
                .post(&self.url, &headers, body.clone(), config.timeout)
                .await;
            let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
            let (status, error) = match posted {
                Ok(status) if (200..300).contains(&status) => (status, String::new()),
                Ok(status) => (status, format!("HTTP {status}")),
                Err(e) => (0, e.to_string()),
            };
            self.shared.webhook_attempts.push(
                self.endpoint.id,
                DeliveryAttempt {
                    at,
                    event_id: event.id,
                    status,
                    error: error.clone(),
                    latency_ms,
                },
            );
            if error.is_empty() {
                self.progress.failures = 0;
                self.progress.last_error.clear();
                return true;
            }
            self.progress.failures = self.progress.failures.saturating_add(1);
            self.progress.last_error = error.clone();
            // Failures are few and far between: each goes through the log,
            // so LIST shows them on every node and a new leader counts on.
            self.record().await;
            if self.progress.failures >= config.failures_max {
                let reason = format!(
                    "{} consecutive failed deliveries; the last: {error}",
                    self.progress.failures
                );
                disable(&self.shared, self.endpoint.id, &reason).await;
                return false;
            }
            if self.fell_behind() {
                disable(&self.shared, self.endpoint.id, FELL_BEHIND).await;
                return false;
            }
            let wait = backoff::delay(
                self.progress.failures,
                config.backoff_initial,
                config.backoff_max,
            );
            self.pause(wait).await;
        }
    }

    /// Records the progress through the log. On failure (a lost leadership,
    /// a full disk) it stays unrecorded and goes with the next record.
    async fn record(&mut self) {
        let mutation = Mutation::WebhookProgress {
            id: self.endpoint.id,
            progress: self.progress.clone(),
        };
        match self.shared.node.submit(mutation).await {
            Ok(_) => {
                self.recorded = self.progress.clone();
                self.recorded_at = Instant::now();
                self.delivered_unrecorded = 0;
            }
            Err(e) => {
                static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
                if let Some(s) = FAILED.admit() {
                    tracing::warn!(webhook = self.endpoint.id, error = %e, "webhook position not recorded; trying again with the next{s}");
                }
            }
        }
    }

    async fn pause(&self, wait: Duration) {
        tokio::select! {
            _ = self.stop.cancelled() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Disables an endpoint through the log, saying why.
async fn disable(shared: &Shared, id: u64, reason: &str) {
    let mutation = Mutation::DisableWebhook {
        id,
        reason: reason.to_string(),
    };
    match shared.node.submit(mutation).await {
        Ok(_) => {
            tracing::warn!(webhook = id, url = %endpoint_url(shared, id), %reason, "webhook endpoint disabled")
        }
        Err(e) => {
            static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
            if let Some(s) = FAILED.admit() {
                tracing::warn!(webhook = id, error = %e, "could not disable webhook endpoint; trying again{s}");
            }
        }
    }
}

fn endpoint_url(shared: &Shared, id: u64) -> String {
    shared
        .node
        .cell
        .load()
        .state
        .webhook(id)
        .map(|e| e.url)
        .unwrap_or_default()
}
