//! What a valid coupon spec looks like. Returns the spec normalized (code and
//! currency upper-cased) or the first invalid field.

use couponsd_client::wire::{CouponSpec, CouponType, DiscountType};

use super::limits::{DESCRIPTION, IDENTIFIER, NAME};
use super::{bounded, bounded_list, code, currency};
use crate::error::{Error, Result};

/// Most product criteria per list (each with at most LIST_ITEMS values), which
/// keeps an encoded coupon far below the frame size limit.
const CRITERIA: usize = 20;

/// 100% in basis points.
pub const FULL_PERCENT_BPS: i64 = 10_000;

pub fn validate(mut spec: CouponSpec) -> Result<CouponSpec> {
    spec.code = code::normalize(&spec.code)?;
    bounded("name", &spec.name, NAME)?;
    bounded("description", &spec.description, DESCRIPTION)?;
    if !spec.currency.trim().is_empty() {
        spec.currency = currency("currency", &spec.currency)?;
    } else {
        spec.currency.clear();
    }
    match spec.discount_type {
        DiscountType::Percentage => {
            if !(1..=FULL_PERCENT_BPS).contains(&spec.discount_value) {
                return Err(Error::invalid(
                    "discount_value",
                    "a percentage is 1..=10000 basis points (0.01% to 100%)",
                ));
            }
        }
        DiscountType::Fixed => {
            if spec.discount_value <= 0 {
                return Err(Error::invalid(
                    "discount_value",
                    "a fixed discount is a positive amount in minor units",
                ));
            }
            if spec.currency.is_empty() {
                return Err(Error::invalid(
                    "currency",
                    "a fixed discount needs a currency",
                ));
            }
        }
        other => {
            return Err(Error::invalid(
                "discount_type",
                format!("{other} is not supported yet (PERCENTAGE and FIXED are)"),
            ))
        }
    }
    for (field, amount) in [
        ("max_discount_amount", spec.max_discount_amount),
        ("min_order_amount", spec.min_order_amount),
    ] {
        if let Some(a) = amount {
            if a < 0 {
                return Err(Error::invalid(field, "negative"));
            }
            if spec.currency.is_empty() {
                return Err(Error::invalid(
                    "currency",
                    format!("{field} needs the coupon's currency"),
                ));
            }
        }
    }
    if let (Some(start), Some(end)) = (spec.starts_at, spec.ends_at) {
        if end <= start {
            return Err(Error::invalid("ends_at", "not after starts_at"));
        }
    }
    if !spec.time_zone.is_empty() && jiff::tz::TimeZone::get(&spec.time_zone).is_err() {
        return Err(Error::invalid(
            "time_zone",
            format!("{:?} is not an IANA time zone", spec.time_zone),
        ));
    }
    if spec.usage_limit == Some(0) {
        return Err(Error::invalid("usage_limit", "must be at least 1"));
    }
    if spec.usage_limit_per_customer == Some(0) {
        return Err(Error::invalid(
            "usage_limit_per_customer",
            "must be at least 1",
        ));
    }
    match spec.coupon_type {
        CouponType::SingleUse => match spec.usage_limit {
            None | Some(1) => spec.usage_limit = Some(1),
            Some(_) => {
                return Err(Error::invalid(
                    "usage_limit",
                    "a SINGLE_USE coupon has a usage limit of 1",
                ))
            }
        },
        CouponType::Unlimited if spec.usage_limit.is_some() => {
            return Err(Error::invalid(
                "usage_limit",
                "an UNLIMITED coupon has no usage limit",
            ))
        }
        _ => {}
    }
    for (field, list) in [
        ("applicable_products", &spec.applicable_products),
        ("excluded_products", &spec.excluded_products),
    ] {
        if list.len() > CRITERIA {
            return Err(Error::invalid(
                field,
                format!("more than {CRITERIA} criteria"),
            ));
        }
        for c in list {
            if c.criteria_type.is_none() {
                return Err(Error::invalid("criteria_type", "unknown value"));
            }
            if c.operator.is_none() {
                return Err(Error::invalid("operator", "unknown value"));
            }
            bounded_list("values", &c.values)?;
        }
    }
    bounded_list("customer_segments", &spec.customer_segments)?;
    bounded_list("channel_restrictions", &spec.channel_restrictions)?;
    bounded_list("allowed_email_domains", &spec.allowed_email_domains)?;
    bounded_list("ip_restrictions", &spec.security.ip_restrictions)?;
    bounded("time_zone", &spec.time_zone, IDENTIFIER)?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(bps: i64) -> CouponSpec {
        CouponSpec {
            code: " summer20 ".into(),
            discount_value: bps,
            ..CouponSpec::default()
        }
    }

    #[test]
    fn checks_each_field() {
        assert_eq!(validate(percent(2000)).unwrap().code, "SUMMER20");
        let field = |spec: CouponSpec| match validate(spec) {
            Err(Error::InvalidArgument { field, .. }) => field,
            other => panic!("expected invalid argument, got {other:?}"),
        };
        assert_eq!(field(percent(10_001)), "discount_value");
        assert_eq!(field(percent(0)), "discount_value");
        assert_eq!(
            field(CouponSpec {
                starts_at: Some(10),
                ends_at: Some(5),
                ..percent(100)
            }),
            "ends_at"
        );
        assert_eq!(
            field(CouponSpec {
                discount_type: DiscountType::Fixed,
                ..percent(100)
            }),
            "currency"
        );
        assert_eq!(
            field(CouponSpec {
                max_discount_amount: Some(-1),
                currency: "USD".into(),
                ..percent(100)
            }),
            "max_discount_amount"
        );
        assert_eq!(
            field(CouponSpec {
                code: "".into(),
                ..percent(100)
            }),
            "code"
        );
        assert_eq!(
            field(CouponSpec {
                time_zone: "Mars/Base".into(),
                ..percent(100)
            }),
            "time_zone"
        );
        assert_eq!(
            field(CouponSpec {
                usage_limit: Some(0),
                ..percent(100)
            }),
            "usage_limit"
        );
    }
}
