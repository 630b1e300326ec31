package dev.couponsd.client.wire;

/** The BACKUP_ABORT request (an empty body); its OK reply is a {@link Empty}. */
public record BackupAbortRequest() implements Request<Empty> {
    @Override
    public Opcode opcode() {
        return Opcode.BACKUP_ABORT;
    }
}
