//! JSON shapes printed by `--json`, with the seed's snake_case field names.
//! Money is printed as exact decimal strings in its currency ("120.00"), the
//! same form the command line accepts; times as RFC 3339 UTC.

use couponsd_client::money;
use couponsd_client::wire::{
    Coupon, CouponSpec, DiscountType, ErrorCode, ProductCriteria, Redemption, RedemptionReply,
    Reversal, SecurityAssessment, StackClass, Validation,
};
use serde_json::{json, Value};

use super::rule_flags;

pub fn time(ms: i64) -> Value {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => Value::String(t.to_string()),
        Err(_) => Value::from(ms),
    }
}

fn opt_time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, time)
}

pub fn amount(minor: i64, currency: &str) -> Value {
    Value::String(money::format(minor, currency))
}

fn opt_amount(minor: Option<i64>, currency: &str) -> Value {
    minor.map_or(Value::Null, |m| amount(m, currency))
}

/// "20" for 2000 basis points, "12.5" for 1250.
pub fn percent(bps: i64) -> String {
    let whole = bps / 100;
    match bps % 100 {
        0 => whole.to_string(),
        frac if frac % 10 == 0 => format!("{whole}.{}", frac / 10),
        frac => format!("{whole}.{frac:02}"),
    }
}

/// A discount value in the unit its type uses: percent or money.
pub fn discount_value(discount_type: Option<DiscountType>, value: i64, currency: &str) -> Value {
    match discount_type {
        Some(DiscountType::Percentage | DiscountType::BuyXGetY) => Value::String(percent(value)),
        _ => amount(value, currency),
    }
}

/// A string that may be empty: null when it is.
fn optional(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::from(s)
    }
}

fn criteria(list: &[ProductCriteria], currency: &str) -> Value {
    list.iter()
        .map(|c| rule_flags::criterion_json(c, currency))
        .collect()
}

/// The local hours as {"start": "09:00", "end": "17:00"}, or null for all day.
fn active_hours(start: u16, end: u16) -> Value {
    if (start, end) == (0, 0) {
        Value::Null
    } else {
        json!({ "start": rule_flags::clock(start), "end": rule_flags::clock(end) })
    }
}

pub fn coupon(c: &Coupon) -> Value {
    let mut v = coupon_spec(&c.spec);
    let counters = crate::domain::coupon::Counters {
        current_usage: c.current_usage,
        reserved_uses: c.reserved_uses,
        fraud_attempts: c.fraud_attempts,
        blocked_redemptions: c.blocked_redemptions,
    };
    let extra = json!({
        "id": c.id,
        "revision": c.revision,
        "current_usage": c.current_usage,
        "reserved_uses": c.reserved_uses,
        "remaining_uses": crate::rules::remaining_uses(&c.spec, counters),
        "status": c.status.name(),
        "created_at": time(c.created_at),
        "updated_at": time(c.updated_at),
        "created_by": c.created_by,
        "fraud_attempts": c.fraud_attempts,
        "blocked_redemptions": c.blocked_redemptions,
    });
    if let (Some(map), Value::Object(extra)) = (v.as_object_mut(), extra) {
        map.extend(extra);
    }
    v
}

