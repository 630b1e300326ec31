package dev.couponsd.client.wire;

/** A campaign's lifecycle status. (protocol.md section 5) */
public enum CampaignStatus implements WireEnum {
    DRAFT(1, "DRAFT"),
    SCHEDULED(2, "SCHEDULED"),
    ACTIVE(3, "ACTIVE"),
    PAUSED(4, "PAUSED"),
    COMPLETED(5, "COMPLETED"),
    CANCELLED(6, "CANCELLED");

    private final int code;
    private final String wireName;

    CampaignStatus(int code, String wireName) {
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
