package dev.couponsd.client.wire;

/** What an event records. (protocol.md section 5) */
public enum EventType implements WireEnum {
    COUPON_CREATED(1, "coupon.created"),
    COUPON_UPDATED(2, "coupon.updated"),
    COUPON_DELETED(3, "coupon.deleted"),
    REDEMPTION_REDEEMED(4, "redemption.redeemed"),
    REDEMPTION_RESERVED(5, "redemption.reserved"),
    REDEMPTION_CONFIRMED(6, "redemption.confirmed"),
    REDEMPTION_RELEASED(7, "redemption.released"),
    REDEMPTION_HOLD_EXPIRED(8, "redemption.hold_expired"),
    REDEMPTION_REVERSED(9, "redemption.reversed"),
    REDEMPTION_REJECTED(10, "redemption.rejected"),
    CAMPAIGN_CHANGED(11, "campaign.changed"),
    CAMPAIGN_CODES_GENERATED(12, "campaign.codes_generated"),
    CAMPAIGN_CODE_ASSIGNED(13, "campaign.code_assigned"),
    CODE_DISTRIBUTED(14, "code.distributed"),
    CODE_DELIVERY_FAILED(15, "code.delivery_failed");

    private final int code;
    private final String wireName;

    EventType(int code, String wireName) {
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

    /** This type's bit in EVENTS_SUBSCRIBE's and WEBHOOK_ADD's {@code types} mask. */
    public long bit() {
        return 1L << code;
    }
}
