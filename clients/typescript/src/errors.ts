/**
 * What a call can fail with: one class per error code of protocol.md section
 * 16 (each a {@link ServerError}), plus the client-side failures (connection,
 * TLS, timeout, cancellation, protocol violations by the peer).
 *
 * @packageDocumentation
 */

/** Error code numbers by protocol name. */
export const ErrorCode = {
  OK: 0,
  MALFORMED_FRAME: 1,
  UNKNOWN_OPCODE: 2,
  UNSUPPORTED_VERSION: 3,
  FRAME_TOO_LARGE: 4,
  UNAUTHENTICATED: 5,
  PERMISSION_DENIED: 6,
  BUSY: 7,
  INTERNAL: 8,
  SHUTTING_DOWN: 9,
  NOT_LEADER: 10,
  NOT_COMMITTED: 12,
  NO_QUORUM: 13,
  LOG_GAP: 14,
  CORRUPT_DATA: 15,
  WRONG_CLUSTER: 16,
  STORAGE_UNAVAILABLE: 17,
  INVALID_ARGUMENT: 20,
  NOT_FOUND: 21,
  ALREADY_EXISTS: 22,
  CONFLICT: 23,
  INVALID_STATE: 24,
  HOLD_EXPIRED: 25,
  ALREADY_REVERSED: 26,
  RATE_LIMITED: 27,
  NOT_STARTED: 40,
  EXPIRED: 41,
  EXHAUSTED: 42,
  CUSTOMER_LIMIT: 43,
  MIN_ORDER_NOT_MET: 44,
  INACTIVE: 45,
  CURRENCY_MISMATCH: 46,
  NO_ELIGIBLE_ITEMS: 47,
  SEGMENT_NOT_ELIGIBLE: 48,
  CHANNEL_NOT_ALLOWED: 49,
  EMAIL_DOMAIN_NOT_ALLOWED: 50,
  DAY_NOT_ALLOWED: 51,
  OUTSIDE_ACTIVE_HOURS: 52,
  BUY_QUANTITY_NOT_MET: 53,
  CAMPAIGN_INACTIVE: 54,
  BUDGET_EXHAUSTED: 55,
  CODE_CHECK_FAILED: 56,
  IP_NOT_ALLOWED: 57,
  DEVICE_FINGERPRINT_REQUIRED: 58,
  DISPOSABLE_EMAIL: 59,
  VELOCITY_LIMIT: 60,
  EMAIL_NOT_VERIFIED: 61,
  IDENTIFIER_LIMIT: 62,
  FRAUD_SUSPECTED: 63,
  NOT_ASSIGNED: 64,
  PERIOD_LIMIT: 65,
  DUPLICATE_CODE: 70,
  EXCLUSIVE_CODE: 71,
  NOT_COMBINABLE: 72,
  TOO_MANY_CODES: 73,
  NOTHING_LEFT: 74,
  OUTBOX_FULL: 82,
  SELF_REFERRAL: 86,
  TOO_MANY_WEBHOOKS: 80,
  EVENTS_TRUNCATED: 85,
} as const;
export type ErrorCodeName = keyof typeof ErrorCode;

/** Base of every error this library throws. */
export class CouponsdError extends Error {
  override name = 'CouponsdError';
}

/**
 * The server refused or failed the request with a typed status. `code` is the
 * number; `codeName` its protocol name, or `UNKNOWN_<n>` for a status this
 * library does not know (a generic failure, protocol.md section 8).
 */
export class ServerError extends CouponsdError {
  override name = 'ServerError';
  constructor(
    readonly code: number,
    readonly codeName: string,
    /** The server's human-readable message (do not parse it). */
    readonly serverMessage: string,
    /** With NOT_LEADER: the leader's address when the node knows it; else empty. */
    readonly leader: string = '',
  ) {
    super(`${codeName}: ${serverMessage}`);
  }
}

