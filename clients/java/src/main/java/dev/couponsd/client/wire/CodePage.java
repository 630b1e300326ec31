package dev.couponsd.client.wire;

import java.util.List;

/** A page of a campaign's codes. */
public record CodePage(
        List<CampaignCode> codes,
        long nextAfter) {}
