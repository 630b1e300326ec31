//! What a generated code carries after its random part: a Luhn mod N check
//! character, or a keyed MAC. Both work on alphabet indices (`0..n`), not on
//! characters.
//!
//! # Check character: Luhn mod N over the random part
//! Walking the random part from its last character to its first, the
//! characters are weighted alternately ×2 (the last one), ×1, ×2, ... A
//! doubled index `d = 2x` is reduced to `d / n + d % n` (its digit sum in base
//! `n`, as in Luhn) when `n` is even, and to `d % n` when `n` is odd (for odd
//! `n` the digit sum is not one-to-one, `2x mod n` is). The check character is
//! the index that makes the weighted sum, plus itself at weight 1, `0 mod n`.
//!
//! Only the random part is summed: the prefix and suffix are the same in
//! every code of a campaign (they would add a constant) and may hold
//! characters outside the alphabet; a code that changes them fails the shape
//! check before the check character is looked at.
//!
//! What it catches, for every alphabet size `n`:
//! - every single-character substitution (both weightings are permutations);
//! - every transposition of two adjacent, distinct characters, except, when
//!   `n` is even, the swap of the alphabet's first and last characters (the
//!   `09 <-> 90` of decimal Luhn). No weighted sum mod an even `n` can catch
//!   every adjacent swap; with an odd `n` (like the default 25-character
//!   alphabet) there is no exception.
//!
//! # MAC
//! SipHash-2-4 with a 128-bit key over the code's prefix and random part; the
//! 128-bit result, read as a number, gives `mac_length` base-`n` digits (least
//! significant first), one character each. A code whose MAC is forged without
//! the key passes with probability `1/n^mac_length`.

use siphasher::sip128::SipHasher24;

use super::alphabet::Alphabet;

/// Most MAC characters.
pub const MAX_MAC_LENGTH: usize = 8;

/// `x` weighted ×2, reduced into `0..n` (see the module docs).
#[inline]
fn doubled(x: u32, n: u32) -> u32 {
    let d = 2 * x;
    if n % 2 == 0 {
        d / n + d % n
    } else {
        d % n
    }
}

/// Weighted sum mod `n` of `indices`, whose last element has weight ×2 when
/// `double_last`.
#[inline]
fn weighted_sum(indices: &[u8], n: u32, double_last: bool) -> u32 {
    let mut sum = 0;
    let mut double = double_last;
    for &x in indices.iter().rev() {
        let x = u32::from(x);
        sum += if double { doubled(x, n) } else { x };
        double = !double;
    }
    sum % n
}

/// The check character's index for a random part given as alphabet indices
/// (each `< n`).
#[inline]
pub fn luhn_check(random: &[u8], n: usize) -> u8 {
    let n = n as u32;
    ((n - weighted_sum(random, n, true)) % n) as u8
}

/// Is the last index the check character of the ones before it?
#[inline]
pub fn luhn_valid(random_and_check: &[u8], n: usize) -> bool {
    !random_and_check.is_empty() && weighted_sum(random_and_check, n as u32, false) == 0
}

/// The `len` (`<= MAX_MAC_LENGTH`) MAC characters of `message` (the code's
/// prefix and random part).
#[inline]
pub fn mac(
    key: &[u8; 16],
    message: &[u8],
    alphabet: &Alphabet,
    len: usize,
) -> [u8; MAX_MAC_LENGTH] {
    let n = alphabet.len() as u128;
    let mut h = SipHasher24::new_with_key(key).hash(message).as_u128();
    let mut out = [0; MAX_MAC_LENGTH];
    for c in out.iter_mut().take(len) {
        *c = alphabet.char_at((h % n) as usize);
        h /= n;
    }
    out
}

#[cfg(test)]
mod tests {
    use couponsd_client::wire::GenerationRules;

    use super::*;

    /// Every alphabet size the rules can give.
    const SIZES: [usize; 14] = [3, 5, 8, 10, 13, 20, 23, 25, 26, 28, 29, 31, 36, 39];

