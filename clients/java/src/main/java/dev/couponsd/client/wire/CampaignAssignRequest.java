package dev.couponsd.client.wire;

import java.util.List;

/** The CAMPAIGN_ASSIGN request; its OK reply is a {@link AssignedCodes}. */
public record CampaignAssignRequest(
        long id,
        List<String> customerIds) implements Request<AssignedCodes> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_ASSIGN;
    }
}
