// The enums of protocol.md section 5 (the names are the protocol names).

package couponsd

// The enums of protocol.md section 5. Each is one byte on the wire; 0 is never
// a valid value (some fields use 0 for "none", as their struct says).

// CouponType: How a coupon may be used.
type CouponType uint8

const (
	CouponTypeSingleUse    CouponType = 1 // SINGLE_USE
	CouponTypeMultiUse     CouponType = 2 // MULTI_USE
	CouponTypeUnlimited    CouponType = 3 // UNLIMITED
	CouponTypeGeneric      CouponType = 4 // GENERIC
	CouponTypePersonalized CouponType = 5 // PERSONALIZED
)

var couponTypeNames = []string{"", "SINGLE_USE", "MULTI_USE", "UNLIMITED", "GENERIC", "PERSONALIZED"}

func (v CouponType) names() []string { return couponTypeNames }

// String is the protocol name, or the number when it is not a known value.
func (v CouponType) String() string { return enumString(couponTypeNames, uint8(v)) }

// DiscountType: What the discount is: PERCENTAGE values are basis points, FIXED values minor units.
type DiscountType uint8

const (
	DiscountTypePercentage   DiscountType = 1 // PERCENTAGE
	DiscountTypeFixed        DiscountType = 2 // FIXED
	DiscountTypeFreeShipping DiscountType = 3 // FREE_SHIPPING
	DiscountTypeBuyXGetY     DiscountType = 4 // BUY_X_GET_Y
	DiscountTypeProduct      DiscountType = 5 // PRODUCT
)

var discountTypeNames = []string{"", "PERCENTAGE", "FIXED", "FREE_SHIPPING", "BUY_X_GET_Y", "PRODUCT"}

func (v DiscountType) names() []string { return discountTypeNames }

// String is the protocol name, or the number when it is not a known value.
func (v DiscountType) String() string { return enumString(discountTypeNames, uint8(v)) }

// AdminStatus: The status an admin sets on a coupon.
type AdminStatus uint8

const (
	AdminStatusActive    AdminStatus = 1 // ACTIVE
	AdminStatusInactive  AdminStatus = 2 // INACTIVE
	AdminStatusSuspended AdminStatus = 3 // SUSPENDED
)

var adminStatusNames = []string{"", "ACTIVE", "INACTIVE", "SUSPENDED"}

func (v AdminStatus) names() []string { return adminStatusNames }

// String is the protocol name, or the number when it is not a known value.
func (v AdminStatus) String() string { return enumString(adminStatusNames, uint8(v)) }

// CouponStatus: A coupon's status at the time of the reply, derived from its admin status, window and usage.
type CouponStatus uint8

const (
	CouponStatusActive    CouponStatus = 1 // ACTIVE
	CouponStatusInactive  CouponStatus = 2 // INACTIVE
	CouponStatusSuspended CouponStatus = 3 // SUSPENDED
	CouponStatusExpired   CouponStatus = 4 // EXPIRED
	CouponStatusExhausted CouponStatus = 5 // EXHAUSTED
)

var couponStatusNames = []string{"", "ACTIVE", "INACTIVE", "SUSPENDED", "EXPIRED", "EXHAUSTED"}

func (v CouponStatus) names() []string { return couponStatusNames }

// String is the protocol name, or the number when it is not a known value.
func (v CouponStatus) String() string { return enumString(couponStatusNames, uint8(v)) }

// DistributionMethod: How codes are handed out (stored, not enforced).
type DistributionMethod uint8

const (
	DistributionMethodManual  DistributionMethod = 1 // MANUAL
	DistributionMethodEmail   DistributionMethod = 2 // EMAIL
	DistributionMethodSms     DistributionMethod = 3 // SMS
	DistributionMethodApp     DistributionMethod = 4 // APP
	DistributionMethodWebsite DistributionMethod = 5 // WEBSITE
	DistributionMethodPartner DistributionMethod = 6 // PARTNER
)

var distributionMethodNames = []string{"", "MANUAL", "EMAIL", "SMS", "APP", "WEBSITE", "PARTNER"}

func (v DistributionMethod) names() []string { return distributionMethodNames }

// String is the protocol name, or the number when it is not a known value.
func (v DistributionMethod) String() string { return enumString(distributionMethodNames, uint8(v)) }

// CriteriaType: Which line item field a product criterion compares.
type CriteriaType uint8

