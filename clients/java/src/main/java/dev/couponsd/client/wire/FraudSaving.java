package dev.couponsd.client.wire;

/** Estimated discount not given, in one currency. */
@Wire.Tuple
public record FraudSaving(
        String currency,
        @Wire.I64 long amount) {}
