package couponsd

import "context"

// Ping returns the answering node's wall clock (unix ms).
func (c *Client) Ping(ctx context.Context) (int64, error) {
	r, err := call[Pong](ctx, c, PingRequest{})
	if err != nil {
		return 0, err
	}
	return r.ServerTimeMS, nil
}

// ServerInfo describes the answering node.
func (c *Client) ServerInfo(ctx context.Context) (*ServerInfo, error) {
	return call[ServerInfo](ctx, c, ServerInfoRequest{})
}

// CreateCoupon creates a coupon. It is never retried after an unknown
// outcome: a repeat would be ALREADY_EXISTS.
func (c *Client) CreateCoupon(ctx context.Context, spec CouponSpec) (*Coupon, error) {
	return call[Coupon](ctx, c, CouponCreateRequest{CouponSpec: spec})
}

// GetCoupon reads a coupon by id or code.
func (c *Client) GetCoupon(ctx context.Context, ref CouponRef) (*Coupon, error) {
	return call[Coupon](ctx, c, CouponGetRequest{CouponRef: ref})
}

// UpdateCoupon replaces a coupon's spec; expectedRevision 0 updates whatever
// the revision is, otherwise it must match (else CONFLICT).
func (c *Client) UpdateCoupon(ctx context.Context, id, expectedRevision uint64, spec CouponSpec) (*Coupon, error) {
	return call[Coupon](ctx, c, CouponUpdateRequest{ID: id, ExpectedRevision: expectedRevision, Spec: spec})
}

// DeleteCoupon deletes a coupon.
func (c *Client) DeleteCoupon(ctx context.Context, id uint64) error {
	_, err := call[Empty](ctx, c, CouponDeleteRequest{ID: id})
	return err
}

// ListCoupons returns a page of coupons after afterID (0: the first page).
func (c *Client) ListCoupons(ctx context.Context, afterID uint64, limit uint16) (*CouponPage, error) {
	return call[CouponPage](ctx, c, CouponListRequest{AfterID: afterID, Limit: limit})
}

// Validate says whether code applies to order now, and the discount.
func (c *Client) Validate(ctx context.Context, code string, order Order) (*Validation, error) {
	return call[Validation](ctx, c, ValidateRequest{Code: code, Order: order})
}

// Redeem takes one use for an order at once. Idempotent per (code, order
// id): a retry is answered with the first redemption, Replayed true.
func (c *Client) Redeem(ctx context.Context, req RedeemRequest) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, req)
}

// Reserve holds one use for an order (PENDING) until CONFIRM, RELEASE or
// its TTL.
func (c *Client) Reserve(ctx context.Context, req ReserveRequest) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, req)
}

// Confirm captures a hold.
func (c *Client) Confirm(ctx context.Context, ref RedemptionRef) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, ConfirmRequest{RedemptionRef: ref})
}

// Release gives a hold back.
func (c *Client) Release(ctx context.Context, ref RedemptionRef) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, ReleaseRequest{RedemptionRef: ref})
}

// Reverse refunds the whole of a redemption (cancel). A repeat is
// ALREADY_REVERSED, so it is not retried after an unknown outcome.
func (c *Client) Reverse(ctx context.Context, ref RedemptionRef, reason string) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, ReverseRequest{Redemption: ref, Reason: reason})
}

// Refund refunds amount (minor units; nil: the rest) of a redemption under
// the payment system's refundID, which makes a repeat safe.
func (c *Client) Refund(ctx context.Context, ref RedemptionRef, reason string, amount *int64, refundID string) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, ReverseRequest{Redemption: ref, Reason: reason, RefundAmount: amount, RefundID: refundID})
}

// GetRedemption reads a redemption.
func (c *Client) GetRedemption(ctx context.Context, ref RedemptionRef) (*RedemptionReply, error) {
	return call[RedemptionReply](ctx, c, RedemptionGetRequest{RedemptionRef: ref})
}

// ListRedemptions returns a page of a coupon's redemptions (couponID 0: all).
func (c *Client) ListRedemptions(ctx context.Context, couponID, afterID uint64, limit uint16) (*RedemptionPage, error) {
	return call[RedemptionPage](ctx, c, RedemptionListRequest{CouponID: couponID, AfterID: afterID, Limit: limit})
}

