/**
 * Which opcode carries which body (protocol.md section 9): the request and
 * the OK reply schema of every opcode, and which requests are safe to repeat.
 *
 * @packageDocumentation
 */
import * as E from './enums.js';
import * as S from './structs.js';
import { flagged, list, opt, rest, struct, type FieldType, type Infer, type Input } from './schema.js';

/** Opcode numbers by protocol name. */
export const Opcode = {
  HELLO: 0x0001,
  PING: 0x0002,
  SERVER_INFO: 0x0003,
  COUPON_CREATE: 0x0010,
  COUPON_GET: 0x0011,
  COUPON_UPDATE: 0x0012,
  COUPON_DELETE: 0x0013,
  COUPON_LIST: 0x0014,
  VALIDATE: 0x0020,
  REDEEM: 0x0021,
  RESERVE: 0x0022,
  CONFIRM: 0x0023,
  RELEASE: 0x0024,
  REVERSE: 0x0025,
  REDEMPTION_GET: 0x0026,
  REDEMPTION_LIST: 0x0027,
  REVERSAL_LIST: 0x0028,
  DIGEST: 0x0030,
  RAFT_APPEND: 0x0040,
  RAFT_VOTE: 0x0041,
  RAFT_SNAPSHOT_BEGIN: 0x0042,
  RAFT_SNAPSHOT_PART: 0x0043,
  RAFT_SNAPSHOT_END: 0x0044,
  CLUSTER_STATUS: 0x0045,
  CLUSTER_ADD: 0x0046,
  CLUSTER_REMOVE: 0x0047,
  VIEWS_FORWARD: 0x0048,
  CAMPAIGN_CREATE: 0x0050,
  CAMPAIGN_GET: 0x0051,
  CAMPAIGN_UPDATE: 0x0052,
  CAMPAIGN_LIST: 0x0053,
  CAMPAIGN_SET_STATUS: 0x0054,
  CAMPAIGN_GENERATE: 0x0055,
  CAMPAIGN_CODES: 0x0056,
  CAMPAIGN_DELETE: 0x0057,
  ORDER_VALIDATE: 0x0058,
  ORDER_REDEEM: 0x0059,
  ORDER_RESERVE: 0x005a,
  ORDER_CONFIRM: 0x005b,
  ORDER_RELEASE: 0x005c,
  ORDER_REVERSE: 0x005d,
  QUALIFY: 0x005e,
  CAMPAIGN_ASSIGN: 0x005f,
  FRAUD_OUTCOME: 0x0060,
  FRAUD_MODEL: 0x0061,
  FRAUD_REPORT: 0x0062,
  ANALYTICS_COUPON: 0x0070,
  ANALYTICS_CAMPAIGN: 0x0071,
  ANALYTICS_OVERVIEW: 0x0072,
  EVENTS_SUBSCRIBE: 0x0078,
  WEBHOOK_ENABLE: 0x0079,
  WEBHOOK_ADD: 0x007a,
  WEBHOOK_LIST: 0x007b,
  WEBHOOK_REMOVE: 0x007c,
  WEBHOOK_DELIVERIES: 0x007d,
  CAMPAIGN_DISTRIBUTE: 0x0080,
  DISTRIBUTION_STATUS: 0x0081,
  DISTRIBUTION_REPORT: 0x0082,
  BACKUP_BEGIN: 0x0090,
  BACKUP_PART: 0x0091,
  BACKUP_END: 0x0092,
  BACKUP_ABORT: 0x0093,
} as const;
export type OpcodeName = keyof typeof Opcode;

/** "CPND", the magic at the start of HELLO. */
export const MAGIC = new Uint8Array([0x43, 0x50, 0x4e, 0x44]);
/** The protocol version this library speaks. */
export const PROTOCOL_VERSION = 1;

