package couponsd

// ErrorCode is a reply's status: 0 is OK, anything else a typed refusal or
// failure (protocol.md section 16). A code this package does not know is kept
// as its number and treated as a generic failure.
type ErrorCode uint16

// The error codes of protocol.md section 16.
const (
	// CodeOk: Success.
	CodeOk ErrorCode = 0
	// CodeMalformedFrame: The frame or its body could not be decoded. A bad frame (length, checksum) or a bad HELLO closes the connection after the reply; a request body that does not decode does not.
	CodeMalformedFrame ErrorCode = 1
	// CodeUnknownOpcode: The opcode is not one this server knows.
	CodeUnknownOpcode ErrorCode = 2
	// CodeUnsupportedVersion: The HELLO asked for a protocol version this server does not speak, or the magic is wrong.
	CodeUnsupportedVersion ErrorCode = 3
	// CodeFrameTooLarge: The length prefix is over the maximum; the server closes the connection after replying.
	CodeFrameTooLarge ErrorCode = 4
	// CodeUnauthenticated: No HELLO yet, or its token is unknown, or this peer may not connect without one (or, to a server with TLS, in plaintext from beyond loopback).
	CodeUnauthenticated ErrorCode = 5
	// CodePermissionDenied: The token's role may not use this opcode.
	CodePermissionDenied ErrorCode = 6
	// CodeBusy: The server is at a limit (too many connections, or the writer queue is full); retry after a short wait. Too many requests in flight on one connection is not an error: the server stops reading until replies drain.
	CodeBusy ErrorCode = 7
	// CodeInternal: The server failed (for example a storage error); nothing of the request was applied.
	CodeInternal ErrorCode = 8
	// CodeShuttingDown: The server is stopping and takes no new requests.
	CodeShuttingDown ErrorCode = 9
	// CodeNotLeader: This node is not the leader (or no leader is elected yet, or its leader changed while the request was in flight); the error body names the leader when known. Nothing was applied; send the request there.
	CodeNotLeader ErrorCode = 10
	// CodeNotCommitted: The leader proposed the write, but a majority did not confirm it in time (the leader may have lost its majority): it may still be committed later. Retrying is safe: redemptions are idempotent per order.
	CodeNotCommitted ErrorCode = 12
	// CodeNoQuorum: The leader cannot get writes committed by a majority of the cluster; nothing of this request was applied.
	CodeNoQuorum ErrorCode = 13
	// CodeLogGap: Snapshot parts arrived out of order or incomplete; nothing of the snapshot was installed.
	CodeLogGap ErrorCode = 14
	// CodeCorruptData: A log entry, record or snapshot part failed its checksum or did not decode, and was not applied; or a row of the server's store failed its checksum or did not decode, and was not served (the message names its table and key).
	CodeCorruptData ErrorCode = 15
	// CodeWrongCluster: The peer belongs to another cluster (its cluster id differs); nothing was applied.
	CodeWrongCluster ErrorCode = 16
	// CodeStorageUnavailable: This node cannot write (or read) its files now (a full disk, an I/O error): nothing of this request was stored or changed. Retry later; SERVER_INFO says why and since when.
	CodeStorageUnavailable ErrorCode = 17
	// CodeInvalidArgument: A field is invalid; the message names it.
	CodeInvalidArgument ErrorCode = 20
	// CodeNotFound: No such coupon, code, redemption or campaign.
	CodeNotFound ErrorCode = 21
	// CodeAlreadyExists: A coupon (or a campaign's generated code) with this code exists.
	CodeAlreadyExists ErrorCode = 22
	// CodeConflict: A retry of this order carries different details, a refund id was recorded with another amount, or the coupon's or campaign's revision changed.
	CodeConflict ErrorCode = 23
	// CodeInvalidState: The redemption, coupon or campaign is not in a state that allows this (for example releasing a captured use, a campaign move its lifecycle does not allow, or changing a campaign's generated code on its own).
	CodeInvalidState ErrorCode = 24
	// CodeHoldExpired: The hold reached its TTL and was given back before it was confirmed.
	CodeHoldExpired ErrorCode = 25
	// CodeAlreadyReversed: The redemption was already reversed.
	CodeAlreadyReversed ErrorCode = 26
	// CodeRateLimited: This client tried too many unknown codes; the code was not looked up. The message says which count (connection, ip_address or device_fingerprint) and when to retry.
	CodeRateLimited ErrorCode = 27
	// CodeNotStarted: The coupon's validity window has not started.
	CodeNotStarted ErrorCode = 40
	// CodeExpired: The coupon's validity window has ended.
	CodeExpired ErrorCode = 41
	// CodeExhausted: The global usage limit is reached (holds count).
	CodeExhausted ErrorCode = 42
	// CodeCustomerLimit: This customer reached the per-customer limit (holds count).
	CodeCustomerLimit ErrorCode = 43
	// CodeMinOrderNotMet: The order amount is below the coupon's minimum.
	CodeMinOrderNotMet ErrorCode = 44
	// CodeInactive: The coupon is INACTIVE or SUSPENDED.
	CodeInactive ErrorCode = 45
	// CodeCurrencyMismatch: The order's currency differs from the coupon's.
	CodeCurrencyMismatch ErrorCode = 46
	// CodeNoEligibleItems: No line item of the order is eligible (applicable and not excluded products), or the coupon needs line items and the order has none.
	CodeNoEligibleItems ErrorCode = 47
	// CodeSegmentNotEligible: The order's customer segments include none of the coupon's.
	CodeSegmentNotEligible ErrorCode = 48
	// CodeChannelNotAllowed: The order's channel is not one of the coupon's channel restrictions.
	CodeChannelNotAllowed ErrorCode = 49
	// CodeEmailDomainNotAllowed: The customer's email domain is not one of the coupon's allowed domains.
	CodeEmailDomainNotAllowed ErrorCode = 50
	// CodeDayNotAllowed: The coupon does not apply on this day of the week in its time zone.
	CodeDayNotAllowed ErrorCode = 51
	// CodeOutsideActiveHours: The coupon does not apply at this time of day in its time zone.
	CodeOutsideActiveHours ErrorCode = 52
	// CodeBuyQuantityNotMet: A BUY_X_GET_Y coupon needs at least one complete set of X + Y eligible units.
	CodeBuyQuantityNotMet ErrorCode = 53
	// CodeCampaignInactive: The coupon's campaign is not running: DRAFT, PAUSED, COMPLETED, CANCELLED, or SCHEDULED and not started (or past its end); or it was deleted.
	CodeCampaignInactive ErrorCode = 54
	// CodeBudgetExhausted: The campaign's remaining budget cannot cover this discount.
	CodeBudgetExhausted ErrorCode = 55
	// CodeCodeCheckFailed: No coupon has the code, and it has the shape of a campaign's generated codes but fails their check character or MAC: mistyped or guessed. No stored row was read.
	CodeCodeCheckFailed ErrorCode = 56
	// CodeIpNotAllowed: The order's ip_address is missing, in a deny range of the coupon's ip_restrictions, or outside every allow range.
	CodeIpNotAllowed ErrorCode = 57
	// CodeDeviceFingerprintRequired: The coupon has device_fingerprinting and the order has no device_fingerprint.
	CodeDeviceFingerprintRequired ErrorCode = 58
	// CodeDisposableEmail: The coupon blocks suspicious patterns and the customer's email is at a disposable email domain.
	CodeDisposableEmail ErrorCode = 59
	// CodeVelocityLimit: The coupon has velocity_checks and one of the order's identities (customer_id, normalized customer_email, device_fingerprint or ip_address) already started max_redemptions_per_hour redemptions or holds of it within the hour before the request (released, expired and reversed ones count); the message names which.
	CodeVelocityLimit ErrorCode = 60
	// CodeEmailNotVerified: The coupon has require_email_verification and the order has no customer_email or does not say it was verified (email_verified).
	CodeEmailNotVerified ErrorCode = 61
	// CodeIdentifierLimit: One of the order's identifiers (email, device, ip or payment) already holds the active uses of the coupon, or would pass the discount, its identifier_limits allow; the message names which.
	CodeIdentifierLimit ErrorCode = 62
	// CodeFraudSuspected: The request's fraud score is at or above the coupon's block_score; the attempt is kept as a REJECTED redemption.
	CodeFraudSuspected ErrorCode = 63
	// CodeNotAssigned: The coupon belongs to one customer (assigned_customer_id) and the order's customer_id is another, or empty. A coupon that is not is_public answers this as an unknown code instead.
	CodeNotAssigned ErrorCode = 64
	// CodePeriodLimit: A limit of uses per period is reached: customer_uses_per_day, _week or _month (this customer's active uses in the local day, ISO week or calendar month, in the coupon's time_zone) or uses_per_day (everyone's); the message names which and when its period ends.
	CodePeriodLimit ErrorCode = 65
	// CodeDuplicateCode: The same code (after normalizing) is earlier in the order's codes; it counts once.
	CodeDuplicateCode ErrorCode = 70
	// CodeExclusiveCode: An exclusive code of the order applies, and applies alone.
	CodeExclusiveCode ErrorCode = 71
	// CodeNotCombinable: The code does not combine, both ways, with a code applied before it (stacking classes).
	CodeNotCombinable ErrorCode = 72
	// CodeTooManyCodes: The order already has the most codes the server's stacking policy (--stack-max-codes) applies.
	CodeTooManyCodes ErrorCode = 73
	// CodeNothingLeft: The codes applied before it left nothing of the part of the order it applies to, or it gives nothing on it.
	CodeNothingLeft ErrorCode = 74
	// CodeOutboxFull: The outbox holds the most entries it may (1,000,000 over every campaign, sent ones included), or would with this request's new ones; nothing of the request was queued.
	CodeOutboxFull ErrorCode = 82
	// CodeSelfReferral: The code is a REFERRAL campaign's code and the order's customer_id is its referrer (referrer_customer_id): a referrer cannot use their own referral code.
	CodeSelfReferral ErrorCode = 86
	// CodeTooManyWebhooks: The cluster already holds the most webhook endpoints (16); nothing was added.
	CodeTooManyWebhooks ErrorCode = 80
	// CodeEventsTruncated: The cursor is older than the oldest event this node's log still holds (retention cut it, or a snapshot replaced the log); the message names the oldest available id.
	CodeEventsTruncated ErrorCode = 85
)

