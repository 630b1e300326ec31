package dev.couponsd.client.wire;

/** What reversing a redemption of the coupon does (CouponSpec fields 44 and 45). */
public record ReversalPolicy(
        boolean returnsUse,
        RefundBelowMinimum belowMinimum) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.returnsUse = returnsUse;
        b.belowMinimum = belowMinimum;
        return b;
    }

    /** Builds a {@link ReversalPolicy} one field at a time. */
    public static final class Builder {
        private boolean returnsUse = true;
        private RefundBelowMinimum belowMinimum = RefundBelowMinimum.PRORATE;

        private Builder() {}

        public Builder returnsUse(boolean returnsUse) {
            this.returnsUse = returnsUse;
            return this;
        }

        public Builder belowMinimum(RefundBelowMinimum belowMinimum) {
            this.belowMinimum = belowMinimum;
            return this;
        }

        public ReversalPolicy build() {
            return new ReversalPolicy(returnsUse, belowMinimum);
        }
    }
}
