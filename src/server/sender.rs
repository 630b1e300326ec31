//! The distribution sender, on the leader: takes each campaign's QUEUED
//! outbox entries in order, a batch at a time (at most its `batch_size`, as
//! its `distribution_rate` allows: `distribution::rate`), sends them by the
//! campaign's method and records the batch's outcomes (SENT, or FAILED
//! with the reason after `attempts_max` attempts) as one
//! `Mutation::DistributionOutcomes`, through the log.
//!
//! What is sent twice, and what never is: an entry recorded SENT is never
//! sent again (the decider moves only QUEUED entries, and only QUEUED ones
//! are taken). Messages sent but not yet recorded when the leader dies (a
//! crash, kill -9, a lost election) are still QUEUED on the next leader
//! and sent again: at most the one batch in flight, each copy with the
//! same Message-ID (`distribution::email::message_id`). Only a running
//! campaign sends (ACTIVE, or SCHEDULED and started, and not ended): a
//! paused or cancelled one stops after the batch in flight.
//!
//! EMAIL goes over SMTP (`--smtp-host`; without it, EMAIL entries wait),
//! SMS to the HTTP gateway (`--sms-gateway-url`; likewise). APP, WEBSITE,
//! PARTNER and
//! MANUAL entries are marked SENT at once: the event stream
//! (`code.distributed`) and `couponsd campaign distribution export` hand
//! them on.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use couponsd_client::wire::{DeliveryStatus, DistributionMethod};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::Shared;
use crate::distribution::email::{Mailer, Outgoing, SendError};
use crate::distribution::rate::TokenBucket;
use crate::distribution::sms::SmsGateway;
use crate::distribution::template::{self, Values};
use crate::domain::campaign::CampaignDef;
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::state::outbox::OutboxEntry;
use crate::writer::distribute_ops::Outcome;
use crate::writer::Mutation;

/// How often the sender looks for queued entries when it has nothing to do.
const POLL: Duration = Duration::from_millis(100);
/// Messages of one batch in flight at once (one SMTP connection each, from
/// lettre's pool).
const SEND_CONCURRENCY: usize = 4;
/// The most entries one batch takes, whatever a campaign's `batch_size`
/// says (one outcome record stays far below the record bound).
const BATCH_MAX: u64 = 1000;

/// The channels the sender has: each is None when its flags are not set.
pub struct Channels {
    pub mailer: Option<Arc<Mailer>>,
    pub sms: Option<Arc<SmsGateway>>,
}

