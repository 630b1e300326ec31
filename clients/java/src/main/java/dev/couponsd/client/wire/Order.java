package dev.couponsd.client.wire;

import java.util.List;

/** The order a coupon is validated or redeemed against (amounts in minor units). */
public record Order(
        String customerId,
        @Wire.I64 long amount,
        String currency,
        String channel,
        @Wire.I64 long shippingAmount,
        String customerEmail,
        List<String> customerSegments,
        List<LineItem> items,
        String ipAddress,
        String userAgent,
        String deviceFingerprint,
        boolean emailVerified,
        String paymentFingerprint,
        @Wire.U32 Long providerRiskScore) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.customerId = customerId;
        b.amount = amount;
        b.currency = currency;
        b.channel = channel;
        b.shippingAmount = shippingAmount;
        b.customerEmail = customerEmail;
        b.customerSegments = customerSegments;
        b.items = items;
        b.ipAddress = ipAddress;
        b.userAgent = userAgent;
        b.deviceFingerprint = deviceFingerprint;
        b.emailVerified = emailVerified;
        b.paymentFingerprint = paymentFingerprint;
        b.providerRiskScore = providerRiskScore;
        return b;
    }

    /** Builds a {@link Order} one field at a time. */
    public static final class Builder {
        private String customerId = "";
        private long amount = 0;
        private String currency = "";
        private String channel = "";
        private long shippingAmount = 0;
        private String customerEmail = "";
        private List<String> customerSegments = List.of();
        private List<LineItem> items = List.of();
        private String ipAddress = "";
        private String userAgent = "";
        private String deviceFingerprint = "";
        private boolean emailVerified = false;
        private String paymentFingerprint = "";
        private Long providerRiskScore = null;

        private Builder() {}

        public Builder customerId(String customerId) {
            this.customerId = customerId;
            return this;
        }

        public Builder amount(long amount) {
            this.amount = amount;
            return this;
        }

        public Builder currency(String currency) {
            this.currency = currency;
            return this;
        }

        public Builder channel(String channel) {
            this.channel = channel;
            return this;
        }

        public Builder shippingAmount(long shippingAmount) {
            this.shippingAmount = shippingAmount;
            return this;
        }

        public Builder customerEmail(String customerEmail) {
            this.customerEmail = customerEmail;
            return this;
        }

        public Builder customerSegments(List<String> customerSegments) {
            this.customerSegments = customerSegments;
            return this;
        }

        public Builder items(List<LineItem> items) {
            this.items = items;
            return this;
        }

        public Builder ipAddress(String ipAddress) {
            this.ipAddress = ipAddress;
            return this;
        }

        public Builder userAgent(String userAgent) {
            this.userAgent = userAgent;
            return this;
        }

        public Builder deviceFingerprint(String deviceFingerprint) {
            this.deviceFingerprint = deviceFingerprint;
            return this;
        }

        public Builder emailVerified(boolean emailVerified) {
            this.emailVerified = emailVerified;
            return this;
        }

        public Builder paymentFingerprint(String paymentFingerprint) {
            this.paymentFingerprint = paymentFingerprint;
            return this;
        }

        public Builder providerRiskScore(Long providerRiskScore) {
            this.providerRiskScore = providerRiskScore;
            return this;
        }

        public Order build() {
            return new Order(customerId, amount, currency, channel, shippingAmount, customerEmail, customerSegments, items, ipAddress, userAgent, deviceFingerprint, emailVerified, paymentFingerprint, providerRiskScore);
        }
    }
}
