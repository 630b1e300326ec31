//! How the fields JSON cannot hold as they are go through serde (the `serde`
//! feature): 128-bit integers as decimal strings, bytes as lowercase hex.

/// A u128 as a decimal string: no JSON number reader keeps 128 bits.
pub mod u128_decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        u128::deserialize(d)
    }
}

/// Bytes as one lowercase hex string.
pub mod hex {
    use serde::de::{Error, Visitor};
    use serde::{Deserializer, Serializer};
    use std::fmt;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesOrHex)
    }

    pub fn encode(v: &[u8]) -> String {
        v.iter().map(|b| format!("{b:02x}")).collect()
    }

    struct BytesOrHex;

    impl Visitor<'_> for BytesOrHex {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("bytes or a hex string")
        }
        fn visit_bytes<E: Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_str<E: Error>(self, v: &str) -> Result<Vec<u8>, E> {
            let digit = |c: u8| (c as char).to_digit(16).ok_or_else(|| E::custom("not hex"));
            if v.len() % 2 != 0 {
                return Err(E::custom("odd hex length"));
            }
            v.as_bytes()
                .chunks(2)
                .map(|p| Ok((digit(p[0])? * 16 + digit(p[1])?) as u8))
                .collect()
        }
    }
}

/// Optional bytes: hex, or null.
pub mod hex_option {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_some(&super::hex::encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        #[derive(Deserialize)]
        struct Hex(#[serde(with = "super::hex")] Vec<u8>);
        Ok(Option::<Hex>::deserialize(d)?.map(|h| h.0))
    }
}
