//! Drawing fresh codes.

use couponsd_client::wire::{CodeCheck, GenerationRules};
use hashbrown::{DefaultHashBuilder, HashTable};
use rand::{CryptoRng, Rng};
use std::hash::BuildHasher;

use super::check::{luhn_check, mac};
use super::shape::Shape;
use super::space::check_count;
use super::validate::MAX_CODE_LENGTH;
use crate::error::{Error, Result};

/// Draws per code before giving up. A draw collides with probability at most
/// `1 / DENSITY` when `check_capacity` allowed the request, so even two in a
/// row practically never happen.
pub const MAX_ATTEMPTS: u32 = 64;

/// `count` fresh codes: prefix + `code_length` random characters + check
/// character or MAC + suffix, unique among themselves and each with
/// `exists(code) == false`. The caller checks `check_capacity` first.
///
/// The RNG must be a CryptoRng: codes are bearer secrets, and a predictable
/// generator would let one code reveal the others. `mac_key` is used with
/// check MAC only. Fails if the rules are invalid, the count is out of
/// bounds, or `MAX_ATTEMPTS` draws in a row for one code all collide.
pub fn generate<R: CryptoRng + ?Sized>(
    rules: &GenerationRules,
    count: u64,
    rng: &mut R,
    mac_key: &[u8; 16],
    mut exists: impl FnMut(&str) -> bool,
) -> Result<Vec<String>> {
    let shape = Shape::new(rules)?;
    check_count(count)?;
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let mut codes: Vec<String> = Vec::with_capacity(count);
    // Indices into `codes`, so each code is stored once.
    let mut seen: HashTable<usize> = HashTable::with_capacity(count);
    let hasher = DefaultHashBuilder::default();
    while codes.len() < count {
        let mut attempts = 0;
        let (code, hash) = loop {
            let code = draw(&shape, rng, mac_key);
            let hash = hasher.hash_one(&code);
            if seen.find(hash, |&i| codes[i] == code).is_none() && !exists(&code) {
                break (code, hash);
            }
            attempts += 1;
            if attempts == MAX_ATTEMPTS {
                return Err(Error::Conflict(format!(
                    "no fresh code found in {MAX_ATTEMPTS} draws after {} of {count}: \
                     the codes of this shape fill too much of its space",
                    codes.len()
                )));
            }
        };
        seen.insert_unique(hash, codes.len(), |&i| hasher.hash_one(&codes[i]));
        codes.push(code);
    }
    Ok(codes)
}

/// One code of the shape, random part drawn uniformly.
fn draw<R: CryptoRng + ?Sized>(shape: &Shape, rng: &mut R, mac_key: &[u8; 16]) -> String {
    let rules = shape.rules;
    let n = shape.alphabet.len() as u8;
    let mut code = String::with_capacity(shape.len);
    code.push_str(&rules.prefix);
    let mut indices = [0u8; MAX_CODE_LENGTH as usize];
    let indices = &mut indices[..usize::from(rules.code_length)];
    for i in indices.iter_mut() {
        *i = rng.random_range(0..n);
        code.push(char::from(shape.alphabet.char_at(usize::from(*i))));
    }
    match rules.check {
        CodeCheck::None => {}
        CodeCheck::CheckCharacter => {
            let check = luhn_check(indices, shape.alphabet.len());
            code.push(char::from(shape.alphabet.char_at(usize::from(check))));
        }
        CodeCheck::Mac => {
            let mac = mac(mac_key, code.as_bytes(), shape.alphabet, shape.check_chars);
            code.extend(mac[..shape.check_chars].iter().map(|&c| char::from(c)));
        }
    }
    code.push_str(&rules.suffix);
    code
}
