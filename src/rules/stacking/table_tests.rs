//! One test per stacking rule, and the module documentation's worked
//! examples exactly as written there.

use couponsd_client::wire::{
    CouponSpec, CriteriaOperator, CriteriaType, DiscountType, LineItem, Order, ProductCriteria,
    StackSettings, COMBINES_WITH_ORDER, COMBINES_WITH_SHIPPING,
};

use super::{
    order_of_application, stack, Base, Candidate, ClassSet, CodeResult, SkipReason, StackClass,
    StackOutcome, StackPolicy, StackRules, DEFAULT_MAX_CODES, MAX_CODES_LIMIT,
};
use crate::error::Refusal;
use crate::rules::compute;

use StackClass::{Order as O, Product as P, Shipping as S};

fn usd_order(amount: i64) -> Order {
    Order {
        customer_id: "c".into(),
        amount,
        currency: "USD".into(),
        ..Order::default()
    }
}

fn line(sku: &str, unit_price: i64, quantity: u32) -> LineItem {
    LineItem {
        product_id: sku.into(),
        sku: sku.into(),
        unit_price,
        quantity,
        ..LineItem::default()
    }
}

fn coupon(code: &str, discount_type: DiscountType, discount_value: i64) -> CouponSpec {
    CouponSpec {
        code: code.into(),
        discount_type,
        discount_value,
        currency: "USD".into(),
        ..CouponSpec::default()
    }
}

fn percent(code: &str, bps: i64) -> CouponSpec {
    coupon(code, DiscountType::Percentage, bps)
}

fn fixed(code: &str, amount: i64) -> CouponSpec {
    coupon(code, DiscountType::Fixed, amount)
}

fn free_shipping(code: &str) -> CouponSpec {
    coupon(code, DiscountType::FreeShipping, 0)
}

/// `amount` off each unit of one SKU.
fn product(code: &str, amount: i64, sku: &str) -> CouponSpec {
    CouponSpec {
        applicable_products: vec![ProductCriteria {
            criteria_type: Some(CriteriaType::Sku),
            operator: Some(CriteriaOperator::In),
            values: vec![sku.into()],
        }],
        ..coupon(code, DiscountType::Product, amount)
    }
}

/// A coupon with its stacking rules; stacked by `run`.
struct Code {
    spec: CouponSpec,
    rules: StackRules,
    refusal: Option<Refusal>,
}

fn code(spec: CouponSpec, combines_with: &[StackClass]) -> Code {
    let rules = StackRules {
        combines_with: ClassSet::of(combines_with),
        ..StackRules::of(&spec)
    };
    Code {
        spec,
        rules,
        refusal: None,
    }
}

impl Code {
    fn priority(mut self, priority: i32) -> Code {
        self.rules.priority = priority;
        self
    }

    fn exclusive(mut self) -> Code {
        self.rules.exclusive = true;
        self
    }

    fn refused(mut self, refusal: Refusal) -> Code {
        self.refusal = Some(refusal);
        self
    }
}

fn candidates<'a>(codes: &'a [Code], order: &Order) -> Vec<Candidate<'a>> {
    codes
        .iter()
        .map(|c| Candidate {
            code: &c.spec.code,
            spec: &c.spec,
            rules: c.rules,
            alone: match c.refusal {
                Some(refusal) => Err(refusal),
                None => compute(&c.spec, order),
            },
        })
        .collect()
}

fn policy(max_codes: u32, base: Base) -> StackPolicy {
    StackPolicy::new(max_codes, base).expect("a valid policy")
}

fn run(base: Base, codes: &[Code], order: &Order) -> StackOutcome {
    stack(
        &policy(DEFAULT_MAX_CODES, base),
        &candidates(codes, order),
        order,
    )
}

/// Each code with its discount or why it was skipped, then (total, final).
type Summary = (Vec<(String, Result<i64, SkipReason>)>, (i64, i64));

