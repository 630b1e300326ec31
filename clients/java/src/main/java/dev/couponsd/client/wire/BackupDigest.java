package dev.couponsd.client.wire;

import java.math.BigInteger;

/** The digest at a backup's end (of the store at the backup's lsn). */
public record BackupDigest(
        BigInteger digest,
        long entries) {}
