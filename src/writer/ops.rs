//! What each mutation does, against a `Batch`. Every function checks first and
//! changes only when the request will succeed, so a refused request leaves no
//! trace. The one exception is housekeeping that is valid on its own: a hold
//! found past its TTL is expired (as its own sealed record) before the request
//! that found it is judged. The outer `Result` is a storage failure (the batch
//! is abandoned); the inner one is this request's answer.

use couponsd_client::money;
use couponsd_client::wire::{
    AdminStatus, CouponSpec, CouponStatus, Order, RedeemRequest, Redemption, RedemptionRef,
    RedemptionReply, RedemptionStatus, ReserveRequest, Response, Reversal,
};

use super::batch::Batch;
use super::{campaign_ops, Mutation, WriterConfig};
use crate::domain::campaign::FinalStatus;
use crate::domain::coupon::{Counters, CouponDef};
use crate::domain::limits;
use crate::error::{Error, Result};
use crate::rules;
use crate::rules::campaign::CampaignOf;
use crate::storage;

type Outcome = storage::Result<Result<Response>>;

pub fn execute(batch: &mut Batch, mutation: &Mutation, config: &WriterConfig) -> Outcome {
    match mutation {
        Mutation::CreateCoupon { spec, created_by } => create_coupon(batch, spec, created_by),
        Mutation::UpdateCoupon {
            id,
            expected_revision,
            spec,
        } => update_coupon(batch, *id, *expected_revision, spec),
        Mutation::DeleteCoupon { id } => delete_coupon(batch, *id),
        Mutation::Redeem(r) => redeem(batch, r),
        Mutation::Reserve(r) => reserve(batch, r, config),
        Mutation::Confirm(r) => confirm(batch, r),
        Mutation::Release(r) => release(batch, r),
        Mutation::Reverse {
            redemption,
            reason,
            refund_amount,
            refund_id,
        } => reverse(batch, redemption, reason, *refund_amount, refund_id),
        Mutation::ExpireHolds => expire_holds(batch).map(|_| Ok(Response::Deleted)),
        Mutation::CreateCampaign { spec, created_by } => {
            campaign_ops::create(batch, spec, created_by)
        }
        Mutation::UpdateCampaign {
            id,
            expected_revision,
            spec,
        } => campaign_ops::update(batch, *id, *expected_revision, spec),
        Mutation::SetCampaignStatus { id, status } => campaign_ops::set_status(batch, *id, *status),
        Mutation::GenerateCodes {
            id,
            count,
            expected_revision,
        } => campaign_ops::generate(batch, *id, *count, *expected_revision),
        Mutation::DeleteCampaign { id } => campaign_ops::delete(batch, *id),
        Mutation::AddCodes { campaign_id, codes } => {
            campaign_ops::add_codes(batch, *campaign_id, codes)
        }
    }
}

fn coupon_reply(batch: &Batch, def: &CouponDef) -> Response {
    let running = batch.campaign_running(def.spec.campaign_id);
    Response::Coupon(Box::new(def.to_wire(
        batch.counters(def.id),
        batch.now,
        running,
    )))
}

fn create_coupon(batch: &mut Batch, spec: &CouponSpec, created_by: &str) -> Outcome {
    if batch.coupon_id(&spec.code).is_some() {
        return Ok(Err(Error::AlreadyExists(spec.code.clone())));
    }
    if let Err(e) = check_campaign_link(batch, spec, None) {
        return Ok(Err(e));
    }
    let def = CouponDef {
        id: batch.allocate_coupon_id(),
        revision: 1,
        spec: spec.clone(),
        created_at: batch.now,
        updated_at: batch.now,
        created_by: created_by.into(),
    };
    let reply = coupon_reply(batch, &def);
    batch.put_def(def);
    Ok(Ok(reply))
}

