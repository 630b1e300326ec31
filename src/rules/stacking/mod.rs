//! Several codes on one order (issue 12): which of them apply, in what
//! order, and what each takes off. Pure integer arithmetic: money in minor
//! units, percentages in basis points, no I/O, no clock. The caller
//! evaluates each code alone first (`rules::evaluate`) and passes the result
//! in a [`Candidate`]; [`stack`] decides the rest.
//!
//! # Stacking rules of a coupon ([`StackRules`])
//!
//! From its CouponSpec fields 34 to 37 (`stacking`):
//!
//! - `class`: ORDER, PRODUCT or SHIPPING. Default (unset) from the discount type:
//!   FREE_SHIPPING is SHIPPING; PRODUCT, BUY_X_GET_Y, per-line FIXED and any
//!   coupon with product criteria (applicable or excluded) are PRODUCT;
//!   anything else is ORDER. The class only says which codes it combines
//!   with: the part of the order a discount reduces follows its discount type
//!   as for a single code (protocol.md, Discount types).
//! - `combines_with`: the classes it combines with. Default: every class.
//! - `exclusive`: applies only alone. Default: false.
//! - `priority`: higher applies first. Default: 0.
//!
//! # Server policy ([`StackPolicy`])
//!
//! - `max_codes`: the most codes applied to one order, 1 to
//!   [`MAX_CODES_LIMIT`]; default [`DEFAULT_MAX_CODES`].
//! - `base`: INITIAL (each discount as the code gives it alone, on the
//!   initial amounts) or REMAINING (each discount computed on what the codes
//!   before it left). Default: REMAINING, so no money is discounted twice.
//!
//! # How the codes are stacked
//!
//! 1. **One fixed order of application** ([`order_of_application`]):
//!    priority descending, then the normalized code (trimmed, ASCII upper
//!    case) ascending. It never depends on the order the codes were given
//!    in. The outcome lists the codes in this order.
//! 2. A code given twice (same normalized code) counts once: the later ones
//!    are skipped, DUPLICATE.
//! 3. A code refused alone is skipped with its refusal, REFUSED.
//! 4. **Exclusive codes:** the first exclusive code in that order that
//!    gives a discount alone applies, alone: every other code is skipped,
//!    EXCLUSIVE, even a combination worth more. If no exclusive code gives a
//!    discount, they are skipped (refused, or NOTHING_LEFT when they give
//!    nothing) and the others stack.
//! 5. **Classes:** in order, a code joins the codes already applied only if
//!    it combines with each of them *both ways*: its `combines_with` has
//!    their class and theirs has its class. Otherwise CLASS_NOT_COMBINABLE.
//! 6. **Count:** once `max_codes` codes apply, the rest are TOO_MANY_CODES.
//! 7. **The discount at its turn**, on what is left of the part of the order
//!    it applies to (the shipping for FREE_SHIPPING, its eligible lines, or
//!    the whole amount when the order has no lines):
//!    - INITIAL: the code's own discount alone, at most what is left.
//!    - REMAINING: a percentage (PERCENTAGE) is of what is left of its part;
//!      a fixed amount, a per-line or per-unit amount and BUY_X_GET_Y's units
//!      are as alone (`rules::discount`), at most what is left. Then the
//!      code's own `max_discount_amount` caps it.
//!
//!    A code whose discount at its turn is 0 is skipped, NOTHING_LEFT, so an
//!    applied code always takes something off and a code that takes nothing
//!    never uses up a place or blocks another class.
//! 8. **What a discount takes off:** the order amount by the discount; the
//!    shipping for FREE_SHIPPING; its eligible lines in proportion to what is
//!    left of each (largest remainder, then the first line, for the minor
//!    units left over); a discount of the whole amount (an order without
//!    lines) takes the shipping's share in proportion to it. So no line, no
//!    shipping and no order ever goes below zero, and the shipping discounts
//!    never add up to more than the shipping.
//!
//! Totals: original = the order amount; total discount = the sum of the
//! applied discounts; final = original − total. Each applied code reports
//! its `applicable_amount` (what was left of its part at its turn), its
//! `discount_amount`, and as `final_amount` the order amount left after it.
//!
//! # Worked examples (amounts in minor units)
//!
//! **Initial against remaining base.** Order of 15000 USD without lines;
//! TENOFF: FIXED 1000, priority 1; SUMMER20: PERCENTAGE 2000 bp (20 %),
//! priority 0; both ORDER class, combining with ORDER. TENOFF applies first.
//!
//! | base | TENOFF | SUMMER20 | total | final |
//! |---|---|---|---|---|
//! | INITIAL | 1000 | 20 % of 15000 = 3000 | 4000 | 11000 |
//! | REMAINING | 1000 | 20 % of 14000 = 2800 | 3800 | 11200 |
//!
//! With both at priority 0, SUMMER20 comes first (by code) and both bases
//! give 3000 + 1000: a percentage before a fixed amount sees the same base.
//!
//! **An exclusive code beside two combinable ones.** Order of 20000 without
//! lines; VIP25: PERCENTAGE 2500 bp, exclusive; SUMMER20 (20 %) and TENOFF
//! (1000), ORDER class combining with ORDER; all priority 0, so the order is
//! SUMMER20, TENOFF, VIP25. VIP25 gives 5000 alone, so it applies alone:
//! SUMMER20 and TENOFF are skipped, EXCLUSIVE; total 5000, final 15000. If
//! VIP25 is refused (say its minimum order is 25000): VIP25 is skipped,
//! REFUSED (MIN_ORDER_NOT_MET), SUMMER20 takes 4000 and TENOFF 1000 (either
//! base): total 5000, final 15000.
//!
//! **A shipping code with an order code.** Order of 10800: one line of
//! 2 × 5000 and shipping 800. FREESHIP: FREE_SHIPPING (SHIPPING class,
//! combines with ORDER); SUMMER20: 20 % (ORDER class, combines with ORDER and
//! SHIPPING); priority 0, so FREESHIP first. FREESHIP takes the shipping,
//! 800 (final 10000); SUMMER20 takes 20 % of the line, 2000 (final 8000):
//! total 2800, either base, as they reduce different parts. If SUMMER20
//! combined only with ORDER, it would be skipped, CLASS_NOT_COMBINABLE
//! (total 800); with SUMMER20 at priority 1 instead, SUMMER20 would apply
//! first and FREESHIP be skipped (total 2000).

