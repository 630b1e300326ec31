package dev.couponsd.client.wire;

/** A webhook endpoint (never its secret). */
public record Webhook(
        long id,
        String url,
        long types,
        String description,
        @Wire.I64 long createdAt,
        boolean enabled,
        String disabledReason,
        long position,
        @Wire.U32 long consecutiveFailures,
        String lastError,
        long backlogRecords) {}
