//! The shape of one set of rules' codes (prefix, random part, check, suffix),
//! and the check of a code against it.

use couponsd_client::wire::{CodeCheck, GenerationRules};

use super::alphabet::Alphabet;
use super::check::{luhn_valid, mac};
use super::validate::{check_chars, code_len, validate, MAX_CODE_LENGTH};
use crate::error::Result;

/// Valid rules with their alphabet, for one generation or check.
pub(super) struct Shape<'r> {
    pub rules: &'r GenerationRules,
    pub alphabet: &'static Alphabet,
    /// Characters after the random part.
    pub check_chars: usize,
    /// The whole code's length.
    pub len: usize,
}

impl<'r> Shape<'r> {
    pub fn new(rules: &'r GenerationRules) -> Result<Shape<'r>> {
        validate(rules)?;
        Ok(Shape {
            rules,
            alphabet: Alphabet::of(rules),
            check_chars: check_chars(rules),
            len: code_len(rules),
        })
    }

    /// Length of prefix + random part: where the check starts.
    fn check_at(&self) -> usize {
        self.rules.prefix.len() + usize::from(self.rules.code_length)
    }

    /// Right length, prefix and suffix, and alphabet characters between them.
    pub fn matches(&self, code: &str) -> bool {
        let code = code.as_bytes();
        code.len() == self.len
            && code.starts_with(self.rules.prefix.as_bytes())
            && code.ends_with(self.rules.suffix.as_bytes())
            && code[self.rules.prefix.len()..self.len - self.rules.suffix.len()]
                .iter()
                .all(|&c| self.alphabet.index_of(c).is_some())
    }

    /// The check character or MAC of a code that `matches`.
    fn check_passes(&self, code: &str, mac_key: &[u8; 16]) -> bool {
        let code = code.as_bytes();
        let start = self.rules.prefix.len();
        let end = self.check_at() + self.check_chars;
        match self.rules.check {
            CodeCheck::None => true,
            CodeCheck::CheckCharacter => {
                let mut indices = [0; MAX_CODE_LENGTH as usize + 1];
                let indices = &mut indices[..end - start];
                for (i, &c) in indices.iter_mut().zip(&code[start..end]) {
                    *i = self.alphabet.index_of(c).unwrap_or_default();
                }
                luhn_valid(indices, self.alphabet.len())
            }
            CodeCheck::Mac => {
                let expected = mac(
                    mac_key,
                    &code[..self.check_at()],
                    self.alphabet,
                    self.check_chars,
                );
                // Constant time: how much of a MAC is right leaks nothing.
                expected[..self.check_chars]
                    .iter()
                    .zip(&code[self.check_at()..end])
                    .fold(0, |diff, (a, b)| diff | (a ^ b))
                    == 0
            }
        }
    }
}

/// Does a normalized code have the rules' shape: length, prefix, suffix and
/// only alphabet characters between them? Its check is not looked at. False
/// for rules that `validate` refuses.
pub fn has_shape(rules: &GenerationRules, code: &str) -> bool {
    Shape::new(rules).is_ok_and(|shape| shape.matches(code))
}

/// Could a normalized code have been generated with these rules and key: does
/// it have their shape, and a right check character or MAC? With check NONE,
/// the same as `has_shape`.
pub fn verify(rules: &GenerationRules, code: &str, mac_key: &[u8; 16]) -> bool {
    Shape::new(rules).is_ok_and(|shape| shape.matches(code) && shape.check_passes(code, mac_key))
}
