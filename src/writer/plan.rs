//! Deciding a mutation. A `Draft` reads the batch as it stands (its own
//! changes first), and the decision records in it, one effect at a time,
//! what should change; it ends as a `Plan` (the effects of the mutation's log
//! record, the overlay they make, the reply) or is dropped with a refusal.
//! The batch itself is only read: a refused mutation changes nothing,
//! whatever it recorded before it found the reason to refuse.

use couponsd_client::wire::{Redemption, Response, Reversal};

use std::sync::Arc;

use crate::error::Error;
use crate::rules::fraud::score::Model;
use crate::rules::period::{PeriodCount, PeriodKind};

use super::batch::{Batch, Cursor, Overlay};
use crate::domain::campaign::{CampaignCounters, GeneratedCode, SharedCampaign};
use crate::domain::coupon::{Counters, SharedDef};
use crate::rules::fraud::detectors::{CodeRate, SeenKind};
use crate::state::keys::Key;
use crate::state::order_set::OrderSet;
use crate::state::outbox::OutboxEntry;
use crate::state::webhooks::Endpoint;
use crate::state::{Effect, SeenSet};
use crate::storage;

/// What one accepted mutation changes, decided before anything changed.
pub struct Plan {
    /// The batch's view of the effects, for what is decided after them.
    pub(super) overlay: Overlay,
    /// The effects of the mutation's log record, in order (none: nothing to
    /// record, such as an answer to a retry).
    pub(super) effects: Vec<Effect>,
    /// An error when the request is refused yet leaves a record (an attempt
    /// a security check blocked is kept as a REJECTED redemption).
    pub(super) reply: Result<Response, Error>,
}

/// A plan in the making: the batch as it stands plus what the decision has
/// recorded so far.
pub struct Draft<'b, 'a> {
    batch: &'b Batch<'a>,
    overlay: Overlay,
    effects: Vec<Effect>,
    /// The batch's cursor moved past the ids recorded here.
    cursor: Cursor,
}

impl<'b, 'a> Draft<'b, 'a> {
    pub fn new(batch: &'b Batch<'a>) -> Self {
        Draft {
            batch,
            overlay: Overlay::default(),
            effects: Vec::new(),
            cursor: batch.cursor,
        }
    }

    /// The plan: what was recorded, and the answer.
    pub fn into_plan(self, reply: Response) -> Plan {
        self.into_answer(Ok(reply))
    }

    /// The plan of a refusal that is recorded: the effects stand, the
    /// requester gets `refusal`.
    pub fn into_recorded_refusal(self, refusal: Error) -> Plan {
        self.into_answer(Err(refusal))
    }

    fn into_answer(self, reply: Result<Response, Error>) -> Plan {
        Plan {
            overlay: self.overlay,
            effects: self.effects,
            reply,
        }
    }

    /// The batch's time: every decision of the batch uses it.
    pub fn now(&self) -> i64 {
        self.batch.now
    }

    /// Whether decisions record analytics (`WriterConfig::analytics`).
    pub fn analytics(&self) -> bool {
        self.batch.analytics
    }

    /// The newest answer: this draft's, then the batch's overlays.
    fn newest<T>(&self, f: impl Fn(&Overlay) -> Option<T>) -> Option<T> {
        f(&self.overlay).or_else(|| self.batch.newest(&f))
    }

    // Reads: this draft, then uncommitted batches (newest first), then the
    // committed state.

    pub fn key(&self, id: &str) -> Key {
        self.batch.state.key(id)
    }

    /// See `State::unknown_code`.
    pub fn unknown_code(&self, code: &str) -> crate::error::Error {
        self.batch.state.unknown_code(code)
    }

    pub fn coupon_id(&self, code: &str) -> Option<u64> {
        match self.newest(|o| o.codes.get(code).copied()) {
            Some(id) => id,
            None => self.batch.state.coupon_id(code),
        }
    }

    /// A generated code (None: not one), as this draft sees it.
    pub fn generated_code(&self, id: u64) -> Option<GeneratedCode> {
        self.newest(|o| o.generated.get(&id).cloned())
            .or_else(|| self.batch.state.generated_code(id))
    }

