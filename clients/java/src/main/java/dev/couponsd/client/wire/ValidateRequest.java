package dev.couponsd.client.wire;

/** The VALIDATE request; its OK reply is a {@link Validation}. */
public record ValidateRequest(
        String code,
        Order order) implements Request<Validation> {
    @Override
    public Opcode opcode() {
        return Opcode.VALIDATE;
    }
}
