package dev.couponsd.client.wire;

import java.util.List;

/** A campaign's target audience (CampaignSpec fields 11 to 14). */
public record TargetAudience(
        List<String> segments,
        List<String> customerIds,
        boolean includeNewCustomers,
        boolean excludeRecentUsers) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.segments = segments;
        b.customerIds = customerIds;
        b.includeNewCustomers = includeNewCustomers;
        b.excludeRecentUsers = excludeRecentUsers;
        return b;
    }

    /** Builds a {@link TargetAudience} one field at a time. */
    public static final class Builder {
        private List<String> segments = List.of();
        private List<String> customerIds = List.of();
        private boolean includeNewCustomers = false;
        private boolean excludeRecentUsers = false;

        private Builder() {}

        public Builder segments(List<String> segments) {
            this.segments = segments;
            return this;
        }

        public Builder customerIds(List<String> customerIds) {
            this.customerIds = customerIds;
            return this;
        }

        public Builder includeNewCustomers(boolean includeNewCustomers) {
            this.includeNewCustomers = includeNewCustomers;
            return this;
        }

        public Builder excludeRecentUsers(boolean excludeRecentUsers) {
            this.excludeRecentUsers = excludeRecentUsers;
            return this;
        }

        public TargetAudience build() {
            return new TargetAudience(segments, customerIds, includeNewCustomers, excludeRecentUsers);
        }
    }
}
