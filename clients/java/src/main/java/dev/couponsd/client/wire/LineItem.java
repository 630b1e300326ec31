package dev.couponsd.client.wire;

import java.util.List;

/** One line of an order. */
public record LineItem(
        String productId,
        String sku,
        String category,
        String brand,
        List<String> tags,
        @Wire.I64 long unitPrice,
        @Wire.U32 long quantity) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.productId = productId;
        b.sku = sku;
        b.category = category;
        b.brand = brand;
        b.tags = tags;
        b.unitPrice = unitPrice;
        b.quantity = quantity;
        return b;
    }

    /** Builds a {@link LineItem} one field at a time. */
    public static final class Builder {
        private String productId = "";
        private String sku = "";
        private String category = "";
        private String brand = "";
        private List<String> tags = List.of();
        private long unitPrice = 0;
        private long quantity = 1;

        private Builder() {}

        public Builder productId(String productId) {
            this.productId = productId;
            return this;
        }

        public Builder sku(String sku) {
            this.sku = sku;
            return this;
        }

        public Builder category(String category) {
            this.category = category;
            return this;
        }

        public Builder brand(String brand) {
            this.brand = brand;
            return this;
        }

        public Builder tags(List<String> tags) {
            this.tags = tags;
            return this;
        }

        public Builder unitPrice(long unitPrice) {
            this.unitPrice = unitPrice;
            return this;
        }

        public Builder quantity(long quantity) {
            this.quantity = quantity;
            return this;
        }

        public LineItem build() {
            return new LineItem(productId, sku, category, brand, tags, unitPrice, quantity);
        }
    }
}
