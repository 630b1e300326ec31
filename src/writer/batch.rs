//! One batch as the decider sees it: the applied state, the batches proposed
//! but not yet applied (their overlays, newest last), and this batch's own
//! changes so far. Mutations are decided against it without changing it
//! (`plan::Draft` reads it and yields a `Plan`); `Batch::apply` is the one
//! way a batch changes: it takes a plan's overlay and seals its effects as
//! one log record. Nothing reaches the shared state until the batch is
//! committed by the cluster and applied (`apply.rs`).

use std::collections::VecDeque;
use std::sync::Arc;

// The overlay's maps hash with hashbrown's default (foldhash), as the
// state's `Parts` do: their keys are ids the server gave or `Key`s (keyed
// SipHash outputs), which no client can aim at one bucket. Codes, which
// clients choose, keep std's SipHash.
use hashbrown::HashMap;

use bytes::Bytes;
use couponsd_client::wire::{Redemption, Response, Reversal};

use super::plan::Plan;
use crate::domain::campaign::{CampaignCounters, GeneratedCode, SharedCampaign};
use crate::domain::coupon::{Counters, SharedDef};
use crate::rules::fraud::detectors::{CodeRate, SeenKind};
use crate::rules::fraud::score::Model;
use crate::rules::period::{PeriodCount, PeriodKind};
use crate::state::keys::Key;
use crate::state::order_set::OrderSet;
use crate::state::outbox::OutboxEntry;
use crate::state::webhooks::Endpoint;
use crate::state::{Effect, LogRecord, SeenSet, State};
use crate::storage::{ReadView, Store};

/// What one batch (or one plan) changed, as seen by what is decided after
/// it: the decider's copy of the parts of the state that effects change.
/// `Draft::record` is the one place an effect shows here.
#[derive(Default)]
pub struct Overlay {
    pub(super) defs: HashMap<u64, Option<SharedDef>>,
    pub(super) codes: std::collections::HashMap<String, Option<u64>>,
    pub(super) counters: HashMap<u64, Counters>,
    pub(super) customers: HashMap<(u64, Key), u64>,
    /// Velocity windows, whole (empty: removed).
    pub(super) velocity: HashMap<(u64, Key), Vec<i64>>,
    /// Seen sets, whole (empty: removed).
    pub(super) seen: HashMap<(SeenKind, Key), SeenSet>,
    /// Code rates (`CodeRate::default()`: removed).
    pub(super) code_rates: HashMap<u64, CodeRate>,
    /// Counts of uses per period (0 uses: removed).
    pub(super) period_uses: HashMap<(u64, Key, PeriodKind), PeriodCount>,
    pub(super) orders: HashMap<(u64, Key), u64>,
    /// Multi-code orders' sets, whole.
    pub(super) order_sets: HashMap<Key, OrderSet>,
    pub(super) redemptions: HashMap<u64, Redemption>,
    /// None: deleted.
    pub(super) campaigns: HashMap<u64, Option<SharedCampaign>>,
    pub(super) campaign_counters: HashMap<u64, CampaignCounters>,
    /// Generated codes by coupon id.
    pub(super) generated: HashMap<u64, GeneratedCode>,
    /// (campaign, customer key) -> the customer's code's coupon id
    /// (`State::personal_code`).
    pub(super) personal: HashMap<(u64, Key), u64>,
    /// Each redemption's reversals, whole.
    pub(super) reversals: HashMap<u64, Vec<Reversal>>,
    /// The fraud model, whole, if it changed.
    pub(super) model: Option<Arc<Model>>,
    /// Webhook endpoints, whole (None: removed).
    pub(super) webhooks: HashMap<u64, Option<Endpoint>>,
    /// Distribution outbox entries, whole, by (campaign, customer key).
    pub(super) outbox: HashMap<(u64, Key), OutboxEntry>,
    /// Entries new to the outbox (for its bound).
    pub(super) outbox_added: u64,
    /// Pending holds' order lines by product, whole.
    pub(super) hold_products: HashMap<u64, Vec<(String, i64)>>,
}

