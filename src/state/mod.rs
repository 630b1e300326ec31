//! The in-memory state the writer maintains: coupon definitions and counters,
//! each customer's active uses, the idempotency index (coupon, order) ->
//! redemption, each coupon's redemption ids, and the pending holds.
//!
//! Only the writer changes it, and only with effects that are already durable
//! (after its batch commits), so readers see committed state and never wait for
//! a commit. It is rebuilt at start from the latest checkpoint plus the log
//! after it (see `checkpoint.rs`). Redemption records themselves stay on disk.

pub mod analytics;
pub mod checkpoint;
pub mod clock;
pub mod digest;
pub mod effect;
pub mod keys;
pub mod order_set;
pub mod outbox;
pub mod parts;
pub mod targets;
pub mod webhooks;

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use couponsd_client::wire::{Order, Redemption, RedemptionStatus, Reversal};

use crate::domain::campaign::{CampaignCounters, CampaignDef, GeneratedCode, SharedCampaign};
use crate::domain::coupon::{Counters, CouponDef, SharedDef};
use crate::rules::analytics::{CouponAnalytics, GroupAnalytics, Usage};
use crate::rules::fraud::detectors::{CodeRate, SeenKind};
use crate::rules::fraud::score::Model;
use crate::rules::period::{PeriodCount, PeriodKind};
use analytics::{Counted, Position};
pub use effect::{Effect, LogRecord};
use keys::{Key, KeyHasher};
use order_set::OrderSet;
use outbox::{CampaignOutbox, OutboxEntry};
use parts::Parts;

/// Parts per map: enough that copying one on write (during a checkpoint) and
/// locking one (readers) stay small at tens of millions of entries.
pub const PARTS: usize = 1024;

/// A seen set's members and when each was last seen, least recently seen
/// first (`rules::fraud::detectors`).
pub type SeenSet = Vec<(Key, i64)>;

/// A PENDING hold: whose it is and when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub coupon_id: u64,
    pub expires_at: i64,
}

/// The coupon id under which the order index (`orders`) keeps a multi-code
/// order's set of codes (`Effect::OrderCodes`); coupon ids start at 1.
pub const ORDER_SET_COUPON_ID: u64 = 0;

