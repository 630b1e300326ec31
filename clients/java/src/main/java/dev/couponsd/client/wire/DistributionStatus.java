package dev.couponsd.client.wire;

import java.util.List;

/** A campaign's outbox: counts by status and a page of entries. */
public record DistributionStatus(
        long campaignId,
        long total,
        long queued,
        long sent,
        long failed,
        long bounced,
        long redeemed,
        List<DistributionEntry> entries,
        long nextAfter) {}
