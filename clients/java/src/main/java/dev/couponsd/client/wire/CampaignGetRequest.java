package dev.couponsd.client.wire;

/** The CAMPAIGN_GET request; its OK reply is a {@link Campaign}. */
public record CampaignGetRequest(
        long id) implements Request<Campaign> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_GET;
    }
}
