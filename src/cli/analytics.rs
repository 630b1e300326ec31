//! `couponsd analytics coupon|campaign|overview`: the analytics replies,
//! with the seed's field names in `--json` (money as decimal strings in the
//! coupon's or campaign's currency, rates as decimal fractions: a
//! conversion rate of 156,000 ppm is "0.156", an ROI of 80,000 basis points
//! "8").

use couponsd_client::wire::{
    AnalyticsOverview, AnalyticsTotals, CampaignAnalytics, CouponAnalytics, CouponRef, UsagePoint,
};
use couponsd_client::Client;
use serde_json::{json, Value};

use super::args::{AnalyticsCommand, CouponSelector};
use super::commands::{Failure, Output};
use super::json;

pub async fn run(client: &Client, command: AnalyticsCommand) -> Result<Output, Failure> {
    match command {
        AnalyticsCommand::Coupon(selector) => coupon(client, selector).await,
        AnalyticsCommand::Campaign { id } => {
            Ok(campaign_output(&client.analytics_campaign(id).await?))
        }
        AnalyticsCommand::Overview => Ok(overview_output(&client.analytics_overview().await?)),
    }
}

/// A campaign's analytics as `--json` and text show them.
pub(crate) fn campaign_output(a: &CampaignAnalytics) -> Output {
    let mut metrics = totals(&a.metrics, &a.currency);
    metrics["coupons_generated"] = a.coupons_generated.into();
    metrics["coupons_distributed"] = a.coupons_distributed.into();
    metrics["coupons_redeemed"] = a.coupons_redeemed.into();
    metrics["coupons_bounced"] = a.coupons_bounced.into();
    metrics["coupons_failed"] = a.coupons_failed.into();
    metrics["redemption_rate"] = fraction(i128::from(a.redemption_rate_ppm), 1_000_000);
    metrics["last_updated"] = json::time(a.last_updated);
    let text = format!(
        "campaign {}\n{}\ncodes generated {}  distributed {} (bounced {}, failed {})  redeemed {}  redemption rate {}",
        a.campaign_id,
        totals_text(&a.metrics, &a.currency),
        a.coupons_generated,
        a.coupons_distributed,
        a.coupons_bounced,
        a.coupons_failed,
        a.coupons_redeemed,
        metrics["redemption_rate"].as_str().unwrap_or_default(),
    );
    Output {
        json: json!({ "campaign_id": a.campaign_id, "metrics": metrics }),
        text,
    }
}

/// The store's analytics as `--json` and text show them.
pub(crate) fn overview_output(a: &AnalyticsOverview) -> Output {
    let mut metrics = totals(&a.metrics, "");
    metrics["last_updated"] = json::time(a.last_updated);
    let text = format!(
        "coupons {}  campaigns {}  coupons redeemed {}\n{}",
        a.coupons,
        a.campaigns,
        a.coupons_redeemed,
        totals_text(&a.metrics, ""),
    );
    Output {
        json: json!({
            "coupons": a.coupons,
            "campaigns": a.campaigns,
            "coupons_redeemed": a.coupons_redeemed,
            "metrics": metrics,
        }),
        text,
    }
}

async fn coupon(client: &Client, selector: CouponSelector) -> Result<Output, Failure> {
    let r = match (selector.id, selector.code) {
        (Some(id), _) => CouponRef::Id(id),
        (None, Some(code)) => CouponRef::Code(code),
        (None, None) => return Err(Failure::Usage("give --id or --code".into())),
    };
    Ok(coupon_output(&client.analytics_coupon(r).await?))
}

