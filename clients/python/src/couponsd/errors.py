"""Errors: one exception class per protocol error code (protocol.md section 16),
plus the client-side failures (connection, timeout, decoding).

Every server error is a ``ServerError`` carrying ``code``, ``message`` and
``leader`` (set with NOT_LEADER). A status this client does not know becomes a
plain ``ServerError`` (protocol.md section 8: a generic failure).
"""

from __future__ import annotations


class CouponsdError(Exception):
    """Base of every error this library raises."""


class DecodeError(CouponsdError):
    """A body or frame from the network could not be decoded (a protocol violation)."""


class ProtocolError(CouponsdError):
    """The peer broke the protocol (bad frame, checksum, unexpected reply); the connection is closed."""


class ConnectionFailed(CouponsdError):
    """Could not connect, or the connection failed (I/O error)."""


class Disconnected(CouponsdError):
    """The connection closed before the reply arrived: the outcome is unknown."""


class TlsError(ConnectionFailed):
    """The TLS handshake failed (untrusted certificate, wrong name, no TLS on the server)."""


class RequestTimeout(CouponsdError):
    """No reply within the request timeout: the outcome is unknown."""


class RequestTooLarge(CouponsdError):
    """The request would not fit in a frame the server accepts; it was not sent."""

    code = 4

    def __init__(self, length: int, max_length: int) -> None:
        super().__init__(f"FRAME_TOO_LARGE: the request is {length} bytes, over the server's maximum of {max_length}")
        self.length = length
        self.max_length = max_length