const (
	CriteriaTypeCategory   CriteriaType = 1 // category
	CriteriaTypeBrand      CriteriaType = 2 // brand
	CriteriaTypeSku        CriteriaType = 3 // sku
	CriteriaTypeTag        CriteriaType = 4 // tag
	CriteriaTypePriceRange CriteriaType = 5 // price_range
	CriteriaTypeProductId  CriteriaType = 6 // product_id
)

var criteriaTypeNames = []string{"", "category", "brand", "sku", "tag", "price_range", "product_id"}

func (v CriteriaType) names() []string { return criteriaTypeNames }

// String is the protocol name, or the number when it is not a known value.
func (v CriteriaType) String() string { return enumString(criteriaTypeNames, uint8(v)) }

// CriteriaOperator: How a product criterion compares.
type CriteriaOperator uint8

const (
	CriteriaOperatorIn          CriteriaOperator = 1 // in
	CriteriaOperatorNotIn       CriteriaOperator = 2 // not_in
	CriteriaOperatorEquals      CriteriaOperator = 3 // equals
	CriteriaOperatorGreaterThan CriteriaOperator = 4 // greater_than
	CriteriaOperatorLessThan    CriteriaOperator = 5 // less_than
)

var criteriaOperatorNames = []string{"", "in", "not_in", "equals", "greater_than", "less_than"}

func (v CriteriaOperator) names() []string { return criteriaOperatorNames }

// String is the protocol name, or the number when it is not a known value.
func (v CriteriaOperator) String() string { return enumString(criteriaOperatorNames, uint8(v)) }

// RedemptionStatus: Where a redemption is in its lifecycle.
type RedemptionStatus uint8

const (
	RedemptionStatusPending   RedemptionStatus = 1 // PENDING
	RedemptionStatusProcessed RedemptionStatus = 2 // PROCESSED
	RedemptionStatusReleased  RedemptionStatus = 3 // RELEASED
	RedemptionStatusExpired   RedemptionStatus = 4 // EXPIRED
	RedemptionStatusReversed  RedemptionStatus = 5 // REVERSED
	RedemptionStatusRejected  RedemptionStatus = 6 // REJECTED
)

var redemptionStatusNames = []string{"", "PENDING", "PROCESSED", "RELEASED", "EXPIRED", "REVERSED", "REJECTED"}

func (v RedemptionStatus) names() []string { return redemptionStatusNames }

// String is the protocol name, or the number when it is not a known value.
func (v RedemptionStatus) String() string { return enumString(redemptionStatusNames, uint8(v)) }

// NodeRole: A node's role in its cluster.
type NodeRole uint8

const (
	NodeRoleLeader    NodeRole = 1 // LEADER
	NodeRoleFollower  NodeRole = 2 // FOLLOWER
	NodeRoleCandidate NodeRole = 3 // CANDIDATE
	NodeRoleLearner   NodeRole = 4 // LEARNER
	NodeRoleStopped   NodeRole = 5 // STOPPED
)

var nodeRoleNames = []string{"", "LEADER", "FOLLOWER", "CANDIDATE", "LEARNER", "STOPPED"}

func (v NodeRole) names() []string { return nodeRoleNames }

// String is the protocol name, or the number when it is not a known value.
func (v NodeRole) String() string { return enumString(nodeRoleNames, uint8(v)) }

// SnapshotPart: The kind of a snapshot or backup part.
type SnapshotPart uint8

const (
	SnapshotPartMeta        SnapshotPart = 1 // META
	SnapshotPartCluster     SnapshotPart = 2 // CLUSTER
	SnapshotPartCoupons     SnapshotPart = 3 // COUPONS
	SnapshotPartRedemptions SnapshotPart = 4 // REDEMPTIONS
	SnapshotPartCheckpoint  SnapshotPart = 5 // CHECKPOINT
	SnapshotPartLog         SnapshotPart = 6 // LOG
	SnapshotPartCampaigns   SnapshotPart = 7 // CAMPAIGNS
	SnapshotPartCodes       SnapshotPart = 8 // CODES
	SnapshotPartReversals   SnapshotPart = 9 // REVERSALS
)

var snapshotPartNames = []string{"", "META", "CLUSTER", "COUPONS", "REDEMPTIONS", "CHECKPOINT", "LOG", "CAMPAIGNS", "CODES", "REVERSALS"}

func (v SnapshotPart) names() []string { return snapshotPartNames }

// String is the protocol name, or the number when it is not a known value.
func (v SnapshotPart) String() string { return enumString(snapshotPartNames, uint8(v)) }

// RiskLevel: How risky a request looks, by its fraud score.
type RiskLevel uint8

