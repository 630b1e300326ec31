package dev.couponsd.client.wire;

/** SERVER_INFO's reply. */
public record ServerInfo(
        String serverVersion,
        NodeRole role,
        long term,
        long lsn,
        long coupons,
        long redemptions,
        long uptimeMs,
        @Wire.U32 long connections,
        @Wire.Appended @Wire.I64 long writesFailingSinceMs,
        @Wire.Appended String storageError) {}
