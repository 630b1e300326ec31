package dev.couponsd.client.wire;

/** The metrics every analytics reply carries. */
public record AnalyticsTotals(
        long totalViews,
        long totalRedemptions,
        long totalReversed,
        @Wire.I64 long totalRevenue,
        @Wire.I64 long totalDiscount,
        long conversionRatePpm,
        @Wire.I64 long averageOrderValue,
        @Wire.I64 Long roiBasisPoints,
        @Wire.I64 Long lastRedemptionAt) {}
