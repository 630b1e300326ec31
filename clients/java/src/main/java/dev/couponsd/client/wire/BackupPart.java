package dev.couponsd.client.wire;

/** BACKUP_PART's reply: the part (opaque), or null once every part was sent. */
public record BackupPart(
        @Wire.Opt @Wire.Rest byte[] part) {}
