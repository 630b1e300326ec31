package dev.couponsd.client.wire;

/**
 * Names a redemption by its id, or by the (coupon code, order id) pair that
 * makes every operation on it idempotent.
 */
public sealed interface RedemptionRef permits RedemptionRef.ById, RedemptionRef.ByOrder {
    static RedemptionRef id(long id) {
        return new ById(id);
    }

    static RedemptionRef order(String code, String orderId) {
        return new ByOrder(code, orderId);
    }

    @Wire.Tag(value = 1, name = "Id")
    record ById(long id) implements RedemptionRef {}

    @Wire.Tag(value = 2, name = "Order")
    record ByOrder(String code, String orderId) implements RedemptionRef {}
}