pub struct State {
    /// Set once: at start from the store, or by the first leader's first record.
    keys: OnceLock<KeyHasher>,
    defs: RwLock<HashMap<u64, SharedDef>>,
    codes: RwLock<HashMap<String, u64>>,
    /// Coupons by what they target, for QUALIFY; derived from `defs`.
    targets: RwLock<targets::TargetIndex>,
    counters: Parts<u64, Counters>,
    customers: Parts<(u64, Key), u64>,
    /// (coupon, identity) -> `created_at` of the redemptions and holds the
    /// identity (customer, email, device or IP: `rules::fraud::velocity`)
    /// started within the velocity window, oldest first. Bounded: at most the
    /// coupon's `max_redemptions_per_hour` per key, older ones dropped when
    /// the key is touched, and none for coupons without velocity checks
    /// (`rules::fraud::velocity`).
    velocity: Parts<(u64, Key), Vec<i64>>,
    /// (kind, device, IP or mailbox) -> the members seen with it and when,
    /// least recently seen first (`rules::fraud::detectors`). Bounded: at
    /// most `SeenKind::max_members` per set, a set whose newest member is
    /// older than `SEEN_WINDOW_MS` removed by the window sweep, and at most
    /// `writer::sweep::MAX_KEYS` sets (the sweep evicts the oldest past it).
    seen: Parts<(SeenKind, Key), SeenSet>,
    /// Coupon id -> its redemption rate (`detectors::CodeRate`), for the
    /// leaked-code detector. Bounded by the coupons redeemed; one idle for
    /// `RATE_MAX_STEPS` hours removed by the window sweep.
    code_rates: Parts<u64, CodeRate>,
    /// (coupon, who, kind) -> the uses counted in the period in progress
    /// when it last counted one (`rules::period`; who: a person's key, or
    /// [0, 0] for everyone's per day). Bounded: one entry per coupon with
    /// period limits and person that used it within its current day, week
    /// or month (three kinds per person, one for everyone), each removed by
    /// the window sweep once its period is over.
    period_uses: Parts<(u64, Key, PeriodKind), PeriodCount>,
    orders: Parts<(u64, Key), u64>,
    /// Order -> the set of codes a multi-code order was redeemed or
    /// reserved with (`order_set`). Bounded like the order index: one
    /// entry per such order, at most the policy's most codes in each.
    order_sets: Parts<Key, OrderSet>,
    lists: Parts<u64, Vec<u64>>,
    holds: Parts<u64, Hold>,
    /// A pending hold's order lines by product (`Effect::HoldProducts`),
    /// for the top products when it is captured. Bounded by the pending
    /// holds (an entry goes when its hold stops being pending) and by the
    /// lines of an order (`domain::limits::LINE_ITEMS`).
    hold_products: Parts<u64, Vec<(String, i64)>>,
    /// (expires_at, redemption id) of every pending hold, for the sweeper.
    expiry: Mutex<BTreeSet<(i64, u64)>>,
    campaigns: RwLock<HashMap<u64, SharedCampaign>>,
    /// The ids of the campaigns a capture may issue codes of
    /// (`CampaignDef::issues_on_capture`), derived from `campaigns`: at most
    /// `writer::triggers::MAX_TRIGGERED_CAMPAIGNS`.
    triggered: RwLock<std::collections::BTreeSet<u64>>,
    campaign_counters: Parts<u64, CampaignCounters>,
    /// Generated codes: coupon id -> (campaign id, code). Their coupon
    /// definition is the campaign's template (see `CampaignDef::coupon`).
    generated: RwLock<HashMap<u64, GeneratedCode>>,
    /// Each campaign's generated coupon ids, ascending (export pages).
    campaign_codes: Parts<u64, Vec<u64>>,
    /// (campaign id, customer key) -> the coupon id of the customer's (first)
    /// code of that PERSONALIZED, TRIGGERED or REFERRAL campaign
    /// (CAMPAIGN_ASSIGN, a trigger, a referral reward). Derived from the
    /// bound generated codes (their rows, loaded at start, and their
    /// effects), never stored on its own, so it cannot disagree with them;
    /// bounded by them (a campaign's `coupon_limit` and code space).
    personal: RwLock<HashMap<(u64, Key), u64>>,
    /// Every code issued to a customer: coupon ids, oldest first (QUALIFY
    /// lists a customer's own codes); never shrinks, as issued codes are
    /// never removed.
    personal_by_customer: RwLock<HashMap<Key, Vec<u64>>>,
    /// Each redemption's reversals (full and partial refunds), oldest first.
    reversals: Parts<u64, Vec<Reversal>>,
    /// The fraud model VALIDATE, REDEEM and RESERVE score with: the starting
    /// one until the first outcome is learned (`Effect::Model`). One value,
    /// replaced whole.
    model: RwLock<Arc<Model>>,
    /// Coupon id -> its analytics (`rules::analytics`), with the position
    /// of the last effect counted (`analytics`). Bounded by the coupons
    /// redeemed or validated; each holds at most `DAYS_KEPT` + `HOURS_KEPT`
    /// buckets and `PRODUCTS_TRACKED_MAX` products. Kept after a delete,
    /// as the coupon's redemptions are.
    coupon_analytics: Parts<u64, Counted<CouponAnalytics>>,
    /// Campaign id -> its analytics, likewise.
    campaign_analytics: Parts<u64, Counted<GroupAnalytics>>,
    /// The whole store's analytics.
    store_analytics: Mutex<Counted<GroupAnalytics>>,
    /// Webhook endpoints by id (`webhooks`): at most `WEBHOOKS_MAX`.
    webhooks: RwLock<webhooks::Endpoints>,
    /// (campaign id, customer key) -> the customer's distribution outbox
    /// entry (`outbox`). Bounded by `outbox::ENTRIES_MAX` (CAMPAIGN_DISTRIBUTE
    /// refuses past it); entries are kept, as the codes they name are.
    outbox: Parts<(u64, Key), OutboxEntry>,
    /// Each campaign's entries in outbox order and its QUEUED ones, derived
    /// from `outbox` wherever an entry is put.
    outbox_order: RwLock<HashMap<u64, CampaignOutbox>>,
    next_campaign_id: AtomicU64,
    next_reversal_id: AtomicU64,
    next_coupon_id: AtomicU64,
    next_redemption_id: AtomicU64,
    applied_lsn: AtomicU64,
    /// (term, seq) of the last proposal applied (see `writer::Proposal`).
    last_batch: Mutex<(u64, u64)>,
    /// The cluster's time: the batch time of the last record applied.
    pub clock: clock::Clock,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

impl State {
    /// An empty state with the store's key secret (None: not chosen yet)
    /// whose time starts at `clock_ms` (see `clock::Clock::start`).
    pub fn new(secret: Option<[u8; 16]>, clock_ms: i64) -> State {
        State {
            keys: secret
                .map(KeyHasher::new)
                .map_or_else(OnceLock::new, OnceLock::from),
            defs: RwLock::default(),
            codes: RwLock::default(),
            targets: RwLock::default(),
            counters: Parts::new(PARTS),
            customers: Parts::new(PARTS),
            velocity: Parts::new(PARTS / 16),
            seen: Parts::new(PARTS / 16),
            code_rates: Parts::new(PARTS / 16),
            period_uses: Parts::new(PARTS / 16),
            orders: Parts::new(PARTS),
            order_sets: Parts::new(PARTS / 16),
            lists: Parts::new(PARTS),
            holds: Parts::new(PARTS / 16),
            hold_products: Parts::new(PARTS / 16),
            expiry: Mutex::default(),
            campaigns: RwLock::default(),
            triggered: RwLock::default(),
            campaign_counters: Parts::new(PARTS / 16),
            generated: RwLock::default(),
            campaign_codes: Parts::new(PARTS / 16),
            personal: RwLock::default(),
            personal_by_customer: RwLock::default(),
            reversals: Parts::new(PARTS / 16),
            model: RwLock::default(),
            coupon_analytics: Parts::new(PARTS / 16),
            campaign_analytics: Parts::new(PARTS / 16),
            store_analytics: Mutex::default(),
            webhooks: RwLock::default(),
            outbox: Parts::new(PARTS / 16),
            outbox_order: RwLock::default(),
            next_campaign_id: AtomicU64::new(1),
            next_reversal_id: AtomicU64::new(1),
            next_coupon_id: AtomicU64::new(1),
            next_redemption_id: AtomicU64::new(1),
            applied_lsn: AtomicU64::new(0),
            last_batch: Mutex::new((0, 0)),
            clock: clock::Clock::start(clock_ms, crate::domain::now_ms()),
        }
    }

