package dev.couponsd.client.wire;

/** An identifier of an order a coupon may limit uses or discount by. (protocol.md section 5) */
public enum Identifier implements WireEnum {
    EMAIL(1, "email"),
    DEVICE(2, "device"),
    IP(3, "ip"),
    PAYMENT(4, "payment");

    private final int code;
    private final String wireName;

    Identifier(int code, String wireName) {
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
