//! What a valid coupon spec looks like. Returns the spec normalized (code and
//! currency upper-cased) or the first invalid field.

use couponsd_client::wire::{CouponSpec, CouponType, DiscountType, COMBINES_WITH_ALL};

use super::limits::{DESCRIPTION, IDENTIFIER, NAME};
use super::{bounded, bounded_list, code, criteria, currency};
use crate::error::{Error, Result};
use crate::rules::schedule;

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
    discount(&spec)?;
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
    bounded("time_zone", &spec.time_zone, IDENTIFIER)?;
    if schedule::time_zone(&spec.time_zone).is_none() {
        return Err(Error::invalid(
            "time_zone",
            format!("{:?} is not an IANA time zone", spec.time_zone),
        ));
    }
    active_times(&spec)?;
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
        list.iter().try_for_each(criteria::validate)?;
    }
    for (field, list) in [
        ("customer_segments", &spec.customer_segments),
        ("channel_restrictions", &spec.channel_restrictions),
        ("allowed_email_domains", &spec.allowed_email_domains),
    ] {
        bounded_list(field, list)?;
        no_blank_entry(field, list)?;
    }
    spec.allowed_email_domains = spec
        .allowed_email_domains
        .iter()
        .map(|d| email_domain(d))
        .collect::<Result<_>>()?;
    bounded_list("ip_restrictions", &spec.security.ip_restrictions)?;
    crate::rules::fraud::ip_rules::IpRules::parse(&spec.security.ip_restrictions)
        .map_err(|e| Error::invalid("security.ip_restrictions", e))?;
    fraud(&spec)?;
    order_settings(&spec)?;
    // Field 46 comes from a REFERRAL campaign's code row, never from a request.
    if !spec.referrer_customer_id.is_empty() {
        return Err(Error::invalid(
            "referrer_customer_id",
            "set by the server only: CAMPAIGN_ASSIGN of a REFERRAL campaign gives each referrer a code",
        ));
    }
    Ok(spec)
}

/// Fields 34 to 45: known class bits, a customer id as orders carry one,
/// limits that allow at least one use.
fn order_settings(spec: &CouponSpec) -> Result<()> {
    if spec.stacking.combines_with & !COMBINES_WITH_ALL != 0 {
        return Err(Error::invalid(
            "combines_with",
            format!(
                "{:#04x} has bits beside ORDER (1), PRODUCT (2) and SHIPPING (4)",
                spec.stacking.combines_with
            ),
        ));
    }
    let customer = &spec.assigned_customer_id;
    bounded("assigned_customer_id", customer, IDENTIFIER)?;
    if customer.contains('\0') {
        return Err(Error::invalid(
            "assigned_customer_id",
            "contains a NUL byte",
        ));
    }
    let limits = &spec.period_limits;
    for (field, limit) in [
        ("customer_uses_per_day", limits.customer_per_day),
        ("customer_uses_per_week", limits.customer_per_week),
        ("customer_uses_per_month", limits.customer_per_month),
        ("uses_per_day", limits.per_day),
    ] {
        if limit == Some(0) {
            return Err(Error::invalid(
                field,
                "must be at least 1 (absent: no limit)",
            ));
        }
    }
    Ok(())
}

/// Fields 31 to 33: one limit per identifier, each limiting something;
/// scores are parts per million.
fn fraud(spec: &CouponSpec) -> Result<()> {
    for (i, limit) in spec.identifier_limits.iter().enumerate() {
        let field = "identifier_limits";
        if spec.identifier_limits[..i]
            .iter()
            .any(|l| l.identifier == limit.identifier)
        {
            return Err(Error::invalid(
                field,
                format!("{} is limited twice", limit.identifier),
            ));
        }
        if limit.max_uses == Some(0) {
            return Err(Error::invalid(field, "max_uses must be at least 1"));
        }
        if limit.max_discount_amount.is_some_and(|m| m < 0) {
            return Err(Error::invalid(field, "max_discount_amount is negative"));
        }
        if limit.max_discount_amount.is_some() && spec.currency.is_empty() {
            // Discounts in several currencies would not add up.
            return Err(Error::invalid(
                field,
                "max_discount_amount needs the coupon's currency",
            ));
        }
        if limit.max_uses.is_none() && limit.max_discount_amount.is_none() {
            return Err(Error::invalid(
                field,
                format!("the limit for {} limits nothing", limit.identifier),
            ));
        }
    }
    for (field, score) in [
        ("review_score", spec.review_score),
        ("block_score", spec.block_score),
    ] {
        if score.is_some_and(|s| s > 1_000_000) {
            return Err(Error::invalid(field, "a score is at most 1000000 (ppm)"));
        }
    }
    Ok(())
}

