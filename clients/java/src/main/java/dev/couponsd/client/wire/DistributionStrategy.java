package dev.couponsd.client.wire;

/** How a campaign's codes are distributed (CampaignSpec fields 7 to 10). */
public record DistributionStrategy(
        DistributionMethod method,
        @Wire.U32 long batchSize,
        @Wire.U32 long distributionRate,
        boolean autoDistribute) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.method = method;
        b.batchSize = batchSize;
        b.distributionRate = distributionRate;
        b.autoDistribute = autoDistribute;
        return b;
    }

    /** Builds a {@link DistributionStrategy} one field at a time. */
    public static final class Builder {
        private DistributionMethod method = DistributionMethod.MANUAL;
        private long batchSize = 1000;
        private long distributionRate = 100;
        private boolean autoDistribute = false;

        private Builder() {}

        public Builder method(DistributionMethod method) {
            this.method = method;
            return this;
        }

        public Builder batchSize(long batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder distributionRate(long distributionRate) {
            this.distributionRate = distributionRate;
            return this;
        }

        public Builder autoDistribute(boolean autoDistribute) {
            this.autoDistribute = autoDistribute;
            return this;
        }

        public DistributionStrategy build() {
            return new DistributionStrategy(method, batchSize, distributionRate, autoDistribute);
        }
    }
}
