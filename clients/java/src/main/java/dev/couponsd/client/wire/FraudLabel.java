package dev.couponsd.client.wire;

/** What a redemption turned out to be (FRAUD_OUTCOME). (protocol.md section 5) */
public enum FraudLabel implements WireEnum {
    FRAUD(1, "fraud"),
    LEGIT(2, "legit");

    private final int code;
    private final String wireName;

    FraudLabel(int code, String wireName) {
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
