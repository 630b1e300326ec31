package couponsd

// CampaignSpec is everything an admin sets on a campaign (protocol.md
// "CampaignSpec"). NewCampaignSpec fills in the values a campaign that does
// not use a field sends.
type CampaignSpec struct {
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	CampaignType CampaignType `json:"campaign_type"`
	// Template: every generated code is a coupon like this (code unused).
	Template         CouponSpec           `json:"template"`
	ValidityDays     uint32               `json:"validity_days"`
	Rules            GenerationRules      `json:"rules"`
	Distribution     DistributionStrategy `json:"distribution"`
	Audience         TargetAudience       `json:"audience"`
	BudgetLimit      *int64               `json:"budget_limit"` // minor units
	CouponLimit      *uint64              `json:"coupon_limit"`
	StartsAt         *int64               `json:"starts_at"`
	EndsAt           *int64               `json:"ends_at"`
	RewardCampaignID *uint64              `json:"reward_campaign_id"`
}

// NewCampaignSpec is a BULK campaign with the usual generation rules and the
// given template (its code unused).
func NewCampaignSpec(name string, template CouponSpec) CampaignSpec {
	template.Code = ""
	return CampaignSpec{
		Name:         name,
		CampaignType: CampaignTypeBulk,
		Template:     template,
		Rules:        DefaultGenerationRules(),
		Distribution: DistributionStrategy{Method: DistributionMethodManual, BatchSize: 1000, DistributionRate: 100},
	}
}

// DistributionStrategy is how a campaign's codes are handed out (stored;
// AutoDistribute drives TRIGGERED campaigns).
type DistributionStrategy struct {
	Method           DistributionMethod `json:"method"`
	BatchSize        uint32             `json:"batch_size"`
	DistributionRate uint32             `json:"distribution_rate"`
	AutoDistribute   bool               `json:"auto_distribute"`
}

// TargetAudience is who a campaign is for (stored, not enforced; CustomerIDs
// is CAMPAIGN_ASSIGN's default list).
type TargetAudience struct {
	Segments            []string `json:"segments"`
	CustomerIDs         []string `json:"customer_ids"`
	IncludeNewCustomers bool     `json:"include_new_customers"`
	ExcludeRecentUsers  bool     `json:"exclude_recent_users"`
}

// GenerationRules say how a campaign's codes are generated.
type GenerationRules struct {
	CodeLength       uint8     `json:"code_length"`
	Prefix           string    `json:"prefix"`
	Suffix           string    `json:"suffix"`
	IncludeLetters   bool      `json:"include_letters"`
	IncludeDigits    bool      `json:"include_digits"`
	IncludeSpecial   bool      `json:"include_special"`
	ExcludeAmbiguous bool      `json:"exclude_ambiguous"`
	Check            CodeCheck `json:"check"`
	MacLength        uint8     `json:"mac_length"`
}

// DefaultGenerationRules are protocol.md's usual rules.
func DefaultGenerationRules() GenerationRules {
	return GenerationRules{CodeLength: 8, IncludeLetters: true, IncludeDigits: true, ExcludeAmbiguous: true, Check: CodeCheckNone}
}

// Campaign is a stored campaign: its spec, status and counters.
type Campaign struct {
	ID               uint64         `json:"id"`
	Revision         uint64         `json:"revision"`
	Spec             CampaignSpec   `json:"spec"`
	Status           CampaignStatus `json:"status"`
	CouponsGenerated uint64         `json:"coupons_generated"`
	GenerationTarget uint64         `json:"generation_target"`
	BudgetUsed       int64          `json:"budget_used"`
	Redemptions      uint64         `json:"redemptions"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
	CreatedBy        string         `json:"created_by"`
}

// CampaignCode is one generated code (CAMPAIGN_CODES).
type CampaignCode struct {
	CouponID uint64 `json:"coupon_id"`
	Code     string `json:"code"`
	Uses     uint64 `json:"uses"`
}

// AssignedCode is one customer's code from CAMPAIGN_ASSIGN.
type AssignedCode struct {
	CustomerID string `json:"customer_id"`
	Code       string `json:"code"`
	CouponID   uint64 `json:"coupon_id"`
	Created    bool   `json:"created"`
}
