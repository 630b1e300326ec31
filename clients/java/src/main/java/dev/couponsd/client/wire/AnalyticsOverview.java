package dev.couponsd.client.wire;

/** ANALYTICS_OVERVIEW's reply. */
public record AnalyticsOverview(
        AnalyticsTotals metrics,
        long coupons,
        long campaigns,
        long couponsRedeemed,
        @Wire.I64 long lastUpdated) {}
