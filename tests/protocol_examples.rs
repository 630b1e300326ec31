//! protocol.md's hex examples are real frames: every `<!-- example: NAME -->`
//! block must be exactly what the wire codec encodes for NAME's value below, and
//! must decode back to that value. The doc and this table must name the same
//! examples, so neither can drift from the other or from the codec.
//!
//! After a deliberate protocol change, the failing check prints the hex the
//! code now produces, ready to paste into protocol.md.

use std::collections::BTreeMap;

use bytes::BytesMut;
use couponsd::state::{Effect, LogRecord};
use couponsd_client::wire::{
    frame, opcode, AdminStatus, Campaign, CampaignSpec, CampaignStatus, CampaignType, CatchUp,
    CodeCheck, CouponSpec, CouponStatus, CouponType, CriteriaOperator, CriteriaType, DiscountType,
    DistributionMethod, ErrorBody, ErrorCode, FollowerStatus, Frame, FrameError, GenerationRules,
    Hello, HelloReply, NodeRole, Order, RedeemRequest, Redemption, RedemptionRef, RedemptionReply,
    RedemptionStatus, ReplicationStatus, Request, RequestError, Response, Reversal, SnapshotPart,
    StreamMessage, SubscribeReply, SubscribeRequest, Validation, MAGIC, MAX_FRAME_LENGTH,
    PROTOCOL_VERSION,
};

/// A fixed instant for every timestamp in the examples: 2025-06-15T15:06:40Z.
const T: i64 = 1_750_000_000_000;

/// One documented frame.
#[derive(Debug)]
enum Example {
    /// A client's request.
    Request { id: u32, request: Request },
    /// A server's OK reply to a request with opcode `op`.
    Reply {
        id: u32,
        op: u16,
        response: Response,
    },
    /// A server's error reply.
    Error {
        id: u32,
        op: u16,
        code: ErrorCode,
        body: ErrorBody,
    },
    /// A frame on a replication stream opened by the request `id`.
    Stream { id: u32, message: StreamMessage },
}

/// Builds the value an example shows.
type Make = fn() -> Example;

/// Every example protocol.md has, by name.
const EXAMPLES: &[(&str, Make)] = &[
    ("hello_request", hello_request),
    ("hello_reply", hello_reply),
    ("ping_request", ping_request),
    ("ping_reply", ping_reply),
    ("coupon_create_request", coupon_create_request),
    ("coupon_create_reply", coupon_create_reply),
    ("validate_request", validate_request),
    ("validation_reply", validation_reply),
    ("redeem_request", redeem_request),
    ("redeem_reply", redeem_reply),
    ("confirm_request", confirm_request),
    ("error_reply_exhausted", error_reply_exhausted),
    ("frame_too_large", frame_too_large),
    ("repl_subscribe_request", repl_subscribe_request),
    ("repl_subscribe_reply", repl_subscribe_reply),
    ("repl_records", repl_records),
    ("repl_heartbeat", repl_heartbeat),
    ("repl_ack", repl_ack),
    ("error_reply_stale_epoch", error_reply_stale_epoch),
    ("promote_request", promote_request),
    ("promote_reply", promote_reply),
    ("repl_status_reply", repl_status_reply),
    ("campaign_create_request", campaign_create_request),
    ("campaign_reply", campaign_reply),
    ("campaign_generate_request", campaign_generate_request),
    ("campaign_set_status_request", campaign_set_status_request),
    ("reverse_refund_request", reverse_refund_request),
    ("reversal_list_reply", reversal_list_reply),
    ("error_reply_budget_exhausted", error_reply_budget_exhausted),
];

fn hello_request() -> Example {
    Example::Request {
        id: 1,
        request: Request::Hello(Hello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            token: String::new(),
            client_name: "doc".into(),
        }),
    }
}

fn hello_reply() -> Example {
    Example::Reply {
        id: 1,
        op: opcode::HELLO,
        response: Response::Hello(HelloReply {
            version: PROTOCOL_VERSION,
            server_version: "0.1.0".into(),
            role: NodeRole::Leader,
            max_frame_length: MAX_FRAME_LENGTH,
            max_in_flight: 256,
        }),
    }
}

fn ping_request() -> Example {
    Example::Request {
        id: 2,
        request: Request::Ping,
    }
}

fn ping_reply() -> Example {
    Example::Reply {
        id: 2,
        op: opcode::PING,
        response: Response::Pong { server_time_ms: T },
    }
}

fn summer20() -> CouponSpec {
    CouponSpec {
        code: "SUMMER20".into(),
        discount_type: DiscountType::Percentage,
        discount_value: 2000,
        currency: "USD".into(),
        max_discount_amount: Some(5000),
        usage_limit: Some(1000),
        usage_limit_per_customer: Some(1),
        ..CouponSpec::default()
    }
}

fn coupon_create_request() -> Example {
    Example::Request {
        id: 3,
        request: Request::CreateCoupon(summer20()),
    }
}

