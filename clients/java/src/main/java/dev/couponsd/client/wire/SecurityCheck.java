package dev.couponsd.client.wire;

/** One fraud detector's finding on a request (ppm). */
public record SecurityCheck(
        String name,
        boolean passed,
        @Wire.U32 long strengthPpm,
        @Wire.I64 long contributionPpm) {}