const empty = struct('Empty', {});
const CouponPage = struct('CouponPage', { coupons: list(S.Coupon), next_after: 'u64' });
/** COUPON_LIST's reply: a page, and the cursor for the next (0: no more). */
export interface CouponPage extends Infer<typeof CouponPage> {}
const RedemptionPage = struct('RedemptionPage', { redemptions: list(S.Redemption), next_after: 'u64' });
/** REDEMPTION_LIST's reply. */
export interface RedemptionPage extends Infer<typeof RedemptionPage> {}
const CampaignPage = struct('CampaignPage', { campaigns: list(S.Campaign), next_after: 'u64' });
/** CAMPAIGN_LIST's reply. */
export interface CampaignPage extends Infer<typeof CampaignPage> {}
const CodePage = struct('CodePage', { codes: list(S.CampaignCode), next_after: 'u64' });
/** CAMPAIGN_CODES's reply. */
export interface CodePage extends Infer<typeof CodePage> {}
const DigestReply = struct('DigestReply', { lsn: 'u64', digest: 'u128', entries: 'u64' });
/** DIGEST's reply: two nodes at the same LSN with the same digest hold the same state. */
export interface DigestReply extends Infer<typeof DigestReply> {}
const byId = struct('ById', { id: 'u64' });
const page = struct('Page', { after_id: 'u64', limit: 'u16' });

/** Request body schema of every opcode. */
export const REQUESTS = {
  HELLO: struct('Hello', { magic: 'magic', version: 'u16', token: 'str', client_name: 'str' }),
  PING: empty,
  SERVER_INFO: empty,
  COUPON_CREATE: S.CouponSpec,
  COUPON_GET: S.CouponRef,
  COUPON_UPDATE: struct('CouponUpdate', { id: 'u64', expected_revision: 'u64', spec: S.CouponSpec }),
  COUPON_DELETE: byId,
  COUPON_LIST: page,
  VALIDATE: struct('Validate', { code: 'str', order: S.Order }),
  REDEEM: struct('Redeem', { code: 'str', order_id: 'str', transaction_id: 'str', order: S.Order }),
  RESERVE: struct('Reserve', { code: 'str', order_id: 'str', ttl_ms: 'u32', order: S.Order }),
  CONFIRM: S.RedemptionRef,
  RELEASE: S.RedemptionRef,
  REVERSE: struct('Reverse', { redemption: S.RedemptionRef, reason: 'str', refund_amount: opt('i64'), refund_id: 'str' }),
  REDEMPTION_GET: S.RedemptionRef,
  REDEMPTION_LIST: struct('RedemptionList', { coupon_id: 'u64', after_id: 'u64', limit: 'u16' }),
  REVERSAL_LIST: S.RedemptionRef,
  DIGEST: empty,
  RAFT_APPEND: rest,
  RAFT_VOTE: rest,
  RAFT_SNAPSHOT_BEGIN: rest,
  RAFT_SNAPSHOT_PART: rest,
  RAFT_SNAPSHOT_END: rest,
  VIEWS_FORWARD: rest,
  CLUSTER_STATUS: empty,
  CLUSTER_ADD: struct('ClusterAdd', { node_id: 'u64', addr: 'str', voter: 'bool' }),
  CLUSTER_REMOVE: struct('ClusterRemove', { node_id: 'u64' }),
  CAMPAIGN_CREATE: S.CampaignSpec,
  CAMPAIGN_GET: byId,
  CAMPAIGN_UPDATE: struct('CampaignUpdate', { id: 'u64', expected_revision: 'u64', spec: S.CampaignSpec }),
  CAMPAIGN_LIST: page,
  CAMPAIGN_SET_STATUS: struct('CampaignSetStatus', { id: 'u64', status: E.CampaignStatus }),
  CAMPAIGN_GENERATE: struct('CampaignGenerate', { id: 'u64', count: 'u64', expected_revision: 'u64' }),
  CAMPAIGN_CODES: struct('CampaignCodes', { id: 'u64', after_coupon_id: 'u64', limit: 'u16' }),
  CAMPAIGN_DELETE: byId,
  ORDER_VALIDATE: struct('OrderValidate', { codes: list('str'), mode: E.OrderMode, order: S.Order }),
  ORDER_REDEEM: struct('OrderRedeem', {
    codes: list('str'), mode: E.OrderMode, order_id: 'str', transaction_id: 'str', order: S.Order,
  }),
  ORDER_RESERVE: struct('OrderReserve', {
    codes: list('str'), mode: E.OrderMode, order_id: 'str', ttl_ms: 'u32', order: S.Order,
  }),
  ORDER_CONFIRM: struct('OrderConfirm', { order_id: 'str', transaction_id: 'str' }),
  ORDER_RELEASE: struct('OrderRelease', { order_id: 'str' }),
  ORDER_REVERSE: struct('OrderReverse', { order_id: 'str', reason: 'str' }),
  QUALIFY: struct('Qualify', { limit: 'u16', order: S.Order }),
  CAMPAIGN_ASSIGN: struct('CampaignAssign', { id: 'u64', customer_ids: list('str') }),
  FRAUD_OUTCOME: struct('FraudOutcome', { redemption_id: 'u64', label: E.FraudLabel }),
  FRAUD_MODEL: empty,
  FRAUD_REPORT: struct('FraudReportRequest', { from: 'i64', to: 'i64' }),
  ANALYTICS_COUPON: S.CouponRef,
  ANALYTICS_CAMPAIGN: byId,
  ANALYTICS_OVERVIEW: empty,
  EVENTS_SUBSCRIBE: struct('EventsSubscribe', {
    from: 'u64', types: 'u64', coupon_id: 'u64', campaign_id: 'u64', max_batch: 'u32',
  }),
  WEBHOOK_ENABLE: byId,
  WEBHOOK_ADD: struct('WebhookAdd', { url: 'str', types: 'u64', description: 'str' }),
  WEBHOOK_LIST: empty,
  WEBHOOK_REMOVE: byId,
  WEBHOOK_DELIVERIES: byId,
  CAMPAIGN_DISTRIBUTE: struct('CampaignDistribute', { campaign_id: 'u64', recipients: list(S.Recipient) }),
  DISTRIBUTION_STATUS: struct('DistributionStatusRequest', { campaign_id: 'u64', after_seq: 'u64', limit: 'u16' }),
  DISTRIBUTION_REPORT: struct('DistributionReport', {
    campaign_id: 'u64', customer_id: 'str', status: E.DeliveryStatus, reason: 'str',
  }),
  BACKUP_BEGIN: struct('BackupBegin', { flags: 'u8' }),
  BACKUP_PART: struct('BackupPart', { seq: 'u32' }),
  BACKUP_END: empty,
  BACKUP_ABORT: empty,
} as const satisfies Record<OpcodeName, FieldType>;

