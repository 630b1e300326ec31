package dev.couponsd.client.wire;

/** An order's totals after its codes (minor units). */
public record OrderTotals(
        @Wire.I64 long originalAmount,
        @Wire.I64 long discountAmount,
        @Wire.I64 long finalAmount,
        String currency) {}
