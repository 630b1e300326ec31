/**
 * The structs of protocol.md section 6, fields in wire order and named as
 * there (snake_case), so a value here is the protocol's JSON shape too.
 *
 * @packageDocumentation
 */
import * as E from './enums.js';
import { appended, choice, list, nullable, opt, struct, tuple, withDefault, type CustomType, type DeepPartial, type Infer } from './schema.js';
import type { Reader, Writer } from './primitives.js';

const strs = list('str');

/** A product criterion; its two enums are lenient: 0 or unknown read as null. */
export const ProductCriteria = struct('ProductCriteria', {
  criteria_type: nullable(E.CriteriaType, true),
  operator: nullable(E.CriteriaOperator, true),
  values: strs,
});
export interface ProductCriteria extends Infer<typeof ProductCriteria> {}

/** Fraud checks a coupon turns on (defaults: the usual values of protocol.md). */
export const SecuritySettings = struct('SecuritySettings', {
  ip_restrictions: strs,
  device_fingerprinting: 'bool',
  velocity_checks: withDefault('bool', true),
  max_redemptions_per_hour: withDefault('u32', 10),
  require_email_verification: 'bool',
  block_suspicious_patterns: withDefault('bool', true),
});
export interface SecuritySettings extends Infer<typeof SecuritySettings> {}

export const IdentifierLimit = struct('IdentifierLimit', {
  identifier: E.Identifier,
  max_uses: opt('u32'),
  max_discount_amount: opt('i64'),
});
export interface IdentifierLimit extends Infer<typeof IdentifierLimit> {}

/** CouponSpec fields 34 to 37: how the code stacks with others on one order. */
export const StackSettings = struct('StackSettings', {
  /** null: from the discount type. */
  class: nullable(E.StackClass),
  /** Bits: 1 ORDER, 2 PRODUCT, 4 SHIPPING. */
  combines_with: withDefault('u8', E.COMBINES_WITH_ALL),
  exclusive: 'bool',
  priority: 'i32',
});
export interface StackSettings extends Infer<typeof StackSettings> {}

/** CouponSpec fields 40 to 43: uses per local period. */
export const PeriodLimits = struct('PeriodLimits', {
  customer_per_day: opt('u32'),
  customer_per_week: opt('u32'),
  customer_per_month: opt('u32'),
  per_day: opt('u32'),
});
export interface PeriodLimits extends Infer<typeof PeriodLimits> {}

/** CouponSpec fields 44 and 45: what a reversal gives back. */
export const ReversalPolicy = struct('ReversalPolicy', {
  returns_use: withDefault('bool', true),
  below_minimum: withDefault(E.RefundBelowMinimum, 'PRORATE'),
});
export interface ReversalPolicy extends Infer<typeof ReversalPolicy> {}

/**
 * Everything an admin sets on a coupon (COUPON_CREATE, COUPON_UPDATE).
 * Leave a field out to send what protocol.md calls "fields a coupon does
 * not use"; `code`, `discount_type` and `discount_value` are required.
 */
export const CouponSpec = struct('CouponSpec', {
  code: 'str',
  name: 'str',
  description: 'str',
  coupon_type: withDefault(E.CouponType, 'MULTI_USE'),
  discount_type: E.DiscountType,
  discount_value: 'i64',
  currency: 'str',
  max_discount_amount: opt('i64'),
  min_order_amount: opt('i64'),
  starts_at: opt('i64'),
  ends_at: opt('i64'),
  time_zone: 'str',
  usage_limit: opt('u64'),
  usage_limit_per_customer: opt('u32'),
  status: withDefault(E.AdminStatus, 'ACTIVE'),
  campaign_id: opt('u64'),
  distribution_method: withDefault(E.DistributionMethod, 'MANUAL'),
  is_public: 'bool',
  applicable_products: list(ProductCriteria),
  excluded_products: list(ProductCriteria),
  customer_segments: strs,
  channel_restrictions: strs,
  allowed_email_domains: strs,
  security: SecuritySettings,
  apply_per_line: 'bool',
  buy_quantity: 'u32',
  get_quantity: 'u32',
  active_days: 'u8',
  active_start_minute: 'u16',
  active_end_minute: 'u16',
  identifier_limits: list(IdentifierLimit),
  review_score: opt('u32'),
  block_score: opt('u32'),
  stacking: StackSettings,
  auto_apply: 'bool',
  assigned_customer_id: 'str',
  period_limits: PeriodLimits,
  reversal: ReversalPolicy,
  referrer_customer_id: 'str',
});
export interface CouponSpec extends Infer<typeof CouponSpec> {}
/** A CouponSpec to send: `code` and `discount_type` required, the rest defaulted. */
export interface CouponSpecInput extends DeepPartial<CouponSpec> {
  code: string;
  discount_type: CouponSpec['discount_type'];
}