fn update_coupon(batch: &mut Batch, id: u64, expected_revision: u64, spec: &CouponSpec) -> Outcome {
    let Some(current) = batch.def(id) else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    if let Err(e) = check_revision("coupon", id, expected_revision, current.revision) {
        return Ok(Err(e));
    }
    if let Err(e) = not_generated(batch, id, "changed") {
        return Ok(Err(e));
    }
    if spec.code != current.spec.code && batch.coupon_id(&spec.code).is_some() {
        return Ok(Err(Error::AlreadyExists(spec.code.clone())));
    }
    if let Err(e) = check_campaign_link(batch, spec, Some(&current.spec)) {
        return Ok(Err(e));
    }
    if let Err(e) = status_change(current.spec.status, spec, batch.counters(id), batch.now) {
        return Ok(Err(e));
    }
    let def = CouponDef {
        revision: current.revision + 1,
        spec: spec.clone(),
        updated_at: batch.now,
        ..(*current).clone()
    };
    let reply = coupon_reply(batch, &def);
    batch.put_def(def);
    Ok(Ok(reply))
}

/// A generated code is its campaign's template under its own code: it is
/// changed, stopped or ended through the campaign, never on its own.
fn not_generated(batch: &Batch, id: u64, verb: &str) -> Result<()> {
    match batch.generated_by(id) {
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
fn check_campaign_link(
    batch: &Batch,
    spec: &CouponSpec,
    current: Option<&CouponSpec>,
) -> Result<()> {
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
    let campaign = match (batch.campaign(campaign_id), current) {
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

fn delete_coupon(batch: &mut Batch, id: u64) -> Outcome {
    let Some(def) = batch.def(id) else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    if let Err(e) = not_generated(batch, id, "deleted") {
        return Ok(Err(e));
    }
    if let Some(campaign_id) = def
        .spec
        .campaign_id
        .filter(|&c| batch.campaign(c).is_some())
    {
        // Its redemptions' reversals give back to the campaign's budget
        // through the coupon; it stays, and INACTIVE stops it.
        return Ok(Err(Error::InvalidState(format!(
            "coupon {id} belongs to campaign {campaign_id}; set its status INACTIVE instead"
        ))));
    }
    let held = batch.counters(id).reserved_uses;
    if held > 0 {
        return Ok(Err(Error::InvalidState(format!(
            "coupon {id} has {held} pending holds; release them or let them expire first"
        ))));
    }
    batch.delete_def(id);
    Ok(Ok(Response::Deleted))
}

/// The redemption a reference names, if any.
fn find(batch: &Batch, r: &RedemptionRef) -> storage::Result<Option<Redemption>> {
    let id = match r {
        RedemptionRef::Id(id) => Some(*id),
        RedemptionRef::Order { code, order_id } => batch
            .coupon_id(code)
            .and_then(|coupon_id| batch.order(coupon_id, batch.key(order_id))),
    };
    match id {
        Some(id) => batch.redemption(id),
        None => Ok(None),
    }
}

/// Finds a redemption, first expiring it if it is a hold past its TTL.
fn find_current(batch: &mut Batch, r: &RedemptionRef) -> storage::Result<Option<Redemption>> {
    let Some(found) = find(batch, r)? else {
        return Ok(None);
    };
    let due = found.status == RedemptionStatus::Pending
        && found.hold_expires_at.is_some_and(|t| t <= batch.now);
    if !due {
        return Ok(Some(found));
    }
    let expired = expire_one(batch, found);
    batch.seal();
    Ok(Some(expired))
}

fn reply(batch: &Batch, redemption: Redemption, replayed: bool) -> Response {
    let remaining_uses = batch
        .def(redemption.coupon_id)
        .and_then(|d| rules::remaining_uses(&d.spec, batch.counters(redemption.coupon_id)));
    Response::Redemption(RedemptionReply {
        redemption,
        remaining_uses,
        replayed,
    })
}

/// A retry must describe the same order as the first request.
fn same_order(existing: &Redemption, order: &Order) -> Result<()> {
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
fn adjust_coupon(batch: &mut Batch, coupon_id: u64, captured: i64, held: i64) {
    if batch.def(coupon_id).is_none() {
        return;
    }
    let mut c = batch.counters(coupon_id);
    c.current_usage = c.current_usage.saturating_add_signed(captured);
    c.reserved_uses = c.reserved_uses.saturating_add_signed(held);
    batch.set_counters(coupon_id, c);
}

/// Moves the counters of the coupon's campaign (if it has one) by deltas.
fn adjust_campaign(batch: &mut Batch, coupon_id: u64, budget: i64, redemptions: i64) {
    let Some(campaign_id) = batch.def(coupon_id).and_then(|d| d.spec.campaign_id) else {
        return;
    };
    if batch.campaign(campaign_id).is_none() {
        return;
    }
    let mut c = batch.campaign_counters(campaign_id);
    c.budget_used = c.budget_used.saturating_add(budget);
    c.redemptions = c.redemptions.saturating_add_signed(redemptions);
    batch.set_campaign_counters(campaign_id, c);
}

fn adjust_customer(batch: &mut Batch, coupon_id: u64, customer_id: &str, delta: i64) {
    if customer_id.is_empty() {
        return;
    }
    let key = batch.key(customer_id);
    let uses = batch
        .customer_uses(coupon_id, key)
        .saturating_add_signed(delta);
    batch.set_customer_uses(coupon_id, key, uses);
}

/// A new redemption for an order: every check, then the compare-and-decrement.
fn start(
    batch: &mut Batch,
    code: &str,
    order_id: &str,
    transaction_id: &str,
    order: &Order,
    hold_expires_at: Option<i64>,
) -> Outcome {
    let Some(coupon_id) = batch.coupon_id(code) else {
        return Ok(Err(batch.unknown_code(code)));
    };
    let Some(def) = batch.def(coupon_id) else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    let customer_uses = if order.customer_id.is_empty() {
        0
    } else {
        batch.customer_uses(coupon_id, batch.key(&order.customer_id))
    };
    // The campaign's budget and the usage counters are checked and moved in
    // one step: the decider runs one mutation at a time.
    let campaign = def.spec.campaign_id.map(|id| batch.campaign(id));
    let campaign_of = CampaignOf::of(&campaign, |id| batch.campaign_counters(id));
    let discount = match rules::campaign::evaluate(
        &def.spec,
        batch.counters(coupon_id),
        customer_uses,
        order,
        batch.now,
        campaign_of,
    ) {
        Ok(d) => d,
        Err(refusal) => return Ok(Err(refusal.into())),
    };
    let redemption = Redemption {
        id: batch.allocate_redemption_id(),
        coupon_id,
        code: def.spec.code.clone(),
        customer_id: order.customer_id.clone(),
        order_id: order_id.into(),
        transaction_id: transaction_id.into(),
        status: if hold_expires_at.is_some() {
            RedemptionStatus::Pending
        } else {
            RedemptionStatus::Processed
        },
        original_amount: order.amount,
        discount_amount: discount.discount_amount,
        final_amount: discount.final_amount,
        currency: order.currency.clone(),
        channel: order.channel.clone(),
        created_at: batch.now,
        updated_at: batch.now,
        hold_expires_at,
        reverse_reason: String::new(),
    };
    if hold_expires_at.is_some() {
        adjust_coupon(batch, coupon_id, 0, 1);
    } else {
        adjust_coupon(batch, coupon_id, 1, 0);
    }
    adjust_customer(batch, coupon_id, &order.customer_id, 1);
    adjust_campaign(batch, coupon_id, redemption.discount_amount, 1);
    let response = reply(batch, redemption.clone(), false);
    batch.put_redemption(redemption);
    Ok(Ok(response))
}

fn by_order(code: &str, order_id: &str) -> RedemptionRef {
    RedemptionRef::Order {
        code: code.into(),
        order_id: order_id.into(),
    }
}

fn redeem(batch: &mut Batch, r: &RedeemRequest) -> Outcome {
    if let Some(existing) = find_current(batch, &by_order(&r.code, &r.order_id))? {
        if let Err(e) = same_order(&existing, &r.order) {
            return Ok(Err(e));
        }
        match existing.status {
            RedemptionStatus::Processed | RedemptionStatus::Reversed => {
                return Ok(Ok(reply(batch, existing, true)))
            }
            // redeem is reserve + confirm: an open hold for this order is confirmed.
            RedemptionStatus::Pending => return confirm_hold(batch, existing, &r.transaction_id),
            // The order's earlier hold was given back: this is a new use.
            RedemptionStatus::Released | RedemptionStatus::Expired => {}
        }
    }
    start(
        batch,
        &r.code,
        &r.order_id,
        &r.transaction_id,
        &r.order,
        None,
    )
}

fn reserve(batch: &mut Batch, r: &ReserveRequest, config: &WriterConfig) -> Outcome {
    if r.ttl_ms > config.max_hold_ttl_ms {
        return Ok(Err(Error::invalid(
            "ttl_ms",
            format!("at most {} ms", config.max_hold_ttl_ms),
        )));
    }
    if let Some(existing) = find_current(batch, &by_order(&r.code, &r.order_id))? {
        if let Err(e) = same_order(&existing, &r.order) {
            return Ok(Err(e));
        }
        match existing.status {
            RedemptionStatus::Pending
            | RedemptionStatus::Processed
            | RedemptionStatus::Reversed => return Ok(Ok(reply(batch, existing, true))),
            RedemptionStatus::Released | RedemptionStatus::Expired => {}
        }
    }
    let ttl = if r.ttl_ms == 0 {
        config.default_hold_ttl_ms
    } else {
        r.ttl_ms
    };
    let expires_at = batch.now + i64::from(ttl);
    start(batch, &r.code, &r.order_id, "", &r.order, Some(expires_at))
}

fn confirm(batch: &mut Batch, r: &RedemptionRef) -> Outcome {
    let Some(existing) = find_current(batch, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match existing.status {
        RedemptionStatus::Pending => confirm_hold(batch, existing, ""),
        RedemptionStatus::Processed => Ok(Ok(reply(batch, existing, true))),
        RedemptionStatus::Expired => Ok(Err(Error::HoldExpired)),
        RedemptionStatus::Released => Ok(Err(Error::InvalidState(
            "the hold was released; reserve again".into(),
        ))),
        RedemptionStatus::Reversed => Ok(Err(Error::InvalidState(
            "the redemption was reversed".into(),
        ))),
    }
}

/// Captures an open hold (callers made sure it is not past its TTL). A
/// captured use no longer expires, so it no longer has an expiry
/// (protocol.md, Redemption field 15). Records written before this kept it;
/// they replay as they were written.
fn confirm_hold(batch: &mut Batch, mut hold: Redemption, transaction_id: &str) -> Outcome {
    hold.status = RedemptionStatus::Processed;
    hold.updated_at = batch.now;
    hold.hold_expires_at = None;
    if !transaction_id.is_empty() {
        hold.transaction_id = transaction_id.into();
    }
    adjust_coupon(batch, hold.coupon_id, 1, -1);
    let response = reply(batch, hold.clone(), false);
    batch.put_redemption(hold);
    Ok(Ok(response))
}

fn release(batch: &mut Batch, r: &RedemptionRef) -> Outcome {
    let Some(mut hold) = find_current(batch, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match hold.status {
        RedemptionStatus::Pending => {}
        RedemptionStatus::Released | RedemptionStatus::Expired => {
            return Ok(Ok(reply(batch, hold, true)))
        }
        RedemptionStatus::Processed | RedemptionStatus::Reversed => {
            return Ok(Err(Error::InvalidState(
                "the use was captured; reverse it instead".into(),
            )))
        }
    }
    hold.status = RedemptionStatus::Released;
    hold.updated_at = batch.now;
    // Given back: nothing left to expire (kept on EXPIRED, as the instant it passed).
    hold.hold_expires_at = None;
    adjust_coupon(batch, hold.coupon_id, 0, -1);
    adjust_customer(batch, hold.coupon_id, &hold.customer_id, -1);
    adjust_campaign(batch, hold.coupon_id, -hold.discount_amount, -1);
    let response = reply(batch, hold.clone(), false);
    batch.put_redemption(hold);
    Ok(Ok(response))
}

/// A full or partial refund of a captured redemption, kept as its own
/// reversal record. Each gives back its share of the discount to the
/// campaign's budget (`rules::refund`); the one that completes the refund of
/// the whole order also gives the use back (status REVERSED).
fn reverse(
    batch: &mut Batch,
    r: &RedemptionRef,
    reason: &str,
    refund_amount: Option<i64>,
    refund_id: &str,
) -> Outcome {
    let Some(mut redemption) = find(batch, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    let previous = batch.reversals(redemption.id);
    if !refund_id.is_empty() {
        if let Some(done) = previous.iter().find(|x| x.refund_id == refund_id) {
            if let Some(asked) = refund_amount.filter(|&a| a != done.refund_amount) {
                let money = |minor| money::format(minor, &redemption.currency);
                return Ok(Err(Error::Conflict(format!(
                    "refund {refund_id} was recorded for {} {}, not {}",
                    money(done.refund_amount),
                    redemption.currency,
                    money(asked)
                ))));
            }
            return Ok(Ok(reply(batch, redemption, true)));
        }
    }
    match redemption.status {
        RedemptionStatus::Processed => {}
        RedemptionStatus::Reversed => return Ok(Err(Error::AlreadyReversed)),
        _ => {
            return Ok(Err(Error::InvalidState(
                "only a captured (PROCESSED) redemption can be reversed; release a hold instead"
                    .into(),
            )))
        }
    }
    let refunded: i64 = previous.iter().map(|x| x.refund_amount).sum();
    let returned: i64 = previous.iter().map(|x| x.discount_returned).sum();
    // Refunds are of what the customer paid: the order's final amount.
    let left = redemption.final_amount.saturating_sub(refunded);
    let refund = refund_amount.unwrap_or(left);
    if refund > left {
        return Ok(Err(Error::invalid(
            "refund_amount",
            format!(
                "only {} {} of what was paid is left to refund",
                money::format(left, &redemption.currency),
                redemption.currency
            ),
        )));
    }
    let full = refund == left;
    if !full && previous.len() + 1 >= limits::REVERSALS {
        return Ok(Err(Error::InvalidState(format!(
            "redemption {} has {} reversals; the rest can only be refunded in full",
            redemption.id,
            previous.len()
        ))));
    }
    let discount_returned = rules::refund::discount_returned(
        redemption.discount_amount,
        redemption.final_amount,
        refunded + refund,
    ) - returned;
    let reversal = Reversal {
        id: batch.allocate_reversal_id(),
        redemption_id: redemption.id,
        refund_amount: refund,
        discount_returned,
        full,
        refund_id: refund_id.into(),
        reason: reason.into(),
        created_at: batch.now,
    };
    if full {
        redemption.status = RedemptionStatus::Reversed;
        redemption.reverse_reason = reason.into();
        redemption.updated_at = batch.now;
        adjust_coupon(batch, redemption.coupon_id, -1, 0);
        adjust_customer(batch, redemption.coupon_id, &redemption.customer_id, -1);
        adjust_campaign(batch, redemption.coupon_id, -discount_returned, -1);
    } else {
        adjust_campaign(batch, redemption.coupon_id, -discount_returned, 0);
    }
    batch.add_reversal(reversal);
    let response = reply(batch, redemption.clone(), false);
    if full {
        batch.put_redemption(redemption);
    }
    Ok(Ok(response))
}

/// Gives a hold back: status EXPIRED, counters and the customer's count down.
fn expire_one(batch: &mut Batch, mut hold: Redemption) -> Redemption {
    hold.status = RedemptionStatus::Expired;
    hold.updated_at = batch.now;
    adjust_coupon(batch, hold.coupon_id, 0, -1);
    adjust_customer(batch, hold.coupon_id, &hold.customer_id, -1);
    adjust_campaign(batch, hold.coupon_id, -hold.discount_amount, -1);
    batch.put_redemption(hold.clone());
    hold
}

/// Gives back every hold past its TTL (bounded per sweep; the next takes the rest).
fn expire_holds(batch: &mut Batch) -> storage::Result<usize> {
    let mut expired = 0;
    for (_, id) in batch.due_holds(10_000) {
        if let Some(hold) = batch.redemption(id)? {
            let due = hold.status == RedemptionStatus::Pending
                && hold.hold_expires_at.is_some_and(|t| t <= batch.now);
            if due {
                expire_one(batch, hold);
                expired += 1;
            }
        }
    }
    if expired > 0 {
        tracing::info!(count = expired, "expired holds given back");
    }
    Ok(expired)
}

/// A new cluster's first record: the secret of the keyed hashes of customer
/// and order ids, random, never zero.
pub fn choose_key_secret(batch: &mut Batch) {
    let mut secret: [u8; 16] = rand::random();
    secret[0] |= 1;
    batch.set_key_secret(secret);
    batch.seal();
}
