//! QUALIFY (issue 12): which coupons apply to a cart, and their best
//! combination. A read from the committed state, like ORDER_VALIDATE.
//!
//! 1. The qualification index (`state::targets`) gives at most
//!    [`CANDIDATES_MAX`] coupons the cart could meet, best bound first;
//!    with the customer's own codes of PERSONALIZED campaigns (at most
//!    [`PERSONAL_MAX`], from `State::personal_codes`), which the index does
//!    not hold as they are generated codes.
//! 2. Each is judged exactly as ORDER_VALIDATE judges a code (`judge`);
//!    those that take something off alone qualify, listed by discount
//!    descending, then code.
//! 3. `rules::stacking::best_combination` picks the set with the largest
//!    total the stacking rules allow, and `order_ops::decide_codes` decides
//!    that set as ORDER_VALIDATE would (the campaign budgets with it), so
//!    `best` and `best_totals` are what ORDER_VALIDATE of those codes
//!    answers at the same moment.
//!
//! Enumeration-safe by construction: the index holds no private coupon,
//! and an assigned one only under its own customer; a bound code is judged
//! only for its own customer.

use couponsd_client::wire::{Order, OrderTotals, Qualification, QualifiedCoupon};

use super::judge::{judge, Committed};
use super::order_ops::decide_codes;
use super::Shopper;
use crate::domain::coupon::SharedDef;
use crate::rules::discount::Discount;
use crate::rules::stacking::{best_combination, Candidate, StackPolicy, StackRules};

/// The most coupons one request judges; more in the index are cut
/// (`truncated`), the ones with the lowest bounds first.
pub const CANDIDATES_MAX: usize = 1_000;
/// The most coupons one reply lists.
pub const LIMIT_MAX: u16 = 100;
/// The most of the customer's own bound codes (CAMPAIGN_ASSIGN) one request
/// judges on top of the index's candidates: the newest.
pub const PERSONAL_MAX: usize = 100;

/// The coupons that apply to `order` (at most `limit`) and the best
/// combination of all that apply.
pub fn qualify(
    reads: &Committed,
    policy: &StackPolicy,
    limit: u16,
    order: &Order,
    shopper: Shopper,
) -> Qualification {
    assert!((1..=LIMIT_MAX).contains(&limit));
    let found = reads.state.qualification_candidates(order, CANDIDATES_MAX);
    let mut coupon_ids = found.coupon_ids;
    if !order.customer_id.is_empty() {
        let customer = reads.state.key(&order.customer_id);
        coupon_ids.extend(reads.state.personal_codes(customer, PERSONAL_MAX));
    }
    let evaluated = coupon_ids.len();
    let mut qualifying: Vec<(SharedDef, Discount)> = Vec::new();
    for id in coupon_ids {
        // Deleted since the index was read: nothing to judge.
        let Some((def, _)) = reads.state.coupon(id) else {
            continue;
        };
        let judged = judge(reads, def, order, shopper);
        if let Ok(discount) = judged.outcome {
            if discount.discount_amount > 0 {
                qualifying.push((judged.def, discount));
            }
        }
    }
    qualifying.sort_by(|a, b| {
        (b.1.discount_amount.cmp(&a.1.discount_amount))
            .then_with(|| a.0.spec.code.cmp(&b.0.spec.code))
    });
    let candidates: Vec<Candidate> = qualifying
        .iter()
        .map(|(def, discount)| Candidate {
            code: &def.spec.code,
            spec: &def.spec,
            rules: StackRules::of(&def.spec),
            alone: Ok(*discount),
        })
        .collect();
    let (best, best_totals) = match best_combination(policy, &candidates, order) {
        Some((set, _)) => {
            let codes: Vec<String> = set
                .iter()
                .map(|&i| qualifying[i].0.spec.code.clone())
                .collect();
            let decided = decide_codes(reads, policy, &codes, order, shopper);
            let applied = decided.codes.into_iter().filter(|c| c.applied);
            (applied.map(|c| c.code).collect(), decided.totals)
        }
        None => (
            Vec::new(),
            OrderTotals {
                original_amount: order.amount,
                discount_amount: 0,
                final_amount: order.amount,
                currency: order.currency.clone(),
            },
        ),
    };
    let coupons = qualifying
        .iter()
        .take(usize::from(limit))
        .map(|(def, discount)| {
            let assigned = &def.spec.assigned_customer_id;
            QualifiedCoupon {
                code: def.spec.code.clone(),
                coupon_id: def.id,
                discount_amount: discount.discount_amount,
                auto_apply: def.spec.auto_apply,
                assigned: !assigned.is_empty() && *assigned == order.customer_id,
            }
        })
        .collect();
    Qualification {
        coupons,
        best,
        best_totals,
        truncated: found.truncated,
        candidates_evaluated: u32::try_from(evaluated).unwrap_or(u32::MAX),
    }
}