impl Overlay {
    /// Takes a newer overlay's entries over this one's.
    fn merge(&mut self, newer: Overlay) {
        // Named one by one: a map added to `Overlay` must be merged here too.
        let Overlay {
            defs,
            codes,
            counters,
            customers,
            velocity,
            seen,
            code_rates,
            period_uses,
            orders,
            order_sets,
            redemptions,
            campaigns,
            campaign_counters,
            generated,
            personal,
            reversals,
            model,
            webhooks,
            outbox,
            outbox_added,
            hold_products,
        } = newer;
        self.defs.extend(defs);
        self.codes.extend(codes);
        self.counters.extend(counters);
        self.customers.extend(customers);
        self.velocity.extend(velocity);
        self.seen.extend(seen);
        self.code_rates.extend(code_rates);
        self.period_uses.extend(period_uses);
        self.orders.extend(orders);
        self.order_sets.extend(order_sets);
        self.redemptions.extend(redemptions);
        self.campaigns.extend(campaigns);
        self.campaign_counters.extend(campaign_counters);
        self.generated.extend(generated);
        self.personal.extend(personal);
        self.reversals.extend(reversals);
        self.webhooks.extend(webhooks);
        self.outbox.extend(outbox);
        self.outbox_added += outbox_added;
        self.hold_products.extend(hold_products);
        if model.is_some() {
            self.model = model;
        }
    }
}

/// The decider's running positions: where the next batch starts.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    pub next_lsn: u64,
    pub next_coupon_id: u64,
    pub next_redemption_id: u64,
    pub next_campaign_id: u64,
    pub next_reversal_id: u64,
}

impl Cursor {
    /// Right after the committed state.
    pub fn from_state(state: &State) -> Cursor {
        Cursor {
            next_lsn: state.applied_lsn() + 1,
            next_coupon_id: state.next_coupon_id(),
            next_redemption_id: state.next_redemption_id(),
            next_campaign_id: state.next_campaign_id(),
            next_reversal_id: state.next_reversal_id(),
        }
    }

    /// Moves the next ids past those an effect uses, as `State::apply` does:
    /// a new thing takes the next id by being recorded, so an id is taken
    /// exactly when an effect uses it.
    pub(super) fn follow(&mut self, effect: &Effect) {
        let past = |next: &mut u64, id: u64| *next = (*next).max(id + 1);
        match effect {
            Effect::CouponPut(def) => past(&mut self.next_coupon_id, def.id),
            Effect::CodesGenerated { codes, .. } => {
                for (id, _) in codes {
                    past(&mut self.next_coupon_id, *id);
                }
            }
            Effect::CodesAssigned { codes, .. } => {
                for (id, _, _) in codes {
                    past(&mut self.next_coupon_id, *id);
                }
            }
            Effect::Redemption(r) => past(&mut self.next_redemption_id, r.id),
            Effect::Reversal(r) => past(&mut self.next_reversal_id, r.id),
            Effect::CampaignPut(def) => past(&mut self.next_campaign_id, def.id),
            Effect::CouponDeleted { .. }
            | Effect::Counters { .. }
            | Effect::CustomerUses { .. }
            | Effect::Velocity { .. }
            | Effect::Seen { .. }
            | Effect::CodeRate { .. }
            | Effect::CampaignDeleted { .. }
            | Effect::CampaignCounters { .. }
            | Effect::Model(_)
            | Effect::OrderCodes { .. }
            | Effect::OrderSet { .. }
            | Effect::PeriodUses { .. }
            | Effect::HoldConfirmed { .. }
            | Effect::KeySecret(_)
            | Effect::Usage(_)
            | Effect::Views(_)
            // An endpoint's id is its record's LSN: no counter to move.
            | Effect::WebhookPut(_)
            | Effect::WebhookRemoved { .. }
            | Effect::WebhookProgress { .. } => {}
            | Effect::Outbox { .. } | Effect::HoldProducts { .. } => {}
        }
    }
}

