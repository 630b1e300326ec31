//! What each mutation decides. A decision reads the batch (`&Batch`: it
//! cannot change it) through a `Draft`, records there the effects that
//! should follow, and returns them as a `Plan`, or a refusal, which carries
//! no changes at all. `writer::execute` applies the plan. Housekeeping valid
//! on its own is decided separately, before the request is judged: a hold
//! the request names, found past its TTL, is expired as its own record
//! (`expire_named_hold`). The outer `Result` is a storage failure (the
//! batch is abandoned); the inner one is this request's plan or refusal.

use couponsd_client::money;
use couponsd_client::wire::{
    AdminStatus, CouponSpec, CouponStatus, Identifier, Order, RedeemRequest, Redemption,
    RedemptionRef, RedemptionReply, RedemptionStatus, ReserveRequest, Response, Reversal,
    ReversalPolicy, SecurityAssessment,
};

use super::batch::Batch;
use super::judge::{judge, Judged};
use super::plan::{Draft, Plan};
use super::{
    campaign_ops, fraud_ops, observe, order_set_ops, period_uses, triggers, usage, webhook_ops,
    Mutation, Shopper, WriterConfig,
};
use crate::domain::campaign::FinalStatus;
use crate::domain::coupon::{Counters, CouponDef, SharedDef};
use crate::domain::limits;
use crate::error::{Error, Refusal, Result};
use crate::rules;
use crate::rules::fraud::{assess, identifiers, person, velocity};
use crate::state::keys::Key;
use crate::state::Effect;
use crate::storage;

/// A plan, or a refusal (which changes nothing); Err: the store failed.
pub type Decision = storage::Result<Result<Plan>>;

/// Decides a mutation against the batch as it stands, changing nothing.
pub fn decide(batch: &Batch, mutation: &Mutation, config: &WriterConfig) -> Decision {
    let d = Draft::new(batch);
    match mutation {
        Mutation::CreateCoupon { spec, created_by } => create_coupon(d, spec, created_by),
        Mutation::UpdateCoupon {
            id,
            expected_revision,
            spec,
        } => update_coupon(d, *id, *expected_revision, spec),
        Mutation::DeleteCoupon { id } => delete_coupon(d, *id),
        Mutation::Redeem { request, shopper } => redeem(d, request, *shopper),
        Mutation::Reserve { request, shopper } => reserve(d, request, *shopper, config),
        Mutation::OrderRedeem { request, shopper } => {
            super::order_ops::redeem(d, request, *shopper, config)
        }
        Mutation::OrderReserve { request, shopper } => {
            super::order_ops::reserve(d, request, *shopper, config)
        }
        Mutation::OrderConfirm {
            order_id,
            transaction_id,
        } => order_set_ops::confirm(d, order_id, transaction_id),
        Mutation::OrderRelease { order_id } => order_set_ops::release(d, order_id),
        Mutation::OrderReverse { order_id, reason } => order_set_ops::reverse(d, order_id, reason),
        Mutation::Confirm(r) => confirm(d, r),
        Mutation::Release(r) => release(d, r),
        Mutation::Reverse {
            redemption,
            reason,
            refund_amount,
            refund_id,
        } => reverse(d, redemption, reason, *refund_amount, refund_id),
        Mutation::ExpireHolds => expire_holds(d),
        Mutation::ExpireWindows { first_part } => super::sweep::expire_windows(d, *first_part),
        Mutation::CountViews(views) => usage::count_views(d, views),
        Mutation::CreateCampaign { spec, created_by } => campaign_ops::create(d, spec, created_by),
        Mutation::UpdateCampaign {
            id,
            expected_revision,
            spec,
        } => campaign_ops::update(d, *id, *expected_revision, spec),
        Mutation::SetCampaignStatus { id, status } => campaign_ops::set_status(d, *id, *status),
        Mutation::GenerateCodes {
            id,
            count,
            expected_revision,
        } => campaign_ops::generate(d, *id, *count, *expected_revision),
        Mutation::DeleteCampaign { id } => campaign_ops::delete(d, *id),
        Mutation::AddCodes { campaign_id, codes } => {
            campaign_ops::add_codes(d, *campaign_id, codes)
        }
        Mutation::AssignCodes {
            campaign_id,
            customer_ids,
        } => super::assign_ops::assign(d, *campaign_id, customer_ids),
        Mutation::Distribute {
            campaign_id,
            recipients,
        } => super::distribute_ops::distribute(d, *campaign_id, recipients),
        Mutation::DistributionOutcomes {
            campaign_id,
            outcomes,
        } => super::distribute_ops::outcomes(d, *campaign_id, outcomes),
        Mutation::DistributionReport {
            campaign_id,
            customer_id,
            reason,
        } => super::distribute_ops::report(d, *campaign_id, customer_id, reason),
        Mutation::FraudOutcome {
            redemption_id,
            label,
        } => fraud_ops::outcome(d, *redemption_id, *label),
        Mutation::AddWebhook { add, secret } => webhook_ops::add(d, add, secret),
        Mutation::RemoveWebhook { id } => webhook_ops::remove(d, *id),
        Mutation::EnableWebhook { id } => webhook_ops::enable(d, *id),
        Mutation::DisableWebhook { id, reason } => webhook_ops::disable(d, *id, reason),
        Mutation::WebhookProgress { id, progress } => webhook_ops::progress(d, *id, progress),
    }
}

