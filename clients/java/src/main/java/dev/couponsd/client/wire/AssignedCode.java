package dev.couponsd.client.wire;

/** A customer's code of a PERSONALIZED or REFERRAL campaign. */
public record AssignedCode(
        String customerId,
        String code,
        long couponId,
        boolean created) {}
