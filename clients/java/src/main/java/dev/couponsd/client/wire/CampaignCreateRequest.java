package dev.couponsd.client.wire;

/** The CAMPAIGN_CREATE request; its OK reply is a {@link Campaign}. */
public record CampaignCreateRequest(
        CampaignSpec spec) implements Request<Campaign> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_CREATE;
    }
}
