//! One batch as the decider sees it: the applied state, the batches proposed
//! but not yet applied (their overlays, newest last), and this batch's own
//! changes so far. Every change goes through `Batch`, which updates this
//! batch's overlay and collects the effect for the mutation's log record.
//! Nothing reaches the shared state until the batch is committed by the
//! cluster and applied (`apply`).

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;
use couponsd_client::wire::{Redemption, Reversal};

use crate::domain::campaign::{CampaignCounters, CampaignDef, GeneratedCode, SharedCampaign};
use crate::domain::coupon::{Counters, CouponDef, SharedDef};
use crate::state::keys::Key;
use crate::state::{Effect, LogRecord, State};
use crate::storage::{self, ReadView};

/// What one batch changed, as seen by the batches decided after it.
#[derive(Default)]
pub struct Overlay {
    defs: HashMap<u64, Option<SharedDef>>,
    codes: HashMap<String, Option<u64>>,
    counters: HashMap<u64, Counters>,
    customers: HashMap<(u64, Key), u64>,
    orders: HashMap<(u64, Key), u64>,
    redemptions: HashMap<u64, Redemption>,
    /// None: deleted.
    campaigns: HashMap<u64, Option<SharedCampaign>>,
    campaign_counters: HashMap<u64, CampaignCounters>,
    /// Generated codes by coupon id.
    generated: HashMap<u64, GeneratedCode>,
    /// Each redemption's reversals, whole.
    reversals: HashMap<u64, Vec<Reversal>>,
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
}

