package dev.couponsd.client.wire;

/** The identifiers of the order a redemption was made for, as sent. */
public record OrderIdentifiers(
        String customerEmail,
        String ipAddress,
        String deviceFingerprint,
        String paymentFingerprint) {}
