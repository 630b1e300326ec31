package dev.couponsd.client;

import dev.couponsd.client.wire.ErrorBody;

/**
 * The server refused or failed a request with a typed status. There is one
 * subclass per error code (catch {@code ServerException.Exhausted}, say), and
 * {@link Unknown} for a status this client does not know, which protocol.md
 * section 8 says to treat as a generic failure.
 */
public abstract class ServerException extends CouponsException {
    private final ErrorCode code;
    private final int status;
    private final String serverMessage;
    private final String leader;

    ServerException(ErrorCode code, int status, String message, String leader) {
        super((code == null ? "status " + status : code.name()) + ": " + message);
        this.code = code;
        this.status = status;
        this.serverMessage = message;
        this.leader = leader;
    }

    /** The error code; null for {@link Unknown}. */
    public ErrorCode code() {
        return code;
    }

    /** The status number on the wire. */
    public int status() {
        return status;
    }

    /** The server's message (for INVALID_ARGUMENT it names the field). */
    public String serverMessage() {
        return serverMessage;
    }

    /** With NOT_LEADER: the leader's address when known; otherwise empty. */
    public String leader() {
        return leader;
    }

    /** The typed exception for a reply's status and error body. */
    public static ServerException of(int status, ErrorBody body) {
        ErrorCode code = ErrorCode.of(status);
        if (code == null || code == ErrorCode.OK) {
            return new Unknown(status, body.message());
        }
        return switch (code) {
            case OK -> throw new AssertionError();
            case MALFORMED_FRAME -> new MalformedFrame(body.message(), body.leader());
            case UNKNOWN_OPCODE -> new UnknownOpcode(body.message(), body.leader());
            case UNSUPPORTED_VERSION -> new UnsupportedVersion(body.message(), body.leader());
            case FRAME_TOO_LARGE -> new FrameTooLarge(body.message(), body.leader());
            case UNAUTHENTICATED -> new Unauthenticated(body.message(), body.leader());
            case PERMISSION_DENIED -> new PermissionDenied(body.message(), body.leader());
            case BUSY -> new Busy(body.message(), body.leader());
            case INTERNAL -> new Internal(body.message(), body.leader());
            case SHUTTING_DOWN -> new ShuttingDown(body.message(), body.leader());
            case NOT_LEADER -> new NotLeader(body.message(), body.leader());
            case NOT_COMMITTED -> new NotCommitted(body.message(), body.leader());
            case NO_QUORUM -> new NoQuorum(body.message(), body.leader());
            case LOG_GAP -> new LogGap(body.message(), body.leader());
            case CORRUPT_DATA -> new CorruptData(body.message(), body.leader());
            case WRONG_CLUSTER -> new WrongCluster(body.message(), body.leader());
            case STORAGE_UNAVAILABLE -> new StorageUnavailable(body.message(), body.leader());
            case INVALID_ARGUMENT -> new InvalidArgument(body.message(), body.leader());
            case NOT_FOUND -> new NotFound(body.message(), body.leader());
            case ALREADY_EXISTS -> new AlreadyExists(body.message(), body.leader());
            case CONFLICT -> new Conflict(body.message(), body.leader());
            case INVALID_STATE -> new InvalidState(body.message(), body.leader());
            case HOLD_EXPIRED -> new HoldExpired(body.message(), body.leader());
            case ALREADY_REVERSED -> new AlreadyReversed(body.message(), body.leader());
            case RATE_LIMITED -> new RateLimited(body.message(), body.leader());
            case NOT_STARTED -> new NotStarted(body.message(), body.leader());
            case EXPIRED -> new Expired(body.message(), body.leader());
            case EXHAUSTED -> new Exhausted(body.message(), body.leader());
            case CUSTOMER_LIMIT -> new CustomerLimit(body.message(), body.leader());
            case MIN_ORDER_NOT_MET -> new MinOrderNotMet(body.message(), body.leader());
            case INACTIVE -> new Inactive(body.message(), body.leader());
            case CURRENCY_MISMATCH -> new CurrencyMismatch(body.message(), body.leader());
            case NO_ELIGIBLE_ITEMS -> new NoEligibleItems(body.message(), body.leader());
            case SEGMENT_NOT_ELIGIBLE -> new SegmentNotEligible(body.message(), body.leader());
            case CHANNEL_NOT_ALLOWED -> new ChannelNotAllowed(body.message(), body.leader());
            case EMAIL_DOMAIN_NOT_ALLOWED -> new EmailDomainNotAllowed(body.message(), body.leader());
            case DAY_NOT_ALLOWED -> new DayNotAllowed(body.message(), body.leader());
            case OUTSIDE_ACTIVE_HOURS -> new OutsideActiveHours(body.message(), body.leader());
            case BUY_QUANTITY_NOT_MET -> new BuyQuantityNotMet(body.message(), body.leader());
            case CAMPAIGN_INACTIVE -> new CampaignInactive(body.message(), body.leader());
            case BUDGET_EXHAUSTED -> new BudgetExhausted(body.message(), body.leader());
            case CODE_CHECK_FAILED -> new CodeCheckFailed(body.message(), body.leader());
            case IP_NOT_ALLOWED -> new IpNotAllowed(body.message(), body.leader());
            case DEVICE_FINGERPRINT_REQUIRED -> new DeviceFingerprintRequired(body.message(), body.leader());
            case DISPOSABLE_EMAIL -> new DisposableEmail(body.message(), body.leader());
            case VELOCITY_LIMIT -> new VelocityLimit(body.message(), body.leader());
            case EMAIL_NOT_VERIFIED -> new EmailNotVerified(body.message(), body.leader());
            case IDENTIFIER_LIMIT -> new IdentifierLimit(body.message(), body.leader());
            case FRAUD_SUSPECTED -> new FraudSuspected(body.message(), body.leader());
            case NOT_ASSIGNED -> new NotAssigned(body.message(), body.leader());
            case PERIOD_LIMIT -> new PeriodLimit(body.message(), body.leader());
            case DUPLICATE_CODE -> new DuplicateCode(body.message(), body.leader());
            case EXCLUSIVE_CODE -> new ExclusiveCode(body.message(), body.leader());
            case NOT_COMBINABLE -> new NotCombinable(body.message(), body.leader());
            case TOO_MANY_CODES -> new TooManyCodes(body.message(), body.leader());
            case NOTHING_LEFT -> new NothingLeft(body.message(), body.leader());
            case OUTBOX_FULL -> new OutboxFull(body.message(), body.leader());
            case SELF_REFERRAL -> new SelfReferral(body.message(), body.leader());
            case TOO_MANY_WEBHOOKS -> new TooManyWebhooks(body.message(), body.leader());
            case EVENTS_TRUNCATED -> new EventsTruncated(body.message(), body.leader());
        };
    }

