package dev.couponsd.client.wire;

/** The ANALYTICS_CAMPAIGN request; its OK reply is a {@link CampaignAnalytics}. */
public record AnalyticsCampaignRequest(
        long id) implements Request<CampaignAnalytics> {
    @Override
    public Opcode opcode() {
        return Opcode.ANALYTICS_CAMPAIGN;
    }
}