    #[test]
    fn weightings_are_permutations_for_every_size() {
        for n in 2..=64u32 {
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let d = doubled(x, n);
                assert!(d < n && !seen[d as usize], "n={n} x={x}");
                seen[d as usize] = true;
            }
        }
    }

    #[test]
    fn the_one_undetected_adjacent_swap_is_first_last_for_even_sizes() {
        // A swap of a (×2) and b (×1) goes unseen iff 2a' + b = 2b' + a, i.e.
        // doubled(a) - a = doubled(b) - b (mod n).
        for n in 2..=64u32 {
            for a in 0..n {
                for b in (a + 1)..n {
                    let unseen = (doubled(a, n) + b) % n == (doubled(b, n) + a) % n;
                    let exception = n % 2 == 0 && a == 0 && b == n - 1;
                    assert_eq!(unseen, exception, "n={n} a={a} b={b}");
                }
            }
        }
    }

    fn check_all(payloads: &[Vec<u8>], n: usize) {
        let exception =
            |a: u8, b: u8| n % 2 == 0 && a.min(b) == 0 && usize::from(a.max(b)) == n - 1;
        for random in payloads {
            let mut code = random.clone();
            code.push(luhn_check(random, n));
            assert!(luhn_valid(&code, n), "n={n} {code:?}");
            for i in 0..code.len() {
                let original = code[i];
                for other in (0..n as u8).filter(|&o| o != original) {
                    code[i] = other;
                    assert!(!luhn_valid(&code, n), "substitution n={n} {code:?} at {i}");
                }
                code[i] = original;
            }
            for i in 0..code.len() - 1 {
                let (a, b) = (code[i], code[i + 1]);
                if a == b {
                    continue;
                }
                code.swap(i, i + 1);
                assert_eq!(
                    luhn_valid(&code, n),
                    exception(a, b),
                    "swap n={n} {code:?} at {i}"
                );
                code.swap(i, i + 1);
            }
        }
    }

    fn all_payloads(n: usize, len: u32) -> Vec<Vec<u8>> {
        (0..n.pow(len))
            .map(|mut v| {
                (0..len)
                    .map(|_| {
                        let x = (v % n) as u8;
                        v /= n;
                        x
                    })
                    .collect()
            })
            .collect()
    }

    /// Exhaustive over every random part of 1, 2 and 3 characters (both
    /// parities of the weights, the check character itself included) for every
    /// alphabet size the rules can give.
    #[test]
    fn exhaustive_substitutions_and_swaps_for_short_codes() {
        for n in SIZES {
            for len in 1..=3 {
                check_all(&all_payloads(n, len), n);
            }
        }
    }

    #[test]
    fn known_values() {
        // Decimal alphabet, even n: plain Luhn. 7992739871 -> 3.
        let digits = [7, 9, 9, 2, 7, 3, 9, 8, 7, 1];
        assert_eq!(luhn_check(&digits, 10), 3);
        // Odd n: weights 2, 1 mod n. [1, 2] with n = 5: 1 + 4 = 5 = 0 -> 0.
        assert_eq!(luhn_check(&[1, 2], 5), 0);
        assert_eq!(luhn_check(&[0, 1], 5), 3);
        assert!(!luhn_valid(&[], 5));
    }

    #[test]
    fn mac_is_keyed_deterministic_and_in_the_alphabet() {
        let alphabet = Alphabet::of(&GenerationRules::default());
        let a = mac(&[1; 16], b"SUMMER-ABCD", alphabet, 8);
        assert_eq!(a, mac(&[1; 16], b"SUMMER-ABCD", alphabet, 8));
        assert_ne!(a, mac(&[2; 16], b"SUMMER-ABCD", alphabet, 8));
        assert_ne!(a, mac(&[1; 16], b"SUMMER-ABCE", alphabet, 8));
        assert!(a.iter().all(|&c| alphabet.index_of(c).is_some()));
        // A shorter MAC is a prefix of a longer one: same digits, fewer of them.
        assert_eq!(
            mac(&[1; 16], b"X", alphabet, 3)[..3],
            mac(&[1; 16], b"X", alphabet, 8)[..3]
        );
    }
}