    /** A status this client does not know: a generic failure. */
    public static final class Unknown extends ServerException {
        public Unknown(int status, String message) {
            super(null, status, message, "");
        }
    }

    /** MALFORMED_FRAME (1): The frame or its body could not be decoded. A bad frame (length, checksum) or a bad HELLO closes the connection after the reply; a request body that does not decode does not. */
    public static final class MalformedFrame extends ServerException {
        public MalformedFrame(String message, String leader) {
            super(ErrorCode.MALFORMED_FRAME, 1, message, leader);
        }
    }

    /** UNKNOWN_OPCODE (2): The opcode is not one this server knows. */
    public static final class UnknownOpcode extends ServerException {
        public UnknownOpcode(String message, String leader) {
            super(ErrorCode.UNKNOWN_OPCODE, 2, message, leader);
        }
    }

    /** UNSUPPORTED_VERSION (3): The HELLO asked for a protocol version this server does not speak, or the magic is wrong. */
    public static final class UnsupportedVersion extends ServerException {
        public UnsupportedVersion(String message, String leader) {
            super(ErrorCode.UNSUPPORTED_VERSION, 3, message, leader);
        }
    }

    /** FRAME_TOO_LARGE (4): The length prefix is over the maximum; the server closes the connection after replying. */
    public static final class FrameTooLarge extends ServerException {
        public FrameTooLarge(String message, String leader) {
            super(ErrorCode.FRAME_TOO_LARGE, 4, message, leader);
        }
    }

    /** UNAUTHENTICATED (5): No HELLO yet, or its token is unknown, or this peer may not connect without one (or, to a server with TLS, in plaintext from beyond loopback). */
    public static final class Unauthenticated extends ServerException {
        public Unauthenticated(String message, String leader) {
            super(ErrorCode.UNAUTHENTICATED, 5, message, leader);
        }
    }

