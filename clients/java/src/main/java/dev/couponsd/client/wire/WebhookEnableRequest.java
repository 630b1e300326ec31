package dev.couponsd.client.wire;

/** The WEBHOOK_ENABLE request; its OK reply is a {@link Webhook}. */
public record WebhookEnableRequest(
        long id) implements Request<Webhook> {
    @Override
    public Opcode opcode() {
        return Opcode.WEBHOOK_ENABLE;
    }
}