/** A stored coupon. */
export const Coupon = struct('Coupon', {
  id: 'u64',
  revision: 'u64',
  spec: CouponSpec,
  status: E.CouponStatus,
  current_usage: 'u64',
  reserved_uses: 'u64',
  created_at: 'i64',
  updated_at: 'i64',
  created_by: 'str',
  fraud_attempts: 'u64',
  blocked_redemptions: 'u64',
});
export interface Coupon extends Infer<typeof Coupon> {}

export const LineItem = struct('LineItem', {
  product_id: 'str',
  sku: 'str',
  category: 'str',
  brand: 'str',
  tags: strs,
  unit_price: 'i64',
  quantity: 'u32',
});
export interface LineItem extends Infer<typeof LineItem> {}

/** The order a coupon is validated or redeemed against. Money in minor units. */
export const Order = struct('Order', {
  customer_id: 'str',
  amount: 'i64',
  currency: 'str',
  channel: 'str',
  shipping_amount: 'i64',
  customer_email: 'str',
  customer_segments: strs,
  items: list(LineItem),
  ip_address: 'str',
  user_agent: 'str',
  device_fingerprint: 'str',
  email_verified: 'bool',
  payment_fingerprint: 'str',
  provider_risk_score: opt('u32'),
});
export interface Order extends Infer<typeof Order> {}
/** An Order to send: fields left out are empty (the server requires currency). */
export interface OrderInput extends DeepPartial<Order> {}

/** A coupon by id or by code: `{ Id: 7n }` or `{ Code: 'SAVE20' }`. */
export const CouponRef = choice('CouponRef', {
  Id: { tag: 1, type: 'u64' },
  Code: { tag: 2, type: 'str' },
});
export type CouponRef = { Id: bigint } | { Code: string };

/** A redemption by id, or by the (code, order id) pair: `{ Order: { code, order_id } }`. */
export const RedemptionRef = choice('RedemptionRef', {
  Id: { tag: 1, type: 'u64' },
  Order: { tag: 2, type: struct('RedemptionRefOrder', { code: 'str', order_id: 'str' }) },
});
export type RedemptionRef = { Id: bigint } | { Order: { code: string; order_id: string } };

export const SecurityCheck = struct('SecurityCheck', {
  name: 'str',
  passed: 'bool',
  strength_ppm: 'u32',
  contribution_ppm: 'i64',
});
export interface SecurityCheck extends Infer<typeof SecurityCheck> {}

export const SecurityAssessment = struct('SecurityAssessment', {
  fraud_score_ppm: 'u32',
  risk_level: nullable(E.RiskLevel),
  flagged: 'bool',
  checks: list(SecurityCheck),
});
export interface SecurityAssessment extends Infer<typeof SecurityAssessment> {}

export const OrderIdentifiers = struct('OrderIdentifiers', {
  customer_email: 'str',
  ip_address: 'str',
  device_fingerprint: 'str',
  payment_fingerprint: 'str',
});
export interface OrderIdentifiers extends Infer<typeof OrderIdentifiers> {}

