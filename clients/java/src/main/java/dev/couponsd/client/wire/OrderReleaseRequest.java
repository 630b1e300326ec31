package dev.couponsd.client.wire;

/** The ORDER_RELEASE request; its OK reply is a {@link OrderRedemption}. */
public record OrderReleaseRequest(
        String orderId) implements Request<OrderRedemption> {
    @Override
    public Opcode opcode() {
        return Opcode.ORDER_RELEASE;
    }
}
