package dev.couponsd.client.wire;

import java.util.List;

/** A coupon's security settings; {@link #defaults()} gives the seed's. */
public record SecuritySettings(
        List<String> ipRestrictions,
        boolean deviceFingerprinting,
        boolean velocityChecks,
        @Wire.U32 long maxRedemptionsPerHour,
        boolean requireEmailVerification,
        boolean blockSuspiciousPatterns) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.ipRestrictions = ipRestrictions;
        b.deviceFingerprinting = deviceFingerprinting;
        b.velocityChecks = velocityChecks;
        b.maxRedemptionsPerHour = maxRedemptionsPerHour;
        b.requireEmailVerification = requireEmailVerification;
        b.blockSuspiciousPatterns = blockSuspiciousPatterns;
        return b;
    }

    /** Builds a {@link SecuritySettings} one field at a time. */
    public static final class Builder {
        private List<String> ipRestrictions = List.of();
        private boolean deviceFingerprinting = false;
        private boolean velocityChecks = true;
        private long maxRedemptionsPerHour = 10;
        private boolean requireEmailVerification = false;
        private boolean blockSuspiciousPatterns = true;

        private Builder() {}

        public Builder ipRestrictions(List<String> ipRestrictions) {
            this.ipRestrictions = ipRestrictions;
            return this;
        }

        public Builder deviceFingerprinting(boolean deviceFingerprinting) {
            this.deviceFingerprinting = deviceFingerprinting;
            return this;
        }

        public Builder velocityChecks(boolean velocityChecks) {
            this.velocityChecks = velocityChecks;
            return this;
        }

        public Builder maxRedemptionsPerHour(long maxRedemptionsPerHour) {
            this.maxRedemptionsPerHour = maxRedemptionsPerHour;
            return this;
        }

        public Builder requireEmailVerification(boolean requireEmailVerification) {
            this.requireEmailVerification = requireEmailVerification;
            return this;
        }

        public Builder blockSuspiciousPatterns(boolean blockSuspiciousPatterns) {
            this.blockSuspiciousPatterns = blockSuspiciousPatterns;
            return this;
        }

        public SecuritySettings build() {
            return new SecuritySettings(ipRestrictions, deviceFingerprinting, velocityChecks, maxRedemptionsPerHour, requireEmailVerification, blockSuspiciousPatterns);
        }
    }

    /** The seed's defaults: velocity checks on (10 an hour), suspicious patterns blocked. */
    public static SecuritySettings defaults() {
        return builder().build();
    }
}
