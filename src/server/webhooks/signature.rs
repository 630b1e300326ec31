//! What a webhook POST carries: the body (the event's JSON wrapped as
//! `{id, type, created_ms, data}`) and its signature, as Stripe signs:
//! `Couponsd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>`, keyed with the whole secret string (`whsec_…`).

use bytes::Bytes;
use couponsd_client::wire::Event;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::events::json::event_json;

/// The prefix of every endpoint secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a secret (then hex).
const SECRET_BYTES: usize = 32;

/// A new endpoint secret: `whsec_` and 64 hex digits from the OS's
/// cryptographic generator (through `rand`).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex(&bytes))
}

/// The POST body of one event.
pub fn body(event: &Event) -> Bytes {
    let wrapped = serde_json::json!({
        "id": event.id,
        "type": event.event_type.map_or("", |t| t.name()),
        "created_ms": event.time,
        "data": event_json(event),
    });
    Bytes::from(wrapped.to_string())
}

/// The `Couponsd-Signature` header's value for `body` sent at `unix_s`.
pub fn signature(secret: &str, unix_s: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of any length"),
    };
    mac.update(unix_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix_s},v1={}", hex(&mac.finalize().into_bytes()))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// protocol.md's worked example, byte for byte.
    #[test]
    fn signs_the_documented_example() {
        let secret = format!("whsec_{}", "00".repeat(32));
        let body = br#"{"id":65536,"type":"coupon.created"}"#;
        assert_eq!(
            signature(&secret, 1_700_000_000, body),
            "t=1700000000,v1=5baa4c62ac1ad7fdbbbaf630be40cb49021842b8818f5ae6260320bc1215117a"
        );
    }

    #[test]
    fn secrets_are_prefixed_random_hex() {
        let a = new_secret();
        let b = new_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), SECRET_PREFIX.len() + 2 * SECRET_BYTES);
        assert!(a[SECRET_PREFIX.len()..]
            .bytes()
            .all(|c| c.is_ascii_hexdigit()));
    }
}
