package dev.couponsd.client.wire;

import java.util.List;

/** One node's view of its cluster. */
public record ClusterStatus(
        long nodeId,
        long clusterId,
        NodeRole role,
        long term,
        long leaderId,
        String leaderAddr,
        long lastLogIndex,
        long committedIndex,
        long appliedIndex,
        long lsn,
        long snapshotIndex,
        long purgedIndex,
        long leaderContactMs,
        List<ClusterMember> members) {}