/// What an admin sets on a coupon (also a campaign's template).
pub fn coupon_spec(s: &CouponSpec) -> Value {
    let cur = s.currency.as_str();
    json!({
        "code": s.code,
        "name": s.name,
        "description": s.description,
        "coupon_type": s.coupon_type.name(),
        "discount_type": s.discount_type.name(),
        "discount_value": discount_value(Some(s.discount_type), s.discount_value, cur),
        "currency": if cur.is_empty() { Value::Null } else { Value::from(cur) },
        "max_discount_amount": opt_amount(s.max_discount_amount, cur),
        "min_order_amount": opt_amount(s.min_order_amount, cur),
        "start_date": opt_time(s.starts_at),
        "end_date": opt_time(s.ends_at),
        "time_zone": if s.time_zone.is_empty() { "UTC" } else { s.time_zone.as_str() },
        "usage_limit": s.usage_limit,
        "usage_limit_per_customer": s.usage_limit_per_customer,
        "admin_status": s.status.name(),
        "campaign_id": s.campaign_id,
        "distribution_method": s.distribution_method.name(),
        "is_public": s.is_public,
        "applicable_products": criteria(&s.applicable_products, cur),
        "excluded_products": criteria(&s.excluded_products, cur),
        "customer_segments": s.customer_segments,
        "channel_restrictions": s.channel_restrictions,
        "allowed_email_domains": s.allowed_email_domains,
        "apply_per_line": s.apply_per_line,
        "buy_quantity": s.buy_quantity,
        "get_quantity": s.get_quantity,
        "active_days": rule_flags::day_names(s.active_days),
        "active_hours": active_hours(s.active_start_minute, s.active_end_minute),
        "security_settings": {
            "ip_restrictions": s.security.ip_restrictions,
            "device_fingerprinting": s.security.device_fingerprinting,
            "velocity_checks": s.security.velocity_checks,
            "max_redemptions_per_hour": s.security.max_redemptions_per_hour,
            "require_email_verification": s.security.require_email_verification,
            "block_suspicious_patterns": s.security.block_suspicious_patterns,
        },
        "identifier_limits": s.identifier_limits.iter().map(|l| json!({
            "identifier": l.identifier.name(),
            "max_uses": l.max_uses,
            "max_discount_amount": opt_amount(l.max_discount_amount, cur),
        })).collect::<Value>(),
        "review_score": s.review_score.map(score),
        "block_score": s.block_score.map(score),
        "stacking": {
            "class": s.stacking.class.map(StackClass::name),
            "combines_with": StackClass::ALL
                .iter()
                .filter(|c| s.stacking.combines_with & c.combines_bit() != 0)
                .map(|c| c.name())
                .collect::<Vec<_>>(),
            "exclusive": s.stacking.exclusive,
            "priority": s.stacking.priority,
        },
        "auto_apply": s.auto_apply,
        "assigned_customer_id": optional(&s.assigned_customer_id),
        "referrer_customer_id": optional(&s.referrer_customer_id),
        "period_limits": {
            "customer_uses_per_day": s.period_limits.customer_per_day,
            "customer_uses_per_week": s.period_limits.customer_per_week,
            "customer_uses_per_month": s.period_limits.customer_per_month,
            "uses_per_day": s.period_limits.per_day,
        },
        "reversal_policy": {
            "returns_use": s.reversal.returns_use,
            "refund_below_minimum": s.reversal.below_minimum.name(),
        },
    })
}

/// A score in parts per million as an exact decimal: 600000 is "0.6".
pub fn score(ppm: u32) -> Value {
    let whole = ppm / 1_000_000;
    let frac = format!("{:06}", ppm % 1_000_000);
    let frac = frac.trim_end_matches('0');
    Value::String(if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    })
}

/// The seed's security assessment: score, level, the checks that passed
/// and the warnings (the checks that found something, with what they added).
pub fn security(a: &SecurityAssessment) -> Value {
    let (passed, warned): (Vec<_>, Vec<_>) = a.checks.iter().partition(|c| c.passed);
    json!({
        "fraud_score": score(a.fraud_score_ppm),
        "risk_level": a.risk_level.map(|l| l.name()),
        "flagged": a.flagged,
        "checks_passed": passed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "warnings": warned.iter().map(|c| json!({
            "check": c.name,
            "strength": score(c.strength_ppm),
            "contribution_ppm": c.contribution_ppm,
        })).collect::<Vec<_>>(),
    })
}

pub fn reversal(r: &Reversal, currency: &str) -> Value {
    json!({
        "id": r.id,
        "redemption_id": r.redemption_id,
        "refund_amount": amount(r.refund_amount, currency),
        "discount_returned": amount(r.discount_returned, currency),
        "full": r.full,
        "refund_id": r.refund_id,
        "reason": r.reason,
        "created_at": time(r.created_at),
    })
}

