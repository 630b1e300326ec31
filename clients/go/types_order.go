package couponsd

// OrderCode is one code's outcome on a multi-code order.
type OrderCode struct {
	Code     string `json:"code"`
	CouponID uint64 `json:"coupon_id"`
	Applied  bool   `json:"applied"`
	// Reason is 0 when applied, else the error code that says why not.
	Reason         ErrorCode `json:"reason"`
	Message        string    `json:"message"`
	DiscountAmount int64     `json:"discount_amount"`
}

// OrderTotals are an order's amounts after its applied codes.
type OrderTotals struct {
	OriginalAmount int64  `json:"original_amount"`
	DiscountAmount int64  `json:"discount_amount"`
	FinalAmount    int64  `json:"final_amount"`
	Currency       string `json:"currency"`
}

// OrderValidation answers ORDER_VALIDATE.
type OrderValidation struct {
	Codes  []OrderCode `json:"codes"`
	Totals OrderTotals `json:"totals"`
}

// OrderRedemption answers ORDER_REDEEM, ORDER_RESERVE, ORDER_CONFIRM,
// ORDER_RELEASE and ORDER_REVERSE.
type OrderRedemption struct {
	Codes       []OrderCode  `json:"codes"`
	Redemptions []Redemption `json:"redemptions"`
	Totals      OrderTotals  `json:"totals"`
	Replayed    bool         `json:"replayed"`
}

// QualifiedCoupon is one coupon that applies to a cart on its own.
type QualifiedCoupon struct {
	Code           string `json:"code"`
	CouponID       uint64 `json:"coupon_id"`
	DiscountAmount int64  `json:"discount_amount"`
	AutoApply      bool   `json:"auto_apply"`
	Assigned       bool   `json:"assigned"`
}

// Qualification answers QUALIFY.
type Qualification struct {
	Coupons             []QualifiedCoupon `json:"coupons"`
	Best                []string          `json:"best"`
	BestTotals          OrderTotals       `json:"best_totals"`
	Truncated           bool              `json:"truncated"`
	CandidatesEvaluated uint32            `json:"candidates_evaluated"`
}
