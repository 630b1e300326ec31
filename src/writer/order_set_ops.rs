//! An order's whole set of codes at once (issue 12): ORDER_CONFIRM,
//! ORDER_RELEASE and ORDER_REVERSE. The set is the one ORDER_RESERVE or
//! ORDER_REDEEM recorded (`state::order_set`); its redemptions are each
//! applied code's current one for the order. Each decision takes every
//! redemption of the set in one plan (one log record) or refuses, changing
//! nothing; what each does to one redemption is what CONFIRM, RELEASE and a
//! full REVERSE do (`ops::capture`, `ops::give_back_hold`, `ops::reverse_one`).
//!
//! - ORDER_CONFIRM captures every open hold. A hold past its TTL (expired,
//!   or due and not swept yet) makes it HOLD_EXPIRED, a released one
//!   INVALID_STATE; a set captured already is answered as it is (replayed).
//! - ORDER_RELEASE gives back every open hold; a set given back already is
//!   answered as it is (replayed); one with a captured use is INVALID_STATE.
//! - ORDER_REVERSE reverses every captured use in full; a set reversed
//!   already is ALREADY_REVERSED (as a full REVERSE twice is), one with an
//!   open or given-back hold INVALID_STATE.

use couponsd_client::wire::{Redemption, RedemptionStatus, Response};

use super::ops::{capture, give_back_hold, is_due, rejected, reverse_one, Decision};
use super::order_ops::{members, set_reply};
use super::plan::Draft;
use crate::error::{Error, Result};
use crate::state::order_set::OrderSet;
use crate::state::ORDER_SET_COUPON_ID;
use crate::storage;

/// The order's set and its redemptions, or why there is none to act on.
fn find_set(d: &Draft, order_id: &str) -> storage::Result<Result<(OrderSet, Vec<Redemption>)>> {
    let order = d.key(order_id);
    let Some(set) = d.order_set(order) else {
        if d.order(ORDER_SET_COUPON_ID, order).is_some() {
            return Ok(Err(Error::InvalidState(format!(
                "order {order_id} was redeemed before sets were kept; act on each code on its own"
            ))));
        }
        return Ok(Err(Error::NotFound("order")));
    };
    let redemptions = members(d, &set, order)?;
    if redemptions
        .iter()
        .any(|r| r.status == RedemptionStatus::Rejected)
    {
        return Ok(Err(rejected()));
    }
    Ok(Ok((set, redemptions)))
}

/// Answers about the set once every redemption of it is decided.
fn answer(
    d: Draft,
    set: &OrderSet,
    order_id: &str,
    now: Vec<Redemption>,
    changed: bool,
) -> Decision {
    let reply = set_reply(set, order_id, now, !changed);
    Ok(Ok(d.into_plan(Response::OrderRedemption(reply))))
}

pub fn confirm(mut d: Draft, order_id: &str, transaction_id: &str) -> Decision {
    let (set, redemptions) = match find_set(&d, order_id)? {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    for r in &redemptions {
        match r.status {
            RedemptionStatus::Expired => return Ok(Err(Error::HoldExpired)),
            RedemptionStatus::Pending if is_due(r, d.now()) => return Ok(Err(Error::HoldExpired)),
            RedemptionStatus::Released => {
                return Ok(Err(Error::InvalidState(format!(
                    "the hold of code {} was released; reserve the set again",
                    r.code
                ))))
            }
            RedemptionStatus::Reversed => {
                return Ok(Err(Error::InvalidState(format!(
                    "the use of code {} was reversed",
                    r.code
                ))))
            }
            RedemptionStatus::Pending | RedemptionStatus::Processed => {}
            RedemptionStatus::Rejected => return Ok(Err(rejected())),
        }
    }
    let mut changed = false;
    let mut now = Vec::with_capacity(redemptions.len());
    for r in redemptions {
        if r.status == RedemptionStatus::Pending {
            now.push(capture(&mut d, r, transaction_id));
            changed = true;
        } else {
            now.push(r);
        }
    }
    answer(d, &set, order_id, now, changed)
}

pub fn release(mut d: Draft, order_id: &str) -> Decision {
    let (set, redemptions) = match find_set(&d, order_id)? {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(r) = redemptions.iter().find(|r| {
        matches!(
            r.status,
            RedemptionStatus::Processed | RedemptionStatus::Reversed
        )
    }) {
        return Ok(Err(Error::InvalidState(format!(
            "the use of code {} was captured; ORDER_REVERSE the order instead",
            r.code
        ))));
    }
    let mut changed = false;
    let mut now = Vec::with_capacity(redemptions.len());
    for r in redemptions {
        // A hold past its TTL not swept yet is given back here, as the
        // sweep would: released rather than expired.
        if r.status == RedemptionStatus::Pending {
            now.push(give_back_hold(&mut d, r));
            changed = true;
        } else {
            now.push(r);
        }
    }
    answer(d, &set, order_id, now, changed)
}

pub fn reverse(mut d: Draft, order_id: &str, reason: &str) -> Decision {
    let (set, redemptions) = match find_set(&d, order_id)? {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(r) = redemptions.iter().find(|r| {
        !matches!(
            r.status,
            RedemptionStatus::Processed | RedemptionStatus::Reversed
        )
    }) {
        return Ok(Err(Error::InvalidState(format!(
            "code {} is not captured (PROCESSED); ORDER_RELEASE a held set instead",
            r.code
        ))));
    }
    if redemptions
        .iter()
        .all(|r| r.status == RedemptionStatus::Reversed)
    {
        return Ok(Err(Error::AlreadyReversed));
    }
    let mut now = Vec::with_capacity(redemptions.len());
    for r in redemptions {
        if r.status == RedemptionStatus::Processed {
            match reverse_one(&mut d, r, reason, None, "") {
                Ok((reversed, _)) => now.push(reversed),
                Err(e) => return Ok(Err(e)),
            }
        } else {
            now.push(r);
        }
    }
    answer(d, &set, order_id, now, true)
}
