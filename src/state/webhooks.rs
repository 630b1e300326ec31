//! Webhook endpoints as replicated state: what to POST where, the secret
//! that signs it, and how far delivery got. At most `WEBHOOKS_MAX` of them,
//! so they are one small map, copied whole into checkpoints (kind 16) and
//! DIGEST (kind 40).
//!
//! Changed only by three effects, each with absolute values: `WebhookPut`
//! (tag 34: an endpoint added, enabled or disabled, whole), `WebhookRemoved`
//! (tag 35) and `WebhookProgress` (tag 36: the delivery position, the
//! consecutive failures and the last error). The delivery task on the leader
//! (`server::webhooks`) proposes the progress; every node applies it.

use std::collections::BTreeMap;

use couponsd_client::wire::{DecodeError, Reader, Webhook, Writer};

use super::State;

/// One endpoint, as every node holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoint {
    /// The LSN of the record that added it: unique for the cluster's life.
    pub id: u64,
    pub url: String,
    /// `EventType::bit`s; 0: every type.
    pub types: u64,
    pub description: String,
    /// `whsec_` and 64 hex digits, chosen by the leader that added it.
    pub secret: String,
    pub created_at: i64,
    pub enabled: bool,
    pub disabled_reason: String,
    pub progress: Progress,
}

/// How far delivery to an endpoint got.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    /// The event id to deliver from: every matching event before it was
    /// delivered.
    pub position: u64,
    pub failures: u32,
    pub last_error: String,
}

impl Endpoint {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.str(&self.url);
        w.u64(self.types);
        w.str(&self.description);
        w.str(&self.secret);
        w.i64(self.created_at);
        w.bool(self.enabled);
        w.str(&self.disabled_reason);
        self.progress.write(w);
    }

    pub fn read(r: &mut Reader) -> Result<Endpoint, DecodeError> {
        Ok(Endpoint {
            id: r.u64("webhook_id")?,
            url: r.str("url")?,
            types: r.u64("types")?,
            description: r.str("description")?,
            secret: r.str("secret")?,
            created_at: r.i64("created_at")?,
            enabled: r.bool("enabled")?,
            disabled_reason: r.str("disabled_reason")?,
            progress: Progress::read(r)?,
        })
    }

    /// As WEBHOOK_LIST shows it: never the secret.
    pub fn to_wire(&self, backlog_records: u64) -> Webhook {
        Webhook {
            id: self.id,
            url: self.url.clone(),
            types: self.types,
            description: self.description.clone(),
            created_at: self.created_at,
            enabled: self.enabled,
            disabled_reason: self.disabled_reason.clone(),
            position: self.progress.position,
            consecutive_failures: self.progress.failures,
            last_error: self.progress.last_error.clone(),
            backlog_records,
        }
    }
}

impl Progress {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.position);
        w.u32(self.failures);
        w.str(&self.last_error);
    }

    pub fn read(r: &mut Reader) -> Result<Progress, DecodeError> {
        Ok(Progress {
            position: r.u64("position")?,
            failures: r.u32("failures")?,
            last_error: r.str("last_error")?,
        })
    }
}

/// The endpoints by id.
pub type Endpoints = BTreeMap<u64, Endpoint>;

impl State {
    /// Every endpoint, by id.
    pub fn webhooks(&self) -> Vec<Endpoint> {
        super::read(&self.webhooks).values().cloned().collect()
    }

    pub fn webhook(&self, id: u64) -> Option<Endpoint> {
        super::read(&self.webhooks).get(&id).cloned()
    }

    /// The oldest event position an enabled endpoint still needs (None:
    /// none), for the log's retention.
    pub fn webhooks_oldest_position(&self) -> Option<u64> {
        super::read(&self.webhooks)
            .values()
            .filter(|e| e.enabled)
            .map(|e| e.progress.position)
            .min()
    }

    pub(super) fn put_webhook(&self, endpoint: &Endpoint) {
        super::write(&self.webhooks).insert(endpoint.id, endpoint.clone());
    }

    pub(super) fn remove_webhook(&self, id: u64) {
        super::write(&self.webhooks).remove(&id);
    }

    /// Progress of an endpoint removed since it was decided changes nothing.
    pub(super) fn webhook_progress(&self, id: u64, progress: &Progress) {
        if let Some(endpoint) = super::write(&self.webhooks).get_mut(&id) {
            endpoint.progress = progress.clone();
        }
    }
}