pub struct Batch<'a> {
    state: &'a State,
    earlier: &'a VecDeque<(u64, Overlay)>,
    view: &'a ReadView,
    overlay: Overlay,
    /// Effects of the mutation in progress.
    effects: Vec<Effect>,
    /// This batch's sealed records, encoded, and as they are.
    records: Vec<Bytes>,
    decided: Vec<LogRecord>,
    /// Bytes of the records so far.
    records_len: usize,
    term: u64,
    cursor: Cursor,
    pub now: i64,
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
        view: &'a ReadView,
        term: u64,
        cursor: Cursor,
        now: i64,
    ) -> Self {
        Batch {
            state,
            earlier,
            view,
            overlay: Overlay::default(),
            effects: Vec::new(),
            records: Vec::new(),
            decided: Vec::new(),
            records_len: 0,
            term,
            cursor,
            now,
        }
    }

    /// The newest overlay that has an answer: this batch's, then earlier ones.
    fn newest<T>(&self, f: impl Fn(&Overlay) -> Option<T>) -> Option<T> {
        f(&self.overlay).or_else(|| self.earlier.iter().rev().find_map(|(_, o)| f(o)))
    }

    // Reads: uncommitted changes first (newest first), then the committed state.

    pub fn key(&self, id: &str) -> Key {
        self.state.key(id)
    }

    /// See `State::unknown_code`.
    pub fn unknown_code(&self, code: &str) -> crate::error::Error {
        self.state.unknown_code(code)
    }

    pub fn coupon_id(&self, code: &str) -> Option<u64> {
        match self.newest(|o| o.codes.get(code).copied()) {
            Some(id) => id,
            None => self.state.coupon_id(code),
        }
    }

    /// The campaign of a generated code (None: not a generated code).
    pub fn generated_by(&self, id: u64) -> Option<u64> {
        self.newest(|o| o.generated.get(&id).map(|g| g.campaign_id))
            .or_else(|| self.state.generated_code(id).map(|g| g.campaign_id))
    }

    pub fn def(&self, id: u64) -> Option<SharedDef> {
        if let Some(def) = self.newest(|o| o.defs.get(&id).cloned()) {
            return def;
        }
        // A generated code's coupon follows its campaign, as this batch sees it.
        let generated = self
            .newest(|o| o.generated.get(&id).cloned())
            .or_else(|| self.state.generated_code(id));
        match generated {
            Some(g) => {
                let campaign = self.campaign(g.campaign_id)?;
                Some(SharedDef::new(campaign.coupon(id, &g.code, g.issued_at)))
            }
            None => self.state.coupon(id).map(|(def, _)| def),
        }
    }

    /// A redemption's reversals, oldest first.
    pub fn reversals(&self, redemption_id: u64) -> Vec<Reversal> {
        self.newest(|o| o.reversals.get(&redemption_id).cloned())
            .unwrap_or_else(|| self.state.reversals(redemption_id))
    }

    pub fn campaign(&self, id: u64) -> Option<SharedCampaign> {
        match self.newest(|o| o.campaigns.get(&id).cloned()) {
            Some(found) => found,
            None => self.state.campaign(id),
        }
    }

    /// Whether a coupon's campaign (None: it has none) lets it redeem now.
    pub fn campaign_running(&self, campaign_id: Option<u64>) -> bool {
        campaign_id.is_none_or(|id| self.campaign(id).is_some_and(|c| c.running(self.now)))
    }

    /// Every campaign, with this batch's and earlier batches' changes.
    pub fn campaigns(&self) -> Vec<SharedCampaign> {
        let mut all: HashMap<u64, Option<SharedCampaign>> = self
            .state
            .all_campaigns()
            .into_iter()
            .map(|c| (c.id, Some(c)))
            .collect();
        for overlay in self.earlier.iter().map(|(_, o)| o).chain([&self.overlay]) {
            all.extend(overlay.campaigns.iter().map(|(id, c)| (*id, c.clone())));
        }
        all.into_values().flatten().collect()
    }

    pub fn campaign_counters(&self, id: u64) -> CampaignCounters {
        self.newest(|o| o.campaign_counters.get(&id).copied())
            .unwrap_or_else(|| self.state.campaign_counters(id))
    }

    pub fn counters(&self, id: u64) -> Counters {
        self.newest(|o| o.counters.get(&id).copied())
            .unwrap_or_else(|| self.state.counters(id))
    }

    pub fn customer_uses(&self, coupon_id: u64, customer: Key) -> u64 {
        self.newest(|o| o.customers.get(&(coupon_id, customer)).copied())
            .unwrap_or_else(|| self.state.customer_uses(coupon_id, customer))
    }

    pub fn order(&self, coupon_id: u64, order: Key) -> Option<u64> {
        self.newest(|o| o.orders.get(&(coupon_id, order)).copied())
            .or_else(|| self.state.order(coupon_id, order))
    }

    pub fn redemption(&self, id: u64) -> storage::Result<Option<Redemption>> {
        match self.newest(|o| o.redemptions.get(&id).cloned()) {
            Some(r) => Ok(Some(r)),
            None => self.view.redemption(id),
        }
    }

    /// Holds past their TTL as of the committed state (callers re-check status).
    pub fn due_holds(&self, limit: usize) -> Vec<(i64, u64)> {
        self.state.due_holds(self.now, limit)
    }

    // Ids.

    pub fn allocate_coupon_id(&mut self) -> u64 {
        let id = self.cursor.next_coupon_id;
        self.cursor.next_coupon_id += 1;
        id
    }

    pub fn allocate_reversal_id(&mut self) -> u64 {
        let id = self.cursor.next_reversal_id;
        self.cursor.next_reversal_id += 1;
        id
    }

    pub fn allocate_campaign_id(&mut self) -> u64 {
        let id = self.cursor.next_campaign_id;
        self.cursor.next_campaign_id += 1;
        id
    }

    pub fn allocate_redemption_id(&mut self) -> u64 {
        let id = self.cursor.next_redemption_id;
        self.cursor.next_redemption_id += 1;
        id
    }

    // Changes.

    pub fn put_def(&mut self, def: CouponDef) {
        if let Some(old) = self.def(def.id) {
            if old.spec.code != def.spec.code {
                self.overlay.codes.insert(old.spec.code.clone(), None);
            }
        }
        self.overlay
            .codes
            .insert(def.spec.code.clone(), Some(def.id));
        let shared = SharedDef::new(def);
        self.overlay.defs.insert(shared.id, Some(shared.clone()));
        self.effects.push(Effect::CouponPut((*shared).clone()));
    }

    pub fn delete_def(&mut self, id: u64) {
        if let Some(old) = self.def(id) {
            self.overlay.codes.insert(old.spec.code.clone(), None);
        }
        self.overlay.defs.insert(id, None);
        self.overlay.counters.insert(id, Counters::default());
        // Its redemptions stay listed (REDEMPTION_LIST).
        self.effects.push(Effect::CouponDeleted {
            id,
            drops_redemption_list: false,
        });
    }

    pub fn set_counters(&mut self, coupon_id: u64, counters: Counters) {
        self.overlay.counters.insert(coupon_id, counters);
        self.effects.push(Effect::Counters {
            coupon_id,
            counters,
        });
    }

    pub fn set_customer_uses(&mut self, coupon_id: u64, customer: Key, uses: u64) {
        self.overlay.customers.insert((coupon_id, customer), uses);
        self.effects.push(Effect::CustomerUses {
            coupon_id,
            customer,
            uses,
        });
    }

    pub fn put_redemption(&mut self, r: Redemption) {
        let order = self.key(&r.order_id);
        self.overlay.orders.insert((r.coupon_id, order), r.id);
        self.overlay.redemptions.insert(r.id, r.clone());
        self.effects.push(Effect::Redemption(r));
    }

    pub fn add_reversal(&mut self, r: Reversal) {
        let mut list = self.reversals(r.redemption_id);
        list.push(r.clone());
        self.overlay.reversals.insert(r.redemption_id, list);
        self.effects.push(Effect::Reversal(r));
    }

    pub fn put_campaign(&mut self, def: CampaignDef) {
        let shared = SharedCampaign::new(def);
        self.overlay
            .campaigns
            .insert(shared.id, Some(shared.clone()));
        self.effects
            .push(Effect::CampaignPut(Box::new((*shared).clone())));
    }

    pub fn delete_campaign(&mut self, id: u64) {
        self.overlay.campaigns.insert(id, None);
        self.effects.push(Effect::CampaignDeleted { id });
    }

    pub fn set_campaign_counters(&mut self, campaign_id: u64, counters: CampaignCounters) {
        self.overlay.campaign_counters.insert(campaign_id, counters);
        self.effects.push(Effect::CampaignCounters {
            campaign_id,
            counters,
        });
    }

    /// New generated codes of a campaign, generated now: (coupon id, code).
    pub fn add_codes(&mut self, campaign_id: u64, codes: Vec<(u64, String)>) {
        let issued_at = self.now;
        for (id, code) in &codes {
            self.overlay.codes.insert(code.clone(), Some(*id));
            let generated = GeneratedCode {
                campaign_id,
                code: code.as_str().into(),
                issued_at,
            };
            self.overlay.generated.insert(*id, generated);
        }
        self.effects.push(Effect::CodesGenerated {
            campaign_id,
            issued_at,
            codes,
        });
    }

    /// Chooses the key secret of customer and order ids (the first leader
    /// of a new cluster, once).
    pub fn set_key_secret(&mut self, secret: [u8; 16]) {
        self.effects.push(Effect::KeySecret(secret));
    }

    /// True when the mutation in progress changed something not yet sealed.
    pub fn has_unsealed(&self) -> bool {
        !self.effects.is_empty()
    }

    /// Bytes of the records sealed so far (the proposal must fit a frame).
    pub fn records_len(&self) -> usize {
        self.records_len
    }

    /// Ends the mutation in progress: its effects become one log record under
    /// the next LSN.
    pub fn seal(&mut self) {
        if self.effects.is_empty() {
            return;
        }
        let record = LogRecord {
            term: self.term,
            lsn: self.cursor.next_lsn,
            timestamp: self.now,
            effects: std::mem::take(&mut self.effects),
        };
        let encoded = Bytes::from(record.encode());
        self.records_len += encoded.len();
        self.cursor.next_lsn += 1;
        self.records.push(encoded);
        self.decided.push(record);
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
