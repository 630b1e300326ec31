//! Exact conversion between decimal strings ("150.00") and integer minor units,
//! using each ISO 4217 currency's number of decimals. No floating point.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency {0:?}: expected an ISO 4217 code such as USD")]
    UnknownCurrency(String),
    #[error("{0:?} is not a decimal amount such as 150.00")]
    NotDecimal(String),
    #[error("{amount:?} has more decimals than {currency} allows ({decimals})")]
    TooPrecise {
        amount: String,
        currency: String,
        decimals: u32,
    },
    #[error("{0:?} is too large")]
    Overflow(String),
}

/// Number of minor-unit decimals of an ISO 4217 currency (USD 2, JPY 0, KWD 3).
pub fn decimals(currency: &str) -> Result<u32, MoneyError> {
    let c = iso_currency::Currency::from_code(currency)
        .ok_or_else(|| MoneyError::UnknownCurrency(currency.into()))?;
    // Currencies without minor units (funds, metals) are counted in whole units.
    Ok(u32::from(c.exponent().unwrap_or(0)))
}

/// True when `currency` is an ISO 4217 code (upper case, as on the wire).
pub fn is_currency(currency: &str) -> bool {
    iso_currency::Currency::from_code(currency).is_some()
}

/// "150.00" USD -> 15000. A leading '-' is accepted; callers reject negatives
/// where the domain forbids them.
pub fn parse(amount: &str, currency: &str) -> Result<i64, MoneyError> {
    parse_decimal(amount, decimals(currency)?).map_err(|e| match e {
        MoneyError::TooPrecise {
            amount, decimals, ..
        } => MoneyError::TooPrecise {
            amount,
            currency: currency.into(),
            decimals,
        },
        other => other,
    })
}

/// A decimal string scaled by 10^places, exactly: ("12.5", 2) -> 1250.
pub fn parse_decimal(amount: &str, places: u32) -> Result<i64, MoneyError> {
    let text = amount.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(frac) || digits.ends_with('.') {
        return Err(MoneyError::NotDecimal(amount.into()));
    }
    if frac.len() > places as usize {
        return Err(MoneyError::TooPrecise {
            amount: amount.into(),
            currency: String::new(),
            decimals: places,
        });
    }
    let overflow = || MoneyError::Overflow(amount.into());
    let mut value: i64 = 0;
    for b in whole.bytes().chain(frac.bytes()) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .ok_or_else(overflow)?;
    }
    for _ in frac.len()..places as usize {
        value = value.checked_mul(10).ok_or_else(overflow)?;
    }
    Ok(if negative { -value } else { value })
}

/// 15000 USD -> "150.00". Unknown currencies print with two decimals.
pub fn format(minor: i64, currency: &str) -> String {
    let places = decimals(currency).unwrap_or(2);
    if places == 0 {
        return minor.to_string();
    }
    let scale = 10u128.pow(places);
    let abs = minor.unsigned_abs() as u128;
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = places as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        let cases = [
            ("150.00", "USD", Ok(15000)),
            ("150", "USD", Ok(15000)),
            ("0.5", "USD", Ok(50)),
            ("1000", "JPY", Ok(1000)),
            ("1.234", "KWD", Ok(1234)),
            ("1.001", "USD", Err("TooPrecise")),
            ("1.5", "JPY", Err("TooPrecise")),
            ("abc", "USD", Err("NotDecimal")),
            ("1.", "USD", Err("NotDecimal")),
            (".5", "USD", Err("NotDecimal")),
            ("", "USD", Err("NotDecimal")),
            ("1e3", "USD", Err("NotDecimal")),
            ("99999999999999999999", "USD", Err("Overflow")),
            ("10", "XXY", Err("UnknownCurrency")),
        ];
        for (text, cur, want) in cases {
            let got = parse(text, cur).map_err(|e| match e {
                MoneyError::TooPrecise { .. } => "TooPrecise",
                MoneyError::NotDecimal(_) => "NotDecimal",
                MoneyError::Overflow(_) => "Overflow",
                MoneyError::UnknownCurrency(_) => "UnknownCurrency",
            });
            assert_eq!(got, want, "{text} {cur}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format(12000, "USD"), "120.00");
        assert_eq!(format(5, "USD"), "0.05");
        assert_eq!(format(-5, "USD"), "-0.05");
        assert_eq!(format(1000, "JPY"), "1000");
        assert_eq!(format(1234, "KWD"), "1.234");
    }
}
