package dev.couponsd.client.wire;

/** The WEBHOOK_DELIVERIES request; its OK reply is a {@link Deliveries}. */
public record WebhookDeliveriesRequest(
        long id) implements Request<Deliveries> {
    @Override
    public Opcode opcode() {
        return Opcode.WEBHOOK_DELIVERIES;
    }
}
