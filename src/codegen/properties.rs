//! Properties over generated rules: every generated code verifies, has the
//! shape, is in normal form, is unique and avoids `exists`; one mistyped
//! character or swapped pair fails the check character (bar the documented
//! exception) and the MAC; `check_capacity` refuses exactly past its bound.

use std::collections::HashSet;

use couponsd_client::wire::{CodeCheck, GenerationRules};
use proptest::collection::vec;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::domain::code;

/// Upper-case printable ASCII, for prefixes, suffixes and typos.
fn printable() -> impl Strategy<Value = u8> {
    (b'!'..=b'~').prop_filter("upper case", |c| !c.is_ascii_lowercase())
}

/// What a prefix or suffix may hold: upper-case letters, digits, `-._~`.
fn affix() -> impl Strategy<Value = String> {
    let allowed: Vec<u8> = (b'A'..=b'Z')
        .chain(b'0'..=b'9')
        .chain(AFFIX_MARKS.bytes())
        .collect();
    vec(proptest::sample::select(allowed), 0..6)
        .prop_map(|b| String::from_utf8(b).unwrap_or_default())
}

fn classes() -> impl Strategy<Value = (bool, bool, bool)> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_filter("a class", |(l, d, s)| *l || *d || *s)
}

fn rules_with(
    check: impl Strategy<Value = (CodeCheck, u8)>,
) -> impl Strategy<Value = GenerationRules> {
    (4..=12u8, affix(), affix(), classes(), any::<bool>(), check).prop_map(
        |(code_length, prefix, suffix, (l, d, s), unambiguous, (check, mac_length))| {
            GenerationRules {
                code_length,
                // A prefix never starts with '-' (a formula in a spreadsheet).
                prefix: prefix.trim_start_matches('-').to_string(),
                suffix,
                include_letters: l,
                include_digits: d,
                include_special: s,
                exclude_ambiguous: unambiguous,
                check,
                mac_length,
            }
        },
    )
}

fn any_check() -> impl Strategy<Value = (CodeCheck, u8)> {
    prop_oneof![
        Just((CodeCheck::None, 0)),
        Just((CodeCheck::CheckCharacter, 0)),
        (2..=8u8).prop_map(|m| (CodeCheck::Mac, m)),
    ]
}

fn any_rules() -> impl Strategy<Value = GenerationRules> {
    rules_with(any_check())
}

/// The random part's first character may not be the alphabet's first.
fn taken(rules: &GenerationRules, code: &str) -> bool {
    code.as_bytes()[rules.prefix.len()] == Alphabet::of(rules).char_at(0)
}

proptest! {
    #[test]
    fn generated_codes_are_valid_unique_normal_and_fresh(
        rules in any_rules(),
        count in 1..200u64,
        seed in any::<u64>(),
        key in any::<[u8; 16]>(),
    ) {
        // Room enough that collisions stay rare, even in the smallest spaces.
        prop_assume!(space(&rules) >= 8 * u128::from(count));
        let codes = generate(&rules, count, &mut StdRng::seed_from_u64(seed), &key, |c| taken(&rules, c)).unwrap();
        prop_assert_eq!(codes.len() as u64, count);
        prop_assert_eq!(codes.iter().collect::<HashSet<_>>().len() as u64, count);
        for c in &codes {
            prop_assert_eq!(c.len(), code_len(&rules));
            prop_assert!(has_shape(&rules, c), "{}", c);
            prop_assert!(verify(&rules, c, &key), "{}", c);
            prop_assert_eq!(&code::normalize(c).unwrap(), c);
            prop_assert!(!taken(&rules, c), "{}", c);
        }
    }

    #[test]
    fn one_typo_or_swap_fails_the_check_character(
        rules in rules_with(Just((CodeCheck::CheckCharacter, 0))),
        seed in any::<u64>(),
        at in any::<prop::sample::Index>(),
        typo in printable(),
    ) {
        let code = generate(&rules, 1, &mut StdRng::seed_from_u64(seed), &[0; 16], |_| false).unwrap().remove(0);
        let bytes = code.as_bytes();
        let i = at.index(bytes.len());
        if typo != bytes[i] {
            let mut changed = bytes.to_vec();
            changed[i] = typo;
            let changed = String::from_utf8(changed).unwrap();
            prop_assert!(!verify(&rules, &changed, &[0; 16]), "{} -> {}", code, changed);
        }
        let j = at.index(bytes.len() - 1);
        let (a, b) = (bytes[j], bytes[j + 1]);
        if a != b {
            let mut swapped = bytes.to_vec();
            swapped.swap(j, j + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            // The exception: an even-sized alphabet's first and last
            // characters, swapped inside random part + check character.
            let alphabet = Alphabet::of(&rules);
            let n = alphabet.len();
            let in_check = j >= rules.prefix.len() && j < rules.prefix.len() + usize::from(rules.code_length);
            let ends = [alphabet.char_at(0), alphabet.char_at(n - 1)];
            let exception = n % 2 == 0 && in_check && ends.contains(&a) && ends.contains(&b);
            prop_assert_eq!(verify(&rules, &swapped, &[0; 16]), exception, "{} -> {}", code, swapped);
        }
    }

    #[test]
    fn one_typo_or_another_key_fails_the_mac(
        rules in rules_with((6..=8u8).prop_map(|m| (CodeCheck::Mac, m))),
        seed in any::<u64>(),
        key in any::<[u8; 16]>(),
        other in any::<[u8; 16]>(),
        at in any::<prop::sample::Index>(),
        typo in printable(),
    ) {
        // At least 13 characters: a forged MAC passes once in 13^6 or more.
        prop_assume!(Alphabet::of(&rules).len() >= 13 && key != other);
        let code = generate(&rules, 1, &mut StdRng::seed_from_u64(seed), &key, |_| false).unwrap().remove(0);
        prop_assert!(verify(&rules, &code, &key));
        prop_assert!(!verify(&rules, &code, &other), "{}", code);
        let i = at.index(code.len());
        prop_assume!(typo != code.as_bytes()[i]);
        let mut changed = code.clone().into_bytes();
        changed[i] = typo;
        let changed = String::from_utf8(changed).unwrap();
        prop_assert!(!verify(&rules, &changed, &key), "{} -> {}", code, changed);
    }

    #[test]
    fn check_capacity_refuses_exactly_past_the_bound(
        rules in any_rules(),
        existing in prop_oneof![any::<u64>(), 0..10_000_000u64],
        count in prop_oneof![0..=MAX_PER_REQUEST + 1, Just(1)],
        at_the_bound in any::<bool>(),
    ) {
        // Half the time, put existing + count right at or one past the bound.
        let existing = if at_the_bound {
            u64::try_from(space(&rules) / DENSITY).unwrap_or(u64::MAX).saturating_sub(count).saturating_add(u64::from(existing % 2 == 1))
        } else {
            existing
        };
        let total = u128::from(existing) + u128::from(count);
        let allowed = (1..=MAX_PER_REQUEST).contains(&count) && total * DENSITY <= space(&rules);
        prop_assert_eq!(check_capacity(&rules, existing, count).is_ok(), allowed);
    }

    #[test]
    fn verify_never_panics(rules in any_rules(), raw in vec(printable(), 0..70), key in any::<[u8; 16]>()) {
        let code = String::from_utf8(raw).unwrap();
        let _ = (has_shape(&rules, &code), verify(&rules, &code, &key));
    }
}