    /// The key of a customer or order id. Before the secret is chosen the
    /// state holds no keys at all, so a placeholder finds nothing, as it should.
    pub fn key(&self, id: &str) -> Key {
        self.keys.get().map_or([0, 0], |k| k.key(id))
    }

    /// Whether the key secret is chosen (see `Effect::KeySecret`).
    pub fn has_key_secret(&self) -> bool {
        self.keys.get().is_some()
    }

    /// The key of a campaign's code MACs: derived from the database secret,
    /// so it is the same on every node of the cluster and never leaves it.
    pub fn campaign_mac_key(&self, campaign_id: u64) -> [u8; 16] {
        let [a, b] = self.key(&format!("campaign-mac:{campaign_id}"));
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&a.to_le_bytes());
        key[8..].copy_from_slice(&b.to_le_bytes());
        key
    }

    /// Why a code the store does not hold is refused: CODE_CHECK_FAILED if it
    /// has the shape of some campaign's checked codes (check character or
    /// MAC) and fails that check (mistyped, or guessed without the key), else
    /// NOT_FOUND. Only asked after the lookup missed, so a code that exists is
    /// never refused by another campaign's check, whatever its shape.
    pub fn unknown_code(&self, code: &str) -> crate::error::Error {
        let failed_a_check = read(&self.campaigns).values().any(|c| {
            let rules = &c.spec.rules;
            rules.check != couponsd_client::wire::CodeCheck::None
                && crate::codegen::has_shape(rules, code)
                && !crate::codegen::verify(rules, code, &self.campaign_mac_key(c.id))
        });
        if failed_a_check {
            crate::error::Refusal::CodeCheckFailed.into()
        } else {
            crate::error::Error::NotFound("coupon")
        }
    }

    // Reads.

    pub fn coupon(&self, id: u64) -> Option<(SharedDef, Counters)> {
        let def = match read(&self.defs).get(&id).cloned() {
            Some(def) => def,
            None => self.generated_coupon(id)?,
        };
        Some((def, self.counters(id)))
    }

    /// A generated code's campaign, code and generation time.
    pub fn generated_code(&self, coupon_id: u64) -> Option<GeneratedCode> {
        read(&self.generated).get(&coupon_id).cloned()
    }

    /// The coupon id of the customer's (by key) code of a PERSONALIZED
    /// campaign, if CAMPAIGN_ASSIGN made one.
    pub fn personal_code(&self, campaign_id: u64, customer: Key) -> Option<u64> {
        read(&self.personal).get(&(campaign_id, customer)).copied()
    }

    /// The coupon ids of the customer's (by key) bound codes of PERSONALIZED
    /// campaigns, the newest `max`.
    pub fn personal_codes(&self, customer: Key, max: usize) -> Vec<u64> {
        let by_customer = read(&self.personal_by_customer);
        let ids = by_customer.get(&customer).map_or(&[][..], Vec::as_slice);
        ids[ids.len().saturating_sub(max)..].to_vec()
    }

    /// A generated code's coupon, made from its campaign's template.
    fn generated_coupon(&self, id: u64) -> Option<SharedDef> {
        let generated = self.generated_code(id)?;
        let campaign = self.campaign(generated.campaign_id)?;
        Some(Arc::new(campaign.coupon(id, &generated)))
    }

    pub fn campaign(&self, id: u64) -> Option<SharedCampaign> {
        read(&self.campaigns).get(&id).cloned()
    }

    /// Whether a coupon's campaign (None: it has none) lets it redeem at `now`.
    pub fn campaign_running(&self, campaign_id: Option<u64>, now: i64) -> bool {
        campaign_id.is_none_or(|id| self.campaign(id).is_some_and(|c| c.running(now)))
    }

    pub fn campaign_counters(&self, id: u64) -> CampaignCounters {
        self.campaign_counters.get(&id).unwrap_or_default()
    }

    /// Campaigns with id > `after_id`, in id order, at most `limit`.
    pub fn campaigns_after(&self, after_id: u64, limit: usize) -> Vec<SharedCampaign> {
        let campaigns = read(&self.campaigns);
        let mut ids: Vec<u64> = campaigns
            .keys()
            .copied()
            .filter(|&id| id > after_id)
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .take(limit)
            .filter_map(|id| campaigns.get(&id).cloned())
            .collect()
    }

