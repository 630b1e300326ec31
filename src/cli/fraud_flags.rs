//! The fraud settings' flags: scores as decimals between 0 and 1 ("0.6"),
//! kept in parts per million, and identifier limits as "KIND:USES"
//! ("payment:1").

use couponsd_client::money;
use couponsd_client::wire::{Identifier, IdentifierLimit};

/// "0.6" is 600,000 ppm; "none" (or "") is no score.
pub fn score(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let ppm = money::parse_decimal(text, 6).map_err(|e| format!("{text:?}: {e}"))?;
    match u32::try_from(ppm) {
        Ok(ppm) if ppm <= 1_000_000 => Ok(Some(ppm)),
        _ => Err(format!("{text:?} is not between 0 and 1")),
    }
}

/// "payment:1": at most one active use per card.
pub fn identifier_limit(text: &str) -> Result<IdentifierLimit, String> {
    let (kind, uses) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: write KIND:USES, e.g. payment:1"))?;
    let identifier = Identifier::from_name(kind)
        .ok_or_else(|| format!("{kind:?}: one of email, device, ip, payment"))?;
    let max_uses = uses
        .trim()
        .parse::<u32>()
        .map_err(|_| format!("{uses:?} is not a number of uses"))?;
    Ok(IdentifierLimit {
        identifier,
        max_uses: Some(max_uses),
        max_discount_amount: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_limits_parse() {
        assert_eq!(score("0.6"), Ok(Some(600_000)));
        assert_eq!(score("1"), Ok(Some(1_000_000)));
        assert_eq!(score("none"), Ok(None));
        assert!(score("1.5").is_err());
        assert!(score("-0.1").is_err());
        assert!(score("0.0000001").is_err(), "finer than a ppm");
        let l = identifier_limit("payment:1").expect("parses");
        assert_eq!((l.identifier, l.max_uses), (Identifier::Payment, Some(1)));
        assert!(identifier_limit("card:1").is_err());
        assert!(identifier_limit("ip").is_err());
        assert!(identifier_limit("ip:x").is_err());
    }
}
