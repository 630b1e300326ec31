package dev.couponsd.client.wire;

import java.util.List;

/** WEBHOOK_DELIVERIES's reply, oldest first. */
public record Deliveries(
        List<DeliveryAttempt> attempts) {}
