//! The best combination of codes for an order (QUALIFY): the set the
//! stacking rules allow whose total discount is the largest, searched in
//! bounded work.
//!
//! - Up to [`EXACT_CANDIDATES_MAX`] candidates: exact. Every subset of at
//!   most `max_codes` codes is stacked (`stack`, so exclusivity, classes,
//!   the base and the caps are the rules' own), and the largest total wins;
//!   a tie goes to fewer codes, then to the subset of earlier candidates.
//! - More: the exclusive code that gives the most alone, and a greedy pass
//!   over the first [`GREEDY_CANDIDATES_MAX`] others in the order given (the
//!   caller gives them by discount descending): a code joins if the stack
//!   with it takes off more than without it, and the set kept is what that
//!   stack applied. The larger of the exclusive code and the greedy set wins
//!   (a tie: the fewer codes). At most one stack per candidate looked at,
//!   each of at most `max_codes` + 1 codes.
//!
//! Either way the answer is a set `stack` applies in full, so redeeming
//! exactly those codes gives the totals reported.

use std::cmp::Reverse;

use couponsd_client::wire::Order;

use super::{stack, Candidate, CodeResult, StackOutcome, StackPolicy};

/// Candidates up to which the search tries every subset (2^10 stacks).
pub const EXACT_CANDIDATES_MAX: usize = 10;
/// The most candidates the greedy pass looks at: ten times the default
/// most codes per order. Past them a code gives less alone than every code
/// looked at, so it joins a full stack only by pushing one out.
pub const GREEDY_CANDIDATES_MAX: usize = 100;

/// The best combination: the positions in `candidates` of its codes, in
/// the order of application, and the stack's outcome (None: no candidate
/// takes anything off).
pub fn best_combination(
    policy: &StackPolicy,
    candidates: &[Candidate],
    order: &Order,
) -> Option<(Vec<usize>, StackOutcome)> {
    let best = if candidates.len() <= EXACT_CANDIDATES_MAX {
        exact(policy, candidates, order)
    } else {
        // Alone, an exclusive code takes what it gives alone.
        let exclusive = (0..candidates.len())
            .filter(|&i| candidates[i].rules.exclusive)
            .filter_map(|i| Some((candidates[i].alone.ok()?.discount_amount, Reverse(i))))
            .max()
            .and_then(|(_, Reverse(i))| stacked(policy, candidates, &[i], order));
        better(greedy(policy, candidates, order), exclusive)
    }?;
    debug_assert!(best.0.len() <= policy.max_codes() as usize);
    (best.1.discount_amount > 0).then_some(best)
}

fn exact(
    policy: &StackPolicy,
    candidates: &[Candidate],
    order: &Order,
) -> Option<(Vec<usize>, StackOutcome)> {
    assert!(candidates.len() <= EXACT_CANDIDATES_MAX);
    let mut best = None;
    for mask in 1u32..(1 << candidates.len()) {
        if mask.count_ones() > policy.max_codes() {
            continue;
        }
        let subset: Vec<usize> = (0..candidates.len())
            .filter(|i| mask & (1 << i) != 0)
            .collect();
        best = better(best, stacked(policy, candidates, &subset, order));
    }
    best
}

fn greedy(
    policy: &StackPolicy,
    candidates: &[Candidate],
    order: &Order,
) -> Option<(Vec<usize>, StackOutcome)> {
    let mut best: Option<(Vec<usize>, StackOutcome)> = None;
    let others = (0..candidates.len()).filter(|&i| !candidates[i].rules.exclusive);
    for i in others.take(GREEDY_CANDIDATES_MAX) {
        let mut trial = best.as_ref().map_or_else(Vec::new, |b| b.0.clone());
        trial.push(i);
        let total = |b: &Option<(Vec<usize>, StackOutcome)>| {
            b.as_ref().map_or(0, |(_, outcome)| outcome.discount_amount)
        };
        let tried = stacked(policy, candidates, &trial, order);
        if total(&tried) > total(&best) {
            best = tried;
        }
    }
    best
}

