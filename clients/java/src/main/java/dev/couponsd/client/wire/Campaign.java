package dev.couponsd.client.wire;

/** A stored campaign. */
public record Campaign(
        long id,
        long revision,
        CampaignSpec spec,
        CampaignStatus status,
        long couponsGenerated,
        long generationTarget,
        @Wire.I64 long budgetUsed,
        long redemptions,
        @Wire.I64 long createdAt,
        @Wire.I64 long updatedAt,
        String createdBy) {}
