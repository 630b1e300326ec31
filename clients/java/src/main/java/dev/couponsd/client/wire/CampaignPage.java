package dev.couponsd.client.wire;

import java.util.List;

/** A page of campaigns. */
public record CampaignPage(
        List<Campaign> campaigns,
        long nextAfter) {}