    /// The coupon id of the customer's (by key) code of a PERSONALIZED
    /// campaign (`State::personal_code`).
    pub fn personal_code(&self, campaign_id: u64, customer: Key) -> Option<u64> {
        self.newest(|o| o.personal.get(&(campaign_id, customer)).copied())
            .or_else(|| self.batch.state.personal_code(campaign_id, customer))
    }

    /// A pending hold's order lines by product (`Effect::HoldProducts`):
    /// empty if its order had none (or analytics were off when it was placed).
    pub fn hold_products(&self, redemption_id: u64) -> Vec<(String, i64)> {
        self.newest(|o| o.hold_products.get(&redemption_id).cloned())
            .or_else(|| self.batch.state.hold_products(redemption_id))
            .unwrap_or_default()
    }

    /// The customer's (by key) entry of the campaign's distribution outbox.
    pub fn outbox_entry(&self, campaign_id: u64, customer: Key) -> Option<OutboxEntry> {
        self.newest(|o| o.outbox.get(&(campaign_id, customer)).cloned())
            .or_else(|| self.batch.state.outbox_entry(campaign_id, customer))
    }

    /// The seq the campaign's next outbox entry takes: past the committed
    /// ones and those of batches not applied yet.
    pub fn outbox_next_seq(&self, campaign_id: u64) -> u64 {
        let committed = self.batch.state.outbox_next_seq(campaign_id);
        self.batch
            .overlays()
            .chain(std::iter::once(&self.overlay))
            .flat_map(|o| o.outbox.iter())
            .filter(|((c, _), _)| *c == campaign_id)
            .map(|(_, e)| e.seq + 1)
            .fold(committed, u64::max)
    }

    /// Entries in the outbox over every campaign, with those of batches not
    /// applied yet.
    pub fn outbox_len(&self) -> u64 {
        let pending: u64 = self
            .batch
            .overlays()
            .chain(std::iter::once(&self.overlay))
            .map(|o| o.outbox_added)
            .sum();
        self.batch.state.outbox_len() + pending
    }

    /// See `State::campaign_mac_key`.
    pub fn campaign_mac_key(&self, campaign_id: u64) -> [u8; 16] {
        self.batch.state.campaign_mac_key(campaign_id)
    }

    /// The campaign of a generated code (None: not a generated code).
    pub fn generated_by(&self, id: u64) -> Option<u64> {
        self.newest(|o| o.generated.get(&id).map(|g| g.campaign_id))
            .or_else(|| self.batch.state.generated_code(id).map(|g| g.campaign_id))
    }

    pub fn def(&self, id: u64) -> Option<SharedDef> {
        if let Some(def) = self.newest(|o| o.defs.get(&id).cloned()) {
            return def;
        }
        // A generated code's coupon follows its campaign, as this draft sees it.
        match self.generated_code(id) {
            Some(g) => {
                let campaign = self.campaign(g.campaign_id)?;
                Some(SharedDef::new(campaign.coupon(id, &g)))
            }
            None => self.batch.state.coupon(id).map(|(def, _)| def),
        }
    }

    /// A redemption's reversals, oldest first.
    pub fn reversals(&self, redemption_id: u64) -> Vec<Reversal> {
        self.newest(|o| o.reversals.get(&redemption_id).cloned())
            .unwrap_or_else(|| self.batch.state.reversals(redemption_id))
    }

    pub fn campaign(&self, id: u64) -> Option<SharedCampaign> {
        match self.newest(|o| o.campaigns.get(&id).cloned()) {
            Some(found) => found,
            None => self.batch.state.campaign(id),
        }
    }

    /// The campaigns a capture may issue codes of (`State::triggered_campaigns`),
    /// with every uncommitted change, by id.
    pub fn triggered_campaigns(&self) -> Vec<SharedCampaign> {
        let mut all: std::collections::BTreeMap<u64, Option<SharedCampaign>> = self
            .batch
            .state
            .triggered_campaigns()
            .into_iter()
            .map(|c| (c.id, Some(c)))
            .collect();
        // Oldest overlay first, so the newest change of each campaign stands.
        for overlay in self.batch.overlays().chain([&self.overlay]) {
            for (id, c) in &overlay.campaigns {
                let issues = c.as_ref().filter(|c| c.issues_on_capture()).cloned();
                all.insert(*id, issues);
            }
        }
        all.into_values().flatten().collect()
    }

