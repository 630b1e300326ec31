package dev.couponsd.client.wire;

/** The RELEASE request; its OK reply is a {@link RedemptionReply}. */
public record ReleaseRequest(
        RedemptionRef redemption) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.RELEASE;
    }
}
