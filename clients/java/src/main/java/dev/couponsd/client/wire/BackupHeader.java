package dev.couponsd.client.wire;

/** BACKUP_BEGIN's reply. */
public record BackupHeader(
        long clusterId,
        long nodeId,
        long lsn,
        long term,
        @Wire.I64 long createdMs) {}
