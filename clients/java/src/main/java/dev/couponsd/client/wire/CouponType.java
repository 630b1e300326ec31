package dev.couponsd.client.wire;

/** How a coupon may be used. (protocol.md section 5) */
public enum CouponType implements WireEnum {
    SINGLE_USE(1, "SINGLE_USE"),
    MULTI_USE(2, "MULTI_USE"),
    UNLIMITED(3, "UNLIMITED"),
    GENERIC(4, "GENERIC"),
    PERSONALIZED(5, "PERSONALIZED");

    private final int code;
    private final String wireName;

    CouponType(int code, String wireName) {
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
