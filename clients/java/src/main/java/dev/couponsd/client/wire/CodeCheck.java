package dev.couponsd.client.wire;

/** What follows a generated code's random part. (protocol.md section 5) */
public enum CodeCheck implements WireEnum {
    NONE(1, "NONE"),
    CHECK_CHARACTER(2, "CHECK_CHARACTER"),
    MAC(3, "MAC");

    private final int code;
    private final String wireName;

    CodeCheck(int code, String wireName) {
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