    /// Whether a coupon's campaign (None: it has none) lets it redeem now.
    pub fn campaign_running(&self, campaign_id: Option<u64>) -> bool {
        let now = self.now();
        campaign_id.is_none_or(|id| self.campaign(id).is_some_and(|c| c.running(now)))
    }

    /// Every campaign, with every uncommitted change.
    pub fn campaigns(&self) -> Vec<SharedCampaign> {
        let mut all: std::collections::HashMap<u64, Option<SharedCampaign>> = self
            .batch
            .state
            .all_campaigns()
            .into_iter()
            .map(|c| (c.id, Some(c)))
            .collect();
        for overlay in self.batch.overlays().chain([&self.overlay]) {
            all.extend(overlay.campaigns.iter().map(|(id, c)| (*id, c.clone())));
        }
        all.into_values().flatten().collect()
    }

    pub fn campaign_counters(&self, id: u64) -> CampaignCounters {
        self.newest(|o| o.campaign_counters.get(&id).copied())
            .unwrap_or_else(|| self.batch.state.campaign_counters(id))
    }

    pub fn counters(&self, id: u64) -> Counters {
        self.newest(|o| o.counters.get(&id).copied())
            .unwrap_or_else(|| self.batch.state.counters(id))
    }

    pub fn customer_uses(&self, coupon_id: u64, customer: Key) -> u64 {
        self.newest(|o| o.customers.get(&(coupon_id, customer)).copied())
            .unwrap_or_else(|| self.batch.state.customer_uses(coupon_id, customer))
    }

    /// The fraud model, with every uncommitted outcome learned.
    pub fn model(&self) -> Arc<Model> {
        self.newest(|o| o.model.clone())
            .unwrap_or_else(|| self.batch.state.model())
    }

    /// An identity's velocity window of the coupon (`created_at`, oldest first).
    pub fn velocity(&self, coupon_id: u64, identity: Key) -> Vec<i64> {
        self.newest(|o| o.velocity.get(&(coupon_id, identity)).cloned())
            .unwrap_or_else(|| self.batch.state.velocity(coupon_id, identity))
    }

    /// A seen set (members and last-seen times, least recently seen first).
    pub fn seen(&self, kind: SeenKind, key: Key) -> SeenSet {
        self.newest(|o| o.seen.get(&(kind, key)).cloned())
            .unwrap_or_else(|| self.batch.state.seen(kind, key))
    }

    /// A coupon's redemption rate (`CodeRate::default()` if none).
    pub fn code_rate(&self, coupon_id: u64) -> CodeRate {
        self.newest(|o| o.code_rates.get(&coupon_id).copied())
            .unwrap_or_else(|| self.batch.state.code_rate(coupon_id))
    }

    /// One count of the coupon's uses in a period (`rules::period`), if kept.
    pub fn period_uses(&self, coupon_id: u64, who: Key, kind: PeriodKind) -> Option<PeriodCount> {
        let key = (coupon_id, who, kind);
        match self.newest(|o| o.period_uses.get(&key).copied()) {
            Some(count) => (count.uses > 0).then_some(count),
            None => self.batch.state.period_uses(coupon_id, who, kind),
        }
    }

    /// The committed state, for scans the window sweep makes before it
    /// checks each entry it found through this draft.
    pub fn state(&self) -> &crate::state::State {
        self.batch.state
    }

    pub fn order(&self, coupon_id: u64, order: Key) -> Option<u64> {
        self.newest(|o| o.orders.get(&(coupon_id, order)).copied())
            .or_else(|| self.batch.state.order(coupon_id, order))
    }

