package dev.couponsd.client.wire;

import java.util.List;

/** ANALYTICS_COUPON's reply. */
public record CouponAnalytics(
        long couponId,
        String code,
        String currency,
        AnalyticsTotals metrics,
        long fraudAttempts,
        long blockedRedemptions,
        @Wire.I64 long lastUpdated,
        List<UsagePoint> usageTimeline,
        List<UsagePoint> hourlyTimeline,
        List<ProductUsage> topProducts) {}