export const Redemption = struct('Redemption', {
  id: 'u64',
  coupon_id: 'u64',
  code: 'str',
  customer_id: 'str',
  order_id: 'str',
  transaction_id: 'str',
  status: E.RedemptionStatus,
  original_amount: 'i64',
  discount_amount: 'i64',
  final_amount: 'i64',
  currency: 'str',
  channel: 'str',
  created_at: 'i64',
  updated_at: 'i64',
  hold_expires_at: opt('i64'),
  reverse_reason: 'str',
  security: SecurityAssessment,
  fraud_outcome: nullable(E.FraudLabel),
  identifiers: OrderIdentifiers,
  counted: 'u8',
});
export interface Redemption extends Infer<typeof Redemption> {}

export const RedemptionReply = struct('RedemptionReply', {
  redemption: Redemption,
  remaining_uses: opt('u64'),
  replayed: 'bool',
});
export interface RedemptionReply extends Infer<typeof RedemptionReply> {}

const notAssessed: SecurityAssessment = { fraud_score_ppm: 0, risk_level: null, flagged: false, checks: [] };

export const Validation = struct('Validation', {
  valid: 'bool',
  reason: 'u16',
  message: 'str',
  coupon_id: 'u64',
  code: 'str',
  name: 'str',
  discount_type: nullable(E.DiscountType, true),
  discount_value: 'i64',
  max_discount_amount: opt('i64'),
  applicable_amount: 'i64',
  discount_amount: 'i64',
  final_amount: 'i64',
  currency: 'str',
  remaining_uses: opt('u64'),
  customer_usage_count: 'u32',
  expires_at: opt('i64'),
  security_assessment: appended(SecurityAssessment, notAssessed),
});
export interface Validation extends Infer<typeof Validation> {}

export const HelloReply = struct('HelloReply', {
  version: 'u16',
  server_version: 'str',
  role: E.NodeRole,
  max_frame_length: 'u32',
  max_in_flight: 'u32',
});
export interface HelloReply extends Infer<typeof HelloReply> {}

export const ServerInfo = struct('ServerInfo', {
  server_version: 'str',
  role: E.NodeRole,
  term: 'u64',
  lsn: 'u64',
  coupons: 'u64',
  redemptions: 'u64',
  uptime_ms: 'u64',
  connections: 'u32',
  writes_failing_since_ms: appended('i64', 0n),
  storage_error: appended('str', ''),
});
export interface ServerInfo extends Infer<typeof ServerInfo> {}

export const ClusterMember = struct('ClusterMember', {
  node_id: 'u64',
  addr: 'str',
  voter: 'bool',
  matched_index: 'u64',
  lag_entries: 'u64',
  last_contact_ms: 'u64',
});
export interface ClusterMember extends Infer<typeof ClusterMember> {}

export const ClusterStatus = struct('ClusterStatus', {
  node_id: 'u64',
  cluster_id: 'u64',
  role: E.NodeRole,
  term: 'u64',
  leader_id: 'u64',
  leader_addr: 'str',
  last_log_index: 'u64',
  committed_index: 'u64',
  applied_index: 'u64',
  lsn: 'u64',
  snapshot_index: 'u64',
  purged_index: 'u64',
  leader_contact_ms: 'u64',
  members: list(ClusterMember),
});
export interface ClusterStatus extends Infer<typeof ClusterStatus> {}

/** How a campaign's codes are generated (defaults: protocol.md's usual values). */
export const GenerationRules = struct('GenerationRules', {
  code_length: withDefault('u8', 8),
  prefix: 'str',
  suffix: 'str',
  include_letters: withDefault('bool', true),
  include_digits: withDefault('bool', true),
  include_special: 'bool',
  exclude_ambiguous: withDefault('bool', true),
  check: withDefault(E.CodeCheck, 'NONE'),
  mac_length: 'u8',
});
export interface GenerationRules extends Infer<typeof GenerationRules> {}

