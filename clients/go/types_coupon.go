package couponsd

// CouponSpec is everything an admin sets on a coupon (protocol.md
// "CouponSpec", fields 1 to 46 in wire order). COUPON_CREATE and
// COUPON_UPDATE carry it whole; NewCouponSpec fills in the values that mean
// "no such rule".
type CouponSpec struct {
	Code         string       `json:"code"`
	Name         string       `json:"name"`
	Description  string       `json:"description"`
	CouponType   CouponType   `json:"coupon_type"`
	DiscountType DiscountType `json:"discount_type"`
	// DiscountValue is basis points for PERCENTAGE and BUY_X_GET_Y (2000 =
	// 20 %), minor units for FIXED and PRODUCT, 0 for FREE_SHIPPING.
	DiscountValue int64 `json:"discount_value"`
	// Currency is an ISO 4217 code, or empty for any currency.
	Currency              string             `json:"currency"`
	MaxDiscountAmount     *int64             `json:"max_discount_amount"`
	MinOrderAmount        *int64             `json:"min_order_amount"`
	StartsAt              *int64             `json:"starts_at"` // unix ms
	EndsAt                *int64             `json:"ends_at"`   // unix ms
	TimeZone              string             `json:"time_zone"`
	UsageLimit            *uint64            `json:"usage_limit"`
	UsageLimitPerCustomer *uint32            `json:"usage_limit_per_customer"`
	Status                AdminStatus        `json:"status"`
	CampaignID            *uint64            `json:"campaign_id"`
	DistributionMethod    DistributionMethod `json:"distribution_method"`
	IsPublic              bool               `json:"is_public"`
	ApplicableProducts    []ProductCriteria  `json:"applicable_products"`
	ExcludedProducts      []ProductCriteria  `json:"excluded_products"`
	CustomerSegments      []string           `json:"customer_segments"`
	ChannelRestrictions   []string           `json:"channel_restrictions"`
	AllowedEmailDomains   []string           `json:"allowed_email_domains"`
	Security              SecuritySettings   `json:"security"`
	ApplyPerLine          bool               `json:"apply_per_line"`
	BuyQuantity           uint32             `json:"buy_quantity"`
	GetQuantity           uint32             `json:"get_quantity"`
	// ActiveDays: bit 0 Monday .. bit 6 Sunday; 0 every day.
	ActiveDays         uint8             `json:"active_days"`
	ActiveStartMinute  uint16            `json:"active_start_minute"`
	ActiveEndMinute    uint16            `json:"active_end_minute"`
	IdentifierLimits   []IdentifierLimit `json:"identifier_limits"`
	ReviewScore        *uint32           `json:"review_score"` // ppm
	BlockScore         *uint32           `json:"block_score"`  // ppm
	Stacking           StackSettings     `json:"stacking"`
	AutoApply          bool              `json:"auto_apply"`
	AssignedCustomerID string            `json:"assigned_customer_id"`
	PeriodLimits       PeriodLimits      `json:"period_limits"`
	Reversal           ReversalPolicy    `json:"reversal"`
	// ReferrerCustomerID is set by the server only; send "".
	ReferrerCustomerID string `json:"referrer_customer_id"`
}

// NewCouponSpec is a spec with the code and discount given and every other
// field as protocol.md's "Fields a coupon does not use" table says: no rule.
func NewCouponSpec(code string, discountType DiscountType, discountValue int64) CouponSpec {
	return CouponSpec{
		Code:               code,
		CouponType:         CouponTypeMultiUse,
		DiscountType:       discountType,
		DiscountValue:      discountValue,
		Status:             AdminStatusActive,
		DistributionMethod: DistributionMethodManual,
		Security:           DefaultSecuritySettings(),
		Stacking:           StackSettings{CombinesWith: CombinesWithAll},
		Reversal:           ReversalPolicy{ReturnsUse: true, BelowMinimum: RefundBelowMinimumProrate},
	}
}

// StackSettings say how a coupon stacks with the other codes of one order
// (CouponSpec fields 34 to 37).
type StackSettings struct {
	// Class 0 means: from the discount type.
	Class StackClass `json:"class" wire:"zero"`
	// CombinesWith: CombinesWith* bits of the classes it combines with.
	CombinesWith uint8 `json:"combines_with"`
	Exclusive    bool  `json:"exclusive"`
	Priority     int32 `json:"priority"`
}

