package dev.couponsd.client.wire;

/** The COUPON_LIST request; its OK reply is a {@link CouponPage}. */
public record CouponListRequest(
        long afterId,
        @Wire.U16 int limit) implements Request<CouponPage> {
    @Override
    public Opcode opcode() {
        return Opcode.COUPON_LIST;
    }
}
