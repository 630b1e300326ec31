//! Webhooks (WEBHOOK_ADD, WEBHOOK_LIST, WEBHOOK_REMOVE, WEBHOOK_ENABLE,
//! WEBHOOK_DELIVERIES): endpoints the leader POSTs each matching event to.

use super::primitives::{DecodeError, Reader, Writer};

/// The most endpoints a cluster holds.
pub const WEBHOOKS_MAX: usize = 16;

/// The most delivery attempts kept (and answered) per endpoint.
pub const WEBHOOK_ATTEMPTS_KEPT: usize = 100;

/// The longest description, in bytes.
pub const WEBHOOK_DESCRIPTION_BYTES_MAX: usize = 256;

/// WEBHOOK_ADD's body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WebhookAdd {
    /// `http://` or `https://`, at most 2,048 bytes.
    pub url: String,
    /// `EventType::bit`s to deliver; 0: every type.
    pub types: u64,
    pub description: String,
}

impl WebhookAdd {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.url);
        w.u64(self.types);
        w.str(&self.description);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(WebhookAdd {
            url: r.str("url")?,
            types: r.u64("types")?,
            description: r.str("description")?,
        })
    }
}

/// WEBHOOK_ADD's reply: the only time the secret is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WebhookAdded {
    pub id: u64,
    /// `whsec_` and 64 hex digits: the HMAC-SHA256 key of the signatures.
    pub secret: String,
}

impl WebhookAdded {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.str(&self.secret);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(WebhookAdded {
            id: r.u64("id")?,
            secret: r.str("secret")?,
        })
    }
}

/// An endpoint as WEBHOOK_LIST shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Webhook {
    pub id: u64,
    pub url: String,
    pub types: u64,
    pub description: String,
    /// When it was added (unix ms).
    pub created_at: i64,
    pub enabled: bool,
    /// Why it is disabled (empty while enabled).
    pub disabled_reason: String,
    /// The event id delivery goes on from: every matching event before it
    /// was delivered (a 2xx answer).
    pub position: u64,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// The last failure (empty: none since the last success).
    pub last_error: String,
    /// Log records after `position` on the answering node: an upper bound of
    /// the events still to deliver.
    pub backlog_records: u64,
}

impl Webhook {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.str(&self.url);
        w.u64(self.types);
        w.str(&self.description);
        w.i64(self.created_at);
        w.bool(self.enabled);
        w.str(&self.disabled_reason);
        w.u64(self.position);
        w.u32(self.consecutive_failures);
        w.str(&self.last_error);
        w.u64(self.backlog_records);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Webhook {
            id: r.u64("id")?,
            url: r.str("url")?,
            types: r.u64("types")?,
            description: r.str("description")?,
            created_at: r.i64("created_at")?,
            enabled: r.bool("enabled")?,
            disabled_reason: r.str("disabled_reason")?,
            position: r.u64("position")?,
            consecutive_failures: r.u32("consecutive_failures")?,
            last_error: r.str("last_error")?,
            backlog_records: r.u64("backlog_records")?,
        })
    }
}

/// One delivery attempt (WEBHOOK_DELIVERIES).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeliveryAttempt {
    /// When it started (unix ms, the leader's clock).
    pub at: i64,
    pub event_id: u64,
    /// The HTTP status; 0: no response (the error says why).
    pub status: u16,
    /// Empty for a 2xx.
    pub error: String,
    pub latency_ms: u32,
}

impl DeliveryAttempt {
    pub fn write(&self, w: &mut Writer) {
        w.i64(self.at);
        w.u64(self.event_id);
        w.u16(self.status);
        w.str(&self.error);
        w.u32(self.latency_ms);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(DeliveryAttempt {
            at: r.i64("at")?,
            event_id: r.u64("event_id")?,
            status: r.u16("status")?,
            error: r.str("error")?,
            latency_ms: r.u32("latency_ms")?,
        })
    }
}
