//! Properties of stacking over generated coupons, stacking rules, policies
//! and orders (`rules::properties`'s generators): any permutation of the codes
//! gives the same outcome; no line, shipping or order below zero; the totals
//! are the sum of the parts; exclusivity, classes and `max_codes` hold; no
//! code takes more than it would alone or than its cap.

use couponsd_client::wire::{CouponSpec, Order};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use super::{
    stack, Base, Candidate, ClassSet, CodeResult, StackClass, StackOutcome, StackPolicy,
    StackRules, MAX_CODES_LIMIT,
};
use crate::error::Refusal;
use crate::rules::compute;
use crate::rules::discount::{discount_on_left, Discount};
use crate::rules::eligibility::line_total;
use crate::rules::properties::{order, spec};

/// A coupon, its rules, and the refusal it gets alone, if any.
#[derive(Debug, Clone)]
struct Code {
    spec: CouponSpec,
    rules: StackRules,
    refusal: Option<Refusal>,
}

fn rules(spec: &CouponSpec) -> impl Strategy<Value = StackRules> {
    let default = StackRules::of(spec);
    (
        prop_oneof![3 => Just(default.class), 1 => select(StackClass::ALL)],
        // Mostly combining with every class, so that several codes apply.
        prop_oneof![
            2 => Just(StackClass::ALL.to_vec()),
            1 => vec(select(StackClass::ALL), 0..=3),
        ],
        proptest::bool::weighted(0.05),
        -2..3i32,
    )
        .prop_map(|(class, combines_with, exclusive, priority)| StackRules {
            class,
            combines_with: ClassSet::of(&combines_with),
            exclusive,
            priority,
        })
}

fn code() -> impl Strategy<Value = (CouponSpec, StackRules, Option<Refusal>)> {
    spec().prop_flat_map(|spec| {
        let rules = rules(&spec);
        (
            Just(spec),
            rules,
            proptest::option::weighted(
                0.15,
                select(&[Refusal::Expired, Refusal::MinOrderNotMet][..]),
            ),
        )
    })
}

/// Up to 8 codes with distinct names, sometimes the first one given twice.
fn codes() -> impl Strategy<Value = Vec<Code>> {
    (vec(code(), 1..8), any::<bool>()).prop_map(|(codes, repeat_first)| {
        let mut codes: Vec<Code> = codes
            .into_iter()
            .enumerate()
            .map(|(i, (spec, rules, refusal))| Code {
                spec: CouponSpec {
                    code: format!("C{i}"),
                    ..spec
                },
                rules,
                refusal,
            })
            .collect();
        if repeat_first && !codes.is_empty() {
            codes.push(codes[0].clone());
        }
        codes
    })
}

fn policy() -> impl Strategy<Value = StackPolicy> {
    (
        prop_oneof![3 => 1..6u32, 1 => Just(MAX_CODES_LIMIT)],
        select(&[Base::Initial, Base::Remaining][..]),
    )
        .prop_map(|(max_codes, base)| {
            StackPolicy::new(max_codes, base).expect("within 1 to the limit")
        })
}

fn candidates<'a>(codes: &'a [Code], order: &Order) -> Vec<Candidate<'a>> {
    codes
        .iter()
        .map(|c| Candidate {
            code: &c.spec.code,
            spec: &c.spec,
            rules: c.rules,
            alone: c.refusal.map_or_else(|| compute(&c.spec, order), Err),
        })
        .collect()
}

/// Each applied code with its discount, found by name.
fn applied<'a>(outcome: &StackOutcome, codes: &'a [Code]) -> Vec<(&'a Code, Discount)> {
    outcome
        .codes
        .iter()
        .filter_map(|o| match o.result {
            CodeResult::Applied { discount } => {
                let code = codes.iter().find(|c| c.spec.code == o.code)?;
                Some((code, discount))
            }
            CodeResult::Skipped { .. } => None,
        })
        .collect()
}

/// The codes, shuffled.
fn with_shuffle() -> impl Strategy<Value = (Vec<Code>, Vec<Code>)> {
    codes().prop_flat_map(|codes| (Just(codes.clone()), Just(codes).prop_shuffle()))
}

