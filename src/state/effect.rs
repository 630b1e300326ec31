//! Effects: what a mutation changed, as absolute values ("the counters are now
//! 5 and 1", never "add one"). The log is a sequence of records of effects.
//! Absolute values make replay idempotent: applying a record twice, or applying
//! records to a checkpoint that already contains some of them, gives the same
//! state as applying each once, which is what lets checkpoints be taken while
//! the writer keeps going.
//!
//! Record layout (big-endian, field encodings as in protocol.md):
//! ```text
//! u8  format (1)
//! u32 crc32 of every byte after this field
//! u64 term, u64 lsn, i64 timestamp (unix ms)
//! u32 effect count, then effects: u8 tag and the tag's fields
//! ```

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Redemption, Reversal, Writer};

use super::analytics;
use super::keys::Key;
use super::order_set::OrderSet;
use super::outbox::OutboxEntry;
use super::webhooks::{Endpoint, Progress};
use crate::domain::campaign::{CampaignCounters, CampaignDef};
use crate::domain::coupon::{Counters, CouponDef, SpecLayout};
use crate::rules::analytics::Usage;
use crate::rules::fraud::detectors::{CodeRate, SeenKind};
use crate::rules::fraud::score::{Model, SIGNALS};
use crate::rules::period::{PeriodCount, PeriodKind};

const RECORD_FORMAT_V1: u8 = 1;

/// CouponPut's effect tags. Records written before the discount-rule fields
/// were appended to CouponSpec carry tag 1 and the original spec layout; they
/// are still read (replay after an upgrade), never written.
const COUPON_PUT_ORIGINAL_SPEC: u8 = 1;
/// Tag 6 carries the spec's fields 1 to 30, from before the fraud settings
/// (31 to 33) were appended; read, never written.
const COUPON_PUT_RULES_SPEC: u8 = 6;
/// Tag 17 carries fields 1 to 33, from before the order settings (34 to 45);
/// read, never written.
const COUPON_PUT_FRAUD_SPEC: u8 = 17;
const COUPON_PUT: u8 = 23;
/// CampaignPut's tags, likewise: 7 before the template's fraud settings, 18
/// before its order settings, 24 before `reward_campaign_id`.
const CAMPAIGN_PUT_RULES_SPEC: u8 = 7;
const CAMPAIGN_PUT_FRAUD_SPEC: u8 = 18;
const CAMPAIGN_PUT_ORDER_SPEC: u8 = 24;
const CAMPAIGN_PUT: u8 = 41;
/// Redemption's tags: 5 before the fraud fields (17 to 21) were appended.
const REDEMPTION_ORIGINAL: u8 = 5;
const REDEMPTION: u8 = 19;

/// CouponDeleted's effect tags. Records written before a deleted coupon's
/// redemptions stayed listed (protocol.md, COUPON_DELETE) carry tag 2, whose
/// apply also drops the coupon's list of redemption ids; they are still read
/// and replay as they did, never written.
const COUPON_DELETED_DROPPING_LIST: u8 = 2;
const COUPON_DELETED: u8 = 13;
const VELOCITY: u8 = 14;
/// Counters' tags: 3 before the fraud counters, read with them at 0.
const COUNTERS_USES: u8 = 3;
const COUNTERS: u8 = 20;
const SEEN: u8 = 15;
const CODE_RATE: u8 = 16;
/// The fraud model, whole (`Effect::Model`).
const MODEL: u8 = 21;
/// A multi-code order's set of codes (`Effect::OrderCodes`).
const ORDER_CODES: u8 = 22;
/// A multi-code order's set with each code's first outcome (`Effect::OrderSet`).
const ORDER_SET: u8 = 25;
/// Codes bound to customers (`Effect::CodesAssigned`, CAMPAIGN_ASSIGN).
const CODES_ASSIGNED: u8 = 27;
/// A count of uses in one period (`Effect::PeriodUses`); tag 30 is kept
/// free for this one's next layout.
const PERIOD_USES: u8 = 29;
/// A hold was confirmed (`Effect::HoldConfirmed`): applies nothing.
const HOLD_CONFIRMED: u8 = 33;
/// A capture or a reversal, for analytics (`Effect::Usage`).
const USAGE: u8 = 31;
/// Validations a node answered, per coupon (`Effect::Views`).
const VIEWS: u8 = 32;
/// A webhook endpoint, whole (`Effect::WebhookPut`).
const WEBHOOK_PUT: u8 = 34;
/// A webhook endpoint removed (`Effect::WebhookRemoved`).
const WEBHOOK_REMOVED: u8 = 35;
/// A webhook endpoint's delivery progress (`Effect::WebhookProgress`).
const WEBHOOK_PROGRESS: u8 = 36;
/// Distribution outbox entries, whole (`Effect::Outbox`). Tags 38 to 40
/// are kept for the outbox's next layouts.
const OUTBOX: u8 = 37;
/// A pending hold's order lines by product (`Effect::HoldProducts`).
const HOLD_PRODUCTS: u8 = 42;

