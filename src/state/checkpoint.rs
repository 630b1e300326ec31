//! Checkpoints of the in-memory state.
//!
//! `State::snapshot` notes `start_lsn`, the last LSN applied at that moment
//! (between two batches). Another thread then encodes the state into chunks
//! of at most about 640 KiB and stores them, taking each part of each map by
//! reference only while it encodes it (`Parts::parts`). The writer copies a
//! part it changes only while the checkpoint holds it, a fraction of a
//! millisecond: holding every part for the whole checkpoint made it copy the
//! whole state once per checkpoint (each part is changed within moments
//! under load), about 1.5 GB at ten million redemptions.
//!
//! So each part is as of some LSN at or after `start_lsn`. Recovery loads the
//! chunks, then replays the log after `start_lsn`, applying again records
//! whose effects some parts already contain: that changes nothing, because
//! effects carry absolute values, analytics count only past the position
//! they counted, and a redemption list takes only ids above its last. The
//! state after the replay is the state at the end of the log.
//!
//! Chunk layout: `u8 format (1) | u32 crc32 of the rest | u8 kind | u32 count |
//! entries`, entries per kind as in `write_entries` below.

use std::sync::Arc;

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Writer};

use super::analytics;
use super::effect::{
    read_code_rate, read_key, read_model, read_period_count, read_seen_kind, write_code_rate,
    write_key, write_model, write_period_count,
};
use super::order_set::OrderSet;
use super::outbox::OutboxEntry;
use super::webhooks::Endpoint;
use super::{Hold, State};
use crate::domain::campaign::CampaignCounters;
use crate::domain::coupon::Counters;
use crate::rules::analytics::GroupAnalytics;
use crate::rules::fraud::score::Model;

const CHUNK_FORMAT_V1: u8 = 1;
/// A chunk is closed once it holds this many bytes. With the largest entry (a
/// list piece, 128 KiB) a chunk stays well under the 1 MiB frame cap, so a
/// snapshot can ship each chunk to a follower as one part.
const CHUNK_BYTES: usize = 512 << 10;
/// Most ids of one coupon's redemption list in one entry (longer lists span entries).
const LIST_PIECE: usize = 16 * 1024;

const KIND_COUNTERS: u8 = 1;
const KIND_CUSTOMERS: u8 = 2;
const KIND_ORDERS: u8 = 3;
const KIND_LISTS: u8 = 4;
const KIND_HOLDS: u8 = 5;
const KIND_CAMPAIGN_COUNTERS: u8 = 6;
const KIND_VELOCITY: u8 = 7;
/// Coupon counters with the fraud counters (kind 1 has uses only).
const KIND_COUNTERS_FRAUD: u8 = 10;
const KIND_SEEN: u8 = 8;
const KIND_CODE_RATES: u8 = 9;
/// The fraud model (one entry), once an outcome was learned: a state that
/// has the starting model writes none, so its checkpoints stay as they were.
const KIND_MODEL: u8 = 11;
/// Multi-code orders' sets (`order_set`): order key, then the set.
const KIND_ORDER_SETS: u8 = 12;
/// Counts of uses per period (`rules::period`); kind 13 is other state's.
const KIND_PERIOD_USES: u8 = 14;
/// Analytics (`state::analytics`): each entry a sub-kind (`ANALYTICS_*`),
/// the position of the last effect it counted, then its body.
const KIND_ANALYTICS: u8 = 15;
const ANALYTICS_COUPON: u8 = 1;
const ANALYTICS_CAMPAIGN: u8 = 2;
const ANALYTICS_STORE: u8 = 3;
/// Webhook endpoints (`state::webhooks`), each whole.
const KIND_WEBHOOKS: u8 = 16;
/// The distribution outbox (`state::outbox`): campaign id, customer key,
/// entry.
const KIND_OUTBOX: u8 = 17;
/// Pending holds' order lines by product (`Effect::HoldProducts`):
/// redemption id, products.
const KIND_HOLD_PRODUCTS: u8 = 18;

pub struct Snapshot {
    pub start_lsn: u64,
    /// The maps are read from the live state, one part at a time, as the
    /// encoding reaches each part (see the module comment).
    state: Arc<State>,
    model: Arc<Model>,
    webhooks: Vec<Endpoint>,
}