fn coupon_create_reply() -> Example {
    Example::Reply {
        id: 3,
        op: opcode::COUPON_CREATE,
        response: Response::Coupon(Box::new(couponsd_client::wire::Coupon {
            id: 1,
            revision: 1,
            spec: summer20(),
            status: CouponStatus::Active,
            current_usage: 0,
            reserved_uses: 0,
            created_at: T,
            updated_at: T,
            created_by: "loopback".into(),
        })),
    }
}

fn seed_order() -> Order {
    Order {
        customer_id: "customer-123".into(),
        amount: 15000,
        currency: "USD".into(),
        ..Order::default()
    }
}

fn validate_request() -> Example {
    Example::Request {
        id: 4,
        request: Request::Validate {
            code: "SUMMER20".into(),
            order: seed_order(),
        },
    }
}

fn validation_reply() -> Example {
    Example::Reply {
        id: 4,
        op: opcode::VALIDATE,
        response: Response::Validation(Validation {
            valid: true,
            reason: 0,
            message: String::new(),
            coupon_id: 1,
            code: "SUMMER20".into(),
            name: String::new(),
            discount_type: Some(DiscountType::Percentage),
            discount_value: 2000,
            max_discount_amount: Some(5000),
            applicable_amount: 15000,
            discount_amount: 3000,
            final_amount: 12000,
            currency: "USD".into(),
            remaining_uses: Some(1000),
            customer_usage_count: 0,
            expires_at: None,
        }),
    }
}

fn redeem_request() -> Example {
    Example::Request {
        id: 5,
        request: Request::Redeem(RedeemRequest {
            code: "SUMMER20".into(),
            order_id: "order-456".into(),
            transaction_id: String::new(),
            order: seed_order(),
        }),
    }
}

fn redeem_reply() -> Example {
    Example::Reply {
        id: 5,
        op: opcode::REDEEM,
        response: Response::Redemption(RedemptionReply {
            redemption: Redemption {
                id: 1,
                coupon_id: 1,
                code: "SUMMER20".into(),
                customer_id: "customer-123".into(),
                order_id: "order-456".into(),
                transaction_id: String::new(),
                status: RedemptionStatus::Processed,
                original_amount: 15000,
                discount_amount: 3000,
                final_amount: 12000,
                currency: "USD".into(),
                channel: String::new(),
                created_at: T,
                updated_at: T,
                hold_expires_at: None,
                reverse_reason: String::new(),
            },
            remaining_uses: Some(999),
            replayed: false,
        }),
    }
}

fn confirm_request() -> Example {
    Example::Request {
        id: 6,
        request: Request::Confirm(RedemptionRef::Order {
            code: "SUMMER20".into(),
            order_id: "order-789".into(),
        }),
    }
}

fn error_reply_exhausted() -> Example {
    Example::Error {
        id: 7,
        op: opcode::REDEEM,
        code: ErrorCode::Exhausted,
        body: ErrorBody {
            message: "the coupon's usage limit is reached".into(),
            leader: String::new(),
        },
    }
}

/// The server's answer to a length prefix of 0x00200000 (2 MiB): request id 0
/// and opcode 0, because the frame was never read; then it closes.
fn frame_too_large() -> Example {
    let error = FrameError::TooLarge {
        length: 2 << 20,
        max: MAX_FRAME_LENGTH,
    };
    Example::Error {
        id: 0,
        op: 0,
        code: ErrorCode::FrameTooLarge,
        body: ErrorBody {
            message: error.to_string(),
            leader: String::new(),
        },
    }
}

// Replication. A follower's connection: HELLO (request 1), then REPL_SUBSCRIBE
// (request 2), whose id every stream frame carries. The follower holds
// cluster 0x0123456789abcdef up to LSN 41, written in epoch 1.

const CLUSTER: u64 = 0x0123_4567_89ab_cdef;
const STREAM: u32 = 2;

fn repl_subscribe_request() -> Example {
    Example::Request {
        id: STREAM,
        request: Request::Subscribe(SubscribeRequest {
            cluster_id: CLUSTER,
            epoch: 1,
            last_lsn: 41,
            last_epoch: 1,
            name: "10.0.0.2:7070".into(),
        }),
    }
}

fn repl_subscribe_reply() -> Example {
    Example::Reply {
        id: STREAM,
        op: opcode::REPL_SUBSCRIBE,
        response: Response::Subscribed(SubscribeReply {
            cluster_id: CLUSTER,
            epoch: 1,
            mode: CatchUp::Log,
            keep_through: 41,
        }),
    }
}

/// The log record REPL_RECORDS carries: LSN 42, a COUPON_DELETE of coupon 2.
fn delete_record() -> LogRecord {
    LogRecord {
        epoch: 1,
        lsn: 42,
        timestamp: T,
        effects: vec![Effect::CouponDeleted { id: 2 }],
    }
}