fn summary(outcome: &StackOutcome) -> Summary {
    let codes = outcome
        .codes
        .iter()
        .map(|c| {
            let result = match c.result {
                CodeResult::Applied { discount } => Ok(discount.discount_amount),
                CodeResult::Skipped { reason } => Err(reason),
            };
            (c.code.clone(), result)
        })
        .collect();
    (codes, (outcome.discount_amount, outcome.final_amount))
}

fn expect(outcome: &StackOutcome, codes: &[(&str, Result<i64, SkipReason>)], totals: (i64, i64)) {
    let codes = codes.iter().map(|(c, r)| (c.to_string(), *r)).collect();
    assert_eq!(summary(outcome), (codes, totals), "{outcome:#?}");
}

#[test]
fn worked_example_initial_against_remaining_base() {
    let order = usd_order(15_000);
    let codes = [
        code(percent("SUMMER20", 2_000), &[O]),
        code(fixed("TENOFF", 1_000), &[O]).priority(1),
    ];
    let initial = run(Base::Initial, &codes, &order);
    expect(
        &initial,
        &[("TENOFF", Ok(1_000)), ("SUMMER20", Ok(3_000))],
        (4_000, 11_000),
    );
    let remaining = run(Base::Remaining, &codes, &order);
    expect(
        &remaining,
        &[("TENOFF", Ok(1_000)), ("SUMMER20", Ok(2_800))],
        (3_800, 11_200),
    );
    // Each applied code says what it applied to and what it left.
    let CodeResult::Applied { discount } = remaining.codes[1].result else {
        panic!("SUMMER20 applies");
    };
    assert_eq!(
        (
            discount.applicable_amount,
            discount.discount_amount,
            discount.final_amount
        ),
        (14_000, 2_800, 11_200)
    );
    // Same priority: SUMMER20 first by code, and both bases agree.
    let same = [
        code(percent("SUMMER20", 2_000), &[O]),
        code(fixed("TENOFF", 1_000), &[O]),
    ];
    for base in [Base::Initial, Base::Remaining] {
        expect(
            &run(base, &same, &order),
            &[("SUMMER20", Ok(3_000)), ("TENOFF", Ok(1_000))],
            (4_000, 11_000),
        );
    }
}

#[test]
fn worked_example_exclusive_beside_two_combinable() {
    let order = usd_order(20_000);
    let vip = || code(percent("VIP25", 2_500), &[]).exclusive();
    let others = || {
        [
            code(percent("SUMMER20", 2_000), &[O]),
            code(fixed("TENOFF", 1_000), &[O]),
        ]
    };
    for base in [Base::Initial, Base::Remaining] {
        let [a, b] = others();
        expect(
            &run(base, &[a, b, vip()], &order),
            &[
                ("SUMMER20", Err(SkipReason::Exclusive)),
                ("TENOFF", Err(SkipReason::Exclusive)),
                ("VIP25", Ok(5_000)),
            ],
            (5_000, 15_000),
        );
        let [a, b] = others();
        let refused = vip().refused(Refusal::MinOrderNotMet);
        expect(
            &run(base, &[refused, a, b], &order),
            &[
                ("SUMMER20", Ok(4_000)),
                ("TENOFF", Ok(1_000)),
                ("VIP25", Err(SkipReason::Refused(Refusal::MinOrderNotMet))),
            ],
            (5_000, 15_000),
        );
    }
}

#[test]
fn worked_example_shipping_with_order_code() {
    let order = Order {
        shipping_amount: 800,
        items: vec![line("S1", 5_000, 2)],
        ..usd_order(10_800)
    };
    for base in [Base::Initial, Base::Remaining] {
        let both = [
            code(free_shipping("FREESHIP"), &[O]),
            code(percent("SUMMER20", 2_000), &[O, S]),
        ];
        let outcome = run(base, &both, &order);
        expect(
            &outcome,
            &[("FREESHIP", Ok(800)), ("SUMMER20", Ok(2_000))],
            (2_800, 8_000),
        );
        assert_eq!(
            (outcome.shipping_amount, &outcome.line_amounts[..]),
            (0, &[8_000][..])
        );
        let one_way = [
            code(free_shipping("FREESHIP"), &[O]),
            code(percent("SUMMER20", 2_000), &[O]),
        ];
        expect(
            &run(base, &one_way, &order),
            &[
                ("FREESHIP", Ok(800)),
                ("SUMMER20", Err(SkipReason::ClassNotCombinable)),
            ],
            (800, 10_000),
        );
        let summer_first = [
            code(free_shipping("FREESHIP"), &[O]),
            code(percent("SUMMER20", 2_000), &[O]).priority(1),
        ];
        expect(
            &run(base, &summer_first, &order),
            &[
                ("SUMMER20", Ok(2_000)),
                ("FREESHIP", Err(SkipReason::ClassNotCombinable)),
            ],
            (2_000, 8_800),
        );
    }
}

