package dev.couponsd.client.wire;

/** The COUPON_UPDATE request; its OK reply is a {@link Coupon}. */
public record CouponUpdateRequest(
        long id,
        long expectedRevision,
        CouponSpec spec) implements Request<Coupon> {
    @Override
    public Opcode opcode() {
        return Opcode.COUPON_UPDATE;
    }
}
