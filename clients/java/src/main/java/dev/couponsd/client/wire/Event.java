package dev.couponsd.client.wire;

/** One event of the applied log. */
public record Event(
        long id,
        EventType eventType,
        @Wire.I64 long time,
        long couponId,
        String code,
        long campaignId,
        long redemptionId,
        String orderId,
        String customerId,
        @Wire.I64 long amount,
        @Wire.I64 long discountAmount,
        String currency,
        String status,
        long count) {}
