package dev.couponsd.client.wire;

import java.util.List;

/** The attempts made in [from, to). */
public record FraudReport(
        @Wire.I64 long from,
        @Wire.I64 long to,
        long attempts,
        long blocked,
        long flagged,
        @Wire.U32 long fraudRatePpm,
        List<FraudSaving> savings,
        List<FraudPattern> patterns,
        List<HighRiskCoupon> highRiskCoupons) {}
