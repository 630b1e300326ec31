package dev.couponsd.client.wire;

/** One reversal (a full or partial refund) of a redemption. */
public record Reversal(
        long id,
        long redemptionId,
        @Wire.I64 long refundAmount,
        @Wire.I64 long discountReturned,
        boolean full,
        String refundId,
        String reason,
        @Wire.I64 long createdAt) {}