/** OK reply body schema of every opcode. */
export const REPLIES = {
  HELLO: S.HelloReply,
  PING: struct('Pong', { server_time_ms: 'i64' }),
  SERVER_INFO: S.ServerInfo,
  COUPON_CREATE: S.Coupon,
  COUPON_GET: S.Coupon,
  COUPON_UPDATE: S.Coupon,
  COUPON_DELETE: empty,
  COUPON_LIST: CouponPage,
  VALIDATE: S.Validation,
  REDEEM: S.RedemptionReply,
  RESERVE: S.RedemptionReply,
  CONFIRM: S.RedemptionReply,
  RELEASE: S.RedemptionReply,
  REVERSE: S.RedemptionReply,
  REDEMPTION_GET: S.RedemptionReply,
  REDEMPTION_LIST: RedemptionPage,
  REVERSAL_LIST: list(S.Reversal),
  DIGEST: DigestReply,
  RAFT_APPEND: rest,
  RAFT_VOTE: rest,
  RAFT_SNAPSHOT_BEGIN: rest,
  RAFT_SNAPSHOT_PART: rest,
  RAFT_SNAPSHOT_END: rest,
  VIEWS_FORWARD: rest,
  CLUSTER_STATUS: S.ClusterStatus,
  CLUSTER_ADD: S.ClusterStatus,
  CLUSTER_REMOVE: S.ClusterStatus,
  CAMPAIGN_CREATE: S.Campaign,
  CAMPAIGN_GET: S.Campaign,
  CAMPAIGN_UPDATE: S.Campaign,
  CAMPAIGN_LIST: CampaignPage,
  CAMPAIGN_SET_STATUS: S.Campaign,
  CAMPAIGN_GENERATE: S.Campaign,
  CAMPAIGN_CODES: CodePage,
  CAMPAIGN_DELETE: empty,
  ORDER_VALIDATE: S.OrderValidation,
  ORDER_REDEEM: S.OrderRedemption,
  ORDER_RESERVE: S.OrderRedemption,
  ORDER_CONFIRM: S.OrderRedemption,
  ORDER_RELEASE: S.OrderRedemption,
  ORDER_REVERSE: S.OrderRedemption,
  QUALIFY: S.Qualification,
  CAMPAIGN_ASSIGN: list(S.AssignedCode),
  FRAUD_OUTCOME: S.FraudModel,
  FRAUD_MODEL: S.FraudModel,
  FRAUD_REPORT: S.FraudReport,
  ANALYTICS_COUPON: S.CouponAnalytics,
  ANALYTICS_CAMPAIGN: S.CampaignAnalytics,
  ANALYTICS_OVERVIEW: S.AnalyticsOverview,
  EVENTS_SUBSCRIBE: S.EventBatch,
  WEBHOOK_ENABLE: S.Webhook,
  WEBHOOK_ADD: S.WebhookAdded,
  WEBHOOK_LIST: list(S.Webhook),
  WEBHOOK_REMOVE: empty,
  WEBHOOK_DELIVERIES: list(S.DeliveryAttempt),
  CAMPAIGN_DISTRIBUTE: list(S.DistributionEntry),
  DISTRIBUTION_STATUS: S.DistributionStatus,
  DISTRIBUTION_REPORT: list(S.DistributionEntry),
  BACKUP_BEGIN: S.BackupHeader,
  BACKUP_PART: flagged(rest),
  BACKUP_END: S.BackupEnd,
  BACKUP_ABORT: empty,
} as const satisfies Record<OpcodeName, FieldType>;

