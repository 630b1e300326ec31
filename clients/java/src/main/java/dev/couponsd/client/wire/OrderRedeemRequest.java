package dev.couponsd.client.wire;

import java.util.List;

/** The ORDER_REDEEM request; its OK reply is a {@link OrderRedemption}. */
public record OrderRedeemRequest(
        List<String> codes,
        OrderMode mode,
        String orderId,
        String transactionId,
        Order order) implements Request<OrderRedemption> {
    @Override
    public Opcode opcode() {
        return Opcode.ORDER_REDEEM;
    }
}