mod best;
mod left;
mod policy;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod table_tests;

use std::collections::HashSet;

use couponsd_client::wire::{CouponSpec, Order};

use super::discount::Discount;
use crate::error::Refusal;
pub use best::best_combination;
use left::Left;
pub use policy::{
    Base, ClassSet, StackClass, StackPolicy, StackRules, DEFAULT_MAX_CODES, MAX_CODES_LIMIT,
};

/// One code of the order: the coupon it names, its stacking rules, and what
/// it gives alone on the same order (`rules::evaluate`), or why not. Codes
/// with the same normalized code must name the same coupon (the caller looks
/// each code up once).
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub code: &'a str,
    pub spec: &'a CouponSpec,
    pub rules: StackRules,
    pub alone: Result<Discount, Refusal>,
}

/// Why a code of the order takes nothing off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The same code is earlier in the order of application.
    Duplicate,
    /// An exclusive code applies alone.
    Exclusive,
    /// It does not combine, both ways, with a code applied before it.
    ClassNotCombinable,
    /// `max_codes` codes apply already.
    TooManyCodes,
    /// Nothing is left of the part of the order it applies to, or it gives
    /// nothing on it.
    NothingLeft,
    /// It is refused alone.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeResult {
    /// `discount_amount` > 0; `applicable_amount` is what was left of its
    /// part at its turn, `final_amount` the order amount left after it.
    Applied {
        discount: Discount,
    },
    Skipped {
        reason: SkipReason,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeOutcome {
    /// Normalized: trimmed, ASCII upper case.
    pub code: String,
    pub result: CodeResult,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackOutcome {
    /// Every code, in the order of application.
    pub codes: Vec<CodeOutcome>,
    pub original_amount: i64,
    /// The sum of the applied discounts.
    pub discount_amount: i64,
    /// original_amount − discount_amount.
    pub final_amount: i64,
    /// Each line's total after the discounts, in the order's line order (a
    /// line above the order amount counts as the order amount).
    pub line_amounts: Vec<i64>,
    /// The shipping left after the discounts.
    pub shipping_amount: i64,
}

/// The positions of `candidates` in the one order they apply in: priority
/// descending, then the normalized code ascending. Any permutation of the
/// candidates gives the same candidates in the same order.
pub fn order_of_application(candidates: &[Candidate]) -> Vec<usize> {
    let codes: Vec<String> = candidates.iter().map(|c| normalized(c.code)).collect();
    sequence(candidates, &codes)
}

/// Stacks `candidates` on `order` under `policy`; see the module
/// documentation for the rules.
pub fn stack(policy: &StackPolicy, candidates: &[Candidate], order: &Order) -> StackOutcome {
    let codes: Vec<String> = candidates.iter().map(|c| normalized(c.code)).collect();
    let sequence = sequence(candidates, &codes);
    // A code is a duplicate after the first of its spelling in the sequence.
    let mut duplicate = vec![false; candidates.len()];
    let mut seen = HashSet::new();
    for &i in &sequence {
        duplicate[i] = !seen.insert(codes[i].as_str());
    }
    let exclusive = sequence.iter().copied().find(|&i| {
        let c = &candidates[i];
        !duplicate[i] && c.rules.exclusive && c.alone.is_ok_and(|d| d.discount_amount > 0)
    });
    let mut left = Left::of(order);
    let original = left.amount;
    let mut applied: Vec<usize> = Vec::new();
    let mut outcomes = Vec::with_capacity(candidates.len());
    for &i in &sequence {
        let c = &candidates[i];
        let result = if duplicate[i] {
            Err(SkipReason::Duplicate)
        } else {
            match c.alone {
                Err(refusal) => Err(SkipReason::Refused(refusal)),
                Ok(_) if exclusive.is_some_and(|e| e != i) => Err(SkipReason::Exclusive),
                // No exclusive code gives anything, this one included.
                Ok(_) if exclusive.is_none() && c.rules.exclusive => Err(SkipReason::NothingLeft),
                Ok(_)
                    if applied
                        .iter()
                        .any(|&a| !c.rules.combines(&candidates[a].rules)) =>
                {
                    Err(SkipReason::ClassNotCombinable)
                }
                Ok(_) if applied.len() >= policy.max_codes() as usize => {
                    Err(SkipReason::TooManyCodes)
                }
                Ok(alone) => left.take(policy.base(), c.spec, alone, order),
            }
        };
        let result = match result {
            Ok(discount) => {
                applied.push(i);
                CodeResult::Applied { discount }
            }
            Err(reason) => CodeResult::Skipped { reason },
        };
        outcomes.push(CodeOutcome {
            code: codes[i].clone(),
            result,
        });
    }
    assert!(applied.len() <= policy.max_codes() as usize);
    let discount_amount = original - left.amount;
    debug_assert_eq!(
        discount_amount,
        outcomes
            .iter()
            .map(|o| match o.result {
                CodeResult::Applied { discount } => i128::from(discount.discount_amount),
                CodeResult::Skipped { .. } => 0,
            })
            .sum::<i128>()
    );
    // Every amount left is within 0..=original, which is an i64.
    StackOutcome {
        codes: outcomes,
        original_amount: original as i64,
        discount_amount: discount_amount as i64,
        final_amount: left.amount as i64,
        line_amounts: left.lines.iter().map(|&line| line as i64).collect(),
        shipping_amount: left.shipping as i64,
    }
}

fn normalized(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// Priority descending, then normalized code; the sort is stable, so only
/// candidates with the same code and priority (the same coupon) keep the
/// order they were given in.
fn sequence(candidates: &[Candidate], codes: &[String]) -> Vec<usize> {
    let mut sequence: Vec<usize> = (0..candidates.len()).collect();
    sequence.sort_by(|&a, &b| {
        let priority = |i: usize| candidates[i].rules.priority;
        priority(b)
            .cmp(&priority(a))
            .then_with(|| codes[a].cmp(&codes[b]))
    });
    sequence
}
