//! Every error code a reply can carry in its `status` field. The numbers are
//! part of the protocol: never renumber, only add.

macro_rules! error_codes {
    ($($variant:ident = $value:literal => $text:literal, $doc:literal;)+) => {
        /// A reply's status. `Ok` is 0; everything else is a typed refusal or failure.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum ErrorCode { $(#[doc = $doc] #[cfg_attr(feature = "serde", serde(rename = $text))] $variant = $value),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];
            pub fn as_u16(self) -> u16 { self as u16 }
            pub fn from_u16(v: u16) -> Option<Self> {
                match v { $($value => Some(ErrorCode::$variant),)+ _ => None }
            }
            /// The protocol name, e.g. `EXHAUSTED`.
            pub fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text),+ }
            }
            /// One line saying what the code means (as in protocol.md).
            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => $doc),+ }
            }
        }
    };
}

error_codes! {
    Ok = 0 => "OK", "Success.";
    // Connection and framing.
    MalformedFrame = 1 => "MALFORMED_FRAME", "The frame or its body could not be decoded. A bad frame (length, checksum) or a bad HELLO closes the connection after the reply; a request body that does not decode does not.";
    UnknownOpcode = 2 => "UNKNOWN_OPCODE", "The opcode is not one this server knows.";
    UnsupportedVersion = 3 => "UNSUPPORTED_VERSION", "The HELLO asked for a protocol version this server does not speak, or the magic is wrong.";
    FrameTooLarge = 4 => "FRAME_TOO_LARGE", "The length prefix is over the maximum; the server closes the connection after replying.";
    Unauthenticated = 5 => "UNAUTHENTICATED", "No HELLO yet, or its token is unknown, or this peer may not connect without one (or, to a server with TLS, in plaintext from beyond loopback).";
    PermissionDenied = 6 => "PERMISSION_DENIED", "The token's role may not use this opcode.";
    Busy = 7 => "BUSY", "The server is at a limit (too many connections, or the writer queue is full); retry after a short wait. Too many requests in flight on one connection is not an error: the server stops reading until replies drain.";
    Internal = 8 => "INTERNAL", "The server failed (for example a storage error); nothing of the request was applied.";
    ShuttingDown = 9 => "SHUTTING_DOWN", "The server is stopping and takes no new requests.";
    NotLeader = 10 => "NOT_LEADER", "This node is not the leader (or no leader is elected yet, or its leader changed while the request was in flight); the error body names the leader when known. Nothing was applied; send the request there.";
    // The cluster. (11 was STALE_EPOCH, before Raft; it is not sent and not reused.)
    NotCommitted = 12 => "NOT_COMMITTED", "The leader proposed the write, but a majority did not confirm it in time (the leader may have lost its majority): it may still be committed later. Retrying is safe: redemptions are idempotent per order.";
    NoQuorum = 13 => "NO_QUORUM", "The leader cannot get writes committed by a majority of the cluster; nothing of this request was applied.";
    LogGap = 14 => "LOG_GAP", "Snapshot parts arrived out of order or incomplete; nothing of the snapshot was installed.";
    CorruptData = 15 => "CORRUPT_DATA", "A log entry, record or snapshot part failed its checksum or did not decode, and was not applied; or a row of the server's store failed its checksum or did not decode, and was not served (the message names its table and key).";
    WrongCluster = 16 => "WRONG_CLUSTER", "The peer belongs to another cluster (its cluster id differs); nothing was applied.";
    // Storage.
    StorageUnavailable = 17 => "STORAGE_UNAVAILABLE", "This node cannot write (or read) its files now (a full disk, an I/O error): nothing of this request was stored or changed. Retry later; SERVER_INFO says why and since when.";
    // The request itself.
    InvalidArgument = 20 => "INVALID_ARGUMENT", "A field is invalid; the message names it.";
    NotFound = 21 => "NOT_FOUND", "No such coupon, code, redemption or campaign.";
    AlreadyExists = 22 => "ALREADY_EXISTS", "A coupon (or a campaign's generated code) with this code exists.";
    Conflict = 23 => "CONFLICT", "A retry of this order carries different details, a refund id was recorded with another amount, or the coupon's or campaign's revision changed.";
    InvalidState = 24 => "INVALID_STATE", "The redemption, coupon or campaign is not in a state that allows this (for example releasing a captured use, a campaign move its lifecycle does not allow, or changing a campaign's generated code on its own).";
    HoldExpired = 25 => "HOLD_EXPIRED", "The hold reached its TTL and was given back before it was confirmed.";
    AlreadyReversed = 26 => "ALREADY_REVERSED", "The redemption was already reversed.";
    RateLimited = 27 => "RATE_LIMITED", "This client tried too many unknown codes; the code was not looked up. The message says which count (connection, ip_address or device_fingerprint) and when to retry.";
    // The coupon does not apply to this order.
    NotStarted = 40 => "NOT_STARTED", "The coupon's validity window has not started.";
    Expired = 41 => "EXPIRED", "The coupon's validity window has ended.";
    Exhausted = 42 => "EXHAUSTED", "The global usage limit is reached (holds count).";
    CustomerLimit = 43 => "CUSTOMER_LIMIT", "This customer reached the per-customer limit (holds count).";
    MinOrderNotMet = 44 => "MIN_ORDER_NOT_MET", "The order amount is below the coupon's minimum.";
    Inactive = 45 => "INACTIVE", "The coupon is INACTIVE or SUSPENDED.";
    CurrencyMismatch = 46 => "CURRENCY_MISMATCH", "The order's currency differs from the coupon's.";
    NoEligibleItems = 47 => "NO_ELIGIBLE_ITEMS", "No line item of the order is eligible (applicable and not excluded products), or the coupon needs line items and the order has none.";
    SegmentNotEligible = 48 => "SEGMENT_NOT_ELIGIBLE", "The order's customer segments include none of the coupon's.";
    ChannelNotAllowed = 49 => "CHANNEL_NOT_ALLOWED", "The order's channel is not one of the coupon's channel restrictions.";
    EmailDomainNotAllowed = 50 => "EMAIL_DOMAIN_NOT_ALLOWED", "The customer's email domain is not one of the coupon's allowed domains.";
    DayNotAllowed = 51 => "DAY_NOT_ALLOWED", "The coupon does not apply on this day of the week in its time zone.";
    OutsideActiveHours = 52 => "OUTSIDE_ACTIVE_HOURS", "The coupon does not apply at this time of day in its time zone.";
    BuyQuantityNotMet = 53 => "BUY_QUANTITY_NOT_MET", "A BUY_X_GET_Y coupon needs at least one complete set of X + Y eligible units.";
    CampaignInactive = 54 => "CAMPAIGN_INACTIVE", "The coupon's campaign is not running: DRAFT, PAUSED, COMPLETED, CANCELLED, or SCHEDULED and not started (or past its end); or it was deleted.";
    BudgetExhausted = 55 => "BUDGET_EXHAUSTED", "The campaign's remaining budget cannot cover this discount.";
    CodeCheckFailed = 56 => "CODE_CHECK_FAILED", "No coupon has the code, and it has the shape of a campaign's generated codes but fails their check character or MAC: mistyped or guessed. No stored row was read.";
    IpNotAllowed = 57 => "IP_NOT_ALLOWED", "The order's ip_address is missing, in a deny range of the coupon's ip_restrictions, or outside every allow range.";
    DeviceFingerprintRequired = 58 => "DEVICE_FINGERPRINT_REQUIRED", "The coupon has device_fingerprinting and the order has no device_fingerprint.";
    DisposableEmail = 59 => "DISPOSABLE_EMAIL", "The coupon blocks suspicious patterns and the customer's email is at a disposable email domain.";
    VelocityLimit = 60 => "VELOCITY_LIMIT", "The coupon has velocity_checks and one of the order's identities (customer_id, normalized customer_email, device_fingerprint or ip_address) already started max_redemptions_per_hour redemptions or holds of it within the hour before the request (released, expired and reversed ones count); the message names which.";
    EmailNotVerified = 61 => "EMAIL_NOT_VERIFIED", "The coupon has require_email_verification and the order has no customer_email or does not say it was verified (email_verified).";
    IdentifierLimit = 62 => "IDENTIFIER_LIMIT", "One of the order's identifiers (email, device, ip or payment) already holds the active uses of the coupon, or would pass the discount, its identifier_limits allow; the message names which.";
    FraudSuspected = 63 => "FRAUD_SUSPECTED", "The request's fraud score is at or above the coupon's block_score; the attempt is kept as a REJECTED redemption.";
    NotAssigned = 64 => "NOT_ASSIGNED", "The coupon belongs to one customer (assigned_customer_id) and the order's customer_id is another, or empty. A coupon that is not is_public answers this as an unknown code instead.";
    PeriodLimit = 65 => "PERIOD_LIMIT", "A limit of uses per period is reached: customer_uses_per_day, _week or _month (this customer's active uses in the local day, ISO week or calendar month, in the coupon's time_zone) or uses_per_day (everyone's); the message names which and when its period ends.";
    // Several codes on one order (ORDER_VALIDATE, ORDER_REDEEM): why a code that applies alone is skipped.
    DuplicateCode = 70 => "DUPLICATE_CODE", "The same code (after normalizing) is earlier in the order's codes; it counts once.";
    ExclusiveCode = 71 => "EXCLUSIVE_CODE", "An exclusive code of the order applies, and applies alone.";
    NotCombinable = 72 => "NOT_COMBINABLE", "The code does not combine, both ways, with a code applied before it (stacking classes).";
    TooManyCodes = 73 => "TOO_MANY_CODES", "The order already has the most codes the server's stacking policy (--stack-max-codes) applies.";
    NothingLeft = 74 => "NOTHING_LEFT", "The codes applied before it left nothing of the part of the order it applies to, or it gives nothing on it.";
    // Distribution (CAMPAIGN_DISTRIBUTE).
    OutboxFull = 82 => "OUTBOX_FULL", "The outbox holds the most entries it may (1,000,000 over every campaign, sent ones included), or would with this request's new ones; nothing of the request was queued.";
    // Referral campaigns.
    SelfReferral = 86 => "SELF_REFERRAL", "The code is a REFERRAL campaign's code and the order's customer_id is its referrer (referrer_customer_id): a referrer cannot use their own referral code.";
    // Events (EVENTS_SUBSCRIBE).
    TooManyWebhooks = 80 => "TOO_MANY_WEBHOOKS", "The cluster already holds the most webhook endpoints (16); nothing was added.";
    EventsTruncated = 85 => "EVENTS_TRUNCATED", "The cursor is older than the oldest event this node's log still holds (retention cut it, or a snapshot replaced the log); the message names the oldest available id.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
