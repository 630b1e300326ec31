package dev.couponsd.client.wire;

/** How a coupon stacks with the other codes of one order (CouponSpec fields 34 to 37). stackClass null: from the discount type; combinesWith: bits 1 ORDER, 2 PRODUCT, 4 SHIPPING. */
public record StackSettings(
        @Wire.Name("class") @Wire.ZeroIsNone StackClass stackClass,
        @Wire.U8 int combinesWith,
        boolean exclusive,
        @Wire.I32 int priority) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.stackClass = stackClass;
        b.combinesWith = combinesWith;
        b.exclusive = exclusive;
        b.priority = priority;
        return b;
    }

    /** Builds a {@link StackSettings} one field at a time. */
    public static final class Builder {
        private StackClass stackClass = null;
        private int combinesWith = 7;
        private boolean exclusive = false;
        private int priority = 0;

        private Builder() {}

        public Builder stackClass(StackClass stackClass) {
            this.stackClass = stackClass;
            return this;
        }

        public Builder combinesWith(int combinesWith) {
            this.combinesWith = combinesWith;
            return this;
        }

        public Builder exclusive(boolean exclusive) {
            this.exclusive = exclusive;
            return this;
        }

        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        public StackSettings build() {
            return new StackSettings(stackClass, combinesWith, exclusive, priority);
        }
    }
}