    /** PERMISSION_DENIED (6): The token's role may not use this opcode. */
    public static final class PermissionDenied extends ServerException {
        public PermissionDenied(String message, String leader) {
            super(ErrorCode.PERMISSION_DENIED, 6, message, leader);
        }
    }

    /** BUSY (7): The server is at a limit (too many connections, or the writer queue is full); retry after a short wait. Too many requests in flight on one connection is not an error: the server stops reading until replies drain. */
    public static final class Busy extends ServerException {
        public Busy(String message, String leader) {
            super(ErrorCode.BUSY, 7, message, leader);
        }
    }

    /** INTERNAL (8): The server failed (for example a storage error); nothing of the request was applied. */
    public static final class Internal extends ServerException {
        public Internal(String message, String leader) {
            super(ErrorCode.INTERNAL, 8, message, leader);
        }
    }

    /** SHUTTING_DOWN (9): The server is stopping and takes no new requests. */
    public static final class ShuttingDown extends ServerException {
        public ShuttingDown(String message, String leader) {
            super(ErrorCode.SHUTTING_DOWN, 9, message, leader);
        }
    }

    /** NOT_LEADER (10): This node is not the leader (or no leader is elected yet, or its leader changed while the request was in flight); the error body names the leader when known. Nothing was applied; send the request there. */
    public static final class NotLeader extends ServerException {
        public NotLeader(String message, String leader) {
            super(ErrorCode.NOT_LEADER, 10, message, leader);
        }
    }

    /** NOT_COMMITTED (12): The leader proposed the write, but a majority did not confirm it in time (the leader may have lost its majority): it may still be committed later. Retrying is safe: redemptions are idempotent per order. */
    public static final class NotCommitted extends ServerException {
        public NotCommitted(String message, String leader) {
            super(ErrorCode.NOT_COMMITTED, 12, message, leader);
        }
    }

    /** NO_QUORUM (13): The leader cannot get writes committed by a majority of the cluster; nothing of this request was applied. */
    public static final class NoQuorum extends ServerException {
        public NoQuorum(String message, String leader) {
            super(ErrorCode.NO_QUORUM, 13, message, leader);
        }
    }

    /** LOG_GAP (14): Snapshot parts arrived out of order or incomplete; nothing of the snapshot was installed. */
    public static final class LogGap extends ServerException {
        public LogGap(String message, String leader) {
            super(ErrorCode.LOG_GAP, 14, message, leader);
        }
    }

    /** CORRUPT_DATA (15): A log entry, record or snapshot part failed its checksum or did not decode, and was not applied; or a row of the server's store failed its checksum or did not decode, and was not served (the message names its table and key). */
    public static final class CorruptData extends ServerException {
        public CorruptData(String message, String leader) {
            super(ErrorCode.CORRUPT_DATA, 15, message, leader);
        }
    }

    /** WRONG_CLUSTER (16): The peer belongs to another cluster (its cluster id differs); nothing was applied. */
    public static final class WrongCluster extends ServerException {
        public WrongCluster(String message, String leader) {
            super(ErrorCode.WRONG_CLUSTER, 16, message, leader);
        }
    }

    /** STORAGE_UNAVAILABLE (17): This node cannot write (or read) its files now (a full disk, an I/O error): nothing of this request was stored or changed. Retry later; SERVER_INFO says why and since when. */
    public static final class StorageUnavailable extends ServerException {
        public StorageUnavailable(String message, String leader) {
            super(ErrorCode.STORAGE_UNAVAILABLE, 17, message, leader);
        }
    }

    /** INVALID_ARGUMENT (20): A field is invalid; the message names it. */
    public static final class InvalidArgument extends ServerException {
        public InvalidArgument(String message, String leader) {
            super(ErrorCode.INVALID_ARGUMENT, 20, message, leader);
        }
    }

    /** NOT_FOUND (21): No such coupon, code, redemption or campaign. */
    public static final class NotFound extends ServerException {
        public NotFound(String message, String leader) {
            super(ErrorCode.NOT_FOUND, 21, message, leader);
        }
    }

    /** ALREADY_EXISTS (22): A coupon (or a campaign's generated code) with this code exists. */
    public static final class AlreadyExists extends ServerException {
        public AlreadyExists(String message, String leader) {
            super(ErrorCode.ALREADY_EXISTS, 22, message, leader);
        }
    }

    /** CONFLICT (23): A retry of this order carries different details, a refund id was recorded with another amount, or the coupon's or campaign's revision changed. */
    public static final class Conflict extends ServerException {
        public Conflict(String message, String leader) {
            super(ErrorCode.CONFLICT, 23, message, leader);
        }
    }

