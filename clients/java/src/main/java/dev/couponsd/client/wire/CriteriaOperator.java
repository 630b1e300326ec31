package dev.couponsd.client.wire;

/** How a product criterion compares. (protocol.md section 5) */
public enum CriteriaOperator implements WireEnum {
    IN(1, "in"),
    NOT_IN(2, "not_in"),
    EQUALS(3, "equals"),
    GREATER_THAN(4, "greater_than"),
    LESS_THAN(5, "less_than");

    private final int code;
    private final String wireName;

    CriteriaOperator(int code, String wireName) {
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