/// Housekeeping before `decide`, valid on its own: if the mutation names a
/// hold that is past its TTL, the plan that expires it (its own record,
/// which stands whatever `decide` then answers; its reply is no one's).
pub fn expire_named_hold(
    batch: &Batch,
    mutation: &Mutation,
    config: &WriterConfig,
) -> storage::Result<Option<Plan>> {
    let named = match mutation {
        Mutation::Redeem { request: r, .. } => by_order(&r.code, &r.order_id),
        // A request refused for its TTL is judged before anything is looked up.
        Mutation::Reserve { request: r, .. } if allowed_ttl(r.ttl_ms, config).is_ok() => {
            by_order(&r.code, &r.order_id)
        }
        Mutation::Confirm(r) | Mutation::Release(r) => r.clone(),
        _ => return Ok(None),
    };
    let mut d = Draft::new(batch);
    let Some(found) = find(&d, &named)? else {
        return Ok(None);
    };
    if !is_due(&found, d.now()) {
        return Ok(None);
    }
    let expired = expire_one(&mut d, found);
    let reply = reply(&d, expired, false);
    Ok(Some(d.into_plan(reply)))
}

fn coupon_reply(d: &Draft, def: &CouponDef) -> Response {
    let running = d.campaign_running(def.spec.campaign_id);
    Response::Coupon(Box::new(def.to_wire(d.counters(def.id), d.now(), running)))
}

fn create_coupon(mut d: Draft, spec: &CouponSpec, created_by: &str) -> Decision {
    if d.coupon_id(&spec.code).is_some() {
        return Ok(Err(Error::AlreadyExists(spec.code.clone())));
    }
    if let Err(e) = check_campaign_link(&d, spec, None) {
        return Ok(Err(e));
    }
    let def = CouponDef {
        id: d.next_coupon_id(),
        revision: 1,
        spec: spec.clone(),
        created_at: d.now(),
        updated_at: d.now(),
        created_by: created_by.into(),
    };
    let reply = coupon_reply(&d, &def);
    d.record(Effect::CouponPut(def));
    Ok(Ok(d.into_plan(reply)))
}

fn update_coupon(mut d: Draft, id: u64, expected_revision: u64, spec: &CouponSpec) -> Decision {
    let Some(current) = d.def(id) else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    if let Err(e) = check_revision("coupon", id, expected_revision, current.revision) {
        return Ok(Err(e));
    }
    if let Err(e) = not_generated(&d, id, "changed") {
        return Ok(Err(e));
    }
    if spec.code != current.spec.code && d.coupon_id(&spec.code).is_some() {
        return Ok(Err(Error::AlreadyExists(spec.code.clone())));
    }
    if let Err(e) = check_campaign_link(&d, spec, Some(&current.spec)) {
        return Ok(Err(e));
    }
    if let Err(e) = status_change(current.spec.status, spec, d.counters(id), d.now()) {
        return Ok(Err(e));
    }
    let def = CouponDef {
        revision: current.revision + 1,
        spec: spec.clone(),
        updated_at: d.now(),
        ..(*current).clone()
    };
    let reply = coupon_reply(&d, &def);
    d.record(Effect::CouponPut(def));
    Ok(Ok(d.into_plan(reply)))
}

/// A generated code is its campaign's template under its own code: it is
/// changed, stopped or ended through the campaign, never on its own.
fn not_generated(d: &Draft, id: u64, verb: &str) -> Result<()> {
    match d.generated_by(id) {
        Some(campaign_id) => Err(Error::InvalidState(format!(
            "coupon {id} is a code of campaign {campaign_id} and cannot be {verb} on its own; \
             update, pause or cancel the campaign"
        ))),
        None => Ok(()),
    }
}

/// A coupon may join an existing campaign when it is created (then its
/// redemptions count against the campaign's budget), and never move to
/// another: reversals give back to the campaign the coupon names, so it must
/// be the one its redemptions took from. Its currency is the campaign's (the
/// template's, which never changes), so a budget adds up one currency.
fn check_campaign_link(d: &Draft, spec: &CouponSpec, current: Option<&CouponSpec>) -> Result<()> {
    if let Some(current) = current {
        if spec.campaign_id != current.campaign_id {
            return Err(Error::invalid(
                "campaign_id",
                "cannot change once the coupon exists",
            ));
        }
    }
    let Some(campaign_id) = spec.campaign_id else {
        return Ok(());
    };
    let campaign = match (d.campaign(campaign_id), current) {
        (Some(campaign), _) => campaign,
        // Its campaign was deleted: the coupon stays refused, but may change.
        (None, Some(_)) => return Ok(()),
        (None, None) => return Err(Error::NotFound("campaign")),
    };
    if current.is_none() && campaign.status.is_final() {
        return Err(Error::InvalidState(format!(
            "campaign {campaign_id} is {}",
            campaign.status.name()
        )));
    }
    let currency = &campaign.spec.template.currency;
    if !currency.is_empty() && spec.currency != *currency {
        return Err(Error::invalid(
            "currency",
            format!("campaign {campaign_id} is in {currency}"),
        ));
    }
    Ok(())
}

