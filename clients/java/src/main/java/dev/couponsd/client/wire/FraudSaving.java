package dev.couponsd.client.wire;

/** Estimated discount not given, in one currency. */
public record FraudSaving(
        String currency,
        @Wire.I64 long amount) {}
