package dev.couponsd.client.wire;

/** What a campaign issues codes for. (protocol.md section 5) */
public enum CampaignType implements WireEnum {
    BULK(1, "BULK"),
    TRIGGERED(2, "TRIGGERED"),
    PERSONALIZED(3, "PERSONALIZED"),
    REFERRAL(4, "REFERRAL");

    private final int code;
    private final String wireName;

    CampaignType(int code, String wireName) {
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