#[test]
fn the_order_of_application_ignores_the_order_given() {
    let order = usd_order(10_000);
    let codes = || {
        vec![
            code(fixed("b", 100), &[O]),
            code(fixed(" A ", 200), &[O]),
            code(fixed("c", 300), &[O]).priority(-1),
            code(fixed("Z", 400), &[O]).priority(5),
        ]
    };
    let forward = codes();
    let mut backward = codes();
    backward.reverse();
    let names = |codes: &[Code]| -> Vec<String> {
        order_of_application(&candidates(codes, &order))
            .into_iter()
            .map(|i| codes[i].spec.code.clone())
            .collect()
    };
    assert_eq!(names(&forward), ["Z", " A ", "b", "c"]);
    assert_eq!(names(&backward), ["Z", " A ", "b", "c"]);
    let outcome = run(Base::Remaining, &forward, &order);
    assert_eq!(outcome, run(Base::Remaining, &backward, &order));
    expect(
        &outcome,
        &[
            ("Z", Ok(400)),
            ("A", Ok(200)),
            ("B", Ok(100)),
            ("C", Ok(300)),
        ],
        (1_000, 9_000),
    );
}

#[test]
fn a_code_given_twice_counts_once() {
    let order = usd_order(10_000);
    let codes = [
        code(fixed("TENOFF", 1_000), &[O]),
        code(fixed("tenoff ", 1_000), &[O]),
    ];
    expect(
        &run(Base::Remaining, &codes, &order),
        &[
            ("TENOFF", Ok(1_000)),
            ("TENOFF", Err(SkipReason::Duplicate)),
        ],
        (1_000, 9_000),
    );
}

#[test]
fn default_rules_combine_with_nothing() {
    let order = Order {
        shipping_amount: 500,
        ..usd_order(10_000)
    };
    let class = |spec: &CouponSpec| StackRules::of(spec).class;
    assert_eq!(class(&percent("P", 1)), O);
    assert_eq!(class(&fixed("F", 1)), O);
    assert_eq!(class(&free_shipping("S")), S);
    assert_eq!(class(&product("PR", 1, "S1")), P);
    let per_line = CouponSpec {
        apply_per_line: true,
        ..fixed("FL", 1)
    };
    assert_eq!(class(&per_line), P);
    let targeted = CouponSpec {
        applicable_products: product("X", 1, "S1").applicable_products,
        ..percent("PT", 1)
    };
    assert_eq!(class(&targeted), P);
    let buy_get = CouponSpec {
        buy_quantity: 1,
        get_quantity: 1,
        ..coupon("BG", DiscountType::BuyXGetY, 10_000)
    };
    assert_eq!(class(&buy_get), P);
    let rules = StackRules::of(&percent("P", 1));
    assert_eq!(
        (rules.combines_with, rules.exclusive, rules.priority),
        (ClassSet::of(StackClass::ALL), false, 0)
    );
    // A coupon's own settings win over the defaults.
    let set = CouponSpec {
        stacking: StackSettings {
            class: Some(S),
            combines_with: COMBINES_WITH_ORDER | COMBINES_WITH_SHIPPING,
            exclusive: true,
            priority: -3,
        },
        ..percent("P", 1)
    };
    let rules = StackRules::of(&set);
    assert_eq!(
        (
            rules.class,
            rules.combines_with,
            rules.exclusive,
            rules.priority
        ),
        (S, ClassSet::of(&[O, S]), true, -3)
    );
    // Combining with nothing, a second code never applies: not even another class.
    let codes = [
        code(percent("A", 1_000), &[]),
        code(free_shipping("B"), &[]),
    ];
    expect(
        &run(Base::Remaining, &codes, &order),
        &[("A", Ok(1_000)), ("B", Err(SkipReason::ClassNotCombinable))],
        (1_000, 9_000),
    );
}

