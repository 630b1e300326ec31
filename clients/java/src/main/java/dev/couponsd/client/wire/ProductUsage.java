package dev.couponsd.client.wire;

/** A product's share of a coupon's redemptions. */
public record ProductUsage(
        String productId,
        long redemptions,
        @Wire.I64 long revenue,
        long overcount) {}
