package couponsd

// Order is what a coupon is validated or redeemed against. Amounts are minor
// units of Currency.
type Order struct {
	CustomerID         string     `json:"customer_id"`
	Amount             int64      `json:"amount"`
	Currency           string     `json:"currency"`
	Channel            string     `json:"channel"`
	ShippingAmount     int64      `json:"shipping_amount"`
	CustomerEmail      string     `json:"customer_email"`
	CustomerSegments   []string   `json:"customer_segments"`
	Items              []LineItem `json:"items"`
	IPAddress          string     `json:"ip_address"`
	UserAgent          string     `json:"user_agent"`
	DeviceFingerprint  string     `json:"device_fingerprint"`
	EmailVerified      bool       `json:"email_verified"`
	PaymentFingerprint string     `json:"payment_fingerprint"`
	ProviderRiskScore  *uint32    `json:"provider_risk_score"` // ppm
}

// LineItem is one line of an order.
type LineItem struct {
	ProductID string   `json:"product_id"`
	SKU       string   `json:"sku"`
	Category  string   `json:"category"`
	Brand     string   `json:"brand"`
	Tags      []string `json:"tags"`
	UnitPrice int64    `json:"unit_price"`
	Quantity  uint32   `json:"quantity"`
}

// RedemptionRef names a redemption by id, or by the (coupon code, order id)
// pair that makes redemption operations idempotent.
type RedemptionRef struct {
	ID      uint64
	Code    string
	OrderID string
	// ByOrder selects the (code, order id) variant.
	ByOrder bool
}

// RedemptionByID and RedemptionByOrder make a RedemptionRef.
func RedemptionByID(id uint64) RedemptionRef { return RedemptionRef{ID: id} }
func RedemptionByOrder(code, orderID string) RedemptionRef {
	return RedemptionRef{Code: code, OrderID: orderID, ByOrder: true}
}

func (r RedemptionRef) marshalWire(w *writer) {
	if r.ByOrder {
		w.u8(2)
		w.str(r.Code)
		w.str(r.OrderID)
		return
	}
	w.u8(1)
	w.u64(r.ID)
}

func (x *RedemptionRef) unmarshalWire(r *reader) (err error) {
	tag, err := r.u8("redemption_ref")
	if err != nil {
		return err
	}
	*x = RedemptionRef{}
	switch tag {
	case 1:
		x.ID, err = r.u64("id")
	case 2:
		x.ByOrder = true
		if x.Code, err = r.str("code"); err == nil {
			x.OrderID, err = r.str("order_id")
		}
	default:
		err = &DecodeError{"redemption_ref", "unknown tag " + itoa(uint64(tag))}
	}
	return err
}

// Redemption is one use (or hold, or refused attempt) of a coupon.
type Redemption struct {
	ID             uint64             `json:"id"`
	CouponID       uint64             `json:"coupon_id"`
	Code           string             `json:"code"`
	CustomerID     string             `json:"customer_id"`
	OrderID        string             `json:"order_id"`
	TransactionID  string             `json:"transaction_id"`
	Status         RedemptionStatus   `json:"status"`
	OriginalAmount int64              `json:"original_amount"`
	DiscountAmount int64              `json:"discount_amount"`
	FinalAmount    int64              `json:"final_amount"`
	Currency       string             `json:"currency"`
	Channel        string             `json:"channel"`
	CreatedAt      int64              `json:"created_at"`
	UpdatedAt      int64              `json:"updated_at"`
	HoldExpiresAt  *int64             `json:"hold_expires_at"`
	ReverseReason  string             `json:"reverse_reason"`
	Security       SecurityAssessment `json:"security"`
	// FraudOutcome 0: not told.
	FraudOutcome FraudLabel       `json:"fraud_outcome" wire:"zero"`
	Identifiers  OrderIdentifiers `json:"identifiers"`
	Counted      uint8            `json:"counted"`
}

// RedemptionReply answers REDEEM, RESERVE, CONFIRM, RELEASE, REVERSE and
// REDEMPTION_GET.
type RedemptionReply struct {
	Redemption Redemption `json:"redemption"`
	// RemainingUses is nil when the coupon has no usage limit.
	RemainingUses *uint64 `json:"remaining_uses"`
	// Replayed: the request was a retry that changed nothing.
	Replayed bool `json:"replayed"`
}

// Validation answers VALIDATE.
type Validation struct {
	Valid bool `json:"valid"`
	// Reason is the error code a REDEEM would get; 0 when valid.
	Reason   ErrorCode `json:"reason"`
	Message  string    `json:"message"`
	CouponID uint64    `json:"coupon_id"`
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	// DiscountType is 0 when no coupon has the code (lenient).
	DiscountType       DiscountType       `json:"discount_type" wire:"lenient"`
	DiscountValue      int64              `json:"discount_value"`
	MaxDiscountAmount  *int64             `json:"max_discount_amount"`
	ApplicableAmount   int64              `json:"applicable_amount"`
	DiscountAmount     int64              `json:"discount_amount"`
	FinalAmount        int64              `json:"final_amount"`
	Currency           string             `json:"currency"`
	RemainingUses      *uint64            `json:"remaining_uses"`
	CustomerUsageCount uint32             `json:"customer_usage_count"`
	ExpiresAt          *int64             `json:"expires_at"`
	SecurityAssessment SecurityAssessment `json:"security_assessment" wire:"tail"`
}

// SecurityCheck is one fraud detector's finding.
type SecurityCheck struct {
	Name            string `json:"name"`
	Passed          bool   `json:"passed"`
	StrengthPPM     uint32 `json:"strength_ppm"`
	ContributionPPM int64  `json:"contribution_ppm"`
}

// SecurityAssessment is a request's fraud score and the checks behind it.
type SecurityAssessment struct {
	FraudScorePPM uint32 `json:"fraud_score_ppm"`
	// RiskLevel 0: not assessed.
	RiskLevel RiskLevel       `json:"risk_level" wire:"zero"`
	Flagged   bool            `json:"flagged"`
	Checks    []SecurityCheck `json:"checks"`
}

// OrderIdentifiers are the identifiers of a redemption's order, as sent.
type OrderIdentifiers struct {
	CustomerEmail      string `json:"customer_email"`
	IPAddress          string `json:"ip_address"`
	DeviceFingerprint  string `json:"device_fingerprint"`
	PaymentFingerprint string `json:"payment_fingerprint"`
}

// Reversal is one refund (full or partial) of a redemption.
type Reversal struct {
	ID               uint64 `json:"id"`
	RedemptionID     uint64 `json:"redemption_id"`
	RefundAmount     int64  `json:"refund_amount"`
	DiscountReturned int64  `json:"discount_returned"`
	Full             bool   `json:"full"`
	RefundID         string `json:"refund_id"`
	Reason           string `json:"reason"`
	CreatedAt        int64  `json:"created_at"`
}
