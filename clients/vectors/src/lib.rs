//! The golden vectors: every request and reply of protocol.md as bytes and as a
//! JSON value, made from the Rust codec (`couponsd_client::wire`), for the
//! client libraries of other languages to encode and decode byte for byte.
//! clients/vectors/README.md says how a value is written.

pub mod sampler;
mod values;

use bytes::BytesMut;
use couponsd_client::money;
use couponsd_client::wire::{
    self, opcode, ErrorBody, ErrorCode, Request, Response, Writer, NODE_TO_NODE,
};
use sampler::{sample, variant_count, Case};
use serde_json::{json, Map, Value};

/// Bumped when the file's shape (not its content) changes.
const FORMAT: u32 = 1;

/// Bytes a newer server may append to a reply; decoders must skip them.
const TRAILING: [u8; 5] = [0xde, 0xad, 0xbe, 0xef, 0x01];

/// The messages that also get a `Case::Long` vector (one long string and one
/// long list each: kept to a few so that the file stays small).
const LONG_REQUESTS: &[u16] = &[opcode::VALIDATE, opcode::CAMPAIGN_ASSIGN];
const LONG_REPLIES: &[u16] = &[opcode::CAMPAIGN_CODES, opcode::WEBHOOK_LIST];

/// The whole file, as pretty JSON ending in a newline.
pub fn generate() -> String {
    let file = json!({
        "format": FORMAT.to_string(),
        "protocol_version": wire::PROTOCOL_VERSION.to_string(),
        "opcodes": opcodes(),
        "error_codes": error_codes(),
        "enums": values::enums(),
        "currencies": currencies(),
        "money": money_vectors(),
        "money_errors": money_errors(),
        "frames": frames(),
        "messages": messages(),
    });
    let mut text = serde_json::to_string_pretty(&file).expect("JSON of JSON values");
    text.push('\n');
    text
}

fn opcodes() -> Map<String, Value> {
    opcode::ALL
        .iter()
        .map(|&op| (opcode_name(op).to_owned(), json!(op.to_string())))
        .collect()
}

fn opcode_name(op: u16) -> &'static str {
    opcode::name(op).expect("opcode::ALL holds named opcodes")
}

fn error_codes() -> Map<String, Value> {
    ErrorCode::ALL
        .iter()
        .map(|c| (c.name().to_owned(), json!(c.as_u16().to_string())))
        .collect()
}

fn currencies() -> Map<String, Value> {
    <iso_currency::Currency as iso_currency::IntoEnumIterator>::iter()
        .map(|c| {
            let code = c.code();
            let places = money::decimals(code).expect("an ISO currency");
            (code.to_owned(), json!(places.to_string()))
        })
        .collect()
}

/// `format(minor, currency)` gives `decimal` and `parse(decimal, currency)`
/// gives `minor`, for currencies of 0, 2 and 3 decimals and the extremes.
fn money_vectors() -> Vec<Value> {
    let cases: &[(i64, &str)] = &[
        (15000, "USD"),
        (3000, "USD"),
        (0, "USD"),
        (1, "USD"),
        (-1, "USD"),
        (-250, "EUR"),
        (105, "EUR"),
        (1234, "JPY"),
        (-7, "JPY"),
        (1234567, "KWD"),
        (5, "BHD"),
        (i64::MAX, "USD"),
        (-i64::MAX, "USD"),
        (i64::MAX, "JPY"),
        (99, "CLF"),
    ];
    cases
        .iter()
        .map(|&(minor, currency)| {
            let decimal = money::format(minor, currency);
            assert_eq!(money::parse(&decimal, currency), Ok(minor), "{decimal}");
            json!({"currency": currency, "minor": minor.to_string(), "decimal": decimal})
        })
        .collect()
}

/// Decimal strings `parse` refuses, and why (the Rust `MoneyError` variant).
fn money_errors() -> Vec<Value> {
    let cases: &[(&str, &str)] = &[
        ("1.234", "USD"),
        ("1.5", "JPY"),
        ("12.", "USD"),
        (".5", "USD"),
        ("1,00", "EUR"),
        ("", "USD"),
        ("abc", "USD"),
        ("92233720368547758.08", "USD"),
        ("1.00", "XXQ"),
    ];
    cases
        .iter()
        .map(|&(decimal, currency)| {
            let error = match money::parse(decimal, currency) {
                Err(money::MoneyError::UnknownCurrency(_)) => "UNKNOWN_CURRENCY",
                Err(money::MoneyError::NotDecimal(_)) => "NOT_DECIMAL",
                Err(money::MoneyError::TooPrecise { .. }) => "TOO_PRECISE",
                Err(money::MoneyError::Overflow(_)) => "OVERFLOW",
                Ok(v) => panic!("{decimal} {currency} parses as {v}"),
            };
            json!({"currency": currency, "decimal": decimal, "error": error})
        })
        .collect()
}