fn repl_records() -> Example {
    Example::Stream {
        id: STREAM,
        message: StreamMessage::Records {
            epoch: 1,
            leader_lsn: 42,
            leader_time_ms: T,
            records: vec![delete_record().encode()],
        },
    }
}

fn repl_heartbeat() -> Example {
    Example::Stream {
        id: STREAM,
        message: StreamMessage::Records {
            epoch: 1,
            leader_lsn: 42,
            leader_time_ms: T + 200,
            records: Vec::new(),
        },
    }
}

fn repl_ack() -> Example {
    Example::Stream {
        id: STREAM,
        message: StreamMessage::Ack {
            epoch: 1,
            durable_lsn: 42,
        },
    }
}

/// The replaced leader of epoch 1 refuses a follower that knows epoch 2.
fn error_reply_stale_epoch() -> Example {
    Example::Error {
        id: STREAM,
        op: opcode::REPL_SUBSCRIBE,
        code: ErrorCode::StaleEpoch,
        body: ErrorBody {
            message: "this node's epoch 1 is older than the follower's 2: a newer leader exists"
                .into(),
            leader: String::new(),
        },
    }
}

fn promote_request() -> Example {
    Example::Request {
        id: 2,
        request: Request::Promote,
    }
}

fn promote_reply() -> Example {
    Example::Reply {
        id: 2,
        op: opcode::PROMOTE,
        response: Response::Promoted { epoch: 2, lsn: 42 },
    }
}

fn repl_status_reply() -> Example {
    Example::Reply {
        id: 3,
        op: opcode::REPL_STATUS,
        response: Response::ReplicationStatus(ReplicationStatus {
            role: NodeRole::Leader,
            epoch: 2,
            lsn: 50,
            leader: String::new(),
            connected: false,
            leader_lsn: 50,
            sync_replicas: 1,
            fenced: false,
            followers: vec![FollowerStatus {
                name: "10.0.0.3:7070".into(),
                peer: "10.0.0.3:51234".into(),
                acked_lsn: 48,
                lag_records: 2,
                lag_ms: 3,
                ack_p50_ms: 1,
                ack_p99_ms: 4,
            }],
        }),
    }
}

// Campaigns and partial refunds, continuing the first scenario's connection:
// campaign "spring" (codes SPR- + 8 random characters + a check character, 10 %
// off each, one use per code, a budget of 1,000.00 USD), 100,000 codes asked
// for, activated; then a partial refund of 50.00 of redemption 1 (order-456,
// 30.00 off 150.00, so 120.00 paid), its reversal record, and a REDEEM refused
// by a budget.

fn spring() -> CampaignSpec {
    CampaignSpec {
        name: "spring".into(),
        template: CouponSpec {
            discount_type: DiscountType::Percentage,
            discount_value: 1000,
            currency: "USD".into(),
            usage_limit: Some(1),
            ..CouponSpec::default()
        },
        rules: GenerationRules {
            prefix: "SPR-".into(),
            check: CodeCheck::CheckCharacter,
            ..GenerationRules::default()
        },
        budget_limit: Some(100_000),
        ..CampaignSpec::default()
    }
}

fn campaign_create_request() -> Example {
    Example::Request {
        id: 8,
        request: Request::CreateCampaign(Box::new(spring())),
    }
}

fn campaign_reply() -> Example {
    Example::Reply {
        id: 8,
        op: opcode::CAMPAIGN_CREATE,
        response: Response::Campaign(Box::new(Campaign {
            id: 1,
            revision: 1,
            spec: spring(),
            status: CampaignStatus::Draft,
            coupons_generated: 0,
            generation_target: 0,
            budget_used: 0,
            redemptions: 0,
            created_at: T,
            updated_at: T,
            created_by: "loopback".into(),
        })),
    }
}

fn campaign_generate_request() -> Example {
    Example::Request {
        id: 9,
        request: Request::GenerateCodes {
            id: 1,
            count: 100_000,
            expected_revision: 1,
        },
    }
}

fn campaign_set_status_request() -> Example {
    Example::Request {
        id: 10,
        request: Request::SetCampaignStatus {
            id: 1,
            status: CampaignStatus::Active,
        },
    }
}

fn reverse_refund_request() -> Example {
    Example::Request {
        id: 11,
        request: Request::Reverse {
            redemption: RedemptionRef::Id(1),
            reason: "one item returned".into(),
            refund_amount: Some(5000),
            refund_id: "re_1".into(),
        },
    }
}

fn reversal_list_reply() -> Example {
    Example::Reply {
        id: 12,
        op: opcode::REVERSAL_LIST,
        response: Response::Reversals(vec![Reversal {
            id: 1,
            redemption_id: 1,
            refund_amount: 5000,
            // floor(3000 × 5000 / 12000): refunds are of what was paid.
            discount_returned: 1250,
            full: false,
            refund_id: "re_1".into(),
            reason: "one item returned".into(),
            created_at: T,
        }]),
    }
}

