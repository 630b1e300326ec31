//! The fraud settings' flags: scores as decimals between 0 and 1 ("0.6"),
//! kept in parts per million, and identifier limits as "KIND:USES" or
//! "KIND:USES:DISCOUNT" ("payment:1", "email::50.00": either may be empty).

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

/// "payment:1": at most one active use per card; "email::50.00": at most
/// 50.00 (in `currency`) of discount per mailbox.
pub fn identifier_limit(text: &str, currency: &str) -> Result<IdentifierLimit, String> {
    let mut parts = text.splitn(3, ':');
    let kind = parts.next().unwrap_or_default();
    let uses = parts
        .next()
        .ok_or_else(|| format!("{text:?}: write KIND:USES[:DISCOUNT], e.g. payment:1"))?;
    let discount = parts.next().unwrap_or_default();
    let identifier = Identifier::from_name(kind)
        .ok_or_else(|| format!("{kind:?}: one of email, device, ip, payment"))?;
    let max_uses = match uses.trim() {
        "" => None,
        n => Some(
            n.parse::<u32>()
                .map_err(|_| format!("{uses:?} is not a number of uses"))?,
        ),
    };
    let max_discount_amount = match discount.trim() {
        "" => None,
        amount if currency.is_empty() => {
            return Err(format!("{amount:?} needs --currency"));
        }
        amount => Some(money::parse(amount, currency).map_err(|e| format!("{amount:?}: {e}"))?),
    };
    Ok(IdentifierLimit {
        identifier,
        max_uses,
        max_discount_amount,
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
        let l = identifier_limit("payment:1", "").expect("parses");
        assert_eq!((l.identifier, l.max_uses), (Identifier::Payment, Some(1)));
        let l = identifier_limit("email::50.00", "USD").expect("parses");
        assert_eq!((l.max_uses, l.max_discount_amount), (None, Some(5_000)));
        let l = identifier_limit("device:2:10", "JPY").expect("parses");
        assert_eq!((l.max_uses, l.max_discount_amount), (Some(2), Some(10)));
        assert!(
            identifier_limit("email::50.00", "").is_err(),
            "needs a currency"
        );
        assert!(identifier_limit("card:1", "").is_err());
        assert!(identifier_limit("ip", "").is_err());
        assert!(identifier_limit("ip:x", "").is_err());
    }
}