pub struct Batch<'a> {
    pub(super) state: &'a State,
    earlier: &'a VecDeque<(u64, Overlay)>,
    /// The store, and a read view of it opened the first time a decision
    /// needs a row: most batches (redeems) never do, and opening one commits
    /// the rows written behind (`Store::read`).
    store: &'a Store,
    view: std::cell::OnceCell<ReadView>,
    overlay: Overlay,
    /// This batch's sealed records, encoded, and as they are.
    records: Vec<Bytes>,
    decided: Vec<LogRecord>,
    /// Bytes of the records so far.
    records_len: usize,
    term: u64,
    pub(super) cursor: Cursor,
    pub now: i64,
    /// Whether its decisions record analytics (`WriterConfig::analytics`).
    pub analytics: bool,
}

/// A decided batch, ready to propose.
pub struct Decided {
    pub overlay: Overlay,
    pub records: Vec<Bytes>,
    pub decided: Vec<LogRecord>,
    pub cursor: Cursor,
}

impl<'a> Batch<'a> {
    pub fn new(
        state: &'a State,
        earlier: &'a VecDeque<(u64, Overlay)>,
        store: &'a Store,
        term: u64,
        cursor: Cursor,
        now: i64,
    ) -> Self {
        Batch {
            state,
            earlier,
            store,
            view: std::cell::OnceCell::new(),
            overlay: Overlay::default(),
            records: Vec::new(),
            decided: Vec::new(),
            records_len: 0,
            term,
            cursor,
            now,
            analytics: true,
        }
    }

    /// The newest overlay that has an answer: this batch's, then earlier ones.
    pub(super) fn newest<T>(&self, f: impl Fn(&Overlay) -> Option<T>) -> Option<T> {
        f(&self.overlay).or_else(|| self.earlier.iter().rev().find_map(|(_, o)| f(o)))
    }

    /// Every overlay, oldest first: earlier batches', then this one's.
    pub(super) fn overlays(&self) -> impl Iterator<Item = &Overlay> {
        self.earlier
            .iter()
            .map(|(_, o)| o)
            .chain(std::iter::once(&self.overlay))
    }

    /// Applies a decided plan: the one way a batch changes. Its overlay is
    /// taken over this batch's, and its effects (if any) become one log
    /// record under the next LSN. Returns the plan's reply.
    pub fn apply(&mut self, plan: Plan) -> crate::error::Result<Response> {
        let Plan {
            overlay,
            effects,
            reply,
        } = plan;
        self.overlay.merge(overlay);
        if effects.is_empty() {
            return reply;
        }
        for effect in &effects {
            self.cursor.follow(effect);
        }
        let record = LogRecord {
            term: self.term,
            lsn: self.cursor.next_lsn,
            timestamp: self.now,
            effects,
        };
        let encoded = Bytes::from(record.encode());
        self.records_len += encoded.len();
        self.cursor.next_lsn += 1;
        self.records.push(encoded);
        self.decided.push(record);
        reply
    }

    /// The store as of the first call in this batch (it sees the rows of
    /// every proposal applied before that, and the overlays hold the rest).
    pub(super) fn view(&self) -> crate::storage::Result<&ReadView> {
        if let Some(view) = self.view.get() {
            return Ok(view);
        }
        let view = self.store.read()?;
        Ok(self.view.get_or_init(|| view))
    }

    /// Bytes of the records so far (the proposal must fit a frame).
    pub fn records_len(&self) -> usize {
        self.records_len
    }

    pub fn finish(self) -> Decided {
        Decided {
            overlay: self.overlay,
            records: self.records,
            decided: self.decided,
            cursor: self.cursor,
        }
    }
}