    /** INVALID_STATE (24): The redemption, coupon or campaign is not in a state that allows this (for example releasing a captured use, a campaign move its lifecycle does not allow, or changing a campaign's generated code on its own). */
    public static final class InvalidState extends ServerException {
        public InvalidState(String message, String leader) {
            super(ErrorCode.INVALID_STATE, 24, message, leader);
        }
    }

    /** HOLD_EXPIRED (25): The hold reached its TTL and was given back before it was confirmed. */
    public static final class HoldExpired extends ServerException {
        public HoldExpired(String message, String leader) {
            super(ErrorCode.HOLD_EXPIRED, 25, message, leader);
        }
    }

    /** ALREADY_REVERSED (26): The redemption was already reversed. */
    public static final class AlreadyReversed extends ServerException {
        public AlreadyReversed(String message, String leader) {
            super(ErrorCode.ALREADY_REVERSED, 26, message, leader);
        }
    }

    /** RATE_LIMITED (27): This client tried too many unknown codes; the code was not looked up. The message says which count (connection, ip_address or device_fingerprint) and when to retry. */
    public static final class RateLimited extends ServerException {
        public RateLimited(String message, String leader) {
            super(ErrorCode.RATE_LIMITED, 27, message, leader);
        }
    }

    /** NOT_STARTED (40): The coupon's validity window has not started. */
    public static final class NotStarted extends ServerException {
        public NotStarted(String message, String leader) {
            super(ErrorCode.NOT_STARTED, 40, message, leader);
        }
    }

    /** EXPIRED (41): The coupon's validity window has ended. */
    public static final class Expired extends ServerException {
        public Expired(String message, String leader) {
            super(ErrorCode.EXPIRED, 41, message, leader);
        }
    }

    /** EXHAUSTED (42): The global usage limit is reached (holds count). */
    public static final class Exhausted extends ServerException {
        public Exhausted(String message, String leader) {
            super(ErrorCode.EXHAUSTED, 42, message, leader);
        }
    }

    /** CUSTOMER_LIMIT (43): This customer reached the per-customer limit (holds count). */
    public static final class CustomerLimit extends ServerException {
        public CustomerLimit(String message, String leader) {
            super(ErrorCode.CUSTOMER_LIMIT, 43, message, leader);
        }
    }

    /** MIN_ORDER_NOT_MET (44): The order amount is below the coupon's minimum. */
    public static final class MinOrderNotMet extends ServerException {
        public MinOrderNotMet(String message, String leader) {
            super(ErrorCode.MIN_ORDER_NOT_MET, 44, message, leader);
        }
    }

    /** INACTIVE (45): The coupon is INACTIVE or SUSPENDED. */
    public static final class Inactive extends ServerException {
        public Inactive(String message, String leader) {
            super(ErrorCode.INACTIVE, 45, message, leader);
        }
    }

    /** CURRENCY_MISMATCH (46): The order's currency differs from the coupon's. */
    public static final class CurrencyMismatch extends ServerException {
        public CurrencyMismatch(String message, String leader) {
            super(ErrorCode.CURRENCY_MISMATCH, 46, message, leader);
        }
    }

    /** NO_ELIGIBLE_ITEMS (47): No line item of the order is eligible (applicable and not excluded products), or the coupon needs line items and the order has none. */
    public static final class NoEligibleItems extends ServerException {
        public NoEligibleItems(String message, String leader) {
            super(ErrorCode.NO_ELIGIBLE_ITEMS, 47, message, leader);
        }
    }

    /** SEGMENT_NOT_ELIGIBLE (48): The order's customer segments include none of the coupon's. */
    public static final class SegmentNotEligible extends ServerException {
        public SegmentNotEligible(String message, String leader) {
            super(ErrorCode.SEGMENT_NOT_ELIGIBLE, 48, message, leader);
        }
    }

    /** CHANNEL_NOT_ALLOWED (49): The order's channel is not one of the coupon's channel restrictions. */
    public static final class ChannelNotAllowed extends ServerException {
        public ChannelNotAllowed(String message, String leader) {
            super(ErrorCode.CHANNEL_NOT_ALLOWED, 49, message, leader);
        }
    }

