package dev.couponsd.client.wire;

/** The CAMPAIGN_UPDATE request; its OK reply is a {@link Campaign}. */
public record CampaignUpdateRequest(
        long id,
        long expectedRevision,
        CampaignSpec spec) implements Request<Campaign> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_UPDATE;
    }
}
