package dev.couponsd.client.wire;

/** The empty OK reply body (deletes, BACKUP_ABORT). */
public record Empty() {}
