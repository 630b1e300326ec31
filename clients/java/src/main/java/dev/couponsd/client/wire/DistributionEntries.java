package dev.couponsd.client.wire;

import java.util.List;

/** CAMPAIGN_DISTRIBUTE's and DISTRIBUTION_REPORT's reply. */
public record DistributionEntries(
        List<DistributionEntry> entries) {}
