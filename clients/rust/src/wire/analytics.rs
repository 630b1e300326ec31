//! ANALYTICS_COUPON, ANALYTICS_CAMPAIGN and ANALYTICS_OVERVIEW: what a
//! coupon, a campaign and the whole store did (protocol.md says how each
//! figure is counted). Money in minor units, rates in integers.

use super::primitives::{DecodeError, Reader, Writer};

/// The figures a coupon, a campaign and the store all have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AnalyticsTotals {
    pub total_views: u64,
    pub total_redemptions: u64,
    /// Redemptions a reversal ended (still counted in `total_redemptions`).
    pub total_reversed: u64,
    /// What customers paid, less refunds.
    pub total_revenue: i64,
    /// What was taken off, less what reversals gave back.
    pub total_discount: i64,
    /// Redemptions per million views.
    pub conversion_rate_ppm: u64,
    /// Revenue per redemption.
    pub average_order_value: i64,
    /// (revenue - discount) / discount in basis points; None: no discount.
    pub roi_basis_points: Option<i64>,
    pub last_redemption_at: Option<i64>,
}

impl AnalyticsTotals {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.total_views);
        w.u64(self.total_redemptions);
        w.u64(self.total_reversed);
        w.i64(self.total_revenue);
        w.i64(self.total_discount);
        w.u64(self.conversion_rate_ppm);
        w.i64(self.average_order_value);
        w.opt_i64(self.roi_basis_points);
        w.opt_i64(self.last_redemption_at);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(AnalyticsTotals {
            total_views: r.u64("total_views")?,
            total_redemptions: r.u64("total_redemptions")?,
            total_reversed: r.u64("total_reversed")?,
            total_revenue: r.i64("total_revenue")?,
            total_discount: r.i64("total_discount")?,
            conversion_rate_ppm: r.u64("conversion_rate_ppm")?,
            average_order_value: r.i64("average_order_value")?,
            roi_basis_points: r.opt_i64("roi_basis_points")?,
            last_redemption_at: r.opt_i64("last_redemption_at")?,
        })
    }
}

/// Redemptions and revenue of one local day or hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UsagePoint {
    /// Local days (or hours) since 1970-01-01 00:00 in the coupon's zone.
    pub slot: i64,
    pub redemptions: u64,
    pub revenue: i64,
}

impl UsagePoint {
    fn write(&self, w: &mut Writer) {
        w.i64(self.slot);
        w.u64(self.redemptions);
        w.i64(self.revenue);
    }

    fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(UsagePoint {
            slot: r.i64("slot")?,
            redemptions: r.u64("redemptions")?,
            revenue: r.i64("revenue")?,
        })
    }
}

/// One product's redemptions and revenue: an upper bound, exact while
/// `overcount` is 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProductUsage {
    pub product_id: String,
    pub redemptions: u64,
    pub revenue: i64,
    pub overcount: u64,
}

/// ANALYTICS_COUPON's reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CouponAnalytics {
    pub coupon_id: u64,
    pub code: String,
    pub currency: String,
    pub metrics: AnalyticsTotals,
    pub fraud_attempts: u64,
    pub blocked_redemptions: u64,
    /// The cluster time of the last change applied on the answering node.
    pub last_updated: i64,
    /// Newest days last; days without redemptions are left out.
    pub usage_timeline: Vec<UsagePoint>,
    /// Likewise per local hour.
    pub hourly_timeline: Vec<UsagePoint>,
    /// Most redeemed first.
    pub top_products: Vec<ProductUsage>,
}

impl CouponAnalytics {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.str(&self.currency);
        self.metrics.write(w);
        w.u64(self.fraud_attempts);
        w.u64(self.blocked_redemptions);
        w.i64(self.last_updated);
        w.list(&self.usage_timeline, |w, p| p.write(w));
        w.list(&self.hourly_timeline, |w, p| p.write(w));
        w.list(&self.top_products, |w, p| {
            w.str(&p.product_id);
            w.u64(p.redemptions);
            w.i64(p.revenue);
            w.u64(p.overcount);
        });
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(CouponAnalytics {
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            currency: r.str("currency")?,
            metrics: AnalyticsTotals::read(r)?,
            fraud_attempts: r.u64("fraud_attempts")?,
            blocked_redemptions: r.u64("blocked_redemptions")?,
            last_updated: r.i64("last_updated")?,
            usage_timeline: r.list("usage_timeline", UsagePoint::read)?,
            hourly_timeline: r.list("hourly_timeline", UsagePoint::read)?,
            top_products: r.list("top_products", |r| {
                Ok(ProductUsage {
                    product_id: r.str("product_id")?,
                    redemptions: r.u64("redemptions")?,
                    revenue: r.i64("revenue")?,
                    overcount: r.u64("overcount")?,
                })
            })?,
        })
    }
}

/// ANALYTICS_CAMPAIGN's reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CampaignAnalytics {
    pub campaign_id: u64,
    pub currency: String,
    pub metrics: AnalyticsTotals,
    pub coupons_generated: u64,
    /// Codes of its distribution outbox sent (or marked distributed),
    /// bounced ones included.
    pub coupons_distributed: u64,
    /// Codes redeemed at least once.
    pub coupons_redeemed: u64,
    /// Codes redeemed per million generated.
    pub redemption_rate_ppm: u64,
    pub last_updated: i64,
    /// Outbox entries reported BOUNCED (appended; absent from older
    /// servers' replies: read as 0).
    pub coupons_bounced: u64,
    /// Outbox entries FAILED (no address, or the sender gave up).
    pub coupons_failed: u64,
}

impl CampaignAnalytics {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.campaign_id);
        w.str(&self.currency);
        self.metrics.write(w);
        w.u64(self.coupons_generated);
        w.u64(self.coupons_distributed);
        w.u64(self.coupons_redeemed);
        w.u64(self.redemption_rate_ppm);
        w.i64(self.last_updated);
        w.u64(self.coupons_bounced);
        w.u64(self.coupons_failed);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(CampaignAnalytics {
            campaign_id: r.u64("campaign_id")?,
            currency: r.str("currency")?,
            metrics: AnalyticsTotals::read(r)?,
            coupons_generated: r.u64("coupons_generated")?,
            coupons_distributed: r.u64("coupons_distributed")?,
            coupons_redeemed: r.u64("coupons_redeemed")?,
            redemption_rate_ppm: r.u64("redemption_rate_ppm")?,
            last_updated: r.i64("last_updated")?,
            coupons_bounced: if r.remaining() > 0 {
                r.u64("coupons_bounced")?
            } else {
                0
            },
            coupons_failed: if r.remaining() > 0 {
                r.u64("coupons_failed")?
            } else {
                0
            },
        })
    }
}

/// ANALYTICS_OVERVIEW's reply: the whole store. Money is summed in minor
/// units whatever the currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AnalyticsOverview {
    pub metrics: AnalyticsTotals,
    pub coupons: u64,
    pub campaigns: u64,
    /// Coupons (generated codes included) redeemed at least once.
    pub coupons_redeemed: u64,
    pub last_updated: i64,
}

impl AnalyticsOverview {
    pub fn write(&self, w: &mut Writer) {
        self.metrics.write(w);
        w.u64(self.coupons);
        w.u64(self.campaigns);
        w.u64(self.coupons_redeemed);
        w.i64(self.last_updated);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(AnalyticsOverview {
            metrics: AnalyticsTotals::read(r)?,
            coupons: r.u64("coupons")?,
            campaigns: r.u64("campaigns")?,
            coupons_redeemed: r.u64("coupons_redeemed")?,
            last_updated: r.i64("last_updated")?,
        })
    }
}
