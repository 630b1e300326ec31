package dev.couponsd.client.wire;

/** What a product criterion matches. (protocol.md section 5) */
public enum CriteriaType implements WireEnum {
    CATEGORY(1, "category"),
    BRAND(2, "brand"),
    SKU(3, "sku"),
    TAG(4, "tag"),
    PRICE_RANGE(5, "price_range"),
    PRODUCT_ID(6, "product_id");

    private final int code;
    private final String wireName;

    CriteriaType(int code, String wireName) {
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
