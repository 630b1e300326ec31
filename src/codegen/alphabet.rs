//! The characters a generated code's random part (and its check character or
//! MAC) is drawn from: the classes the rules include, minus the ambiguous
//! characters when `exclude_ambiguous` is set, in ASCII order.

use couponsd_client::wire::GenerationRules;

/// Upper-case letters (`include_letters`).
pub const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Digits (`include_digits`).
pub const DIGITS: &str = "0123456789";
/// Special characters (`include_special`): the RFC 3986 unreserved marks
/// except `-`. They need no percent-encoding in a URL, no quoting in CSV, and
/// upper-casing leaves them alone. `-` is left out because a spreadsheet
/// reads a cell that starts with it as a formula (CSV injection).
pub const SPECIAL: &str = "._~";
/// Left out with `exclude_ambiguous`, in groups that read alike in print or
/// handwriting: `0 O`, `1 I L`, `2 Z`, `5 S`, `8 B`. Every member of a group
/// goes, so a reader never has to guess which one was meant.
pub const AMBIGUOUS: &str = "0O1IL2Z5S8B";

/// Most characters an alphabet can have (26 + 10 + 3).
pub const MAX_LEN: usize = LETTERS.len() + DIGITS.len() + SPECIAL.len();

const NOT_IN: u8 = u8::MAX;

/// The alphabet of one set of rules, with a reverse table from character to
/// index. Its characters are printable ASCII, upper case, in ASCII order.
#[derive(Clone, PartialEq, Eq)]
pub struct Alphabet {
    chars: [u8; MAX_LEN],
    len: u8,
    index: [u8; 128],
}

/// The 16 alphabets, indexed by `table_index`, built at compile time.
static ALPHABETS: [Alphabet; 16] = {
    let mut all = [Alphabet::EMPTY; 16];
    let mut i = 0;
    while i < 16 {
        all[i] = Alphabet::build(i & 1 != 0, i & 2 != 0, i & 4 != 0, i & 8 != 0);
        i += 1;
    }
    all
};

const fn contains(set: &str, c: u8) -> bool {
    let set = set.as_bytes();
    let mut i = 0;
    while i < set.len() {
        if set[i] == c {
            return true;
        }
        i += 1;
    }
    false
}

impl Alphabet {
    const EMPTY: Alphabet = Alphabet {
        chars: [0; MAX_LEN],
        len: 0,
        index: [NOT_IN; 128],
    };

    /// The alphabet of `rules` (a table lookup).
    pub fn of(rules: &GenerationRules) -> &'static Alphabet {
        let i = usize::from(rules.include_letters)
            | usize::from(rules.include_digits) << 1
            | usize::from(rules.include_special) << 2
            | usize::from(rules.exclude_ambiguous) << 3;
        &ALPHABETS[i]
    }

    const fn build(letters: bool, digits: bool, special: bool, unambiguous: bool) -> Alphabet {
        let mut alphabet = Alphabet::EMPTY;
        let mut c = b'!';
        while c <= b'~' {
            let class = (letters && c.is_ascii_uppercase())
                || (digits && c.is_ascii_digit())
                || (special && contains(SPECIAL, c));
            if class && !(unambiguous && contains(AMBIGUOUS, c)) {
                alphabet.index[c as usize] = alphabet.len;
                alphabet.chars[alphabet.len as usize] = c;
                alphabet.len += 1;
            }
            c += 1;
        }
        alphabet
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The characters in order; `as_bytes()[i]` is the character of index `i`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.chars[..self.len()]
    }

    pub fn as_str(&self) -> &str {
        // ASCII by construction.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The character of index `i` (`i < len()`).
    pub fn char_at(&self, i: usize) -> u8 {
        self.chars[i]
    }

    /// The index of `c`, or None if `c` is not in the alphabet.
    pub fn index_of(&self, c: u8) -> Option<u8> {
        match self.index.get(usize::from(c)) {
            Some(&i) if i != NOT_IN => Some(i),
            _ => None,
        }
    }
}

impl std::fmt::Debug for Alphabet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Alphabet({:?})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(letters: bool, digits: bool, special: bool, unambiguous: bool) -> GenerationRules {
        GenerationRules {
            include_letters: letters,
            include_digits: digits,
            include_special: special,
            exclude_ambiguous: unambiguous,
            ..GenerationRules::default()
        }
    }

    #[test]
    fn default_alphabet_is_25_unambiguous_characters() {
        let a = Alphabet::of(&GenerationRules::default());
        assert_eq!(a.as_str(), "34679ACDEFGHJKMNPQRTUVWXY");
        assert_eq!(a.len(), 25);
    }

    #[test]
    fn classes_and_ambiguity() {
        let all = Alphabet::of(&rules(true, true, true, false));
        assert_eq!(
            all.as_str(),
            ".0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_~",
            "ASCII order"
        );
        assert_eq!(all.len(), MAX_LEN);
        assert_eq!(Alphabet::of(&rules(true, false, false, false)).len(), 26);
        assert_eq!(Alphabet::of(&rules(true, false, false, true)).len(), 20);
        assert_eq!(Alphabet::of(&rules(false, true, false, false)).len(), 10);
        assert_eq!(
            Alphabet::of(&rules(false, true, false, true)).as_str(),
            "34679"
        );
        assert_eq!(
            Alphabet::of(&rules(false, false, true, true)).as_str(),
            "._~"
        );
        assert!(Alphabet::of(&rules(false, false, false, false)).is_empty());
    }

    #[test]
    fn reverse_table() {
        let a = Alphabet::of(&rules(true, true, true, true));
        for (i, &c) in a.as_bytes().iter().enumerate() {
            assert_eq!(a.index_of(c), Some(i as u8));
            assert_eq!(a.char_at(i), c);
        }
        for c in AMBIGUOUS
            .bytes()
            .chain([b'a', b' ', b',', b'"', b'-', 0, 200])
        {
            assert_eq!(a.index_of(c), None, "{c}");
        }
    }

    #[test]
    fn every_character_is_in_normal_form_and_url_and_csv_safe() {
        let a = Alphabet::of(&rules(true, true, true, false));
        for &c in a.as_bytes() {
            assert!(c.is_ascii_graphic() && !c.is_ascii_lowercase(), "{c}");
            assert!(c.is_ascii_alphanumeric() || b"-._~".contains(&c), "{c}");
            assert!(!b",\"'=+-@".contains(&c), "{c}");
        }
    }
}
