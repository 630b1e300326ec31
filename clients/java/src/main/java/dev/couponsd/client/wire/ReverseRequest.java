package dev.couponsd.client.wire;

/**
 * The REVERSE request; its OK reply is a {@link RedemptionReply}. A null
 * {@code refundAmount} reverses whatever is left (giving the use back); a
 * partial refund names its {@code refundId}.
 */
public record ReverseRequest(
        RedemptionRef redemption,
        String reason,
        @Wire.I64 Long refundAmount,
        String refundId) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.REVERSE;
    }

    /** Safe to repeat only with a refund id: a repeat with the same id answers the first reversal. */
    @Override
    public boolean idempotent() {
        return !refundId.isEmpty();
    }
}