#[derive(Debug, thiserror::Error)]
#[error("checkpoint chunk: {0}")]
pub struct CorruptChunk(pub String);

impl State {
    /// Call only between batches, from the thread that applies effects.
    pub fn snapshot(self: &Arc<State>) -> Snapshot {
        Snapshot {
            start_lsn: self.applied_lsn(),
            state: Arc::clone(self),
            model: self.model(),
            webhooks: self.webhooks(),
        }
    }

    /// After the last chunk: every coupon's redemption ids in ascending order.
    pub fn finish_restore(&self) {
        self.lists.update_all(|ids| {
            if !ids.is_sorted() {
                ids.sort_unstable();
            }
        });
    }

    /// Loads one chunk into an empty state (before replay).
    pub fn restore_chunk(&self, raw: &[u8]) -> Result<(), CorruptChunk> {
        if raw.len() < 5 || raw[0] != CHUNK_FORMAT_V1 {
            return Err(CorruptChunk("unknown format".into()));
        }
        let expected = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
        if crc32fast::hash(&raw[5..]) != expected {
            return Err(CorruptChunk("checksum mismatch".into()));
        }
        self.read_entries(&mut Reader::new(&raw[5..]))
            .map_err(|e| CorruptChunk(e.to_string()))
    }

    fn read_entries(&self, r: &mut Reader) -> Result<(), DecodeError> {
        let kind = r.u8("kind")?;
        let count = r.u32("count")? as usize;
        // Entries of one chunk are decoded first, then inserted with one lock
        // per part: loading is most of a restart.
        let capacity = count.min(r.remaining());
        match kind {
            KIND_COUNTERS | KIND_COUNTERS_FRAUD => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    let id = r.u64("coupon_id")?;
                    let mut counters = Counters {
                        current_usage: r.u64("current_usage")?,
                        reserved_uses: r.u64("reserved_uses")?,
                        ..Counters::default()
                    };
                    if kind == KIND_COUNTERS_FRAUD {
                        counters.fraud_attempts = r.u64("fraud_attempts")?;
                        counters.blocked_redemptions = r.u64("blocked_redemptions")?;
                    }
                    entries.push((id, counters));
                }
                self.counters.insert_many(entries);
            }
            KIND_CUSTOMERS | KIND_ORDERS => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    let key = (r.u64("coupon_id")?, read_key(r)?);
                    entries.push((key, r.u64("value")?));
                }
                let map = if kind == KIND_CUSTOMERS {
                    &self.customers
                } else {
                    &self.orders
                };
                map.insert_many(entries);
            }
            KIND_LISTS => {
                for _ in 0..count {
                    let id = r.u64("coupon_id")?;
                    let n = r.u32("ids")? as usize;
                    let mut piece = Vec::with_capacity(n.min(r.remaining() / 8));
                    for _ in 0..n {
                        piece.push(r.u64("id")?);
                    }
                    // Pieces of one list may load in any order (several
                    // threads); `finish_restore` puts each list back in order.
                    self.lists.update(id, |ids| ids.extend(piece));
                }
            }
            KIND_HOLDS => {
                for _ in 0..count {
                    let redemption_id = r.u64("redemption_id")?;
                    let hold = Hold {
                        coupon_id: r.u64("coupon_id")?,
                        expires_at: r.i64("expires_at")?,
                    };
                    self.holds.insert(redemption_id, hold);
                    self.expiry
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert((hold.expires_at, redemption_id));
                }
            }
            KIND_CAMPAIGN_COUNTERS => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    let id = r.u64("campaign_id")?;
                    let counters = CampaignCounters {
                        budget_used: r.i64("budget_used")?,
                        redemptions: r.u64("redemptions")?,
                        coupons_generated: r.u64("coupons_generated")?,
                    };
                    entries.push((id, counters));
                }
                self.campaign_counters.insert_many(entries);
            }
            KIND_VELOCITY => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    let key = (r.u64("coupon_id")?, read_key(r)?);
                    let n = r.u32("created_at_count")? as usize;
                    let mut created_at = Vec::with_capacity(n.min(r.remaining() / 8));
                    for _ in 0..n {
                        created_at.push(r.i64("created_at")?);
                    }
                    entries.push((key, created_at));
                }
                self.velocity.insert_many(entries);
            }
            KIND_SEEN => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    let key = (read_seen_kind(r)?, read_key(r)?);
                    let n = r.u32("member_count")? as usize;
                    let mut members = Vec::with_capacity(n.min(r.remaining() / 24));
                    for _ in 0..n {
                        members.push((read_key(r)?, r.i64("seen_at")?));
                    }
                    entries.push((key, members));
                }
                self.seen.insert_many(entries);
            }
            KIND_CODE_RATES => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    entries.push((r.u64("coupon_id")?, read_code_rate(r)?));
                }
                self.code_rates.insert_many(entries);
            }
            KIND_PERIOD_USES => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    let coupon_id = r.u64("coupon_id")?;
                    let who = read_key(r)?;
                    let (kind, period_count) = read_period_count(r)?;
                    entries.push(((coupon_id, who, kind), period_count));
                }
                self.period_uses.insert_many(entries);
            }
            KIND_HOLD_PRODUCTS => {
                for _ in 0..count {
                    let redemption_id = r.u64("redemption_id")?;
                    let products = analytics::read_products(r)?;
                    self.hold_products.insert(redemption_id, products);
                }
            }
            KIND_OUTBOX => {
                for _ in 0..count {
                    let campaign_id = r.u64("campaign_id")?;
                    // The key is derived again from the customer id, as
                    // applying the effect derives it.
                    let _customer = read_key(r)?;
                    self.put_outbox_entry(campaign_id, OutboxEntry::read(r)?);
                }
            }
            KIND_ORDER_SETS => {
                let mut entries = Vec::with_capacity(capacity);
                for _ in 0..count {
                    entries.push((read_key(r)?, OrderSet::read(r)?));
                }
                self.order_sets.insert_many(entries);
            }
            KIND_ANALYTICS => {
                let (mut coupons, mut campaigns) = (Vec::new(), Vec::new());
                for _ in 0..count {
                    let sub_kind = r.u8("analytics_kind")?;
                    let at = analytics::read_position(r)?;
                    match sub_kind {
                        ANALYTICS_COUPON => {
                            let id = r.u64("coupon_id")?;
                            coupons.push((id, (at, analytics::read_coupon(r)?)));
                        }
                        ANALYTICS_CAMPAIGN => {
                            let id = r.u64("campaign_id")?;
                            campaigns.push((id, (at, analytics::read_group(r)?)));
                        }
                        ANALYTICS_STORE => {
                            let entry = (at, analytics::read_group(r)?);
                            *self
                                .store_analytics
                                .lock()
                                .unwrap_or_else(|e| e.into_inner()) = entry;
                        }
                        other => {
                            return Err(DecodeError::UnknownValue {
                                field: "analytics_kind",
                                value: u64::from(other),
                            })
                        }
                    }
                }
                self.coupon_analytics.insert_many(coupons);
                self.campaign_analytics.insert_many(campaigns);
            }
            KIND_WEBHOOKS => {
                for _ in 0..count {
                    self.put_webhook(&Endpoint::read(r)?);
                }
            }
            KIND_MODEL => {
                for _ in 0..count {
                    let model = read_model(r)?;
                    *super::write(&self.model) = Arc::new(model);
                }
            }
            other => {
                return Err(DecodeError::UnknownValue {
                    field: "kind",
                    value: u64::from(other),
                })
            }
        }
        Ok(())
    }
}

