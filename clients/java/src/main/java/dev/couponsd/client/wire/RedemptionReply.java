package dev.couponsd.client.wire;

/** The reply to every operation on one redemption; remainingUses is null when unlimited. */
public record RedemptionReply(
        Redemption redemption,
        Long remainingUses,
        boolean replayed) {}
