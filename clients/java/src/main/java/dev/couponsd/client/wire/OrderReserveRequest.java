package dev.couponsd.client.wire;

import java.util.List;

/** The ORDER_RESERVE request; its OK reply is a {@link OrderRedemption}. */
public record OrderReserveRequest(
        List<String> codes,
        OrderMode mode,
        String orderId,
        @Wire.U32 long ttlMs,
        Order order) implements Request<OrderRedemption> {
    @Override
    public Opcode opcode() {
        return Opcode.ORDER_RESERVE;
    }
}
