package dev.couponsd.client.wire;

/** The CAMPAIGN_SET_STATUS request; its OK reply is a {@link Campaign}. */
public record CampaignSetStatusRequest(
        long id,
        CampaignStatus status) implements Request<Campaign> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_SET_STATUS;
    }
}