/// Optimistic concurrency: a change made against `expected` (0: any
/// revision) is refused with CONFLICT once someone else changed the thing.
pub(super) fn check_revision(what: &str, id: u64, expected: u64, current: u64) -> Result<()> {
    if expected != 0 && expected != current {
        return Err(Error::Conflict(format!(
            "{what} {id} is at revision {current}, not {expected}"
        )));
    }
    Ok(())
}

/// ACTIVE, INACTIVE and SUSPENDED are an admin's to set; EXPIRED and
/// EXHAUSTED follow from the window and the counters. So (re)activating a
/// coupon that would at once be EXPIRED or EXHAUSTED is refused: extend its
/// window or raise its limit in the same update.
fn status_change(from: AdminStatus, to: &CouponSpec, counters: Counters, now: i64) -> Result<()> {
    if to.status != AdminStatus::Active || from == AdminStatus::Active {
        return Ok(());
    }
    match rules::status(to, counters, now) {
        CouponStatus::Expired => Err(Error::InvalidState(
            "the coupon's window has ended; give a later ends_at to activate it".into(),
        )),
        CouponStatus::Exhausted => Err(Error::InvalidState(
            "the coupon's usage limit is used up; raise usage_limit to activate it".into(),
        )),
        _ => Ok(()),
    }
}

fn delete_coupon(mut d: Draft, id: u64) -> Decision {
    let Some(def) = d.def(id) else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    if let Err(e) = not_generated(&d, id, "deleted") {
        return Ok(Err(e));
    }
    if let Some(campaign_id) = def.spec.campaign_id.filter(|&c| d.campaign(c).is_some()) {
        // Its redemptions' reversals give back to the campaign's budget
        // through the coupon; it stays, and INACTIVE stops it.
        return Ok(Err(Error::InvalidState(format!(
            "coupon {id} belongs to campaign {campaign_id}; set its status INACTIVE instead"
        ))));
    }
    let held = d.counters(id).reserved_uses;
    if held > 0 {
        return Ok(Err(Error::InvalidState(format!(
            "coupon {id} has {held} pending holds; release them or let them expire first"
        ))));
    }
    // Its redemptions stay listed (REDEMPTION_LIST).
    d.record(Effect::CouponDeleted {
        id,
        drops_redemption_list: false,
    });
    Ok(Ok(d.into_plan(Response::Deleted)))
}

/// The redemption a reference names, if any.
pub(super) fn find(d: &Draft, r: &RedemptionRef) -> storage::Result<Option<Redemption>> {
    let id = match r {
        RedemptionRef::Id(id) => Some(*id),
        RedemptionRef::Order { code, order_id } => d
            .coupon_id(code)
            .and_then(|coupon_id| d.order(coupon_id, d.key(order_id))),
    };
    match id {
        Some(id) => d.redemption(id),
        None => Ok(None),
    }
}

/// A hold past its TTL at `now`.
pub(super) fn is_due(r: &Redemption, now: i64) -> bool {
    r.status == RedemptionStatus::Pending && r.hold_expires_at.is_some_and(|t| t <= now)
}

/// Finds the redemption a request names, which `expire_named_hold` has
/// already expired if it was a hold past its TTL.
fn find_current(d: &Draft, r: &RedemptionRef) -> storage::Result<Option<Redemption>> {
    let found = find(d, r)?;
    debug_assert!(
        found.as_ref().is_none_or(|f| !is_due(f, d.now())),
        "a due hold reached its request's decision unexpired"
    );
    Ok(found)
}

pub(super) fn reply(d: &Draft, redemption: Redemption, replayed: bool) -> Response {
    let remaining_uses = d
        .def(redemption.coupon_id)
        .and_then(|def| rules::remaining_uses(&def.spec, d.counters(redemption.coupon_id)));
    Response::Redemption(RedemptionReply {
        redemption,
        remaining_uses,
        replayed,
    })
}

/// A retry must describe the same order as the first request.
pub(super) fn same_order(existing: &Redemption, order: &Order) -> Result<()> {
    if existing.customer_id != order.customer_id
        || existing.original_amount != order.amount
        || existing.currency != order.currency
    {
        return Err(Error::Conflict(format!(
            "order {} was already used with this coupon for customer {:?}, amount {} {}",
            existing.order_id, existing.customer_id, existing.original_amount, existing.currency
        )));
    }
    Ok(())
}