/// Accumulates entries of one kind and cuts them into chunks.
struct Chunker<'a> {
    kind: u8,
    body: BytesMut,
    count: u32,
    out: &'a mut Vec<Vec<u8>>,
}

impl<'a> Chunker<'a> {
    fn new(kind: u8, out: &'a mut Vec<Vec<u8>>) -> Self {
        Chunker {
            kind,
            body: BytesMut::with_capacity(CHUNK_BYTES + 4096),
            count: 0,
            out,
        }
    }

    fn entry(&mut self, write: impl FnOnce(&mut Writer)) {
        write(&mut Writer::new(&mut self.body));
        self.count += 1;
        if self.body.len() >= CHUNK_BYTES {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.count == 0 {
            return;
        }
        let mut chunk = BytesMut::with_capacity(self.body.len() + 10);
        {
            let mut w = Writer::new(&mut chunk);
            w.u8(CHUNK_FORMAT_V1);
            w.u32(0);
            w.u8(self.kind);
            w.u32(self.count);
            w.bytes(&self.body);
        }
        let crc = crc32fast::hash(&chunk[5..]);
        chunk[1..5].copy_from_slice(&crc.to_be_bytes());
        self.out.push(chunk.to_vec());
        self.body.clear();
        self.count = 0;
    }
}

impl Drop for Chunker<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Snapshot {
    /// Encodes the snapshot into chunks, calling `sink` with each batch of
    /// chunks as it fills (so memory stays bounded by a few chunks per part).
    pub fn encode(&self, mut sink: impl FnMut(Vec<Vec<u8>>)) {
        let mut out = Vec::new();
        {
            let mut c = Chunker::new(KIND_COUNTERS_FRAUD, &mut out);
            for part in self.state.counters.parts() {
                for (id, v) in part.iter() {
                    c.entry(|w| {
                        w.u64(*id);
                        w.u64(v.current_usage);
                        w.u64(v.reserved_uses);
                        w.u64(v.fraud_attempts);
                        w.u64(v.blocked_redemptions);
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        for (kind, map) in [
            (KIND_CUSTOMERS, &self.state.customers),
            (KIND_ORDERS, &self.state.orders),
        ] {
            for part in map.parts() {
                let mut c = Chunker::new(kind, &mut out);
                for ((id, key), v) in part.iter() {
                    c.entry(|w| {
                        w.u64(*id);
                        write_key(w, *key);
                        w.u64(*v);
                    });
                }
                drop(c);
                if out.len() >= 16 {
                    sink(std::mem::take(&mut out));
                }
            }
        }
        {
            let mut c = Chunker::new(KIND_LISTS, &mut out);
            for part in self.state.lists.parts() {
                for (id, ids) in part.iter() {
                    for piece in ids.chunks(LIST_PIECE) {
                        c.entry(|w| {
                            w.u64(*id);
                            w.u32(piece.len() as u32);
                            for rid in piece {
                                w.u64(*rid);
                            }
                        });
                    }
                }
            }
        }
        {
            let mut c = Chunker::new(KIND_HOLDS, &mut out);
            for part in self.state.holds.parts() {
                for (rid, hold) in part.iter() {
                    c.entry(|w| {
                        w.u64(*rid);
                        w.u64(hold.coupon_id);
                        w.i64(hold.expires_at);
                    });
                }
            }
        }
        {
            let mut c = Chunker::new(KIND_HOLD_PRODUCTS, &mut out);
            for part in self.state.hold_products.parts() {
                for (rid, products) in part.iter() {
                    c.entry(|w| {
                        w.u64(*rid);
                        analytics::write_products(w, products);
                    });
                }
            }
        }
        {
            let mut c = Chunker::new(KIND_CAMPAIGN_COUNTERS, &mut out);
            for part in self.state.campaign_counters.parts() {
                for (id, counters) in part.iter() {
                    c.entry(|w| {
                        w.u64(*id);
                        w.i64(counters.budget_used);
                        w.u64(counters.redemptions);
                        w.u64(counters.coupons_generated);
                    });
                }
            }
        }
        {
            let mut c = Chunker::new(KIND_VELOCITY, &mut out);
            for part in self.state.velocity.parts() {
                for ((id, key), created_at) in part.iter() {
                    c.entry(|w| {
                        w.u64(*id);
                        write_key(w, *key);
                        w.u32(created_at.len() as u32);
                        created_at.iter().for_each(|t| w.i64(*t));
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        {
            let mut c = Chunker::new(KIND_SEEN, &mut out);
            for part in self.state.seen.parts() {
                for ((kind, key), members) in part.iter() {
                    c.entry(|w| {
                        w.u8(kind.code());
                        write_key(w, *key);
                        w.u32(members.len() as u32);
                        for (member, seen_at) in members {
                            write_key(w, *member);
                            w.i64(*seen_at);
                        }
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        {
            let mut c = Chunker::new(KIND_CODE_RATES, &mut out);
            for part in self.state.code_rates.parts() {
                for (id, rate) in part.iter() {
                    c.entry(|w| {
                        w.u64(*id);
                        write_code_rate(w, rate);
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        {
            let mut c = Chunker::new(KIND_ORDER_SETS, &mut out);
            for part in self.state.order_sets.parts() {
                for (order, set) in part.iter() {
                    c.entry(|w| {
                        write_key(w, *order);
                        set.write(w);
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        {
            let mut c = Chunker::new(KIND_OUTBOX, &mut out);
            for part in self.state.outbox.parts() {
                for ((campaign_id, customer), entry) in part.iter() {
                    c.entry(|w| {
                        w.u64(*campaign_id);
                        write_key(w, *customer);
                        entry.write(w);
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        {
            let mut c = Chunker::new(KIND_PERIOD_USES, &mut out);
            for part in self.state.period_uses.parts() {
                for ((id, who, kind), count) in part.iter() {
                    c.entry(|w| {
                        w.u64(*id);
                        write_key(w, *who);
                        write_period_count(w, *kind, count);
                    });
                }
            }
        }
        sink(std::mem::take(&mut out));
        {
            let mut c = Chunker::new(KIND_ANALYTICS, &mut out);
            for part in self.state.coupon_analytics.parts() {
                for (id, (at, a)) in part.iter() {
                    c.entry(|w| {
                        w.u8(ANALYTICS_COUPON);
                        analytics::write_position(w, *at);
                        w.u64(*id);
                        analytics::write_coupon(w, a);
                    });
                }
            }
            for part in self.state.campaign_analytics.parts() {
                for (id, (at, g)) in part.iter() {
                    c.entry(|w| {
                        w.u8(ANALYTICS_CAMPAIGN);
                        analytics::write_position(w, *at);
                        w.u64(*id);
                        analytics::write_group(w, g);
                    });
                }
            }
            // Absent until something was counted, so a store from before
            // analytics checkpoints as it did.
            // Read after every coupon's and campaign's entry: a usage the
            // store counted must be one its coupon counted too, or a replay
            // would count it for the store without knowing it was the
            // coupon's first redemption (`coupons_redeemed`).
            let (at, store) = &*self
                .state
                .store_analytics
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if *store != GroupAnalytics::default() {
                c.entry(|w| {
                    w.u8(ANALYTICS_STORE);
                    analytics::write_position(w, *at);
                    analytics::write_group(w, store);
                });
            }
        }
        if *self.model != Model::default() {
            Chunker::new(KIND_MODEL, &mut out).entry(|w| write_model(w, &self.model));
        }
        {
            let mut c = Chunker::new(KIND_WEBHOOKS, &mut out);
            for endpoint in &self.webhooks {
                c.entry(|w| endpoint.write(w));
            }
        }
        sink(out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::digest::Digest;
    use super::super::{Effect, LogRecord};
    use super::*;
    use crate::rules::analytics::Usage;
    use crate::rules::fraud::detectors::{CodeRate, SeenKind};
    use crate::rules::fraud::score::{Signal, Signals};
    use couponsd_client::wire::{
        OrderIdentifiers, Redemption, RedemptionStatus, SecurityAssessment,
    };

    fn digest(state: &State) -> (u128, u64) {
        let mut d = Digest::default();
        state.add_to_digest(&mut d);
        (d.value(), d.entries())
    }

    /// Redemption `id` of `coupon_id`, for order `order` of customer `customer`.
    fn redemption(
        id: u64,
        coupon_id: u64,
        (customer, order): (&str, &str),
        status: RedemptionStatus,
        hold_expires_at: Option<i64>,
    ) -> Redemption {
        Redemption {
            id,
            coupon_id,
            code: format!("C{coupon_id}"),
            customer_id: customer.into(),
            order_id: order.into(),
            transaction_id: String::new(),
            status,
            original_amount: 10_000,
            discount_amount: 1_000,
            final_amount: 9_000,
            currency: "USD".into(),
            channel: String::new(),
            created_at: 3,
            updated_at: 3,
            hold_expires_at,
            reverse_reason: String::new(),
            security: SecurityAssessment::default(),
            fraud_outcome: None,
            identifiers: OrderIdentifiers::default(),
            counted: 0,
        }
    }

    /// A captured use of `coupon_id` (campaign 4) for the analytics.
    fn usage(coupon_id: u64, products: Vec<(String, i64)>) -> Effect {
        Effect::Usage(Usage {
            coupon_id,
            campaign_id: Some(4),
            at: 1_700_000_000_000,
            redemptions: 1,
            revenue: 9_000,
            discount: 1_000,
            products,
            ..Usage::default()
        })
    }

    /// A checkpoint reads each part only when it reaches it, so its parts
    /// may hold records after its `start_lsn`. Loading it and replaying the
    /// log from `start_lsn` (records some parts hold already) gives the live
    /// state all the same.
    #[test]
    fn a_checkpoint_whose_parts_saw_later_records_replays_to_the_live_state() {
        let records: Vec<LogRecord> = (1..=60u64)
            .map(|lsn| {
                // Coupon 4's first redemption comes after the snapshot.
                let coupon_id = if lsn == 25 { 4 } else { lsn % 3 + 1 };
                let customer = [lsn % 7, 9];
                let redemption = redemption(
                    lsn,
                    coupon_id,
                    (&format!("cust-{}", lsn % 7), &format!("order-{lsn}")),
                    RedemptionStatus::Processed,
                    None,
                );
                let effects = vec![
                    Effect::Redemption(redemption),
                    Effect::Counters {
                        coupon_id,
                        counters: Counters {
                            current_usage: lsn / 3 + 1,
                            ..Counters::default()
                        },
                    },
                    Effect::CustomerUses {
                        coupon_id,
                        customer,
                        uses: lsn / 21 + 1,
                    },
                    Effect::Seen {
                        kind: SeenKind::DeviceCustomers,
                        key: customer,
                        members: vec![([lsn, 1], lsn as i64)],
                    },
                    usage(coupon_id, vec![]),
                ];
                LogRecord {
                    term: 1,
                    lsn,
                    timestamp: 1_700_000_000_000 + lsn as i64,
                    effects,
                }
            })
            .collect();
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        records[..20].iter().for_each(|r| state.apply_record(r));
        let at_start = digest(&state);
        let snapshot = state.snapshot();
        assert_eq!(snapshot.start_lsn, 20);
        // Applied before the encoding reaches the parts: the checkpoint holds them.
        records[20..40].iter().for_each(|r| state.apply_record(r));
        let mut chunks = Vec::new();
        snapshot.encode(|c| chunks.extend(c));
        records[40..].iter().for_each(|r| state.apply_record(r));

        let restored = State::new(Some([1; 16]), 0);
        for chunk in &chunks {
            restored.restore_chunk(chunk).expect("chunk loads");
        }
        restored.finish_restore();
        assert_ne!(digest(&restored), at_start, "the parts saw later records");
        records[20..].iter().for_each(|r| restored.apply_record(r));
        assert_eq!(digest(&restored), digest(&state));
        let store = restored.store_analytics();
        assert_eq!(store.totals.redemptions, 60, "each redemption counted once");
        assert_eq!(store.coupons_redeemed, 4);
        assert_eq!(
            store.coupons_redeemed,
            state.store_analytics().coupons_redeemed
        );
    }

    /// A pending hold's lines go through a checkpoint and into the digest,
    /// and go when the hold is captured.
    #[test]
    fn hold_products_survive_a_checkpoint_until_the_hold_ends() {
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        let hold = |status, hold_expires_at| redemption(7, 1, ("c", "o"), status, hold_expires_at);
        let record = |lsn, effects| LogRecord {
            term: 1,
            lsn,
            timestamp: 1_700_000_000_000,
            effects,
        };
        let lines = vec![("boot".to_string(), 20_000), ("lace".to_string(), 150)];
        let before = digest(&state);
        state.apply_record(&record(
            1,
            vec![
                Effect::HoldProducts {
                    redemption_id: 7,
                    products: lines.clone(),
                },
                Effect::Redemption(hold(RedemptionStatus::Pending, Some(1_700_000_060_000))),
            ],
        ));
        assert_ne!(digest(&state), before, "the digest counts them");
        let mut chunks = Vec::new();
        state.snapshot().encode(|c| chunks.extend(c));
        let restored = State::new(Some([1; 16]), 0);
        for chunk in &chunks {
            restored.restore_chunk(chunk).expect("chunk loads");
        }
        assert_eq!(restored.hold_products(7), Some(lines));
        assert_eq!(digest(&restored), digest(&state));
        restored.apply_record(&record(
            2,
            vec![Effect::Redemption(hold(RedemptionStatus::Processed, None))],
        ));
        assert_eq!(restored.hold_products(7), None, "captured: dropped");
    }

    /// Analytics count each effect once however often its record is
    /// applied, go through a checkpoint with their positions (so a replay
    /// after it counts nothing twice), and count in the digest.
    #[test]
    fn analytics_count_once_and_survive_a_checkpoint() {
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        let capture = |coupon_id, product: &str| usage(coupon_id, vec![(product.into(), 10_000)]);
        let record = |lsn, effects| LogRecord {
            term: 1,
            lsn,
            timestamp: 1_700_000_000_000,
            effects,
        };
        let first = record(
            1,
            vec![
                capture(1, "a"),
                capture(2, "b"),
                Effect::Views(vec![(1, 5)]),
            ],
        );
        let second = record(2, vec![capture(1, "b")]);
        state.apply_record(&first);
        state.apply_record(&first);
        let mut chunks = Vec::new();
        state.snapshot().encode(|c| chunks.extend(c));
        state.apply_record(&second);
        let restored = State::new(Some([1; 16]), 0);
        for chunk in &chunks {
            restored.restore_chunk(chunk).expect("chunk loads");
        }
        // Replay from before the checkpoint, as after a crash.
        restored.apply_record(&first);
        restored.apply_record(&second);
        assert_eq!(digest(&restored), digest(&state));
        let coupon = restored.coupon_analytics(1).expect("counted");
        assert_eq!((coupon.totals.redemptions, coupon.totals.views), (2, 5));
        assert_eq!(coupon.products.products.len(), 2);
        let campaign = restored.campaign_analytics(4);
        assert_eq!(
            (campaign.totals.redemptions, campaign.coupons_redeemed),
            (3, 2)
        );
        assert_eq!(campaign.totals.revenue, 27_000);
        // Views reach a campaign through the coupon's definition (none
        // here); the store counts them all.
        assert_eq!(campaign.totals.views, 0);
        let store = restored.store_analytics();
        assert_eq!((store.totals.redemptions, store.totals.views), (3, 5));
        let before = digest(&state);
        state.apply_record(&record(3, vec![Effect::Views(vec![(2, 1)])]));
        assert_ne!(digest(&state), before);
    }

    /// Seen sets and code rates go through a checkpoint whole, and a state
    /// that differs in any of them has another digest.
    #[test]
    fn seen_sets_and_code_rates_round_trip_and_count_in_the_digest() {
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        let effects = |t: i64| {
            vec![
                Effect::Seen {
                    kind: SeenKind::DeviceCustomers,
                    key: [1, 2],
                    members: vec![([3, 4], t), ([5, 6], t + 1)],
                },
                Effect::Seen {
                    kind: SeenKind::MailboxSpellings,
                    key: [1, 2],
                    members: vec![([7, 8], t)],
                },
                Effect::CodeRate {
                    coupon_id: 9,
                    rate: CodeRate {
                        hour: t / 3_600_000,
                        this_hour: 4,
                        baseline_milli: 1_500,
                    },
                },
                Effect::Velocity {
                    coupon_id: 9,
                    identity: [1, 2],
                    created_at: vec![t],
                },
            ]
        };
        for i in 0..3000u64 {
            for e in effects(1_700_000_000_000 + i as i64) {
                let e = match e {
                    Effect::Seen { kind, members, .. } => Effect::Seen {
                        kind,
                        key: [i, 0],
                        members,
                    },
                    Effect::CodeRate { rate, .. } => Effect::CodeRate { coupon_id: i, rate },
                    other => other,
                };
                state.apply(&e);
            }
        }
        let mut chunks = Vec::new();
        state.snapshot().encode(|c| chunks.extend(c));
        let restored = State::new(Some([1; 16]), 0);
        for chunk in &chunks {
            restored.restore_chunk(chunk).expect("chunk loads");
        }
        restored.finish_restore();
        assert_eq!(digest(&restored), digest(&state));
        assert_eq!(restored.swept_sizes(), (1, 6000, 3000));
        assert_eq!(restored.seen(SeenKind::DeviceCustomers, [7, 0]).len(), 2);
        // One member's time, one rate's count: another digest.
        let before = digest(&state);
        state.apply(&Effect::Seen {
            kind: SeenKind::DeviceCustomers,
            key: [7, 0],
            members: vec![([3, 4], 1), ([5, 6], 2)],
        });
        assert_ne!(digest(&state).0, before.0);
        let before = digest(&state);
        let mut rate = state.code_rate(5);
        rate.this_hour += 1;
        state.apply(&Effect::CodeRate { coupon_id: 5, rate });
        assert_ne!(digest(&state).0, before.0);
        // Removing is applying the empty value.
        state.apply(&Effect::CodeRate {
            coupon_id: 5,
            rate: CodeRate::default(),
        });
        state.apply(&Effect::Seen {
            kind: SeenKind::DeviceCustomers,
            key: [7, 0],
            members: vec![],
        });
        assert_eq!(state.swept_sizes(), (1, 5999, 2999));
    }

    #[test]
    fn an_unknown_seen_kind_is_a_corrupt_chunk() {
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        state.apply(&Effect::Seen {
            kind: SeenKind::IpCustomers,
            key: [1, 2],
            members: vec![([3, 4], 5)],
        });
        let mut chunks = Vec::new();
        state.snapshot().encode(|c| chunks.extend(c));
        let mut chunk = chunks.into_iter().next().expect("one chunk");
        // kind 8, count 1, then the set's kind byte.
        assert_eq!(chunk[5], KIND_SEEN);
        chunk[10] = 4;
        let crc = crc32fast::hash(&chunk[5..]);
        chunk[1..5].copy_from_slice(&crc.to_be_bytes());
        assert!(State::new(Some([1; 16]), 0).restore_chunk(&chunk).is_err());
    }

    #[test]
    fn a_learned_model_survives_a_checkpoint_and_the_starting_one_writes_nothing() {
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        let mut chunks = Vec::new();
        state.snapshot().encode(|c| chunks.extend(c));
        assert!(chunks.is_empty(), "nothing learned, nothing written");
        let empty = digest(&state);

        let mut model = Model::default();
        let mut signals = Signals::default();
        signals.set(Signal::SharedIp, 1_000_000);
        model.learn(&signals, true);
        state.apply(&Effect::Model(model.clone()));
        assert_ne!(digest(&state), empty, "the model is in DIGEST");
        state.snapshot().encode(|c| chunks.extend(c));
        let restored = State::new(Some([1; 16]), 0);
        for chunk in &chunks {
            restored.restore_chunk(chunk).unwrap();
        }
        assert_eq!(*restored.model(), model);
        assert_eq!(digest(&restored), digest(&state));
    }

    /// Webhook endpoints go through a checkpoint whole (secret and
    /// progress), count in DIGEST, and progress of a removed one is nothing.
    #[test]
    fn webhooks_survive_a_checkpoint_and_count_in_the_digest() {
        use super::super::webhooks::Progress;
        let state = std::sync::Arc::new(State::new(Some([1; 16]), 0));
        let empty = digest(&state);
        let endpoint = |id| Endpoint {
            id,
            url: format!("http://127.0.0.1:9/{id}"),
            secret: format!("whsec_{}", "0f".repeat(32)),
            enabled: true,
            ..Endpoint::default()
        };
        state.apply(&Effect::WebhookPut(Box::new(endpoint(3))));
        state.apply(&Effect::WebhookPut(Box::new(endpoint(5))));
        let added = digest(&state);
        assert_ne!(added, empty, "endpoints are in DIGEST");
        let progress = Progress {
            position: 40 << 16,
            failures: 2,
            last_error: "HTTP 503".into(),
        };
        state.apply(&Effect::WebhookProgress {
            id: 5,
            progress: progress.clone(),
        });
        assert_ne!(digest(&state), added, "progress is in DIGEST");
        state.apply(&Effect::WebhookRemoved { id: 3 });
        state.apply(&Effect::WebhookProgress {
            id: 3,
            progress: progress.clone(),
        });
        assert_eq!(state.webhooks().len(), 1, "progress does not bring it back");
        let mut chunks = Vec::new();
        state.snapshot().encode(|c| chunks.extend(c));
        let restored = State::new(Some([1; 16]), 0);
        for chunk in &chunks {
            restored.restore_chunk(chunk).expect("chunk loads");
        }
        assert_eq!(restored.webhooks(), state.webhooks());
        assert_eq!(restored.webhook(5).map(|e| e.progress), Some(progress));
        assert_eq!(digest(&restored), digest(&state));
    }
}