// A coupon definition is the largest effect, but puts are rare; boxing it
// would only move the lint to Redemption, one effect per redemption, where an
// allocation costs more than the space.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A coupon was created or its definition changed.
    CouponPut(CouponDef),
    /// A coupon was deleted: its definition, code and counters go; its
    /// redemptions stay, and so does its list of redemption ids unless the
    /// record predates that (`drops_redemption_list`, tag 2).
    CouponDeleted {
        id: u64,
        drops_redemption_list: bool,
    },
    Counters {
        coupon_id: u64,
        counters: Counters,
    },
    /// The customer's active (held or captured) uses of the coupon; 0 removes.
    CustomerUses {
        coupon_id: u64,
        customer: Key,
        uses: u64,
    },
    /// A redemption was created or changed; the whole record. It also sets the
    /// order index, the coupon's redemption list and the pending holds.
    Redemption(Redemption),
    /// A campaign was created or its definition or status changed.
    CampaignPut(Box<CampaignDef>),
    CampaignDeleted {
        id: u64,
    },
    CampaignCounters {
        campaign_id: u64,
        counters: CampaignCounters,
    },
    /// Generated codes, each a coupon of the campaign: (coupon id, code),
    /// generated at `issued_at` (unix ms).
    CodesGenerated {
        campaign_id: u64,
        issued_at: i64,
        codes: Vec<(u64, String)>,
    },
    /// Codes of a PERSONALIZED campaign, each bound to one customer
    /// (CAMPAIGN_ASSIGN): (coupon id, code, customer id), generated at
    /// `issued_at` (unix ms). Applied like `CodesGenerated`; the customer is
    /// the code's coupon's `assigned_customer_id`.
    CodesAssigned {
        campaign_id: u64,
        issued_at: i64,
        codes: Vec<(u64, String, String)>,
    },
    /// Entries of a campaign's distribution outbox, each whole (the
    /// customer's entry is now exactly this): queued by CAMPAIGN_DISTRIBUTE,
    /// then SENT or FAILED by the sender, BOUNCED by DISTRIBUTION_REPORT.
    Outbox {
        campaign_id: u64,
        entries: Vec<OutboxEntry>,
    },
    /// A pending hold's order lines by product (`analytics::products_of`),
    /// whole: what its capture counts in the top products, since CONFIRM
    /// does not carry the order. Dropped when the hold stops being pending.
    HoldProducts {
        redemption_id: u64,
        products: Vec<(String, i64)>,
    },
    /// A refund of part or all of a redemption's order, kept as its own record.
    Reversal(Reversal),
    /// The secret of the keyed hashes of customer and order ids (`keys`):
    /// chosen once by the first leader, so that every node keys alike.
    KeySecret([u8; 16]),
    /// One identity's velocity window of the coupon, whole: the `created_at`
    /// of its redemptions and holds within the hour, oldest first (at most
    /// `max_redemptions_per_hour`); empty removes (`rules::fraud::velocity`).
    /// `identity` is the key of a customer id (as for `CustomerUses`) or of
    /// an email, device or IP prefixed with its kind: one layout for all, so
    /// records and checkpoints from when only customers were counted load
    /// as they are.
    Velocity {
        coupon_id: u64,
        identity: Key,
        created_at: Vec<i64>,
    },
    /// A seen set, whole (`rules::fraud::detectors`): the members seen with
    /// `key` (a device, an IP address or a mailbox, by `kind`), each with its
    /// last-seen batch time, least recently seen first; empty removes.
    Seen {
        kind: SeenKind,
        key: Key,
        members: Vec<(Key, i64)>,
    },
    /// A coupon's redemption rate, whole; `CodeRate::default()` removes.
    CodeRate {
        coupon_id: u64,
        rate: CodeRate,
    },
    /// A capture or a reversal as analytics count it. A change, not an
    /// absolute value: `state::analytics` counts each position once.
    Usage(Usage),
    /// Validations answered since the last such effect: (coupon id, count).
    /// A change, counted once per position like `Usage`.
    Views(Vec<(u64, u64)>),
    /// The fraud model every node scores with, whole: its weights (in
    /// `score::SIGNALS` order), bias and outcome count after an outcome was
    /// learned (FRAUD_OUTCOME).
    Model(Model),
    /// The fingerprint of the set of codes a multi-code order was redeemed
    /// with (ORDER_REDEEM), kept in the order index under coupon id 0 (no
    /// coupon has id 0), so a retry with another set is told apart.
    OrderCodes {
        order: Key,
        fingerprint: u64,
    },
    /// The set of codes a multi-code order was redeemed or reserved with
    /// (ORDER_REDEEM, ORDER_RESERVE), each code with its first outcome: its
    /// fingerprint goes to the order index under coupon id 0 as
    /// `OrderCodes` puts it, the set to the order sets. Tag 22 (the
    /// fingerprint alone) is still read and applied as it was, never written.
    OrderSet {
        order: Key,
        set: OrderSet,
    },
    /// One count of a coupon's uses in one period, whole
    /// (`rules::period::PeriodCount`): `who` is the key of a customer id or
    /// of a person's alias (`fraud::person::alias_keys`) for the per-person
    /// kinds, [0, 0] for everyone's; a count of 0 uses removes it.
    PeriodUses {
        coupon_id: u64,
        who: Key,
        kind: PeriodKind,
        count: PeriodCount,
    },
    /// The redemption in the same record went from a hold to a captured use
    /// (CONFIRM, ORDER_CONFIRM). It changes nothing (the `Redemption` effect
    /// carries the change): it lets the event stream, which reads records
    /// alone, tell a confirmation from a redemption made captured at once.
    HoldConfirmed {
        redemption_id: u64,
    },
    /// A webhook endpoint added, enabled or disabled, whole
    /// (`state::webhooks`).
    WebhookPut(Box<Endpoint>),
    WebhookRemoved {
        id: u64,
    },
    /// How far delivery to an endpoint got, whole: the leader's delivery
    /// task records it, at most every `server::webhooks` batch.
    WebhookProgress {
        id: u64,
        progress: Progress,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// The Raft term of the leader that decided it.
    pub term: u64,
    pub lsn: u64,
    pub timestamp: i64,
    pub effects: Vec<Effect>,
}

