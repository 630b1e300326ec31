package dev.couponsd.client.wire;

/** Everything an admin sets on a campaign (protocol.md section 6, fields 1 to 19, in order). */
public record CampaignSpec(
        String name,
        String description,
        CampaignType campaignType,
        CouponSpec template,
        @Wire.U32 long validityDays,
        GenerationRules rules,
        DistributionStrategy distribution,
        TargetAudience audience,
        @Wire.I64 Long budgetLimit,
        Long couponLimit,
        @Wire.I64 Long startsAt,
        @Wire.I64 Long endsAt,
        Long rewardCampaignId) {
    /** A builder whose unset fields hold the values that change nothing (protocol.md's defaults). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this value (for an update). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.description = description;
        b.campaignType = campaignType;
        b.template = template;
        b.validityDays = validityDays;
        b.rules = rules;
        b.distribution = distribution;
        b.audience = audience;
        b.budgetLimit = budgetLimit;
        b.couponLimit = couponLimit;
        b.startsAt = startsAt;
        b.endsAt = endsAt;
        b.rewardCampaignId = rewardCampaignId;
        return b;
    }

    /** Builds a {@link CampaignSpec} one field at a time. */
    public static final class Builder {
        private String name = "";
        private String description = "";
        private CampaignType campaignType = CampaignType.BULK;
        private CouponSpec template = CouponSpec.builder().build();
        private long validityDays = 0;
        private GenerationRules rules = GenerationRules.builder().build();
        private DistributionStrategy distribution = DistributionStrategy.builder().build();
        private TargetAudience audience = TargetAudience.builder().build();
        private Long budgetLimit = null;
        private Long couponLimit = null;
        private Long startsAt = null;
        private Long endsAt = null;
        private Long rewardCampaignId = null;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder campaignType(CampaignType campaignType) {
            this.campaignType = campaignType;
            return this;
        }

        public Builder template(CouponSpec template) {
            this.template = template;
            return this;
        }

        public Builder validityDays(long validityDays) {
            this.validityDays = validityDays;
            return this;
        }

        public Builder rules(GenerationRules rules) {
            this.rules = rules;
            return this;
        }

        public Builder distribution(DistributionStrategy distribution) {
            this.distribution = distribution;
            return this;
        }

        public Builder audience(TargetAudience audience) {
            this.audience = audience;
            return this;
        }

        public Builder budgetLimit(Long budgetLimit) {
            this.budgetLimit = budgetLimit;
            return this;
        }

        public Builder couponLimit(Long couponLimit) {
            this.couponLimit = couponLimit;
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

        public Builder rewardCampaignId(Long rewardCampaignId) {
            this.rewardCampaignId = rewardCampaignId;
            return this;
        }

        public CampaignSpec build() {
            return new CampaignSpec(name, description, campaignType, template, validityDays, rules, distribution, audience, budgetLimit, couponLimit, startsAt, endsAt, rewardCampaignId);
        }
    }
}
