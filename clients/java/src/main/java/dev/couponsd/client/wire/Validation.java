package dev.couponsd.client.wire;

/** VALIDATE's answer: whether the code applies to the order and what it would give. reason is the ErrorCode number of a refusal, 0 when valid. */
public record Validation(
        boolean valid,
        @Wire.U16 int reason,
        String message,
        long couponId,
        String code,
        String name,
        @Wire.ZeroIsNone @Wire.Lenient DiscountType discountType,
        @Wire.I64 long discountValue,
        @Wire.I64 Long maxDiscountAmount,
        @Wire.I64 long applicableAmount,
        @Wire.I64 long discountAmount,
        @Wire.I64 long finalAmount,
        String currency,
        Long remainingUses,
        @Wire.U32 long customerUsageCount,
        @Wire.I64 Long expiresAt,
        @Wire.Appended SecurityAssessment securityAssessment) {}