/// Moves a coupon's counters by deltas. A deleted coupon has none to move.
fn adjust_coupon(d: &mut Draft, coupon_id: u64, captured: i64, held: i64) {
    if d.def(coupon_id).is_none() {
        return;
    }
    let mut counters = d.counters(coupon_id);
    counters.current_usage = counters.current_usage.saturating_add_signed(captured);
    counters.reserved_uses = counters.reserved_uses.saturating_add_signed(held);
    d.record(Effect::Counters {
        coupon_id,
        counters,
    });
}

/// Moves the counters of the coupon's campaign (if it has one) by deltas.
fn adjust_campaign(d: &mut Draft, coupon_id: u64, budget: i64, redemptions: i64) {
    let Some(campaign_id) = d.def(coupon_id).and_then(|def| def.spec.campaign_id) else {
        return;
    };
    if d.campaign(campaign_id).is_none() {
        return;
    }
    let mut counters = d.campaign_counters(campaign_id);
    counters.budget_used = counters.budget_used.saturating_add(budget);
    counters.redemptions = counters.redemptions.saturating_add_signed(redemptions);
    d.record(Effect::CampaignCounters {
        campaign_id,
        counters,
    });
}

fn adjust_customer(d: &mut Draft, coupon_id: u64, customer_id: &str, delta: i64) {
    if customer_id.is_empty() {
        return;
    }
    let customer = d.key(customer_id);
    adjust_uses(d, coupon_id, customer, delta);
}

fn adjust_uses(d: &mut Draft, coupon_id: u64, key: Key, delta: i64) {
    let uses = d.customer_uses(coupon_id, key).saturating_add_signed(delta);
    d.record(Effect::CustomerUses {
        coupon_id,
        customer: key,
        uses,
    });
}

/// A use given back gives back exactly the counts it was taken under
/// (its `counted` bits): its person's aliases, its identifiers' uses
/// and discount, and its periods' counts.
fn give_back_counted(d: &mut Draft, r: &Redemption) {
    period_uses::give_back(d, r);
    let ids = &r.identifiers;
    let mut given_back: Vec<(String, i64)> = person::alias_keys(&r.customer_id, ids)
        .into_iter()
        .filter(|(bit, _)| r.counted & bit != 0)
        .map(|(_, key)| (key, 1))
        .collect();
    for identifier in Identifier::ALL {
        if r.counted & identifiers::bit(*identifier) == 0 {
            continue;
        }
        if let Some(key) = identifiers::key_string(*identifier, ids) {
            given_back.push((identifiers::discount_key_string(&key), r.discount_amount));
            given_back.push((key, 1));
        }
    }
    for (key, amount) in given_back {
        let key = d.key(&key);
        adjust_uses(d, r.coupon_id, key, -amount);
    }
}

/// Counts an accepted redemption or hold in the velocity window of each of
/// the order's identities (`windows`, as they were before). A coupon without
/// velocity checks keeps no windows: one left from before they were turned
/// off goes.
fn record_velocity(d: &mut Draft, def: &SharedDef, windows: &[velocity::Tracked<Key>]) {
    let max = velocity::limit(&def.spec.security);
    for tracked in windows {
        let created_at = match max {
            Some(max) => velocity::after_attempt(&tracked.window, d.now(), max),
            None if tracked.window.is_empty() => continue,
            None => Vec::new(),
        };
        d.record(Effect::Velocity {
            coupon_id: def.id,
            identity: tracked.key,
            created_at,
        });
    }
}

/// What a REDEEM or RESERVE asks for when it starts a new use.
struct NewUse<'r> {
    code: &'r str,
    order_id: &'r str,
    transaction_id: &'r str,
    order: &'r Order,
    shopper: Shopper,
    /// The order's latest attempt was REJECTED: refused again, it is not
    /// kept twice (a client's retry must not count as a second attempt).
    rejected_before: bool,
}

/// A new redemption for an order: every check, then the compare-and-decrement.
fn start(mut d: Draft, new: NewUse, hold_expires_at: Option<i64>) -> Decision {
    let NewUse {
        code,
        order_id,
        transaction_id,
        order,
        shopper,
        rejected_before,
    } = new;
    let Some(coupon_id) = d.coupon_id(code) else {
        return Ok(Err(d.unknown_code(code)));
    };
    let Some(def) = d.def(coupon_id) else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    let judged = judge(&d, def, order, shopper);
    let discount = match judged.outcome {
        Ok(discount) => discount,
        // Enumeration-safe: as VALIDATE answers it (rules::fraud::enumeration).
        Err(refusal) if rules::fraud::enumeration::hidden(&judged.def.spec, refusal) => {
            return Ok(Err(d.unknown_code(code)))
        }
        Err(refusal) if refusal.is_security() && rejected_before => return Ok(Err(refusal.into())),
        Err(refusal) if refusal.is_security() => {
            let mut attempt = attempt(&mut d, &judged.def, order_id, transaction_id, order);
            attempt.security = assess::kept(judged.assessment);
            return Ok(Ok(reject(d, attempt, refusal)));
        }
        Err(refusal) => return Ok(Err(refusal.into())),
    };
    let accepted = Accepted {
        order_id,
        transaction_id,
        order,
        discount_amount: discount.discount_amount,
        final_amount: discount.final_amount,
        hold_expires_at,
    };
    let redemption = take_use(&mut d, &judged, accepted);
    let response = reply(&d, redemption.clone(), false);
    record_use(&mut d, redemption);
    Ok(Ok(d.into_plan(response)))
}

