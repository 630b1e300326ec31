package dev.couponsd.client.wire;

import java.util.List;

/** A page of redemptions. */
public record RedemptionPage(
        List<Redemption> redemptions,
        long nextAfter) {}
