package dev.couponsd.client.wire;

/** The ANALYTICS_COUPON request; its OK reply is a {@link CouponAnalytics}. */
public record AnalyticsCouponRequest(
        CouponRef coupon) implements Request<CouponAnalytics> {
    @Override
    public Opcode opcode() {
        return Opcode.ANALYTICS_COUPON;
    }
}