pub async fn run(shared: Arc<Shared>, channels: Channels, shutdown: CancellationToken) {
    let started = Instant::now();
    let now_ms = move || started.elapsed().as_millis() as u64;
    let mut buckets: HashMap<u64, TokenBucket> = HashMap::new();
    loop {
        let mut sent_any = false;
        if shared.node.is_leader() {
            let state = shared.node.cell.load().state.clone();
            for campaign_id in state.outbox_campaigns_queued() {
                if shutdown.is_cancelled() || !shared.node.is_leader() {
                    break;
                }
                let Some(def) = state.campaign(campaign_id) else {
                    continue;
                };
                if !def.running(state.clock.now(crate::domain::now_ms())) {
                    continue;
                }
                let strategy = &def.spec.distribution;
                let (rate, depth) = (
                    u64::from(strategy.distribution_rate),
                    u64::from(strategy.batch_size).clamp(1, BATCH_MAX),
                );
                let bucket = buckets
                    .entry(campaign_id)
                    .or_insert_with(|| TokenBucket::new(rate, depth, now_ms()));
                if !bucket.fits(rate, depth) {
                    *bucket = TokenBucket::new(rate, depth, now_ms());
                }
                let wanted = state.outbox_queued(campaign_id, depth as usize);
                let Some(entries) = take(bucket, wanted, now_ms()) else {
                    continue;
                };
                let outcomes = send_batch(&shared, &channels, &def, entries, &shutdown).await;
                if outcomes.is_empty() {
                    continue;
                }
                sent_any = true;
                let mutation = Mutation::DistributionOutcomes {
                    campaign_id,
                    outcomes,
                };
                if let Err(e) = shared.node.submit(mutation).await {
                    // Not recorded: the entries stay QUEUED and are sent again
                    // (by this leader or the next): the one batch in flight.
                    static UNRECORDED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
                    if let Some(s) = UNRECORDED.admit() {
                        tracing::warn!(campaign = campaign_id, error = %e, "distribution outcomes not recorded; they will be sent again{s}");
                    }
                }
            }
        } else {
            // A new term starts from full buckets; the outbox says what is left.
            buckets.clear();
        }
        if shutdown.is_cancelled() {
            return;
        }
        if !sent_any {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// The entries the bucket lets go now (None: none).
fn take(
    bucket: &mut TokenBucket,
    mut wanted: Vec<OutboxEntry>,
    now_ms: u64,
) -> Option<Vec<OutboxEntry>> {
    if wanted.is_empty() {
        return None;
    }
    let allowed = bucket.take(wanted.len() as u64, now_ms) as usize;
    if allowed == 0 {
        return None;
    }
    wanted.truncate(allowed);
    Some(wanted)
}

/// One way out for a message.
#[derive(Clone, Copy)]
enum Channel<'a> {
    Email(&'a Mailer),
    Sms(&'a SmsGateway),
}

impl Channel<'_> {
    async fn send(
        &self,
        campaign_id: u64,
        entry: &OutboxEntry,
        values: &Values,
    ) -> Result<(), SendError> {
        match self {
            Channel::Email(mailer) => {
                let outgoing = Outgoing {
                    campaign_id,
                    to: &entry.recipient.email,
                    values: values.clone(),
                };
                mailer.send(&outgoing).await
            }
            Channel::Sms(gateway) => gateway.send(&entry.recipient.phone, values).await,
        }
    }
}

/// Sends each entry of one batch by the campaign's method; the outcome of
/// each one tried. Stops early (the rest stay QUEUED) on shutdown or when
/// this node no longer leads.
async fn send_batch(
    shared: &Shared,
    channels: &Channels,
    def: &CampaignDef,
    entries: Vec<OutboxEntry>,
    shutdown: &CancellationToken,
) -> Vec<Outcome> {
    let channel = match def.spec.distribution.method {
        DistributionMethod::Email => channels.mailer.as_deref().map(Channel::Email),
        DistributionMethod::Sms => channels.sms.as_deref().map(Channel::Sms),
        // Handed on by the event stream and the export: marked distributed.
        DistributionMethod::App
        | DistributionMethod::Website
        | DistributionMethod::Partner
        | DistributionMethod::Manual => {
            return entries
                .iter()
                .map(|e| Outcome {
                    customer_id: e.recipient.customer_id.clone(),
                    status: DeliveryStatus::Sent,
                    reason: String::new(),
                })
                .collect()
        }
    };
    let Some(channel) = channel else {
        static NO_CHANNEL: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
        if let Some(s) = NO_CHANNEL.admit() {
            tracing::warn!(
                campaign = def.id,
                method = def.spec.distribution.method.name(),
                "codes are queued but no --smtp-host (EMAIL) or --sms-gateway-url (SMS) is set; they wait{s}"
            );
        }
        return Vec::new();
    };
    let state = shared.node.cell.load().state.clone();
    let config = &shared.config.distribution;
    futures_util::stream::iter(entries)
        .take_while(|_| {
            let go_on = !shutdown.is_cancelled() && shared.node.is_leader();
            async move { go_on }
        })
        .map(|entry| {
            let values = values(&state, def, &entry);
            async move {
                let result =
                    send_with_retries(channel, def.id, &entry, &values, config, shutdown).await;
                outcome(&entry, result)
            }
        })
        .buffered(SEND_CONCURRENCY)
        .filter_map(|o| async move { o })
        .collect()
        .await
}

/// What the template says of one entry's code.
fn values(state: &crate::state::State, def: &CampaignDef, entry: &OutboxEntry) -> Values {
    let spec = state
        .coupon(entry.coupon_id)
        .map(|(coupon, _)| coupon.spec.clone());
    let template_spec = spec.as_ref().unwrap_or(&def.spec.template);
    Values {
        code: entry.code.clone(),
        discount: template::discount_text(template_spec),
        expiry: template::expiry_text(template_spec.ends_at),
        customer_id: entry.recipient.customer_id.clone(),
        campaign: def.spec.name.clone(),
        locale: entry.recipient.locale.clone(),
    }
}

/// SENT, FAILED with the reason, or None: not tried to the end (shutdown),
/// so it stays QUEUED.
fn outcome(entry: &OutboxEntry, result: Option<Result<(), String>>) -> Option<Outcome> {
    let (status, reason) = match result? {
        Ok(()) => (DeliveryStatus::Sent, String::new()),
        Err(reason) => (DeliveryStatus::Failed, reason),
    };
    Some(Outcome {
        customer_id: entry.recipient.customer_id.clone(),
        status,
        reason,
    })
}

/// Up to `attempts_max` attempts, the backoff doubling between them; a
/// permanent refusal ends them at once. None: shutdown came first.
async fn send_with_retries(
    channel: Channel<'_>,
    campaign_id: u64,
    entry: &OutboxEntry,
    values: &Values,
    config: &crate::distribution::DistributionConfig,
    shutdown: &CancellationToken,
) -> Option<Result<(), String>> {
    let attempts_max = config.attempts_max.max(1);
    let mut backoff = config.retry_backoff;
    for attempt in 1..=attempts_max {
        match channel.send(campaign_id, entry, values).await {
            Ok(()) => return Some(Ok(())),
            Err(e) if e.permanent || attempt == attempts_max => {
                return Some(Err(format!("after {attempt} attempt(s): {}", e.reason)));
            }
            Err(_) => {
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = backoff.saturating_mul(2);
            }
        }
    }
    unreachable!("the last attempt returns")
}
