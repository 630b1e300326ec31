package dev.couponsd.client.wire;

/** What a partial refund does when the order falls below the coupon's minimum. (protocol.md section 5) */
public enum RefundBelowMinimum implements WireEnum {
    PRORATE(1, "PRORATE"),
    REVERSE_DISCOUNT(2, "REVERSE_DISCOUNT");

    private final int code;
    private final String wireName;

    RefundBelowMinimum(int code, String wireName) {
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