/// Stacks the candidates at `subset`; the applied ones, in the order of
/// application, with the outcome of stacking exactly them.
fn stacked(
    policy: &StackPolicy,
    candidates: &[Candidate],
    subset: &[usize],
    order: &Order,
) -> Option<(Vec<usize>, StackOutcome)> {
    let chosen: Vec<Candidate> = subset.iter().map(|&i| candidates[i].clone()).collect();
    let outcome = stack(policy, &chosen, order);
    let sequence = super::order_of_application(&chosen);
    let applied: Vec<usize> = sequence
        .iter()
        .zip(&outcome.codes)
        .filter(|(_, o)| matches!(o.result, CodeResult::Applied { .. }))
        .map(|(&s, _)| subset[s])
        .collect();
    if applied.is_empty() {
        return None;
    }
    if applied.len() == subset.len() {
        return Some((applied, outcome));
    }
    // Skipped codes take nothing, but stacking only the applied ones keeps
    // the answer a set that applies in full.
    let kept: Vec<Candidate> = applied.iter().map(|&i| candidates[i].clone()).collect();
    Some((applied, stack(policy, &kept, order)))
}

/// The larger total; a tie goes to fewer codes, then to the first.
fn better(
    a: Option<(Vec<usize>, StackOutcome)>,
    b: Option<(Vec<usize>, StackOutcome)>,
) -> Option<(Vec<usize>, StackOutcome)> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |x: &(Vec<usize>, StackOutcome)| (x.1.discount_amount, Reverse(x.0.len()));
            Some(if key(&b) > key(&a) { b } else { a })
        }
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use couponsd_client::wire::{CouponSpec, DiscountType};

    use super::*;
    use crate::rules::compute;
    use crate::rules::stacking::StackRules;

    fn spec(code: &str, discount_type: DiscountType, value: i64) -> CouponSpec {
        CouponSpec {
            code: code.into(),
            discount_type,
            discount_value: value,
            currency: "USD".into(),
            ..CouponSpec::default()
        }
    }

    fn order(amount: i64) -> Order {
        Order {
            amount,
            currency: "USD".into(),
            ..Order::default()
        }
    }

    /// The codes of the best combination of `specs` (exclusive where the
    /// flag says) on an order of `amount`, and its total.
    fn best(specs: &[(CouponSpec, bool)], amount: i64) -> (Vec<&str>, i64) {
        let order = order(amount);
        let candidates: Vec<Candidate> = specs
            .iter()
            .map(|(s, exclusive)| Candidate {
                code: &s.code,
                spec: s,
                // Every class combines (the default), as the flag says.
                rules: StackRules {
                    exclusive: *exclusive,
                    ..StackRules::of(s)
                },
                alone: compute(s, &order),
            })
            .collect();
        match best_combination(&StackPolicy::default(), &candidates, &order) {
            Some((set, outcome)) => (
                set.iter().map(|&i| specs[i].0.code.as_str()).collect(),
                outcome.discount_amount,
            ),
            None => (vec![], 0),
        }
    }

    fn vip_and_pair() -> Vec<(CouponSpec, bool)> {
        vec![
            (spec("VIP25", DiscountType::Percentage, 2500), true),
            (spec("SUMMER20", DiscountType::Percentage, 2000), false),
            (spec("TENOFF", DiscountType::Fixed, 1000), false),
        ]
    }

    #[test]
    fn the_larger_of_an_exclusive_code_and_a_stack_wins() {
        // 150.00: 25 % is 37.50; 20 % then 10.00 is 40.00.
        assert_eq!(
            best(&vip_and_pair(), 15000),
            (vec!["SUMMER20", "TENOFF"], 4000)
        );
        // 300.00: 75.00 against 60.00 + 10.00.
        assert_eq!(best(&vip_and_pair(), 30000), (vec!["VIP25"], 7500));
        // 200.00: 50.00 either way; the fewer codes.
        assert_eq!(best(&vip_and_pair(), 20000), (vec!["VIP25"], 5000));
    }

    #[test]
    fn greedy_past_the_exact_bound_stacks_up_to_max_codes_and_weighs_exclusives() {
        let mut specs = vip_and_pair();
        for n in 0..EXACT_CANDIDATES_MAX {
            specs.push((spec(&format!("ONE{n}"), DiscountType::Fixed, 100), false));
        }
        // Ten codes at most: the two best and eight of 1.00, which apply
        // first (by code), so 20 % is of 142.00: 8.00 + 28.40 + 10.00.
        assert_eq!(best(&specs, 15000).1, 4640);
        // On 400.00 the exclusive 100.00 beats 80.00 + 10.00 + 8.00.
        assert_eq!(best(&specs, 40000), (vec!["VIP25"], 10000));
    }

    #[test]
    fn nothing_to_take_is_no_combination() {
        let specs = vec![(spec("ZERO", DiscountType::Percentage, 0), false)];
        assert_eq!(best(&specs, 15000), (vec![], 0));
    }
}
