package dev.couponsd.client.wire;

/** One generated code of a campaign. */
public record CampaignCode(
        long couponId,
        String code,
        long uses) {}
