package dev.couponsd.client.wire;

/** The BACKUP_BEGIN request; its OK reply is a {@link BackupHeader}. */
public record BackupBeginRequest(
        @Wire.U8 int flags) implements Request<BackupHeader> {
    @Override
    public Opcode opcode() {
        return Opcode.BACKUP_BEGIN;
    }
}