/// An accepted use of a judged code: what it takes and for which order.
pub(super) struct Accepted<'r> {
    pub order_id: &'r str,
    pub transaction_id: &'r str,
    pub order: &'r Order,
    pub discount_amount: i64,
    /// What the customer pays for the order.
    pub final_amount: i64,
    /// Some: a hold (PENDING) until then; None: captured (PROCESSED).
    pub hold_expires_at: Option<i64>,
}

/// Records what an accepted use counts (the coupon's counters, the
/// person's and identifiers' uses, the velocity windows, the observations,
/// the campaign's budget) and returns its redemption, for the caller to
/// record once it has built its reply.
pub(super) fn take_use(d: &mut Draft, judged: &Judged, accepted: Accepted) -> Redemption {
    let Accepted {
        order_id,
        transaction_id,
        order,
        discount_amount,
        final_amount,
        hold_expires_at,
    } = accepted;
    let def = &judged.def;
    let coupon_id = def.id;
    let mut redemption = attempt(d, def, order_id, transaction_id, order);
    if judged.assessment.flagged {
        count_flagged(d, coupon_id);
    }
    redemption.security = assess::kept(judged.assessment.clone());
    redemption.status = if hold_expires_at.is_some() {
        RedemptionStatus::Pending
    } else {
        RedemptionStatus::Processed
    };
    redemption.discount_amount = discount_amount;
    redemption.final_amount = final_amount;
    redemption.hold_expires_at = hold_expires_at;
    if hold_expires_at.is_some() {
        adjust_coupon(d, coupon_id, 0, 1);
    } else {
        adjust_coupon(d, coupon_id, 1, 0);
    }
    adjust_customer(d, coupon_id, &order.customer_id, 1);
    for (bit, key) in &judged.aliases {
        adjust_uses(d, coupon_id, *key, 1);
        redemption.counted |= bit;
    }
    for l in &judged.limited {
        adjust_uses(d, coupon_id, l.uses_key, 1);
        adjust_uses(d, coupon_id, l.discount_key, redemption.discount_amount);
        redemption.counted |= identifiers::bit(l.identifier);
    }
    redemption.counted |= period_uses::take(d, def, order);
    record_velocity(d, def, &judged.windows);
    observe::record_observations(d, coupon_id, &judged.observed);
    adjust_campaign(d, coupon_id, redemption.discount_amount, 1);
    let products = rules::analytics::products_of(&order.items);
    if hold_expires_at.is_none() {
        usage::record_capture(d, &redemption, products);
    } else {
        usage::record_hold_products(d, redemption.id, products);
    }
    redemption
}

/// Records an accepted use's redemption, then what it issues if it is
/// captured (`triggers`).
pub(super) fn record_use(d: &mut Draft, redemption: Redemption) {
    let captured = (redemption.status == RedemptionStatus::Processed)
        .then(|| (redemption.customer_id.clone(), redemption.coupon_id));
    // Moved, not cloned: this is on every redemption's path.
    d.record(Effect::Redemption(redemption));
    if let Some((customer_id, coupon_id)) = captured {
        triggers::on_capture(d, &customer_id, coupon_id);
    }
}

/// A new attempt's record for the order, as a refusal would keep it
/// (REJECTED, nothing taken off); an accepted one then says what it took.
pub(super) fn attempt(
    d: &mut Draft,
    def: &CouponDef,
    order_id: &str,
    transaction_id: &str,
    order: &Order,
) -> Redemption {
    Redemption {
        id: d.next_redemption_id(),
        coupon_id: def.id,
        code: def.spec.code.clone(),
        customer_id: order.customer_id.clone(),
        order_id: order_id.into(),
        transaction_id: transaction_id.into(),
        status: RedemptionStatus::Rejected,
        original_amount: order.amount,
        discount_amount: 0,
        final_amount: order.amount,
        currency: order.currency.clone(),
        channel: order.channel.clone(),
        created_at: d.now(),
        updated_at: d.now(),
        hold_expires_at: None,
        reverse_reason: String::new(),
        security: SecurityAssessment::default(),
        fraud_outcome: None,
        identifiers: identifiers::of_order(order),
        counted: 0,
    }
}

