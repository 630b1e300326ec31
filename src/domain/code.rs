//! Coupon codes are compared after normalization: surrounding whitespace
//! trimmed, ASCII letters upper-cased. A code is 1 to 64 printable ASCII
//! characters without spaces; anything else (including look-alike Unicode
//! letters) is refused, so that one code can never be spelled two ways.

use super::limits::CODE_CHARS;
use crate::error::{Error, Result};

pub fn normalize(raw: &str) -> Result<String> {
    let code = raw.trim();
    if code.is_empty() {
        return Err(Error::invalid("code", "empty"));
    }
    if code.len() > CODE_CHARS {
        return Err(Error::invalid(
            "code",
            format!("longer than {CODE_CHARS} characters"),
        ));
    }
    if let Some(bad) = code.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid(
            "code",
            format!("character {bad:?} is not printable ASCII"),
        ));
    }
    Ok(code.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_bounds() {
        assert_eq!(normalize("  summer20 ").unwrap(), "SUMMER20");
        assert_eq!(normalize("Sale-2024_x").unwrap(), "SALE-2024_X");
        assert!(normalize("").is_err());
        assert!(normalize("   ").is_err());
        assert!(normalize("TWO WORDS").is_err());
        assert!(normalize("ÇODE").is_err());
        assert!(normalize(&"A".repeat(64)).is_ok());
        assert!(normalize(&"A".repeat(65)).is_err());
    }
}
