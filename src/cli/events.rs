//! `couponsd events tail`: the event stream from a cursor (EVENTS_SUBSCRIBE),
//! one line per event (a JSON object per line with --json), polling for
//! more with --follow.

use std::time::Duration;

use couponsd_client::wire::{EventType, EventsRequest};
use couponsd_client::Client;

use super::args::EventsTailArgs;
use super::commands::{print_line, Failure, Output};
use crate::events::json::{event_json, event_line};

/// How long --follow waits after an empty batch before asking again.
const POLL_INTERVAL_MS: u64 = 200;

pub async fn tail(client: &Client, a: &EventsTailArgs, as_json: bool) -> Result<Output, Failure> {
    let mut types = 0;
    for name in a.event_types.iter().flat_map(|t| t.split(',')) {
        let t = EventType::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.name()).collect();
            Failure::Usage(format!(
                "unknown event type {name:?}; one of {}",
                known.join(", ")
            ))
        })?;
        types |= t.bit();
    }
    let mut request = EventsRequest {
        from: a.from,
        types,
        coupon_id: a.coupon.unwrap_or(0),
        campaign_id: a.campaign.unwrap_or(0),
        max_batch: a.max_batch,
    };
    let mut printed: u64 = 0;
    loop {
        let batch = client.events(request.clone()).await?;
        for event in &batch.events {
            let line = if as_json {
                event_json(event).to_string()
            } else {
                event_line(event)
            };
            print_line(line).map_err(|e| Failure::Usage(format!("writing the output: {e}")))?;
            printed += 1;
            if a.limit.is_some_and(|limit| printed >= limit) {
                return Ok(done());
            }
        }
        // An empty batch whose cursor moved read records the filters left
        // out: there may be more behind them, so ask again at once.
        let caught_up = batch.events.is_empty() && batch.next == request.from;
        request.from = batch.next;
        if caught_up {
            if !a.follow {
                // Where to resume from next time.
                eprintln!("next: {}", request.from);
                return Ok(done());
            }
            tokio::time::sleep(Duration::from_millis(POLL_INTERVAL_MS)).await;
        }
    }
}

/// Everything was printed as it came.
fn done() -> Output {
    Output {
        json: serde_json::Value::Null,
        text: String::new(),
    }
}