/** MALFORMED_FRAME (1): The frame or its body could not be decoded. A bad frame (length, checksum) or a bad HELLO closes the connection after the reply; a request body that does not decode does not. */
export class MalformedFrameError extends ServerError {
  override name = 'MalformedFrameError';
}
/** UNKNOWN_OPCODE (2): The opcode is not one this server knows. */
export class UnknownOpcodeError extends ServerError {
  override name = 'UnknownOpcodeError';
}
/** UNSUPPORTED_VERSION (3): The HELLO asked for a protocol version this server does not speak, or the magic is wrong. */
export class UnsupportedVersionError extends ServerError {
  override name = 'UnsupportedVersionError';
}
/** FRAME_TOO_LARGE (4): The length prefix is over the maximum; the server closes the connection after replying. */
export class FrameTooLargeError extends ServerError {
  override name = 'FrameTooLargeError';
}
/** UNAUTHENTICATED (5): No HELLO yet, or its token is unknown, or this peer may not connect without one (or, to a server with TLS, in plaintext from beyond loopback). */
export class UnauthenticatedError extends ServerError {
  override name = 'UnauthenticatedError';
}
/** PERMISSION_DENIED (6): The token's role may not use this opcode. */
export class PermissionDeniedError extends ServerError {
  override name = 'PermissionDeniedError';
}
/** BUSY (7): The server is at a limit (too many connections, or the writer queue is full); retry after a short wait. Too many requests in flight on one connection is not an error: the server stops reading until replies drain. */
export class BusyError extends ServerError {
  override name = 'BusyError';
}
/** INTERNAL (8): The server failed (for example a storage error); nothing of the request was applied. */
export class InternalError extends ServerError {
  override name = 'InternalError';
}
/** SHUTTING_DOWN (9): The server is stopping and takes no new requests. */
export class ShuttingDownError extends ServerError {
  override name = 'ShuttingDownError';
}
/** NOT_LEADER (10): This node is not the leader (or no leader is elected yet, or its leader changed while the request was in flight); the error body names the leader when known. Nothing was applied; send the request there. */
export class NotLeaderError extends ServerError {
  override name = 'NotLeaderError';
}
/** NOT_COMMITTED (12): The leader proposed the write, but a majority did not confirm it in time (the leader may have lost its majority): it may still be committed later. Retrying is safe: redemptions are idempotent per order. */
export class NotCommittedError extends ServerError {
  override name = 'NotCommittedError';
}
/** NO_QUORUM (13): The leader cannot get writes committed by a majority of the cluster; nothing of this request was applied. */
export class NoQuorumError extends ServerError {
  override name = 'NoQuorumError';
}
/** LOG_GAP (14): Snapshot parts arrived out of order or incomplete; nothing of the snapshot was installed. */
export class LogGapError extends ServerError {
  override name = 'LogGapError';
}
/** CORRUPT_DATA (15): A log entry, record or snapshot part failed its checksum or did not decode, and was not applied; or a row of the server's store failed its checksum or did not decode, and was not served (the message names its table and key). */
export class CorruptDataError extends ServerError {
  override name = 'CorruptDataError';
}
/** WRONG_CLUSTER (16): The peer belongs to another cluster (its cluster id differs); nothing was applied. */
export class WrongClusterError extends ServerError {
  override name = 'WrongClusterError';
}
/** STORAGE_UNAVAILABLE (17): This node cannot write (or read) its files now (a full disk, an I/O error): nothing of this request was stored or changed. Retry later; SERVER_INFO says why and since when. */
export class StorageUnavailableError extends ServerError {
  override name = 'StorageUnavailableError';
}
/** INVALID_ARGUMENT (20): A field is invalid; the message names it. */
export class InvalidArgumentError extends ServerError {
  override name = 'InvalidArgumentError';
}
/** NOT_FOUND (21): No such coupon, code, redemption or campaign. */
export class NotFoundError extends ServerError {
  override name = 'NotFoundError';
}
/** ALREADY_EXISTS (22): A coupon (or a campaign's generated code) with this code exists. */
export class AlreadyExistsError extends ServerError {
  override name = 'AlreadyExistsError';
}
/** CONFLICT (23): A retry of this order carries different details, a refund id was recorded with another amount, or the coupon's or campaign's revision changed. */
export class ConflictError extends ServerError {
  override name = 'ConflictError';
}
/** INVALID_STATE (24): The redemption, coupon or campaign is not in a state that allows this (for example releasing a captured use, a campaign move its lifecycle does not allow, or changing a campaign's generated code on its own). */
export class InvalidStateError extends ServerError {
  override name = 'InvalidStateError';
}
/** HOLD_EXPIRED (25): The hold reached its TTL and was given back before it was confirmed. */
export class HoldExpiredError extends ServerError {
  override name = 'HoldExpiredError';
}
/** ALREADY_REVERSED (26): The redemption was already reversed. */
export class AlreadyReversedError extends ServerError {
  override name = 'AlreadyReversedError';
}
/** RATE_LIMITED (27): This client tried too many unknown codes; the code was not looked up. The message says which count (connection, ip_address or device_fingerprint) and when to retry. */
export class RateLimitedError extends ServerError {
  override name = 'RateLimitedError';
}
/** NOT_STARTED (40): The coupon's validity window has not started. */
export class NotStartedError extends ServerError {
  override name = 'NotStartedError';
}
/** EXPIRED (41): The coupon's validity window has ended. */
export class ExpiredError extends ServerError {
  override name = 'ExpiredError';
}
/** EXHAUSTED (42): The global usage limit is reached (holds count). */
export class ExhaustedError extends ServerError {
  override name = 'ExhaustedError';
}
/** CUSTOMER_LIMIT (43): This customer reached the per-customer limit (holds count). */
export class CustomerLimitError extends ServerError {
  override name = 'CustomerLimitError';
}
/** MIN_ORDER_NOT_MET (44): The order amount is below the coupon's minimum. */
export class MinOrderNotMetError extends ServerError {
  override name = 'MinOrderNotMetError';
}
/** INACTIVE (45): The coupon is INACTIVE or SUSPENDED. */
export class InactiveError extends ServerError {
  override name = 'InactiveError';
}
/** CURRENCY_MISMATCH (46): The order's currency differs from the coupon's. */
export class CurrencyMismatchError extends ServerError {
  override name = 'CurrencyMismatchError';
}
/** NO_ELIGIBLE_ITEMS (47): No line item of the order is eligible (applicable and not excluded products), or the coupon needs line items and the order has none. */
export class NoEligibleItemsError extends ServerError {
  override name = 'NoEligibleItemsError';
}
/** SEGMENT_NOT_ELIGIBLE (48): The order's customer segments include none of the coupon's. */
export class SegmentNotEligibleError extends ServerError {
  override name = 'SegmentNotEligibleError';
}
/** CHANNEL_NOT_ALLOWED (49): The order's channel is not one of the coupon's channel restrictions. */
export class ChannelNotAllowedError extends ServerError {
  override name = 'ChannelNotAllowedError';
}
/** EMAIL_DOMAIN_NOT_ALLOWED (50): The customer's email domain is not one of the coupon's allowed domains. */
export class EmailDomainNotAllowedError extends ServerError {
  override name = 'EmailDomainNotAllowedError';
}
/** DAY_NOT_ALLOWED (51): The coupon does not apply on this day of the week in its time zone. */
export class DayNotAllowedError extends ServerError {
  override name = 'DayNotAllowedError';
}
/** OUTSIDE_ACTIVE_HOURS (52): The coupon does not apply at this time of day in its time zone. */
export class OutsideActiveHoursError extends ServerError {
  override name = 'OutsideActiveHoursError';
}
/** BUY_QUANTITY_NOT_MET (53): A BUY_X_GET_Y coupon needs at least one complete set of X + Y eligible units. */
export class BuyQuantityNotMetError extends ServerError {
  override name = 'BuyQuantityNotMetError';
}
/** CAMPAIGN_INACTIVE (54): The coupon's campaign is not running: DRAFT, PAUSED, COMPLETED, CANCELLED, or SCHEDULED and not started (or past its end); or it was deleted. */
export class CampaignInactiveError extends ServerError {
  override name = 'CampaignInactiveError';
}
/** BUDGET_EXHAUSTED (55): The campaign's remaining budget cannot cover this discount. */
export class BudgetExhaustedError extends ServerError {
  override name = 'BudgetExhaustedError';
}
/** CODE_CHECK_FAILED (56): No coupon has the code, and it has the shape of a campaign's generated codes but fails their check character or MAC: mistyped or guessed. No stored row was read. */
export class CodeCheckFailedError extends ServerError {
  override name = 'CodeCheckFailedError';
}
/** IP_NOT_ALLOWED (57): The order's ip_address is missing, in a deny range of the coupon's ip_restrictions, or outside every allow range. */
export class IpNotAllowedError extends ServerError {
  override name = 'IpNotAllowedError';
}
/** DEVICE_FINGERPRINT_REQUIRED (58): The coupon has device_fingerprinting and the order has no device_fingerprint. */
export class DeviceFingerprintRequiredError extends ServerError {
  override name = 'DeviceFingerprintRequiredError';
}
/** DISPOSABLE_EMAIL (59): The coupon blocks suspicious patterns and the customer's email is at a disposable email domain. */
export class DisposableEmailError extends ServerError {
  override name = 'DisposableEmailError';
}
/** VELOCITY_LIMIT (60): The coupon has velocity_checks and one of the order's identities (customer_id, normalized customer_email, device_fingerprint or ip_address) already started max_redemptions_per_hour redemptions or holds of it within the hour before the request (released, expired and reversed ones count); the message names which. */
export class VelocityLimitError extends ServerError {
  override name = 'VelocityLimitError';
}
/** EMAIL_NOT_VERIFIED (61): The coupon has require_email_verification and the order has no customer_email or does not say it was verified (email_verified). */
export class EmailNotVerifiedError extends ServerError {
  override name = 'EmailNotVerifiedError';
}
/** IDENTIFIER_LIMIT (62): One of the order's identifiers (email, device, ip or payment) already holds the active uses of the coupon, or would pass the discount, its identifier_limits allow; the message names which. */
export class IdentifierLimitError extends ServerError {
  override name = 'IdentifierLimitError';
}
/** FRAUD_SUSPECTED (63): The request's fraud score is at or above the coupon's block_score; the attempt is kept as a REJECTED redemption. */
export class FraudSuspectedError extends ServerError {
  override name = 'FraudSuspectedError';
}
/** NOT_ASSIGNED (64): The coupon belongs to one customer (assigned_customer_id) and the order's customer_id is another, or empty. A coupon that is not is_public answers this as an unknown code instead. */
export class NotAssignedError extends ServerError {
  override name = 'NotAssignedError';
}
/** PERIOD_LIMIT (65): A limit of uses per period is reached: customer_uses_per_day, _week or _month (this customer's active uses in the local day, ISO week or calendar month, in the coupon's time_zone) or uses_per_day (everyone's); the message names which and when its period ends. */
export class PeriodLimitError extends ServerError {
  override name = 'PeriodLimitError';
}
/** DUPLICATE_CODE (70): The same code (after normalizing) is earlier in the order's codes; it counts once. */
export class DuplicateCodeError extends ServerError {
  override name = 'DuplicateCodeError';
}
/** EXCLUSIVE_CODE (71): An exclusive code of the order applies, and applies alone. */
export class ExclusiveCodeError extends ServerError {
  override name = 'ExclusiveCodeError';
}
/** NOT_COMBINABLE (72): The code does not combine, both ways, with a code applied before it (stacking classes). */
export class NotCombinableError extends ServerError {
  override name = 'NotCombinableError';
}
/** TOO_MANY_CODES (73): The order already has the most codes the server's stacking policy (--stack-max-codes) applies. */
export class TooManyCodesError extends ServerError {
  override name = 'TooManyCodesError';
}
/** NOTHING_LEFT (74): The codes applied before it left nothing of the part of the order it applies to, or it gives nothing on it. */
export class NothingLeftError extends ServerError {
  override name = 'NothingLeftError';
}
/** OUTBOX_FULL (82): The outbox holds the most entries it may (1,000,000 over every campaign, sent ones included), or would with this request's new ones; nothing of the request was queued. */
export class OutboxFullError extends ServerError {
  override name = 'OutboxFullError';
}
/** SELF_REFERRAL (86): The code is a REFERRAL campaign's code and the order's customer_id is its referrer (referrer_customer_id): a referrer cannot use their own referral code. */
export class SelfReferralError extends ServerError {
  override name = 'SelfReferralError';
}
/** TOO_MANY_WEBHOOKS (80): The cluster already holds the most webhook endpoints (16); nothing was added. */
export class TooManyWebhooksError extends ServerError {
  override name = 'TooManyWebhooksError';
}
/** EVENTS_TRUNCATED (85): The cursor is older than the oldest event this node's log still holds (retention cut it, or a snapshot replaced the log); the message names the oldest available id. */
export class EventsTruncatedError extends ServerError {
  override name = 'EventsTruncatedError';
}

