package dev.couponsd.client.wire;

/** A node's role in its cluster: only a LEADER takes changes. (protocol.md section 5) */
public enum NodeRole implements WireEnum {
    LEADER(1, "LEADER"),
    FOLLOWER(2, "FOLLOWER"),
    CANDIDATE(3, "CANDIDATE"),
    LEARNER(4, "LEARNER"),
    STOPPED(5, "STOPPED");

    private final int code;
    private final String wireName;

    NodeRole(int code, String wireName) {
        this.code = code;
        this.wireName = wireName;
    }

    @Override
    public int code() {
        return code;
    }

    @Override
    public String wireName() {
        return wireName;
    }
}
