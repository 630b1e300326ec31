package dev.couponsd.client.wire;

import java.util.List;

/** WEBHOOK_LIST's reply. */
public record Webhooks(
        List<Webhook> webhooks) {}
