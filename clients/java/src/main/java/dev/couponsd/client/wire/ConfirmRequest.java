package dev.couponsd.client.wire;

/** The CONFIRM request; its OK reply is a {@link RedemptionReply}. */
public record ConfirmRequest(
        RedemptionRef redemption) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.CONFIRM;
    }
}