/// What `discount_value` means for each type, and the fields only some types use.
fn discount(spec: &CouponSpec) -> Result<()> {
    let value = spec.discount_value;
    let needs_currency = |what: &str| {
        if spec.currency.is_empty() {
            Err(Error::invalid(
                "currency",
                format!("{what} needs a currency"),
            ))
        } else {
            Ok(())
        }
    };
    let basis_points = |what: &str| {
        if (1..=FULL_PERCENT_BPS).contains(&value) {
            Ok(())
        } else {
            Err(Error::invalid(
                "discount_value",
                format!("{what} is 1..=10000 basis points (0.01% to 100%)"),
            ))
        }
    };
    let positive_amount = |what: &str| {
        if value > 0 {
            Ok(())
        } else {
            Err(Error::invalid(
                "discount_value",
                format!("{what} is a positive amount in minor units"),
            ))
        }
    };
    match spec.discount_type {
        DiscountType::Percentage => basis_points("a percentage")?,
        DiscountType::Fixed => {
            positive_amount("a fixed discount")?;
            needs_currency("a fixed discount")?;
        }
        DiscountType::FreeShipping => {
            if value != 0 {
                return Err(Error::invalid(
                    "discount_value",
                    "FREE_SHIPPING takes 0: the discount is the order's shipping_amount",
                ));
            }
        }
        DiscountType::BuyXGetY => {
            basis_points("the discount on each unit got (10000 = free)")?;
            if spec.buy_quantity == 0 {
                return Err(Error::invalid("buy_quantity", "must be at least 1"));
            }
            if spec.get_quantity == 0 {
                return Err(Error::invalid("get_quantity", "must be at least 1"));
            }
        }
        DiscountType::Product => {
            positive_amount("a PRODUCT discount (off each eligible unit)")?;
            needs_currency("a PRODUCT discount")?;
            if spec.applicable_products.is_empty() {
                return Err(Error::invalid(
                    "applicable_products",
                    "a PRODUCT discount names the products it applies to",
                ));
            }
        }
    }
    if spec.apply_per_line && spec.discount_type != DiscountType::Fixed {
        return Err(Error::invalid(
            "apply_per_line",
            "only FIXED applies per line",
        ));
    }
    if spec.discount_type != DiscountType::BuyXGetY {
        for (field, quantity) in [
            ("buy_quantity", spec.buy_quantity),
            ("get_quantity", spec.get_quantity),
        ] {
            if quantity != 0 {
                return Err(Error::invalid(field, "only BUY_X_GET_Y uses it (0)"));
            }
        }
    }
    Ok(())
}

/// Active days are a 7-bit mask; active hours are both 0 (all day) or a
/// period of local minutes, start inclusive, end exclusive.
fn active_times(spec: &CouponSpec) -> Result<()> {
    if spec.active_days > schedule::ALL_DAYS {
        return Err(Error::invalid(
            "active_days",
            "a mask of Monday (1) to Sunday (64): at most 127",
        ));
    }
    let (start, end) = (spec.active_start_minute, spec.active_end_minute);
    if (start, end) == (0, 0) {
        return Ok(());
    }
    if start >= schedule::MINUTES_PER_DAY {
        return Err(Error::invalid(
            "active_start_minute",
            "minutes after midnight, 0..=1439",
        ));
    }
    if end == 0 || end > schedule::MINUTES_PER_DAY {
        return Err(Error::invalid(
            "active_end_minute",
            "minutes after midnight, 1..=1440",
        ));
    }
    if start == end {
        return Err(Error::invalid(
            "active_end_minute",
            "equals active_start_minute (for all day, set both to 0)",
        ));
    }
    Ok(())
}

fn no_blank_entry(field: &'static str, list: &[String]) -> Result<()> {
    if list.iter().any(|entry| entry.trim().is_empty()) {
        return Err(Error::invalid(field, "an empty entry"));
    }
    Ok(())
}

