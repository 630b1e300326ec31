package dev.couponsd.client.wire;

/** What the discount is: PERCENTAGE values are basis points, FIXED values minor units. (protocol.md section 5) */
public enum DiscountType implements WireEnum {
    PERCENTAGE(1, "PERCENTAGE"),
    FIXED(2, "FIXED"),
    FREE_SHIPPING(3, "FREE_SHIPPING"),
    BUY_X_GET_Y(4, "BUY_X_GET_Y"),
    PRODUCT(5, "PRODUCT");

    private final int code;
    private final String wireName;

    DiscountType(int code, String wireName) {
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
