package dev.couponsd.client.wire;

/** What kind of discount a code is, for stacking several codes on one order. (protocol.md section 5) */
public enum StackClass implements WireEnum {
    ORDER(1, "ORDER"),
    PRODUCT(2, "PRODUCT"),
    SHIPPING(3, "SHIPPING");

    private final int code;
    private final String wireName;

    StackClass(int code, String wireName) {
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