/** The class of each known code. */
const CLASSES: ReadonlyMap<number, new (code: number, codeName: string, message: string, leader?: string) => ServerError> = new Map([
  [ErrorCode.MALFORMED_FRAME, MalformedFrameError],
  [ErrorCode.UNKNOWN_OPCODE, UnknownOpcodeError],
  [ErrorCode.UNSUPPORTED_VERSION, UnsupportedVersionError],
  [ErrorCode.FRAME_TOO_LARGE, FrameTooLargeError],
  [ErrorCode.UNAUTHENTICATED, UnauthenticatedError],
  [ErrorCode.PERMISSION_DENIED, PermissionDeniedError],
  [ErrorCode.BUSY, BusyError],
  [ErrorCode.INTERNAL, InternalError],
  [ErrorCode.SHUTTING_DOWN, ShuttingDownError],
  [ErrorCode.NOT_LEADER, NotLeaderError],
  [ErrorCode.NOT_COMMITTED, NotCommittedError],
  [ErrorCode.NO_QUORUM, NoQuorumError],
  [ErrorCode.LOG_GAP, LogGapError],
  [ErrorCode.CORRUPT_DATA, CorruptDataError],
  [ErrorCode.WRONG_CLUSTER, WrongClusterError],
  [ErrorCode.STORAGE_UNAVAILABLE, StorageUnavailableError],
  [ErrorCode.INVALID_ARGUMENT, InvalidArgumentError],
  [ErrorCode.NOT_FOUND, NotFoundError],
  [ErrorCode.ALREADY_EXISTS, AlreadyExistsError],
  [ErrorCode.CONFLICT, ConflictError],
  [ErrorCode.INVALID_STATE, InvalidStateError],
  [ErrorCode.HOLD_EXPIRED, HoldExpiredError],
  [ErrorCode.ALREADY_REVERSED, AlreadyReversedError],
  [ErrorCode.RATE_LIMITED, RateLimitedError],
  [ErrorCode.NOT_STARTED, NotStartedError],
  [ErrorCode.EXPIRED, ExpiredError],
  [ErrorCode.EXHAUSTED, ExhaustedError],
  [ErrorCode.CUSTOMER_LIMIT, CustomerLimitError],
  [ErrorCode.MIN_ORDER_NOT_MET, MinOrderNotMetError],
  [ErrorCode.INACTIVE, InactiveError],
  [ErrorCode.CURRENCY_MISMATCH, CurrencyMismatchError],
  [ErrorCode.NO_ELIGIBLE_ITEMS, NoEligibleItemsError],
  [ErrorCode.SEGMENT_NOT_ELIGIBLE, SegmentNotEligibleError],
  [ErrorCode.CHANNEL_NOT_ALLOWED, ChannelNotAllowedError],
  [ErrorCode.EMAIL_DOMAIN_NOT_ALLOWED, EmailDomainNotAllowedError],
  [ErrorCode.DAY_NOT_ALLOWED, DayNotAllowedError],
  [ErrorCode.OUTSIDE_ACTIVE_HOURS, OutsideActiveHoursError],
  [ErrorCode.BUY_QUANTITY_NOT_MET, BuyQuantityNotMetError],
  [ErrorCode.CAMPAIGN_INACTIVE, CampaignInactiveError],
  [ErrorCode.BUDGET_EXHAUSTED, BudgetExhaustedError],
  [ErrorCode.CODE_CHECK_FAILED, CodeCheckFailedError],
  [ErrorCode.IP_NOT_ALLOWED, IpNotAllowedError],
  [ErrorCode.DEVICE_FINGERPRINT_REQUIRED, DeviceFingerprintRequiredError],
  [ErrorCode.DISPOSABLE_EMAIL, DisposableEmailError],
  [ErrorCode.VELOCITY_LIMIT, VelocityLimitError],
  [ErrorCode.EMAIL_NOT_VERIFIED, EmailNotVerifiedError],
  [ErrorCode.IDENTIFIER_LIMIT, IdentifierLimitError],
  [ErrorCode.FRAUD_SUSPECTED, FraudSuspectedError],
  [ErrorCode.NOT_ASSIGNED, NotAssignedError],
  [ErrorCode.PERIOD_LIMIT, PeriodLimitError],
  [ErrorCode.DUPLICATE_CODE, DuplicateCodeError],
  [ErrorCode.EXCLUSIVE_CODE, ExclusiveCodeError],
  [ErrorCode.NOT_COMBINABLE, NotCombinableError],
  [ErrorCode.TOO_MANY_CODES, TooManyCodesError],
  [ErrorCode.NOTHING_LEFT, NothingLeftError],
  [ErrorCode.OUTBOX_FULL, OutboxFullError],
  [ErrorCode.SELF_REFERRAL, SelfReferralError],
  [ErrorCode.TOO_MANY_WEBHOOKS, TooManyWebhooksError],
  [ErrorCode.EVENTS_TRUNCATED, EventsTruncatedError],
]);

