package couponsd

// Request is one request body. Every *Request type of this package
// implements it; Client.Do sends any of them.
type Request interface {
	// Opcode is the request's opcode (protocol.md section 9).
	Opcode() uint16
	// Idempotent reports whether sending it twice has the effect of sending it
	// once, so that it may be repeated when the outcome of the first is
	// unknown (a lost connection, a timeout): reads, and the redemption
	// operations, which are idempotent per (code, order id).
	Idempotent() bool
}

// Magic opens every HELLO; ProtocolVersion is the version this package speaks.
var Magic = [4]byte{'C', 'P', 'N', 'D'}

// ProtocolVersion is the protocol version this package speaks.
const ProtocolVersion uint16 = 1

type read struct{}

func (read) Idempotent() bool { return true }

type change struct{}

func (change) Idempotent() bool { return false }

// HelloRequest opens a connection; Client sends it itself.
type HelloRequest struct {
	change
	Version    uint16 `json:"version"`
	Token      string `json:"token"`
	ClientName string `json:"client_name"`
}

// marshalWire puts the magic first: it is constant, so not a field.
func (h HelloRequest) marshalWire(w *writer) {
	w.raw(Magic[:])
	w.u16(h.Version)
	w.str(h.Token)
	w.str(h.ClientName)
}

// PingRequest is the body of PING.
type PingRequest struct{ read }

// ServerInfoRequest is the body of SERVER_INFO.
type ServerInfoRequest struct{ read }

// DigestRequest is the body of DIGEST.
type DigestRequest struct{ read }

// ClusterStatusRequest is the body of CLUSTER_STATUS.
type ClusterStatusRequest struct{ read }

// FraudModelRequest is the body of FRAUD_MODEL.
type FraudModelRequest struct{ read }

// AnalyticsOverviewRequest is the body of ANALYTICS_OVERVIEW.
type AnalyticsOverviewRequest struct{ read }

// WebhookListRequest is the body of WEBHOOK_LIST.
type WebhookListRequest struct{ read }

// CouponCreateRequest creates a coupon; its body is the spec.
type CouponCreateRequest struct {
	change
	CouponSpec
}

// CouponGetRequest is the body of COUPON_GET.
type CouponGetRequest struct {
	read
	CouponRef
}

// CouponUpdateRequest replaces a coupon's spec; ExpectedRevision 0 updates
// whatever the revision is.
type CouponUpdateRequest struct {
	change
	ID               uint64     `json:"id"`
	ExpectedRevision uint64     `json:"expected_revision"`
	Spec             CouponSpec `json:"spec"`
}

// CouponDeleteRequest is the body of COUPON_DELETE.
type CouponDeleteRequest struct {
	change
	ID uint64 `json:"id"`
}

// CouponListRequest asks for a page of coupons after AfterID (0: the first).
type CouponListRequest struct {
	read
	AfterID uint64 `json:"after_id"`
	Limit   uint16 `json:"limit"`
}

// ValidateRequest is the body of VALIDATE.
type ValidateRequest struct {
	read
	Code  string `json:"code"`
	Order Order  `json:"order"`
}

// RedeemRequest takes one use of a coupon for an order, at once.
type RedeemRequest struct {
	read                 // idempotent per (code, order id)
	Code          string `json:"code"`
	OrderID       string `json:"order_id"`
	TransactionID string `json:"transaction_id"`
	Order         Order  `json:"order"`
}

// ReserveRequest holds one use for TTLMS ms (0: the server's default).
type ReserveRequest struct {
	read           // idempotent per (code, order id)
	Code    string `json:"code"`
	OrderID string `json:"order_id"`
	TTLMS   uint32 `json:"ttl_ms"`
	Order   Order  `json:"order"`
}

// ConfirmRequest is the body of CONFIRM.
type ConfirmRequest struct {
	read // idempotent: a repeat is answered as a replay
	RedemptionRef
}

// ReleaseRequest is the body of RELEASE.
type ReleaseRequest struct {
	read // idempotent: a repeat is answered as a replay
	RedemptionRef
}

// ReverseRequest refunds all (RefundAmount nil) or part of a redemption.
// With a RefundID a repeat is answered with the first reversal, so only
// then is it safe to retry.
type ReverseRequest struct {
	Redemption   RedemptionRef `json:"redemption"`
	Reason       string        `json:"reason"`
	RefundAmount *int64        `json:"refund_amount"`
	RefundID     string        `json:"refund_id"`
}

