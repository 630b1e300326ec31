//! Several codes on one order (issue 12): ORDER_VALIDATE and ORDER_REDEEM.
//! Each code is judged as a single REDEEM judges it (`judge::judge`), then
//! `rules::stacking::stack` decides which apply and what each takes off.
//! `decide_codes` is that decision, read-only and the same for VALIDATE
//! (from the committed state) and REDEEM (from the decider's draft);
//! `redeem` records the applied codes' uses as one plan: one log record.
//!
//! Idempotency is per order id: the first accepted ORDER_REDEEM of an
//! order keeps a fingerprint of its set of codes in the order index under
//! coupon id 0 (no coupon has id 0). A retry with the same set is answered
//! from the order's redemptions (replayed); a retry with another set, or a
//! set one of whose codes a single-code REDEEM or RESERVE already used for
//! the order, is CONFLICT. Reserve, confirm, release and reverse of a whole
//! set are not built yet: each redemption of a set is reversed on its own.

use std::collections::{BTreeSet, HashMap};

use couponsd_client::wire::{
    ErrorCode, Order, OrderCode, OrderMode, OrderRedeemRequest, OrderRedemption,
    OrderReserveRequest, OrderTotals, Redemption, RedemptionStatus, Response,
};

use super::judge::{judge, Judged, Reads};
use super::ops::{
    allowed_ttl, attempt, by_order, find, hold_expires_at, record_rejected, record_use, same_order,
    take_use, Accepted, Decision,
};
use super::plan::Draft;
use super::{Shopper, WriterConfig};
use crate::error::{Error, NotStacked, Refusal};
use crate::rules;
use crate::rules::discount::Discount;
use crate::rules::fraud::assess;
use crate::rules::stacking::{self, Candidate, CodeResult, SkipReason, StackPolicy, StackRules};
use crate::state::keys::Key;
use crate::state::order_set::{OrderSet, SetCode};
use crate::state::Effect;
use crate::storage;

use crate::state::ORDER_SET_COUPON_ID as ORDER_SET;

/// The decision on a set of codes: each code's outcome (in the order of
/// application, then the unknown codes by code) and the totals.
pub struct Decided {
    pub codes: Vec<OrderCode>,
    /// Why each code of `codes` is not applied (None: applied).
    pub refusals: Vec<Option<Error>>,
    /// The applied codes, in the order of application, with what each takes.
    pub applied: Vec<(Judged, Discount)>,
    /// The codes a security check refused (their index in `codes`), which
    /// ORDER_REDEEM and ORDER_RESERVE keep as REJECTED redemptions.
    pub security_refused: Vec<(usize, Judged)>,
    pub totals: OrderTotals,
}

impl Decided {
    /// The first refusal, in the order the codes are listed.
    pub fn first_refusal(&self) -> Option<&Error> {
        self.refusals.iter().flatten().next()
    }
}

