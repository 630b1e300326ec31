package couponsd

// Event is one change (EVENTS_SUBSCRIBE). Fields that do not apply to its
// type are 0 or empty.
type Event struct {
	ID             uint64    `json:"id"`
	EventType      EventType `json:"event_type"`
	Time           int64     `json:"time"`
	CouponID       uint64    `json:"coupon_id"`
	Code           string    `json:"code"`
	CampaignID     uint64    `json:"campaign_id"`
	RedemptionID   uint64    `json:"redemption_id"`
	OrderID        string    `json:"order_id"`
	CustomerID     string    `json:"customer_id"`
	Amount         int64     `json:"amount"`
	DiscountAmount int64     `json:"discount_amount"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"`
	Count          uint64    `json:"count"`
}

// EventBatch answers EVENTS_SUBSCRIBE: events in id order, and the cursor
// of the next request.
type EventBatch struct {
	Events []Event `json:"events"`
	Next   uint64  `json:"next"`
}

// EventTypeBit is an event type's bit in a subscription's or webhook's types.
func EventTypeBit(t EventType) uint64 { return 1 << uint(t) }

// WebhookAdded answers WEBHOOK_ADD: the only time the secret is sent.
type WebhookAdded struct {
	ID     uint64 `json:"id"`
	Secret string `json:"secret"`
}

// Webhook is an endpoint as WEBHOOK_LIST shows it (never its secret).
type Webhook struct {
	ID                  uint64 `json:"id"`
	URL                 string `json:"url"`
	Types               uint64 `json:"types"`
	Description         string `json:"description"`
	CreatedAt           int64  `json:"created_at"`
	Enabled             bool   `json:"enabled"`
	DisabledReason      string `json:"disabled_reason"`
	Position            uint64 `json:"position"`
	ConsecutiveFailures uint32 `json:"consecutive_failures"`
	LastError           string `json:"last_error"`
	BacklogRecords      uint64 `json:"backlog_records"`
}

// DeliveryAttempt is one attempt to deliver an event to a webhook.
type DeliveryAttempt struct {
	At        int64  `json:"at"`
	EventID   uint64 `json:"event_id"`
	Status    uint16 `json:"status"`
	Error     string `json:"error"`
	LatencyMS uint32 `json:"latency_ms"`
}

// Recipient is one recipient of CAMPAIGN_DISTRIBUTE.
type Recipient struct {
	CustomerID string `json:"customer_id"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	Locale     string `json:"locale"`
}

// DistributionEntry is one recipient's entry of a campaign's outbox.
type DistributionEntry struct {
	Seq       uint64         `json:"seq"`
	Recipient Recipient      `json:"recipient"`
	CouponID  uint64         `json:"coupon_id"`
	Code      string         `json:"code"`
	Status    DeliveryStatus `json:"status"`
	Reason    string         `json:"reason"`
	UpdatedAt int64          `json:"updated_at"`
	Created   bool           `json:"created"`
}

// DistributionStatus answers DISTRIBUTION_STATUS.
type DistributionStatus struct {
	CampaignID uint64              `json:"campaign_id"`
	Total      uint64              `json:"total"`
	Queued     uint64              `json:"queued"`
	Sent       uint64              `json:"sent"`
	Failed     uint64              `json:"failed"`
	Bounced    uint64              `json:"bounced"`
	Redeemed   uint64              `json:"redeemed"`
	Entries    []DistributionEntry `json:"entries"`
	NextAfter  uint64              `json:"next_after"`
}
