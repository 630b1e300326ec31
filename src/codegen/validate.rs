//! Which generation rules are acceptable, and their normal form.

use couponsd_client::wire::{CodeCheck, GenerationRules};

use super::check::MAX_MAC_LENGTH;
use crate::domain::limits::CODE_CHARS;
use crate::error::{Error, Result};

pub const MIN_CODE_LENGTH: u8 = 4;
pub const MAX_CODE_LENGTH: u8 = 32;
pub const MIN_MAC_LENGTH: u8 = 2;

/// Characters after the random part: 1 for a check character, `mac_length`
/// for a MAC.
pub fn check_chars(rules: &GenerationRules) -> usize {
    match rules.check {
        CodeCheck::None => 0,
        CodeCheck::CheckCharacter => 1,
        CodeCheck::Mac => usize::from(rules.mac_length),
    }
}

/// A generated code's length: prefix + random part + check + suffix.
pub fn code_len(rules: &GenerationRules) -> usize {
    rules.prefix.len() + usize::from(rules.code_length) + check_chars(rules) + rules.suffix.len()
}

/// Refuses rules that cannot give codes in normal form (see
/// `domain::code::normalize`), or give too few of them.
pub fn validate(rules: &GenerationRules) -> Result<()> {
    if !(MIN_CODE_LENGTH..=MAX_CODE_LENGTH).contains(&rules.code_length) {
        return Err(Error::invalid(
            "code_length",
            format!(
                "{} is not between {MIN_CODE_LENGTH} and {MAX_CODE_LENGTH}",
                rules.code_length
            ),
        ));
    }
    affix("prefix", &rules.prefix)?;
    affix("suffix", &rules.suffix)?;
    if !(rules.include_letters || rules.include_digits || rules.include_special) {
        return Err(Error::invalid(
            "rules",
            "include at least one of letters, digits and special characters",
        ));
    }
    match rules.check {
        CodeCheck::Mac if !(MIN_MAC_LENGTH..=MAX_MAC_LENGTH as u8).contains(&rules.mac_length) => {
            return Err(Error::invalid(
                "mac_length",
                format!(
                    "{} is not between {MIN_MAC_LENGTH} and {MAX_MAC_LENGTH} (check is MAC)",
                    rules.mac_length
                ),
            ));
        }
        CodeCheck::None | CodeCheck::CheckCharacter if rules.mac_length != 0 => {
            return Err(Error::invalid(
                "mac_length",
                format!("must be 0 unless check is MAC (check is {})", rules.check),
            ));
        }
        _ => {}
    }
    let total = code_len(rules);
    if total > CODE_CHARS {
        return Err(Error::invalid(
            "rules",
            format!(
                "codes would be {total} characters (prefix {} + code_length {} + check {} + suffix {}); at most {CODE_CHARS}",
                rules.prefix.len(),
                rules.code_length,
                check_chars(rules),
                rules.suffix.len()
            ),
        ));
    }
    Ok(())
}

/// The rules with prefix and suffix upper-cased (codes are compared upper
/// case), then validated.
pub fn normalize(mut rules: GenerationRules) -> Result<GenerationRules> {
    rules.prefix.make_ascii_uppercase();
    rules.suffix.make_ascii_uppercase();
    validate(&rules)?;
    Ok(rules)
}

/// Characters a prefix or suffix may hold besides letters and digits. Codes
/// travel in URLs, CSV exports and spreadsheets: none of these needs quoting
/// or encoding, and none makes a cell a formula.
pub const AFFIX_MARKS: &str = "-._~";