/// An allowed email domain, stored trimmed and lower case: `example.com`.
fn email_domain(domain: &str) -> Result<String> {
    let domain = domain.trim();
    if domain.contains('@') || domain.contains(char::is_whitespace) {
        return Err(Error::invalid(
            "allowed_email_domains",
            format!("{domain:?} is not a domain such as example.com"),
        ));
    }
    Ok(domain.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use couponsd_client::wire::{CriteriaOperator, CriteriaType, ProductCriteria};

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

    fn criterion(
        criteria_type: CriteriaType,
        operator: CriteriaOperator,
        values: &[&str],
    ) -> ProductCriteria {
        ProductCriteria {
            criteria_type: Some(criteria_type),
            operator: Some(operator),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    /// One line per rule the discount types, criteria and local-time fields
    /// add: the spec, and the field an error must name (None: valid).
    #[test]
    #[rustfmt::skip]
    fn checks_discount_types_criteria_and_active_times() {
        use CriteriaOperator::*;
        use CriteriaType::*;
        let usd = |spec: CouponSpec| CouponSpec { currency: "USD".into(), ..spec };
        let typed = |discount_type, value| usd(CouponSpec { discount_type, discount_value: value, ..percent(0) });
        let shirts = vec![criterion(Sku, In, &["SHIRT"])];
        let on = |c: ProductCriteria| CouponSpec { applicable_products: vec![c], ..percent(100) };
        let cases: Vec<(CouponSpec, Option<&str>)> = vec![
            (typed(DiscountType::FreeShipping, 0), None),
            (typed(DiscountType::FreeShipping, 500), Some("discount_value")),
            (CouponSpec { buy_quantity: 2, get_quantity: 1, ..typed(DiscountType::BuyXGetY, 10_000) }, None),
            (CouponSpec { buy_quantity: 2, get_quantity: 1, ..typed(DiscountType::BuyXGetY, 10_001) }, Some("discount_value")),
            (CouponSpec { get_quantity: 1, ..typed(DiscountType::BuyXGetY, 10_000) }, Some("buy_quantity")),
            (CouponSpec { buy_quantity: 1, ..typed(DiscountType::BuyXGetY, 10_000) }, Some("get_quantity")),
            (CouponSpec { buy_quantity: 1, ..percent(100) }, Some("buy_quantity")),
            (CouponSpec { applicable_products: shirts.clone(), ..typed(DiscountType::Product, 500) }, None),
            (typed(DiscountType::Product, 500), Some("applicable_products")),
            (CouponSpec { applicable_products: shirts, currency: String::new(), ..typed(DiscountType::Product, 500) }, Some("currency")),
            (CouponSpec { apply_per_line: true, ..typed(DiscountType::Fixed, 500) }, None),
            (CouponSpec { apply_per_line: true, ..percent(100) }, Some("apply_per_line")),
            (on(criterion(Category, In, &["shoes", "bags"])), None),
            (on(criterion(Category, In, &[])), Some("values")),
            (on(criterion(Category, In, &[" "])), Some("values")),
            (on(criterion(Brand, Equals, &["a", "b"])), Some("values")),
            (on(criterion(Sku, GreaterThan, &["A"])), Some("operator")),
            (on(criterion(PriceRange, GreaterThan, &["1999"])), None),
            (on(criterion(PriceRange, LessThan, &["19.99"])), Some("values")),
            (on(criterion(PriceRange, Equals, &["-1"])), Some("values")),
            (on(criterion(PriceRange, In, &["1000", "5000"])), None),
            (on(criterion(PriceRange, NotIn, &["1000"])), Some("values")),
            (on(criterion(PriceRange, In, &["5000", "1000"])), Some("values")),
            (CouponSpec { active_days: 0b0011111, time_zone: "Europe/Paris".into(), ..percent(100) }, None),
            (CouponSpec { active_days: 128, ..percent(100) }, Some("active_days")),
            (CouponSpec { active_start_minute: 1320, active_end_minute: 120, ..percent(100) }, None),
            (CouponSpec { active_start_minute: 0, active_end_minute: 1440, ..percent(100) }, None),
            (CouponSpec { active_start_minute: 1440, active_end_minute: 60, ..percent(100) }, Some("active_start_minute")),
            (CouponSpec { active_start_minute: 60, active_end_minute: 1441, ..percent(100) }, Some("active_end_minute")),
            (CouponSpec { active_start_minute: 60, active_end_minute: 60, ..percent(100) }, Some("active_end_minute")),
            (CouponSpec { channel_restrictions: vec!["web".into(), "".into()], ..percent(100) }, Some("channel_restrictions")),
            (CouponSpec { customer_segments: vec![" ".into()], ..percent(100) }, Some("customer_segments")),
            (CouponSpec { allowed_email_domains: vec!["ann@example.com".into()], ..percent(100) }, Some("allowed_email_domains")),
        ];
        for (spec, want) in cases {
            let got = match validate(spec.clone()) {
                Ok(_) => None,
                Err(Error::InvalidArgument { field, .. }) => Some(field),
                Err(other) => panic!("{other:?}"),
            };
            assert_eq!(got, want, "{spec:?}");
        }
        let domains = CouponSpec { allowed_email_domains: vec![" Example.COM ".into()], ..percent(100) };
        assert_eq!(validate(domains).unwrap().allowed_email_domains, ["example.com"]);
    }
}