/// Whole frames: header, CRC-32 and body.
fn frames() -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |name: &str, request_id: u32, op: u16, status: ErrorCode, buf: BytesMut| {
        out.push(json!({
            "name": name,
            "request_id": request_id.to_string(),
            "opcode": opcode_name(op),
            "status": status.name(),
            "body_hex": hex(&buf[wire::frame::HEADER_LEN..]),
            "frame_hex": hex(&buf),
        }));
    };
    let mut buf = BytesMut::new();
    Request::Ping.encode_frame(1, &mut buf);
    push("PING request", 1, opcode::PING, ErrorCode::Ok, buf);

    let mut buf = BytesMut::new();
    let pong = Response::Pong {
        server_time_ms: 1_767_225_600_000,
    };
    pong.encode_frame(1, opcode::PING, &mut buf);
    push("PING reply", 1, opcode::PING, ErrorCode::Ok, buf);

    let mut buf = BytesMut::new();
    let redeem = sample::<Request>(Case::Typical, Some(request_index(opcode::REDEEM)))
        .expect("a REDEEM request");
    redeem.encode_frame(u32::MAX, &mut buf);
    push(
        "REDEEM request",
        u32::MAX,
        opcode::REDEEM,
        ErrorCode::Ok,
        buf,
    );

    let mut buf = BytesMut::new();
    let not_leader = ErrorBody {
        message: "not the leader".into(),
        leader: "10.0.0.2:7411".into(),
    };
    not_leader.encode_frame(7, opcode::REDEEM, ErrorCode::NotLeader, &mut buf);
    push(
        "REDEEM NOT_LEADER reply",
        7,
        opcode::REDEEM,
        ErrorCode::NotLeader,
        buf,
    );
    out
}

/// Every request, reply and error body, in each case.
fn messages() -> Vec<Value> {
    let mut out = Vec::new();
    for index in 0..variant_count::<Request>() {
        for case in [Case::Typical, Case::Empty, Case::Max, Case::Long] {
            out.extend(request_vectors(index, case));
        }
    }
    let mut replied = std::collections::BTreeSet::new();
    for index in 0..variant_count::<Response>() {
        for case in [Case::Typical, Case::Empty, Case::Max, Case::Long] {
            for vector in reply_vectors(index, case) {
                replied.insert(vector["opcode"].as_str().map(str::to_owned));
                out.push(vector);
            }
        }
    }
    for &op in opcode::ALL {
        assert!(
            replied.contains(&Some(opcode_name(op).to_owned())),
            "no reply vector for {}",
            opcode_name(op)
        );
    }
    out.extend(error_vectors());
    out
}