const NAMES: ReadonlyMap<number, string> = new Map(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

/** The typed error for a reply status and its ErrorBody. */
export function serverError(status: number, message: string, leader = ''): ServerError {
  const name = NAMES.get(status) ?? `UNKNOWN_${status}`;
  const Class = CLASSES.get(status) ?? ServerError;
  return new Class(status, name, message, leader);
}

/** The connection could not be made, or failed. */
export class ConnectionError extends CouponsdError {
  override name = 'ConnectionError';
}
/** The TLS handshake failed (untrusted certificate, wrong name, a server without TLS). */
export class TlsError extends ConnectionError {
  override name = 'TlsError';
}
/** The connection closed before the reply came; the request's outcome is unknown. */
export class DisconnectedError extends ConnectionError {
  override name = 'DisconnectedError';
  constructor(message = 'connection closed') {
    super(message);
  }
}
/** The peer broke the protocol (bad frame, undecodable body, a reply to no request). */
export class ProtocolError extends CouponsdError {
  override name = 'ProtocolError';
}
/** No reply within the request timeout; the request's outcome is unknown. */
export class TimeoutError extends CouponsdError {
  override name = 'TimeoutError';
  constructor(message = 'timed out') {
    super(message);
  }
}
/** The caller's AbortSignal fired; the request's outcome is unknown if it was sent. */
export class AbortedError extends CouponsdError {
  override name = 'AbortError';
  constructor(message = 'aborted') {
    super(message);
  }
}
/** The request would not fit in a frame the server accepts; it was not sent. */
export class RequestTooLargeError extends FrameTooLargeError {
  override name = 'RequestTooLargeError';
  constructor(length: number, max: number) {
    super(ErrorCode.FRAME_TOO_LARGE, 'FRAME_TOO_LARGE', `the request is ${length} bytes, over the server's maximum of ${max}`);
  }
}
