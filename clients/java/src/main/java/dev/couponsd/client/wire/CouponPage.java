package dev.couponsd.client.wire;

import java.util.List;

/** A page of coupons; nextAfter is the cursor for the next page (0: none). */
public record CouponPage(
        List<Coupon> coupons,
        long nextAfter) {}
