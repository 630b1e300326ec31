package dev.couponsd.client.wire;

/** A coupon QUALIFY found for a cart. */
public record QualifiedCoupon(
        String code,
        long couponId,
        @Wire.I64 long discountAmount,
        boolean autoApply,
        boolean assigned) {}
