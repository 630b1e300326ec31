package dev.couponsd.client.wire;

/** Uses per period in the coupon's time zone (CouponSpec fields 40 to 43); null: no limit. */
public record PeriodLimits(
        @Wire.U32 Long customerPerDay,
        @Wire.U32 Long customerPerWeek,
        @Wire.U32 Long customerPerMonth,
        @Wire.U32 Long perDay) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.customerPerDay = customerPerDay;
        b.customerPerWeek = customerPerWeek;
        b.customerPerMonth = customerPerMonth;
        b.perDay = perDay;
        return b;
    }

    /** Builds a {@link PeriodLimits} one field at a time. */
    public static final class Builder {
        private Long customerPerDay = null;
        private Long customerPerWeek = null;
        private Long customerPerMonth = null;
        private Long perDay = null;

        private Builder() {}

        public Builder customerPerDay(Long customerPerDay) {
            this.customerPerDay = customerPerDay;
            return this;
        }

        public Builder customerPerWeek(Long customerPerWeek) {
            this.customerPerWeek = customerPerWeek;
            return this;
        }

        public Builder customerPerMonth(Long customerPerMonth) {
            this.customerPerMonth = customerPerMonth;
            return this;
        }

        public Builder perDay(Long perDay) {
            this.perDay = perDay;
            return this;
        }

        public PeriodLimits build() {
            return new PeriodLimits(customerPerDay, customerPerWeek, customerPerMonth, perDay);
        }
    }
}
