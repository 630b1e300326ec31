package dev.couponsd.client.wire;

/** The COUPON_DELETE request; its OK reply is a {@link Empty}. */
public record CouponDeleteRequest(
        long id) implements Request<Empty> {
    @Override
    public Opcode opcode() {
        return Opcode.COUPON_DELETE;
    }
}
