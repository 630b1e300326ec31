package dev.couponsd.client.wire;

/** How codes reach customers (stored, not enforced). (protocol.md section 5) */
public enum DistributionMethod implements WireEnum {
    MANUAL(1, "MANUAL"),
    EMAIL(2, "EMAIL"),
    SMS(3, "SMS"),
    APP(4, "APP"),
    WEBSITE(5, "WEBSITE"),
    PARTNER(6, "PARTNER");

    private final int code;
    private final String wireName;

    DistributionMethod(int code, String wireName) {
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
