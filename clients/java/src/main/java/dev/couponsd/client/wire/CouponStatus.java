package dev.couponsd.client.wire;

/** The status a coupon has now: the admin status or a derived one. (protocol.md section 5) */
public enum CouponStatus implements WireEnum {
    ACTIVE(1, "ACTIVE"),
    INACTIVE(2, "INACTIVE"),
    SUSPENDED(3, "SUSPENDED"),
    EXPIRED(4, "EXPIRED"),
    EXHAUSTED(5, "EXHAUSTED");

    private final int code;
    private final String wireName;

    CouponStatus(int code, String wireName) {
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
