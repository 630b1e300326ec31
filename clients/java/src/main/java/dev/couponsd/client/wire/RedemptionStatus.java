package dev.couponsd.client.wire;

/** PENDING is a hold; PROCESSED a captured use; RELEASED, EXPIRED, REVERSED given back; REJECTED blocked. (protocol.md section 5) */
public enum RedemptionStatus implements WireEnum {
    PENDING(1, "PENDING"),
    PROCESSED(2, "PROCESSED"),
    RELEASED(3, "RELEASED"),
    EXPIRED(4, "EXPIRED"),
    REVERSED(5, "REVERSED"),
    REJECTED(6, "REJECTED");

    private final int code;
    private final String wireName;

    RedemptionStatus(int code, String wireName) {
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
