package dev.couponsd.client.wire;

/** The BACKUP_PART request; its OK reply is a {@link BackupPart}. */
public record BackupPartRequest(
        @Wire.U32 long seq) implements Request<BackupPart> {
    @Override
    public Opcode opcode() {
        return Opcode.BACKUP_PART;
    }
}
