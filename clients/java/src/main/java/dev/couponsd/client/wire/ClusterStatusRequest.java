package dev.couponsd.client.wire;

/** The CLUSTER_STATUS request (an empty body); its OK reply is a {@link ClusterStatus}. */
public record ClusterStatusRequest() implements Request<ClusterStatus> {
    @Override
    public Opcode opcode() {
        return Opcode.CLUSTER_STATUS;
    }
}
