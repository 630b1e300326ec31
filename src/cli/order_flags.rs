//! The flags of a coupon's order settings (CouponSpec fields 34 to 45):
//! stacking, automatic promotion, assigned customer, uses per period and the
//! reversal policy. Each flag given replaces its setting.

use couponsd_client::wire::{CouponSpec, RefundBelowMinimum, StackClass, COMBINES_WITH_ALL};

use super::args::CouponFields;
use super::commands::Failure;

pub fn apply(spec: &mut CouponSpec, f: &CouponFields) -> Result<(), Failure> {
    let stacking = &mut spec.stacking;
    if let Some(text) = &f.stack_class {
        stacking.class = stack_class(text).map_err(|e| usage("--stack-class", e))?;
    }
    if let Some(text) = &f.combines_with {
        stacking.combines_with = classes(text).map_err(|e| usage("--combines-with", e))?;
    }
    if let Some(on) = f.exclusive {
        stacking.exclusive = on;
    }
    if let Some(priority) = f.priority {
        stacking.priority = priority;
    }
    if let Some(on) = f.auto_apply {
        spec.auto_apply = on;
    }
    if let Some(customer) = &f.assigned_customer {
        spec.assigned_customer_id = customer.trim().to_string();
    }
    let limits = &mut spec.period_limits;
    for (flag, given, limit) in [
        (
            "--customer-uses-per-day",
            &f.customer_uses_per_day,
            &mut limits.customer_per_day,
        ),
        (
            "--customer-uses-per-week",
            &f.customer_uses_per_week,
            &mut limits.customer_per_week,
        ),
        (
            "--customer-uses-per-month",
            &f.customer_uses_per_month,
            &mut limits.customer_per_month,
        ),
        ("--uses-per-day", &f.uses_per_day, &mut limits.per_day),
    ] {
        if let Some(text) = given {
            *limit = uses(text).map_err(|e| usage(flag, e))?;
        }
    }
    if let Some(on) = f.reversal_returns_use {
        spec.reversal.returns_use = on;
    }
    if let Some(text) = &f.refund_below_minimum {
        spec.reversal.below_minimum =
            below_minimum(text).map_err(|e| usage("--refund-below-minimum", e))?;
    }
    Ok(())
}

fn usage(flag: &str, message: String) -> Failure {
    Failure::Usage(format!("{flag} {message}"))
}

/// "auto" (or "") is None: the class from the discount type.
fn stack_class(text: &str) -> Result<Option<StackClass>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    StackClass::from_name(text)
        .map(Some)
        .ok_or_else(|| format!("{text:?}: one of order, product, shipping, auto"))
}

/// "order,shipping" is ORDER | SHIPPING; "all" and "none" say it whole.
fn classes(text: &str) -> Result<u8, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "all" => return Ok(COMBINES_WITH_ALL),
        "none" | "" => return Ok(0),
        _ => {}
    }
    text.split(',').try_fold(0, |bits, name| {
        let class = StackClass::from_name(name)
            .ok_or_else(|| format!("{name:?}: a list of order, product, shipping; or all, none"))?;
        Ok(bits | class.combines_bit())
    })
}

/// "none" (or "") is no limit.
fn uses(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(format!(
            "{text:?} is not a number of uses (at least 1), or none"
        )),
    }
}

fn below_minimum(text: &str) -> Result<RefundBelowMinimum, String> {
    match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "prorate" => Ok(RefundBelowMinimum::Prorate),
        "reverse-discount" => Ok(RefundBelowMinimum::ReverseDiscount),
        _ => Err(format!("{text:?}: prorate or reverse-discount")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_parse_as_bits() {
        assert_eq!(classes("all"), Ok(7));
        assert_eq!(classes("none"), Ok(0));
        assert_eq!(classes("order,shipping"), Ok(5));
        assert_eq!(classes("Product"), Ok(2));
        assert!(classes("order,cart").is_err());
    }

    #[test]
    fn limits_and_policy_parse() {
        assert_eq!(uses("3"), Ok(Some(3)));
        assert_eq!(uses("none"), Ok(None));
        assert!(uses("0").is_err());
        assert_eq!(stack_class("auto"), Ok(None));
        assert_eq!(stack_class("shipping"), Ok(Some(StackClass::Shipping)));
        assert_eq!(
            below_minimum("reverse_discount"),
            Ok(RefundBelowMinimum::ReverseDiscount)
        );
        assert!(below_minimum("never").is_err());
    }
}
