//! Generation and verification with fixed seeds.

use std::collections::HashSet;

use couponsd_client::wire::{CodeCheck, GenerationRules};
use rand::rngs::StdRng;
use rand::SeedableRng;

use super::*;
use crate::domain::code;
use crate::error::Error;

const KEY: [u8; 16] = *b"0123456789abcdef";

fn rng() -> StdRng {
    StdRng::seed_from_u64(7)
}

fn rules(check: CodeCheck, mac_length: u8) -> GenerationRules {
    GenerationRules {
        prefix: "SUMMER-".into(),
        suffix: "~X".into(),
        check,
        mac_length,
        ..GenerationRules::default()
    }
}

fn never(_: &str) -> bool {
    false
}

#[test]
fn seed_defaults_give_eight_unambiguous_characters() {
    let rules = GenerationRules::default();
    let codes = generate(&rules, 1000, &mut rng(), &KEY, never).unwrap();
    assert_eq!(codes.len(), 1000);
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 1000);
    for c in &codes {
        assert_eq!(c.len(), 8, "{c}");
        assert!(c.bytes().all(|b| !AMBIGUOUS.as_bytes().contains(&b)), "{c}");
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            "{c}"
        );
        assert_eq!(code::normalize(c).unwrap(), *c);
        assert!(has_shape(&rules, c) && verify(&rules, c, &KEY), "{c}");
    }
}

#[test]
fn the_same_seed_gives_the_same_codes() {
    let rules = rules(CodeCheck::Mac, 4);
    let a = generate(&rules, 50, &mut rng(), &KEY, never).unwrap();
    let b = generate(&rules, 50, &mut rng(), &KEY, never).unwrap();
    assert_eq!(a, b);
    let other = generate(&rules, 50, &mut StdRng::seed_from_u64(8), &KEY, never).unwrap();
    assert_ne!(a, other);
}

#[test]
fn prefix_random_check_suffix() {
    for (check, mac_length, len) in [
        (CodeCheck::None, 0, 17),
        (CodeCheck::CheckCharacter, 0, 18),
        (CodeCheck::Mac, 5, 22),
    ] {
        let rules = rules(check, mac_length);
        for c in generate(&rules, 100, &mut rng(), &KEY, never).unwrap() {
            assert_eq!(c.len(), len, "{c}");
            assert!(c.starts_with("SUMMER-") && c.ends_with("~X"), "{c}");
            assert!(verify(&rules, &c, &KEY), "{c}");
        }
    }
}

#[test]
fn avoids_existing_codes() {
    let rules = rules(CodeCheck::CheckCharacter, 0);
    let first = generate(&rules, 20, &mut rng(), &KEY, never).unwrap();
    let taken: HashSet<&str> = first[..10].iter().map(String::as_str).collect();
    let mut asked = 0;
    let again = generate(&rules, 20, &mut rng(), &KEY, |c| {
        asked += 1;
        taken.contains(c)
    })
    .unwrap();
    assert_eq!(again.len(), 20);
    assert!(again.iter().all(|c| !taken.contains(c.as_str())));
    assert_eq!(
        again[..10],
        first[10..],
        "the same draws, minus the taken ones"
    );
    assert_eq!(asked, 30, "asked once per draw");
}

#[test]
fn gives_up_when_no_fresh_code_can_be_found() {
    let rules = GenerationRules::default();
    let mut asked = 0;
    let err = generate(&rules, 5, &mut rng(), &KEY, |_| {
        asked += 1;
        true
    })
    .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(asked, MAX_ATTEMPTS);
}

#[test]
fn fills_a_small_space_without_duplicates() {
    // 5 digits ^ 4 = 625 possible codes; take a third of them.
    let rules = GenerationRules {
        code_length: 4,
        include_letters: false,
        ..GenerationRules::default()
    };
    assert_eq!(space(&rules), 625);
    let codes = generate(&rules, 200, &mut rng(), &KEY, never).unwrap();
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 200);
    assert!(codes
        .iter()
        .all(|c| c.bytes().all(|b| b"34679".contains(&b))));
}

#[test]
fn refuses_invalid_rules_and_counts() {
    let bad = GenerationRules {
        code_length: 3,
        ..GenerationRules::default()
    };
    assert!(generate(&bad, 1, &mut rng(), &KEY, never).is_err());
    let rules = GenerationRules::default();
    assert!(generate(&rules, 0, &mut rng(), &KEY, never).is_err());
    assert!(generate(&rules, MAX_PER_REQUEST + 1, &mut rng(), &KEY, never).is_err());
    // Rules that fail validation have no codes.
    assert!(!has_shape(&bad, "ACDE"));
    assert!(!verify(&bad, "ACDE", &KEY));
}

#[test]
fn shape() {
    let rules = rules(CodeCheck::None, 0);
    assert!(has_shape(&rules, "SUMMER-ACDEFGHJ~X"));
    for wrong in [
        "SUMMER-ACDEFGH~X",   // short
        "SUMMER-ACDEFGHJK~X", // long
        "SUMMEX-ACDEFGHJ~X",  // prefix
        "SUMMER-ACDEFGHJ~Y",  // suffix
        "SUMMER-ACDEFGHO~X",  // ambiguous O
        "SUMMER-ACDEFGH.~X",  // special not included
        "summer-acdefghj#x",  // not normalized
        "",
    ] {
        assert!(!has_shape(&rules, wrong), "{wrong}");
        assert!(!verify(&rules, wrong, &KEY), "{wrong}");
    }
    // Without a check, the shape is all there is.
    assert!(verify(&rules, "SUMMER-ACDEFGHJ~X", &KEY));
}

#[test]
fn shape_matches_but_check_fails() {
    let checked = rules(CodeCheck::CheckCharacter, 0);
    let code = &generate(&checked, 1, &mut rng(), &KEY, never).unwrap()[0];
    let mut bytes = code.clone().into_bytes();
    let at = "SUMMER-".len() + 8;
    bytes[at] = if bytes[at] == b'A' { b'C' } else { b'A' };
    let wrong = String::from_utf8(bytes).unwrap();
    assert!(has_shape(&checked, &wrong) && !verify(&checked, &wrong, &KEY));

    let maced = rules(CodeCheck::Mac, 4);
    let code = &generate(&maced, 1, &mut rng(), &KEY, never).unwrap()[0];
    assert!(verify(&maced, code, &KEY));
    assert!(has_shape(&maced, code) && !verify(&maced, code, b"another key 16 b"));
}

/// With a 2-character MAC over 25 characters, about one blind guess in 625
/// passes.
#[test]
fn blind_guesses_pass_a_mac_at_the_expected_rate() {
    let maced = GenerationRules {
        check: CodeCheck::Mac,
        mac_length: 2,
        ..GenerationRules::default()
    };
    let unchecked = GenerationRules {
        code_length: 10,
        ..GenerationRules::default()
    };
    let guesses = generate(&unchecked, 200_000, &mut rng(), &KEY, never).unwrap();
    let passed = guesses.iter().filter(|g| verify(&maced, g, &KEY)).count();
    // Expected 320; the seed is fixed, the bounds are about ±5 sigma.
    assert!((230..=410).contains(&passed), "{passed}");
}
