package dev.couponsd.client.wire;

/** The CAMPAIGN_GENERATE request; its OK reply is a {@link Campaign}. */
public record CampaignGenerateRequest(
        long id,
        long count,
        long expectedRevision) implements Request<Campaign> {
    @Override
    public Opcode opcode() {
        return Opcode.CAMPAIGN_GENERATE;
    }

    /** Safe to repeat only with an expected revision: a repeat is then refused with CONFLICT. */
    @Override
    public boolean idempotent() {
        return expectedRevision != 0;
    }
}
