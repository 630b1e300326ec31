//! How many codes one shape can hold while a random guess stays unlikely to
//! find one.

use couponsd_client::wire::GenerationRules;

use super::alphabet::Alphabet;
use super::validate::{code_len, MAX_CODE_LENGTH};
use crate::domain::limits::CODE_CHARS;
use crate::error::{Error, Result};

/// Possible random parts per valid code, at least: a random guess of the
/// right shape finds a valid code with probability at most `1 / DENSITY`.
pub const DENSITY: u128 = 1_000_000;

/// Most codes one generation request may ask for.
pub const MAX_PER_REQUEST: u64 = 10_000_000;

/// Possible random parts: `alphabet_len ^ code_length`, saturating. The check
/// character or MAC adds none: it follows from the random part.
pub fn space(rules: &GenerationRules) -> u128 {
    space_of(Alphabet::of(rules).len(), rules.code_length)
}

fn space_of(alphabet_len: usize, code_length: u8) -> u128 {
    (alphabet_len as u128).saturating_pow(u32::from(code_length))
}

/// Most codes of this shape that `check_capacity` allows: `space / DENSITY`.
pub fn capacity(rules: &GenerationRules) -> u64 {
    u64::try_from(space(rules) / DENSITY).unwrap_or(u64::MAX)
}

/// Whether codes of two sets of rules can look alike: the same prefix,
/// suffix, whole length and alphabet. Such campaigns' codes share one space,
/// so `check_capacity` counts them together.
pub fn shares_space(a: &GenerationRules, b: &GenerationRules) -> bool {
    a.prefix == b.prefix
        && a.suffix == b.suffix
        && code_len(a) == code_len(b)
        && Alphabet::of(a) == Alphabet::of(b)
}

/// Refuses a count of 0 or more than `MAX_PER_REQUEST`.
pub fn check_count(count: u64) -> Result<()> {
    if count == 0 {
        return Err(Error::invalid("count", "must be at least 1"));
    }
    if count > MAX_PER_REQUEST {
        return Err(Error::invalid(
            "count",
            format!("{count} is more than {MAX_PER_REQUEST} codes per request"),
        ));
    }
    Ok(())
}

/// Refuses to generate `count` more codes of this shape (same prefix, suffix,
/// length and alphabet) when `existing` codes of it exist already and
/// `(existing + count) * DENSITY > space`.
pub fn check_capacity(rules: &GenerationRules, existing: u64, count: u64) -> Result<()> {
    check_count(count)?;
    let alphabet_len = Alphabet::of(rules).len();
    let space = space_of(alphabet_len, rules.code_length);
    let total = u128::from(existing) + u128::from(count);
    if total * DENSITY <= space {
        return Ok(());
    }
    let longer = (rules.code_length..=MAX_CODE_LENGTH)
        .find(|&len| total * DENSITY <= space_of(alphabet_len, len))
        .filter(|&len| code_len(rules) + usize::from(len - rules.code_length) <= CODE_CHARS)
        .map(|len| format!("; code_length {len} would hold them"))
        .unwrap_or_default();
    Err(Error::invalid(
        "count",
        format!(
            "{total} codes of this shape ({existing} asked for already + {count} requested) in a space of {space}: \
             a random guess would find a valid code once in {} guesses, and at least {DENSITY} are required, \
             so this shape holds at most {} codes; use longer codes or more character classes{longer}",
            space / total,
            space / DENSITY
        ),
    ))
}

#[cfg(test)]
mod tests {
    use couponsd_client::wire::CodeCheck;

    use super::*;

    fn message(result: Result<()>) -> String {
        match result {
            Err(e @ Error::InvalidArgument { field: "count", .. }) => e.to_string(),
            other => panic!("expected INVALID_ARGUMENT count, got {other:?}"),
        }
    }

    #[test]
    fn space_of_the_defaults() {
        let rules = GenerationRules::default();
        assert_eq!(space(&rules), 25u128.pow(8));
        assert_eq!(space(&rules), 152_587_890_625);
        assert_eq!(capacity(&rules), 152_587);
        // The check character or MAC adds no space.
        let checked = GenerationRules {
            check: CodeCheck::Mac,
            mac_length: 4,
            ..rules
        };
        assert_eq!(space(&checked), 152_587_890_625);
    }

    #[test]
    fn space_saturates() {
        let rules = GenerationRules {
            code_length: 32,
            include_special: true,
            exclude_ambiguous: false,
            ..GenerationRules::default()
        };
        assert_eq!(space(&rules), u128::MAX); // 39^32 > 2^128
        assert_eq!(capacity(&rules), u64::MAX);
        check_capacity(&rules, u64::MAX, MAX_PER_REQUEST).unwrap();
    }

    #[test]
    fn refuses_exactly_past_the_bound() {
        let rules = GenerationRules::default();
        let cap = capacity(&rules); // 152_587: 152_587_000_000 <= space < 152_588_000_000
        check_capacity(&rules, 0, cap).unwrap();
        check_capacity(&rules, cap - 1, 1).unwrap();
        let refused = message(check_capacity(&rules, cap, 1));
        assert!(
            refused.contains("152588 codes of this shape (152587 asked for already + 1 requested)"),
            "{refused}"
        );
        assert!(refused.contains("in a space of 152587890625"), "{refused}");
        assert!(refused.contains("once in 999999 guesses"), "{refused}");
        assert!(refused.contains("holds at most 152587 codes"), "{refused}");
        assert!(
            refused.contains("code_length 9 would hold them"),
            "{refused}"
        );
        message(check_capacity(&rules, 0, cap + 1));
    }

    #[test]
    fn a_million_default_codes_need_nine_characters() {
        let eight = GenerationRules::default();
        let nine = GenerationRules {
            code_length: 9,
            ..GenerationRules::default()
        };
        assert!(check_capacity(&eight, 0, 1_000_000).is_err());
        check_capacity(&nine, 0, 1_000_000).unwrap();
        assert_eq!(capacity(&nine), 3_814_697);
    }

    #[test]
    fn no_longer_length_suggested_when_none_fits() {
        let rules = GenerationRules {
            code_length: 32,
            include_letters: false,
            include_digits: false,
            include_special: true,
            ..GenerationRules::default()
        };
        // 3^32 = 1_853_020_188_851_841: holds 1_853_020_188 codes.
        let refused = message(check_capacity(&rules, 1_853_020_188, 1));
        assert!(!refused.contains("code_length"), "{refused}");
        // 25^10 codes would hold 10 million, but 58 + 10 > 64 characters.
        let long_prefix = GenerationRules {
            prefix: "P".repeat(58),
            code_length: 4,
            ..GenerationRules::default()
        };
        let refused = message(check_capacity(&long_prefix, 0, MAX_PER_REQUEST));
        assert!(!refused.contains("code_length"), "{refused}");
        let refused = message(check_capacity(&long_prefix, 0, 1));
        assert!(
            refused.contains("code_length 5 would hold them"),
            "{refused}"
        );
    }

    #[test]
    fn count_bounds() {
        let rules = GenerationRules {
            code_length: 12,
            ..GenerationRules::default()
        };
        assert!(message(check_capacity(&rules, 0, 0)).contains("at least 1"));
        check_capacity(&rules, 0, MAX_PER_REQUEST).unwrap();
        assert!(message(check_capacity(&rules, 0, MAX_PER_REQUEST + 1)).contains("per request"));
    }
}
