package dev.couponsd.client.wire;

/** How risky a request looks, by its fraud score. (protocol.md section 5) */
public enum RiskLevel implements WireEnum {
    LOW(1, "LOW"),
    MEDIUM(2, "MEDIUM"),
    HIGH(3, "HIGH"),
    CRITICAL(4, "CRITICAL");

    private final int code;
    private final String wireName;

    RiskLevel(int code, String wireName) {
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