/// Judges each of `codes` (normalized) on `order` and stacks them under
/// `policy`. A code's campaign budget is checked again with what the codes
/// before it in the same order take from it: a code the budget cannot cover
/// then is refused (BUDGET_EXHAUSTED) and the rest stacked again.
pub fn decide_codes(
    reads: &impl Reads,
    policy: &StackPolicy,
    codes: &[String],
    order: &Order,
    shopper: Shopper,
) -> Decided {
    let mut found: Vec<(String, Judged)> = Vec::new();
    let mut unknown: Vec<(String, Error)> = Vec::new();
    for code in codes {
        let judged = match reads.coupon(code) {
            Ok(def) => judge(reads, def, order, shopper),
            Err(e) => {
                unknown.push((code.clone(), e));
                continue;
            }
        };
        match judged.outcome {
            // Enumeration-safe: answered as an unknown code (rules::fraud::enumeration).
            Err(refusal) if rules::fraud::enumeration::hidden(&judged.def.spec, refusal) => {
                unknown.push((code.clone(), reads.unknown_code(code)));
            }
            _ => found.push((code.clone(), judged)),
        }
    }
    unknown.sort_by(|a, b| a.0.cmp(&b.0));
    let mut overridden: HashMap<usize, Refusal> = HashMap::new();
    // Each round refuses one more code or ends: at most one round per code.
    let (outcome, sequence) = loop {
        let candidates: Vec<Candidate> = found
            .iter()
            .enumerate()
            .map(|(i, (code, j))| Candidate {
                code,
                spec: &j.def.spec,
                rules: StackRules::of(&j.def.spec),
                alone: overridden.get(&i).map_or(j.outcome, |&r| Err(r)),
            })
            .collect();
        let outcome = stacking::stack(policy, &candidates, order);
        let sequence = stacking::order_of_application(&candidates);
        match over_budget(reads, &found, &outcome, &sequence) {
            Some(i) => {
                let fresh = overridden.insert(i, Refusal::BudgetExhausted).is_none();
                assert!(fresh, "a code refused for the budget was applied again");
            }
            None => break (outcome, sequence),
        }
    };
    let mut decided = Decided {
        codes: Vec::with_capacity(codes.len()),
        refusals: Vec::with_capacity(codes.len()),
        applied: Vec::new(),
        security_refused: Vec::new(),
        totals: OrderTotals {
            original_amount: outcome.original_amount,
            discount_amount: outcome.discount_amount,
            final_amount: outcome.final_amount,
            currency: order.currency.clone(),
        },
    };
    let mut found: Vec<Option<(String, Judged)>> = found.into_iter().map(Some).collect();
    for (slot, &i) in outcome.codes.iter().zip(&sequence) {
        let Some((code, judged)) = found[i].take() else {
            unreachable!("the order of application names each code once");
        };
        let coupon_id = judged.def.id;
        match slot.result {
            CodeResult::Applied { discount } => {
                decided.codes.push(OrderCode {
                    code,
                    coupon_id,
                    applied: true,
                    discount_amount: discount.discount_amount,
                    ..OrderCode::default()
                });
                decided.refusals.push(None);
                decided.applied.push((judged, discount));
            }
            CodeResult::Skipped { reason } => {
                let e = skipped(reason);
                decided.codes.push(refused(code, coupon_id, &e));
                decided.refusals.push(Some(e));
                if matches!(reason, SkipReason::Refused(r) if r.is_security()) {
                    let index = decided.codes.len() - 1;
                    decided.security_refused.push((index, judged));
                }
            }
        }
    }
    for (code, e) in unknown {
        decided.codes.push(refused(code, 0, &e));
        decided.refusals.push(Some(e));
    }
    decided
}

/// The first applied code (in the order of application) whose campaign's
/// budget cannot cover its discount on top of what the codes applied before
/// it take from the same campaign.
fn over_budget(
    reads: &impl Reads,
    found: &[(String, Judged)],
    outcome: &stacking::StackOutcome,
    sequence: &[usize],
) -> Option<usize> {
    let mut taken: HashMap<u64, i64> = HashMap::new();
    for (slot, &i) in outcome.codes.iter().zip(sequence) {
        let CodeResult::Applied { discount } = slot.result else {
            continue;
        };
        let spec = &found[i].1.def.spec;
        let Some(campaign) = spec.campaign_id.and_then(|id| reads.campaign(id)) else {
            continue;
        };
        let mut counters = reads.campaign_counters(campaign.id);
        let before = taken.entry(campaign.id).or_default();
        counters.budget_used = counters.budget_used.saturating_add(*before);
        if rules::campaign::check_budget(&campaign, counters, discount.discount_amount).is_err() {
            return Some(i);
        }
        *before = before.saturating_add(discount.discount_amount);
    }
    None
}

fn skipped(reason: SkipReason) -> Error {
    match reason {
        SkipReason::Refused(r) => Error::Refused(r),
        SkipReason::Duplicate => NotStacked::Duplicate.into(),
        SkipReason::Exclusive => NotStacked::Exclusive.into(),
        SkipReason::ClassNotCombinable => NotStacked::NotCombinable.into(),
        SkipReason::TooManyCodes => NotStacked::TooManyCodes.into(),
        SkipReason::NothingLeft => NotStacked::NothingLeft.into(),
    }
}

