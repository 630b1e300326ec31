package dev.couponsd.client.wire;

/** One fraud check's occurrences in a report. */
public record FraudPattern(
        String name,
        long occurrences,
        long blocked,
        String description) {}