const (
	RiskLevelLow      RiskLevel = 1 // LOW
	RiskLevelMedium   RiskLevel = 2 // MEDIUM
	RiskLevelHigh     RiskLevel = 3 // HIGH
	RiskLevelCritical RiskLevel = 4 // CRITICAL
)

var riskLevelNames = []string{"", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

func (v RiskLevel) names() []string { return riskLevelNames }

// String is the protocol name, or the number when it is not a known value.
func (v RiskLevel) String() string { return enumString(riskLevelNames, uint8(v)) }

// Identifier: An order identifier a coupon may limit uses or discount by.
type Identifier uint8

const (
	IdentifierEmail   Identifier = 1 // email
	IdentifierDevice  Identifier = 2 // device
	IdentifierIp      Identifier = 3 // ip
	IdentifierPayment Identifier = 4 // payment
)

var identifierNames = []string{"", "email", "device", "ip", "payment"}

func (v Identifier) names() []string { return identifierNames }

// String is the protocol name, or the number when it is not a known value.
func (v Identifier) String() string { return enumString(identifierNames, uint8(v)) }

// FraudLabel: What a redemption turned out to be (FRAUD_OUTCOME).
type FraudLabel uint8

const (
	FraudLabelFraud FraudLabel = 1 // fraud
	FraudLabelLegit FraudLabel = 2 // legit
)

var fraudLabelNames = []string{"", "fraud", "legit"}

func (v FraudLabel) names() []string { return fraudLabelNames }

// String is the protocol name, or the number when it is not a known value.
func (v FraudLabel) String() string { return enumString(fraudLabelNames, uint8(v)) }

// CampaignType: Who a campaign's codes are issued to.
type CampaignType uint8

const (
	CampaignTypeBulk         CampaignType = 1 // BULK
	CampaignTypeTriggered    CampaignType = 2 // TRIGGERED
	CampaignTypePersonalized CampaignType = 3 // PERSONALIZED
	CampaignTypeReferral     CampaignType = 4 // REFERRAL
)

var campaignTypeNames = []string{"", "BULK", "TRIGGERED", "PERSONALIZED", "REFERRAL"}

func (v CampaignType) names() []string { return campaignTypeNames }

// String is the protocol name, or the number when it is not a known value.
func (v CampaignType) String() string { return enumString(campaignTypeNames, uint8(v)) }

// CampaignStatus: A campaign's place in its lifecycle.
type CampaignStatus uint8

const (
	CampaignStatusDraft     CampaignStatus = 1 // DRAFT
	CampaignStatusScheduled CampaignStatus = 2 // SCHEDULED
	CampaignStatusActive    CampaignStatus = 3 // ACTIVE
	CampaignStatusPaused    CampaignStatus = 4 // PAUSED
	CampaignStatusCompleted CampaignStatus = 5 // COMPLETED
	CampaignStatusCancelled CampaignStatus = 6 // CANCELLED
)

var campaignStatusNames = []string{"", "DRAFT", "SCHEDULED", "ACTIVE", "PAUSED", "COMPLETED", "CANCELLED"}

func (v CampaignStatus) names() []string { return campaignStatusNames }

// String is the protocol name, or the number when it is not a known value.
func (v CampaignStatus) String() string { return enumString(campaignStatusNames, uint8(v)) }

// CodeCheck: What a generated code carries so that a mistyped or guessed one is refused without a lookup.
type CodeCheck uint8

const (
	CodeCheckNone           CodeCheck = 1 // NONE
	CodeCheckCheckCharacter CodeCheck = 2 // CHECK_CHARACTER
	CodeCheckMac            CodeCheck = 3 // MAC
)

var codeCheckNames = []string{"", "NONE", "CHECK_CHARACTER", "MAC"}

func (v CodeCheck) names() []string { return codeCheckNames }

// String is the protocol name, or the number when it is not a known value.
func (v CodeCheck) String() string { return enumString(codeCheckNames, uint8(v)) }

// StackClass: What kind of discount a code is, for stacking codes on one order.
type StackClass uint8

const (
	StackClassOrder    StackClass = 1 // ORDER
	StackClassProduct  StackClass = 2 // PRODUCT
	StackClassShipping StackClass = 3 // SHIPPING
)

var stackClassNames = []string{"", "ORDER", "PRODUCT", "SHIPPING"}

func (v StackClass) names() []string { return stackClassNames }

// String is the protocol name, or the number when it is not a known value.
func (v StackClass) String() string { return enumString(stackClassNames, uint8(v)) }

// RefundBelowMinimum: What a partial refund below the coupon's minimum order does.
type RefundBelowMinimum uint8

const (
	RefundBelowMinimumProrate         RefundBelowMinimum = 1 // PRORATE
	RefundBelowMinimumReverseDiscount RefundBelowMinimum = 2 // REVERSE_DISCOUNT
)

var refundBelowMinimumNames = []string{"", "PRORATE", "REVERSE_DISCOUNT"}

func (v RefundBelowMinimum) names() []string { return refundBelowMinimumNames }

// String is the protocol name, or the number when it is not a known value.
func (v RefundBelowMinimum) String() string { return enumString(refundBelowMinimumNames, uint8(v)) }

// OrderMode: What a multi-code order does with a code that does not apply.
type OrderMode uint8

const (
	OrderModeAllOrNothing OrderMode = 1 // ALL_OR_NOTHING
	OrderModeBestEffort   OrderMode = 2 // BEST_EFFORT
)

var orderModeNames = []string{"", "ALL_OR_NOTHING", "BEST_EFFORT"}

func (v OrderMode) names() []string { return orderModeNames }

// String is the protocol name, or the number when it is not a known value.
func (v OrderMode) String() string { return enumString(orderModeNames, uint8(v)) }

// EventType: What changed (EVENTS_SUBSCRIBE, webhooks).
type EventType uint8

const (
	EventTypeCouponCreated          EventType = 1  // coupon.created
	EventTypeCouponUpdated          EventType = 2  // coupon.updated
	EventTypeCouponDeleted          EventType = 3  // coupon.deleted
	EventTypeRedemptionRedeemed     EventType = 4  // redemption.redeemed
	EventTypeRedemptionReserved     EventType = 5  // redemption.reserved
	EventTypeRedemptionConfirmed    EventType = 6  // redemption.confirmed
	EventTypeRedemptionReleased     EventType = 7  // redemption.released
	EventTypeRedemptionHoldExpired  EventType = 8  // redemption.hold_expired
	EventTypeRedemptionReversed     EventType = 9  // redemption.reversed
	EventTypeRedemptionRejected     EventType = 10 // redemption.rejected
	EventTypeCampaignChanged        EventType = 11 // campaign.changed
	EventTypeCampaignCodesGenerated EventType = 12 // campaign.codes_generated
	EventTypeCampaignCodeAssigned   EventType = 13 // campaign.code_assigned
	EventTypeCodeDistributed        EventType = 14 // code.distributed
	EventTypeCodeDeliveryFailed     EventType = 15 // code.delivery_failed
)

var eventTypeNames = []string{"", "coupon.created", "coupon.updated", "coupon.deleted", "redemption.redeemed", "redemption.reserved", "redemption.confirmed", "redemption.released", "redemption.hold_expired", "redemption.reversed", "redemption.rejected", "campaign.changed", "campaign.codes_generated", "campaign.code_assigned", "code.distributed", "code.delivery_failed"}

func (v EventType) names() []string { return eventTypeNames }

// String is the protocol name, or the number when it is not a known value.
func (v EventType) String() string { return enumString(eventTypeNames, uint8(v)) }

// DeliveryStatus: Where one distribution recipient's code stands.
type DeliveryStatus uint8

const (
	DeliveryStatusQueued   DeliveryStatus = 1 // QUEUED
	DeliveryStatusSent     DeliveryStatus = 2 // SENT
	DeliveryStatusFailed   DeliveryStatus = 3 // FAILED
	DeliveryStatusBounced  DeliveryStatus = 4 // BOUNCED
	DeliveryStatusRedeemed DeliveryStatus = 5 // REDEEMED
)

var deliveryStatusNames = []string{"", "QUEUED", "SENT", "FAILED", "BOUNCED", "REDEEMED"}

func (v DeliveryStatus) names() []string { return deliveryStatusNames }

// String is the protocol name, or the number when it is not a known value.
func (v DeliveryStatus) String() string { return enumString(deliveryStatusNames, uint8(v)) }

// wireEnum is implemented by every enum type: its protocol names by value.
type wireEnum interface{ names() []string }

func enumString(names []string, v uint8) string {
	if int(v) < len(names) && v != 0 {
		return names[v]
	}
	return itoa(uint64(v))
}

func enumKnown(names []string, v uint8) bool { return v != 0 && int(v) < len(names) }

// enumValue finds a protocol name (exactly as protocol.md spells it).
func enumValue(names []string, name string) (uint8, bool) {
	for i, n := range names {
		if i != 0 && n == name {
			return uint8(i), true
		}
	}
	return 0, false
}
