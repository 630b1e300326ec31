package dev.couponsd.client.wire;

/** A limit on the uses, or the discount, one identifier of the orders may take of a coupon; null: no limit. */
public record IdentifierLimit(
        Identifier identifier,
        @Wire.U32 Long maxUses,
        @Wire.I64 Long maxDiscountAmount) {}