fn error_reply_budget_exhausted() -> Example {
    Example::Error {
        id: 13,
        op: opcode::REDEEM,
        code: ErrorCode::BudgetExhausted,
        body: ErrorBody {
            message: "the campaign's remaining budget cannot cover this discount".into(),
            leader: String::new(),
        },
    }
}

impl Example {
    fn encode(&self) -> Vec<u8> {
        let mut buf = BytesMut::new();
        match self {
            Example::Request { id, request } => request.encode_frame(*id, &mut buf),
            Example::Reply { id, op, response } => response.encode_frame(*id, *op, &mut buf),
            Example::Error { id, op, code, body } => body.encode_frame(*id, *op, *code, &mut buf),
            Example::Stream { id, message } => message.encode_frame(*id, &mut buf),
        }
        buf.to_vec()
    }

    /// Decodes `frame` the way this example's receiver would and checks that it
    /// gives back this example.
    fn assert_decodes_from(&self, name: &str, frame: &Frame) {
        match self {
            Example::Request { id, request } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, request.opcode(), 0),
                    "{name}: header"
                );
                let decoded = Request::decode(frame.opcode, &frame.body)
                    .unwrap_or_else(|e| panic!("{name}: decoding the request: {e}"));
                assert_eq!(&decoded, request, "{name}: decoded request");
            }
            Example::Reply { id, op, response } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, *op, ErrorCode::Ok.as_u16()),
                    "{name}: header"
                );
                let decoded = Response::decode(frame.opcode, &frame.body)
                    .unwrap_or_else(|e| panic!("{name}: decoding the reply: {e}"));
                assert_eq!(&decoded, response, "{name}: decoded reply");
            }
            Example::Error { id, op, code, body } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, *op, code.as_u16()),
                    "{name}: header"
                );
                assert_eq!(&ErrorBody::read(&frame.body), body, "{name}: error body");
            }
            Example::Stream { id, message } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, message.opcode(), 0),
                    "{name}: header"
                );
                let decoded = StreamMessage::decode(frame.opcode, &frame.body)
                    .unwrap_or_else(|| panic!("{name}: not a stream opcode"))
                    .unwrap_or_else(|e| panic!("{name}: decoding the stream message: {e}"));
                assert_eq!(&decoded, message, "{name}: decoded stream message");
                // Outside a stream the same frame is refused, not misread.
                assert_eq!(
                    Request::decode(frame.opcode, &frame.body),
                    Err(RequestError::StreamOnly(frame.opcode)),
                    "{name}: as an ordinary request"
                );
            }
        }
    }
}

/// Checks one documented frame against its constructed value, both ways.
fn check(name: &str, example: &Example, documented: &[u8]) {
    let encoded = example.encode();
    assert!(
        encoded == documented,
        "{name}: protocol.md's bytes differ from the encoder's; the encoder gives:\n{}",
        hex_block(&encoded)
    );

    // What the doc promises about every header, checked independently of the codec.
    let length = u32::from_be_bytes(documented[0..4].try_into().unwrap());
    assert_eq!(
        length as usize,
        documented.len() - 4,
        "{name}: length field"
    );
    let crc = u32::from_be_bytes(documented[4..8].try_into().unwrap());
    assert_eq!(
        crc,
        crc32fast::hash(&documented[8..]),
        "{name}: CRC-32 of bytes 8.."
    );

    let total = frame::check(documented, MAX_FRAME_LENGTH)
        .unwrap_or_else(|e| panic!("{name}: frame::check: {e}"))
        .unwrap_or_else(|| panic!("{name}: frame::check wants more bytes"));
    assert_eq!(total, documented.len(), "{name}: frame size");
    let mut buf = BytesMut::from(documented);
    let frame = frame::parse(&mut buf, total).unwrap_or_else(|e| panic!("{name}: parse: {e}"));
    assert!(buf.is_empty(), "{name}: bytes left after the frame");
    example.assert_decodes_from(name, &frame);
}

/// Hex as protocol.md writes it: two digits a byte, 16 bytes a line.
fn hex_block(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|line| {
            line.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn protocol_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Every `<!-- example: NAME -->` immediately followed by a ```hex block, by
/// name. A hex block without a name, a name without a hex block, a duplicate
/// name or a token that is not one hex byte is an error.
fn documented_examples(doc: &str) -> BTreeMap<String, Vec<u8>> {
    let mut examples = BTreeMap::new();
    let mut lines = doc.lines().enumerate().peekable();
    let mut previous = "";
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("<!-- example:") {
            let name = rest
                .strip_suffix("-->")
                .unwrap_or_else(|| panic!("protocol.md:{}: unclosed example comment", n + 1))
                .trim()
                .to_string();
            let fence = lines.peek().map(|(_, l)| l.trim());
            assert_eq!(
                fence,
                Some("```hex"),
                "protocol.md:{}: example {name} is not followed by a ```hex block",
                n + 1
            );
            lines.next();
            let mut bytes = Vec::new();
            loop {
                let (m, l) = lines
                    .next()
                    .unwrap_or_else(|| panic!("protocol.md: example {name}: unclosed block"));
                if l.trim() == "```" {
                    break;
                }
                for token in l.split_whitespace() {
                    assert!(
                        token.len() == 2,
                        "protocol.md:{}: {token:?} is not one hex byte",
                        m + 1
                    );
                    let byte = u8::from_str_radix(token, 16).unwrap_or_else(|_| {
                        panic!("protocol.md:{}: {token:?} is not one hex byte", m + 1)
                    });
                    bytes.push(byte);
                }
            }
            assert!(
                examples.insert(name.clone(), bytes).is_none(),
                "protocol.md: example {name} appears twice"
            );
            previous = "```";
            continue;
        }
        if trimmed == "```hex" {
            panic!(
                "protocol.md:{}: a ```hex block without an example comment (after {previous:?})",
                n + 1
            );
        }
        previous = trimmed;
    }
    examples
}

