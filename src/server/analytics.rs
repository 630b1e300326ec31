//! ANALYTICS_COUPON, ANALYTICS_CAMPAIGN and ANALYTICS_OVERVIEW: reads of
//! what the state keeps (`state::analytics`), turned into the wire's
//! replies with the rates `rules::analytics` defines. No scan: each reply
//! reads one entry (a coupon's top products are sorted, at most
//! `PRODUCTS_TRACKED_MAX` of them).

use couponsd_client::wire::{
    AnalyticsOverview, AnalyticsTotals, CampaignAnalytics, CouponAnalytics, CouponRef,
    ProductUsage, Response, UsagePoint,
};

use crate::domain::{code, now_ms};
use crate::error::{Error, Result};
use crate::rules::analytics::{self, Timeline, Totals, PRODUCTS_REPORTED_MAX};
use crate::writer::Core;

fn totals(t: &Totals) -> AnalyticsTotals {
    AnalyticsTotals {
        total_views: t.views,
        total_redemptions: t.redemptions,
        total_reversed: t.reversed,
        total_revenue: t.revenue,
        total_discount: t.discount,
        conversion_rate_ppm: t.conversion_rate_ppm(),
        average_order_value: t.average_order_value(),
        roi_basis_points: t.roi_basis_points(),
        last_redemption_at: t.last_redemption_at,
    }
}

fn points(t: &Timeline) -> Vec<UsagePoint> {
    t.buckets
        .iter()
        .map(|b| UsagePoint {
            slot: b.slot,
            redemptions: b.redemptions,
            revenue: b.revenue,
        })
        .collect()
}

pub fn coupon(core: &Core, r: CouponRef) -> Result<Response> {
    let state = &core.state;
    let found = match r {
        CouponRef::Id(id) => state.coupon(id),
        CouponRef::Code(c) => state.coupon_by_code(&code::normalize(&c)?),
    };
    let (def, counters) = found.ok_or(Error::NotFound("coupon"))?;
    let kept = state.coupon_analytics(def.id).unwrap_or_default();
    let top_products = kept
        .products
        .top(PRODUCTS_REPORTED_MAX)
        .into_iter()
        .map(|p| ProductUsage {
            product_id: p.product_id,
            redemptions: p.redemptions,
            revenue: p.revenue,
            overcount: p.overcount,
        })
        .collect();
    Ok(Response::CouponAnalytics(Box::new(CouponAnalytics {
        coupon_id: def.id,
        code: def.spec.code.clone(),
        currency: def.spec.currency.clone(),
        metrics: totals(&kept.totals),
        fraud_attempts: counters.fraud_attempts,
        blocked_redemptions: counters.blocked_redemptions,
        last_updated: state.clock.now(now_ms()),
        usage_timeline: points(&kept.days),
        hourly_timeline: points(&kept.hours),
        top_products,
    })))
}

pub fn campaign(core: &Core, id: u64) -> Result<Response> {
    let state = &core.state;
    let campaign = state.campaign(id).ok_or(Error::NotFound("campaign"))?;
    let kept = state.campaign_analytics(id);
    let generated = state.campaign_counters(id).coupons_generated;
    let [_, sent, failed, bounced] = state.outbox_counts(id);
    Ok(Response::CampaignAnalytics(Box::new(CampaignAnalytics {
        campaign_id: id,
        currency: campaign.spec.template.currency.clone(),
        metrics: totals(&kept.totals),
        coupons_generated: generated,
        coupons_distributed: sent + bounced,
        coupons_redeemed: kept.coupons_redeemed,
        redemption_rate_ppm: analytics::ratio_ppm(kept.coupons_redeemed, generated),
        last_updated: state.clock.now(now_ms()),
        coupons_bounced: bounced,
        coupons_failed: failed,
    })))
}

pub fn overview(core: &Core) -> Result<Response> {
    let state = &core.state;
    let kept = state.store_analytics();
    Ok(Response::AnalyticsOverview(Box::new(AnalyticsOverview {
        metrics: totals(&kept.totals),
        coupons: state.coupon_count() as u64,
        campaigns: state.campaign_count() as u64,
        coupons_redeemed: kept.coupons_redeemed,
        last_updated: state.clock.now(now_ms()),
    })))
}