/// A coupon's analytics as `--json` and text show them.
pub(crate) fn coupon_output(a: &CouponAnalytics) -> Output {
    let currency = a.currency.as_str();
    let mut metrics = totals(&a.metrics, currency);
    metrics["fraud_attempts"] = a.fraud_attempts.into();
    metrics["blocked_redemptions"] = a.blocked_redemptions.into();
    metrics["last_updated"] = json::time(a.last_updated);
    let point = |p: &UsagePoint, key: &str, label: String| {
        json!({
            key: label,
            "redemptions": p.redemptions,
            "revenue": json::amount(p.revenue, currency),
        })
    };
    let days: Vec<Value> = a
        .usage_timeline
        .iter()
        .map(|p| point(p, "date", local(p.slot * 86_400, "%Y-%m-%d")))
        .collect();
    let hours: Vec<Value> = a
        .hourly_timeline
        .iter()
        .map(|p| point(p, "hour", local(p.slot * 3_600, "%Y-%m-%dT%H:00")))
        .collect();
    let products: Vec<Value> = a
        .top_products
        .iter()
        .map(|p| {
            json!({
                "product_id": p.product_id,
                "redemptions": p.redemptions,
                "revenue": json::amount(p.revenue, currency),
                "overcount": p.overcount,
            })
        })
        .collect();
    let mut text = format!(
        "coupon {} {}\n{}\nfraud attempts {}  blocked {}",
        a.coupon_id,
        a.code,
        totals_text(&a.metrics, currency),
        a.fraud_attempts,
        a.blocked_redemptions
    );
    for day in &days {
        text.push_str(&format!(
            "\n{}  {:>6}  {}",
            day["date"].as_str().unwrap_or_default(),
            day["redemptions"],
            day["revenue"].as_str().unwrap_or_default()
        ));
    }
    for p in &a.top_products {
        text.push_str(&format!(
            "\n{:<24}{:>6}  {}",
            p.product_id,
            p.redemptions,
            money(p.revenue, currency)
        ));
    }
    Output {
        json: json!({
            "coupon_id": a.coupon_id,
            "code": a.code,
            "metrics": metrics,
            "usage_timeline": days,
            "hourly_timeline": hours,
            "top_products": products,
        }),
        text,
    }
}

/// The figures every reply has, under the seed's names.
fn totals(t: &AnalyticsTotals, currency: &str) -> Value {
    json!({
        "total_views": t.total_views,
        "total_redemptions": t.total_redemptions,
        "total_reversed": t.total_reversed,
        "total_revenue": json::amount(t.total_revenue, currency),
        "total_discount": json::amount(t.total_discount, currency),
        "conversion_rate": fraction(i128::from(t.conversion_rate_ppm), 1_000_000),
        "average_order_value": json::amount(t.average_order_value, currency),
        "roi": t.roi_basis_points.map_or(Value::Null, |bp| fraction(i128::from(bp), 10_000)),
        "last_redemption_at": t.last_redemption_at.map_or(Value::Null, json::time),
    })
}

fn totals_text(t: &AnalyticsTotals, currency: &str) -> String {
    format!(
        "views {}  redemptions {}  reversed {}  revenue {}  discount {}  conversion {}  average order {}  roi {}",
        t.total_views,
        t.total_redemptions,
        t.total_reversed,
        money(t.total_revenue, currency),
        money(t.total_discount, currency),
        fraction(i128::from(t.conversion_rate_ppm), 1_000_000)
            .as_str()
            .unwrap_or_default(),
        money(t.average_order_value, currency),
        t.roi_basis_points
            .map_or("-".to_string(), |bp| fraction(i128::from(bp), 10_000)
                .as_str()
                .unwrap_or_default()
                .to_string()),
    )
}

fn money(minor: i64, currency: &str) -> String {
    json::amount(minor, currency)
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// `value / scale` as an exact decimal string (`scale` a power of ten):
/// 156000 / 1000000 is "0.156", -25000 / 10000 is "-2.5".
fn fraction(value: i128, scale: i128) -> Value {
    debug_assert!(scale > 0);
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let scale = scale.unsigned_abs();
    let digits = scale.to_string().len() - 1;
    let frac = format!("{:0digits$}", abs % scale);
    let frac = frac.trim_end_matches('0');
    Value::String(if frac.is_empty() {
        format!("{sign}{}", abs / scale)
    } else {
        format!("{sign}{}.{frac}", abs / scale)
    })
}

/// A local slot's start (seconds since the local epoch) as local time.
fn local(seconds: i64, format: &str) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::UTC)
                .strftime(format)
                .to_string()
        })
        .unwrap_or_else(|_| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_exact() {
        assert_eq!(fraction(156_000, 1_000_000), "0.156");
        assert_eq!(fraction(80_000, 10_000), "8");
        assert_eq!(fraction(-25_000, 10_000), "-2.5");
        assert_eq!(fraction(0, 1_000_000), "0");
        assert_eq!(local(19_737 * 86_400, "%Y-%m-%d"), "2024-01-15");
    }
}
