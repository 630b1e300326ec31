//! How one code is judged on an order, the same for a single REDEEM or
//! RESERVE (through the decider's draft), VALIDATE (from the committed
//! state) and each code of a multi-code order (either way): every check
//! `rules::campaign::evaluate` makes, the limits per period, the
//! per-identifier limits and the fraud verdict. What to record for an
//! accepted use is the caller's.

use std::sync::Arc;

use couponsd_client::wire::{Order, SecurityAssessment};

use super::plan::Draft;
use super::{observe, period_uses, Shopper};
use crate::domain::campaign::{CampaignCounters, SharedCampaign};
use crate::domain::coupon::{Counters, SharedDef};
use crate::error::{Error, Refusal};
use crate::rules;
use crate::rules::campaign::CampaignOf;
use crate::rules::discount::Discount;
use crate::rules::fraud::detectors::{CodeRate, SeenKind};
use crate::rules::fraud::score::Model;
use crate::rules::fraud::{assess, detectors, identifiers, person, velocity};
use crate::rules::period::{PeriodCount, PeriodKind};
use crate::state::keys::Key;
use crate::state::{SeenSet, State};

/// What a judgement reads: the decider's draft, or the committed state at a
/// moment (`Committed`).
pub trait Reads {
    /// The coupon a (normalized) code names, or the error an unknown code gets.
    fn coupon(&self, code: &str) -> Result<SharedDef, Error>;
    /// See `State::unknown_code`.
    fn unknown_code(&self, code: &str) -> Error;
    fn now(&self) -> i64;
    fn key(&self, id: &str) -> Key;
    fn counters(&self, coupon_id: u64) -> Counters;
    fn customer_uses(&self, coupon_id: u64, key: Key) -> u64;
    fn velocity(&self, coupon_id: u64, key: Key) -> Vec<i64>;
    fn seen(&self, kind: SeenKind, key: Key) -> SeenSet;
    fn code_rate(&self, coupon_id: u64) -> CodeRate;
    fn period_uses(&self, coupon_id: u64, who: Key, kind: PeriodKind) -> Option<PeriodCount>;
    fn campaign(&self, id: u64) -> Option<SharedCampaign>;
    fn campaign_counters(&self, id: u64) -> CampaignCounters;
    fn model(&self) -> Arc<Model>;
}

/// The committed state as of `now` (the cluster's time), for reads.
pub struct Committed<'s> {
    pub state: &'s State,
    pub now: i64,
}

impl Reads for Committed<'_> {
    fn coupon(&self, code: &str) -> Result<SharedDef, Error> {
        match self.state.coupon_by_code(code) {
            Some((def, _)) => Ok(def),
            None => Err(self.state.unknown_code(code)),
        }
    }
    fn unknown_code(&self, code: &str) -> Error {
        self.state.unknown_code(code)
    }
    fn now(&self) -> i64 {
        self.now
    }
    fn key(&self, id: &str) -> Key {
        self.state.key(id)
    }
    fn counters(&self, coupon_id: u64) -> Counters {
        self.state.counters(coupon_id)
    }
    fn customer_uses(&self, coupon_id: u64, key: Key) -> u64 {
        self.state.customer_uses(coupon_id, key)
    }
    fn velocity(&self, coupon_id: u64, key: Key) -> Vec<i64> {
        self.state.velocity(coupon_id, key)
    }
    fn seen(&self, kind: SeenKind, key: Key) -> SeenSet {
        self.state.seen(kind, key)
    }
    fn code_rate(&self, coupon_id: u64) -> CodeRate {
        self.state.code_rate(coupon_id)
    }
    fn period_uses(&self, coupon_id: u64, who: Key, kind: PeriodKind) -> Option<PeriodCount> {
        self.state.period_uses(coupon_id, who, kind)
    }
    fn campaign(&self, id: u64) -> Option<SharedCampaign> {
        self.state.campaign(id)
    }
    fn campaign_counters(&self, id: u64) -> CampaignCounters {
        self.state.campaign_counters(id)
    }
    fn model(&self) -> Arc<Model> {
        self.state.model()
    }
}

