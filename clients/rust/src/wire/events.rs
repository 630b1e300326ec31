//! EVENTS_SUBSCRIBE: every change as an event, read from a cursor.
//!
//! An event's id is its log record's LSN and its index within the record:
//! `lsn << EVENT_INDEX_BITS | index` (`event_id`), so ids are exact,
//! strictly increasing and the same on every node.

use super::primitives::{DecodeError, Reader, Writer};
use crate::wire_enum;

/// Bits of an event id that hold its index within its record.
pub const EVENT_INDEX_BITS: u32 = 16;

/// The id of the `index`th event of the record at `lsn`.
pub fn event_id(lsn: u64, index: u16) -> u64 {
    (lsn << EVENT_INDEX_BITS) | u64::from(index)
}

/// The LSN of the record an event id names.
pub fn event_lsn(id: u64) -> u64 {
    id >> EVENT_INDEX_BITS
}

/// The most events one reply carries.
pub const EVENTS_MAX_BATCH: u32 = 1000;

wire_enum!(
    /// What changed. The names are what `--type` and the JSON say.
    EventType {
        CouponCreated = 1 => "coupon.created",
        CouponUpdated = 2 => "coupon.updated",
        CouponDeleted = 3 => "coupon.deleted",
        Redeemed = 4 => "redemption.redeemed",
        Reserved = 5 => "redemption.reserved",
        Confirmed = 6 => "redemption.confirmed",
        Released = 7 => "redemption.released",
        HoldExpired = 8 => "redemption.hold_expired",
        Reversed = 9 => "redemption.reversed",
        Rejected = 10 => "redemption.rejected",
        CampaignChanged = 11 => "campaign.changed",
        CodesGenerated = 12 => "campaign.codes_generated",
        CodeAssigned = 13 => "campaign.code_assigned",
        CodeDistributed = 14 => "code.distributed",
        DeliveryFailed = 15 => "code.delivery_failed",
    }
);

impl EventType {
    /// Its bit in a subscription's `types`.
    pub fn bit(self) -> u64 {
        1 << self.as_u8()
    }
}

/// One change. Fields that do not apply to its type are 0 or empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Event {
    pub id: u64,
    pub event_type: Option<EventType>,
    /// The batch time of its record (unix ms).
    pub time: i64,
    pub coupon_id: u64,
    pub code: String,
    pub campaign_id: u64,
    pub redemption_id: u64,
    pub order_id: String,
    pub customer_id: String,
    /// The order's amount (redemptions), the refund (reversals), minor units.
    pub amount: i64,
    /// The discount (redemptions), the discount given back (reversals).
    pub discount_amount: i64,
    pub currency: String,
    /// Coupon or campaign status, or the redemption's status, by name.
    pub status: String,
    /// Codes generated (campaign.codes_generated); 1 for a full reversal.
    pub count: u64,
}

impl Event {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u8(self.event_type.map_or(0, EventType::as_u8));
        w.i64(self.time);
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.u64(self.campaign_id);
        w.u64(self.redemption_id);
        w.str(&self.order_id);
        w.str(&self.customer_id);
        w.i64(self.amount);
        w.i64(self.discount_amount);
        w.str(&self.currency);
        w.str(&self.status);
        w.u64(self.count);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Event {
            id: r.u64("id")?,
            event_type: Some(EventType::read(r, "event_type")?),
            time: r.i64("time")?,
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            campaign_id: r.u64("campaign_id")?,
            redemption_id: r.u64("redemption_id")?,
            order_id: r.str("order_id")?,
            customer_id: r.str("customer_id")?,
            amount: r.i64("amount")?,
            discount_amount: r.i64("discount_amount")?,
            currency: r.str("currency")?,
            status: r.str("status")?,
            count: r.u64("count")?,
        })
    }
}

/// EVENTS_SUBSCRIBE's body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventsRequest {
    /// The first event id wanted (0: the oldest retained).
    pub from: u64,
    /// `EventType::bit`s wanted; 0: every type.
    pub types: u64,
    /// Only events of this coupon; 0: any.
    pub coupon_id: u64,
    /// Only events of this campaign; 0: any.
    pub campaign_id: u64,
    /// The most events in the reply, 1 to `EVENTS_MAX_BATCH`.
    pub max_batch: u32,
}

impl EventsRequest {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.from);
        w.u64(self.types);
        w.u64(self.coupon_id);
        w.u64(self.campaign_id);
        w.u32(self.max_batch);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(EventsRequest {
            from: r.u64("from")?,
            types: r.u64("types")?,
            coupon_id: r.u64("coupon_id")?,
            campaign_id: r.u64("campaign_id")?,
            max_batch: r.u32("max_batch")?,
        })
    }
}

/// EVENTS_SUBSCRIBE's reply: the events in id order and where to go on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventBatch {
    pub events: Vec<Event>,
    /// The `from` of the next request: past every event returned and every
    /// record read (so filtered-out records are not read again).
    pub next: u64,
}

impl EventBatch {
    pub fn write(&self, w: &mut Writer) {
        w.list(&self.events, |w, e| e.write(w));
        w.u64(self.next);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(EventBatch {
            events: r.list("events", Event::read)?,
            next: r.u64("next")?,
        })
    }
}
