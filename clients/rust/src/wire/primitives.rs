//! Field encoding shared by every message: big-endian integers, length-prefixed
//! strings and lists, presence-tagged optionals. See protocol.md, "Field types".

use bytes::{BufMut, BytesMut};

/// Why a frame body could not be decoded. Always a protocol violation by the peer:
/// framing already guaranteed that the whole body is here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("body ends inside field `{0}`")]
    Truncated(&'static str),
    #[error("field `{0}` is not valid UTF-8")]
    InvalidUtf8(&'static str),
    #[error("field `{field}` has unknown value {value}")]
    UnknownValue { field: &'static str, value: u64 },
}

/// Appends fields to a frame body.
pub struct Writer<'a> {
    buf: &'a mut BytesMut,
}

impl<'a> Writer<'a> {
    pub fn new(buf: &'a mut BytesMut) -> Self {
        Writer { buf }
    }
    pub fn u8(&mut self, v: u8) {
        self.buf.put_u8(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.buf.put_u16(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.put_u32(v);
    }
    pub fn u64(&mut self, v: u64) {
        self.buf.put_u64(v);
    }
    pub fn i64(&mut self, v: i64) {
        self.buf.put_i64(v);
    }
    pub fn i32(&mut self, v: i32) {
        self.buf.put_i32(v);
    }
    pub fn bool(&mut self, v: bool) {
        self.buf.put_u8(u8::from(v));
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.buf.put_slice(v);
    }
    /// A blob is a u32 byte length then the bytes (records, rows, chunks).
    pub fn blob(&mut self, v: &[u8]) {
        self.buf.put_u32(v.len() as u32);
        self.buf.put_slice(v);
    }
    /// A string is a u16 byte length then UTF-8. Longer strings are cut at the
    /// last character boundary that fits: the server rejects far shorter ones.
    pub fn str(&mut self, v: &str) {
        let mut end = v.len().min(u16::MAX as usize);
        while !v.is_char_boundary(end) {
            end -= 1;
        }
        self.buf.put_u16(end as u16);
        self.buf.put_slice(&v.as_bytes()[..end]);
    }
    pub fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.u64(x);
            }
            None => self.u8(0),
        }
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.i64(x);
            }
            None => self.u8(0),
        }
    }
    pub fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.u32(x);
            }
            None => self.u8(0),
        }
    }
    /// A list is a u16 item count then the items. Callers bound their lists far
    /// below u16::MAX (the frame size cap is the real limit).
    pub fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        let count = items.len().min(u16::MAX as usize);
        self.u16(count as u16);
        for item in &items[..count] {
            each(self, item);
        }
    }
    pub fn strs(&mut self, items: &[String]) {
        self.list(items, |w, s| w.str(s));
    }
}

/// Reads fields from a frame body. Every read names the field it is reading, so
/// that a truncated or invalid body produces an error that says where.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(DecodeError::Truncated(field))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }
    pub fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array(field)?))
    }
    pub fn i32(&mut self, field: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }
    pub fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(DecodeError::UnknownValue {
                field,
                value: u64::from(v),
            }),
        }
    }
    pub fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        self.take(n, field)
    }
    pub fn blob(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = self.u32(field)? as usize;
        self.take(n, field)
    }
    pub fn str(&mut self, field: &'static str) -> Result<String, DecodeError> {
        let len = self.u16(field)? as usize;
        let raw = self.take(len, field)?;
        std::str::from_utf8(raw)
            .map(str::to_owned)
            .map_err(|_| DecodeError::InvalidUtf8(field))
    }
    fn present(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        self.bool(field)
    }
    pub fn opt_u64(&mut self, field: &'static str) -> Result<Option<u64>, DecodeError> {
        Ok(if self.present(field)? {
            Some(self.u64(field)?)
        } else {
            None
        })
    }
    pub fn opt_i64(&mut self, field: &'static str) -> Result<Option<i64>, DecodeError> {
        Ok(if self.present(field)? {
            Some(self.i64(field)?)
        } else {
            None
        })
    }
    pub fn opt_u32(&mut self, field: &'static str) -> Result<Option<u32>, DecodeError> {
        Ok(if self.present(field)? {
            Some(self.u32(field)?)
        } else {
            None
        })
    }
    pub fn list<T>(
        &mut self,
        field: &'static str,
        mut each: impl FnMut(&mut Self) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        let count = self.u16(field)? as usize;
        // Never trust a count for allocation: every item takes at least one byte.
        let mut items = Vec::with_capacity(count.min(self.remaining()));
        for _ in 0..count {
            items.push(each(self)?);
        }
        Ok(items)
    }
    pub fn strs(&mut self, field: &'static str) -> Result<Vec<String>, DecodeError> {
        self.list(field, |r| r.str(field))
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
}

/// Declares a `#[repr(u8)]`-style enum carried on the wire as one byte, with its
/// protocol name (used in JSON and the CLI) for each value.
#[macro_export]
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal),+ $(,)? }) => {
        $crate::__wire_enum_decl!($(#[$meta])* $name { $($variant = $value => $text),+ });

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_u8(self) -> u8 { self as u8 }
            pub fn from_u8(v: u8) -> Option<Self> {
                match v { $($value => Some($name::$variant),)+ _ => None }
            }
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn from_name(s: &str) -> Option<Self> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.name().eq_ignore_ascii_case(s))
            }
            pub fn read(r: &mut $crate::wire::Reader<'_>, field: &'static str)
                -> Result<Self, $crate::wire::DecodeError> {
                let v = r.u8(field)?;
                Self::from_u8(v).ok_or($crate::wire::DecodeError::UnknownValue { field, value: u64::from(v) })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

/// The enum itself, deriving serde's traits (by protocol name) when the
/// `serde` feature is on: the golden vectors (clients/vectors) print values so.
#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_enum_decl {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal),+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant = $value),+ }
    };
}

#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_enum_decl {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal => $text:literal),+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant = $value),+ }
    };
}