// PeriodLimits are uses per period in the coupon's time zone (CouponSpec
// fields 40 to 43); nil: no limit.
type PeriodLimits struct {
	CustomerPerDay   *uint32 `json:"customer_per_day"`
	CustomerPerWeek  *uint32 `json:"customer_per_week"`
	CustomerPerMonth *uint32 `json:"customer_per_month"`
	PerDay           *uint32 `json:"per_day"`
}

// ReversalPolicy says what reversing a redemption of the coupon does
// (CouponSpec fields 44 and 45).
type ReversalPolicy struct {
	ReturnsUse   bool               `json:"returns_use"`
	BelowMinimum RefundBelowMinimum `json:"below_minimum"`
}

// CombinesWith bits of StackSettings.CombinesWith.
const (
	CombinesWithOrder    uint8 = 1
	CombinesWithProduct  uint8 = 2
	CombinesWithShipping uint8 = 4
	CombinesWithAll            = CombinesWithOrder | CombinesWithProduct | CombinesWithShipping
)

// SecuritySettings are a coupon's fraud checks.
type SecuritySettings struct {
	IPRestrictions           []string `json:"ip_restrictions"`
	DeviceFingerprinting     bool     `json:"device_fingerprinting"`
	VelocityChecks           bool     `json:"velocity_checks"`
	MaxRedemptionsPerHour    uint32   `json:"max_redemptions_per_hour"`
	RequireEmailVerification bool     `json:"require_email_verification"`
	BlockSuspiciousPatterns  bool     `json:"block_suspicious_patterns"`
}

// DefaultSecuritySettings are protocol.md's usual values.
func DefaultSecuritySettings() SecuritySettings {
	return SecuritySettings{VelocityChecks: true, MaxRedemptionsPerHour: 10, BlockSuspiciousPatterns: true}
}

// ProductCriteria selects line items. Its two enums are lenient: 0 or an
// unknown value decodes as unset.
type ProductCriteria struct {
	CriteriaType CriteriaType     `json:"criteria_type" wire:"lenient"`
	Operator     CriteriaOperator `json:"operator" wire:"lenient"`
	Values       []string         `json:"values"`
}

// IdentifierLimit limits the uses, or the discount, one identifier value may
// take of a coupon.
type IdentifierLimit struct {
	Identifier        Identifier `json:"identifier"`
	MaxUses           *uint32    `json:"max_uses"`
	MaxDiscountAmount *int64     `json:"max_discount_amount"`
}

// Coupon is a stored coupon: the spec plus what the server keeps.
type Coupon struct {
	ID                 uint64       `json:"id"`
	Revision           uint64       `json:"revision"`
	Spec               CouponSpec   `json:"spec"`
	Status             CouponStatus `json:"status"`
	CurrentUsage       uint64       `json:"current_usage"`
	ReservedUses       uint64       `json:"reserved_uses"`
	CreatedAt          int64        `json:"created_at"`
	UpdatedAt          int64        `json:"updated_at"`
	CreatedBy          string       `json:"created_by"`
	FraudAttempts      uint64       `json:"fraud_attempts"`
	BlockedRedemptions uint64       `json:"blocked_redemptions"`
}

// CouponRef names a coupon by id or by code (a tagged union): set one.
type CouponRef struct {
	ID   uint64
	Code string
	// ByCode selects the code variant (so that an empty code can be sent).
	ByCode bool
}

// CouponByID and CouponByCode make a CouponRef.
func CouponByID(id uint64) CouponRef     { return CouponRef{ID: id} }
func CouponByCode(code string) CouponRef { return CouponRef{Code: code, ByCode: true} }
func (c CouponRef) marshalWire(w *writer) {
	if c.ByCode {
		w.u8(2)
		w.str(c.Code)
		return
	}
	w.u8(1)
	w.u64(c.ID)
}

func (c *CouponRef) unmarshalWire(r *reader) (err error) {
	tag, err := r.u8("coupon_ref")
	if err != nil {
		return err
	}
	*c = CouponRef{}
	switch tag {
	case 1:
		c.ID, err = r.u64("id")
	case 2:
		c.ByCode = true
		c.Code, err = r.str("code")
	default:
		err = &DecodeError{"coupon_ref", "unknown tag " + itoa(uint64(tag))}
	}
	return err
}