#[test]
fn every_documented_example_is_a_real_frame() {
    let doc = protocol_md();
    let documented = documented_examples(&doc);
    let known: BTreeMap<&str, Make> = EXAMPLES.iter().copied().collect();
    assert_eq!(known.len(), EXAMPLES.len(), "a name twice in EXAMPLES");

    let unknown: Vec<&String> = documented
        .keys()
        .filter(|n| !known.contains_key(n.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "protocol.md has examples this test does not know: {unknown:?}"
    );
    let missing: Vec<&&str> = known
        .keys()
        .filter(|n| !documented.contains_key(**n))
        .collect();
    assert!(
        missing.is_empty(),
        "protocol.md lacks examples: {missing:?}"
    );

    for (name, make) in EXAMPLES {
        check(name, &make(), &documented[*name]);
    }
}

/// The tables name every opcode, error code and enum value with its number.
#[test]
fn tables_list_every_number() {
    let doc = protocol_md();
    let row = |number: String, name: &str| {
        let needle = format!("| {number} | {name} |");
        assert!(doc.contains(&needle), "protocol.md has no row `{needle}`");
    };
    for &op in opcode::ALL {
        row(format!("0x{op:04x}"), opcode::name(op).unwrap());
    }
    for &code in ErrorCode::ALL {
        row(code.as_u16().to_string(), code.name());
    }
    macro_rules! enum_rows {
        ($($enum:ident),+) => {$(
            for v in $enum::ALL {
                row(v.as_u8().to_string(), v.name());
            }
        )+};
    }
    enum_rows!(
        CouponType,
        DiscountType,
        AdminStatus,
        CouponStatus,
        DistributionMethod,
        CriteriaType,
        CriteriaOperator,
        RedemptionStatus,
        NodeRole,
        CatchUp,
        SnapshotPart,
        CampaignType,
        CampaignStatus,
        CodeCheck
    );
}

/// The record inside protocol.md's REPL_RECORDS example is a real log record:
/// its checksum holds and it decodes to the effects the doc describes.
#[test]
fn repl_records_example_carries_a_log_record() {
    let documented = documented_examples(&protocol_md());
    let bytes = &documented["repl_records"];
    let mut buf = BytesMut::from(&bytes[..]);
    let frame = frame::parse(&mut buf, bytes.len()).expect("a frame");
    let Some(Ok(StreamMessage::Records { records, .. })) =
        StreamMessage::decode(frame.opcode, &frame.body)
    else {
        panic!("repl_records is not a REPL_RECORDS frame");
    };
    assert_eq!(records.len(), 1, "one record");
    let record = LogRecord::decode(&records[0]).expect("a valid log record");
    assert_eq!(record, delete_record());
    // The record's own CRC-32 covers every byte after its 5-byte header.
    let crc = u32::from_be_bytes(records[0][1..5].try_into().unwrap());
    assert_eq!(crc, crc32fast::hash(&records[0][5..]));
}

/// The CRC-32 check value protocol.md gives implementers.
#[test]
fn crc_check_value() {
    assert_eq!(crc32fast::hash(b"123456789"), 0xcbf4_3926);
}

/// What protocol.md says about REVERSE's appended fields: a body that ends after
/// `reason` (an older client's) is a full reversal; one that stops between the
/// two appended fields is a decode error, not a guess.
#[test]
fn reverse_without_refund_fields_is_a_full_reversal() {
    let documented = documented_examples(&protocol_md());
    let bytes = &documented["reverse_refund_request"];
    // Frame offset 44 is where `refund_amount` starts (see the example's table).
    let older = &bytes[16..44];
    assert_eq!(
        Request::decode(opcode::REVERSE, older),
        Ok(Request::Reverse {
            redemption: RedemptionRef::Id(1),
            reason: "one item returned".into(),
            refund_amount: None,
            refund_id: String::new(),
        })
    );
    let cut = &bytes[16..53];
    assert!(matches!(
        Request::decode(opcode::REVERSE, cut),
        Err(RequestError::Decode(_))
    ));
}

/// Writes a number the way protocol.md does: groups of three digits separated
/// by spaces (1 048 576), none for four digits or fewer.
fn grouped(n: u128) -> String {
    let digits = n.to_string();
    if digits.len() <= 4 {
        return digits;
    }
    let mut groups = Vec::new();
    let mut rest = digits.as_str();
    while rest.len() > 3 {
        let (head, tail) = rest.split_at(rest.len() - 3);
        groups.push(tail);
        rest = head;
    }
    groups.push(rest);
    groups.reverse();
    groups.join(" ")
}

/// protocol.md's "Generated codes" states the code's alphabets, ambiguous
/// characters, density rule and worked example.
#[test]
fn generated_code_numbers_are_the_codes() {
    use couponsd::codegen::{self, Alphabet};

    let doc = protocol_md();
    let yes = |b: bool| if b { "yes" } else { "no" };
    for exclude in [false, true] {
        for (letters, digits, special) in [
            (true, true, false),
            (true, false, false),
            (false, true, false),
            (true, true, true),
            (true, false, true),
            (false, true, true),
            (false, false, true),
        ] {
            let rules = GenerationRules {
                include_letters: letters,
                include_digits: digits,
                include_special: special,
                exclude_ambiguous: exclude,
                ..GenerationRules::default()
            };
            let alphabet = Alphabet::of(&rules);
            let row = format!(
                "| {} | {} | {} | {} | {} | `{}` |",
                yes(letters),
                yes(digits),
                yes(special),
                yes(exclude),
                alphabet.len(),
                alphabet.as_str()
            );
            assert!(
                doc.contains(&row),
                "protocol.md has no alphabet row `{row}`"
            );
        }
    }
    assert!(doc.contains(&format!("`{}`", codegen::AMBIGUOUS)));
    let special: Vec<String> = codegen::SPECIAL.chars().map(|c| format!("`{c}`")).collect();
    assert!(doc.contains(&special.join(" ")), "the special characters");
    assert!(doc.contains(&format!("**DENSITY = {}**", grouped(codegen::DENSITY))));
    assert!(doc.contains(&format!(
        "**{}** codes",
        grouped(u128::from(codegen::MAX_PER_REQUEST))
    )));

    // The worked example: the default rules, then one character longer.
    let defaults = GenerationRules::default();
    let nine = GenerationRules {
        code_length: 9,
        ..GenerationRules::default()
    };
    for (rules, text) in [(&defaults, "25^8"), (&nine, "25^9")] {
        let space = codegen::space(rules);
        let capacity = u128::from(codegen::capacity(rules));
        assert!(
            doc.contains(&format!("{text} = {}", grouped(space))),
            "protocol.md lacks `{text} = {}`",
            grouped(space)
        );
        assert!(
            doc.contains(&grouped(capacity)),
            "protocol.md lacks the capacity {}",
            grouped(capacity)
        );
    }
    // The refusal, word for word (the doc wraps it over lines).
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let cap = codegen::capacity(&defaults);
    let refusal = codegen::check_capacity(&defaults, cap, 1)
        .expect_err("one code past the capacity is refused")
        .to_string();
    assert!(
        collapse(&doc).contains(&collapse(&refusal)),
        "protocol.md lacks the refusal {refusal:?}"
    );

    // The example code of the check character's worked example is valid for
    // the examples' campaign, and a mistyped or swapped one is not.
    let rules = spring().rules;
    let code = "SPR-X7KM4TQAM";
    assert!(doc.contains(&format!("`{code}`")));
    assert!(codegen::verify(&rules, code, &[0; 16]));
    for bad in ["SPR-X7KM4TQAN", "SPR-7XKM4TQAM", "SPR-X7KM4TQMA"] {
        assert!(codegen::has_shape(&rules, bad), "{bad}");
        assert!(!codegen::verify(&rules, bad, &[0; 16]), "{bad}");
    }
}

/// The text of protocol.md from the heading `heading` (a whole line) to the
/// next heading of the same or a higher level.
fn doc_section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let start = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("protocol.md has no heading {heading:?}"))
        + 1;
    let body = &doc[start + heading.len()..];
    let end = body
        .match_indices("\n#")
        .find(|(i, _)| {
            let hashes = body[i + 1..].chars().take_while(|&c| c == '#').count();
            hashes <= level && body[i + 1 + hashes..].starts_with(' ')
        })
        .map_or(body.len(), |(i, _)| i);
    &doc[start..start + heading.len() + end]
}