func (r ReverseRequest) Idempotent() bool { return r.RefundID != "" }

// RedemptionGetRequest is the body of REDEMPTION_GET.
type RedemptionGetRequest struct {
	read
	RedemptionRef
}

// RedemptionListRequest is the body of REDEMPTION_LIST.
type RedemptionListRequest struct {
	read
	CouponID uint64 `json:"coupon_id"`
	AfterID  uint64 `json:"after_id"`
	Limit    uint16 `json:"limit"`
}

// ReversalListRequest is the body of REVERSAL_LIST.
type ReversalListRequest struct {
	read
	RedemptionRef
}

// ClusterAddRequest is the body of CLUSTER_ADD.
type ClusterAddRequest struct {
	change
	NodeID uint64 `json:"node_id"`
	Addr   string `json:"addr"`
	Voter  bool   `json:"voter"`
}

// ClusterRemoveRequest is the body of CLUSTER_REMOVE.
type ClusterRemoveRequest struct {
	change
	NodeID uint64 `json:"node_id"`
}

// RaftRequest is a node-to-node message, its body passed through unread.
type RaftRequest struct {
	change
	Op   uint16
	Body []byte
}

func (r RaftRequest) marshalWire(w *writer) { w.raw(r.Body) }

// CampaignCreateRequest is the body of CAMPAIGN_CREATE.
type CampaignCreateRequest struct {
	change
	CampaignSpec
}

// CampaignGetRequest is the body of CAMPAIGN_GET.
type CampaignGetRequest struct {
	read
	ID uint64 `json:"id"`
}

// CampaignUpdateRequest is the body of CAMPAIGN_UPDATE.
type CampaignUpdateRequest struct {
	change
	ID               uint64       `json:"id"`
	ExpectedRevision uint64       `json:"expected_revision"`
	Spec             CampaignSpec `json:"spec"`
}

// CampaignListRequest is the body of CAMPAIGN_LIST.
type CampaignListRequest struct {
	read
	AfterID uint64 `json:"after_id"`
	Limit   uint16 `json:"limit"`
}

// CampaignSetStatusRequest is the body of CAMPAIGN_SET_STATUS.
type CampaignSetStatusRequest struct {
	change
	ID     uint64         `json:"id"`
	Status CampaignStatus `json:"status"`
}

// CampaignGenerateRequest asks for Count more codes. With ExpectedRevision
// (not 0) a repeat is refused CONFLICT, so only then is it safe to retry.
type CampaignGenerateRequest struct {
	ID               uint64 `json:"id"`
	Count            uint64 `json:"count"`
	ExpectedRevision uint64 `json:"expected_revision"`
}

func (r CampaignGenerateRequest) Idempotent() bool { return r.ExpectedRevision != 0 }

// CampaignCodesRequest is the body of CAMPAIGN_CODES.
type CampaignCodesRequest struct {
	read
	ID            uint64 `json:"id"`
	AfterCouponID uint64 `json:"after_coupon_id"`
	Limit         uint16 `json:"limit"`
}

// CampaignDeleteRequest is the body of CAMPAIGN_DELETE.
type CampaignDeleteRequest struct {
	change
	ID uint64 `json:"id"`
}

// OrderValidateRequest is the body of ORDER_VALIDATE.
type OrderValidateRequest struct {
	read
	Codes []string  `json:"codes"`
	Mode  OrderMode `json:"mode"`
	Order Order     `json:"order"`
}

// OrderRedeemRequest is the body of ORDER_REDEEM.
type OrderRedeemRequest struct {
	read                    // idempotent per order id
	Codes         []string  `json:"codes"`
	Mode          OrderMode `json:"mode"`
	OrderID       string    `json:"order_id"`
	TransactionID string    `json:"transaction_id"`
	Order         Order     `json:"order"`
}

// OrderReserveRequest is the body of ORDER_RESERVE.
type OrderReserveRequest struct {
	read              // idempotent per order id
	Codes   []string  `json:"codes"`
	Mode    OrderMode `json:"mode"`
	OrderID string    `json:"order_id"`
	TTLMS   uint32    `json:"ttl_ms"`
	Order   Order     `json:"order"`
}

