package dev.couponsd.client.wire;

import java.util.List;

/** QUALIFY's reply. */
public record Qualification(
        List<QualifiedCoupon> coupons,
        List<String> best,
        OrderTotals bestTotals,
        boolean truncated,
        @Wire.U32 long candidatesEvaluated) {}