/** CampaignSpec fields 7 to 10. */
export const DistributionStrategy = struct('DistributionStrategy', {
  method: withDefault(E.DistributionMethod, 'MANUAL'),
  batch_size: withDefault('u32', 1000),
  distribution_rate: withDefault('u32', 100),
  auto_distribute: 'bool',
});
export interface DistributionStrategy extends Infer<typeof DistributionStrategy> {}

/** CampaignSpec fields 11 to 14: the target audience. */
export const TargetAudience = struct('TargetAudience', {
  segments: strs,
  customer_ids: strs,
  include_new_customers: 'bool',
  exclude_recent_users: 'bool',
});
export interface TargetAudience extends Infer<typeof TargetAudience> {}

export const CampaignSpec = struct('CampaignSpec', {
  name: 'str',
  description: 'str',
  campaign_type: withDefault(E.CampaignType, 'BULK'),
  template: CouponSpec,
  validity_days: 'u32',
  rules: GenerationRules,
  distribution: DistributionStrategy,
  audience: TargetAudience,
  budget_limit: opt('i64'),
  coupon_limit: opt('u64'),
  starts_at: opt('i64'),
  ends_at: opt('i64'),
  reward_campaign_id: opt('u64'),
});
export interface CampaignSpec extends Infer<typeof CampaignSpec> {}
/** A CampaignSpec to send: `name` and `template` required, the rest defaulted. */
export interface CampaignSpecInput extends DeepPartial<CampaignSpec> {
  name: string;
  template: CouponSpecInput;
}

export const Campaign = struct('Campaign', {
  id: 'u64',
  revision: 'u64',
  spec: CampaignSpec,
  status: E.CampaignStatus,
  coupons_generated: 'u64',
  generation_target: 'u64',
  budget_used: 'i64',
  redemptions: 'u64',
  created_at: 'i64',
  updated_at: 'i64',
  created_by: 'str',
});
export interface Campaign extends Infer<typeof Campaign> {}

export const CampaignCode = struct('CampaignCode', { coupon_id: 'u64', code: 'str', uses: 'u64' });
export interface CampaignCode extends Infer<typeof CampaignCode> {}

export const AssignedCode = struct('AssignedCode', { customer_id: 'str', code: 'str', coupon_id: 'u64', created: 'bool' });
export interface AssignedCode extends Infer<typeof AssignedCode> {}

export const Reversal = struct('Reversal', {
  id: 'u64',
  redemption_id: 'u64',
  refund_amount: 'i64',
  discount_returned: 'i64',
  full: 'bool',
  refund_id: 'str',
  reason: 'str',
  created_at: 'i64',
});
export interface Reversal extends Infer<typeof Reversal> {}

/** The fraud model: `weights` are (check name, weight ppm of a logit) pairs. */
export const FraudModel = struct('FraudModel', { outcomes: 'u64', bias_ppm: 'i64', weights: list(tuple('str', 'i64')) });
export interface FraudModel extends Infer<typeof FraudModel> {}

export const FraudPattern = struct('FraudPattern', { name: 'str', occurrences: 'u64', blocked: 'u64', description: 'str' });
export const HighRiskCoupon = struct('HighRiskCoupon', {
  coupon_id: 'u64', code: 'str', attempts: 'u64', blocked: 'u64', risk_score_ppm: 'u32',
});
export const FraudReport = struct('FraudReport', {
  from: 'i64',
  to: 'i64',
  attempts: 'u64',
  blocked: 'u64',
  flagged: 'u64',
  fraud_rate_ppm: 'u32',
  /** (currency, amount in minor units) pairs. */
  savings: list(tuple('str', 'i64')),
  patterns: list(FraudPattern),
  high_risk_coupons: list(HighRiskCoupon),
});
export interface FraudReport extends Infer<typeof FraudReport> {}

export const OrderCode = struct('OrderCode', {
  code: 'str', coupon_id: 'u64', applied: 'bool', reason: 'u16', message: 'str', discount_amount: 'i64',
});
export interface OrderCode extends Infer<typeof OrderCode> {}

