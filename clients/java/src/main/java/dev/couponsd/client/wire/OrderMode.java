package dev.couponsd.client.wire;

/** How several codes of one order are decided. (protocol.md section 5) */
public enum OrderMode implements WireEnum {
    ALL_OR_NOTHING(1, "ALL_OR_NOTHING"),
    BEST_EFFORT(2, "BEST_EFFORT");

    private final int code;
    private final String wireName;

    OrderMode(int code, String wireName) {
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
