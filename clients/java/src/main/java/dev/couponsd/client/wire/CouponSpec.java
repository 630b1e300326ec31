package dev.couponsd.client.wire;

import java.util.List;

/** Everything an admin sets on a coupon (protocol.md section 6, fields 1 to 46, in order). Money in minor units; percentages in basis points; times in unix ms. */
public record CouponSpec(
        String code,
        String name,
        String description,
        CouponType couponType,
        DiscountType discountType,
        @Wire.I64 long discountValue,
        String currency,
        @Wire.I64 Long maxDiscountAmount,
        @Wire.I64 Long minOrderAmount,
        @Wire.I64 Long startsAt,
        @Wire.I64 Long endsAt,
        String timeZone,
        Long usageLimit,
        @Wire.U32 Long usageLimitPerCustomer,
        AdminStatus status,
        Long campaignId,
        DistributionMethod distributionMethod,
        boolean isPublic,
        List<ProductCriteria> applicableProducts,
        List<ProductCriteria> excludedProducts,
        List<String> customerSegments,
        List<String> channelRestrictions,
        List<String> allowedEmailDomains,
        SecuritySettings security,
        boolean applyPerLine,
        @Wire.U32 long buyQuantity,
        @Wire.U32 long getQuantity,
        @Wire.U8 int activeDays,
        @Wire.U16 int activeStartMinute,
        @Wire.U16 int activeEndMinute,
        List<IdentifierLimit> identifierLimits,
        @Wire.U32 Long reviewScore,
        @Wire.U32 Long blockScore,
        StackSettings stacking,
        boolean autoApply,
        String assignedCustomerId,
        PeriodLimits periodLimits,
        ReversalPolicy reversal,
        String referrerCustomerId) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.code = code;
        b.name = name;
        b.description = description;
        b.couponType = couponType;
        b.discountType = discountType;
        b.discountValue = discountValue;
        b.currency = currency;
        b.maxDiscountAmount = maxDiscountAmount;
        b.minOrderAmount = minOrderAmount;
        b.startsAt = startsAt;
        b.endsAt = endsAt;
        b.timeZone = timeZone;
        b.usageLimit = usageLimit;
        b.usageLimitPerCustomer = usageLimitPerCustomer;
        b.status = status;
        b.campaignId = campaignId;
        b.distributionMethod = distributionMethod;
        b.isPublic = isPublic;
        b.applicableProducts = applicableProducts;
        b.excludedProducts = excludedProducts;
        b.customerSegments = customerSegments;
        b.channelRestrictions = channelRestrictions;
        b.allowedEmailDomains = allowedEmailDomains;
        b.security = security;
        b.applyPerLine = applyPerLine;
        b.buyQuantity = buyQuantity;
        b.getQuantity = getQuantity;
        b.activeDays = activeDays;
        b.activeStartMinute = activeStartMinute;
        b.activeEndMinute = activeEndMinute;
        b.identifierLimits = identifierLimits;
        b.reviewScore = reviewScore;
        b.blockScore = blockScore;
        b.stacking = stacking;
        b.autoApply = autoApply;
        b.assignedCustomerId = assignedCustomerId;
        b.periodLimits = periodLimits;
        b.reversal = reversal;
        b.referrerCustomerId = referrerCustomerId;
        return b;
    }

    /** Builds a {@link CouponSpec} one field at a time. */
    public static final class Builder {
        private String code = "";
        private String name = "";
        private String description = "";
        private CouponType couponType = CouponType.MULTI_USE;
        private DiscountType discountType = DiscountType.PERCENTAGE;
        private long discountValue = 0;
        private String currency = "";
        private Long maxDiscountAmount = null;
        private Long minOrderAmount = null;
        private Long startsAt = null;
        private Long endsAt = null;
        private String timeZone = "";
        private Long usageLimit = null;
        private Long usageLimitPerCustomer = null;
        private AdminStatus status = AdminStatus.ACTIVE;
        private Long campaignId = null;
        private DistributionMethod distributionMethod = DistributionMethod.MANUAL;
        private boolean isPublic = false;
        private List<ProductCriteria> applicableProducts = List.of();
        private List<ProductCriteria> excludedProducts = List.of();
        private List<String> customerSegments = List.of();
        private List<String> channelRestrictions = List.of();
        private List<String> allowedEmailDomains = List.of();
        private SecuritySettings security = SecuritySettings.defaults();
        private boolean applyPerLine = false;
        private long buyQuantity = 0;
        private long getQuantity = 0;
        private int activeDays = 0;
        private int activeStartMinute = 0;
        private int activeEndMinute = 0;
        private List<IdentifierLimit> identifierLimits = List.of();
        private Long reviewScore = null;
        private Long blockScore = null;
        private StackSettings stacking = StackSettings.builder().build();
        private boolean autoApply = false;
        private String assignedCustomerId = "";
        private PeriodLimits periodLimits = PeriodLimits.builder().build();
        private ReversalPolicy reversal = ReversalPolicy.builder().build();
        private String referrerCustomerId = "";

        private Builder() {}

        public Builder code(String code) {
            this.code = code;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder couponType(CouponType couponType) {
            this.couponType = couponType;
            return this;
        }

        public Builder discountType(DiscountType discountType) {
            this.discountType = discountType;
            return this;
        }

        public Builder discountValue(long discountValue) {
            this.discountValue = discountValue;
            return this;
        }

        public Builder currency(String currency) {
            this.currency = currency;
            return this;
        }

        public Builder maxDiscountAmount(Long maxDiscountAmount) {
            this.maxDiscountAmount = maxDiscountAmount;
            return this;
        }

        public Builder minOrderAmount(Long minOrderAmount) {
            this.minOrderAmount = minOrderAmount;
            return this;
        }

        public Builder startsAt(Long startsAt) {
            this.startsAt = startsAt;
            return this;
        }

        public Builder endsAt(Long endsAt) {
            this.endsAt = endsAt;
            return this;
        }

        public Builder timeZone(String timeZone) {
            this.timeZone = timeZone;
            return this;
        }

        public Builder usageLimit(Long usageLimit) {
            this.usageLimit = usageLimit;
            return this;
        }

        public Builder usageLimitPerCustomer(Long usageLimitPerCustomer) {
            this.usageLimitPerCustomer = usageLimitPerCustomer;
            return this;
        }

        public Builder status(AdminStatus status) {
            this.status = status;
            return this;
        }

        public Builder campaignId(Long campaignId) {
            this.campaignId = campaignId;
            return this;
        }

        public Builder distributionMethod(DistributionMethod distributionMethod) {
            this.distributionMethod = distributionMethod;
            return this;
        }

        public Builder isPublic(boolean isPublic) {
            this.isPublic = isPublic;
            return this;
        }

        public Builder applicableProducts(List<ProductCriteria> applicableProducts) {
            this.applicableProducts = applicableProducts;
            return this;
        }

        public Builder excludedProducts(List<ProductCriteria> excludedProducts) {
            this.excludedProducts = excludedProducts;
            return this;
        }

        public Builder customerSegments(List<String> customerSegments) {
            this.customerSegments = customerSegments;
            return this;
        }

        public Builder channelRestrictions(List<String> channelRestrictions) {
            this.channelRestrictions = channelRestrictions;
            return this;
        }

        public Builder allowedEmailDomains(List<String> allowedEmailDomains) {
            this.allowedEmailDomains = allowedEmailDomains;
            return this;
        }

        public Builder security(SecuritySettings security) {
            this.security = security;
            return this;
        }

        public Builder applyPerLine(boolean applyPerLine) {
            this.applyPerLine = applyPerLine;
            return this;
        }

        public Builder buyQuantity(long buyQuantity) {
            this.buyQuantity = buyQuantity;
            return this;
        }

        public Builder getQuantity(long getQuantity) {
            this.getQuantity = getQuantity;
            return this;
        }

        public Builder activeDays(int activeDays) {
            this.activeDays = activeDays;
            return this;
        }

        public Builder activeStartMinute(int activeStartMinute) {
            this.activeStartMinute = activeStartMinute;
            return this;
        }

        public Builder activeEndMinute(int activeEndMinute) {
            this.activeEndMinute = activeEndMinute;
            return this;
        }

        public Builder identifierLimits(List<IdentifierLimit> identifierLimits) {
            this.identifierLimits = identifierLimits;
            return this;
        }

        public Builder reviewScore(Long reviewScore) {
            this.reviewScore = reviewScore;
            return this;
        }

        public Builder blockScore(Long blockScore) {
            this.blockScore = blockScore;
            return this;
        }

        public Builder stacking(StackSettings stacking) {
            this.stacking = stacking;
            return this;
        }

        public Builder autoApply(boolean autoApply) {
            this.autoApply = autoApply;
            return this;
        }

        public Builder assignedCustomerId(String assignedCustomerId) {
            this.assignedCustomerId = assignedCustomerId;
            return this;
        }

        public Builder periodLimits(PeriodLimits periodLimits) {
            this.periodLimits = periodLimits;
            return this;
        }

        public Builder reversal(ReversalPolicy reversal) {
            this.reversal = reversal;
            return this;
        }

        public Builder referrerCustomerId(String referrerCustomerId) {
            this.referrerCustomerId = referrerCustomerId;
            return this;
        }

        public CouponSpec build() {
            return new CouponSpec(code, name, description, couponType, discountType, discountValue, currency, maxDiscountAmount, minOrderAmount, startsAt, endsAt, timeZone, usageLimit, usageLimitPerCustomer, status, campaignId, distributionMethod, isPublic, applicableProducts, excludedProducts, customerSegments, channelRestrictions, allowedEmailDomains, security, applyPerLine, buyQuantity, getQuantity, activeDays, activeStartMinute, activeEndMinute, identifierLimits, reviewScore, blockScore, stacking, autoApply, assignedCustomerId, periodLimits, reversal, referrerCustomerId);
        }
    }
}
