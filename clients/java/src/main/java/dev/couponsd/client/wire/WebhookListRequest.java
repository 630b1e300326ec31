package dev.couponsd.client.wire;

/** The WEBHOOK_LIST request (an empty body); its OK reply is a {@link Webhooks}. */
public record WebhookListRequest() implements Request<Webhooks> {
    @Override
    public Opcode opcode() {
        return Opcode.WEBHOOK_LIST;
    }
}
