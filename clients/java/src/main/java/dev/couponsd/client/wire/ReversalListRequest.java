package dev.couponsd.client.wire;

/** The REVERSAL_LIST request; its OK reply is a {@link Reversals}. */
public record ReversalListRequest(
        RedemptionRef redemption) implements Request<Reversals> {
    @Override
    public Opcode opcode() {
        return Opcode.REVERSAL_LIST;
    }
}