proptest! {
    // Four times the default: about a fifth of the cases apply two codes or more.
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn any_permutation_gives_the_same_outcome(
        (codes, shuffled) in with_shuffle(),
        policy in policy(),
        order in order(),
    ) {
        let outcome = stack(&policy, &candidates(&codes, &order), &order);
        prop_assert_eq!(outcome, stack(&policy, &candidates(&shuffled, &order), &order));
    }

    #[test]
    fn nothing_goes_below_zero(codes in codes(), policy in policy(), order in order()) {
        let outcome = stack(&policy, &candidates(&codes, &order), &order);
        prop_assert!(outcome.final_amount >= 0);
        prop_assert_eq!(outcome.line_amounts.len(), order.items.len());
        for (left, item) in outcome.line_amounts.iter().zip(&order.items) {
            prop_assert!(*left >= 0);
            prop_assert!(i128::from(*left) <= line_total(item));
        }
        prop_assert!(outcome.shipping_amount >= 0);
        prop_assert!(outcome.shipping_amount <= order.shipping_amount);
    }

    #[test]
    fn the_totals_are_the_sum_of_the_parts(
        codes in codes(),
        policy in policy(),
        order in order(),
    ) {
        let outcome = stack(&policy, &candidates(&codes, &order), &order);
        prop_assert_eq!(outcome.original_amount, order.amount);
        let applied = applied(&outcome, &codes);
        let sum: i64 = applied.iter().map(|(_, d)| d.discount_amount).sum();
        prop_assert_eq!(outcome.discount_amount, sum);
        prop_assert_eq!(outcome.final_amount, outcome.original_amount - outcome.discount_amount);
        // Each applied code's final amount is what the ones up to it left.
        let mut left = outcome.original_amount;
        for (code, discount) in &applied {
            left -= discount.discount_amount;
            prop_assert_eq!(discount.final_amount, left);
            prop_assert!(discount.discount_amount > 0);
            prop_assert!(discount.discount_amount <= discount.applicable_amount);
            let alone = compute(&code.spec, &order).expect("an applied code applies alone");
            prop_assert!(discount.discount_amount <= alone.discount_amount);
            if let Some(cap) = code.spec.max_discount_amount {
                prop_assert!(discount.discount_amount <= cap);
            }
        }
    }

    #[test]
    fn exclusivity_classes_and_max_codes_hold(
        codes in codes(),
        policy in policy(),
        order in order(),
    ) {
        let candidates = candidates(&codes, &order);
        let outcome = stack(&policy, &candidates, &order);
        let applied = applied(&outcome, &codes);
        prop_assert!(applied.len() <= policy.max_codes() as usize);
        if applied.iter().any(|(code, _)| code.rules.exclusive) {
            prop_assert_eq!(applied.len(), 1);
        }
        for (i, (a, _)) in applied.iter().enumerate() {
            for (b, _) in &applied[i + 1..] {
                prop_assert!(a.rules.combines(&b.rules), "{:?} with {:?}", a.rules, b.rules);
            }
        }
        // An exclusive code that gives something alone always wins.
        let exclusive_gives = candidates.iter().any(|c| {
            c.rules.exclusive && c.alone.is_ok_and(|d| d.discount_amount > 0)
        });
        if exclusive_gives {
            prop_assert_eq!(applied.len(), 1);
            prop_assert!(applied[0].0.rules.exclusive);
        }
        // Each code appears once in the outcome, refused ones as refused.
        prop_assert_eq!(outcome.codes.len(), codes.len());
    }

    /// With what is left being the whole applicable amount, the discount on
    /// the remaining amount is the code's discount alone.
    #[test]
    fn the_discount_on_a_full_remainder_is_the_discount_alone(
        spec in spec(),
        order in order(),
    ) {
        let Ok(alone) = compute(&spec, &order) else { return Ok(()) };
        let on_left = discount_on_left(&spec, &order, i128::from(alone.applicable_amount));
        prop_assert_eq!(on_left, Ok(i128::from(alone.discount_amount)));
    }
}