#[test]
fn codes_combine_only_both_ways() {
    let order = usd_order(10_000);
    for (first, second, combines) in [
        (&[O][..], &[O][..], true),
        (&[O], &[], false),
        (&[], &[O], false),
        (&[P, S], &[O], false),
    ] {
        let codes = [code(fixed("A", 100), first), code(fixed("B", 200), second)];
        let second = if combines {
            Ok(200)
        } else {
            Err(SkipReason::ClassNotCombinable)
        };
        let total = if combines { 300 } else { 100 };
        expect(
            &run(Base::Remaining, &codes, &order),
            &[("A", Ok(100)), ("B", second)],
            (total, 10_000 - total),
        );
    }
    // A third code must combine with each applied one, not just the last.
    let codes = [
        code(free_shipping("A"), &[O, P]),
        code(percent("B", 1_000), &[S, P]),
        code(product("C", 100, "S1"), &[O]),
    ];
    let order = Order {
        shipping_amount: 300,
        items: vec![line("S1", 1_000, 1)],
        ..usd_order(1_300)
    };
    expect(
        &run(Base::Initial, &codes, &order),
        &[
            ("A", Ok(300)),
            ("B", Ok(100)),
            ("C", Err(SkipReason::ClassNotCombinable)),
        ],
        (400, 900),
    );
}

#[test]
fn at_most_max_codes_apply() {
    let order = usd_order(10_000);
    let codes: Vec<Code> = (0..4)
        .map(|i| code(fixed(&format!("C{i}"), 100), &[O]))
        .collect();
    let outcome = stack(
        &policy(2, Base::Remaining),
        &candidates(&codes, &order),
        &order,
    );
    expect(
        &outcome,
        &[
            ("C0", Ok(100)),
            ("C1", Ok(100)),
            ("C2", Err(SkipReason::TooManyCodes)),
            ("C3", Err(SkipReason::TooManyCodes)),
        ],
        (200, 9_800),
    );
    // A skipped code takes no place.
    let codes = [
        code(fixed("A", 100), &[O]).refused(Refusal::Expired),
        code(fixed("B", 100), &[O]),
        code(fixed("C", 100), &[O]),
    ];
    let outcome = stack(
        &policy(2, Base::Remaining),
        &candidates(&codes, &order),
        &order,
    );
    expect(
        &outcome,
        &[
            ("A", Err(SkipReason::Refused(Refusal::Expired))),
            ("B", Ok(100)),
            ("C", Ok(100)),
        ],
        (200, 9_800),
    );
}

#[test]
fn the_policy_allows_1_to_100_codes_and_defaults_to_10_on_the_remaining_amount() {
    assert!(StackPolicy::new(0, Base::Initial).is_err());
    assert!(StackPolicy::new(MAX_CODES_LIMIT + 1, Base::Initial).is_err());
    for max_codes in [1, 10, 30, MAX_CODES_LIMIT] {
        assert_eq!(policy(max_codes, Base::Initial).max_codes(), max_codes);
    }
    let default = StackPolicy::default();
    assert_eq!((default.max_codes(), default.base()), (10, Base::Remaining));
}

#[test]
fn nothing_is_discounted_below_zero() {
    let order = usd_order(15_000);
    for base in [Base::Initial, Base::Remaining] {
        let codes = [
            code(fixed("A", 10_000), &[O]),
            code(fixed("B", 10_000), &[O]),
            code(percent("C", 5_000), &[O]),
        ];
        expect(
            &run(base, &codes, &order),
            &[
                ("A", Ok(10_000)),
                ("B", Ok(5_000)),
                ("C", Err(SkipReason::NothingLeft)),
            ],
            (15_000, 0),
        );
    }
}