pub fn redemption(r: &Redemption) -> Value {
    let cur = r.currency.as_str();
    json!({
        "id": r.id,
        "coupon_id": r.coupon_id,
        "coupon_code": r.code,
        "customer_id": r.customer_id,
        "order_id": r.order_id,
        "transaction_id": r.transaction_id,
        "status": r.status.name(),
        "original_amount": amount(r.original_amount, cur),
        "discount_amount": amount(r.discount_amount, cur),
        "final_amount": amount(r.final_amount, cur),
        "currency": cur,
        "channel": r.channel,
        "created_at": time(r.created_at),
        "updated_at": time(r.updated_at),
        "hold_expires_at": opt_time(r.hold_expires_at),
        "reverse_reason": r.reverse_reason,
        "fraud_score": score(r.security.fraud_score_ppm),
        "risk_level": r.security.risk_level.map(|l| l.name()),
        "flagged": r.security.flagged,
        "security_checks": security(&r.security),
        "fraud_outcome": r.fraud_outcome.map(|l| l.name()),
        "customer_email": r.identifiers.customer_email,
        "ip_address": r.identifiers.ip_address,
        "device_fingerprint": r.identifiers.device_fingerprint,
        "payment_fingerprint": r.identifiers.payment_fingerprint,
    })
}

/// A redemption reply: the record, plus the seed's redeem-response fields.
pub fn redemption_reply(reply: &RedemptionReply) -> Value {
    let r = &reply.redemption;
    let mut v = redemption(r);
    if let Value::Object(map) = &mut v {
        map.insert("redemption_id".into(), r.id.into());
        map.insert("success".into(), true.into());
        map.insert(
            "discount_applied".into(),
            amount(r.discount_amount, &r.currency),
        );
        map.insert("remaining_uses".into(), reply.remaining_uses.into());
        map.insert("replayed".into(), reply.replayed.into());
    }
    v
}

/// The seed's validate response, with the headline figures also at top level.
pub fn validation(v: &Validation) -> Value {
    let cur = v.currency.as_str();
    let reason = ErrorCode::from_u16(v.reason)
        .filter(|c| *c != ErrorCode::Ok)
        .map(|c| c.name());
    json!({
        "valid": v.valid,
        "reason": reason,
        "message": v.message,
        "code": v.code,
        "coupon": if v.coupon_id == 0 { Value::Null } else { json!({
            "id": v.coupon_id,
            "code": v.code,
            "name": v.name,
            "discount_type": v.discount_type.map(|t| t.name()),
            "discount_value": discount_value(v.discount_type, v.discount_value, cur),
            "max_discount_amount": opt_amount(v.max_discount_amount, cur),
        })},
        "discount_calculation": {
            "applicable_amount": amount(v.applicable_amount, cur),
            "discount_amount": amount(v.discount_amount, cur),
            "final_amount": amount(v.final_amount, cur),
        },
        "usage_info": {
            "remaining_uses": v.remaining_uses,
            "customer_usage_count": v.customer_usage_count,
            "expires_at": opt_time(v.expires_at),
        },
        "applicable_amount": amount(v.applicable_amount, cur),
        "discount_amount": amount(v.discount_amount, cur),
        "final_amount": amount(v.final_amount, cur),
        "currency": cur,
        "remaining_uses": v.remaining_uses,
        "customer_usage_count": v.customer_usage_count,
        "expires_at": opt_time(v.expires_at),
        "security_assessment": security(&v.security_assessment),
    })
}

pub fn error(code: Option<ErrorCode>, message: &str) -> Value {
    json!({
        "error": code.map_or("CLIENT_ERROR", |c| c.name()),
        "code": code.map(|c| c.as_u16()),
        "message": message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_text() {
        assert_eq!(percent(2000), "20");
        assert_eq!(percent(1250), "12.5");
        assert_eq!(percent(1), "0.01");
        assert_eq!(percent(10000), "100");
    }
}
