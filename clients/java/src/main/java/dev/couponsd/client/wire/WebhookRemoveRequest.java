package dev.couponsd.client.wire;

/** The WEBHOOK_REMOVE request; its OK reply is a {@link Empty}. */
public record WebhookRemoveRequest(
        long id) implements Request<Empty> {
    @Override
    public Opcode opcode() {
        return Opcode.WEBHOOK_REMOVE;
    }
}
