package dev.couponsd.client.wire;

import java.util.List;

/** The ORDER_VALIDATE request; its OK reply is a {@link OrderValidation}. */
public record OrderValidateRequest(
        List<String> codes,
        OrderMode mode,
        Order order) implements Request<OrderValidation> {
    @Override
    public Opcode opcode() {
        return Opcode.ORDER_VALIDATE;
    }
}
