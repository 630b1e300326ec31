package dev.couponsd.client.wire;

/** The WEBHOOK_ADD request; its OK reply is a {@link WebhookAdded}. */
public record WebhookAddRequest(
        String url,
        long types,
        String description) implements Request<WebhookAdded> {
    @Override
    public Opcode opcode() {
        return Opcode.WEBHOOK_ADD;
    }
}
