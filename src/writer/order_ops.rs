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
    Order, OrderCode, OrderMode, OrderRedeemRequest, OrderRedemption, OrderTotals, Redemption,
    RedemptionStatus, Response,
};

use super::judge::{judge, Judged, Reads};
use super::ops::{by_order, find, same_order, take_use, Accepted, Decision};
use super::plan::Draft;
use super::{Shopper, WriterConfig};
use crate::error::{Error, NotStacked, Refusal};
use crate::rules;
use crate::rules::discount::Discount;
use crate::rules::stacking::{self, Candidate, CodeResult, SkipReason, StackPolicy, StackRules};
use crate::state::keys::Key;
use crate::state::Effect;

use crate::state::ORDER_SET_COUPON_ID as ORDER_SET;

/// The decision on a set of codes: each code's outcome (in the order of
/// application, then the unknown codes by code) and the totals.
pub struct Decided {
    pub codes: Vec<OrderCode>,
    /// Why each code of `codes` is not applied (None: applied).
    pub refusals: Vec<Option<Error>>,
    /// The applied codes, in the order of application, with what each takes.
    pub applied: Vec<(Judged, Discount)>,
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

/// ORDER_REDEEM: the applied codes' uses as one plan, or a refusal that
/// records nothing.
pub fn redeem(
    mut d: Draft,
    r: &OrderRedeemRequest,
    shopper: Shopper,
    config: &WriterConfig,
) -> Decision {
    let order_key: Key = d.key(&r.order_id);
    let fingerprint = fingerprint(&d, &r.codes);
    if let Some(first) = d.order(ORDER_SET, order_key) {
        if first != fingerprint {
            return Ok(Err(Error::Conflict(format!(
                "order {} was redeemed with another set of codes",
                r.order_id
            ))));
        }
        return replay(d, r);
    }
    for code in &r.codes {
        if let Some(existing) = find(&d, &by_order(code, &r.order_id))? {
            if taken(existing.status) {
                return Ok(Err(Error::Conflict(format!(
                    "order {} already used code {code} on its own",
                    r.order_id
                ))));
            }
        }
    }
    let decided = decide_codes(&d, &config.stack, &r.codes, &r.order, shopper);
    if r.mode == OrderMode::AllOrNothing {
        if let Some(e) = decided.first_refusal() {
            return Ok(Err(e.again()));
        }
    }
    if decided.applied.is_empty() {
        // Nothing taken, nothing recorded: a retry is judged afresh.
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
            order_id: &r.order_id,
            transaction_id: &r.transaction_id,
            order: &r.order,
            discount_amount: discount.discount_amount,
            final_amount: decided.totals.final_amount,
            hold_expires_at: None,
        };
        let redemption = take_use(&mut d, judged, accepted);
        d.record(Effect::Redemption(redemption.clone()));
        redemptions.push(redemption);
    }
    d.record(Effect::OrderCodes {
        order: order_key,
        fingerprint,
    });
    let reply = OrderRedemption {
        codes: decided.codes,
        redemptions,
        totals: decided.totals,
        replayed: false,
    };
    Ok(Ok(d.into_plan(Response::OrderRedemption(reply))))
}

/// A retry of an order redeemed with the same set of codes: its
/// redemptions, in the order of application. A code it did not apply is
/// listed as not applied (its first reason is not kept).
fn replay(d: Draft, r: &OrderRedeemRequest) -> Decision {
    let mut redemptions: Vec<(Redemption, i32)> = Vec::new();
    let mut codes = Vec::new();
    let mut seen = BTreeSet::new();
    for code in &r.codes {
        if !seen.insert(code.as_str()) {
            continue;
        }
        match find(&d, &by_order(code, &r.order_id))? {
            Some(existing) if taken(existing.status) => {
                if let Err(e) = same_order(&existing, &r.order) {
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
                message: format!("not applied when order {} was redeemed", r.order_id),
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
            original_amount: r.order.amount,
            discount_amount,
            final_amount: r.order.amount - discount_amount,
            currency: r.order.currency.clone(),
        },
        replayed: true,
    };
    Ok(Ok(d.into_plan(Response::OrderRedemption(reply))))
}
