package dev.couponsd.client.wire;

/** Who a distributed code goes to. */
public record Recipient(
        String customerId,
        String email,
        String phone,
        String locale) {}