/// Every `⌊D × R / F⌋ = X` in `text` (numbers only, spaces in them allowed):
/// (D, R, F, X).
fn refund_formulas(text: &str) -> Vec<(i64, i64, i64, i64)> {
    let number = |s: &str| s.replace(' ', "").parse::<i64>().ok();
    let mut found = Vec::new();
    for (i, _) in text.match_indices('⌊') {
        let rest = &text[i + '⌊'.len_utf8()..];
        let Some(close) = rest.find('⌋') else {
            continue;
        };
        let inside = &rest[..close];
        let Some((d, rest_inside)) = inside.split_once('×') else {
            continue;
        };
        let Some((r, f)) = rest_inside.split_once('/') else {
            continue;
        };
        let after = &rest[close + '⌋'.len_utf8()..];
        let Some(value) = after.strip_prefix(" = ") else {
            continue;
        };
        let digits: String = value
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ' ')
            .collect();
        if let (Some(d), Some(r), Some(f), Some(x)) =
            (number(d), number(r), number(f), number(digits.trim_end()))
        {
            found.push((d, r, f, x));
        }
    }
    found
}

/// The discount each of a series of refunds gives back: the total given back
/// after it, less the total before it.
fn given_back(discount: i64, paid: i64, refunds: &[i64]) -> Vec<i64> {
    use couponsd::rules::refund::discount_returned;

    let mut refunded = 0;
    let mut before = 0;
    refunds
        .iter()
        .map(|r| {
            refunded += r;
            let total = discount_returned(discount, paid, refunded);
            let this = total - before;
            before = total;
            this
        })
        .collect()
}

