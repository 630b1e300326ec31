//! EVENTS_SUBSCRIBE's read: the events of this node's applied log from a
//! cursor, filtered, at most `max_batch` and `PAGE_BYTES` of them, and the
//! cursor to go on from. Any node answers from its own log: ids are the
//! records' LSNs, the same everywhere, so a subscriber may move between nodes
//! (or outlive a restart) and resume with no gap and no duplicate.

use bytes::BytesMut;
use couponsd_client::wire::{
    event_id, event_lsn, Event, EventBatch, EventType, EventsRequest, Writer, EVENTS_MAX_BATCH,
};

use super::derive::events_of;
use crate::error::{Error, Result};
use crate::state::{LogRecord, State};
use crate::storage::ReadView;
use crate::writer::Core;

/// The most log records one request reads: a filter that matches little
/// still answers quickly, with a cursor past what it read.
pub const RECORDS_PER_READ_MAX: usize = 4096;

/// The most encoded event bytes in one reply: well under the frame cap.
const REPLY_BYTES_MAX: usize = 512 * 1024;

/// What a subscription keeps.
struct Filter {
    types: u64,
    coupon_id: u64,
    campaign_id: u64,
}

impl Filter {
    fn keeps(&self, event: &Event) -> bool {
        let type_bit = event.event_type.map_or(0, EventType::bit);
        (self.types == 0 || self.types & type_bit != 0)
            && (self.coupon_id == 0 || self.coupon_id == event.coupon_id)
            && (self.campaign_id == 0 || self.campaign_id == event.campaign_id)
    }
}

/// Every bit an `EventType` has.
fn known_type_bits() -> u64 {
    EventType::ALL.iter().fold(0, |bits, t| bits | t.bit())
}

pub fn read(core: &Core, request: &EventsRequest) -> Result<EventBatch> {
    if !(1..=EVENTS_MAX_BATCH).contains(&request.max_batch) {
        return Err(Error::invalid(
            "max_batch",
            format!(
                "{} is not within 1 to {EVENTS_MAX_BATCH}",
                request.max_batch
            ),
        ));
    }
    if request.types & !known_type_bits() != 0 {
        return Err(Error::invalid(
            "types",
            format!("{:#x} has bits no event type has", request.types),
        ));
    }
    let filter = Filter {
        types: request.types,
        coupon_id: request.coupon_id,
        campaign_id: request.campaign_id,
    };
    let view = core.store.read()?;
    // Only what this node applied: its state fills in what records lack.
    let applied = core.state.applied_lsn();
    let wanted_lsn = event_lsn(request.from).max(1);
    let first = view.first_lsn()?;
    let oldest_lsn = if first == 0 { applied + 1 } else { first };
    if wanted_lsn < oldest_lsn {
        return Err(Error::EventsTruncated {
            oldest_id: event_id(oldest_lsn, 0),
        });
    }
    let max_batch = request.max_batch as usize;
    let mut events: Vec<Event> = Vec::new();
    let mut next = request.from;
    let mut reply_bytes = 0;
    let mut scratch = BytesMut::new();
    let mut failure: Option<Error> = None;
    view.for_each_log_after(wanted_lsn - 1, RECORDS_PER_READ_MAX, |lsn, raw| {
        if lsn > applied {
            return false;
        }
        let record = match LogRecord::decode(raw) {
            Ok(record) => record,
            Err(e) => {
                failure = Some(Error::CorruptData(format!("log record {lsn}: {e}")));
                return false;
            }
        };
        debug_assert_eq!(record.lsn, lsn, "a record is stored under its LSN");
        for mut event in events_of(&record) {
            if event.id < request.from {
                continue;
            }
            if let Err(e) = fill_in(&view, &core.state, &mut event) {
                failure = Some(e);
                return false;
            }
            if !filter.keeps(&event) {
                continue;
            }
            scratch.clear();
            event.write(&mut Writer::new(&mut scratch));
            reply_bytes += scratch.len();
            if reply_bytes > REPLY_BYTES_MAX && !events.is_empty() {
                next = event.id;
                return false;
            }
            next = event.id + 1;
            events.push(event);
            if events.len() == max_batch {
                return false;
            }
        }
        // Every event of the record was seen: go on after it.
        next = next.max(event_id(lsn + 1, 0));
        true
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    debug_assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    debug_assert!(next >= request.from);
    Ok(EventBatch { events, next })
}

/// Fills in what the record did not carry: a partial reversal's redemption
/// (from its row: its coupon, code and order never change) and a coupon's
/// campaign (a coupon's campaign never changes either; a deleted coupon's is
/// no longer known).
fn fill_in(view: &ReadView, state: &State, event: &mut Event) -> Result<()> {
    if event.redemption_id != 0 && event.coupon_id == 0 {
        if let Some(r) = view.redemption(event.redemption_id)? {
            event.coupon_id = r.coupon_id;
            event.code = r.code;
            event.order_id = r.order_id;
            event.customer_id = r.customer_id;
            event.currency = r.currency;
        }
    }
    if event.coupon_id != 0 && event.campaign_id == 0 {
        event.campaign_id = match state.generated_code(event.coupon_id) {
            Some(generated) => generated.campaign_id,
            None => state
                .coupon(event.coupon_id)
                .and_then(|(def, _)| def.spec.campaign_id)
                .unwrap_or(0),
        };
    }
    Ok(())
}
