package couponsd

// FraudModel is the fraud score's model (FRAUD_MODEL, FRAUD_OUTCOME).
type FraudModel struct {
	Outcomes uint64        `json:"outcomes"`
	Bias     int64         `json:"bias"` // ppm of a logit
	Weights  []FraudWeight `json:"weights"`
}

// FraudWeight is one check's weight, ppm of a logit.
type FraudWeight struct {
	Name   string `json:"name"`
	Weight int64  `json:"weight"`
}

// FraudReport is the report over the redemptions created in [From, To).
type FraudReport struct {
	From            int64            `json:"from"`
	To              int64            `json:"to"`
	Attempts        uint64           `json:"attempts"`
	Blocked         uint64           `json:"blocked"`
	Flagged         uint64           `json:"flagged"`
	FraudRate       uint32           `json:"fraud_rate"` // ppm
	Savings         []FraudSavings   `json:"savings"`
	Patterns        []FraudPattern   `json:"patterns"`
	HighRiskCoupons []HighRiskCoupon `json:"high_risk_coupons"`
}

// FraudSavings is the estimated discount not given, in one currency.
type FraudSavings struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
}

// FraudPattern is one check of the score over a report's range.
type FraudPattern struct {
	Name        string `json:"name"`
	Occurrences uint64 `json:"occurrences"`
	Blocked     uint64 `json:"blocked"`
	Description string `json:"description"`
}

// HighRiskCoupon is a coupon among the most blocked in a report's range.
type HighRiskCoupon struct {
	CouponID  uint64 `json:"coupon_id"`
	Code      string `json:"code"`
	Attempts  uint64 `json:"attempts"`
	Blocked   uint64 `json:"blocked"`
	RiskScore uint32 `json:"risk_score"` // ppm
}
