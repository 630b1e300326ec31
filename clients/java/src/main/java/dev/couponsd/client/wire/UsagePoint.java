package dev.couponsd.client.wire;

/** One slot of a usage timeline. */
public record UsagePoint(
        @Wire.I64 long slot,
        long redemptions,
        @Wire.I64 long revenue) {}
