package dev.couponsd.client.wire;

/** The COUPON_CREATE request; its OK reply is a {@link Coupon}. */
public record CouponCreateRequest(
        CouponSpec spec) implements Request<Coupon> {
    @Override
    public Opcode opcode() {
        return Opcode.COUPON_CREATE;
    }
}