/// An accepted attempt whose score reached the coupon's `review_score`.
fn count_flagged(d: &mut Draft, coupon_id: u64) {
    let mut counters = d.counters(coupon_id);
    counters.fraud_attempts += 1;
    d.record(Effect::Counters {
        coupon_id,
        counters,
    });
}

/// An attempt a security check blocked: kept as a REJECTED redemption (it
/// takes nothing: no use, no budget, no window) and counted on its coupon;
/// the requester gets the refusal.
fn reject(mut d: Draft, attempt: Redemption, refusal: Refusal) -> Plan {
    debug_assert!(refusal.is_security());
    record_rejected(&mut d, attempt);
    d.into_recorded_refusal(refusal.into())
}

/// Records a REJECTED attempt and counts it on its coupon (see `reject`).
pub(super) fn record_rejected(d: &mut Draft, attempt: Redemption) {
    debug_assert_eq!(attempt.status, RedemptionStatus::Rejected);
    let mut counters = d.counters(attempt.coupon_id);
    counters.fraud_attempts += 1;
    counters.blocked_redemptions += 1;
    d.record(Effect::Counters {
        coupon_id: attempt.coupon_id,
        counters,
    });
    d.record(Effect::Redemption(attempt));
}

pub(super) fn by_order(code: &str, order_id: &str) -> RedemptionRef {
    RedemptionRef::Order {
        code: code.into(),
        order_id: order_id.into(),
    }
}

fn redeem(d: Draft, r: &RedeemRequest, shopper: Shopper) -> Decision {
    let mut rejected_before = false;
    if let Some(existing) = find_current(&d, &by_order(&r.code, &r.order_id))? {
        if let Err(e) = same_order(&existing, &r.order) {
            return Ok(Err(e));
        }
        match existing.status {
            RedemptionStatus::Processed | RedemptionStatus::Reversed => {
                let reply = reply(&d, existing, true);
                return Ok(Ok(d.into_plan(reply)));
            }
            // redeem is reserve + confirm: an open hold for this order is confirmed.
            RedemptionStatus::Pending => return confirm_hold(d, existing, &r.transaction_id),
            // The order's earlier hold was given back, or its attempt
            // rejected: a new use, decided afresh.
            RedemptionStatus::Released | RedemptionStatus::Expired => {}
            RedemptionStatus::Rejected => rejected_before = true,
        }
    }
    let new = NewUse {
        code: &r.code,
        order_id: &r.order_id,
        transaction_id: &r.transaction_id,
        order: &r.order,
        shopper,
        rejected_before,
    };
    start(d, new, None)
}

/// A hold's TTL within the server's most (0 asks for its default).
pub(super) fn allowed_ttl(ttl_ms: u32, config: &WriterConfig) -> Result<()> {
    if ttl_ms > config.max_hold_ttl_ms {
        return Err(Error::invalid(
            "ttl_ms",
            format!("at most {} ms", config.max_hold_ttl_ms),
        ));
    }
    Ok(())
}

fn reserve(d: Draft, r: &ReserveRequest, shopper: Shopper, config: &WriterConfig) -> Decision {
    if let Err(e) = allowed_ttl(r.ttl_ms, config) {
        return Ok(Err(e));
    }
    let mut rejected_before = false;
    if let Some(existing) = find_current(&d, &by_order(&r.code, &r.order_id))? {
        if let Err(e) = same_order(&existing, &r.order) {
            return Ok(Err(e));
        }
        match existing.status {
            RedemptionStatus::Pending
            | RedemptionStatus::Processed
            | RedemptionStatus::Reversed => {
                let reply = reply(&d, existing, true);
                return Ok(Ok(d.into_plan(reply)));
            }
            RedemptionStatus::Released | RedemptionStatus::Expired => {}
            RedemptionStatus::Rejected => rejected_before = true,
        }
    }
    let expires_at = hold_expires_at(&d, r.ttl_ms, config);
    let new = NewUse {
        code: &r.code,
        order_id: &r.order_id,
        transaction_id: "",
        order: &r.order,
        shopper,
        rejected_before,
    };
    start(d, new, Some(expires_at))
}

/// When a hold asked for with `ttl_ms` (0: the server's default) ends.
pub(super) fn hold_expires_at(d: &Draft, ttl_ms: u32, config: &WriterConfig) -> i64 {
    let ttl = if ttl_ms == 0 {
        config.default_hold_ttl_ms
    } else {
        ttl_ms
    };
    d.now() + i64::from(ttl)
}