fn refused(code: String, coupon_id: u64, e: &Error) -> OrderCode {
    OrderCode {
        code,
        coupon_id,
        applied: false,
        reason: e.code().as_u16(),
        message: e.to_string(),
        discount_amount: 0,
    }
}

/// The fingerprint of a set of codes: the order of the codes and repeats
/// do not change it.
fn fingerprint(d: &Draft, codes: &[String]) -> u64 {
    let set: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    let joined: Vec<&str> = set.into_iter().collect();
    d.key(&format!("order codes\n{}", joined.join("\n")))[0]
}

/// Whether a redemption found for the order took its use (a hold still
/// open counts); a released, expired or rejected one took nothing.
fn taken(status: RedemptionStatus) -> bool {
    matches!(
        status,
        RedemptionStatus::Pending | RedemptionStatus::Processed | RedemptionStatus::Reversed
    )
}

/// What ORDER_REDEEM and ORDER_RESERVE ask for: a set of codes on an order,
/// each applied code's use captured or held.
struct Asked<'r> {
    codes: &'r [String],
    mode: OrderMode,
    order_id: &'r str,
    transaction_id: &'r str,
    order: &'r Order,
    /// Some: each use a hold (PENDING) until then (ORDER_RESERVE).
    hold_expires_at: Option<i64>,
}

/// ORDER_REDEEM: the applied codes' uses as one plan, or a refusal that
/// records nothing but the REJECTED attempts a security check refused.
pub fn redeem(
    d: Draft,
    r: &OrderRedeemRequest,
    shopper: Shopper,
    config: &WriterConfig,
) -> Decision {
    let asked = Asked {
        codes: &r.codes,
        mode: r.mode,
        order_id: &r.order_id,
        transaction_id: &r.transaction_id,
        order: &r.order,
        hold_expires_at: None,
    };
    take_set(d, asked, shopper, config)
}

/// ORDER_RESERVE: as ORDER_REDEEM, each applied code's use a hold until
/// the TTL (the server's default for 0, at most its most, as RESERVE).
pub fn reserve(
    d: Draft,
    r: &OrderReserveRequest,
    shopper: Shopper,
    config: &WriterConfig,
) -> Decision {
    if let Err(e) = allowed_ttl(r.ttl_ms, config) {
        return Ok(Err(e));
    }
    let asked = Asked {
        codes: &r.codes,
        mode: r.mode,
        order_id: &r.order_id,
        transaction_id: "",
        order: &r.order,
        hold_expires_at: Some(hold_expires_at(&d, r.ttl_ms, config)),
    };
    take_set(d, asked, shopper, config)
}

