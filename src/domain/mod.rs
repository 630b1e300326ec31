//! The coupon domain's invariants on input: what a valid code, coupon spec and
//! order look like. Pure functions; no I/O.

pub mod campaign;
pub mod code;
pub mod coupon;
pub mod criteria;
pub mod distribution;
pub mod order;
pub mod spec;

/// Now, in unix milliseconds UTC.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Upper bounds on free-text fields, in bytes.
pub mod limits {
    pub const CODE_CHARS: usize = 64;
    pub const NAME: usize = 200;
    pub const DESCRIPTION: usize = 2000;
    pub const IDENTIFIER: usize = 128;
    pub const LIST_ITEMS: usize = 100;
    pub const LINE_ITEMS: usize = 1000;
    /// Reversals of one redemption: partial refunds, then the full one, which
    /// is always accepted (so REVERSAL_LIST fits one reply).
    pub const REVERSALS: usize = 100;
}

use crate::error::{Error, Result};

/// Checks a free-text field's length.
pub fn bounded(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(Error::invalid(field, format!("longer than {max} bytes")));
    }
    Ok(())
}

/// Checks a list's length and each entry's length.
pub fn bounded_list(field: &'static str, values: &[String]) -> Result<()> {
    if values.len() > limits::LIST_ITEMS {
        return Err(Error::invalid(
            field,
            format!("more than {} entries", limits::LIST_ITEMS),
        ));
    }
    values
        .iter()
        .try_for_each(|v| bounded(field, v, limits::IDENTIFIER))
}

/// Currency as stored: upper case ISO 4217.
pub fn currency(field: &'static str, value: &str) -> Result<String> {
    let upper = value.trim().to_ascii_uppercase();
    if !couponsd_client::money::is_currency(&upper) {
        return Err(Error::invalid(
            field,
            format!("{value:?} is not an ISO 4217 currency code"),
        ));
    }
    Ok(upper)
}