fn request_vectors(index: usize, case: Case) -> Vec<Value> {
    let request: Request = sample(case, Some(index)).expect("a sampled request");
    // The node-to-node messages carry their opcode inside: one vector each.
    let requests = match request {
        Request::Raft { body, .. } if case == Case::Typical => NODE_TO_NODE
            .into_iter()
            .map(|op| Request::Raft {
                opcode: op,
                body: body.clone(),
            })
            .collect(),
        Request::Raft { .. } => Vec::new(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for request in requests {
        let op = request.opcode();
        if case == Case::Long && !LONG_REQUESTS.contains(&op) {
            continue;
        }
        let mut frame = BytesMut::new();
        request.encode_frame(1, &mut frame);
        let body = &frame[wire::frame::HEADER_LEN..];
        let decoded = Request::decode(op, body);
        assert_eq!(
            decoded.as_ref(),
            Ok(&request),
            "{} {case:?} does not decode to itself",
            opcode_name(op)
        );
        out.push(vector(
            op,
            "request",
            case,
            body,
            None,
            body_value(&request),
        ));
    }
    out
}

fn reply_vectors(index: usize, case: Case) -> Vec<Value> {
    let reply: Response = sample(case, Some(index)).expect("a sampled reply");
    let body = reply_body(&reply);
    let candidates = if case == Case::Long {
        LONG_REPLIES
    } else {
        opcode::ALL
    };
    // The opcodes whose reply decodes as this variant and encodes back to the
    // same bytes. The decoded value is the vector's: a field the body does not
    // carry (BackupEnd's digest.lsn is its lsn) is as a client decodes it.
    let decoded: Vec<(u16, Response)> = candidates
        .iter()
        .filter_map(|&op| Some((op, Response::decode(op, &body).ok()?)))
        .filter(|(_, decoded)| {
            variant_name(decoded) == variant_name(&reply) && reply_body(decoded) == body
        })
        .collect();
    assert!(
        !decoded.is_empty() || case == Case::Long,
        "reply {} ({case:?}) decodes under no opcode",
        variant_name(&reply)
    );
    let mut out = Vec::new();
    for (op, reply) in decoded {
        let value = body_value(&reply);
        out.push(vector(op, "reply", case, &body, None, value.clone()));
        // A node-to-node reply's body is opaque here, and BACKUP_PART's part
        // runs to the end of the body: appended bytes would be theirs.
        if case == Case::Typical && !is_node_to_node(op) && op != opcode::BACKUP_PART {
            let mut longer = body.to_vec();
            longer.extend_from_slice(&TRAILING);
            assert_eq!(
                Response::decode(op, &longer).as_ref(),
                Ok(&reply),
                "{} ignores no trailing bytes",
                opcode_name(op)
            );
            out.push(vector(
                op,
                "reply",
                Case::Typical,
                &longer,
                Some(&body),
                value,
            ));
        }
    }
    out
}

/// One error reply per error code (an ErrorBody under that status), and the
/// body's other cases under NOT_LEADER.
fn error_vectors() -> Vec<Value> {
    let mut out = Vec::new();
    for &code in ErrorCode::ALL.iter().filter(|&&c| c != ErrorCode::Ok) {
        out.push(error_vector(code, Case::Typical));
    }
    for case in [Case::Empty, Case::Max, Case::Long] {
        out.push(error_vector(ErrorCode::NotLeader, case));
    }
    out
}

fn error_vector(code: ErrorCode, case: Case) -> Value {
    let error: ErrorBody = sample(case, None).expect("a sampled error body");
    let mut body = BytesMut::new();
    error.write(&mut Writer::new(&mut body));
    assert_eq!(ErrorBody::read(&body), error);
    let value = values::plain(serde_json::to_value(&error).expect("an error body as JSON"));
    let mut v = vector(opcode::REDEEM, "error", case, &body, None, value);
    v["status"] = json!(code.name());
    v["name"] = json!(format!("REDEEM error {} {}", code.name(), case_name(case)));
    v
}

fn vector(
    op: u16,
    direction: &str,
    case: Case,
    body: &[u8],
    canonical: Option<&[u8]>,
    value: Value,
) -> Value {
    let case = if canonical.is_some() {
        "trailing"
    } else {
        case_name(case)
    };
    let mut v = json!({
        "name": format!("{} {direction} {case}", opcode_name(op)),
        "opcode": opcode_name(op),
        "direction": direction,
        "case": case,
        "node_to_node": is_node_to_node(op),
        "body_hex": hex(body),
        "value": value,
    });
    if let Some(canonical) = canonical {
        v["canonical_hex"] = json!(hex(canonical));
    }
    v
}

fn is_node_to_node(op: u16) -> bool {
    NODE_TO_NODE.contains(&op)
}

fn case_name(case: Case) -> &'static str {
    match case {
        Case::Typical => "typical",
        Case::Empty => "empty",
        Case::Max => "max",
        Case::Long => "long",
    }
}

/// A message's value: the fields of its body, whatever the Rust enum variant
/// around them is called.
fn body_value<T: serde::Serialize>(message: &T) -> Value {
    let value = values::plain(serde_json::to_value(message).expect("a message as JSON"));
    match value {
        // A unit variant: an empty body.
        Value::String(_) => json!({}),
        Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
            Some((_, inner @ Value::Object(_))) => inner,
            Some((_, inner)) => json!({ "value": inner }),
            None => unreachable!("a map of one entry"),
        },
        other => panic!("a message serializes as a variant, not {other}"),
    }
}

fn reply_body(reply: &Response) -> BytesMut {
    let mut body = BytesMut::new();
    reply.write_body(&mut Writer::new(&mut body));
    body
}

/// The Rust variant name of a message, for messages about it.
fn variant_name<T: serde::Serialize>(message: &T) -> String {
    match serde_json::to_value(message) {
        Ok(Value::String(name)) => name,
        Ok(Value::Object(map)) => map.keys().next().cloned().unwrap_or_default(),
        _ => String::from("?"),
    }
}

/// The index of the Request variant with opcode `op`.
fn request_index(op: u16) -> usize {
    (0..variant_count::<Request>())
        .find(|&i| sample::<Request>(Case::Empty, Some(i)).is_ok_and(|r| r.opcode() == op))
        .expect("a request for every opcode")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