fn take_set(mut d: Draft, asked: Asked, shopper: Shopper, config: &WriterConfig) -> Decision {
    let order_key: Key = d.key(asked.order_id);
    let fingerprint = fingerprint(&d, asked.codes);
    if let Some(first) = d.order(ORDER_SET, order_key) {
        let set = d.order_set(order_key);
        let members = match &set {
            Some(set) => members(&d, set, order_key)?,
            None => Vec::new(),
        };
        // A set given back whole (released, or every hold expired) is
        // decided afresh, as a single code's released hold is.
        if set.is_none() || members.iter().any(|m| taken(m.status)) {
            if first != fingerprint {
                return Ok(Err(Error::Conflict(format!(
                    "order {} was redeemed with another set of codes",
                    asked.order_id
                ))));
            }
            return match set {
                Some(set) => replay(d, &asked, &set, members),
                None => replay_unkept(d, &asked),
            };
        }
    }
    for code in asked.codes {
        if let Some(existing) = find(&d, &by_order(code, asked.order_id))? {
            if taken(existing.status) {
                return Ok(Err(Error::Conflict(format!(
                    "order {} already used code {code} on its own",
                    asked.order_id
                ))));
            }
        }
    }
    let mut decided = decide_codes(&d, &config.stack, asked.codes, asked.order, shopper);
    let kept_rejected = keep_rejected(&mut d, &mut decided, &asked)?;
    if asked.mode == OrderMode::AllOrNothing {
        if let Some(e) = decided.first_refusal() {
            let e = e.again();
            return Ok(if kept_rejected {
                Ok(d.into_recorded_refusal(e))
            } else {
                Err(e)
            });
        }
    }
    if decided.applied.is_empty() {
        // Nothing taken and no set recorded (only REJECTED attempts, if
        // any): a retry is judged afresh.
        let reply = OrderRedemption {
            codes: decided.codes,
            redemptions: Vec::new(),
            totals: decided.totals,
            replayed: false,
        };
        return Ok(Ok(d.into_plan(Response::OrderRedemption(reply))));
    }
    let mut redemptions = Vec::with_capacity(decided.applied.len());
    for (judged, discount) in &decided.applied {
        let accepted = Accepted {
            order_id: asked.order_id,
            transaction_id: asked.transaction_id,
            order: asked.order,
            discount_amount: discount.discount_amount,
            final_amount: decided.totals.final_amount,
            hold_expires_at: asked.hold_expires_at,
        };
        let redemption = take_use(&mut d, judged, accepted);
        record_use(&mut d, redemption.clone());
        redemptions.push(redemption);
    }
    let codes: Vec<SetCode> = decided
        .codes
        .iter()
        .map(|c| SetCode {
            code: c.code.clone(),
            coupon_id: c.coupon_id,
            reason: c.reason,
        })
        .collect();
    d.record(Effect::OrderSet {
        order: order_key,
        set: OrderSet {
            fingerprint,
            codes: codes.into(),
        },
    });
    let reply = OrderRedemption {
        codes: decided.codes,
        redemptions,
        totals: decided.totals,
        replayed: false,
    };
    Ok(Ok(d.into_plan(Response::OrderRedemption(reply))))
}

/// Keeps each code a security check refused as a REJECTED redemption, as a
/// single REDEEM keeps it (in this order's record, in either mode), unless
/// the order's latest attempt of that code was already REJECTED (a retry is
/// not a second attempt). Its outcome's message names the record. Returns
/// whether any was kept.
fn keep_rejected(d: &mut Draft, decided: &mut Decided, asked: &Asked) -> storage::Result<bool> {
    let mut kept = false;
    for (index, judged) in std::mem::take(&mut decided.security_refused) {
        let code = &decided.codes[index].code;
        if let Some(existing) = find(d, &by_order(code, asked.order_id))? {
            if existing.status == RedemptionStatus::Rejected {
                continue;
            }
        }
        let mut attempt = attempt(
            d,
            &judged.def,
            asked.order_id,
            asked.transaction_id,
            asked.order,
        );
        attempt.security = assess::kept(judged.assessment);
        let id = attempt.id;
        record_rejected(d, attempt);
        decided.codes[index]
            .message
            .push_str(&format!(" (kept as REJECTED redemption {id})"));
        kept = true;
    }
    Ok(kept)
}

/// The current redemption of each applied code of `set`, in the set's order.
pub(super) fn members(d: &Draft, set: &OrderSet, order: Key) -> storage::Result<Vec<Redemption>> {
    let mut found = Vec::with_capacity(set.codes.len());
    for c in set.codes.iter().filter(|c| c.applied()) {
        let redemption = match d.order(c.coupon_id, order) {
            Some(id) => d.redemption(id)?,
            None => None,
        };
        debug_assert!(
            redemption.is_some(),
            "an applied code of a set has no redemption"
        );
        found.extend(redemption);
    }
    Ok(found)
}

