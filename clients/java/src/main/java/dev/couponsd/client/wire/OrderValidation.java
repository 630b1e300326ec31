package dev.couponsd.client.wire;

import java.util.List;

/** ORDER_VALIDATE's reply. */
public record OrderValidation(
        List<OrderCode> codes,
        OrderTotals totals) {}