export const OrderTotals = struct('OrderTotals', {
  original_amount: 'i64', discount_amount: 'i64', final_amount: 'i64', currency: 'str',
});
export interface OrderTotals extends Infer<typeof OrderTotals> {}

export const OrderValidation = struct('OrderValidation', { codes: list(OrderCode), totals: OrderTotals });
export interface OrderValidation extends Infer<typeof OrderValidation> {}

export const OrderRedemption = struct('OrderRedemption', {
  codes: list(OrderCode), redemptions: list(Redemption), totals: OrderTotals, replayed: 'bool',
});
export interface OrderRedemption extends Infer<typeof OrderRedemption> {}

export const QualifiedCoupon = struct('QualifiedCoupon', {
  code: 'str', coupon_id: 'u64', discount_amount: 'i64', auto_apply: 'bool', assigned: 'bool',
});
export const Qualification = struct('Qualification', {
  coupons: list(QualifiedCoupon),
  best: strs,
  best_totals: OrderTotals,
  truncated: 'bool',
  candidates_evaluated: 'u32',
});
export interface Qualification extends Infer<typeof Qualification> {}

export const Event = struct('Event', {
  id: 'u64',
  event_type: E.EventType,
  time: 'i64',
  coupon_id: 'u64',
  code: 'str',
  campaign_id: 'u64',
  redemption_id: 'u64',
  order_id: 'str',
  customer_id: 'str',
  amount: 'i64',
  discount_amount: 'i64',
  currency: 'str',
  status: 'str',
  count: 'u64',
});
export interface Event extends Infer<typeof Event> {}

export const EventBatch = struct('EventBatch', { events: list(Event), next: 'u64' });
export interface EventBatch extends Infer<typeof EventBatch> {}

export const Webhook = struct('Webhook', {
  id: 'u64',
  url: 'str',
  types: 'u64',
  description: 'str',
  created_at: 'i64',
  enabled: 'bool',
  disabled_reason: 'str',
  position: 'u64',
  consecutive_failures: 'u32',
  last_error: 'str',
  backlog_records: 'u64',
});
export interface Webhook extends Infer<typeof Webhook> {}

export const WebhookAdded = struct('WebhookAdded', { id: 'u64', secret: 'str' });
export interface WebhookAdded extends Infer<typeof WebhookAdded> {}

export const DeliveryAttempt = struct('DeliveryAttempt', {
  at: 'i64', event_id: 'u64', status: 'u16', error: 'str', latency_ms: 'u32',
});
export interface DeliveryAttempt extends Infer<typeof DeliveryAttempt> {}

export const Recipient = struct('Recipient', { customer_id: 'str', email: 'str', phone: 'str', locale: 'str' });
export interface Recipient extends Infer<typeof Recipient> {}

export const DistributionEntry = struct('DistributionEntry', {
  seq: 'u64',
  recipient: Recipient,
  coupon_id: 'u64',
  code: 'str',
  status: E.DeliveryStatus,
  reason: 'str',
  updated_at: 'i64',
  created: 'bool',
});
export interface DistributionEntry extends Infer<typeof DistributionEntry> {}

export const DistributionStatus = struct('DistributionStatus', {
  campaign_id: 'u64',
  total: 'u64',
  queued: 'u64',
  sent: 'u64',
  failed: 'u64',
  bounced: 'u64',
  redeemed: 'u64',
  entries: list(DistributionEntry),
  next_after: 'u64',
});
export interface DistributionStatus extends Infer<typeof DistributionStatus> {}

export const AnalyticsTotals = struct('AnalyticsTotals', {
  total_views: 'u64',
  total_redemptions: 'u64',
  total_reversed: 'u64',
  total_revenue: 'i64',
  total_discount: 'i64',
  conversion_rate_ppm: 'u64',
  average_order_value: 'i64',
  roi_basis_points: opt('i64'),
  last_redemption_at: opt('i64'),
});
export interface AnalyticsTotals extends Infer<typeof AnalyticsTotals> {}