    /** EMAIL_DOMAIN_NOT_ALLOWED (50): The customer's email domain is not one of the coupon's allowed domains. */
    public static final class EmailDomainNotAllowed extends ServerException {
        public EmailDomainNotAllowed(String message, String leader) {
            super(ErrorCode.EMAIL_DOMAIN_NOT_ALLOWED, 50, message, leader);
        }
    }

    /** DAY_NOT_ALLOWED (51): The coupon does not apply on this day of the week in its time zone. */
    public static final class DayNotAllowed extends ServerException {
        public DayNotAllowed(String message, String leader) {
            super(ErrorCode.DAY_NOT_ALLOWED, 51, message, leader);
        }
    }

    /** OUTSIDE_ACTIVE_HOURS (52): The coupon does not apply at this time of day in its time zone. */
    public static final class OutsideActiveHours extends ServerException {
        public OutsideActiveHours(String message, String leader) {
            super(ErrorCode.OUTSIDE_ACTIVE_HOURS, 52, message, leader);
        }
    }

    /** BUY_QUANTITY_NOT_MET (53): A BUY_X_GET_Y coupon needs at least one complete set of X + Y eligible units. */
    public static final class BuyQuantityNotMet extends ServerException {
        public BuyQuantityNotMet(String message, String leader) {
            super(ErrorCode.BUY_QUANTITY_NOT_MET, 53, message, leader);
        }
    }

    /** CAMPAIGN_INACTIVE (54): The coupon's campaign is not running: DRAFT, PAUSED, COMPLETED, CANCELLED, or SCHEDULED and not started (or past its end); or it was deleted. */
    public static final class CampaignInactive extends ServerException {
        public CampaignInactive(String message, String leader) {
            super(ErrorCode.CAMPAIGN_INACTIVE, 54, message, leader);
        }
    }

    /** BUDGET_EXHAUSTED (55): The campaign's remaining budget cannot cover this discount. */
    public static final class BudgetExhausted extends ServerException {
        public BudgetExhausted(String message, String leader) {
            super(ErrorCode.BUDGET_EXHAUSTED, 55, message, leader);
        }
    }

    /** CODE_CHECK_FAILED (56): No coupon has the code, and it has the shape of a campaign's generated codes but fails their check character or MAC: mistyped or guessed. No stored row was read. */
    public static final class CodeCheckFailed extends ServerException {
        public CodeCheckFailed(String message, String leader) {
            super(ErrorCode.CODE_CHECK_FAILED, 56, message, leader);
        }
    }

    /** IP_NOT_ALLOWED (57): The order's ip_address is missing, in a deny range of the coupon's ip_restrictions, or outside every allow range. */
    public static final class IpNotAllowed extends ServerException {
        public IpNotAllowed(String message, String leader) {
            super(ErrorCode.IP_NOT_ALLOWED, 57, message, leader);
        }
    }

    /** DEVICE_FINGERPRINT_REQUIRED (58): The coupon has device_fingerprinting and the order has no device_fingerprint. */
    public static final class DeviceFingerprintRequired extends ServerException {
        public DeviceFingerprintRequired(String message, String leader) {
            super(ErrorCode.DEVICE_FINGERPRINT_REQUIRED, 58, message, leader);
        }
    }

    /** DISPOSABLE_EMAIL (59): The coupon blocks suspicious patterns and the customer's email is at a disposable email domain. */
    public static final class DisposableEmail extends ServerException {
        public DisposableEmail(String message, String leader) {
            super(ErrorCode.DISPOSABLE_EMAIL, 59, message, leader);
        }
    }

    /** VELOCITY_LIMIT (60): The coupon has velocity_checks and one of the order's identities (customer_id, normalized customer_email, device_fingerprint or ip_address) already started max_redemptions_per_hour redemptions or holds of it within the hour before the request (released, expired and reversed ones count); the message names which. */
    public static final class VelocityLimit extends ServerException {
        public VelocityLimit(String message, String leader) {
            super(ErrorCode.VELOCITY_LIMIT, 60, message, leader);
        }
    }

    /** EMAIL_NOT_VERIFIED (61): The coupon has require_email_verification and the order has no customer_email or does not say it was verified (email_verified). */
    public static final class EmailNotVerified extends ServerException {
        public EmailNotVerified(String message, String leader) {
            super(ErrorCode.EMAIL_NOT_VERIFIED, 61, message, leader);
        }
    }

