package dev.couponsd.client.wire;

/** WEBHOOK_ADD's reply: the endpoint's id and its secret, shown once. */
public record WebhookAdded(
        long id,
        String secret) {}
