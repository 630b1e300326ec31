package dev.couponsd.client.wire;

/** The CAMPAIGN_CODES request; its OK reply is a {@link CodePage}. */
public record CampaignCodesRequest(
        long id,
        long afterCouponId,
        @Wire.U16 int limit) implements Request<CodePage> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_CODES;
    }
}
