package dev.couponsd.client.wire;

/** The QUALIFY request; its OK reply is a {@link Qualification}. */
public record QualifyRequest(
        @Wire.U16 int limit,
        Order order) implements Request<Qualification> {
    @Override
    public Opcode opcode() {
        return Opcode.QUALIFY;
    }
}
