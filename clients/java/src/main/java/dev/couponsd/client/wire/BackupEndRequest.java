package dev.couponsd.client.wire;

/** The BACKUP_END request (an empty body); its OK reply is a {@link BackupEnd}. */
public record BackupEndRequest() implements Request<BackupEnd> {
    @Override
    public Opcode opcode() {
        return Opcode.BACKUP_END;
    }
}