    /// Every campaign (the generator looks for unfinished work).
    /// The campaigns a capture may issue codes of, by id.
    pub fn triggered_campaigns(&self) -> Vec<SharedCampaign> {
        let campaigns = read(&self.campaigns);
        read(&self.triggered)
            .iter()
            .filter_map(|id| campaigns.get(id).cloned())
            .collect()
    }

    pub fn all_campaigns(&self) -> Vec<SharedCampaign> {
        read(&self.campaigns).values().cloned().collect()
    }

    /// Up to `limit` of a campaign's generated codes after coupon id `after`:
    /// (coupon id, code).
    pub fn campaign_codes_after(
        &self,
        campaign_id: u64,
        after: u64,
        limit: usize,
    ) -> Vec<(u64, String)> {
        let ids = self.campaign_codes.with(&campaign_id, |list| {
            list.map_or_else(Vec::new, |ids| {
                let start = ids.partition_point(|&id| id <= after);
                ids[start..]
                    .iter()
                    .take(limit)
                    .copied()
                    .collect::<Vec<u64>>()
            })
        });
        let generated = read(&self.generated);
        ids.into_iter()
            .filter_map(|id| generated.get(&id).map(|g| (id, g.code.to_string())))
            .collect()
    }

    /// Puts a distribution outbox entry whole (apply, checkpoint restore).
    pub(crate) fn put_outbox_entry(&self, campaign_id: u64, entry: OutboxEntry) {
        let customer = self.key(&entry.recipient.customer_id);
        // One lock over both, so readers never see counts and entries apart.
        let mut order = write(&self.outbox_order);
        let old = self.outbox.get(&(campaign_id, customer)).map(|e| e.status);
        order
            .entry(campaign_id)
            .or_default()
            .put(customer, old, &entry);
        self.outbox.insert((campaign_id, customer), entry);
    }

    /// The campaign's outbox entries by stored status (QUEUED, SENT,
    /// FAILED, BOUNCED; a redeemed code's entry is under its stored one).
    pub fn outbox_counts(&self, campaign_id: u64) -> [u64; 4] {
        use couponsd_client::wire::DeliveryStatus::*;
        read(&self.outbox_order)
            .get(&campaign_id)
            .map_or([0; 4], |o| {
                [
                    o.count(Queued),
                    o.count(Sent),
                    o.count(Failed),
                    o.count(Bounced),
                ]
            })
    }

    /// The customer's (by key) entry of the campaign's outbox.
    pub fn outbox_entry(&self, campaign_id: u64, customer: Key) -> Option<OutboxEntry> {
        self.outbox.get(&(campaign_id, customer))
    }

    /// The seq the campaign's next outbox entry takes.
    pub fn outbox_next_seq(&self, campaign_id: u64) -> u64 {
        read(&self.outbox_order)
            .get(&campaign_id)
            .map_or(1, CampaignOutbox::next_seq)
    }

    /// Entries in the outbox, over every campaign.
    pub fn outbox_len(&self) -> u64 {
        self.outbox.len() as u64
    }

