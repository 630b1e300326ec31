package dev.couponsd.client.wire;

/** One use (or hold, or refused attempt) of a coupon by one order. */
public record Redemption(
        long id,
        long couponId,
        String code,
        String customerId,
        String orderId,
        String transactionId,
        RedemptionStatus status,
        @Wire.I64 long originalAmount,
        @Wire.I64 long discountAmount,
        @Wire.I64 long finalAmount,
        String currency,
        String channel,
        @Wire.I64 long createdAt,
        @Wire.I64 long updatedAt,
        @Wire.I64 Long holdExpiresAt,
        String reverseReason,
        SecurityAssessment security,
        @Wire.ZeroIsNone FraudLabel fraudOutcome,
        OrderIdentifiers identifiers,
        @Wire.U8 int counted) {}
