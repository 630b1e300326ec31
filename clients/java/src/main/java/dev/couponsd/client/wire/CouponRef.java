package dev.couponsd.client.wire;

/** Names a coupon by its id or by its code. */
public sealed interface CouponRef permits CouponRef.ById, CouponRef.ByCode {
    static CouponRef id(long id) {
        return new ById(id);
    }

    static CouponRef code(String code) {
        return new ByCode(code);
    }

    @Wire.Tag(value = 1, name = "Id")
    record ById(long id) implements CouponRef {}

    @Wire.Tag(value = 2, name = "Code")
    record ByCode(String code) implements CouponRef {}
}
