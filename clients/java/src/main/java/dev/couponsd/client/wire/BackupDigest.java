package dev.couponsd.client.wire;

import java.math.BigInteger;

/** The digest at a backup's end. */
public record BackupDigest(
        BigInteger digest,
        long entries) {}
