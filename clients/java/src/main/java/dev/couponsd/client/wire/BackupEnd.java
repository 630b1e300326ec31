package dev.couponsd.client.wire;

/** BACKUP_END's reply; digest is null unless BACKUP_BEGIN asked for it. */
public record BackupEnd(
        @Wire.U32 long parts,
        long checkpointLsn,
        long lsn,
        @Wire.Opt BackupDigest digest) {}
