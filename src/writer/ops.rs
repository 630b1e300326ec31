//! What each mutation does inside the writer's transaction. Every function
//! checks everything first and writes only when the request will succeed, so a
//! refused request leaves no trace. The outer `Result` is a storage failure
//! (the batch is abandoned); the inner one is this request's answer.

use couponsd_client::wire::{
    Coupon, CouponSpec, RedeemRequest, Redemption, RedemptionRef, RedemptionReply,
    RedemptionStatus, ReserveRequest, Response,
};

use super::{Mutation, WriterConfig};
use crate::error::{Error, Result};
use crate::rules;
use crate::storage::{self, WriteBatch};

type Outcome = storage::Result<Result<Response>>;

pub fn execute(
    batch: &mut WriteBatch,
    mutation: &Mutation,
    now: i64,
    config: &WriterConfig,
) -> Outcome {
    match mutation {
        Mutation::CreateCoupon { spec, created_by } => create_coupon(batch, spec, created_by, now),
        Mutation::UpdateCoupon {
            id,
            expected_revision,
            spec,
        } => update_coupon(batch, *id, *expected_revision, spec, now),
        Mutation::DeleteCoupon { id } => delete_coupon(batch, *id),
        Mutation::Redeem(r) => redeem(batch, r, now),
        Mutation::Reserve(r) => reserve(batch, r, now, config),
        Mutation::Confirm(r) => confirm(batch, r, now),
        Mutation::Release(r) => release(batch, r, now),
        Mutation::Reverse { redemption, reason } => reverse(batch, redemption, reason, now),
        Mutation::ExpireHolds => expire_holds(batch, now).map(|_| Ok(Response::Deleted)),
    }
}

fn coupon_reply(mut coupon: Coupon, now: i64) -> Response {
    coupon.status = rules::status(&coupon, now);
    Response::Coupon(coupon)
}

fn create_coupon(batch: &mut WriteBatch, spec: &CouponSpec, created_by: &str, now: i64) -> Outcome {
    if batch.coupon_id_by_code(&spec.code)?.is_some() {
        return Ok(Err(Error::AlreadyExists(spec.code.clone())));
    }
    let id = batch.allocate_coupon_id()?;
    let coupon = Coupon {
        id,
        revision: 1,
        spec: spec.clone(),
        status: couponsd_client::wire::CouponStatus::Active,
        current_usage: 0,
        reserved_uses: 0,
        created_at: now,
        updated_at: now,
        created_by: created_by.into(),
    };
    batch.put_coupon(&coupon)?;
    batch.put_code(&coupon.spec.code, id)?;
    Ok(Ok(coupon_reply(coupon, now)))
}

fn update_coupon(
    batch: &mut WriteBatch,
    id: u64,
    expected_revision: u64,
    spec: &CouponSpec,
    now: i64,
) -> Outcome {
    let Some(mut coupon) = batch.coupon(id)? else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    if expected_revision != 0 && expected_revision != coupon.revision {
        return Ok(Err(Error::Conflict(format!(
            "coupon {id} is at revision {}, not {expected_revision}",
            coupon.revision
        ))));
    }
    let code_changed = spec.code != coupon.spec.code;
    if code_changed && batch.coupon_id_by_code(&spec.code)?.is_some() {
        return Ok(Err(Error::AlreadyExists(spec.code.clone())));
    }
    if code_changed {
        batch.delete_code(&coupon.spec.code)?;
        batch.put_code(&spec.code, id)?;
    }
    coupon.spec = spec.clone();
    coupon.revision += 1;
    coupon.updated_at = now;
    batch.put_coupon(&coupon)?;
    Ok(Ok(coupon_reply(coupon, now)))
}

fn delete_coupon(batch: &mut WriteBatch, id: u64) -> Outcome {
    let Some(coupon) = batch.coupon(id)? else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    if coupon.reserved_uses > 0 {
        return Ok(Err(Error::InvalidState(format!(
            "coupon {id} has {} pending holds; release them or let them expire first",
            coupon.reserved_uses
        ))));
    }
    batch.delete_code(&coupon.spec.code)?;
    batch.delete_coupon(id)?;
    Ok(Ok(Response::Deleted))
}

/// The existing redemption for a reference, if any.
fn find(batch: &WriteBatch, r: &RedemptionRef) -> storage::Result<Option<Redemption>> {
    let id = match r {
        RedemptionRef::Id(id) => Some(*id),
        RedemptionRef::Order { code, order_id } => match batch.coupon_id_by_code(code)? {
            Some(coupon_id) => batch.order(coupon_id, order_id)?,
            None => None,
        },
    };
    match id {
        Some(id) => batch.redemption(id),
        None => Ok(None),
    }
}

fn reply(batch: &WriteBatch, redemption: Redemption, replayed: bool) -> storage::Result<Response> {
    let remaining_uses = batch
        .coupon(redemption.coupon_id)?
        .and_then(|c| rules::remaining_uses(&c));
    Ok(Response::Redemption(RedemptionReply {
        redemption,
        remaining_uses,
        replayed,
    }))
}

