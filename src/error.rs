//! The server's typed errors, and the one place that maps them to protocol codes.

use couponsd_client::wire::ErrorCode;

use crate::storage::StorageError;

/// Why a code of a multi-code order that applies alone is skipped
/// (`rules::stacking::SkipReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotStacked {
    #[error("the same code is earlier in the order")]
    Duplicate,
    #[error("an exclusive code applies to the order alone")]
    Exclusive,
    #[error("the coupon does not combine with a code applied before it")]
    NotCombinable,
    #[error("the order already has the most codes the server's stacking policy allows")]
    TooManyCodes,
    #[error("nothing is left of the part of the order the coupon applies to")]
    NothingLeft,
}

impl NotStacked {
    pub fn code(self) -> ErrorCode {
        match self {
            NotStacked::Duplicate => ErrorCode::DuplicateCode,
            NotStacked::Exclusive => ErrorCode::ExclusiveCode,
            NotStacked::NotCombinable => ErrorCode::NotCombinable,
            NotStacked::TooManyCodes => ErrorCode::TooManyCodes,
            NotStacked::NothingLeft => ErrorCode::NothingLeft,
        }
    }
}

/// Why a coupon does not apply to an order. Shared by validate (a reason) and
/// redeem (an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the coupon is not valid yet")]
    NotStarted,
    #[error("the coupon has expired")]
    Expired,
    #[error("the coupon's usage limit is reached")]
    Exhausted,
    #[error("this customer reached the coupon's per-customer limit")]
    CustomerLimit,
    #[error("the order is below the coupon's minimum amount")]
    MinOrderNotMet,
    #[error("the coupon is not active")]
    Inactive,
    #[error("the order's currency is not the coupon's")]
    CurrencyMismatch,
    /// An order with no customer id, email or device cannot use a coupon
    /// with a per-customer limit (in all or per period): nothing would count it.
    #[error("customer_id, customer_email or device_fingerprint is required: the coupon has a per-customer limit")]
    CustomerRequired,
    #[error("no line item of the order is eligible for the coupon")]
    NoEligibleItems,
    #[error("the customer is in none of the coupon's segments")]
    SegmentNotEligible,
    #[error("the coupon is not valid on the order's channel")]
    ChannelNotAllowed,
    #[error("the coupon is not valid for the customer's email domain")]
    EmailDomainNotAllowed,
    #[error("the coupon is not valid on this day of the week")]
    DayNotAllowed,
    #[error("the coupon is not valid at this time of day")]
    OutsideActiveHours,
    #[error("the order lacks a complete set of eligible items to buy and get")]
    BuyQuantityNotMet,
    #[error("the coupon's campaign is not running")]
    CampaignInactive,
    #[error("the campaign's remaining budget cannot cover this discount")]
    BudgetExhausted,
    #[error("the code fails its campaign's check character or MAC: mistyped or guessed")]
    CodeCheckFailed,
    #[error("the order's ip_address is not allowed by the coupon's ip_restrictions")]
    IpNotAllowed,
    #[error("the coupon needs the order's device_fingerprint")]
    DeviceFingerprintRequired,
    #[error("the customer's email is at a disposable email domain")]
    DisposableEmail,
    /// One of the order's identities (named: customer, email, device or IP)
    /// already started `max_redemptions_per_hour` redemptions or holds of the
    /// coupon within the hour (`rules::fraud::velocity`).
    #[error("the order's {0} reached the coupon's max_redemptions_per_hour")]
    VelocityLimit(crate::rules::fraud::velocity::Identity),
    #[error("the coupon needs a verified customer_email")]
    EmailNotVerified,
    /// One of the order's identifiers already has what the coupon's
    /// `identifier_limits` allow it (uses or discount).
    #[error("the order's {0} reached the coupon's limit for it")]
    IdentifierLimit(couponsd_client::wire::Identifier),
    #[error("the request's fraud score is at or above the coupon's block_score")]
    FraudSuspected,
    /// The coupon's `assigned_customer_id` is not the order's customer
    /// (`rules::assignment`).
    #[error("the coupon belongs to another customer")]
    NotAssigned,
    /// A limit of uses per period (CouponSpec fields 40 to 43) is reached:
    /// which, and when its period ends (`rules::period`).
    #[error("{0}")]
    PeriodLimit(crate::rules::period::Reached),
    /// The order's customer is the referral code's referrer (`rules::assignment`).
    #[error("a referrer cannot use their own referral code")]
    SelfReferral,
}

