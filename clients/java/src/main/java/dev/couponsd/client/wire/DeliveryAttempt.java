package dev.couponsd.client.wire;

/** One delivery attempt to a webhook endpoint. */
public record DeliveryAttempt(
        @Wire.I64 long at,
        long eventId,
        @Wire.U16 int status,
        String error,
        @Wire.U32 long latencyMs) {}
