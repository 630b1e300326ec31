package dev.couponsd.client.wire;

/** The CLUSTER_REMOVE request; its OK reply is a {@link ClusterStatus}. */
public record ClusterRemoveRequest(
        long nodeId) implements Request<ClusterStatus> {
    @Override
    public Opcode opcode() {
        return Opcode.CLUSTER_REMOVE;
    }
}
