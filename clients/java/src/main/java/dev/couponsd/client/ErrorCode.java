package dev.couponsd.client;

/**
 * Every status a reply can carry (protocol.md section 16). The numbers are part
 * of the protocol: never renumbered, only added to.
 */
public enum ErrorCode {
    /** Success. */
    OK(0),
    /** The frame or its body could not be decoded. A bad frame (length, checksum) or a bad HELLO closes the connection after the reply; a request body that does not decode does not. */
    MALFORMED_FRAME(1),
    /** The opcode is not one this server knows. */
    UNKNOWN_OPCODE(2),
    /** The HELLO asked for a protocol version this server does not speak, or the magic is wrong. */
    UNSUPPORTED_VERSION(3),
    /** The length prefix is over the maximum; the server closes the connection after replying. */
    FRAME_TOO_LARGE(4),
    /** No HELLO yet, or its token is unknown, or this peer may not connect without one (or, to a server with TLS, in plaintext from beyond loopback). */
    UNAUTHENTICATED(5),
    /** The token's role may not use this opcode. */
    PERMISSION_DENIED(6),
    /** The server is at a limit (too many connections, or the writer queue is full); retry after a short wait. Too many requests in flight on one connection is not an error: the server stops reading until replies drain. */
    BUSY(7),
    /** The server failed (for example a storage error); nothing of the request was applied. */
    INTERNAL(8),
    /** The server is stopping and takes no new requests. */
    SHUTTING_DOWN(9),
    /** This node is not the leader (or no leader is elected yet, or its leader changed while the request was in flight); the error body names the leader when known. Nothing was applied; send the request there. */
    NOT_LEADER(10),
    /** The leader proposed the write, but a majority did not confirm it in time (the leader may have lost its majority): it may still be committed later. Retrying is safe: redemptions are idempotent per order. */
    NOT_COMMITTED(12),
    /** The leader cannot get writes committed by a majority of the cluster; nothing of this request was applied. */
    NO_QUORUM(13),
    /** Snapshot parts arrived out of order or incomplete; nothing of the snapshot was installed. */
    LOG_GAP(14),
    /** A log entry, record or snapshot part failed its checksum or did not decode, and was not applied; or a row of the server's store failed its checksum or did not decode, and was not served (the message names its table and key). */
    CORRUPT_DATA(15),
    /** The peer belongs to another cluster (its cluster id differs); nothing was applied. */
    WRONG_CLUSTER(16),
    /** This node cannot write (or read) its files now (a full disk, an I/O error): nothing of this request was stored or changed. Retry later; SERVER_INFO says why and since when. */
    STORAGE_UNAVAILABLE(17),
    /** A field is invalid; the message names it. */
    INVALID_ARGUMENT(20),
    /** No such coupon, code, redemption or campaign. */
    NOT_FOUND(21),
    /** A coupon (or a campaign's generated code) with this code exists. */
    ALREADY_EXISTS(22),
    /** A retry of this order carries different details, a refund id was recorded with another amount, or the coupon's or campaign's revision changed. */
    CONFLICT(23),
    /** The redemption, coupon or campaign is not in a state that allows this (for example releasing a captured use, a campaign move its lifecycle does not allow, or changing a campaign's generated code on its own). */
    INVALID_STATE(24),
    /** The hold reached its TTL and was given back before it was confirmed. */
    HOLD_EXPIRED(25),
    /** The redemption was already reversed. */
    ALREADY_REVERSED(26),
    /** This client tried too many unknown codes; the code was not looked up. The message says which count (connection, ip_address or device_fingerprint) and when to retry. */
    RATE_LIMITED(27),
    /** The coupon's validity window has not started. */
    NOT_STARTED(40),
    /** The coupon's validity window has ended. */
    EXPIRED(41),
    /** The global usage limit is reached (holds count). */
    EXHAUSTED(42),
    /** This customer reached the per-customer limit (holds count). */
    CUSTOMER_LIMIT(43),
    /** The order amount is below the coupon's minimum. */
    MIN_ORDER_NOT_MET(44),
    /** The coupon is INACTIVE or SUSPENDED. */
    INACTIVE(45),
    /** The order's currency differs from the coupon's. */
    CURRENCY_MISMATCH(46),
    /** No line item of the order is eligible (applicable and not excluded products), or the coupon needs line items and the order has none. */
    NO_ELIGIBLE_ITEMS(47),
    /** The order's customer segments include none of the coupon's. */
    SEGMENT_NOT_ELIGIBLE(48),
    /** The order's channel is not one of the coupon's channel restrictions. */
    CHANNEL_NOT_ALLOWED(49),
    /** The customer's email domain is not one of the coupon's allowed domains. */
    EMAIL_DOMAIN_NOT_ALLOWED(50),
    /** The coupon does not apply on this day of the week in its time zone. */
    DAY_NOT_ALLOWED(51),
    /** The coupon does not apply at this time of day in its time zone. */
    OUTSIDE_ACTIVE_HOURS(52),
    /** A BUY_X_GET_Y coupon needs at least one complete set of X + Y eligible units. */
    BUY_QUANTITY_NOT_MET(53),
    /** The coupon's campaign is not running: DRAFT, PAUSED, COMPLETED, CANCELLED, or SCHEDULED and not started (or past its end); or it was deleted. */
    CAMPAIGN_INACTIVE(54),
    /** The campaign's remaining budget cannot cover this discount. */
    BUDGET_EXHAUSTED(55),
    /** No coupon has the code, and it has the shape of a campaign's generated codes but fails their check character or MAC: mistyped or guessed. No stored row was read. */
    CODE_CHECK_FAILED(56),
    /** The order's ip_address is missing, in a deny range of the coupon's ip_restrictions, or outside every allow range. */
    IP_NOT_ALLOWED(57),
    /** The coupon has device_fingerprinting and the order has no device_fingerprint. */
    DEVICE_FINGERPRINT_REQUIRED(58),
    /** The coupon blocks suspicious patterns and the customer's email is at a disposable email domain. */
    DISPOSABLE_EMAIL(59),
    /** The coupon has velocity_checks and one of the order's identities (customer_id, normalized customer_email, device_fingerprint or ip_address) already started max_redemptions_per_hour redemptions or holds of it within the hour before the request (released, expired and reversed ones count); the message names which. */
    VELOCITY_LIMIT(60),
    /** The coupon has require_email_verification and the order has no customer_email or does not say it was verified (email_verified). */
    EMAIL_NOT_VERIFIED(61),
    /** One of the order's identifiers (email, device, ip or payment) already holds the active uses of the coupon, or would pass the discount, its identifier_limits allow; the message names which. */
    IDENTIFIER_LIMIT(62),
    /** The request's fraud score is at or above the coupon's block_score; the attempt is kept as a REJECTED redemption. */
    FRAUD_SUSPECTED(63),
    /** The coupon belongs to one customer (assigned_customer_id) and the order's customer_id is another, or empty. A coupon that is not is_public answers this as an unknown code instead. */
    NOT_ASSIGNED(64),
    /** A limit of uses per period is reached: customer_uses_per_day, _week or _month (this customer's active uses in the local day, ISO week or calendar month, in the coupon's time_zone) or uses_per_day (everyone's); the message names which and when its period ends. */
    PERIOD_LIMIT(65),
    /** The same code (after normalizing) is earlier in the order's codes; it counts once. */
    DUPLICATE_CODE(70),
    /** An exclusive code of the order applies, and applies alone. */
    EXCLUSIVE_CODE(71),
    /** The code does not combine, both ways, with a code applied before it (stacking classes). */
    NOT_COMBINABLE(72),
    /** The order already has the most codes the server's stacking policy (--stack-max-codes) applies. */
    TOO_MANY_CODES(73),
    /** The codes applied before it left nothing of the part of the order it applies to, or it gives nothing on it. */
    NOTHING_LEFT(74),
    /** The outbox holds the most entries it may (1,000,000 over every campaign, sent ones included), or would with this request's new ones; nothing of the request was queued. */
    OUTBOX_FULL(82),
    /** The code is a REFERRAL campaign's code and the order's customer_id is its referrer (referrer_customer_id): a referrer cannot use their own referral code. */
    SELF_REFERRAL(86),
    /** The cluster already holds the most webhook endpoints (16); nothing was added. */
    TOO_MANY_WEBHOOKS(80),
    /** The cursor is older than the oldest event this node's log still holds (retention cut it, or a snapshot replaced the log); the message names the oldest available id. */
    EVENTS_TRUNCATED(85);

    private static final ErrorCode[] BY_NUMBER = new ErrorCode[256];

    static {
        for (ErrorCode c : values()) {
            BY_NUMBER[c.number] = c;
        }
    }

    public final int number;

    ErrorCode(int number) {
        this.number = number;
    }

    /** The code with this number, or null when this client does not know it (section 8). */
    public static ErrorCode of(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }
}
