package couponsd

// One sentinel per error code, for errors.Is: errors.Is(err, ErrExhausted) holds
// for every *Error whose Code is CodeExhausted, whatever its message.
var (
	// ErrMalformedFrame matches any server error MALFORMED_FRAME.
	ErrMalformedFrame = &Error{Code: CodeMalformedFrame, sentinel: true}
	// ErrUnknownOpcode matches any server error UNKNOWN_OPCODE.
	ErrUnknownOpcode = &Error{Code: CodeUnknownOpcode, sentinel: true}
	// ErrUnsupportedVersion matches any server error UNSUPPORTED_VERSION.
	ErrUnsupportedVersion = &Error{Code: CodeUnsupportedVersion, sentinel: true}
	// ErrFrameTooLarge matches any server error FRAME_TOO_LARGE.
	ErrFrameTooLarge = &Error{Code: CodeFrameTooLarge, sentinel: true}
	// ErrUnauthenticated matches any server error UNAUTHENTICATED.
	ErrUnauthenticated = &Error{Code: CodeUnauthenticated, sentinel: true}
	// ErrPermissionDenied matches any server error PERMISSION_DENIED.
	ErrPermissionDenied = &Error{Code: CodePermissionDenied, sentinel: true}
	// ErrBusy matches any server error BUSY.
	ErrBusy = &Error{Code: CodeBusy, sentinel: true}
	// ErrInternal matches any server error INTERNAL.
	ErrInternal = &Error{Code: CodeInternal, sentinel: true}
	// ErrShuttingDown matches any server error SHUTTING_DOWN.
	ErrShuttingDown = &Error{Code: CodeShuttingDown, sentinel: true}
	// ErrNotLeader matches any server error NOT_LEADER.
	ErrNotLeader = &Error{Code: CodeNotLeader, sentinel: true}
	// ErrNotCommitted matches any server error NOT_COMMITTED.
	ErrNotCommitted = &Error{Code: CodeNotCommitted, sentinel: true}
	// ErrNoQuorum matches any server error NO_QUORUM.
	ErrNoQuorum = &Error{Code: CodeNoQuorum, sentinel: true}
	// ErrLogGap matches any server error LOG_GAP.
	ErrLogGap = &Error{Code: CodeLogGap, sentinel: true}
	// ErrCorruptData matches any server error CORRUPT_DATA.
	ErrCorruptData = &Error{Code: CodeCorruptData, sentinel: true}
	// ErrWrongCluster matches any server error WRONG_CLUSTER.
	ErrWrongCluster = &Error{Code: CodeWrongCluster, sentinel: true}
	// ErrStorageUnavailable matches any server error STORAGE_UNAVAILABLE.
	ErrStorageUnavailable = &Error{Code: CodeStorageUnavailable, sentinel: true}
	// ErrInvalidArgument matches any server error INVALID_ARGUMENT.
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument, sentinel: true}
	// ErrNotFound matches any server error NOT_FOUND.
	ErrNotFound = &Error{Code: CodeNotFound, sentinel: true}
	// ErrAlreadyExists matches any server error ALREADY_EXISTS.
	ErrAlreadyExists = &Error{Code: CodeAlreadyExists, sentinel: true}
	// ErrConflict matches any server error CONFLICT.
	ErrConflict = &Error{Code: CodeConflict, sentinel: true}
	// ErrInvalidState matches any server error INVALID_STATE.
	ErrInvalidState = &Error{Code: CodeInvalidState, sentinel: true}
	// ErrHoldExpired matches any server error HOLD_EXPIRED.
	ErrHoldExpired = &Error{Code: CodeHoldExpired, sentinel: true}
	// ErrAlreadyReversed matches any server error ALREADY_REVERSED.
	ErrAlreadyReversed = &Error{Code: CodeAlreadyReversed, sentinel: true}
	// ErrRateLimited matches any server error RATE_LIMITED.
	ErrRateLimited = &Error{Code: CodeRateLimited, sentinel: true}
	// ErrNotStarted matches any server error NOT_STARTED.
	ErrNotStarted = &Error{Code: CodeNotStarted, sentinel: true}
	// ErrExpired matches any server error EXPIRED.
	ErrExpired = &Error{Code: CodeExpired, sentinel: true}
	// ErrExhausted matches any server error EXHAUSTED.
	ErrExhausted = &Error{Code: CodeExhausted, sentinel: true}
	// ErrCustomerLimit matches any server error CUSTOMER_LIMIT.
	ErrCustomerLimit = &Error{Code: CodeCustomerLimit, sentinel: true}
	// ErrMinOrderNotMet matches any server error MIN_ORDER_NOT_MET.
	ErrMinOrderNotMet = &Error{Code: CodeMinOrderNotMet, sentinel: true}
	// ErrInactive matches any server error INACTIVE.
	ErrInactive = &Error{Code: CodeInactive, sentinel: true}
	// ErrCurrencyMismatch matches any server error CURRENCY_MISMATCH.
	ErrCurrencyMismatch = &Error{Code: CodeCurrencyMismatch, sentinel: true}
	// ErrNoEligibleItems matches any server error NO_ELIGIBLE_ITEMS.
	ErrNoEligibleItems = &Error{Code: CodeNoEligibleItems, sentinel: true}
	// ErrSegmentNotEligible matches any server error SEGMENT_NOT_ELIGIBLE.
	ErrSegmentNotEligible = &Error{Code: CodeSegmentNotEligible, sentinel: true}
	// ErrChannelNotAllowed matches any server error CHANNEL_NOT_ALLOWED.
	ErrChannelNotAllowed = &Error{Code: CodeChannelNotAllowed, sentinel: true}
	// ErrEmailDomainNotAllowed matches any server error EMAIL_DOMAIN_NOT_ALLOWED.
	ErrEmailDomainNotAllowed = &Error{Code: CodeEmailDomainNotAllowed, sentinel: true}
	// ErrDayNotAllowed matches any server error DAY_NOT_ALLOWED.
	ErrDayNotAllowed = &Error{Code: CodeDayNotAllowed, sentinel: true}
	// ErrOutsideActiveHours matches any server error OUTSIDE_ACTIVE_HOURS.
	ErrOutsideActiveHours = &Error{Code: CodeOutsideActiveHours, sentinel: true}
	// ErrBuyQuantityNotMet matches any server error BUY_QUANTITY_NOT_MET.
	ErrBuyQuantityNotMet = &Error{Code: CodeBuyQuantityNotMet, sentinel: true}
	// ErrCampaignInactive matches any server error CAMPAIGN_INACTIVE.
	ErrCampaignInactive = &Error{Code: CodeCampaignInactive, sentinel: true}
	// ErrBudgetExhausted matches any server error BUDGET_EXHAUSTED.
	ErrBudgetExhausted = &Error{Code: CodeBudgetExhausted, sentinel: true}
	// ErrCodeCheckFailed matches any server error CODE_CHECK_FAILED.
	ErrCodeCheckFailed = &Error{Code: CodeCodeCheckFailed, sentinel: true}
	// ErrIpNotAllowed matches any server error IP_NOT_ALLOWED.
	ErrIpNotAllowed = &Error{Code: CodeIpNotAllowed, sentinel: true}
	// ErrDeviceFingerprintRequired matches any server error DEVICE_FINGERPRINT_REQUIRED.
	ErrDeviceFingerprintRequired = &Error{Code: CodeDeviceFingerprintRequired, sentinel: true}
	// ErrDisposableEmail matches any server error DISPOSABLE_EMAIL.
	ErrDisposableEmail = &Error{Code: CodeDisposableEmail, sentinel: true}
	// ErrVelocityLimit matches any server error VELOCITY_LIMIT.
	ErrVelocityLimit = &Error{Code: CodeVelocityLimit, sentinel: true}
	// ErrEmailNotVerified matches any server error EMAIL_NOT_VERIFIED.
	ErrEmailNotVerified = &Error{Code: CodeEmailNotVerified, sentinel: true}
	// ErrIdentifierLimit matches any server error IDENTIFIER_LIMIT.
	ErrIdentifierLimit = &Error{Code: CodeIdentifierLimit, sentinel: true}
	// ErrFraudSuspected matches any server error FRAUD_SUSPECTED.
	ErrFraudSuspected = &Error{Code: CodeFraudSuspected, sentinel: true}
	// ErrNotAssigned matches any server error NOT_ASSIGNED.
	ErrNotAssigned = &Error{Code: CodeNotAssigned, sentinel: true}
	// ErrPeriodLimit matches any server error PERIOD_LIMIT.
	ErrPeriodLimit = &Error{Code: CodePeriodLimit, sentinel: true}
	// ErrDuplicateCode matches any server error DUPLICATE_CODE.
	ErrDuplicateCode = &Error{Code: CodeDuplicateCode, sentinel: true}
	// ErrExclusiveCode matches any server error EXCLUSIVE_CODE.
	ErrExclusiveCode = &Error{Code: CodeExclusiveCode, sentinel: true}
	// ErrNotCombinable matches any server error NOT_COMBINABLE.
	ErrNotCombinable = &Error{Code: CodeNotCombinable, sentinel: true}
	// ErrTooManyCodes matches any server error TOO_MANY_CODES.
	ErrTooManyCodes = &Error{Code: CodeTooManyCodes, sentinel: true}
	// ErrNothingLeft matches any server error NOTHING_LEFT.
	ErrNothingLeft = &Error{Code: CodeNothingLeft, sentinel: true}
	// ErrOutboxFull matches any server error OUTBOX_FULL.
	ErrOutboxFull = &Error{Code: CodeOutboxFull, sentinel: true}
	// ErrSelfReferral matches any server error SELF_REFERRAL.
	ErrSelfReferral = &Error{Code: CodeSelfReferral, sentinel: true}
	// ErrTooManyWebhooks matches any server error TOO_MANY_WEBHOOKS.
	ErrTooManyWebhooks = &Error{Code: CodeTooManyWebhooks, sentinel: true}
	// ErrEventsTruncated matches any server error EVENTS_TRUNCATED.
	ErrEventsTruncated = &Error{Code: CodeEventsTruncated, sentinel: true}
)
