package dev.couponsd.client.wire;

/** The EVENTS_SUBSCRIBE request; its OK reply is a {@link EventBatch}. */
public record EventsSubscribeRequest(
        long from,
        long types,
        long couponId,
        long campaignId,
        @Wire.U32 long maxBatch) implements Request<EventBatch> {
    @Override
    public Opcode opcode() {
        return Opcode.EVENTS_SUBSCRIBE;
    }
}