impl Reads for Draft<'_, '_> {
    fn coupon(&self, code: &str) -> Result<SharedDef, Error> {
        let Some(id) = self.coupon_id(code) else {
            return Err(Draft::unknown_code(self, code));
        };
        self.def(id).ok_or(Error::NotFound("coupon"))
    }
    fn unknown_code(&self, code: &str) -> Error {
        Draft::unknown_code(self, code)
    }
    fn now(&self) -> i64 {
        Draft::now(self)
    }
    fn key(&self, id: &str) -> Key {
        Draft::key(self, id)
    }
    fn counters(&self, coupon_id: u64) -> Counters {
        Draft::counters(self, coupon_id)
    }
    fn customer_uses(&self, coupon_id: u64, key: Key) -> u64 {
        Draft::customer_uses(self, coupon_id, key)
    }
    fn velocity(&self, coupon_id: u64, key: Key) -> Vec<i64> {
        Draft::velocity(self, coupon_id, key)
    }
    fn seen(&self, kind: SeenKind, key: Key) -> SeenSet {
        Draft::seen(self, kind, key)
    }
    fn code_rate(&self, coupon_id: u64) -> CodeRate {
        Draft::code_rate(self, coupon_id)
    }
    fn period_uses(&self, coupon_id: u64, who: Key, kind: PeriodKind) -> Option<PeriodCount> {
        Draft::period_uses(self, coupon_id, who, kind)
    }
    fn campaign(&self, id: u64) -> Option<SharedCampaign> {
        Draft::campaign(self, id)
    }
    fn campaign_counters(&self, id: u64) -> CampaignCounters {
        Draft::campaign_counters(self, id)
    }
    fn model(&self) -> Arc<Model> {
        Draft::model(self)
    }
}

/// One code judged on one order, with what an accepted use then counts.
pub struct Judged {
    pub def: SharedDef,
    /// The coupon's counters the judgement read.
    pub counters: Counters,
    /// The person's uses of the coupon (`person::counted`).
    pub customer_uses: u64,
    /// The person's alias keys, each counted with an accepted use.
    pub aliases: Vec<(u8, Key)>,
    /// The order's velocity windows, as they were.
    pub windows: Vec<velocity::Tracked<Key>>,
    /// The seen sets the order touches (`observe::observations`), which an
    /// accepted use records.
    pub observed: Vec<observe::Observation<Key>>,
    /// The identifiers the coupon limits, with their keys and limits.
    pub limited: Vec<identifiers::Limited<Key>>,
    pub assessment: SecurityAssessment,
    pub outcome: Result<Discount, Refusal>,
}

/// Judges the coupon `def` on `order` as `reads` sees the state.
pub fn judge(reads: &impl Reads, def: SharedDef, order: &Order, shopper: Shopper) -> Judged {
    let coupon_id = def.id;
    let spec = &def.spec;
    let ids = identifiers::of_order(order);
    let (customer_uses, aliases) = person::counted(
        spec,
        order,
        &ids,
        |id| reads.key(id),
        |key| reads.customer_uses(coupon_id, key),
    );
    // Built once per order: its velocity windows and its observations are
    // keyed from the same strings.
    let identities = velocity::identities(order);
    let windows = velocity::tracked(
        &identities,
        |id| reads.key(id),
        |key| reads.velocity(coupon_id, key),
    );
    let observed = observe::observations(&identities, order, |id| reads.key(id));
    let campaign = spec.campaign_id.map(|id| reads.campaign(id));
    let campaign_of = CampaignOf::of(&campaign, |id| reads.campaign_counters(id));
    let now = reads.now();
    let recent = velocity::recent_each(&windows, now);
    let limited = identifiers::limited(spec, &ids, |key| reads.key(key));
    let inputs = observe::gather_inputs(
        assess::order_inputs(spec, order, &recent, shopper.unknown_codes),
        |kind, key| reads.seen(kind, key),
        reads.code_rate(coupon_id),
        &observed,
        now,
    );
    let assessment = assess::assess(&reads.model(), &detectors::signals(&inputs), spec);
    let counters = reads.counters(coupon_id);
    let outcome = rules::campaign::evaluate(
        spec,
        counters,
        customer_uses,
        &recent,
        order,
        now,
        campaign_of,
    )
    .and_then(|discount| {
        period_uses::check(
            spec,
            order,
            now,
            |id| reads.key(id),
            |who, kind| reads.period_uses(coupon_id, who, kind),
        )?;
        let counter = |key| reads.customer_uses(coupon_id, key);
        identifiers::check(&limited, counter, discount.discount_amount)?;
        assess::verdict(spec, &assessment)?;
        Ok(discount)
    });
    Judged {
        def,
        counters,
        customer_uses,
        aliases,
        windows,
        observed,
        limited,
        assessment,
        outcome,
    }
}