/// A retry must describe the same order as the first request.
fn same_order(existing: &Redemption, customer_id: &str, amount: i64, currency: &str) -> Result<()> {
    if existing.customer_id != customer_id
        || existing.original_amount != amount
        || existing.currency != currency
    {
        return Err(Error::Conflict(format!(
            "order {} was already used with this coupon for customer {:?}, amount {} {}",
            existing.order_id, existing.customer_id, existing.original_amount, existing.currency
        )));
    }
    Ok(())
}

/// Moves a coupon's counters: `captured` and `held` are deltas. A coupon
/// deleted since has no counters left to move.
fn adjust_coupon(
    batch: &mut WriteBatch,
    coupon_id: u64,
    captured: i64,
    held: i64,
) -> storage::Result<()> {
    if let Some(mut c) = batch.coupon(coupon_id)? {
        c.current_usage = c.current_usage.saturating_add_signed(captured);
        c.reserved_uses = c.reserved_uses.saturating_add_signed(held);
        batch.put_coupon(&c)?;
    }
    Ok(())
}

fn adjust_customer(
    batch: &mut WriteBatch,
    coupon_id: u64,
    customer_id: &str,
    delta: i64,
) -> storage::Result<()> {
    if customer_id.is_empty() {
        return Ok(());
    }
    let uses = batch.customer_uses(coupon_id, customer_id)?;
    batch.set_customer_uses(coupon_id, customer_id, uses.saturating_add_signed(delta))
}

/// A new redemption for an order: every check, then the compare-and-decrement.
fn start(
    batch: &mut WriteBatch,
    code: &str,
    order_id: &str,
    transaction_id: &str,
    order: &couponsd_client::wire::Order,
    hold_expires_at: Option<i64>,
    now: i64,
) -> Outcome {
    let Some(coupon_id) = batch.coupon_id_by_code(code)? else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    let Some(coupon) = batch.coupon(coupon_id)? else {
        return Ok(Err(Error::NotFound("coupon")));
    };
    let usage = rules::Usage {
        customer_uses: if order.customer_id.is_empty() {
            0
        } else {
            batch.customer_uses(coupon_id, &order.customer_id)?
        },
    };
    let discount = match rules::evaluate(&coupon, order, usage, now) {
        Ok(d) => d,
        Err(refusal) => return Ok(Err(refusal.into())),
    };
    let held = hold_expires_at.is_some();
    let redemption = Redemption {
        id: batch.allocate_redemption_id()?,
        coupon_id,
        code: coupon.spec.code.clone(),
        customer_id: order.customer_id.clone(),
        order_id: order_id.into(),
        transaction_id: transaction_id.into(),
        status: if held {
            RedemptionStatus::Pending
        } else {
            RedemptionStatus::Processed
        },
        original_amount: order.amount,
        discount_amount: discount.discount_amount,
        final_amount: discount.final_amount,
        currency: order.currency.clone(),
        channel: order.channel.clone(),
        created_at: now,
        updated_at: now,
        hold_expires_at,
        reverse_reason: String::new(),
    };
    batch.put_redemption(&redemption)?;
    batch.put_order(coupon_id, order_id, redemption.id)?;
    batch.add_coupon_redemption(coupon_id, redemption.id)?;
    if let Some(expires_at) = hold_expires_at {
        batch.put_hold(expires_at, redemption.id)?;
        adjust_coupon(batch, coupon_id, 0, 1)?;
    } else {
        adjust_coupon(batch, coupon_id, 1, 0)?;
    }
    adjust_customer(batch, coupon_id, &order.customer_id, 1)?;
    Ok(Ok(reply(batch, redemption, false)?))
}

fn existing_for_order(
    batch: &WriteBatch,
    code: &str,
    order_id: &str,
) -> storage::Result<Option<Redemption>> {
    find(
        batch,
        &RedemptionRef::Order {
            code: code.into(),
            order_id: order_id.into(),
        },
    )
}

