package dev.couponsd.client.wire;

/** The CAMPAIGN_DELETE request; its OK reply is a {@link Empty}. */
public record CampaignDeleteRequest(
        long id) implements Request<Empty> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_DELETE;
    }
}
