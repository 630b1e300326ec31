package dev.couponsd.client.wire;

/** The CAMPAIGN_LIST request; its OK reply is a {@link CampaignPage}. */
public record CampaignListRequest(
        long afterId,
        @Wire.U16 int limit) implements Request<CampaignPage> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_LIST;
    }
}