fn redeem(batch: &mut WriteBatch, r: &RedeemRequest, now: i64) -> Outcome {
    if let Some(existing) = existing_for_order(batch, &r.code, &r.order_id)? {
        if let Err(e) = same_order(
            &existing,
            &r.order.customer_id,
            r.order.amount,
            &r.order.currency,
        ) {
            return Ok(Err(e));
        }
        match existing.status {
            RedemptionStatus::Processed | RedemptionStatus::Reversed => {
                return Ok(Ok(reply(batch, existing, true)?))
            }
            // redeem is reserve + confirm: an open hold for this order is confirmed.
            RedemptionStatus::Pending => return confirm_hold(batch, existing, now),
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
        now,
    )
}

fn reserve(batch: &mut WriteBatch, r: &ReserveRequest, now: i64, config: &WriterConfig) -> Outcome {
    if r.ttl_ms > config.max_hold_ttl_ms {
        return Ok(Err(Error::invalid(
            "ttl_ms",
            format!("at most {} ms", config.max_hold_ttl_ms),
        )));
    }
    if let Some(existing) = existing_for_order(batch, &r.code, &r.order_id)? {
        if let Err(e) = same_order(
            &existing,
            &r.order.customer_id,
            r.order.amount,
            &r.order.currency,
        ) {
            return Ok(Err(e));
        }
        let open_hold = existing.status == RedemptionStatus::Pending
            && existing.hold_expires_at.is_some_and(|t| t > now);
        let captured = matches!(
            existing.status,
            RedemptionStatus::Processed | RedemptionStatus::Reversed
        );
        if open_hold || captured {
            return Ok(Ok(reply(batch, existing, true)?));
        }
        if existing.status == RedemptionStatus::Pending {
            // Past its TTL but not yet swept: give it back before holding anew.
            expire_one(batch, existing, now)?;
        }
    }
    let ttl = if r.ttl_ms == 0 {
        config.default_hold_ttl_ms
    } else {
        r.ttl_ms
    };
    start(
        batch,
        &r.code,
        &r.order_id,
        "",
        &r.order,
        Some(now + i64::from(ttl)),
        now,
    )
}

fn confirm(batch: &mut WriteBatch, r: &RedemptionRef, now: i64) -> Outcome {
    let Some(existing) = find(batch, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match existing.status {
        RedemptionStatus::Pending => confirm_hold(batch, existing, now),
        RedemptionStatus::Processed => Ok(Ok(reply(batch, existing, true)?)),
        RedemptionStatus::Expired => Ok(Err(Error::HoldExpired)),
        RedemptionStatus::Released => Ok(Err(Error::InvalidState(
            "the hold was released; reserve again".into(),
        ))),
        RedemptionStatus::Reversed => Ok(Err(Error::InvalidState(
            "the redemption was reversed".into(),
        ))),
    }
}

fn confirm_hold(batch: &mut WriteBatch, mut hold: Redemption, now: i64) -> Outcome {
    let expires_at = hold.hold_expires_at.unwrap_or(i64::MIN);
    if expires_at <= now {
        // The sweeper gives the use back; a late confirm must not capture it.
        return Ok(Err(Error::HoldExpired));
    }
    batch.delete_hold(expires_at, hold.id)?;
    hold.status = RedemptionStatus::Processed;
    hold.hold_expires_at = None;
    hold.updated_at = now;
    batch.put_redemption(&hold)?;
    adjust_coupon(batch, hold.coupon_id, 1, -1)?;
    Ok(Ok(reply(batch, hold, false)?))
}

fn release(batch: &mut WriteBatch, r: &RedemptionRef, now: i64) -> Outcome {
    let Some(mut hold) = find(batch, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
    match hold.status {
        RedemptionStatus::Pending => {}
        RedemptionStatus::Released | RedemptionStatus::Expired => {
            return Ok(Ok(reply(batch, hold, true)?))
        }
        RedemptionStatus::Processed | RedemptionStatus::Reversed => {
            return Ok(Err(Error::InvalidState(
                "the use was captured; reverse it instead".into(),
            )))
        }
    }
    if let Some(expires_at) = hold.hold_expires_at {
        batch.delete_hold(expires_at, hold.id)?;
    }
    hold.status = RedemptionStatus::Released;
    hold.hold_expires_at = None;
    hold.updated_at = now;
    batch.put_redemption(&hold)?;
    adjust_coupon(batch, hold.coupon_id, 0, -1)?;
    adjust_customer(batch, hold.coupon_id, &hold.customer_id, -1)?;
    Ok(Ok(reply(batch, hold, false)?))
}

fn reverse(batch: &mut WriteBatch, r: &RedemptionRef, reason: &str, now: i64) -> Outcome {
    let Some(mut redemption) = find(batch, r)? else {
        return Ok(Err(Error::NotFound("redemption")));
    };
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
    redemption.status = RedemptionStatus::Reversed;
    redemption.reverse_reason = reason.into();
    redemption.updated_at = now;
    batch.put_redemption(&redemption)?;
    adjust_coupon(batch, redemption.coupon_id, -1, 0)?;
    adjust_customer(batch, redemption.coupon_id, &redemption.customer_id, -1)?;
    Ok(Ok(reply(batch, redemption, false)?))
}

fn expire_one(batch: &mut WriteBatch, mut hold: Redemption, now: i64) -> storage::Result<()> {
    if let Some(expires_at) = hold.hold_expires_at {
        batch.delete_hold(expires_at, hold.id)?;
    }
    hold.status = RedemptionStatus::Expired;
    hold.updated_at = now;
    batch.put_redemption(&hold)?;
    adjust_coupon(batch, hold.coupon_id, 0, -1)?;
    adjust_customer(batch, hold.coupon_id, &hold.customer_id, -1)
}

/// Gives back every hold past its TTL (bounded per batch; the next tick takes the rest).
fn expire_holds(batch: &mut WriteBatch, now: i64) -> storage::Result<usize> {
    let due = batch.due_holds(now, 10_000)?;
    for &(expires_at, id) in &due {
        match batch.redemption(id)? {
            Some(hold) if hold.status == RedemptionStatus::Pending => expire_one(batch, hold, now)?,
            _ => batch.delete_hold(expires_at, id)?,
        }
    }
    if !due.is_empty() {
        tracing::info!(count = due.len(), "expired holds given back");
    }
    Ok(due.len())
}