impl Refusal {
    /// A security check's refusal (SecuritySettings, identifier limits, the
    /// fraud score): the attempt is blocked and kept as a REJECTED
    /// redemption, unlike a refusal about the coupon or the order's fit.
    pub fn is_security(self) -> bool {
        matches!(
            self,
            Refusal::IpNotAllowed
                | Refusal::DeviceFingerprintRequired
                | Refusal::DisposableEmail
                | Refusal::VelocityLimit(_)
                | Refusal::EmailNotVerified
                | Refusal::IdentifierLimit(_)
                | Refusal::FraudSuspected
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {field}: {reason}")]
    InvalidArgument { field: &'static str, reason: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("a coupon with code {0} already exists")]
    AlreadyExists(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidState(String),
    #[error("the hold expired and its use was given back")]
    HoldExpired,
    #[error("the redemption was already reversed")]
    AlreadyReversed,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    NotStacked(#[from] NotStacked),
    #[error("server busy: {0}")]
    Busy(&'static str),
    #[error("{0}")]
    RateLimited(String),
    #[error("server is shutting down")]
    ShuttingDown,
    #[error("storage failure: {0}")]
    Storage(#[from] StorageError),
    /// A change refused before it was decided: this node cannot write its
    /// files now (the reason names the file and the error).
    #[error("this node cannot store changes now ({0}); nothing was stored: retry later")]
    StorageUnavailable(String),
    #[error("{0}")]
    Malformed(String),
    #[error("unknown opcode 0x{0:04x}")]
    UnknownOpcode(u16),
    #[error("{0}")]
    UnsupportedVersion(String),
    #[error("{0}")]
    FrameTooLarge(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("internal error while handling the request")]
    Panicked,
    #[error("this node is not the leader{}", if leader.is_empty() { String::from(" and knows of none: an election is under way, or too few voters are reachable to hold one") } else { format!("; the leader is {leader}") })]
    NotLeader { leader: String },
    #[error("proposed, but not committed by a majority in time (the leader may have lost its majority): it may still be committed; retrying is safe, redemptions are idempotent per order")]
    NotCommitted,
    #[error(
        "the leader cannot get writes committed by a majority of the cluster; nothing was applied"
    )]
    NoQuorum,
    #[error("{0}")]
    LogGap(String),
    #[error("{0}")]
    CorruptData(String),
    #[error("{0}")]
    WrongCluster(String),
    /// An event cursor older than the oldest event this node's log holds.
    #[error("events before {oldest_id} are no longer in this node's log; the oldest available event id is {oldest_id}")]
    EventsTruncated { oldest_id: u64 },
    #[error(
        "a cluster holds at most {} webhook endpoints; remove one first",
        couponsd_client::wire::WEBHOOKS_MAX
    )]
    TooManyWebhooks,
    /// The distribution outbox is at its bound (`state::outbox::ENTRIES_MAX`).
    #[error("the outbox holds {held} entries and may hold {max}; {asked} more were asked for")]
    OutboxFull { held: u64, asked: u64, max: u64 },
}

impl Error {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidArgument {
            field,
            reason: reason.into(),
        }
    }

    /// The protocol code for this error. The only mapping from errors to codes.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::AlreadyExists(_) => ErrorCode::AlreadyExists,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::InvalidState(_) => ErrorCode::InvalidState,
            Error::HoldExpired => ErrorCode::HoldExpired,
            Error::AlreadyReversed => ErrorCode::AlreadyReversed,
            Error::Refused(r) => r.code(),
            Error::NotStacked(n) => n.code(),
            Error::Busy(_) => ErrorCode::Busy,
            Error::RateLimited(_) => ErrorCode::RateLimited,
            Error::ShuttingDown => ErrorCode::ShuttingDown,
            // Stored bytes that fail their checksum are never served.
            Error::Storage(StorageError::Corrupt { .. }) => ErrorCode::CorruptData,
            // An I/O error stored nothing (a failed read or a refused
            // change); any other storage error is a bug or bad data.
            Error::Storage(e) if e.is_unavailable() => ErrorCode::StorageUnavailable,
            Error::Storage(_) => ErrorCode::Internal,
            Error::StorageUnavailable(_) => ErrorCode::StorageUnavailable,
            Error::Malformed(_) => ErrorCode::MalformedFrame,
            Error::UnknownOpcode(_) => ErrorCode::UnknownOpcode,
            Error::UnsupportedVersion(_) => ErrorCode::UnsupportedVersion,
            Error::FrameTooLarge(_) => ErrorCode::FrameTooLarge,
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::Panicked => ErrorCode::Internal,
            Error::NotLeader { .. } => ErrorCode::NotLeader,
            Error::NotCommitted => ErrorCode::NotCommitted,
            Error::NoQuorum => ErrorCode::NoQuorum,
            Error::LogGap(_) => ErrorCode::LogGap,
            Error::CorruptData(_) => ErrorCode::CorruptData,
            Error::WrongCluster(_) => ErrorCode::WrongCluster,
            Error::EventsTruncated { .. } => ErrorCode::EventsTruncated,
            Error::TooManyWebhooks => ErrorCode::TooManyWebhooks,
            Error::OutboxFull { .. } => ErrorCode::OutboxFull,
        }
    }

