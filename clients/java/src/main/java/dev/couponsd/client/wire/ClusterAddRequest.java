package dev.couponsd.client.wire;

/** The CLUSTER_ADD request; its OK reply is a {@link ClusterStatus}. */
public record ClusterAddRequest(
        long nodeId,
        String addr,
        boolean voter) implements Request<ClusterStatus> {
    @Override
    public Opcode opcode() {
        return Opcode.CLUSTER_ADD;
    }
}