#[test]
fn order_discounts_spread_over_lines_and_a_line_stops_at_zero() {
    // 1000 off lines of 3000 and 1000 takes 750 and 250; then 2000 off each
    // unit of S2 finds 750 left of it.
    let order = Order {
        items: vec![line("S1", 3_000, 1), line("S2", 1_000, 1)],
        ..usd_order(4_000)
    };
    for base in [Base::Initial, Base::Remaining] {
        let codes = [
            code(fixed("A", 1_000), &[P]).priority(1),
            code(product("B", 2_000, "S2"), &[O]),
        ];
        let outcome = run(base, &codes, &order);
        expect(
            &outcome,
            &[("A", Ok(1_000)), ("B", Ok(750))],
            (1_750, 2_250),
        );
        assert_eq!(outcome.line_amounts, [2_250, 0]);
    }
    // Three equal lines and 10 off: 3 each, and the minor unit left over
    // to the first.
    let order = Order {
        items: vec![line("S1", 10, 1), line("S2", 10, 1), line("S3", 10, 1)],
        ..usd_order(30)
    };
    let outcome = run(Base::Remaining, &[code(fixed("A", 10), &[])], &order);
    assert_eq!(outcome.line_amounts, [6, 7, 7]);
}

#[test]
fn each_code_keeps_its_cap_on_the_remaining_amount() {
    let order = usd_order(20_000);
    let capped = CouponSpec {
        max_discount_amount: Some(1_500),
        ..percent("CAPPED", 5_000)
    };
    let codes = [
        code(fixed("A", 10_000), &[O]).priority(1),
        code(capped, &[O]),
    ];
    // 50 % of the 10000 left is 5000, capped at 1500.
    expect(
        &run(Base::Remaining, &codes, &order),
        &[("A", Ok(10_000)), ("CAPPED", Ok(1_500))],
        (11_500, 8_500),
    );
}

#[test]
fn shipping_is_discounted_at_most_once_in_full() {
    // Without lines, 50 % of the whole 10000 takes half of the 1000
    // shipping with it: free shipping then takes the 500 left of it.
    let order = Order {
        shipping_amount: 1_000,
        ..usd_order(10_000)
    };
    for base in [Base::Initial, Base::Remaining] {
        let codes = [
            code(percent("HALF", 5_000), &[S]).priority(1),
            code(free_shipping("SHIP1"), &[O, S]),
            code(free_shipping("SHIP2"), &[O, S]),
        ];
        let outcome = run(base, &codes, &order);
        expect(
            &outcome,
            &[
                ("HALF", Ok(5_000)),
                ("SHIP1", Ok(500)),
                ("SHIP2", Err(SkipReason::NothingLeft)),
            ],
            (5_500, 4_500),
        );
        assert_eq!(outcome.shipping_amount, 0);
    }
}

#[test]
fn an_exclusive_code_that_gives_nothing_lets_the_others_stack() {
    let order = usd_order(10_000);
    let codes = [
        code(free_shipping("FREESHIP"), &[]).exclusive().priority(9),
        code(fixed("A", 100), &[O]),
        code(fixed("B", 200), &[O]),
    ];
    expect(
        &run(Base::Remaining, &codes, &order),
        &[
            ("FREESHIP", Err(SkipReason::NothingLeft)),
            ("A", Ok(100)),
            ("B", Ok(200)),
        ],
        (300, 9_700),
    );
    // Of two exclusive codes, the first in the order of application applies.
    let codes = [
        code(fixed("BIG", 5_000), &[]).exclusive(),
        code(fixed("SMALL", 100), &[]).exclusive().priority(1),
    ];
    expect(
        &run(Base::Remaining, &codes, &order),
        &[("SMALL", Ok(100)), ("BIG", Err(SkipReason::Exclusive))],
        (100, 9_900),
    );
}
