package dev.couponsd.client.wire;

/** The status an admin sets. (protocol.md section 5) */
public enum AdminStatus implements WireEnum {
    ACTIVE(1, "ACTIVE"),
    INACTIVE(2, "INACTIVE"),
    SUSPENDED(3, "SUSPENDED");

    private final int code;
    private final String wireName;

    AdminStatus(int code, String wireName) {
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