fn confirm(d: Draft, r: &RedemptionRef) -> Decision {
    let Some(existing) = find_current(&d, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match existing.status {
        RedemptionStatus::Pending => confirm_hold(d, existing, ""),
        RedemptionStatus::Processed => {
            let reply = reply(&d, existing, true);
            Ok(Ok(d.into_plan(reply)))
        }
        RedemptionStatus::Expired => Ok(Err(Error::HoldExpired)),
        RedemptionStatus::Released => Ok(Err(Error::InvalidState(
            "the hold was released; reserve again".into(),
        ))),
        RedemptionStatus::Reversed => Ok(Err(Error::InvalidState(
            "the redemption was reversed".into(),
        ))),
        RedemptionStatus::Rejected => Ok(Err(rejected())),
    }
}

/// A REJECTED attempt used nothing: there is nothing to confirm, release or reverse.
pub(super) fn rejected() -> Error {
    Error::InvalidState("the attempt was rejected by a security check; it used nothing".into())
}

/// Captures an open hold (callers made sure it is not past its TTL). A
/// captured use no longer expires, so it no longer has an expiry
/// (protocol.md, Redemption field 15). Records written before this kept it;
/// they replay as they were written.
fn confirm_hold(mut d: Draft, hold: Redemption, transaction_id: &str) -> Decision {
    let captured = capture(&mut d, hold, transaction_id);
    let response = reply(&d, captured, false);
    Ok(Ok(d.into_plan(response)))
}

/// Records an open hold captured (see `confirm_hold`) and returns it.
pub(super) fn capture(d: &mut Draft, mut hold: Redemption, transaction_id: &str) -> Redemption {
    debug_assert_eq!(hold.status, RedemptionStatus::Pending);
    hold.status = RedemptionStatus::Processed;
    hold.updated_at = d.now();
    hold.hold_expires_at = None;
    if !transaction_id.is_empty() {
        hold.transaction_id = transaction_id.into();
    }
    adjust_coupon(d, hold.coupon_id, 1, -1);
    let products = d.hold_products(hold.id);
    usage::record_capture(d, &hold, products);
    d.record(Effect::Redemption(hold.clone()));
    d.record(Effect::HoldConfirmed {
        redemption_id: hold.id,
    });
    triggers::on_capture(d, &hold.customer_id, hold.coupon_id);
    hold
}

fn release(mut d: Draft, r: &RedemptionRef) -> Decision {
    let Some(hold) = find_current(&d, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match hold.status {
        RedemptionStatus::Pending => {}
        RedemptionStatus::Released | RedemptionStatus::Expired => {
            let reply = reply(&d, hold, true);
            return Ok(Ok(d.into_plan(reply)));
        }
        RedemptionStatus::Processed | RedemptionStatus::Reversed => {
            return Ok(Err(Error::InvalidState(
                "the use was captured; reverse it instead".into(),
            )))
        }
        RedemptionStatus::Rejected => return Ok(Err(rejected())),
    }
    let released = give_back_hold(&mut d, hold);
    let response = reply(&d, released, false);
    Ok(Ok(d.into_plan(response)))
}

/// Records an open hold released, everything it took given back, and returns it.
pub(super) fn give_back_hold(d: &mut Draft, mut hold: Redemption) -> Redemption {
    debug_assert_eq!(hold.status, RedemptionStatus::Pending);
    hold.status = RedemptionStatus::Released;
    hold.updated_at = d.now();
    // Given back: nothing left to expire (kept on EXPIRED, as the instant it passed).
    hold.hold_expires_at = None;
    adjust_coupon(d, hold.coupon_id, 0, -1);
    adjust_customer(d, hold.coupon_id, &hold.customer_id, -1);
    give_back_counted(d, &hold);
    adjust_campaign(d, hold.coupon_id, -hold.discount_amount, -1);
    d.record(Effect::Redemption(hold.clone()));
    hold
}

/// A full or partial refund of a captured redemption, kept as its own
/// reversal record. Each gives back its share of the discount to the
/// campaign's budget (`rules::refund`); the one that completes the refund of
/// the whole order, or under the coupon's REVERSE_DISCOUNT policy leaves it
/// below the coupon's minimum, ends it (status REVERSED, the rest of the
/// discount back) and gives the use back unless the policy keeps it.
fn reverse(
    mut d: Draft,
    r: &RedemptionRef,
    reason: &str,
    refund_amount: Option<i64>,
    refund_id: &str,
) -> Decision {
    let Some(redemption) = find(&d, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match reverse_one(&mut d, redemption, reason, refund_amount, refund_id) {
        Ok((reversed, replayed)) => {
            let response = reply(&d, reversed, replayed);
            Ok(Ok(d.into_plan(response)))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// Records one reversal of `redemption` (see `reverse`) and returns the
/// redemption after it and whether it was a retry answered as it was (a
/// refund id already recorded). Err: refused; the caller drops its draft.
pub(super) fn reverse_one(
    d: &mut Draft,
    mut redemption: Redemption,
    reason: &str,
    refund_amount: Option<i64>,
    refund_id: &str,
) -> Result<(Redemption, bool)> {
    let previous = d.reversals(redemption.id);
    if !refund_id.is_empty() {
        if let Some(done) = previous.iter().find(|x| x.refund_id == refund_id) {
            if let Some(asked) = refund_amount.filter(|&a| a != done.refund_amount) {
                let money = |minor| money::format(minor, &redemption.currency);
                return Err(Error::Conflict(format!(
                    "refund {refund_id} was recorded for {} {}, not {}",
                    money(done.refund_amount),
                    redemption.currency,
                    money(asked)
                )));
            }
            return Ok((redemption, true));
        }
    }
    match redemption.status {
        RedemptionStatus::Processed => {}
        RedemptionStatus::Reversed => return Err(Error::AlreadyReversed),
        RedemptionStatus::Rejected => return Err(rejected()),
        _ => {
            return Err(Error::InvalidState(
                "only a captured (PROCESSED) redemption can be reversed; release a hold instead"
                    .into(),
            ))
        }
    }
    let refunded: i64 = previous.iter().map(|x| x.refund_amount).sum();
    let returned: i64 = previous.iter().map(|x| x.discount_returned).sum();
    // Refunds are of what the customer paid: the order's final amount.
    let left = redemption.final_amount.saturating_sub(refunded);
    let refund = refund_amount.unwrap_or(left);
    if refund > left {
        return Err(Error::invalid(
            "refund_amount",
            format!(
                "only {} {} of what was paid is left to refund",
                money::format(left, &redemption.currency),
                redemption.currency
            ),
        ));
    }
    let full = refund == left;
    let (policy, min_order_amount) = d
        .def(redemption.coupon_id)
        .map_or((ReversalPolicy::default(), None), |def| {
            (def.spec.reversal, def.spec.min_order_amount)
        });
    let below_minimum = !full
        && rules::refund::below_minimum(
            &policy,
            min_order_amount,
            redemption.original_amount,
            refunded + refund,
        );
    if !full && !below_minimum && previous.len() + 1 >= limits::REVERSALS {
        return Err(Error::InvalidState(format!(
            "redemption {} has {} reversals; the rest can only be refunded in full",
            redemption.id,
            previous.len()
        )));
    }
    let discount_returned = if below_minimum {
        redemption.discount_amount
    } else {
        rules::refund::discount_returned(
            redemption.discount_amount,
            redemption.final_amount,
            refunded + refund,
        )
    } - returned;
    // The reversal that ends the redemption: the order fully refunded, or
    // left below the coupon's minimum under REVERSE_DISCOUNT.
    let ends = full || below_minimum;
    let reversal = Reversal {
        id: d.next_reversal_id(),
        redemption_id: redemption.id,
        refund_amount: refund,
        discount_returned,
        full,
        refund_id: refund_id.into(),
        reason: reason.into(),
        created_at: d.now(),
    };
    if ends {
        redemption.status = RedemptionStatus::Reversed;
        redemption.reverse_reason = reason.into();
        redemption.updated_at = d.now();
        if policy.returns_use {
            adjust_coupon(d, redemption.coupon_id, -1, 0);
            adjust_customer(d, redemption.coupon_id, &redemption.customer_id, -1);
            give_back_counted(d, &redemption);
            adjust_campaign(d, redemption.coupon_id, -discount_returned, -1);
        } else {
            redemption.counted |= rules::refund::USE_KEPT;
            adjust_campaign(d, redemption.coupon_id, -discount_returned, 0);
        }
    } else {
        adjust_campaign(d, redemption.coupon_id, -discount_returned, 0);
    }
    usage::record_reversal(d, &reversal, redemption.coupon_id, ends);
    d.record(Effect::Reversal(reversal));
    if ends {
        d.record(Effect::Redemption(redemption.clone()));
    }
    Ok((redemption, false))
}

/// Gives a hold back: status EXPIRED, counters and the customer's count down.
fn expire_one(d: &mut Draft, mut hold: Redemption) -> Redemption {
    hold.status = RedemptionStatus::Expired;
    hold.updated_at = d.now();
    adjust_coupon(d, hold.coupon_id, 0, -1);
    adjust_customer(d, hold.coupon_id, &hold.customer_id, -1);
    give_back_counted(d, &hold);
    adjust_campaign(d, hold.coupon_id, -hold.discount_amount, -1);
    d.record(Effect::Redemption(hold.clone()));
    hold
}

/// Gives back every hold past its TTL (bounded per sweep; the next takes the rest).
fn expire_holds(mut d: Draft) -> Decision {
    let mut expired = 0;
    for (_, id) in d.due_holds(10_000) {
        if let Some(hold) = d.redemption(id)? {
            if is_due(&hold, d.now()) {
                expire_one(&mut d, hold);
                expired += 1;
            }
        }
    }
    if expired > 0 {
        tracing::info!(count = expired, "expired holds given back");
    }
    Ok(Ok(d.into_plan(Response::Deleted)))
}

/// A new cluster's first record: the secret of the keyed hashes of customer
/// and order ids, random, never zero.
pub fn choose_key_secret(batch: &Batch) -> Plan {
    let mut secret: [u8; 16] = rand::random();
    secret[0] |= 1;
    let mut d = Draft::new(batch);
    d.record(Effect::KeySecret(secret));
    d.into_plan(Response::Deleted)
}