// OrderConfirmRequest is the body of ORDER_CONFIRM.
type OrderConfirmRequest struct {
	read
	OrderID       string `json:"order_id"`
	TransactionID string `json:"transaction_id"`
}

// OrderReleaseRequest is the body of ORDER_RELEASE.
type OrderReleaseRequest struct {
	read
	OrderID string `json:"order_id"`
}

// OrderReverseRequest is not idempotent: a repeat is ALREADY_REVERSED.
type OrderReverseRequest struct {
	change
	OrderID string `json:"order_id"`
	Reason  string `json:"reason"`
}

// QualifyRequest is the body of QUALIFY.
type QualifyRequest struct {
	read
	Limit uint16 `json:"limit"`
	Order Order  `json:"order"`
}

// CampaignAssignRequest is the body of CAMPAIGN_ASSIGN.
type CampaignAssignRequest struct {
	read                 // a customer who has a code gets it again
	ID          uint64   `json:"id"`
	CustomerIDs []string `json:"customer_ids"`
}

// FraudOutcomeRequest is the body of FRAUD_OUTCOME.
type FraudOutcomeRequest struct {
	read                    // a repeated label is a replay
	RedemptionID uint64     `json:"redemption_id"`
	Label        FraudLabel `json:"label"`
}

// FraudReportRequest is the body of FRAUD_REPORT.
type FraudReportRequest struct {
	read
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// AnalyticsCouponRequest is the body of ANALYTICS_COUPON.
type AnalyticsCouponRequest struct {
	read
	CouponRef
}

// AnalyticsCampaignRequest is the body of ANALYTICS_CAMPAIGN.
type AnalyticsCampaignRequest struct {
	read
	ID uint64 `json:"id"`
}

// EventsSubscribeRequest is the body of EVENTS_SUBSCRIBE.
type EventsSubscribeRequest struct {
	read
	From       uint64 `json:"from"`
	Types      uint64 `json:"types"`
	CouponID   uint64 `json:"coupon_id"`
	CampaignID uint64 `json:"campaign_id"`
	MaxBatch   uint32 `json:"max_batch"`
}

// WebhookEnableRequest is the body of WEBHOOK_ENABLE.
type WebhookEnableRequest struct {
	read        // enabling an enabled endpoint changes nothing
	ID   uint64 `json:"id"`
}

// WebhookAddRequest is the body of WEBHOOK_ADD.
type WebhookAddRequest struct {
	change
	URL         string `json:"url"`
	Types       uint64 `json:"types"`
	Description string `json:"description"`
}

// WebhookRemoveRequest is the body of WEBHOOK_REMOVE.
type WebhookRemoveRequest struct {
	change
	ID uint64 `json:"id"`
}

// WebhookDeliveriesRequest is the body of WEBHOOK_DELIVERIES.
type WebhookDeliveriesRequest struct {
	read
	ID uint64 `json:"id"`
}

// CampaignDistributeRequest is the body of CAMPAIGN_DISTRIBUTE.
type CampaignDistributeRequest struct {
	read                   // a recipient already queued keeps their entry
	CampaignID uint64      `json:"campaign_id"`
	Recipients []Recipient `json:"recipients"`
}

// DistributionStatusRequest is the body of DISTRIBUTION_STATUS.
type DistributionStatusRequest struct {
	read
	CampaignID uint64 `json:"campaign_id"`
	AfterSeq   uint64 `json:"after_seq"`
	Limit      uint16 `json:"limit"`
}

// DistributionReportRequest is the body of DISTRIBUTION_REPORT.
type DistributionReportRequest struct {
	read                      // a second report of the same status changes nothing
	CampaignID uint64         `json:"campaign_id"`
	CustomerID string         `json:"customer_id"`
	Status     DeliveryStatus `json:"status"`
	Reason     string         `json:"reason"`
}

// The backup is a stream on one connection: none of its steps is retried.
type BackupBeginRequest struct {
	change
	Flags uint8 `json:"flags"`
}

// BackupPartRequest is the body of BACKUP_PART.
type BackupPartRequest struct {
	change
	Seq uint32 `json:"seq"`
}

// BackupEndRequest is the body of BACKUP_END.
type BackupEndRequest struct{ change }

// BackupAbortRequest is the body of BACKUP_ABORT.
type BackupAbortRequest struct{ change }

// BackupDigest is BackupBeginRequest.Flags' bit asking for the digest.
const BackupDigest uint8 = 1