#[derive(Debug, thiserror::Error)]
#[error("log record: {0}")]
pub struct CorruptRecord(pub String);

impl LogRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = BytesMut::with_capacity(256);
        {
            let mut w = Writer::new(&mut buf);
            w.u8(RECORD_FORMAT_V1);
            w.u32(0);
            w.u64(self.term);
            w.u64(self.lsn);
            w.i64(self.timestamp);
            w.u32(self.effects.len() as u32);
            for e in &self.effects {
                e.write(&mut w);
            }
        }
        let crc = crc32fast::hash(&buf[5..]);
        buf[1..5].copy_from_slice(&crc.to_be_bytes());
        buf.to_vec()
    }

    /// Decodes and verifies a record; a checksum mismatch is corruption.
    pub fn decode(raw: &[u8]) -> Result<LogRecord, CorruptRecord> {
        if raw.len() < 5 {
            return Err(CorruptRecord("shorter than its header".into()));
        }
        if raw[0] != RECORD_FORMAT_V1 {
            return Err(CorruptRecord(format!("unknown format {}", raw[0])));
        }
        let expected = u32::from_be_bytes([raw[1], raw[2], raw[3], raw[4]]);
        let actual = crc32fast::hash(&raw[5..]);
        if expected != actual {
            return Err(CorruptRecord(format!(
                "checksum {actual:08x} does not match {expected:08x}"
            )));
        }
        let r = &mut Reader::new(&raw[5..]);
        let read = |r: &mut Reader| -> Result<LogRecord, DecodeError> {
            let term = r.u64("term")?;
            let lsn = r.u64("lsn")?;
            let timestamp = r.i64("timestamp")?;
            let count = r.u32("effect_count")? as usize;
            let mut effects = Vec::with_capacity(count.min(r.remaining()));
            for _ in 0..count {
                effects.push(Effect::read(r)?);
            }
            Ok(LogRecord {
                term,
                lsn,
                timestamp,
                effects,
            })
        };
        read(r).map_err(|e| CorruptRecord(e.to_string()))
    }
}

pub(super) fn write_key(w: &mut Writer, key: Key) {
    w.u64(key[0]);
    w.u64(key[1]);
}

/// A period count's layout, in effects and checkpoints: `kind` u8,
/// `from_ms` i64, `until_ms` i64, `uses` u32.
pub(super) fn write_period_count(w: &mut Writer, kind: PeriodKind, count: &PeriodCount) {
    w.u8(kind.code());
    w.i64(count.from_ms);
    w.i64(count.until_ms);
    w.u32(count.uses);
}

pub(super) fn read_period_count(r: &mut Reader) -> Result<(PeriodKind, PeriodCount), DecodeError> {
    let code = r.u8("period_kind")?;
    let kind = PeriodKind::from_code(code).ok_or(DecodeError::UnknownValue {
        field: "period_kind",
        value: u64::from(code),
    })?;
    let count = PeriodCount {
        from_ms: r.i64("from_ms")?,
        until_ms: r.i64("until_ms")?,
        uses: r.u32("uses")?,
    };
    Ok((kind, count))
}

pub(super) fn read_key(r: &mut Reader) -> Result<Key, DecodeError> {
    Ok([r.u64("key")?, r.u64("key")?])
}

pub(super) fn read_seen_kind(r: &mut Reader) -> Result<SeenKind, DecodeError> {
    let code = r.u8("seen_kind")?;
    SeenKind::from_code(code).ok_or(DecodeError::UnknownValue {
        field: "seen_kind",
        value: u64::from(code),
    })
}

pub(super) fn write_code_rate(w: &mut Writer, rate: &CodeRate) {
    w.i64(rate.hour);
    w.u32(rate.this_hour);
    w.u32(rate.baseline_milli);
}

pub(super) fn read_code_rate(r: &mut Reader) -> Result<CodeRate, DecodeError> {
    Ok(CodeRate {
        hour: r.i64("hour")?,
        this_hour: r.u32("this_hour")?,
        baseline_milli: r.u32("baseline_milli")?,
    })
}

/// A model: u64 outcomes, i64 bias, u32 weight count, i64 weights (in
/// `SIGNALS` order). Also the layout of its checkpoint chunk.
pub(super) fn write_model(w: &mut Writer, model: &Model) {
    w.u64(model.outcomes);
    w.i64(model.bias);
    w.u32(model.weights.len() as u32);
    model.weights.iter().for_each(|weight| w.i64(*weight));
}