    /// A multi-code order's set (None: none, or one from before sets were
    /// kept, whose fingerprint alone is in `order(ORDER_SET_COUPON_ID, _)`).
    pub fn order_set(&self, order: Key) -> Option<OrderSet> {
        self.newest(|o| o.order_sets.get(&order).cloned())
            .or_else(|| self.batch.state.order_set(order))
    }

    pub fn redemption(&self, id: u64) -> storage::Result<Option<Redemption>> {
        match self.newest(|o| o.redemptions.get(&id).cloned()) {
            Some(r) => Ok(Some(r)),
            None => self.batch.view()?.redemption(id),
        }
    }

    /// Holds past their TTL as of the committed state (callers re-check status).
    pub fn due_holds(&self, limit: usize) -> Vec<(i64, u64)> {
        self.batch.state.due_holds(self.now(), limit)
    }

    // Ids: the next free one; recording the effect that uses it takes it.

    pub fn next_coupon_id(&self) -> u64 {
        self.cursor.next_coupon_id
    }

    pub fn next_redemption_id(&self) -> u64 {
        self.cursor.next_redemption_id
    }

    pub fn next_campaign_id(&self) -> u64 {
        self.cursor.next_campaign_id
    }

    pub fn next_reversal_id(&self) -> u64 {
        self.cursor.next_reversal_id
    }

    /// The LSN this plan's record will have (an endpoint's id).
    pub fn lsn(&self) -> u64 {
        self.cursor.next_lsn
    }

    /// A webhook endpoint, with every uncommitted change.
    pub fn webhook(&self, id: u64) -> Option<Endpoint> {
        match self.newest(|o| o.webhooks.get(&id).cloned()) {
            Some(found) => found,
            None => self.batch.state.webhook(id),
        }
    }

    /// How many webhook endpoints there are, with every uncommitted change.
    pub fn webhook_count(&self) -> usize {
        let mut all: std::collections::HashMap<u64, bool> = self
            .batch
            .state
            .webhooks()
            .into_iter()
            .map(|e| (e.id, true))
            .collect();
        for overlay in self.batch.overlays().chain([&self.overlay]) {
            all.extend(overlay.webhooks.iter().map(|(id, e)| (*id, e.is_some())));
        }
        all.values().filter(|present| **present).count()
    }