    /// Campaigns with QUEUED entries (the sender's work).
    pub fn outbox_campaigns_queued(&self) -> Vec<u64> {
        let order = read(&self.outbox_order);
        let mut ids: Vec<u64> = order
            .iter()
            .filter(|(_, o)| !o.queued.is_empty())
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The campaign's first `limit` QUEUED entries, in outbox order.
    pub fn outbox_queued(&self, campaign_id: u64, limit: usize) -> Vec<OutboxEntry> {
        let keys: Vec<Key> = read(&self.outbox_order)
            .get(&campaign_id)
            .map(|o| {
                o.queued
                    .iter()
                    .take(limit)
                    .filter_map(|seq| o.order.get(seq).copied())
                    .collect()
            })
            .unwrap_or_default();
        keys.into_iter()
            .filter_map(|k| self.outbox_entry(campaign_id, k))
            .collect()
    }

    /// The campaign's entries with seq > `after`, at most `limit`, in order
    /// (None for `limit`: all of them).
    pub fn outbox_page(
        &self,
        campaign_id: u64,
        after: u64,
        limit: Option<usize>,
    ) -> Vec<OutboxEntry> {
        let keys: Vec<Key> = read(&self.outbox_order)
            .get(&campaign_id)
            .map(|o| {
                o.order
                    .range(after.saturating_add(1)..)
                    .take(limit.unwrap_or(usize::MAX))
                    .map(|(_, k)| *k)
                    .collect()
            })
            .unwrap_or_default();
        keys.into_iter()
            .filter_map(|k| self.outbox_entry(campaign_id, k))
            .collect()
    }

    /// A redemption's reversals, oldest first.
    pub fn reversals(&self, redemption_id: u64) -> Vec<Reversal> {
        self.reversals.get(&redemption_id).unwrap_or_default()
    }

    pub fn next_reversal_id(&self) -> u64 {
        self.next_reversal_id.load(Ordering::Acquire)
    }

    pub fn next_campaign_id(&self) -> u64 {
        self.next_campaign_id.load(Ordering::Acquire)
    }

    pub fn coupon_id(&self, code: &str) -> Option<u64> {
        read(&self.codes).get(code).copied()
    }

    pub fn coupon_by_code(&self, code: &str) -> Option<(SharedDef, Counters)> {
        self.coupon(self.coupon_id(code)?)
    }

    /// The listed coupons `order` could meet, best first, at most `max`
    /// (`targets::TargetIndex::candidates`).
    pub fn qualification_candidates(&self, order: &Order, max: usize) -> targets::Candidates {
        read(&self.targets).candidates(order, max)
    }

    pub fn counters(&self, coupon_id: u64) -> Counters {
        self.counters.get(&coupon_id).unwrap_or_default()
    }

    pub fn customer_uses(&self, coupon_id: u64, customer: Key) -> u64 {
        self.customers.get(&(coupon_id, customer)).unwrap_or(0)
    }

    /// A coupon's analytics (None: never validated nor redeemed).
    pub fn coupon_analytics(&self, coupon_id: u64) -> Option<CouponAnalytics> {
        self.coupon_analytics
            .with(&coupon_id, |a| a.map(|(_, a)| a.clone()))
    }

    /// A campaign's analytics (zero: none yet).
    pub fn campaign_analytics(&self, campaign_id: u64) -> GroupAnalytics {
        self.campaign_analytics
            .get(&campaign_id)
            .map_or_else(GroupAnalytics::default, |(_, a)| a)
    }

    /// The whole store's analytics.
    pub fn store_analytics(&self) -> GroupAnalytics {
        self.store_analytics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
    }

    /// The fraud model, as the last outcome applied left it.
    pub fn model(&self) -> Arc<Model> {
        read(&self.model).clone()
    }

    /// An identity's velocity window of the coupon (`created_at`, oldest first).
    pub fn velocity(&self, coupon_id: u64, identity: Key) -> Vec<i64> {
        self.velocity
            .get(&(coupon_id, identity))
            .unwrap_or_default()
    }

    /// A seen set (`detectors::seen_after`): members and their last-seen
    /// times, least recently seen first; empty if none.
    pub fn seen(&self, kind: SeenKind, key: Key) -> SeenSet {
        self.seen.get(&(kind, key)).unwrap_or_default()
    }

    /// A coupon's redemption rate (`CodeRate::default()` if none).
    pub fn code_rate(&self, coupon_id: u64) -> CodeRate {
        self.code_rates.get(&coupon_id).unwrap_or_default()
    }

    /// Velocity windows in part `part` of `swept_parts()`: (coupon,
    /// identity) and the newest `created_at`, for the window sweep.
    pub fn velocity_part(&self, part: usize) -> Vec<((u64, Key), i64)> {
        self.velocity.with_part(part, |map| {
            map.iter()
                .map(|(k, times)| (*k, times.iter().copied().max().unwrap_or(i64::MIN)))
                .collect()
        })
    }

    /// Seen sets in part `part` of `swept_parts()`: (kind, key) and the
    /// newest last-seen time, for the window sweep.
    pub fn seen_part(&self, part: usize) -> Vec<((SeenKind, Key), i64)> {
        self.seen.with_part(part, |map| {
            map.iter()
                .map(|(k, members)| {
                    let newest = crate::rules::fraud::detectors::newest_seen(members);
                    (*k, newest.unwrap_or(i64::MIN))
                })
                .collect()
        })
    }

    /// One count of the coupon's uses in a period (`rules::period`), if kept.
    pub fn period_uses(&self, coupon_id: u64, who: Key, kind: PeriodKind) -> Option<PeriodCount> {
        self.period_uses.get(&(coupon_id, who, kind))
    }

    /// Period counts in part `part` of `swept_parts()`: (coupon, who, kind)
    /// and the end of the count's period, for the window sweep.
    pub fn period_uses_part(&self, part: usize) -> Vec<((u64, Key, PeriodKind), i64)> {
        self.period_uses.with_part(part, |map| {
            map.iter().map(|(k, count)| (*k, count.until_ms)).collect()
        })
    }

    /// Code rates in part `part` of `swept_parts()`, for the window sweep.
    pub fn code_rate_part(&self, part: usize) -> Vec<(u64, CodeRate)> {
        self.code_rates
            .with_part(part, |map| map.iter().map(|(k, v)| (*k, *v)).collect())
    }

    /// How many parts each swept map has (all the same).
    pub fn swept_parts(&self) -> usize {
        debug_assert_eq!(self.velocity.part_count(), self.seen.part_count());
        debug_assert_eq!(self.velocity.part_count(), self.code_rates.part_count());
        debug_assert_eq!(self.velocity.part_count(), self.period_uses.part_count());
        self.velocity.part_count()
    }

    /// Entries of the velocity windows, the seen sets and the code rates.
    pub fn swept_sizes(&self) -> (usize, usize, usize) {
        (self.velocity.len(), self.seen.len(), self.code_rates.len())
    }

    pub fn order(&self, coupon_id: u64, order: Key) -> Option<u64> {
        self.orders.get(&(coupon_id, order))
    }

    /// The set of codes a multi-code order was redeemed or reserved with
    /// (None: none, or one recorded before sets were kept, tag 22).
    pub fn order_set(&self, order: Key) -> Option<OrderSet> {
        self.order_sets.get(&order)
    }

    /// Up to `limit` of a coupon's redemption ids greater than `after`, ascending.
    pub fn redemption_ids_after(&self, coupon_id: u64, after: u64, limit: usize) -> Vec<u64> {
        self.lists.with(&coupon_id, |list| {
            list.map_or_else(Vec::new, |ids| {
                let start = ids.partition_point(|&id| id <= after);
                ids[start..].iter().take(limit).copied().collect()
            })
        })
    }

    /// A pending hold's order lines by product, if its order had any.
    pub fn hold_products(&self, redemption_id: u64) -> Option<Vec<(String, i64)>> {
        self.hold_products.get(&redemption_id)
    }

    /// Holds still PENDING (neither confirmed, released nor expired).
    pub fn pending_hold_count(&self) -> usize {
        self.expiry.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Pending holds whose TTL ended at or before `now`, oldest first.
    pub fn due_holds(&self, now: i64, limit: usize) -> Vec<(i64, u64)> {
        let expiry = self.expiry.lock().unwrap_or_else(|e| e.into_inner());
        expiry
            .range(..=(now, u64::MAX))
            .take(limit)
            .copied()
            .collect()
    }

    pub fn campaign_count(&self) -> usize {
        read(&self.campaigns).len()
    }

    /// Coupons, campaigns' generated codes included.
    pub fn coupon_count(&self) -> usize {
        read(&self.defs).len() + read(&self.generated).len()
    }

    pub fn next_coupon_id(&self) -> u64 {
        self.next_coupon_id.load(Ordering::Acquire)
    }

    pub fn next_redemption_id(&self) -> u64 {
        self.next_redemption_id.load(Ordering::Acquire)
    }

    /// LSN of the last record whose effects are applied.
    pub fn applied_lsn(&self) -> u64 {
        self.applied_lsn.load(Ordering::Acquire)
    }

    /// Entries in the maps that grow with redemptions (sizes the checkpoint interval).
    pub fn entry_count(&self) -> usize {
        self.customers.len()
            + self.orders.len()
            + self.velocity.len()
            + self.seen.len()
            + self.period_uses.len()
    }

    // Changes: only the writer (and recovery) call these.

    /// Applies one durable record.
    pub fn apply_record(&self, record: &LogRecord) {
        for (index, effect) in record.effects.iter().enumerate() {
            let at = (record.lsn, u32::try_from(index).unwrap_or(u32::MAX));
            self.apply_at(effect, Some(at));
        }
        self.clock.advance_to(record.timestamp);
        self.applied_lsn.fetch_max(record.lsn, Ordering::AcqRel);
    }

    /// Applies one effect outside a record (tests): analytics effects are
    /// then counted whatever was counted before.
    pub fn apply(&self, effect: &Effect) {
        self.apply_at(effect, None);
    }

    /// Applies one effect at its position in the log. Idempotent: effects
    /// carry absolute values, but for the analytics changes, which count
    /// only past what each entry counted (`analytics`).
    fn apply_at(&self, effect: &Effect, at: Option<Position>) {
        match effect {
            Effect::CouponPut(def) => self.put_def(def.clone()),
            Effect::CouponDeleted {
                id,
                drops_redemption_list,
            } => {
                write(&self.targets).remove(*id);
                if let Some(old) = write(&self.defs).remove(id) {
                    let mut codes = write(&self.codes);
                    if codes.get(&old.spec.code) == Some(id) {
                        codes.remove(&old.spec.code);
                    }
                }
                self.counters.remove(id);
                if *drops_redemption_list {
                    self.lists.remove(id);
                }
            }
            Effect::Counters {
                coupon_id,
                counters,
            } => self.counters.insert(*coupon_id, *counters),
            Effect::CustomerUses {
                coupon_id,
                customer,
                uses,
            } => {
                if *uses == 0 {
                    self.customers.remove(&(*coupon_id, *customer));
                } else {
                    self.customers.insert((*coupon_id, *customer), *uses);
                }
            }
            Effect::Velocity {
                coupon_id,
                identity,
                created_at,
            } => {
                if created_at.is_empty() {
                    self.velocity.remove(&(*coupon_id, *identity));
                } else {
                    self.velocity
                        .insert((*coupon_id, *identity), created_at.clone());
                }
            }
            Effect::Seen { kind, key, members } => {
                if members.is_empty() {
                    self.seen.remove(&(*kind, *key));
                } else {
                    self.seen.insert((*kind, *key), members.clone());
                }
            }
            Effect::CodeRate { coupon_id, rate } => {
                if *rate == CodeRate::default() {
                    self.code_rates.remove(coupon_id);
                } else {
                    self.code_rates.insert(*coupon_id, *rate);
                }
            }
            Effect::Redemption(r) => self.put_redemption(r),
            Effect::Usage(usage) => self.count_usage(usage, at),
            Effect::Views(views) => self.count_views(views, at),
            Effect::Model(model) => *write(&self.model) = Arc::new(model.clone()),
            // The event stream's marker: the redemption's change is its own effect.
            Effect::HoldConfirmed { .. } => {}
            Effect::WebhookPut(endpoint) => self.put_webhook(endpoint),
            Effect::WebhookRemoved { id } => self.remove_webhook(*id),
            Effect::WebhookProgress { id, progress } => self.webhook_progress(*id, progress),
            Effect::OrderCodes { order, fingerprint } => {
                self.orders
                    .insert((ORDER_SET_COUPON_ID, *order), *fingerprint);
            }
            Effect::OrderSet { order, set } => {
                self.orders
                    .insert((ORDER_SET_COUPON_ID, *order), set.fingerprint);
                self.order_sets.insert(*order, set.clone());
            }
            Effect::PeriodUses {
                coupon_id,
                who,
                kind,
                count,
            } => {
                let key = (*coupon_id, *who, *kind);
                if count.uses == 0 {
                    self.period_uses.remove(&key);
                } else {
                    self.period_uses.insert(key, *count);
                }
            }
            Effect::CampaignPut(def) => self.put_campaign((**def).clone()),
            Effect::Reversal(r) => self.put_reversal(r.clone()),
            Effect::CampaignDeleted { id } => {
                write(&self.campaigns).remove(id);
                write(&self.triggered).remove(id);
                self.campaign_counters.remove(id);
            }
            Effect::CampaignCounters {
                campaign_id,
                counters,
            } => self.campaign_counters.insert(*campaign_id, *counters),
            Effect::CodesGenerated {
                campaign_id,
                issued_at,
                codes,
            } => self.put_codes(
                *campaign_id,
                *issued_at,
                codes.iter().map(|(id, code)| (*id, code.as_str(), "")),
            ),
            Effect::CodesAssigned {
                campaign_id,
                issued_at,
                codes,
            } => self.put_codes(
                *campaign_id,
                *issued_at,
                codes
                    .iter()
                    .map(|(id, code, customer)| (*id, code.as_str(), customer.as_str())),
            ),
            Effect::Outbox {
                campaign_id,
                entries,
            } => {
                for entry in entries {
                    self.put_outbox_entry(*campaign_id, entry.clone());
                }
            }
            Effect::HoldProducts {
                redemption_id,
                products,
            } => {
                // Recorded in the hold's own record (just before its
                // redemption); dropped when the hold stops being pending.
                self.hold_products.insert(*redemption_id, products.clone());
            }
            Effect::KeySecret(secret) => {
                // Chosen once; a replay sets the same secret again.
                let _ = self.keys.set(KeyHasher::new(*secret));
            }
        }
    }

    /// Counts a capture or reversal into its coupon's, its campaign's and the
    /// store's analytics, each only if it has not counted `at` yet (None:
    /// counted in any case).
    fn count_usage(&self, usage: &Usage, at: Option<Position>) {
        let mut first_redemption = false;
        self.coupon_analytics.update(usage.coupon_id, |entry| {
            let before = entry.1.totals.redemptions;
            if analytics::count(entry, at, |a| a.add(usage)) {
                first_redemption = before == 0 && entry.1.totals.redemptions > 0;
            }
        });
        let group = |entry: &mut Counted<GroupAnalytics>| {
            analytics::count(entry, at, |g| g.add(usage, first_redemption));
        };
        if let Some(campaign_id) = usage.campaign_id {
            self.campaign_analytics.update(campaign_id, group);
        }
        group(
            &mut self
                .store_analytics
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
    }

    /// Counts validations into each coupon's, its campaign's and the store's
    /// views, each entry once per position as `count_usage` counts.
    fn count_views(&self, views: &[(u64, u64)], at: Option<Position>) {
        let mut campaigns: HashMap<u64, u64> = HashMap::new();
        let mut total = 0u64;
        for &(coupon_id, count) in views {
            self.coupon_analytics.update(coupon_id, |entry| {
                analytics::count(entry, at, |a| a.totals.add_views(count));
            });
            // A coupon's campaign never changes: the definition applied now
            // names the one it had when validated.
            let campaign_id = self
                .coupon(coupon_id)
                .and_then(|(def, _)| def.spec.campaign_id);
            if let Some(campaign_id) = campaign_id {
                let sum = campaigns.entry(campaign_id).or_default();
                *sum = sum.saturating_add(count);
            }
            total = total.saturating_add(count);
        }
        for (campaign_id, count) in campaigns {
            self.campaign_analytics.update(campaign_id, |entry| {
                analytics::count(entry, at, |g| g.totals.add_views(count));
            });
        }
        let mut store = self
            .store_analytics
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        analytics::count(&mut store, at, |g| g.totals.add_views(total));
    }

    /// Records a reversal (also used when loading their table). Idempotent.
    pub fn put_reversal(&self, r: Reversal) {
        self.next_reversal_id.fetch_max(r.id + 1, Ordering::AcqRel);
        self.reversals.update(r.redemption_id, |list| {
            if !list.iter().any(|x| x.id == r.id) {
                list.push(r);
            }
        });
    }

    /// Installs a campaign definition (also used when loading its table).
    pub fn put_campaign(&self, def: CampaignDef) {
        self.next_campaign_id
            .fetch_max(def.id + 1, Ordering::AcqRel);
        let mut triggered = write(&self.triggered);
        if def.issues_on_capture() {
            triggered.insert(def.id);
        } else {
            triggered.remove(&def.id);
        }
        drop(triggered);
        write(&self.campaigns).insert(def.id, Arc::new(def));
    }

    /// Installs generated codes of one campaign, generated at `issued_at`,
    /// (coupon id, code, bound customer or "") in ascending id order (also
    /// used when loading their table).
    pub fn put_codes<'c>(
        &self,
        campaign_id: u64,
        issued_at: i64,
        codes: impl Iterator<Item = (u64, &'c str, &'c str)>,
    ) {
        let mut code_ids = write(&self.codes);
        let mut generated = write(&self.generated);
        let mut personal = write(&self.personal);
        let mut by_customer = write(&self.personal_by_customer);
        let mut added = Vec::new();
        for (coupon_id, code, customer) in codes {
            code_ids.insert(code.to_string(), coupon_id);
            if !customer.is_empty() {
                let key = self.key(customer);
                // The customer's first code of the campaign is the one
                // CAMPAIGN_ASSIGN answers with; a referrer's later rewards
                // are listed too. A replay installs the same code again:
                // listed once.
                personal.entry((campaign_id, key)).or_insert(coupon_id);
                if !generated.contains_key(&coupon_id) {
                    by_customer.entry(key).or_default().push(coupon_id);
                }
            }
            let entry = GeneratedCode {
                campaign_id,
                code: code.into(),
                issued_at,
                customer_id: customer.into(),
            };
            if generated.insert(coupon_id, entry).is_none() {
                added.push(coupon_id);
            }
        }
        drop((code_ids, generated, personal, by_customer));
        let Some(&last) = added.iter().max() else {
            return;
        };
        self.campaign_codes.update(campaign_id, |ids| {
            ids.extend(added);
            if !ids.is_sorted() {
                ids.sort_unstable();
            }
        });
        self.next_coupon_id.fetch_max(last + 1, Ordering::AcqRel);
    }

    /// Installs a coupon definition (also used when loading the coupons table).
    pub fn put_def(&self, def: CouponDef) {
        let id = def.id;
        let code = def.spec.code.clone();
        write(&self.targets).put(&def);
        let old = write(&self.defs).insert(id, Arc::new(def));
        let mut codes = write(&self.codes);
        if let Some(old) = old {
            if old.spec.code != code && codes.get(&old.spec.code) == Some(&id) {
                codes.remove(&old.spec.code);
            }
        }
        codes.insert(code, id);
        self.next_coupon_id.fetch_max(id + 1, Ordering::AcqRel);
    }

    fn put_redemption(&self, r: &Redemption) {
        self.orders
            .insert((r.coupon_id, self.key(&r.order_id)), r.id);
        self.lists.update(r.coupon_id, |ids| {
            if ids.last().is_none_or(|&last| last < r.id) {
                ids.push(r.id);
            }
        });
        let mut expiry = self.expiry.lock().unwrap_or_else(|e| e.into_inner());
        match (r.status, r.hold_expires_at) {
            (RedemptionStatus::Pending, Some(expires_at)) => {
                if let Some(old) = self.holds.get(&r.id) {
                    expiry.remove(&(old.expires_at, r.id));
                }
                self.holds.insert(
                    r.id,
                    Hold {
                        coupon_id: r.coupon_id,
                        expires_at,
                    },
                );
                expiry.insert((expires_at, r.id));
            }
            _ => {
                if let Some(old) = self.holds.get(&r.id) {
                    expiry.remove(&(old.expires_at, r.id));
                    self.holds.remove(&r.id);
                    self.hold_products.remove(&r.id);
                }
            }
        }
        self.next_redemption_id
            .fetch_max(r.id + 1, Ordering::AcqRel);
    }

    /// Makes sure the next ids are at least these (from the store's high-water marks).
    pub fn raise_next_ids(&self, coupon_id: u64, redemption_id: u64, campaign_id: u64) {
        self.next_campaign_id
            .fetch_max(campaign_id, Ordering::AcqRel);
        self.next_coupon_id.fetch_max(coupon_id, Ordering::AcqRel);
        self.next_redemption_id
            .fetch_max(redemption_id, Ordering::AcqRel);
    }

    /// (term, seq) of the last proposal applied.
    pub fn last_batch(&self) -> (u64, u64) {
        *self.last_batch.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_last_batch(&self, batch: (u64, u64)) {
        *self.last_batch.lock().unwrap_or_else(|e| e.into_inner()) = batch;
    }

    pub fn set_applied_lsn(&self, lsn: u64) {
        self.applied_lsn.fetch_max(lsn, Ordering::AcqRel);
    }
}