/// The numbers of protocol.md's partial-reversal worked examples, and of the
/// refund examples, follow the rule: refunds are of what was paid (the
/// redemption's `final_amount`), and the discount given back in all is
/// floor(D × refunded / F).
#[test]
fn partial_reversal_example_follows_the_rule() {
    use couponsd::rules::refund::discount_returned;

    let doc = protocol_md();
    let section = doc_section(&doc, "### Partial reversal");
    let example = doc_section(&doc, "### reverse_refund_request");

    // Every ⌊D × R / F⌋ = X the doc computes is the rule's.
    let formulas: Vec<_> = refund_formulas(section)
        .into_iter()
        .chain(refund_formulas(example))
        .collect();
    assert!(formulas.len() >= 5, "too few formulas found: {formulas:?}");
    for (d, r, f, x) in formulas {
        assert_eq!(
            discount_returned(d, f, r),
            x,
            "protocol.md: ⌊{d} × {r} / {f}⌋ = {x} is not the rule's"
        );
    }

    // The first worked example is redemption 1 of redeem_reply, refunded
    // 50.00, 40.00, then the rest (30.00) of the 120.00 paid.
    let Example::Reply {
        response: Response::Redemption(RedemptionReply { redemption, .. }),
        ..
    } = redeem_reply()
    else {
        panic!("redeem_reply is not a redemption reply");
    };
    let (d, f) = (redemption.discount_amount, redemption.final_amount);
    assert_eq!((d, f), (3000, 12000));
    assert!(section.contains(&format!("D = {d} off, so the customer paid F = {f}")));
    assert_eq!(given_back(d, f, &[5000, 4000, 3000]), [1250, 1000, 750]);
    assert!(section.contains("| 1250 | false |"));
    assert!(section.contains("2250 − 1250 = 1000"));
    assert!(section.contains("3000 − 2250 = 750"));
    assert!(section.contains("only 3000 is left"));

    // 10 % off 200.00: D = 20.00, F = 180.00, refunded in three parts of
    // 60.00: 6.66, 6.67, 6.67, the third the full reversal.
    assert_eq!(
        given_back(2000, 18000, &[6000, 6000, 6000]),
        [666, 667, 667]
    );
    assert!(section.contains("D = 2000 (20.00) off, and the customer paid F = 18000"));
    assert!(section.contains("1333 − 666 = 667 (6.67)"));
    assert!(section.contains("2000 − 1333 = 667 (6.67)"));
    // Nothing paid: a full reversal gives back the whole discount.
    assert_eq!(discount_returned(2000, 0, 0), 2000);

    // The reversal_list_reply example carries the first refund of the
    // reverse_refund_request example, with the rule's share of the discount.
    let Example::Reply {
        response: Response::Reversals(list),
        ..
    } = reversal_list_reply()
    else {
        panic!("reversal_list_reply is not a REVERSAL_LIST reply");
    };
    let Example::Request {
        request:
            Request::Reverse {
                refund_amount: Some(refund),
                ..
            },
        ..
    } = reverse_refund_request()
    else {
        panic!("reverse_refund_request is not a partial REVERSE");
    };
    assert_eq!(list[0].refund_amount, refund);
    assert_eq!(list[0].discount_returned, discount_returned(d, f, refund));
    assert!(!list[0].full);
}

