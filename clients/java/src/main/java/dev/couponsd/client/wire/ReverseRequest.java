package dev.couponsd.client.wire;

/** The REVERSE request; its OK reply is a {@link RedemptionReply}. */
public record ReverseRequest(
        RedemptionRef redemption,
        String reason,
        @Wire.I64 Long refundAmount,
        String refundId) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.REVERSE;
    }

    /** Safe to repeat only when not refundId.isEmpty(). */
    @Override
    public boolean idempotent() {
        return !refundId.isEmpty();
    }
}