var errorCodeNames = map[ErrorCode]string{
	CodeOk:                        "OK",
	CodeMalformedFrame:            "MALFORMED_FRAME",
	CodeUnknownOpcode:             "UNKNOWN_OPCODE",
	CodeUnsupportedVersion:        "UNSUPPORTED_VERSION",
	CodeFrameTooLarge:             "FRAME_TOO_LARGE",
	CodeUnauthenticated:           "UNAUTHENTICATED",
	CodePermissionDenied:          "PERMISSION_DENIED",
	CodeBusy:                      "BUSY",
	CodeInternal:                  "INTERNAL",
	CodeShuttingDown:              "SHUTTING_DOWN",
	CodeNotLeader:                 "NOT_LEADER",
	CodeNotCommitted:              "NOT_COMMITTED",
	CodeNoQuorum:                  "NO_QUORUM",
	CodeLogGap:                    "LOG_GAP",
	CodeCorruptData:               "CORRUPT_DATA",
	CodeWrongCluster:              "WRONG_CLUSTER",
	CodeStorageUnavailable:        "STORAGE_UNAVAILABLE",
	CodeInvalidArgument:           "INVALID_ARGUMENT",
	CodeNotFound:                  "NOT_FOUND",
	CodeAlreadyExists:             "ALREADY_EXISTS",
	CodeConflict:                  "CONFLICT",
	CodeInvalidState:              "INVALID_STATE",
	CodeHoldExpired:               "HOLD_EXPIRED",
	CodeAlreadyReversed:           "ALREADY_REVERSED",
	CodeRateLimited:               "RATE_LIMITED",
	CodeNotStarted:                "NOT_STARTED",
	CodeExpired:                   "EXPIRED",
	CodeExhausted:                 "EXHAUSTED",
	CodeCustomerLimit:             "CUSTOMER_LIMIT",
	CodeMinOrderNotMet:            "MIN_ORDER_NOT_MET",
	CodeInactive:                  "INACTIVE",
	CodeCurrencyMismatch:          "CURRENCY_MISMATCH",
	CodeNoEligibleItems:           "NO_ELIGIBLE_ITEMS",
	CodeSegmentNotEligible:        "SEGMENT_NOT_ELIGIBLE",
	CodeChannelNotAllowed:         "CHANNEL_NOT_ALLOWED",
	CodeEmailDomainNotAllowed:     "EMAIL_DOMAIN_NOT_ALLOWED",
	CodeDayNotAllowed:             "DAY_NOT_ALLOWED",
	CodeOutsideActiveHours:        "OUTSIDE_ACTIVE_HOURS",
	CodeBuyQuantityNotMet:         "BUY_QUANTITY_NOT_MET",
	CodeCampaignInactive:          "CAMPAIGN_INACTIVE",
	CodeBudgetExhausted:           "BUDGET_EXHAUSTED",
	CodeCodeCheckFailed:           "CODE_CHECK_FAILED",
	CodeIpNotAllowed:              "IP_NOT_ALLOWED",
	CodeDeviceFingerprintRequired: "DEVICE_FINGERPRINT_REQUIRED",
	CodeDisposableEmail:           "DISPOSABLE_EMAIL",
	CodeVelocityLimit:             "VELOCITY_LIMIT",
	CodeEmailNotVerified:          "EMAIL_NOT_VERIFIED",
	CodeIdentifierLimit:           "IDENTIFIER_LIMIT",
	CodeFraudSuspected:            "FRAUD_SUSPECTED",
	CodeNotAssigned:               "NOT_ASSIGNED",
	CodePeriodLimit:               "PERIOD_LIMIT",
	CodeDuplicateCode:             "DUPLICATE_CODE",
	CodeExclusiveCode:             "EXCLUSIVE_CODE",
	CodeNotCombinable:             "NOT_COMBINABLE",
	CodeTooManyCodes:              "TOO_MANY_CODES",
	CodeNothingLeft:               "NOTHING_LEFT",
	CodeOutboxFull:                "OUTBOX_FULL",
	CodeSelfReferral:              "SELF_REFERRAL",
	CodeTooManyWebhooks:           "TOO_MANY_WEBHOOKS",
	CodeEventsTruncated:           "EVENTS_TRUNCATED",
}

// String is the protocol name (EXHAUSTED), or the number for a code this
// package does not know.
func (c ErrorCode) String() string {
	if n, ok := errorCodeNames[c]; ok {
		return n
	}
	return itoa(uint64(c))
}

// Known reports whether this package knows the code.
func (c ErrorCode) Known() bool {
	_, ok := errorCodeNames[c]
	return ok
}