/// A model as `write_model` wrote it. Fewer weights than this version has
/// signals (written before a signal was appended) keep the new signals'
/// starting weights; more is corrupt.
pub(super) fn read_model(r: &mut Reader) -> Result<Model, DecodeError> {
    let mut model = Model {
        outcomes: r.u64("outcomes")?,
        bias: r.i64("bias")?,
        ..Model::default()
    };
    let count = r.u32("weight_count")?;
    if count as usize > SIGNALS.len() {
        return Err(DecodeError::UnknownValue {
            field: "weight_count",
            value: u64::from(count),
        });
    }
    for weight in model.weights.iter_mut().take(count as usize) {
        *weight = r.i64("weight")?;
    }
    Ok(model)
}

impl Effect {
    fn write(&self, w: &mut Writer) {
        match self {
            Effect::CouponPut(def) => {
                w.u8(COUPON_PUT);
                def.write(w);
            }
            Effect::CouponDeleted {
                id,
                drops_redemption_list,
            } => {
                w.u8(if *drops_redemption_list {
                    COUPON_DELETED_DROPPING_LIST
                } else {
                    COUPON_DELETED
                });
                w.u64(*id);
            }
            Effect::Counters {
                coupon_id,
                counters,
            } => {
                w.u8(COUNTERS);
                w.u64(*coupon_id);
                w.u64(counters.current_usage);
                w.u64(counters.reserved_uses);
                w.u64(counters.fraud_attempts);
                w.u64(counters.blocked_redemptions);
            }
            Effect::CustomerUses {
                coupon_id,
                customer,
                uses,
            } => {
                w.u8(4);
                w.u64(*coupon_id);
                write_key(w, *customer);
                w.u64(*uses);
            }
            Effect::Redemption(r) => {
                w.u8(REDEMPTION);
                r.write(w);
            }
            Effect::CampaignPut(def) => {
                w.u8(CAMPAIGN_PUT);
                def.write(w);
            }
            Effect::CampaignCounters {
                campaign_id,
                counters,
            } => {
                w.u8(8);
                w.u64(*campaign_id);
                w.i64(counters.budget_used);
                w.u64(counters.redemptions);
                w.u64(counters.coupons_generated);
            }
            Effect::Reversal(r) => {
                w.u8(10);
                r.write(w);
            }
            Effect::CampaignDeleted { id } => {
                w.u8(11);
                w.u64(*id);
            }
            Effect::KeySecret(secret) => {
                w.u8(12);
                w.bytes(secret);
            }
            Effect::Velocity {
                coupon_id,
                identity,
                created_at,
            } => {
                w.u8(VELOCITY);
                w.u64(*coupon_id);
                write_key(w, *identity);
                w.u32(created_at.len() as u32);
                created_at.iter().for_each(|t| w.i64(*t));
            }
            Effect::Seen { kind, key, members } => {
                w.u8(SEEN);
                w.u8(kind.code());
                write_key(w, *key);
                w.u32(members.len() as u32);
                for (member, seen_at) in members {
                    write_key(w, *member);
                    w.i64(*seen_at);
                }
            }
            Effect::CodeRate { coupon_id, rate } => {
                w.u8(CODE_RATE);
                w.u64(*coupon_id);
                write_code_rate(w, rate);
            }
            Effect::Usage(usage) => {
                w.u8(USAGE);
                analytics::write_usage(w, usage);
            }
            Effect::Views(views) => {
                w.u8(VIEWS);
                w.u32(views.len() as u32);
                for (coupon_id, count) in views {
                    w.u64(*coupon_id);
                    w.u64(*count);
                }
            }
            Effect::Model(model) => {
                w.u8(MODEL);
                write_model(w, model);
            }
            Effect::OrderCodes { order, fingerprint } => {
                w.u8(ORDER_CODES);
                write_key(w, *order);
                w.u64(*fingerprint);
            }
            Effect::OrderSet { order, set } => {
                w.u8(ORDER_SET);
                write_key(w, *order);
                set.write(w);
            }
            Effect::PeriodUses {
                coupon_id,
                who,
                kind,
                count,
            } => {
                w.u8(PERIOD_USES);
                w.u64(*coupon_id);
                write_key(w, *who);
                write_period_count(w, *kind, count);
            }
            Effect::HoldConfirmed { redemption_id } => {
                w.u8(HOLD_CONFIRMED);
                w.u64(*redemption_id);
            }
            Effect::WebhookPut(endpoint) => {
                w.u8(WEBHOOK_PUT);
                endpoint.write(w);
            }
            Effect::WebhookRemoved { id } => {
                w.u8(WEBHOOK_REMOVED);
                w.u64(*id);
            }
            Effect::WebhookProgress { id, progress } => {
                w.u8(WEBHOOK_PROGRESS);
                w.u64(*id);
                progress.write(w);
            }
            Effect::CodesGenerated {
                campaign_id,
                issued_at,
                codes,
            } => {
                w.u8(9);
                w.u64(*campaign_id);
                w.i64(*issued_at);
                w.u32(codes.len() as u32);
                for (id, code) in codes {
                    w.u64(*id);
                    w.str(code);
                }
            }
            Effect::HoldProducts {
                redemption_id,
                products,
            } => {
                w.u8(HOLD_PRODUCTS);
                w.u64(*redemption_id);
                analytics::write_products(w, products);
            }
            Effect::Outbox {
                campaign_id,
                entries,
            } => {
                w.u8(OUTBOX);
                w.u64(*campaign_id);
                w.u32(entries.len() as u32);
                for entry in entries {
                    entry.write(w);
                }
            }
            Effect::CodesAssigned {
                campaign_id,
                issued_at,
                codes,
            } => {
                w.u8(CODES_ASSIGNED);
                w.u64(*campaign_id);
                w.i64(*issued_at);
                w.u32(codes.len() as u32);
                for (id, code, customer) in codes {
                    w.u64(*id);
                    w.str(code);
                    w.str(customer);
                }
            }
        }
    }