// ListReversals returns every reversal of a redemption.
func (c *Client) ListReversals(ctx context.Context, ref RedemptionRef) ([]Reversal, error) {
	r, err := call[ReversalList](ctx, c, ReversalListRequest{RedemptionRef: ref})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// OrderValidate judges several codes on one order together (a read).
func (c *Client) OrderValidate(ctx context.Context, req OrderValidateRequest) (*OrderValidation, error) {
	return call[OrderValidation](ctx, c, req)
}

// OrderRedeem redeems several codes on one order as one decision.
func (c *Client) OrderRedeem(ctx context.Context, req OrderRedeemRequest) (*OrderRedemption, error) {
	return call[OrderRedemption](ctx, c, req)
}

// OrderReserve holds several codes on one order as one decision.
func (c *Client) OrderReserve(ctx context.Context, req OrderReserveRequest) (*OrderRedemption, error) {
	return call[OrderRedemption](ctx, c, req)
}

// OrderConfirm captures every hold of an order's set.
func (c *Client) OrderConfirm(ctx context.Context, orderID, transactionID string) (*OrderRedemption, error) {
	return call[OrderRedemption](ctx, c, OrderConfirmRequest{OrderID: orderID, TransactionID: transactionID})
}

// OrderRelease gives back every hold of an order's set.
func (c *Client) OrderRelease(ctx context.Context, orderID string) (*OrderRedemption, error) {
	return call[OrderRedemption](ctx, c, OrderReleaseRequest{OrderID: orderID})
}

// OrderReverse reverses every captured use of an order's set in full.
func (c *Client) OrderReverse(ctx context.Context, orderID, reason string) (*OrderRedemption, error) {
	return call[OrderRedemption](ctx, c, OrderReverseRequest{OrderID: orderID, Reason: reason})
}

// Qualify lists the coupons that apply to a cart and the best combination.
func (c *Client) Qualify(ctx context.Context, limit uint16, order Order) (*Qualification, error) {
	return call[Qualification](ctx, c, QualifyRequest{Limit: limit, Order: order})
}

// Events reads events from a cursor.
func (c *Client) Events(ctx context.Context, req EventsSubscribeRequest) (*EventBatch, error) {
	return call[EventBatch](ctx, c, req)
}

// WebhookAdd adds a webhook endpoint; the reply carries its secret, once.
func (c *Client) WebhookAdd(ctx context.Context, url string, types uint64, description string) (*WebhookAdded, error) {
	return call[WebhookAdded](ctx, c, WebhookAddRequest{URL: url, Types: types, Description: description})
}

// WebhookList lists every webhook endpoint (never a secret).
func (c *Client) WebhookList(ctx context.Context) ([]Webhook, error) {
	r, err := call[WebhookList](ctx, c, WebhookListRequest{})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// WebhookRemove removes a webhook endpoint.
func (c *Client) WebhookRemove(ctx context.Context, id uint64) error {
	_, err := call[Empty](ctx, c, WebhookRemoveRequest{ID: id})
	return err
}

// WebhookEnable enables a disabled endpoint again.
func (c *Client) WebhookEnable(ctx context.Context, id uint64) (*Webhook, error) {
	return call[Webhook](ctx, c, WebhookEnableRequest{ID: id})
}

// WebhookDeliveries lists the last delivery attempts to an endpoint.
func (c *Client) WebhookDeliveries(ctx context.Context, id uint64) ([]DeliveryAttempt, error) {
	r, err := call[DeliveryList](ctx, c, WebhookDeliveriesRequest{ID: id})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// FraudOutcome labels a redemption (fraud or legit); returns the model after.
func (c *Client) FraudOutcome(ctx context.Context, redemptionID uint64, label FraudLabel) (*FraudModel, error) {
	return call[FraudModel](ctx, c, FraudOutcomeRequest{RedemptionID: redemptionID, Label: label})
}

// FraudModel returns the fraud score's model.
func (c *Client) FraudModel(ctx context.Context) (*FraudModel, error) {
	return call[FraudModel](ctx, c, FraudModelRequest{})
}

// FraudReport reports on the redemptions created in [from, to) (unix ms).
func (c *Client) FraudReport(ctx context.Context, from, to int64) (*FraudReport, error) {
	return call[FraudReport](ctx, c, FraudReportRequest{From: from, To: to})
}

// AnalyticsCoupon returns a coupon's analytics.
func (c *Client) AnalyticsCoupon(ctx context.Context, ref CouponRef) (*CouponAnalytics, error) {
	return call[CouponAnalytics](ctx, c, AnalyticsCouponRequest{CouponRef: ref})
}

// AnalyticsCampaign returns a campaign's analytics.
func (c *Client) AnalyticsCampaign(ctx context.Context, id uint64) (*CampaignAnalytics, error) {
	return call[CampaignAnalytics](ctx, c, AnalyticsCampaignRequest{ID: id})
}

// AnalyticsOverview returns the whole store's analytics.
func (c *Client) AnalyticsOverview(ctx context.Context) (*AnalyticsOverview, error) {
	return call[AnalyticsOverview](ctx, c, AnalyticsOverviewRequest{})
}

// Digest returns the answering node's digest of everything it stores.
func (c *Client) Digest(ctx context.Context) (*Digest, error) {
	return call[Digest](ctx, c, DigestRequest{})
}

// ClusterStatus returns the answering node's view of its cluster.
func (c *Client) ClusterStatus(ctx context.Context) (*ClusterStatus, error) {
	return call[ClusterStatus](ctx, c, ClusterStatusRequest{})
}

// ClusterAdd adds a node (a learner, then a voter if voter).
func (c *Client) ClusterAdd(ctx context.Context, nodeID uint64, addr string, voter bool) (*ClusterStatus, error) {
	return call[ClusterStatus](ctx, c, ClusterAddRequest{NodeID: nodeID, Addr: addr, Voter: voter})
}

// ClusterRemove removes a node from the cluster.
func (c *Client) ClusterRemove(ctx context.Context, nodeID uint64) (*ClusterStatus, error) {
	return call[ClusterStatus](ctx, c, ClusterRemoveRequest{NodeID: nodeID})
}

// Raft sends a node-to-node message (opcode 0x0040 to 0x0044, or 0x0048)
// as it is and returns the reply body unread. Clients have no use for it.
func (c *Client) Raft(ctx context.Context, opcode uint16, body []byte) ([]byte, error) {
	r, err := call[RaftReply](ctx, c, RaftRequest{Op: opcode, Body: body})
	if err != nil {
		return nil, err
	}
	return r.Body, nil
}

// CreateCampaign creates a campaign.
func (c *Client) CreateCampaign(ctx context.Context, spec CampaignSpec) (*Campaign, error) {
	return call[Campaign](ctx, c, CampaignCreateRequest{CampaignSpec: spec})
}

// GetCampaign reads a campaign.
func (c *Client) GetCampaign(ctx context.Context, id uint64) (*Campaign, error) {
	return call[Campaign](ctx, c, CampaignGetRequest{ID: id})
}

// UpdateCampaign replaces a campaign's spec (expectedRevision as for coupons).
func (c *Client) UpdateCampaign(ctx context.Context, id, expectedRevision uint64, spec CampaignSpec) (*Campaign, error) {
	return call[Campaign](ctx, c, CampaignUpdateRequest{ID: id, ExpectedRevision: expectedRevision, Spec: spec})
}

// SetCampaignStatus moves a campaign through its lifecycle.
func (c *Client) SetCampaignStatus(ctx context.Context, id uint64, status CampaignStatus) (*Campaign, error) {
	return call[Campaign](ctx, c, CampaignSetStatusRequest{ID: id, Status: status})
}

// DeleteCampaign deletes a DRAFT campaign without codes.
func (c *Client) DeleteCampaign(ctx context.Context, id uint64) error {
	_, err := call[Empty](ctx, c, CampaignDeleteRequest{ID: id})
	return err
}

// GenerateCodes asks for count more codes, generated in the background.
// Pass the campaign's revision as expectedRevision to make a retry safe.
func (c *Client) GenerateCodes(ctx context.Context, id, count, expectedRevision uint64) (*Campaign, error) {
	return call[Campaign](ctx, c, CampaignGenerateRequest{ID: id, Count: count, ExpectedRevision: expectedRevision})
}

// ListCampaigns returns a page of campaigns.
func (c *Client) ListCampaigns(ctx context.Context, afterID uint64, limit uint16) (*CampaignPage, error) {
	return call[CampaignPage](ctx, c, CampaignListRequest{AfterID: afterID, Limit: limit})
}

// ListCampaignCodes returns a page of a campaign's generated codes.
func (c *Client) ListCampaignCodes(ctx context.Context, id, afterCouponID uint64, limit uint16) (*CodePage, error) {
	return call[CodePage](ctx, c, CampaignCodesRequest{ID: id, AfterCouponID: afterCouponID, Limit: limit})
}

// AssignCodes binds a code of the campaign to each customer.
func (c *Client) AssignCodes(ctx context.Context, id uint64, customerIDs []string) ([]AssignedCode, error) {
	r, err := call[AssignedCodes](ctx, c, CampaignAssignRequest{ID: id, CustomerIDs: customerIDs})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// Distribute queues a code of the campaign for each recipient.
func (c *Client) Distribute(ctx context.Context, campaignID uint64, recipients []Recipient) ([]DistributionEntry, error) {
	r, err := call[DistributionEntries](ctx, c, CampaignDistributeRequest{CampaignID: campaignID, Recipients: recipients})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}

// DistributionStatus returns a campaign's outbox counts and a page of it.
func (c *Client) DistributionStatus(ctx context.Context, campaignID, afterSeq uint64, limit uint16) (*DistributionStatus, error) {
	return call[DistributionStatus](ctx, c, DistributionStatusRequest{CampaignID: campaignID, AfterSeq: afterSeq, Limit: limit})
}

// ReportDelivery reports what became of a sent code (BOUNCED).
func (c *Client) ReportDelivery(ctx context.Context, campaignID uint64, customerID string, status DeliveryStatus, reason string) ([]DistributionEntry, error) {
	r, err := call[DistributionEntries](ctx, c, DistributionReportRequest{CampaignID: campaignID, CustomerID: customerID, Status: status, Reason: reason})
	if err != nil {
		return nil, err
	}
	return r.Value, nil
}
