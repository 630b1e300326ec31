package dev.couponsd.client.wire;

/** What one code of an order did. */
public record OrderCode(
        String code,
        long couponId,
        boolean applied,
        @Wire.U16 int reason,
        String message,
        @Wire.I64 long discountAmount) {}
