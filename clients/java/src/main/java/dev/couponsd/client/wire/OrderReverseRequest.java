package dev.couponsd.client.wire;

/** The ORDER_REVERSE request; its OK reply is a {@link OrderRedemption}. */
public record OrderReverseRequest(
        String orderId,
        String reason) implements Request<OrderRedemption> {
    @Override
    public Opcode opcode() {
        return Opcode.ORDER_REVERSE;
    }
}
