package dev.couponsd.client.wire;

/** A stored coupon: the spec plus what the server keeps. */
public record Coupon(
        long id,
        long revision,
        CouponSpec spec,
        CouponStatus status,
        long currentUsage,
        long reservedUses,
        @Wire.I64 long createdAt,
        @Wire.I64 long updatedAt,
        String createdBy,
        long fraudAttempts,
        long blockedRedemptions) {}