    /// The same error again, for answering each request of a batch that
    /// failed as one (the code and message are kept; an I/O error's source
    /// is kept as its text).
    pub fn again(&self) -> Error {
        match self {
            Error::InvalidArgument { field, reason } => Error::InvalidArgument {
                field,
                reason: reason.clone(),
            },
            Error::NotFound(what) => Error::NotFound(what),
            Error::AlreadyExists(s) => Error::AlreadyExists(s.clone()),
            Error::Conflict(s) => Error::Conflict(s.clone()),
            Error::InvalidState(s) => Error::InvalidState(s.clone()),
            Error::HoldExpired => Error::HoldExpired,
            Error::AlreadyReversed => Error::AlreadyReversed,
            Error::Refused(r) => Error::Refused(*r),
            Error::NotStacked(n) => Error::NotStacked(*n),
            Error::Busy(s) => Error::Busy(s),
            Error::RateLimited(s) => Error::RateLimited(s.clone()),
            Error::ShuttingDown => Error::ShuttingDown,
            Error::Storage(e) => Error::Storage(e.again()),
            Error::StorageUnavailable(s) => Error::StorageUnavailable(s.clone()),
            Error::Malformed(s) => Error::Malformed(s.clone()),
            Error::UnknownOpcode(op) => Error::UnknownOpcode(*op),
            Error::UnsupportedVersion(s) => Error::UnsupportedVersion(s.clone()),
            Error::FrameTooLarge(s) => Error::FrameTooLarge(s.clone()),
            Error::Unauthenticated(s) => Error::Unauthenticated(s.clone()),
            Error::PermissionDenied(s) => Error::PermissionDenied(s.clone()),
            Error::Panicked => Error::Panicked,
            Error::NotLeader { leader } => Error::NotLeader {
                leader: leader.clone(),
            },
            Error::NotCommitted => Error::NotCommitted,
            Error::NoQuorum => Error::NoQuorum,
            Error::LogGap(s) => Error::LogGap(s.clone()),
            Error::CorruptData(s) => Error::CorruptData(s.clone()),
            Error::WrongCluster(s) => Error::WrongCluster(s.clone()),
            Error::EventsTruncated { oldest_id } => Error::EventsTruncated {
                oldest_id: *oldest_id,
            },
            Error::TooManyWebhooks => Error::TooManyWebhooks,
            Error::OutboxFull { held, asked, max } => Error::OutboxFull {
                held: *held,
                asked: *asked,
                max: *max,
            },
        }
    }