/** Every request body's type, by opcode name (computed once, not per generic use). */
export type Requests = { [N in OpcodeName]: Infer<(typeof REQUESTS)[N]> };
/** Every request body a caller may build: fields left out take their defaults. */
export type RequestInputs = { [N in OpcodeName]: Input<(typeof REQUESTS)[N]> };
/** Every OK reply body's type, by opcode name. */
export type Replies = { [N in OpcodeName]: Infer<(typeof REPLIES)[N]> };
export type RequestOf<N extends OpcodeName> = Requests[N];
export type ReplyOf<N extends OpcodeName> = Replies[N];

/** Opcode name by number. */
export const OPCODE_NAMES: ReadonlyMap<number, OpcodeName> = new Map(
  Object.entries(Opcode).map(([name, code]) => [code, name as OpcodeName]),
);

/**
 * Whether sending this request twice has the effect of sending it once, so a
 * client may repeat it when it cannot tell whether the first arrived: reads,
 * and the redemption steps, idempotent per (code, order id) (protocol.md
 * section 10). Creates, updates and deletes are not, nor a REVERSE without a
 * refund id, nor a CAMPAIGN_GENERATE without a revision guard.
 */
export function isIdempotent(op: OpcodeName, body: unknown): boolean {
  switch (op) {
    case 'REVERSE':
      return ((body as { refund_id?: string }).refund_id ?? '') !== '';
    case 'CAMPAIGN_GENERATE':
      return BigInt((body as { expected_revision?: bigint }).expected_revision ?? 0n) !== 0n;
    case 'ORDER_REVERSE':
    case 'COUPON_CREATE':
    case 'COUPON_UPDATE':
    case 'COUPON_DELETE':
    case 'CAMPAIGN_CREATE':
    case 'CAMPAIGN_UPDATE':
    case 'CAMPAIGN_SET_STATUS':
    case 'CAMPAIGN_DELETE':
    case 'CLUSTER_ADD':
    case 'CLUSTER_REMOVE':
    case 'WEBHOOK_ADD':
    case 'WEBHOOK_REMOVE':
    case 'RAFT_APPEND':
    case 'RAFT_VOTE':
    case 'RAFT_SNAPSHOT_BEGIN':
    case 'RAFT_SNAPSHOT_PART':
    case 'RAFT_SNAPSHOT_END':
    case 'VIEWS_FORWARD':
    case 'BACKUP_BEGIN':
    case 'BACKUP_PART':
    case 'BACKUP_END':
    case 'BACKUP_ABORT':
      return false;
    default:
      return true;
  }
}
