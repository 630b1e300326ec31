package dev.couponsd.client.wire;

/** A coupon with many risky attempts. */
public record HighRiskCoupon(
        long couponId,
        String code,
        long attempts,
        long blocked,
        @Wire.U32 long riskScorePpm) {}
