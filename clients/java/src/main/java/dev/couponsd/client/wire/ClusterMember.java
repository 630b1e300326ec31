package dev.couponsd.client.wire;

/** One member of a cluster, as the answering node sees it. */
public record ClusterMember(
        long nodeId,
        String addr,
        boolean voter,
        long matchedIndex,
        long lagEntries,
        long lastContactMs) {}
