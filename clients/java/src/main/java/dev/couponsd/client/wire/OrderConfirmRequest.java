package dev.couponsd.client.wire;

/** The ORDER_CONFIRM request; its OK reply is a {@link OrderRedemption}. */
public record OrderConfirmRequest(
        String orderId,
        String transactionId) implements Request<OrderRedemption> {
    @Override
    public Opcode opcode() {
        return Opcode.ORDER_CONFIRM;
    }
}