export const UsagePoint = struct('UsagePoint', { slot: 'i64', redemptions: 'u64', revenue: 'i64' });
export const ProductUsage = struct('ProductUsage', { product_id: 'str', redemptions: 'u64', revenue: 'i64', overcount: 'u64' });

export const CouponAnalytics = struct('CouponAnalytics', {
  coupon_id: 'u64',
  code: 'str',
  currency: 'str',
  metrics: AnalyticsTotals,
  fraud_attempts: 'u64',
  blocked_redemptions: 'u64',
  last_updated: 'i64',
  usage_timeline: list(UsagePoint),
  hourly_timeline: list(UsagePoint),
  top_products: list(ProductUsage),
});
export interface CouponAnalytics extends Infer<typeof CouponAnalytics> {}

export const CampaignAnalytics = struct('CampaignAnalytics', {
  campaign_id: 'u64',
  currency: 'str',
  metrics: AnalyticsTotals,
  coupons_generated: 'u64',
  coupons_distributed: 'u64',
  coupons_redeemed: 'u64',
  redemption_rate_ppm: 'u64',
  last_updated: 'i64',
  coupons_bounced: appended('u64', 0n),
  coupons_failed: appended('u64', 0n),
});
export interface CampaignAnalytics extends Infer<typeof CampaignAnalytics> {}

export const AnalyticsOverview = struct('AnalyticsOverview', {
  metrics: AnalyticsTotals,
  coupons: 'u64',
  campaigns: 'u64',
  coupons_redeemed: 'u64',
  last_updated: 'i64',
});
export interface AnalyticsOverview extends Infer<typeof AnalyticsOverview> {}

export const BackupHeader = struct('BackupHeader', {
  cluster_id: 'u64', node_id: 'u64', lsn: 'u64', term: 'u64', created_ms: 'i64',
});
export interface BackupHeader extends Infer<typeof BackupHeader> {}

/** BACKUP_END's reply; `digest` (with the LSN it is at) when the backup asked for it. */
export interface BackupEnd {
  parts: number;
  checkpoint_lsn: bigint;
  lsn: bigint;
  digest: { lsn: bigint; digest: bigint; entries: bigint } | null;
}
/** On the wire: parts, checkpoint_lsn, lsn, `digested` bool, then digest (16 bytes) and entries when true. */
export const BackupEnd: CustomType<BackupEnd> = {
  kind: 'custom',
  name: 'BackupEnd',
  encode(v: BackupEnd, w: Writer) {
    w.u32(v.parts);
    w.u64(v.checkpoint_lsn);
    w.u64(v.lsn);
    w.bool(v.digest !== null);
    if (v.digest) {
      w.u128(v.digest.digest);
      w.u64(v.digest.entries);
    }
  },
  decode(r: Reader): BackupEnd {
    const parts = r.u32('parts');
    const checkpoint_lsn = r.u64('checkpoint_lsn');
    const lsn = r.u64('lsn');
    const digest = r.bool('digested') ? { lsn, digest: r.u128('digest'), entries: r.u64('entries') } : null;
    return { parts, checkpoint_lsn, lsn, digest };
  },
  toJson(v: BackupEnd) {
    const d = v.digest;
    return {
      parts: String(v.parts),
      checkpoint_lsn: String(v.checkpoint_lsn),
      lsn: String(v.lsn),
      digest: d ? { lsn: String(d.lsn), digest: String(d.digest), entries: String(d.entries) } : null,
    };
  },
  fromJson(json: unknown): BackupEnd {
    const j = json as Record<string, string> & { digest: Record<string, string> | null };
    return {
      parts: Number(j.parts),
      checkpoint_lsn: BigInt(j.checkpoint_lsn),
      lsn: BigInt(j.lsn),
      digest: j.digest ? { lsn: BigInt(j.digest.lsn!), digest: BigInt(j.digest.digest!), entries: BigInt(j.digest.entries!) } : null,
    };
  },
};

/** The body of every reply whose status is not OK. */
export interface ErrorBody {
  message: string;
  /** With NOT_LEADER: the leader's address, when known. */
  leader: string;
}
