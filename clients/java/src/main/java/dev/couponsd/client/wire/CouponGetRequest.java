package dev.couponsd.client.wire;

/** The COUPON_GET request; its OK reply is a {@link Coupon}. */
public record CouponGetRequest(
        CouponRef coupon) implements Request<Coupon> {
    @Override
    public Opcode opcode() {
        return Opcode.COUPON_GET;
    }
}
