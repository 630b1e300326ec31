package dev.couponsd.client.wire;

import java.util.List;

/** The reply of ORDER_REDEEM, ORDER_RESERVE and the other order operations. */
public record OrderRedemption(
        List<OrderCode> codes,
        List<Redemption> redemptions,
        OrderTotals totals,
        boolean replayed) {}
