package dev.couponsd.client.wire;

/** ANALYTICS_CAMPAIGN's reply. */
public record CampaignAnalytics(
        long campaignId,
        String currency,
        AnalyticsTotals metrics,
        long couponsGenerated,
        long couponsDistributed,
        long couponsRedeemed,
        long redemptionRatePpm,
        @Wire.I64 long lastUpdated,
        @Wire.Appended long couponsBounced,
        @Wire.Appended long couponsFailed) {}
