package dev.couponsd.client.wire;

/** The RESERVE request; its OK reply is a {@link RedemptionReply}. */
public record ReserveRequest(
        String code,
        String orderId,
        @Wire.U32 long ttlMs,
        Order order) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.RESERVE;
    }
}
