package dev.couponsd.client.wire;

/** One recipient's entry in a campaign's outbox. */
public record DistributionEntry(
        long seq,
        Recipient recipient,
        long couponId,
        String code,
        DeliveryStatus status,
        String reason,
        @Wire.I64 long updatedAt,
        boolean created) {}