class ServerError(CouponsdError):
    """The server answered with a non-OK status."""

    #: The protocol error code (the frame's status).
    code: int = 0
    #: The code's protocol name, e.g. ``NOT_LEADER``.
    name: str = "UNKNOWN"

    def __init__(self, message: str = "", leader: str = "", code: int | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(f"{self.name}({self.code}): {message}")
        #: The server's human-readable message.
        self.message = message
        #: With NOT_LEADER: the leader's address (``host:port``), or empty.
        self.leader = leader

class MalformedFrameError(ServerError):
    """MALFORMED_FRAME (1): The frame or its body could not be decoded. A bad frame (length, checksum) or a bad HELLO closes the connection after the reply; a request body that does not decode does not."""

    code = 1
    name = "MALFORMED_FRAME"

class UnknownOpcodeError(ServerError):
    """UNKNOWN_OPCODE (2): The opcode is not one this server knows."""

    code = 2
    name = "UNKNOWN_OPCODE"

class UnsupportedVersionError(ServerError):
    """UNSUPPORTED_VERSION (3): The HELLO asked for a protocol version this server does not speak, or the magic is wrong."""

    code = 3
    name = "UNSUPPORTED_VERSION"

class FrameTooLargeError(ServerError):
    """FRAME_TOO_LARGE (4): The length prefix is over the maximum; the server closes the connection after replying."""

    code = 4
    name = "FRAME_TOO_LARGE"

class UnauthenticatedError(ServerError):
    """UNAUTHENTICATED (5): No HELLO yet, or its token is unknown, or this peer may not connect without one (or, to a server with TLS, in plaintext from beyond loopback)."""

    code = 5
    name = "UNAUTHENTICATED"

class PermissionDeniedError(ServerError):
    """PERMISSION_DENIED (6): The token's role may not use this opcode."""

    code = 6
    name = "PERMISSION_DENIED"

class BusyError(ServerError):
    """BUSY (7): The server is at a limit (too many connections, or the writer queue is full); retry after a short wait. Too many requests in flight on one connection is not an error: the server stops reading until replies drain."""

    code = 7
    name = "BUSY"

class InternalError(ServerError):
    """INTERNAL (8): The server failed (for example a storage error); nothing of the request was applied."""

    code = 8
    name = "INTERNAL"

class ShuttingDownError(ServerError):
    """SHUTTING_DOWN (9): The server is stopping and takes no new requests."""

    code = 9
    name = "SHUTTING_DOWN"

class NotLeaderError(ServerError):
    """NOT_LEADER (10): This node is not the leader (or no leader is elected yet, or its leader changed while the request was in flight); the error body names the leader when known. Nothing was applied; send the request there."""

    code = 10
    name = "NOT_LEADER"

class NotCommittedError(ServerError):
    """NOT_COMMITTED (12): The leader proposed the write, but a majority did not confirm it in time (the leader may have lost its majority): it may still be committed later. Retrying is safe: redemptions are idempotent per order."""

    code = 12
    name = "NOT_COMMITTED"

class NoQuorumError(ServerError):
    """NO_QUORUM (13): The leader cannot get writes committed by a majority of the cluster; nothing of this request was applied."""

    code = 13
    name = "NO_QUORUM"

class LogGapError(ServerError):
    """LOG_GAP (14): Snapshot parts arrived out of order or incomplete; nothing of the snapshot was installed."""

    code = 14
    name = "LOG_GAP"

class CorruptDataError(ServerError):
    """CORRUPT_DATA (15): A log entry, record or snapshot part failed its checksum or did not decode, and was not applied; or a row of the server's store failed its checksum or did not decode, and was not served (the message names its table and key)."""

    code = 15
    name = "CORRUPT_DATA"

class WrongClusterError(ServerError):
    """WRONG_CLUSTER (16): The peer belongs to another cluster (its cluster id differs); nothing was applied."""

    code = 16
    name = "WRONG_CLUSTER"

class StorageUnavailableError(ServerError):
    """STORAGE_UNAVAILABLE (17): This node cannot write (or read) its files now (a full disk, an I/O error): nothing of this request was stored or changed. Retry later; SERVER_INFO says why and since when."""

    code = 17
    name = "STORAGE_UNAVAILABLE"

class InvalidArgumentError(ServerError):
    """INVALID_ARGUMENT (20): A field is invalid; the message names it."""

    code = 20
    name = "INVALID_ARGUMENT"

class NotFoundError(ServerError):
    """NOT_FOUND (21): No such coupon, code, redemption or campaign."""

    code = 21
    name = "NOT_FOUND"

class AlreadyExistsError(ServerError):
    """ALREADY_EXISTS (22): A coupon (or a campaign's generated code) with this code exists."""

    code = 22
    name = "ALREADY_EXISTS"

class ConflictError(ServerError):
    """CONFLICT (23): A retry of this order carries different details, a refund id was recorded with another amount, or the coupon's or campaign's revision changed."""

    code = 23
    name = "CONFLICT"

class InvalidStateError(ServerError):
    """INVALID_STATE (24): The redemption, coupon or campaign is not in a state that allows this (for example releasing a captured use, a campaign move its lifecycle does not allow, or changing a campaign's generated code on its own)."""

    code = 24
    name = "INVALID_STATE"

class HoldExpiredError(ServerError):
    """HOLD_EXPIRED (25): The hold reached its TTL and was given back before it was confirmed."""

    code = 25
    name = "HOLD_EXPIRED"

class AlreadyReversedError(ServerError):
    """ALREADY_REVERSED (26): The redemption was already reversed."""

    code = 26
    name = "ALREADY_REVERSED"

class RateLimitedError(ServerError):
    """RATE_LIMITED (27): This client tried too many unknown codes; the code was not looked up. The message says which count (connection, ip_address or device_fingerprint) and when to retry."""

    code = 27
    name = "RATE_LIMITED"

class NotStartedError(ServerError):
    """NOT_STARTED (40): The coupon's validity window has not started."""

    code = 40
    name = "NOT_STARTED"

class ExpiredError(ServerError):
    """EXPIRED (41): The coupon's validity window has ended."""

    code = 41
    name = "EXPIRED"

class ExhaustedError(ServerError):
    """EXHAUSTED (42): The global usage limit is reached (holds count)."""

    code = 42
    name = "EXHAUSTED"

class CustomerLimitError(ServerError):
    """CUSTOMER_LIMIT (43): This customer reached the per-customer limit (holds count)."""

    code = 43
    name = "CUSTOMER_LIMIT"

class MinOrderNotMetError(ServerError):
    """MIN_ORDER_NOT_MET (44): The order amount is below the coupon's minimum."""

    code = 44
    name = "MIN_ORDER_NOT_MET"

class InactiveError(ServerError):
    """INACTIVE (45): The coupon is INACTIVE or SUSPENDED."""

    code = 45
    name = "INACTIVE"

class CurrencyMismatchError(ServerError):
    """CURRENCY_MISMATCH (46): The order's currency differs from the coupon's."""

    code = 46
    name = "CURRENCY_MISMATCH"

class NoEligibleItemsError(ServerError):
    """NO_ELIGIBLE_ITEMS (47): No line item of the order is eligible (applicable and not excluded products), or the coupon needs line items and the order has none."""

    code = 47
    name = "NO_ELIGIBLE_ITEMS"

class SegmentNotEligibleError(ServerError):
    """SEGMENT_NOT_ELIGIBLE (48): The order's customer segments include none of the coupon's."""

    code = 48
    name = "SEGMENT_NOT_ELIGIBLE"

class ChannelNotAllowedError(ServerError):
    """CHANNEL_NOT_ALLOWED (49): The order's channel is not one of the coupon's channel restrictions."""

    code = 49
    name = "CHANNEL_NOT_ALLOWED"

class EmailDomainNotAllowedError(ServerError):
    """EMAIL_DOMAIN_NOT_ALLOWED (50): The customer's email domain is not one of the coupon's allowed domains."""

    code = 50
    name = "EMAIL_DOMAIN_NOT_ALLOWED"

class DayNotAllowedError(ServerError):
    """DAY_NOT_ALLOWED (51): The coupon does not apply on this day of the week in its time zone."""

    code = 51
    name = "DAY_NOT_ALLOWED"

class OutsideActiveHoursError(ServerError):
    """OUTSIDE_ACTIVE_HOURS (52): The coupon does not apply at this time of day in its time zone."""

    code = 52
    name = "OUTSIDE_ACTIVE_HOURS"

class BuyQuantityNotMetError(ServerError):
    """BUY_QUANTITY_NOT_MET (53): A BUY_X_GET_Y coupon needs at least one complete set of X + Y eligible units."""

    code = 53
    name = "BUY_QUANTITY_NOT_MET"

class CampaignInactiveError(ServerError):
    """CAMPAIGN_INACTIVE (54): The coupon's campaign is not running: DRAFT, PAUSED, COMPLETED, CANCELLED, or SCHEDULED and not started (or past its end); or it was deleted."""

    code = 54
    name = "CAMPAIGN_INACTIVE"

class BudgetExhaustedError(ServerError):
    """BUDGET_EXHAUSTED (55): The campaign's remaining budget cannot cover this discount."""

    code = 55
    name = "BUDGET_EXHAUSTED"

class CodeCheckFailedError(ServerError):
    """CODE_CHECK_FAILED (56): No coupon has the code, and it has the shape of a campaign's generated codes but fails their check character or MAC: mistyped or guessed. No stored row was read."""

    code = 56
    name = "CODE_CHECK_FAILED"

class IpNotAllowedError(ServerError):
    """IP_NOT_ALLOWED (57): The order's ip_address is missing, in a deny range of the coupon's ip_restrictions, or outside every allow range."""

    code = 57
    name = "IP_NOT_ALLOWED"

class DeviceFingerprintRequiredError(ServerError):
    """DEVICE_FINGERPRINT_REQUIRED (58): The coupon has device_fingerprinting and the order has no device_fingerprint."""

    code = 58
    name = "DEVICE_FINGERPRINT_REQUIRED"

class DisposableEmailError(ServerError):
    """DISPOSABLE_EMAIL (59): The coupon blocks suspicious patterns and the customer's email is at a disposable email domain."""

    code = 59
    name = "DISPOSABLE_EMAIL"

class VelocityLimitError(ServerError):
    """VELOCITY_LIMIT (60): The coupon has velocity_checks and one of the order's identities (customer_id, normalized customer_email, device_fingerprint or ip_address) already started max_redemptions_per_hour redemptions or holds of it within the hour before the request (released, expired and reversed ones count); the message names which."""

    code = 60
    name = "VELOCITY_LIMIT"

class EmailNotVerifiedError(ServerError):
    """EMAIL_NOT_VERIFIED (61): The coupon has require_email_verification and the order has no customer_email or does not say it was verified (email_verified)."""

    code = 61
    name = "EMAIL_NOT_VERIFIED"

class IdentifierLimitError(ServerError):
    """IDENTIFIER_LIMIT (62): One of the order's identifiers (email, device, ip or payment) already holds the active uses of the coupon, or would pass the discount, its identifier_limits allow; the message names which."""

    code = 62
    name = "IDENTIFIER_LIMIT"

class FraudSuspectedError(ServerError):
    """FRAUD_SUSPECTED (63): The request's fraud score is at or above the coupon's block_score; the attempt is kept as a REJECTED redemption."""

    code = 63
    name = "FRAUD_SUSPECTED"

class NotAssignedError(ServerError):
    """NOT_ASSIGNED (64): The coupon belongs to one customer (assigned_customer_id) and the order's customer_id is another, or empty. A coupon that is not is_public answers this as an unknown code instead."""

    code = 64
    name = "NOT_ASSIGNED"

class PeriodLimitError(ServerError):
    """PERIOD_LIMIT (65): A limit of uses per period is reached: customer_uses_per_day, _week or _month (this customer's active uses in the local day, ISO week or calendar month, in the coupon's time_zone) or uses_per_day (everyone's); the message names which and when its period ends."""

    code = 65
    name = "PERIOD_LIMIT"

class DuplicateCodeError(ServerError):
    """DUPLICATE_CODE (70): The same code (after normalizing) is earlier in the order's codes; it counts once."""

    code = 70
    name = "DUPLICATE_CODE"

class ExclusiveCodeError(ServerError):
    """EXCLUSIVE_CODE (71): An exclusive code of the order applies, and applies alone."""

    code = 71
    name = "EXCLUSIVE_CODE"

class NotCombinableError(ServerError):
    """NOT_COMBINABLE (72): The code does not combine, both ways, with a code applied before it (stacking classes)."""

    code = 72
    name = "NOT_COMBINABLE"

class TooManyCodesError(ServerError):
    """TOO_MANY_CODES (73): The order already has the most codes the server's stacking policy (--stack-max-codes) applies."""

    code = 73
    name = "TOO_MANY_CODES"

class NothingLeftError(ServerError):
    """NOTHING_LEFT (74): The codes applied before it left nothing of the part of the order it applies to, or it gives nothing on it."""

    code = 74
    name = "NOTHING_LEFT"

class OutboxFullError(ServerError):
    """OUTBOX_FULL (82): The outbox holds the most entries it may (1,000,000 over every campaign, sent ones included), or would with this request's new ones; nothing of the request was queued."""

    code = 82
    name = "OUTBOX_FULL"

class SelfReferralError(ServerError):
    """SELF_REFERRAL (86): The code is a REFERRAL campaign's code and the order's customer_id is its referrer (referrer_customer_id): a referrer cannot use their own referral code."""

    code = 86
    name = "SELF_REFERRAL"

class TooManyWebhooksError(ServerError):
    """TOO_MANY_WEBHOOKS (80): The cluster already holds the most webhook endpoints (16); nothing was added."""

    code = 80
    name = "TOO_MANY_WEBHOOKS"

class EventsTruncatedError(ServerError):
    """EVENTS_TRUNCATED (85): The cursor is older than the oldest event this node's log still holds (retention cut it, or a snapshot replaced the log); the message names the oldest available id."""

    code = 85
    name = "EVENTS_TRUNCATED"

#: Every error class by its code.
ERROR_CLASSES: dict[int, type[ServerError]] = {
    1: MalformedFrameError,
    2: UnknownOpcodeError,
    3: UnsupportedVersionError,
    4: FrameTooLargeError,
    5: UnauthenticatedError,
    6: PermissionDeniedError,
    7: BusyError,
    8: InternalError,
    9: ShuttingDownError,
    10: NotLeaderError,
    12: NotCommittedError,
    13: NoQuorumError,
    14: LogGapError,
    15: CorruptDataError,
    16: WrongClusterError,
    17: StorageUnavailableError,
    20: InvalidArgumentError,
    21: NotFoundError,
    22: AlreadyExistsError,
    23: ConflictError,
    24: InvalidStateError,
    25: HoldExpiredError,
    26: AlreadyReversedError,
    27: RateLimitedError,
    40: NotStartedError,
    41: ExpiredError,
    42: ExhaustedError,
    43: CustomerLimitError,
    44: MinOrderNotMetError,
    45: InactiveError,
    46: CurrencyMismatchError,
    47: NoEligibleItemsError,
    48: SegmentNotEligibleError,
    49: ChannelNotAllowedError,
    50: EmailDomainNotAllowedError,
    51: DayNotAllowedError,
    52: OutsideActiveHoursError,
    53: BuyQuantityNotMetError,
    54: CampaignInactiveError,
    55: BudgetExhaustedError,
    56: CodeCheckFailedError,
    57: IpNotAllowedError,
    58: DeviceFingerprintRequiredError,
    59: DisposableEmailError,
    60: VelocityLimitError,
    61: EmailNotVerifiedError,
    62: IdentifierLimitError,
    63: FraudSuspectedError,
    64: NotAssignedError,
    65: PeriodLimitError,
    70: DuplicateCodeError,
    71: ExclusiveCodeError,
    72: NotCombinableError,
    73: TooManyCodesError,
    74: NothingLeftError,
    80: TooManyWebhooksError,
    82: OutboxFullError,
    85: EventsTruncatedError,
    86: SelfReferralError,
}

#: Every error code by its protocol name.
ERROR_CODES: dict[str, int] = {cls.name: code for code, cls in ERROR_CLASSES.items()}


def server_error(code: int, message: str, leader: str) -> ServerError:
    """The typed exception for an error reply; unknown codes give a plain ``ServerError``."""
    cls = ERROR_CLASSES.get(code)
    if cls is None:
        err = ServerError(message, leader, code=code)
        return err
    return cls(message, leader)
