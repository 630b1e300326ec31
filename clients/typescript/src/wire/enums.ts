/**
 * The enums of protocol.md section 5, each a u8 on the wire and its protocol
 * name in TypeScript.
 *
 * @packageDocumentation
 */
import { enumType, nullable, type Infer } from './schema.js';

export const CouponType = enumType('CouponType', { SINGLE_USE: 1, MULTI_USE: 2, UNLIMITED: 3, GENERIC: 4, PERSONALIZED: 5 });
export type CouponType = Infer<typeof CouponType>;

export const DiscountType = enumType('DiscountType', { PERCENTAGE: 1, FIXED: 2, FREE_SHIPPING: 3, BUY_X_GET_Y: 4, PRODUCT: 5 });
export type DiscountType = Infer<typeof DiscountType>;

export const AdminStatus = enumType('AdminStatus', { ACTIVE: 1, INACTIVE: 2, SUSPENDED: 3 });
export type AdminStatus = Infer<typeof AdminStatus>;

export const CouponStatus = enumType('CouponStatus', { ACTIVE: 1, INACTIVE: 2, SUSPENDED: 3, EXPIRED: 4, EXHAUSTED: 5 });
export type CouponStatus = Infer<typeof CouponStatus>;

export const DistributionMethod = enumType('DistributionMethod', { MANUAL: 1, EMAIL: 2, SMS: 3, APP: 4, WEBSITE: 5, PARTNER: 6 });
export type DistributionMethod = Infer<typeof DistributionMethod>;

export const CriteriaType = enumType('CriteriaType', { category: 1, brand: 2, sku: 3, tag: 4, price_range: 5, product_id: 6 });
export type CriteriaType = Infer<typeof CriteriaType>;

export const CriteriaOperator = enumType('CriteriaOperator', { in: 1, not_in: 2, equals: 3, greater_than: 4, less_than: 5 });
export type CriteriaOperator = Infer<typeof CriteriaOperator>;

export const RedemptionStatus = enumType('RedemptionStatus', { PENDING: 1, PROCESSED: 2, RELEASED: 3, EXPIRED: 4, REVERSED: 5, REJECTED: 6 });
export type RedemptionStatus = Infer<typeof RedemptionStatus>;

export const NodeRole = enumType('NodeRole', { LEADER: 1, FOLLOWER: 2, CANDIDATE: 3, LEARNER: 4, STOPPED: 5 });
export type NodeRole = Infer<typeof NodeRole>;

export const RiskLevel = enumType('RiskLevel', { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 });
export type RiskLevel = Infer<typeof RiskLevel>;

export const Identifier = enumType('Identifier', { email: 1, device: 2, ip: 3, payment: 4 });
export type Identifier = Infer<typeof Identifier>;

export const FraudLabel = enumType('FraudLabel', { fraud: 1, legit: 2 });
export type FraudLabel = Infer<typeof FraudLabel>;

export const CampaignType = enumType('CampaignType', { BULK: 1, TRIGGERED: 2, PERSONALIZED: 3, REFERRAL: 4 });
export type CampaignType = Infer<typeof CampaignType>;

export const CampaignStatus = enumType('CampaignStatus', { DRAFT: 1, SCHEDULED: 2, ACTIVE: 3, PAUSED: 4, COMPLETED: 5, CANCELLED: 6 });
export type CampaignStatus = Infer<typeof CampaignStatus>;

export const CodeCheck = enumType('CodeCheck', { NONE: 1, CHECK_CHARACTER: 2, MAC: 3 });
export type CodeCheck = Infer<typeof CodeCheck>;

export const StackClass = enumType('StackClass', { ORDER: 1, PRODUCT: 2, SHIPPING: 3 });
export type StackClass = Infer<typeof StackClass>;

export const RefundBelowMinimum = enumType('RefundBelowMinimum', { PRORATE: 1, REVERSE_DISCOUNT: 2 });
export type RefundBelowMinimum = Infer<typeof RefundBelowMinimum>;

export const OrderMode = enumType('OrderMode', { ALL_OR_NOTHING: 1, BEST_EFFORT: 2 });
export type OrderMode = Infer<typeof OrderMode>;

export const EventType = enumType('EventType', {
  'coupon.created': 1,
  'coupon.updated': 2,
  'coupon.deleted': 3,
  'redemption.redeemed': 4,
  'redemption.reserved': 5,
  'redemption.confirmed': 6,
  'redemption.released': 7,
  'redemption.hold_expired': 8,
  'redemption.reversed': 9,
  'redemption.rejected': 10,
  'campaign.changed': 11,
  'campaign.codes_generated': 12,
  'campaign.code_assigned': 13,
  'code.distributed': 14,
  'code.delivery_failed': 15,
});
export type EventType = Infer<typeof EventType>;

export const DeliveryStatus = enumType('DeliveryStatus', { QUEUED: 1, SENT: 2, FAILED: 3, BOUNCED: 4, REDEEMED: 5 });
export type DeliveryStatus = Infer<typeof DeliveryStatus>;

export const SnapshotPart = enumType('SnapshotPart', {
  META: 1, CLUSTER: 2, COUPONS: 3, REDEMPTIONS: 4, CHECKPOINT: 5, LOG: 6, CAMPAIGNS: 7, CODES: 8, REVERSALS: 9,
});
export type SnapshotPart = Infer<typeof SnapshotPart>;

/** Every enum by its protocol.md name (the vectors file lists them so). */
export const ALL_ENUMS = {
  CouponType, DiscountType, AdminStatus, CouponStatus, DistributionMethod, CriteriaType, CriteriaOperator,
  RedemptionStatus, NodeRole, RiskLevel, Identifier, FraudLabel, CampaignType, CampaignStatus, CodeCheck,
  StackClass, RefundBelowMinimum, OrderMode, EventType, DeliveryStatus, SnapshotPart,
} as const;

/** EventType bits for EVENTS_SUBSCRIBE's and WEBHOOK_ADD's `types`: `1 << value` each. */
export function eventTypeBits(types: EventType[]): bigint {
  return types.reduce((bits, t) => bits | (1n << BigInt(EventType.values[t])), 0n);
}

/** `combines_with` bits (CouponSpec field 35). */
export const COMBINES_WITH_ORDER = 1;
export const COMBINES_WITH_PRODUCT = 2;
export const COMBINES_WITH_SHIPPING = 4;
export const COMBINES_WITH_ALL = 7;

// Re-exported so callers can make "none allowed" variants of their own.
export { nullable };
