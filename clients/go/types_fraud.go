package couponsd

// FraudModel is the fraud score's model (FRAUD_MODEL, FRAUD_OUTCOME).
type FraudModel struct {
	Outcomes uint64        `json:"outcomes"`
	BiasPPM  int64         `json:"bias_ppm"` // ppm of a logit
	Weights  []FraudWeight `json:"weights"`
}

// FraudWeight is one check's weight, ppm of a logit (a pair in JSON).
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
	FraudRatePPM    uint32           `json:"fraud_rate_ppm"`
	Savings         []FraudSavings   `json:"savings"`
	Patterns        []FraudPattern   `json:"patterns"`
	HighRiskCoupons []HighRiskCoupon `json:"high_risk_coupons"`
}

// FraudSavings is the estimated discount not given, in one currency (a
// pair in JSON).
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
	CouponID     uint64 `json:"coupon_id"`
	Code         string `json:"code"`
	Attempts     uint64 `json:"attempts"`
	Blocked      uint64 `json:"blocked"`
	RiskScorePPM uint32 `json:"risk_score_ppm"`
}

func (FraudWeight) jsonTuple()  {}
func (FraudSavings) jsonTuple() {}