    /** IDENTIFIER_LIMIT (62): One of the order's identifiers (email, device, ip or payment) already holds the active uses of the coupon, or would pass the discount, its identifier_limits allow; the message names which. */
    public static final class IdentifierLimit extends ServerException {
        public IdentifierLimit(String message, String leader) {
            super(ErrorCode.IDENTIFIER_LIMIT, 62, message, leader);
        }
    }

    /** FRAUD_SUSPECTED (63): The request's fraud score is at or above the coupon's block_score; the attempt is kept as a REJECTED redemption. */
    public static final class FraudSuspected extends ServerException {
        public FraudSuspected(String message, String leader) {
            super(ErrorCode.FRAUD_SUSPECTED, 63, message, leader);
        }
    }

    /** NOT_ASSIGNED (64): The coupon belongs to one customer (assigned_customer_id) and the order's customer_id is another, or empty. A coupon that is not is_public answers this as an unknown code instead. */
    public static final class NotAssigned extends ServerException {
        public NotAssigned(String message, String leader) {
            super(ErrorCode.NOT_ASSIGNED, 64, message, leader);
        }
    }

    /** PERIOD_LIMIT (65): A limit of uses per period is reached: customer_uses_per_day, _week or _month (this customer's active uses in the local day, ISO week or calendar month, in the coupon's time_zone) or uses_per_day (everyone's); the message names which and when its period ends. */
    public static final class PeriodLimit extends ServerException {
        public PeriodLimit(String message, String leader) {
            super(ErrorCode.PERIOD_LIMIT, 65, message, leader);
        }
    }

    /** DUPLICATE_CODE (70): The same code (after normalizing) is earlier in the order's codes; it counts once. */
    public static final class DuplicateCode extends ServerException {
        public DuplicateCode(String message, String leader) {
            super(ErrorCode.DUPLICATE_CODE, 70, message, leader);
        }
    }

    /** EXCLUSIVE_CODE (71): An exclusive code of the order applies, and applies alone. */
    public static final class ExclusiveCode extends ServerException {
        public ExclusiveCode(String message, String leader) {
            super(ErrorCode.EXCLUSIVE_CODE, 71, message, leader);
        }
    }

    /** NOT_COMBINABLE (72): The code does not combine, both ways, with a code applied before it (stacking classes). */
    public static final class NotCombinable extends ServerException {
        public NotCombinable(String message, String leader) {
            super(ErrorCode.NOT_COMBINABLE, 72, message, leader);
        }
    }

    /** TOO_MANY_CODES (73): The order already has the most codes the server's stacking policy (--stack-max-codes) applies. */
    public static final class TooManyCodes extends ServerException {
        public TooManyCodes(String message, String leader) {
            super(ErrorCode.TOO_MANY_CODES, 73, message, leader);
        }
    }

    /** NOTHING_LEFT (74): The codes applied before it left nothing of the part of the order it applies to, or it gives nothing on it. */
    public static final class NothingLeft extends ServerException {
        public NothingLeft(String message, String leader) {
            super(ErrorCode.NOTHING_LEFT, 74, message, leader);
        }
    }

    /** OUTBOX_FULL (82): The outbox holds the most entries it may (1,000,000 over every campaign, sent ones included), or would with this request's new ones; nothing of the request was queued. */
    public static final class OutboxFull extends ServerException {
        public OutboxFull(String message, String leader) {
            super(ErrorCode.OUTBOX_FULL, 82, message, leader);
        }
    }

    /** SELF_REFERRAL (86): The code is a REFERRAL campaign's code and the order's customer_id is its referrer (referrer_customer_id): a referrer cannot use their own referral code. */
    public static final class SelfReferral extends ServerException {
        public SelfReferral(String message, String leader) {
            super(ErrorCode.SELF_REFERRAL, 86, message, leader);
        }
    }

    /** TOO_MANY_WEBHOOKS (80): The cluster already holds the most webhook endpoints (16); nothing was added. */
    public static final class TooManyWebhooks extends ServerException {
        public TooManyWebhooks(String message, String leader) {
            super(ErrorCode.TOO_MANY_WEBHOOKS, 80, message, leader);
        }
    }

    /** EVENTS_TRUNCATED (85): The cursor is older than the oldest event this node's log still holds (retention cut it, or a snapshot replaced the log); the message names the oldest available id. */
    public static final class EventsTruncated extends ServerException {
        public EventsTruncated(String message, String leader) {
            super(ErrorCode.EVENTS_TRUNCATED, 85, message, leader);
        }
    }
}
