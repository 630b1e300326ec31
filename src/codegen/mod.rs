//! Campaign codes: generating bulk codes from a campaign's `GenerationRules`,
//! and checking a code's shape and check character or MAC. Pure functions: no
//! I/O, no clock; the caller passes the RNG, the MAC key and an `exists` test.
//!
//! # A code
//! `prefix` + `code_length` random characters + check (nothing, one check
//! character, or `mac_length` MAC characters) + `suffix`. Generated codes are
//! already in normal form (upper case printable ASCII, at most 64
//! characters), so they are stored and compared as they are.
//!
//! Rules: `code_length` 4 to 32; prefix and suffix of upper-case letters,
//! digits and `-._~` (`normalize` upper-cases them; no prefix starts with
//! `-`), so a code needs no quoting in a URL or CSV and never reads as a
//! spreadsheet formula; at least one character
//! class; `mac_length` 2 to 8 with check MAC, 0 otherwise; the whole code at
//! most 64 characters.
//!
//! # Alphabet
//! The random part, check character and MAC are drawn from the included
//! classes, in ASCII order:
//! - letters `A`-`Z`;
//! - digits `0`-`9`;
//! - special characters `.` `_` `~`: URL-safe without encoding, need no
//!   quoting in CSV, unchanged by upper-casing. (`-` is left out: a
//!   spreadsheet reads a cell that starts with it as a formula.)
//!
//! With `exclude_ambiguous` (the default), the characters that read alike go,
//! every member of each group: `0 O`, `1 I L`, `2 Z`, `5 S`, `8 B`. The
//! default alphabet (letters and digits, unambiguous) is the 25 characters
//! `34679ACDEFGHJKMNPQRTUVWXY`; all classes without exclusions give 39.
//!
//! # Check character
//! Luhn mod N over the random part (N = alphabet size): it catches every
//! mistyped character and every swap of two neighbours, except, for an even
//! N, a swap of the alphabet's first and last characters. The default N = 25
//! has no exception. Details in `check`. The algorithm is public: it refuses
//! typos and blind guesses without a lookup, but anyone who knows it can
//! compute the character, so it adds nothing against a deliberate guesser.
//!
//! # MAC
//! `mac_length` characters of a keyed SipHash-2-4 of prefix + random part.
//! The key is the server's (derived from the database secret and the
//! campaign), so without it a guess passes with probability
//! `1 / N^mac_length`.
//!
//! # Capacity: how many codes a shape may hold
//! The space of a shape is `N ^ code_length` random parts. A generation is
//! refused when `(codes asked for by every campaign of the shape +
//! requested) * 1,000,000 > space`, where campaigns share a shape when their
//! codes can look alike (same prefix, suffix, whole length and alphabet): a
//! random guess of the right shape then finds a valid code at most once in a
//! million guesses (on average once in `space / codes` guesses). Coupons
//! created one by one are not counted.
//! At most 10,000,000 codes per request.
//!
//! Worked example, the defaults (8 characters over 25):
//! - space 25^8 = 152,587,890,625: at most 152,587 codes;
//! - a million codes need `code_length` 9: 25^9 = 3,814,697,265,625 holds
//!   3,814,697; with a million codes, a guess finds one once in 3,814,697;
//! - with a check character (10 characters), 24 of 25 blind guesses are
//!   refused without a lookup (CODE_CHECK_FAILED); one in 25 × 3,814,697 ≈ 95
//!   million blind guesses finds a code (a guesser who computes the check
//!   character is back at one in 3.8 million);
//! - with a 4-character MAC (13 characters), one in 25^4 = 390,625 guesses
//!   reaches a lookup, and one in about 1.5 × 10^12 finds a code.

mod alphabet;
mod check;
mod generate;
mod shape;
mod space;
mod validate;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use alphabet::{Alphabet, AMBIGUOUS, DIGITS, LETTERS, SPECIAL};
pub use check::MAX_MAC_LENGTH;
pub use generate::{generate, MAX_ATTEMPTS};
pub use shape::{has_shape, verify};
pub use space::{capacity, check_capacity, shares_space, space, DENSITY, MAX_PER_REQUEST};
pub use validate::{
    code_len, normalize, validate, AFFIX_MARKS, MAX_CODE_LENGTH, MIN_CODE_LENGTH, MIN_MAC_LENGTH,
};
