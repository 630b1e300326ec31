package dev.couponsd.client.wire;

/** The ANALYTICS_OVERVIEW request (an empty body); its OK reply is a {@link AnalyticsOverview}. */
public record AnalyticsOverviewRequest() implements Request<AnalyticsOverview> {
    @Override
    public Opcode opcode() {
        return Opcode.ANALYTICS_OVERVIEW;
    }
}
