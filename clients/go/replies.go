package couponsd

import "reflect"

// Empty is the reply of the requests that answer nothing but OK.
type Empty struct{}

// CouponPage answers COUPON_LIST: a page and the cursor of the next one.
type CouponPage struct {
	Coupons   []Coupon `json:"coupons"`
	NextAfter uint64   `json:"next_after"`
}

// RedemptionPage answers REDEMPTION_LIST.
type RedemptionPage struct {
	Redemptions []Redemption `json:"redemptions"`
	NextAfter   uint64       `json:"next_after"`
}

// CampaignPage answers CAMPAIGN_LIST.
type CampaignPage struct {
	Campaigns []Campaign `json:"campaigns"`
	NextAfter uint64     `json:"next_after"`
}

// CodePage answers CAMPAIGN_CODES.
type CodePage struct {
	Codes     []CampaignCode `json:"codes"`
	NextAfter uint64         `json:"next_after"`
}

// The replies whose body is one list.
type (
	ReversalList struct {
		Value []Reversal `json:"value"`
	}
	AssignedCodes struct {
		Value []AssignedCode `json:"value"`
	}
	WebhookList struct {
		Value []Webhook `json:"value"`
	}
	DeliveryList struct {
		Value []DeliveryAttempt `json:"value"`
	}
	DistributionEntries struct {
		Value []DistributionEntry `json:"value"`
	}
)

// RaftReply is a node-to-node reply body, passed through unread.
type RaftReply struct{ Body []byte }

func (r *RaftReply) unmarshalWire(rd *reader) error {
	r.Body = append([]byte(nil), rd.buf[rd.pos:]...)
	rd.pos = len(rd.buf)
	return nil
}

// replyTypes gives the OK reply body's type of every opcode.
var replyTypes = map[uint16]reflect.Type{
	OpHello:              reflect.TypeOf(HelloReply{}),
	OpPing:               reflect.TypeOf(Pong{}),
	OpServerInfo:         reflect.TypeOf(ServerInfo{}),
	OpCouponCreate:       reflect.TypeOf(Coupon{}),
	OpCouponGet:          reflect.TypeOf(Coupon{}),
	OpCouponUpdate:       reflect.TypeOf(Coupon{}),
	OpCouponDelete:       reflect.TypeOf(Empty{}),
	OpCouponList:         reflect.TypeOf(CouponPage{}),
	OpValidate:           reflect.TypeOf(Validation{}),
	OpRedeem:             reflect.TypeOf(RedemptionReply{}),
	OpReserve:            reflect.TypeOf(RedemptionReply{}),
	OpConfirm:            reflect.TypeOf(RedemptionReply{}),
	OpRelease:            reflect.TypeOf(RedemptionReply{}),
	OpReverse:            reflect.TypeOf(RedemptionReply{}),
	OpRedemptionGet:      reflect.TypeOf(RedemptionReply{}),
	OpRedemptionList:     reflect.TypeOf(RedemptionPage{}),
	OpReversalList:       reflect.TypeOf(ReversalList{}),
	OpDigest:             reflect.TypeOf(Digest{}),
	OpRaftAppend:         reflect.TypeOf(RaftReply{}),
	OpRaftVote:           reflect.TypeOf(RaftReply{}),
	OpRaftSnapshotBegin:  reflect.TypeOf(RaftReply{}),
	OpRaftSnapshotPart:   reflect.TypeOf(RaftReply{}),
	OpRaftSnapshotEnd:    reflect.TypeOf(RaftReply{}),
	OpViewsForward:       reflect.TypeOf(RaftReply{}),
	OpClusterStatus:      reflect.TypeOf(ClusterStatus{}),
	OpClusterAdd:         reflect.TypeOf(ClusterStatus{}),
	OpClusterRemove:      reflect.TypeOf(ClusterStatus{}),
	OpCampaignCreate:     reflect.TypeOf(Campaign{}),
	OpCampaignGet:        reflect.TypeOf(Campaign{}),
	OpCampaignUpdate:     reflect.TypeOf(Campaign{}),
	OpCampaignList:       reflect.TypeOf(CampaignPage{}),
	OpCampaignSetStatus:  reflect.TypeOf(Campaign{}),
	OpCampaignGenerate:   reflect.TypeOf(Campaign{}),
	OpCampaignCodes:      reflect.TypeOf(CodePage{}),
	OpCampaignDelete:     reflect.TypeOf(Empty{}),
	OpOrderValidate:      reflect.TypeOf(OrderValidation{}),
	OpOrderRedeem:        reflect.TypeOf(OrderRedemption{}),
	OpOrderReserve:       reflect.TypeOf(OrderRedemption{}),
	OpOrderConfirm:       reflect.TypeOf(OrderRedemption{}),
	OpOrderRelease:       reflect.TypeOf(OrderRedemption{}),
	OpOrderReverse:       reflect.TypeOf(OrderRedemption{}),
	OpQualify:            reflect.TypeOf(Qualification{}),
	OpCampaignAssign:     reflect.TypeOf(AssignedCodes{}),
	OpFraudOutcome:       reflect.TypeOf(FraudModel{}),
	OpFraudModel:         reflect.TypeOf(FraudModel{}),
	OpFraudReport:        reflect.TypeOf(FraudReport{}),
	OpAnalyticsCoupon:    reflect.TypeOf(CouponAnalytics{}),
	OpAnalyticsCampaign:  reflect.TypeOf(CampaignAnalytics{}),
	OpAnalyticsOverview:  reflect.TypeOf(AnalyticsOverview{}),
	OpEventsSubscribe:    reflect.TypeOf(EventBatch{}),
	OpWebhookEnable:      reflect.TypeOf(Webhook{}),
	OpWebhookAdd:         reflect.TypeOf(WebhookAdded{}),
	OpWebhookList:        reflect.TypeOf(WebhookList{}),
	OpWebhookRemove:      reflect.TypeOf(Empty{}),
	OpWebhookDeliveries:  reflect.TypeOf(DeliveryList{}),
	OpCampaignDistribute: reflect.TypeOf(DistributionEntries{}),
	OpDistributionStatus: reflect.TypeOf(DistributionStatus{}),
	OpDistributionReport: reflect.TypeOf(DistributionEntries{}),
	OpBackupBegin:        reflect.TypeOf(BackupHeader{}),
	OpBackupPart:         reflect.TypeOf(BackupPart{}),
	OpBackupEnd:          reflect.TypeOf(BackupEnd{}),
	OpBackupAbort:        reflect.TypeOf(Empty{}),
}

// DecodeReply decodes the OK reply body of a request with opcode op into a
// new value of its reply type (a pointer: *Coupon, *RedemptionReply, ...).
// Bytes after the last known field are ignored.
func DecodeReply(op uint16, body []byte) (any, error) {
	t, ok := replyTypes[op]
	if !ok {
		return nil, &ProtocolError{"no reply type for opcode " + itoa(uint64(op))}
	}
	v := reflect.New(t)
	if err := decodeBody(body, v.Interface()); err != nil {
		return nil, err
	}
	return v.Interface(), nil
}

// EncodeRequest appends req's body (not the frame) to dst.
func EncodeRequest(dst []byte, req Request) []byte {
	w := writer{buf: dst}
	encodeBody(&w, req)
	return w.buf
}

// EncodeReply appends an OK reply body (as a server sends it) to dst: used
// by tests to check that decoding loses nothing.
func EncodeReply(dst []byte, reply any) []byte {
	w := writer{buf: dst}
	encodeBody(&w, reply)
	return w.buf
}
