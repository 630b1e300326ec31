package dev.couponsd.client.wire;

/** The REDEMPTION_LIST request; its OK reply is a {@link RedemptionPage}. */
public record RedemptionListRequest(
        long couponId,
        long afterId,
        @Wire.U16 int limit) implements Request<RedemptionPage> {
    @Override
    public Opcode opcode() {
        return Opcode.REDEMPTION_LIST;
    }
}