    fn read(r: &mut Reader) -> Result<Effect, DecodeError> {
        Ok(match r.u8("effect")? {
            COUPON_PUT_ORIGINAL_SPEC => {
                Effect::CouponPut(CouponDef::read(r, SpecLayout::Original)?)
            }
            COUPON_PUT_RULES_SPEC => Effect::CouponPut(CouponDef::read(r, SpecLayout::Rules)?),
            COUPON_PUT_FRAUD_SPEC => Effect::CouponPut(CouponDef::read(r, SpecLayout::Fraud)?),
            COUPON_PUT => Effect::CouponPut(CouponDef::read(r, SpecLayout::Current)?),
            COUPON_DELETED_DROPPING_LIST => Effect::CouponDeleted {
                id: r.u64("id")?,
                drops_redemption_list: true,
            },
            COUPON_DELETED => Effect::CouponDeleted {
                id: r.u64("id")?,
                drops_redemption_list: false,
            },
            COUNTERS_USES => Effect::Counters {
                coupon_id: r.u64("coupon_id")?,
                counters: Counters {
                    current_usage: r.u64("current_usage")?,
                    reserved_uses: r.u64("reserved_uses")?,
                    ..Counters::default()
                },
            },
            COUNTERS => Effect::Counters {
                coupon_id: r.u64("coupon_id")?,
                counters: Counters {
                    current_usage: r.u64("current_usage")?,
                    reserved_uses: r.u64("reserved_uses")?,
                    fraud_attempts: r.u64("fraud_attempts")?,
                    blocked_redemptions: r.u64("blocked_redemptions")?,
                },
            },
            4 => Effect::CustomerUses {
                coupon_id: r.u64("coupon_id")?,
                customer: read_key(r)?,
                uses: r.u64("uses")?,
            },
            REDEMPTION_ORIGINAL => Effect::Redemption(Redemption::read_original(r)?),
            REDEMPTION => Effect::Redemption(Redemption::read(r)?),
            CAMPAIGN_PUT_RULES_SPEC => {
                Effect::CampaignPut(Box::new(CampaignDef::read(r, SpecLayout::Rules)?))
            }
            CAMPAIGN_PUT_FRAUD_SPEC => {
                Effect::CampaignPut(Box::new(CampaignDef::read(r, SpecLayout::Fraud)?))
            }
            CAMPAIGN_PUT_ORDER_SPEC => {
                Effect::CampaignPut(Box::new(CampaignDef::read(r, SpecLayout::Current)?))
            }
            CAMPAIGN_PUT => {
                Effect::CampaignPut(Box::new(CampaignDef::read(r, SpecLayout::Campaign)?))
            }
            8 => Effect::CampaignCounters {
                campaign_id: r.u64("campaign_id")?,
                counters: CampaignCounters {
                    budget_used: r.i64("budget_used")?,
                    redemptions: r.u64("redemptions")?,
                    coupons_generated: r.u64("coupons_generated")?,
                },
            },
            9 => {
                let campaign_id = r.u64("campaign_id")?;
                let issued_at = r.i64("issued_at")?;
                let count = r.u32("code_count")? as usize;
                let mut codes = Vec::with_capacity(count.min(r.remaining() / 10));
                for _ in 0..count {
                    codes.push((r.u64("coupon_id")?, r.str("code")?));
                }
                Effect::CodesGenerated {
                    campaign_id,
                    issued_at,
                    codes,
                }
            }
            CODES_ASSIGNED => {
                let campaign_id = r.u64("campaign_id")?;
                let issued_at = r.i64("issued_at")?;
                let count = r.u32("code_count")? as usize;
                let mut codes = Vec::with_capacity(count.min(r.remaining() / 12));
                for _ in 0..count {
                    codes.push((r.u64("coupon_id")?, r.str("code")?, r.str("customer_id")?));
                }
                Effect::CodesAssigned {
                    campaign_id,
                    issued_at,
                    codes,
                }
            }
            HOLD_PRODUCTS => Effect::HoldProducts {
                redemption_id: r.u64("redemption_id")?,
                products: analytics::read_products(r)?,
            },
            OUTBOX => {
                let campaign_id = r.u64("campaign_id")?;
                let count = r.u32("entry_count")? as usize;
                // Never trust a count for allocation: an entry is at least 40 bytes.
                let mut entries = Vec::with_capacity(count.min(r.remaining() / 40));
                for _ in 0..count {
                    entries.push(OutboxEntry::read(r)?);
                }
                Effect::Outbox {
                    campaign_id,
                    entries,
                }
            }
            10 => Effect::Reversal(Reversal::read(r)?),
            11 => Effect::CampaignDeleted { id: r.u64("id")? },
            12 => {
                let mut secret = [0u8; 16];
                secret.copy_from_slice(r.bytes(16, "secret")?);
                Effect::KeySecret(secret)
            }
            VELOCITY => {
                let coupon_id = r.u64("coupon_id")?;
                let identity = read_key(r)?;
                let count = r.u32("created_at_count")? as usize;
                let mut created_at = Vec::with_capacity(count.min(r.remaining() / 8));
                for _ in 0..count {
                    created_at.push(r.i64("created_at")?);
                }
                Effect::Velocity {
                    coupon_id,
                    identity,
                    created_at,
                }
            }
            SEEN => {
                let kind = read_seen_kind(r)?;
                let key = read_key(r)?;
                let count = r.u32("member_count")? as usize;
                let mut members = Vec::with_capacity(count.min(r.remaining() / 24));
                for _ in 0..count {
                    members.push((read_key(r)?, r.i64("seen_at")?));
                }
                Effect::Seen { kind, key, members }
            }
            CODE_RATE => Effect::CodeRate {
                coupon_id: r.u64("coupon_id")?,
                rate: read_code_rate(r)?,
            },
            USAGE => Effect::Usage(analytics::read_usage(r)?),
            VIEWS => {
                let count = r.u32("view_count")? as usize;
                let mut views = Vec::with_capacity(count.min(r.remaining() / 16));
                for _ in 0..count {
                    views.push((r.u64("coupon_id")?, r.u64("views")?));
                }
                Effect::Views(views)
            }
            MODEL => Effect::Model(read_model(r)?),
            ORDER_CODES => Effect::OrderCodes {
                order: read_key(r)?,
                fingerprint: r.u64("fingerprint")?,
            },
            ORDER_SET => Effect::OrderSet {
                order: read_key(r)?,
                set: OrderSet::read(r)?,
            },
            PERIOD_USES => {
                let coupon_id = r.u64("coupon_id")?;
                let who = read_key(r)?;
                let (kind, count) = read_period_count(r)?;
                Effect::PeriodUses {
                    coupon_id,
                    who,
                    kind,
                    count,
                }
            }
            HOLD_CONFIRMED => Effect::HoldConfirmed {
                redemption_id: r.u64("redemption_id")?,
            },
            WEBHOOK_PUT => Effect::WebhookPut(Box::new(Endpoint::read(r)?)),
            WEBHOOK_REMOVED => Effect::WebhookRemoved {
                id: r.u64("webhook_id")?,
            },
            WEBHOOK_PROGRESS => Effect::WebhookProgress {
                id: r.u64("webhook_id")?,
                progress: Progress::read(r)?,
            },
            v => {
                return Err(DecodeError::UnknownValue {
                    field: "effect",
                    value: u64::from(v),
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::order_set::SetCode;
    use super::*;
    use couponsd_client::wire::{
        CouponSpec, FraudLabel, OrderIdentifiers, RedemptionStatus, RiskLevel, SecurityAssessment,
        SecurityCheck,
    };

    #[test]
    fn roundtrip_and_detects_any_flipped_bit() {
        let record = LogRecord {
            term: 1,
            lsn: 42,
            timestamp: 1_700_000_000_000,
            effects: vec![
                Effect::CouponPut(CouponDef {
                    id: 7,
                    revision: 2,
                    spec: CouponSpec {
                        code: "SUMMER20".into(),
                        ..CouponSpec::default()
                    },
                    created_at: 1,
                    updated_at: 2,
                    created_by: "admin".into(),
                }),
                Effect::Counters {
                    coupon_id: 7,
                    counters: Counters {
                        current_usage: 5,
                        reserved_uses: 1,
                        fraud_attempts: 3,
                        blocked_redemptions: 2,
                    },
                },
                Effect::CustomerUses {
                    coupon_id: 7,
                    customer: [u64::MAX, 3],
                    uses: 2,
                },
                Effect::Velocity {
                    coupon_id: 7,
                    identity: [u64::MAX, 3],
                    created_at: vec![1_700_000_000_000, 1_700_000_000_500],
                },
                Effect::Seen {
                    kind: SeenKind::IpCustomers,
                    key: [5, 6],
                    members: vec![([1, 2], 1_700_000_000_000), ([3, 4], 1_700_000_000_500)],
                },
                Effect::Seen {
                    kind: SeenKind::MailboxSpellings,
                    key: [7, 8],
                    members: vec![],
                },
                Effect::CodeRate {
                    coupon_id: 7,
                    rate: CodeRate {
                        hour: 472_222,
                        this_hour: 31,
                        baseline_milli: 4_125,
                    },
                },
                Effect::Usage(Usage {
                    coupon_id: 7,
                    campaign_id: Some(3),
                    at: 1_700_000_000_000,
                    utc_offset_s: -18_000,
                    redemptions: 1,
                    reversed: 0,
                    revenue: 9_000,
                    discount: -1_000,
                    products: vec![("shoe".into(), 10_000), ("sock".into(), 0)],
                }),
                Effect::Views(vec![(7, 12), (8, 1)]),
                Effect::Redemption(Redemption {
                    id: 9,
                    coupon_id: 7,
                    code: "SUMMER20".into(),
                    customer_id: "c".into(),
                    order_id: "o".into(),
                    transaction_id: String::new(),
                    status: RedemptionStatus::Pending,
                    original_amount: 100,
                    discount_amount: 20,
                    final_amount: 80,
                    currency: "USD".into(),
                    channel: String::new(),
                    created_at: 3,
                    updated_at: 3,
                    hold_expires_at: Some(10),
                    reverse_reason: String::new(),
                    security: SecurityAssessment {
                        fraud_score_ppm: 612_000,
                        risk_level: Some(RiskLevel::High),
                        flagged: true,
                        checks: vec![SecurityCheck {
                            name: "shared_device".into(),
                            passed: false,
                            strength_ppm: 500_000,
                            contribution_ppm: 1_000_000,
                        }],
                    },
                    fraud_outcome: Some(FraudLabel::Fraud),
                    identifiers: OrderIdentifiers {
                        customer_email: "a@example.com".into(),
                        ip_address: "192.0.2.1".into(),
                        device_fingerprint: "fp".into(),
                        payment_fingerprint: "card".into(),
                    },
                    counted: 4 | 32,
                }),
                Effect::OrderCodes {
                    order: [5, 6],
                    fingerprint: u64::MAX,
                },
                Effect::OrderSet {
                    order: [7, 8],
                    set: OrderSet {
                        fingerprint: 42,
                        codes: vec![
                            SetCode {
                                code: "TENOFF".into(),
                                coupon_id: 3,
                                reason: 0,
                            },
                            SetCode {
                                code: "NOSUCH".into(),
                                coupon_id: 0,
                                reason: 20,
                            },
                        ]
                        .into(),
                    },
                },
                Effect::PeriodUses {
                    coupon_id: 7,
                    who: [u64::MAX, 3],
                    kind: PeriodKind::CustomerWeek,
                    count: PeriodCount {
                        from_ms: 1_700_000_000_000,
                        until_ms: 1_700_400_000_000,
                        uses: 2,
                    },
                },
                Effect::HoldConfirmed { redemption_id: 9 },
                Effect::WebhookPut(Box::new(Endpoint {
                    id: 12,
                    url: "https://example.com/hook".into(),
                    types: 0b110,
                    description: "orders".into(),
                    secret: format!("whsec_{}", "ab".repeat(32)),
                    created_at: 1_700_000_000_000,
                    enabled: false,
                    disabled_reason: "20 consecutive failures".into(),
                    progress: Progress {
                        position: 7 << 16,
                        failures: 20,
                        last_error: "HTTP 500".into(),
                    },
                })),
                Effect::WebhookRemoved { id: 12 },
                Effect::WebhookProgress {
                    id: 12,
                    progress: Progress {
                        position: (9 << 16) | 2,
                        failures: 0,
                        last_error: String::new(),
                    },
                },
                Effect::Model(Model {
                    weights: [1, -2, 3, i64::MIN, i64::MAX, 0, 7, 8, 9, 10],
                    bias: -3_000_000,
                    outcomes: 12,
                }),
                Effect::CouponDeleted {
                    id: 7,
                    drops_redemption_list: false,
                },
                Effect::CouponDeleted {
                    id: 8,
                    drops_redemption_list: true,
                },
                Effect::CampaignPut(Box::new(CampaignDef {
                    id: 3,
                    revision: 2,
                    spec: couponsd_client::wire::CampaignSpec {
                        name: "spring".into(),
                        budget_limit: Some(100_000),
                        ..Default::default()
                    },
                    status: couponsd_client::wire::CampaignStatus::Active,
                    generation_target: 1000,
                    created_at: 1,
                    updated_at: 2,
                    created_by: "admin".into(),
                })),
                Effect::CampaignCounters {
                    campaign_id: 3,
                    counters: CampaignCounters {
                        budget_used: 2500,
                        redemptions: 4,
                        coupons_generated: 1000,
                    },
                },
                Effect::CodesGenerated {
                    campaign_id: 3,
                    issued_at: 7,
                    codes: vec![(10, "SPR-ABCD".into()), (11, "SPR-EFGH".into())],
                },
                Effect::CodesAssigned {
                    campaign_id: 3,
                    issued_at: 8,
                    codes: vec![(12, "SPR-JKLM".into(), "jane".into())],
                },
                Effect::HoldProducts {
                    redemption_id: 12,
                    products: vec![("shoe".into(), 9_000), ("sock".into(), -1)],
                },
                Effect::Outbox {
                    campaign_id: 3,
                    entries: vec![OutboxEntry {
                        seq: 1,
                        recipient: couponsd_client::wire::Recipient {
                            customer_id: "jane".into(),
                            email: "jane@example.com".into(),
                            phone: "+4915112345678".into(),
                            locale: "de".into(),
                        },
                        coupon_id: 12,
                        code: "SPR-JKLM".into(),
                        status: couponsd_client::wire::DeliveryStatus::Failed,
                        reason: "smtp 550".into(),
                        updated_at: 9,
                    }],
                },
                Effect::CampaignDeleted { id: 3 },
                Effect::KeySecret([7; 16]),
                Effect::Reversal(Reversal {
                    id: 4,
                    redemption_id: 9,
                    refund_amount: 2500,
                    discount_returned: 500,
                    full: false,
                    refund_id: "re_1".into(),
                    reason: "one item returned".into(),
                    created_at: 5,
                }),
            ],
        };
        let raw = record.encode();
        assert_eq!(LogRecord::decode(&raw).unwrap(), record);
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x10;
            assert!(
                LogRecord::decode(&bad).is_err(),
                "flip at byte {i} went unnoticed"
            );
        }
    }

    /// A record (term 1, LSN 5, time 9) of `effects`, each a tag and its
    /// encoded fields, as an older server wrote it.
    fn raw_record(effects: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut raw = vec![RECORD_FORMAT_V1, 0, 0, 0, 0];
        raw.extend(1u64.to_be_bytes()); // term
        raw.extend(5u64.to_be_bytes()); // lsn
        raw.extend(9i64.to_be_bytes()); // timestamp
        raw.extend(u32::try_from(effects.len()).unwrap().to_be_bytes());
        for (tag, fields) in effects {
            raw.push(*tag);
            raw.extend(fields);
        }
        let crc = crc32fast::hash(&raw[5..]);
        raw[1..5].copy_from_slice(&crc.to_be_bytes());
        raw
    }

    /// A record written before the discount-rule fields were appended to
    /// CouponSpec: CouponPut with tag 1 and the original spec layout.
    #[test]
    fn replays_coupon_puts_with_the_original_spec_layout() {
        let def = CouponDef {
            id: 7,
            revision: 1,
            spec: CouponSpec {
                code: "OLD".into(),
                ..CouponSpec::default()
            },
            created_at: 1,
            updated_at: 1,
            created_by: "admin".into(),
        };
        let raw = raw_record(&[(
            COUPON_PUT_ORIGINAL_SPEC,
            crate::domain::coupon::test_support::encode_with_original_spec(&def),
        )]);
        let record = LogRecord::decode(&raw).unwrap();
        let def = crate::domain::coupon::test_support::before_fraud(def);
        assert_eq!(record.effects, vec![Effect::CouponPut(def)]);
    }

    /// A record written before CouponSpec fields 34 to 45: CouponPut with
    /// tag 17 and the definition ending after the fraud settings; the order
    /// settings read at their defaults and the next effect still decodes.
    #[test]
    fn replays_coupon_puts_from_before_the_order_settings() {
        use couponsd_client::wire::StackSettings;

        let def = CouponDef {
            id: 7,
            revision: 1,
            spec: CouponSpec {
                code: "FRAUDERA".into(),
                block_score: Some(900_000),
                stacking: StackSettings {
                    exclusive: true,
                    ..StackSettings::default()
                },
                ..CouponSpec::default()
            },
            created_at: 1,
            updated_at: 1,
            created_by: "admin".into(),
        };
        let old = crate::domain::coupon::test_support::encode_with_fraud_spec(&def);
        let raw = raw_record(&[
            (COUPON_PUT_FRAUD_SPEC, old.clone()),
            (COUPON_PUT_FRAUD_SPEC, old),
        ]);
        let record = LogRecord::decode(&raw).unwrap();
        let def = crate::domain::coupon::test_support::before_order_settings(def);
        assert!(!def.spec.stacking.exclusive);
        assert_eq!(def.spec.block_score, Some(900_000));
        assert_eq!(
            record.effects,
            vec![Effect::CouponPut(def.clone()), Effect::CouponPut(def)]
        );
    }

    /// A coupon deleted by a record written before its redemptions stayed
    /// listed (tag 2) replays as it did: its list of redemption ids goes. One
    /// deleted since (tag 13) keeps it.
    #[test]
    fn coupon_deletes_replay_as_written() {
        use crate::state::State;

        let def = CouponDef {
            id: 7,
            revision: 1,
            spec: CouponSpec {
                code: "GONE".into(),
                ..CouponSpec::default()
            },
            created_at: 1,
            updated_at: 1,
            created_by: "admin".into(),
        };
        let redemption = Redemption {
            id: 9,
            coupon_id: 7,
            code: "GONE".into(),
            customer_id: "c".into(),
            order_id: "o".into(),
            transaction_id: String::new(),
            status: RedemptionStatus::Processed,
            original_amount: 100,
            discount_amount: 20,
            final_amount: 80,
            currency: "USD".into(),
            channel: String::new(),
            created_at: 3,
            updated_at: 3,
            hold_expires_at: None,
            reverse_reason: String::new(),
            security: SecurityAssessment::default(),
            fraud_outcome: None,
            identifiers: OrderIdentifiers::default(),
            counted: 0,
        };
        for (tag, listed) in [
            (COUPON_DELETED_DROPPING_LIST, vec![]),
            (COUPON_DELETED, vec![9]),
        ] {
            let raw = raw_record(&[(tag, 7u64.to_be_bytes().to_vec())]); // id
            let deleted = LogRecord::decode(&raw).unwrap();

            let state = State::new(Some([1; 16]), 0);
            state.apply(&Effect::CouponPut(def.clone()));
            state.apply(&Effect::Redemption(redemption.clone()));
            state.apply_record(&deleted);
            assert!(state.coupon(7).is_none(), "tag {tag}");
            assert_eq!(state.redemption_ids_after(7, 0, 10), listed, "tag {tag}");
        }
    }
}
