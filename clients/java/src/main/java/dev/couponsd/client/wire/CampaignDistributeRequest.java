package dev.couponsd.client.wire;

import java.util.List;

/** The CAMPAIGN_DISTRIBUTE request; its OK reply is a {@link DistributionEntries}. */
public record CampaignDistributeRequest(
        long campaignId,
        List<Recipient> recipients) implements Request<DistributionEntries> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_DISTRIBUTE;
    }
}
