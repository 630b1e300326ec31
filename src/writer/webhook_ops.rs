//! What the webhook mutations decide: endpoints added (validated here, its
//! id the record's LSN, its secret chosen by the leader's dispatcher and
//! carried in the record), removed, enabled or disabled, and the delivery
//! task's progress. At most `WEBHOOKS_MAX` endpoints.

use couponsd_client::wire::{
    EventType, Response, WebhookAdd, WebhookAdded, WEBHOOKS_MAX, WEBHOOK_DESCRIPTION_BYTES_MAX,
};

use super::ops::Decision;
use super::plan::Draft;
use crate::error::Error;
use crate::outbound::http::Target;
use crate::state::webhooks::{Endpoint, Progress};
use crate::state::Effect;

/// The longest error kept as an endpoint's last error, in bytes.
const LAST_ERROR_BYTES_MAX: usize = 512;

/// Checks WEBHOOK_ADD's fields: a URL the delivery task can post to, known
/// event types, a bounded description.
pub fn validate(add: &WebhookAdd) -> Result<(), Error> {
    Target::parse(&add.url).map_err(|e| Error::invalid("url", e.to_string()))?;
    let known = EventType::ALL.iter().fold(0, |bits, t| bits | t.bit());
    if add.types & !known != 0 {
        return Err(Error::invalid(
            "types",
            format!("{:#x} has bits no event type has", add.types),
        ));
    }
    if add.description.len() > WEBHOOK_DESCRIPTION_BYTES_MAX {
        return Err(Error::invalid(
            "description",
            format!("longer than {WEBHOOK_DESCRIPTION_BYTES_MAX} bytes"),
        ));
    }
    Ok(())
}

/// Adds an endpoint that delivers from the next record on (events already
/// in the log are not sent).
pub fn add(mut d: Draft, add: &WebhookAdd, secret: &str) -> Decision {
    if let Err(e) = validate(add) {
        return Ok(Err(e));
    }
    if d.webhook_count() >= WEBHOOKS_MAX {
        return Ok(Err(Error::TooManyWebhooks));
    }
    let id = d.lsn();
    debug_assert!(d.webhook(id).is_none(), "a record's LSN is never reused");
    let endpoint = Endpoint {
        id,
        url: add.url.clone(),
        types: add.types,
        description: add.description.clone(),
        secret: secret.to_string(),
        created_at: d.now(),
        enabled: true,
        disabled_reason: String::new(),
        progress: Progress {
            // Its own record holds no events: the next one is the first.
            position: couponsd_client::wire::event_id(id + 1, 0),
            ..Progress::default()
        },
    };
    d.record(Effect::WebhookPut(Box::new(endpoint)));
    let reply = Response::WebhookAdded(WebhookAdded {
        id,
        secret: secret.to_string(),
    });
    Ok(Ok(d.into_plan(reply)))
}

pub fn remove(mut d: Draft, id: u64) -> Decision {
    if d.webhook(id).is_none() {
        return Ok(Err(Error::NotFound("webhook")));
    }
    d.record(Effect::WebhookRemoved { id });
    Ok(Ok(d.into_plan(Response::Deleted)))
}

/// Enables an endpoint (again): failures start from 0, delivery goes on
/// from its position. Enabling an enabled endpoint changes nothing.
pub fn enable(mut d: Draft, id: u64) -> Decision {
    let Some(mut endpoint) = d.webhook(id) else {
        return Ok(Err(Error::NotFound("webhook")));
    };
    if !endpoint.enabled {
        endpoint.enabled = true;
        endpoint.disabled_reason.clear();
        endpoint.progress.failures = 0;
        d.record(Effect::WebhookPut(Box::new(endpoint.clone())));
    }
    let reply = Response::Webhook(Box::new(endpoint.to_wire(0)));
    Ok(Ok(d.into_plan(reply)))
}

/// Disables an endpoint, saying why (the delivery task: too many failures,
/// or it fell behind the retained log).
pub fn disable(mut d: Draft, id: u64, reason: &str) -> Decision {
    let Some(mut endpoint) = d.webhook(id) else {
        return Ok(Err(Error::NotFound("webhook")));
    };
    if endpoint.enabled {
        endpoint.enabled = false;
        endpoint.disabled_reason = reason.to_string();
        d.record(Effect::WebhookPut(Box::new(endpoint.clone())));
    }
    let reply = Response::Webhook(Box::new(endpoint.to_wire(0)));
    Ok(Ok(d.into_plan(reply)))
}

/// Records how far delivery got. The position never goes back (a deposed
/// leader's task may report late); progress of a removed endpoint is
/// NOT_FOUND.
pub fn progress(mut d: Draft, id: u64, progress: &Progress) -> Decision {
    let Some(mut endpoint) = d.webhook(id) else {
        return Ok(Err(Error::NotFound("webhook")));
    };
    let mut progress = progress.clone();
    progress.position = progress.position.max(endpoint.progress.position);
    if progress.last_error.len() > LAST_ERROR_BYTES_MAX {
        let mut end = LAST_ERROR_BYTES_MAX;
        while !progress.last_error.is_char_boundary(end) {
            end -= 1;
        }
        progress.last_error.truncate(end);
    }
    if progress != endpoint.progress {
        d.record(Effect::WebhookProgress {
            id,
            progress: progress.clone(),
        });
    }
    endpoint.progress = progress;
    let reply = Response::Webhook(Box::new(endpoint.to_wire(0)));
    Ok(Ok(d.into_plan(reply)))
}
