//! `couponsd webhook add|list|remove|enable|deliveries`: webhook endpoints
//! and the leader's delivery log.

use couponsd_client::wire::{EventType, Webhook, WebhookAdd};
use couponsd_client::Client;
use serde_json::{json, Value};

use super::args::WebhookCommand;
use super::commands::{Failure, Output};
use super::json;

pub async fn run(client: &Client, command: WebhookCommand) -> Result<Output, Failure> {
    match command {
        WebhookCommand::Add {
            url,
            events,
            description,
        } => {
            let add = WebhookAdd {
                url,
                types: type_bits(&events)?,
                description,
            };
            let added = client.webhook_add(add).await?;
            Ok(Output {
                json: json!({ "id": added.id, "secret": added.secret }),
                text: format!(
                    "webhook {}\nsecret {}  (shown only now: keep it to verify signatures)",
                    added.id, added.secret
                ),
            })
        }
        WebhookCommand::List => {
            let list = client.webhook_list().await?;
            let text = if list.is_empty() {
                "no webhook endpoints".to_string()
            } else {
                list.iter().map(webhook_text).collect::<Vec<_>>().join("\n")
            };
            Ok(Output {
                json: Value::Array(list.iter().map(webhook_json).collect()),
                text,
            })
        }
        WebhookCommand::Remove { id } => {
            client.webhook_remove(id).await?;
            Ok(Output {
                json: json!({ "removed": id }),
                text: format!("webhook {id} removed"),
            })
        }
        WebhookCommand::Enable { id } => {
            let webhook = client.webhook_enable(id).await?;
            Ok(Output {
                json: webhook_json(&webhook),
                text: webhook_text(&webhook),
            })
        }
        WebhookCommand::Deliveries { id } => {
            let attempts = client.webhook_deliveries(id).await?;
            let rows: Vec<Value> = attempts
                .iter()
                .map(|a| {
                    json!({
                        "at": json::time(a.at),
                        "event_id": a.event_id,
                        "status": a.status,
                        "error": a.error,
                        "latency_ms": a.latency_ms,
                    })
                })
                .collect();
            let text = attempts
                .iter()
                .map(|a| {
                    let outcome = if a.error.is_empty() {
                        format!("{}", a.status)
                    } else {
                        a.error.clone()
                    };
                    format!(
                        "{}  event {}  {}  {} ms",
                        json::time(a.at).as_str().unwrap_or_default(),
                        a.event_id,
                        outcome,
                        a.latency_ms
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output {
                json: Value::Array(rows),
                text: if text.is_empty() {
                    "no delivery attempts".into()
                } else {
                    text
                },
            })
        }
    }
}

/// Event type names (repeated or comma-separated) as `EventType` bits.
fn type_bits(names: &[String]) -> Result<u64, Failure> {
    let mut bits = 0;
    for name in names.iter().flat_map(|t| t.split(',')).map(str::trim) {
        if name.is_empty() {
            continue;
        }
        let t = EventType::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
            Failure::Usage(format!(
                "unknown event type {name:?}; one of {}",
                known.join(", ")
            ))
        })?;
        bits |= t.bit();
    }
    Ok(bits)
}

fn type_names(bits: u64) -> Vec<&'static str> {
    EventType::ALL
        .iter()
        .filter(|t| bits & t.bit() != 0)
        .map(|t| t.name())
        .collect()
}

fn webhook_json(w: &Webhook) -> Value {
    json!({
        "id": w.id,
        "url": w.url,
        "events": type_names(w.types),
        "description": w.description,
        "created_at": json::time(w.created_at),
        "enabled": w.enabled,
        "disabled_reason": w.disabled_reason,
        "position": w.position,
        "consecutive_failures": w.consecutive_failures,
        "last_error": w.last_error,
        "backlog_records": w.backlog_records,
    })
}

fn webhook_text(w: &Webhook) -> String {
    let types = if w.types == 0 {
        "all events".to_string()
    } else {
        type_names(w.types).join(",")
    };
    let state = if w.enabled {
        "enabled".to_string()
    } else {
        format!("disabled ({})", w.disabled_reason)
    };
    let mut line = format!(
        "{}  {}  {}  {}  position {}  backlog {} records",
        w.id, w.url, types, state, w.position, w.backlog_records
    );
    if w.consecutive_failures > 0 {
        line.push_str(&format!(
            "  {} failures, last: {}",
            w.consecutive_failures, w.last_error
        ));
    }
    line
}
