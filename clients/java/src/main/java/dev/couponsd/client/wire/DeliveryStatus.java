package dev.couponsd.client.wire;

/** A distributed code's delivery status. (protocol.md section 5) */
public enum DeliveryStatus implements WireEnum {
    QUEUED(1, "QUEUED"),
    SENT(2, "SENT"),
    FAILED(3, "FAILED"),
    BOUNCED(4, "BOUNCED"),
    REDEEMED(5, "REDEEMED");

    private final int code;
    private final String wireName;

    DeliveryStatus(int code, String wireName) {
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