    /// The leader's address, for the error body of NOT_LEADER.
    pub fn leader(&self) -> &str {
        match self {
            Error::NotLeader { leader } => leader,
            _ => "",
        }
    }
}

impl Refusal {
    pub fn code(self) -> ErrorCode {
        match self {
            Refusal::NotStarted => ErrorCode::NotStarted,
            Refusal::Expired => ErrorCode::Expired,
            Refusal::Exhausted => ErrorCode::Exhausted,
            Refusal::CustomerLimit => ErrorCode::CustomerLimit,
            Refusal::MinOrderNotMet => ErrorCode::MinOrderNotMet,
            Refusal::Inactive => ErrorCode::Inactive,
            Refusal::CurrencyMismatch => ErrorCode::CurrencyMismatch,
            Refusal::CustomerRequired => ErrorCode::InvalidArgument,
            Refusal::NoEligibleItems => ErrorCode::NoEligibleItems,
            Refusal::SegmentNotEligible => ErrorCode::SegmentNotEligible,
            Refusal::ChannelNotAllowed => ErrorCode::ChannelNotAllowed,
            Refusal::EmailDomainNotAllowed => ErrorCode::EmailDomainNotAllowed,
            Refusal::DayNotAllowed => ErrorCode::DayNotAllowed,
            Refusal::OutsideActiveHours => ErrorCode::OutsideActiveHours,
            Refusal::BuyQuantityNotMet => ErrorCode::BuyQuantityNotMet,
            Refusal::CampaignInactive => ErrorCode::CampaignInactive,
            Refusal::BudgetExhausted => ErrorCode::BudgetExhausted,
            Refusal::CodeCheckFailed => ErrorCode::CodeCheckFailed,
            Refusal::IpNotAllowed => ErrorCode::IpNotAllowed,
            Refusal::DeviceFingerprintRequired => ErrorCode::DeviceFingerprintRequired,
            Refusal::DisposableEmail => ErrorCode::DisposableEmail,
            Refusal::VelocityLimit(_) => ErrorCode::VelocityLimit,
            Refusal::EmailNotVerified => ErrorCode::EmailNotVerified,
            Refusal::IdentifierLimit(_) => ErrorCode::IdentifierLimit,
            Refusal::FraudSuspected => ErrorCode::FraudSuspected,
            Refusal::NotAssigned => ErrorCode::NotAssigned,
            Refusal::PeriodLimit(_) => ErrorCode::PeriodLimit,
            Refusal::SelfReferral => ErrorCode::SelfReferral,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_map_to_their_codes() {
        let corrupt = StorageError::Corrupt {
            table: "redemptions",
            key: "2".into(),
            reason: "checksum mismatch".into(),
        };
        // Corrupt data is never taken for a disk that may work later.
        assert!(!corrupt.is_unavailable());
        let cases = [
            (corrupt, ErrorCode::CorruptData),
            (
                StorageError::Unavailable("No space left on device".into()),
                ErrorCode::StorageUnavailable,
            ),
            (StorageError::Reopening, ErrorCode::StorageUnavailable),
            (
                StorageError::Io(std::io::Error::other("disk")),
                ErrorCode::StorageUnavailable,
            ),
            (StorageError::Database("a bug".into()), ErrorCode::Internal),
        ];
        for (e, code) in cases {
            // The same for every request of a batch that failed as one.
            assert_eq!(Error::Storage(e.again()).code(), code, "{e}");
            assert_eq!(Error::Storage(e).code(), code);
        }
    }
}