fn affix(field: &'static str, value: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || AFFIX_MARKS.contains(c);
    if let Some(bad) = value.chars().find(|&c| !allowed(c)) {
        return Err(Error::invalid(
            field,
            format!("character {bad:?}: use letters, digits and {AFFIX_MARKS:?}"),
        ));
    }
    // A cell that starts with `-` is a formula to a spreadsheet.
    if field == "prefix" && value.starts_with('-') {
        return Err(Error::invalid(field, "must not start with '-'"));
    }
    if value.bytes().any(|c| c.is_ascii_lowercase()) {
        return Err(Error::invalid(
            field,
            format!(
                "{value:?} has lower-case letters; codes are upper case ({:?})",
                value.to_ascii_uppercase()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(rules: &GenerationRules) -> &'static str {
        match validate(rules) {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected INVALID_ARGUMENT, got {other:?}"),
        }
    }

    #[test]
    fn seed_defaults_are_valid() {
        let rules = GenerationRules::default();
        assert_eq!(rules.code_length, 8);
        assert!(rules.include_letters && rules.include_digits);
        assert!(!rules.include_special && rules.exclude_ambiguous);
        assert_eq!(rules.check, CodeCheck::None);
        validate(&rules).unwrap();
        assert_eq!(code_len(&rules), 8);
    }

    #[test]
    fn code_length_bounds() {
        for (len, ok) in [(0, false), (3, false), (4, true), (32, true), (33, false)] {
            let rules = GenerationRules {
                code_length: len,
                ..GenerationRules::default()
            };
            assert_eq!(validate(&rules).is_ok(), ok, "{len}");
            if !ok {
                assert_eq!(field(&rules), "code_length");
            }
        }
    }

    #[test]
    fn prefix_and_suffix() {
        for (value, ok) in [
            ("", true),
            ("SUMMER-", true),
            ("24_.~", true),
            ("#24", false),
            ("=1+1", false),
            ("A,\"B", false),
            ("@X", false),
            ("TWO WORDS", false),
            (" X", false),
            ("summer", false),
            ("Ç", false),
            ("A\t", false),
        ] {
            let prefix = GenerationRules {
                prefix: value.into(),
                ..GenerationRules::default()
            };
            let suffix = GenerationRules {
                suffix: value.into(),
                ..GenerationRules::default()
            };
            assert_eq!(validate(&prefix).is_ok(), ok, "{value:?}");
            assert_eq!(validate(&suffix).is_ok(), ok, "{value:?}");
            if !ok {
                assert_eq!(field(&prefix), "prefix");
                assert_eq!(field(&suffix), "suffix");
            }
        }
        // A leading '-' would make a CSV cell a formula; inside or at the end it is fine.
        let dash = |prefix: &str| GenerationRules {
            prefix: prefix.into(),
            ..GenerationRules::default()
        };
        assert_eq!(field(&dash("-SPR")), "prefix");
        assert!(validate(&dash("SPR-")).is_ok());
        let dash_suffix = GenerationRules {
            suffix: "-X".into(),
            ..GenerationRules::default()
        };
        assert!(validate(&dash_suffix).is_ok());
    }

    #[test]
    fn normalize_upper_cases_affixes() {
        let rules = normalize(GenerationRules {
            prefix: "summer-".into(),
            suffix: "-x".into(),
            ..GenerationRules::default()
        })
        .unwrap();
        assert_eq!(
            (rules.prefix.as_str(), rules.suffix.as_str()),
            ("SUMMER-", "-X")
        );
        assert!(normalize(GenerationRules {
            prefix: "two words".into(),
            ..GenerationRules::default()
        })
        .is_err());
    }

    #[test]
    fn at_least_one_class() {
        let rules = GenerationRules {
            include_letters: false,
            include_digits: false,
            include_special: false,
            ..GenerationRules::default()
        };
        assert_eq!(field(&rules), "rules");
        for (l, d, s) in [
            (true, false, false),
            (false, true, false),
            (false, false, true),
        ] {
            validate(&GenerationRules {
                include_letters: l,
                include_digits: d,
                include_special: s,
                ..GenerationRules::default()
            })
            .unwrap();
        }
    }

    #[test]
    fn mac_length_only_with_mac() {
        let with = |check, mac_length| GenerationRules {
            check,
            mac_length,
            ..GenerationRules::default()
        };
        for (check, len, ok) in [
            (CodeCheck::Mac, 0, false),
            (CodeCheck::Mac, 1, false),
            (CodeCheck::Mac, 2, true),
            (CodeCheck::Mac, 8, true),
            (CodeCheck::Mac, 9, false),
            (CodeCheck::None, 0, true),
            (CodeCheck::None, 4, false),
            (CodeCheck::CheckCharacter, 0, true),
            (CodeCheck::CheckCharacter, 1, false),
        ] {
            assert_eq!(validate(&with(check, len)).is_ok(), ok, "{check} {len}");
            if !ok {
                assert_eq!(field(&with(check, len)), "mac_length");
            }
        }
        assert_eq!(code_len(&with(CodeCheck::Mac, 5)), 13);
        assert_eq!(code_len(&with(CodeCheck::CheckCharacter, 0)), 9);
    }

    #[test]
    fn total_length_at_most_64() {
        let rules = |prefix: usize, check, mac_length| GenerationRules {
            prefix: "P".repeat(prefix),
            suffix: "-S".into(),
            code_length: 32,
            check,
            mac_length,
            ..GenerationRules::default()
        };
        validate(&rules(30, CodeCheck::None, 0)).unwrap(); // 30 + 32 + 2 = 64
        assert_eq!(field(&rules(31, CodeCheck::None, 0)), "rules");
        validate(&rules(29, CodeCheck::CheckCharacter, 0)).unwrap();
        assert_eq!(field(&rules(30, CodeCheck::CheckCharacter, 0)), "rules");
        validate(&rules(22, CodeCheck::Mac, 8)).unwrap();
        assert_eq!(field(&rules(23, CodeCheck::Mac, 8)), "rules");
    }
}