/// What protocol.md states about campaigns' codes is what the code does:
/// `validity_days` and its worked example, prefix and suffix characters,
/// shapes shared between campaigns and the refusal it gives, and the most
/// reversals a redemption may have.
#[test]
fn campaign_rules_are_the_codes() {
    use couponsd::codegen;
    use couponsd::domain::campaign::{CampaignDef, MAX_VALIDITY_DAYS};
    use couponsd::domain::limits;
    use couponsd::error::Error;

    let doc = protocol_md();
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = collapse(&doc);

    // validity_days: 30 days from the code's generation at T, unless the
    // template ends earlier.
    assert!(flat.contains(&format!("At most {MAX_VALIDITY_DAYS} (ten years")));
    let def = |validity_days, ends_at| CampaignDef {
        id: 1,
        revision: 1,
        spec: CampaignSpec {
            validity_days,
            template: CouponSpec {
                ends_at,
                ..spring().template
            },
            ..spring()
        },
        status: CampaignStatus::Active,
        generation_target: 1,
        created_at: T,
        updated_at: T,
        created_by: String::new(),
    };
    let ends = |d: &CampaignDef| d.coupon(2, "SPR-X7KM4TQAM", T).spec.ends_at;
    let thirty = T + 30 * 86_400_000;
    assert_eq!(ends(&def(30, None)), Some(thirty));
    assert!(flat.contains(&format!(
        "{} + 30 × 86 400 000 = {}",
        grouped(T as u128),
        grouped(thirty as u128)
    )));
    assert_eq!(ends(&def(30, Some(thirty - 1))), Some(thirty - 1));
    assert_eq!(ends(&def(0, None)), None);

    // Prefix and suffix characters.
    assert!(doc.contains(&format!("`{}`", codegen::AFFIX_MARKS)));
    let field = |prefix: &str, suffix: &str| {
        let rules = GenerationRules {
            prefix: prefix.into(),
            suffix: suffix.into(),
            ..GenerationRules::default()
        };
        match codegen::validate(&rules) {
            Ok(()) => None,
            Err(Error::InvalidArgument { field, .. }) => Some(field),
            Err(other) => panic!("{other:?}"),
        }
    };
    assert_eq!(field("SPR-", "-X.Y_Z~"), None);
    assert_eq!(field("-SPR", ""), Some("prefix"));
    for bad in ["#", "@", "=", "+", ",", "\"", " "] {
        assert_eq!(field(bad, ""), Some("prefix"), "{bad:?}");
        assert_eq!(field("", bad), Some("suffix"), "{bad:?}");
    }

    // Shared shapes: the examples' campaign, one of the same length and
    // alphabet without a check character, and one with another prefix.
    let spr = spring().rules;
    let nine = GenerationRules {
        code_length: 9,
        check: CodeCheck::None,
        ..spr.clone()
    };
    let sum = GenerationRules {
        prefix: "SUM-".into(),
        ..spr.clone()
    };
    assert!(codegen::shares_space(&spr, &nine));
    assert!(!codegen::shares_space(&spr, &sum));
    assert_eq!(codegen::capacity(&spr) - 100_000, 52_587);
    assert!(flat.contains("may ask for at most 52 587"));
    codegen::check_capacity(&spr, 100_000, 52_587).expect("fits");
    let refusal = codegen::check_capacity(&spr, 100_000, 60_000)
        .expect_err("the shape is full")
        .to_string();
    assert!(
        flat.contains(&collapse(&refusal)),
        "protocol.md lacks the refusal {refusal:?}"
    );

    // At most 100 reversals per redemption.
    assert!(doc.contains(&format!("at most **{} reversals**", limits::REVERSALS)));
    assert!(doc.contains(&format!(
        "| reversals per redemption | ≤ {}",
        limits::REVERSALS
    )));
}

/// Every row of an example's offset table that writes its bytes out
/// (`` `00 06 73 70` ``, or `` `00 11` + 17 bytes ``) shows the bytes the
/// example's hex block has at that offset, so no table can go stale when a
/// layout changes and the hex is pasted anew.
#[test]
fn offset_tables_show_the_examples_bytes() {
    let doc = protocol_md();
    let documented = documented_examples(&doc);
    let mut example: Option<&str> = None;
    let mut checked = 0;
    for (n, line) in doc.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("<!-- example:") {
            example = Some(rest.trim_end_matches("-->").trim());
            continue;
        }
        if line.starts_with('#') {
            example = None;
            continue;
        }
        let Some(name) = example else {
            continue;
        };
        // | offset | `bytes` … | field | value |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || !cells[0].is_empty() {
            continue;
        }
        let Ok(offset) = cells[1].parse::<usize>() else {
            continue;
        };
        let Some((hex, _)) = cells[2]
            .strip_prefix('`')
            .and_then(|rest| rest.split_once('`'))
        else {
            continue;
        };
        let bytes: Vec<u8> = hex
            .split_whitespace()
            .map(|b| {
                u8::from_str_radix(b, 16)
                    .unwrap_or_else(|_| panic!("protocol.md:{}: {b:?} is not a hex byte", n + 1))
            })
            .collect();
        let frame = &documented[name];
        assert_eq!(
            frame.get(offset..offset + bytes.len()),
            Some(&bytes[..]),
            "protocol.md:{}: example {name}, offset {offset} ({}): the table's bytes are not the frame's",
            n + 1,
            cells[3]
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} table rows found");
}
