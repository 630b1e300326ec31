package couponsd

// AnalyticsTotals are the figures a coupon, a campaign and the store all
// have. Money in minor units, rates in integers.
type AnalyticsTotals struct {
	TotalViews        uint64 `json:"total_views"`
	TotalRedemptions  uint64 `json:"total_redemptions"`
	TotalReversed     uint64 `json:"total_reversed"`
	TotalRevenue      int64  `json:"total_revenue"`
	TotalDiscount     int64  `json:"total_discount"`
	ConversionRatePPM uint64 `json:"conversion_rate_ppm"`
	AverageOrderValue int64  `json:"average_order_value"`
	// ROIBasisPoints is nil when there was no discount.
	ROIBasisPoints   *int64 `json:"roi_basis_points"`
	LastRedemptionAt *int64 `json:"last_redemption_at"`
}

// UsagePoint is the redemptions and revenue of one local day or hour.
type UsagePoint struct {
	Slot        int64  `json:"slot"`
	Redemptions uint64 `json:"redemptions"`
	Revenue     int64  `json:"revenue"`
}

// ProductUsage is one product's redemptions and revenue (exact while
// Overcount is 0).
type ProductUsage struct {
	ProductID   string `json:"product_id"`
	Redemptions uint64 `json:"redemptions"`
	Revenue     int64  `json:"revenue"`
	Overcount   uint64 `json:"overcount"`
}

// CouponAnalytics answers ANALYTICS_COUPON.
type CouponAnalytics struct {
	CouponID           uint64          `json:"coupon_id"`
	Code               string          `json:"code"`
	Currency           string          `json:"currency"`
	Metrics            AnalyticsTotals `json:"metrics"`
	FraudAttempts      uint64          `json:"fraud_attempts"`
	BlockedRedemptions uint64          `json:"blocked_redemptions"`
	LastUpdated        int64           `json:"last_updated"`
	UsageTimeline      []UsagePoint    `json:"usage_timeline"`
	HourlyTimeline     []UsagePoint    `json:"hourly_timeline"`
	TopProducts        []ProductUsage  `json:"top_products"`
}

// CampaignAnalytics answers ANALYTICS_CAMPAIGN.
type CampaignAnalytics struct {
	CampaignID         uint64          `json:"campaign_id"`
	Currency           string          `json:"currency"`
	Metrics            AnalyticsTotals `json:"metrics"`
	CouponsGenerated   uint64          `json:"coupons_generated"`
	CouponsDistributed uint64          `json:"coupons_distributed"`
	CouponsRedeemed    uint64          `json:"coupons_redeemed"`
	RedemptionRatePPM  uint64          `json:"redemption_rate_ppm"`
	LastUpdated        int64           `json:"last_updated"`
	// Appended: an older server's reply ends before them.
	CouponsBounced uint64 `json:"coupons_bounced" wire:"tail"`
	CouponsFailed  uint64 `json:"coupons_failed" wire:"tail"`
}

// AnalyticsOverview answers ANALYTICS_OVERVIEW.
type AnalyticsOverview struct {
	Metrics         AnalyticsTotals `json:"metrics"`
	Coupons         uint64          `json:"coupons"`
	Campaigns       uint64          `json:"campaigns"`
	CouponsRedeemed uint64          `json:"coupons_redeemed"`
	LastUpdated     int64           `json:"last_updated"`
}
