package dev.couponsd.client.wire;

/** The REDEMPTION_GET request; its OK reply is a {@link RedemptionReply}. */
public record RedemptionGetRequest(
        RedemptionRef redemption) implements Request<RedemptionReply> {
    @Override
    public Opcode opcode() {
        return Opcode.REDEMPTION_GET;
    }
}