/// The reply about a set: each code as the set was first decided (an
/// applied one with its discount, one not applied with its first reason),
/// its redemptions as they are now, and the totals they make.
pub(super) fn set_reply(
    set: &OrderSet,
    order_id: &str,
    redemptions: Vec<Redemption>,
    replayed: bool,
) -> OrderRedemption {
    let discount_of = |coupon_id: u64| {
        redemptions
            .iter()
            .find(|r| r.coupon_id == coupon_id)
            .map_or(0, |r| r.discount_amount)
    };
    let codes = set
        .codes
        .iter()
        .map(|c| {
            if c.applied() {
                OrderCode {
                    code: c.code.clone(),
                    coupon_id: c.coupon_id,
                    applied: true,
                    discount_amount: discount_of(c.coupon_id),
                    ..OrderCode::default()
                }
            } else {
                let name = ErrorCode::from_u16(c.reason).map_or("?", ErrorCode::name);
                OrderCode {
                    code: c.code.clone(),
                    coupon_id: c.coupon_id,
                    applied: false,
                    reason: c.reason,
                    message: format!("{name} when order {order_id} was first decided"),
                    discount_amount: 0,
                }
            }
        })
        .collect();
    let (original_amount, currency) = redemptions.first().map_or((0, String::new()), |r| {
        (r.original_amount, r.currency.clone())
    });
    let discount_amount: i64 = redemptions.iter().map(|r| r.discount_amount).sum();
    OrderRedemption {
        codes,
        redemptions,
        totals: OrderTotals {
            original_amount,
            discount_amount,
            final_amount: original_amount - discount_amount,
            currency,
        },
        replayed,
    }
}

/// A retry of an order redeemed or reserved with the same set: its first
/// result, with each redemption as it is now. ORDER_REDEEM of a set still
/// held is CONFLICT: ORDER_CONFIRM captures it (a redeem that captured it
/// would skip the transaction id the confirm gives).
fn replay(d: Draft, asked: &Asked, set: &OrderSet, members: Vec<Redemption>) -> Decision {
    for m in &members {
        if let Err(e) = same_order(m, asked.order) {
            return Ok(Err(e));
        }
    }
    let held = members
        .iter()
        .any(|m| m.status == RedemptionStatus::Pending);
    if asked.hold_expires_at.is_none() && held {
        return Ok(Err(Error::Conflict(format!(
            "order {} holds its codes (ORDER_RESERVE); ORDER_CONFIRM captures them",
            asked.order_id
        ))));
    }
    let reply = set_reply(set, asked.order_id, members, true);
    Ok(Ok(d.into_plan(Response::OrderRedemption(reply))))
}

/// A retry of an order redeemed before sets were kept (effect 22 keeps its
/// fingerprint alone): its redemptions, in the order of application. A code
/// it did not apply is listed as not applied; its first reason is unknown.
fn replay_unkept(d: Draft, asked: &Asked) -> Decision {
    let mut redemptions: Vec<(Redemption, i32)> = Vec::new();
    let mut codes = Vec::new();
    let mut seen = BTreeSet::new();
    for code in asked.codes {
        if !seen.insert(code.as_str()) {
            continue;
        }
        match find(&d, &by_order(code, asked.order_id))? {
            Some(existing) if taken(existing.status) => {
                if let Err(e) = same_order(&existing, asked.order) {
                    return Ok(Err(e));
                }
                let priority = d
                    .def(existing.coupon_id)
                    .map_or(0, |def| StackRules::of(&def.spec).priority);
                redemptions.push((existing, priority));
            }
            _ => codes.push(OrderCode {
                code: code.clone(),
                coupon_id: d.coupon_id(code).unwrap_or(0),
                message: format!("not applied when order {} was redeemed", asked.order_id),
                ..OrderCode::default()
            }),
        }
    }
    // The order of application: priority descending, then code.
    redemptions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    let applied: Vec<OrderCode> = redemptions
        .iter()
        .map(|(x, _)| OrderCode {
            code: x.code.clone(),
            coupon_id: x.coupon_id,
            applied: true,
            discount_amount: x.discount_amount,
            ..OrderCode::default()
        })
        .collect();
    let discount_amount: i64 = redemptions.iter().map(|(x, _)| x.discount_amount).sum();
    let reply = OrderRedemption {
        codes: applied.into_iter().chain(codes).collect(),
        redemptions: redemptions.into_iter().map(|(x, _)| x).collect(),
        totals: OrderTotals {
            original_amount: asked.order.amount,
            discount_amount,
            final_amount: asked.order.amount - discount_amount,
            currency: asked.order.currency.clone(),
        },
        replayed: true,
    };
    Ok(Ok(d.into_plan(Response::OrderRedemption(reply))))
}
