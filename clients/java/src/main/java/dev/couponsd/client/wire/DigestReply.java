package dev.couponsd.client.wire;

import java.math.BigInteger;

/** DIGEST's reply: two nodes at the same LSN with the same digest hold the same state. */
public record DigestReply(
        long lsn,
        BigInteger digest,
        long entries) {}