    /// Adds an effect to the plan, and shows it to this draft's later reads
    /// as `State::apply` will show it to everyone once applied.
    pub fn record(&mut self, effect: Effect) {
        self.cursor.follow(&effect);
        match &effect {
            Effect::CouponPut(def) => {
                let old_code = self
                    .def(def.id)
                    .map(|old| old.spec.code.clone())
                    .filter(|old| *old != def.spec.code);
                let o = &mut self.overlay;
                if let Some(old) = old_code {
                    o.codes.insert(old, None);
                }
                o.codes.insert(def.spec.code.clone(), Some(def.id));
                o.defs.insert(def.id, Some(SharedDef::new(def.clone())));
            }
            Effect::CouponDeleted { id, .. } => {
                let old_code = self.def(*id).map(|old| old.spec.code.clone());
                let o = &mut self.overlay;
                if let Some(old) = old_code {
                    o.codes.insert(old, None);
                }
                o.defs.insert(*id, None);
                o.counters.insert(*id, Counters::default());
            }
            Effect::Counters {
                coupon_id,
                counters,
            } => {
                self.overlay.counters.insert(*coupon_id, *counters);
            }
            Effect::CustomerUses {
                coupon_id,
                customer,
                uses,
            } => {
                self.overlay
                    .customers
                    .insert((*coupon_id, *customer), *uses);
            }
            Effect::Velocity {
                coupon_id,
                identity,
                created_at,
            } => {
                self.overlay
                    .velocity
                    .insert((*coupon_id, *identity), created_at.clone());
            }
            Effect::Seen { kind, key, members } => {
                self.overlay.seen.insert((*kind, *key), members.clone());
            }
            Effect::CodeRate { coupon_id, rate } => {
                self.overlay.code_rates.insert(*coupon_id, *rate);
            }
            Effect::Redemption(r) => {
                let order = self.key(&r.order_id);
                let o = &mut self.overlay;
                o.orders.insert((r.coupon_id, order), r.id);
                o.redemptions.insert(r.id, r.clone());
            }
            Effect::Reversal(r) => {
                let mut list = self.reversals(r.redemption_id);
                list.push(r.clone());
                self.overlay.reversals.insert(r.redemption_id, list);
            }
            Effect::CampaignPut(def) => {
                let shared = SharedCampaign::new((**def).clone());
                self.overlay.campaigns.insert(def.id, Some(shared));
            }
            Effect::CampaignDeleted { id } => {
                self.overlay.campaigns.insert(*id, None);
            }
            Effect::CampaignCounters {
                campaign_id,
                counters,
            } => {
                self.overlay
                    .campaign_counters
                    .insert(*campaign_id, *counters);
            }
            Effect::CodesGenerated {
                campaign_id,
                issued_at,
                codes,
            } => {
                for (id, code) in codes {
                    self.overlay.codes.insert(code.clone(), Some(*id));
                    let generated = GeneratedCode {
                        campaign_id: *campaign_id,
                        code: code.as_str().into(),
                        issued_at: *issued_at,
                        customer_id: "".into(),
                    };
                    self.overlay.generated.insert(*id, generated);
                }
            }
            Effect::CodesAssigned {
                campaign_id,
                issued_at,
                codes,
            } => {
                for (id, code, customer) in codes {
                    self.overlay.codes.insert(code.clone(), Some(*id));
                    let key = self.key(customer);
                    // The first code stands, as `State::put_codes` keeps it.
                    if self.personal_code(*campaign_id, key).is_none() {
                        self.overlay.personal.insert((*campaign_id, key), *id);
                    }
                    let generated = GeneratedCode {
                        campaign_id: *campaign_id,
                        code: code.as_str().into(),
                        issued_at: *issued_at,
                        customer_id: customer.as_str().into(),
                    };
                    self.overlay.generated.insert(*id, generated);
                }
            }
            Effect::PeriodUses {
                coupon_id,
                who,
                kind,
                count,
            } => {
                self.overlay
                    .period_uses
                    .insert((*coupon_id, *who, *kind), *count);
            }
            Effect::Model(model) => self.overlay.model = Some(Arc::new(model.clone())),
            Effect::OrderCodes { order, fingerprint } => {
                let key = (crate::state::ORDER_SET_COUPON_ID, *order);
                self.overlay.orders.insert(key, *fingerprint);
            }
            Effect::OrderSet { order, set } => {
                let key = (crate::state::ORDER_SET_COUPON_ID, *order);
                self.overlay.orders.insert(key, set.fingerprint);
                self.overlay.order_sets.insert(*order, set.clone());
            }
            // Read by no decision: the decider waits until it is applied.
            Effect::KeySecret(_) => {}
            // A marker for the event stream: nothing to see.
            Effect::HoldConfirmed { .. } => {}
            // Analytics: read by no decision, only by ANALYTICS_* once applied.
            Effect::Usage(_) | Effect::Views(_) => {}
            Effect::WebhookPut(endpoint) => {
                let endpoint = (**endpoint).clone();
                self.overlay.webhooks.insert(endpoint.id, Some(endpoint));
            }
            Effect::WebhookRemoved { id } => {
                self.overlay.webhooks.insert(*id, None);
            }
            Effect::WebhookProgress { id, progress } => {
                if let Some(mut endpoint) = self.webhook(*id) {
                    endpoint.progress = progress.clone();
                    self.overlay.webhooks.insert(*id, Some(endpoint));
                }
            }
            Effect::Outbox {
                campaign_id,
                entries,
            } => {
                for entry in entries {
                    let key = (*campaign_id, self.key(&entry.recipient.customer_id));
                    if self.outbox_entry(key.0, key.1).is_none() {
                        self.overlay.outbox_added += 1;
                    }
                    self.overlay.outbox.insert(key, entry.clone());
                }
            }
            Effect::HoldProducts {
                redemption_id,
                products,
            } => {
                self.overlay
                    .hold_products
                    .insert(*redemption_id, products.clone());
            }
        }
        self.effects.push(effect);
    }
}
