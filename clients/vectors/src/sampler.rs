//! A serde Deserializer that makes up a value of any wire type, in one of a
//! few shapes (`Case`): derived `Deserialize` walks the type's fields and asks
//! for each, so every request and reply is covered without writing samples
//! by hand, and a field added to the codec shows up in the vectors by itself.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::cell::Cell;

/// The shape of a made-up value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Small distinct numbers, short strings, lists of two, optionals present,
    /// enum values spread over their range.
    Typical,
    /// Zeros, empty strings and lists, absent optionals, the first enum value.
    Empty,
    /// The largest integers, long multi-byte strings, lists of three, the last
    /// enum value.
    Max,
    /// The first string is 65,535 bytes and the first list has 300 elements
    /// (crossing one-byte counts); everything else as `Empty`.
    Long,
}

/// Elements of the one long list in `Case::Long`.
pub const LONG_LIST_LEN: usize = 300;
/// Bytes of the one long string in `Case::Long`: the most a `str` holds.
pub const LONG_STRING_BYTES: usize = u16::MAX as usize;

pub struct Sampler {
    case: Case,
    /// Counts every value made, so that typical values differ from each other.
    counter: Cell<u64>,
    /// `Case::Long`: whether the long string and the long list are used up.
    long_string_done: Cell<bool>,
    long_list_done: Cell<bool>,
    /// The variant to pick for the next enum (the top-level message).
    next_variant: Cell<Option<usize>>,
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Error {}
impl de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

impl Sampler {
    pub fn new(case: Case, variant: Option<usize>) -> Sampler {
        Sampler {
            case,
            counter: Cell::new(0),
            long_string_done: Cell::new(false),
            long_list_done: Cell::new(false),
            next_variant: Cell::new(variant),
        }
    }

    fn tick(&self) -> u64 {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        n
    }

    /// An unsigned value of `bits` bits.
    fn unsigned(&self, bits: u32) -> u128 {
        let n = u128::from(self.tick());
        let max = if bits == 128 {
            u128::MAX
        } else {
            (1u128 << bits) - 1
        };
        match self.case {
            Case::Typical => {
                // Distinct, with bytes that differ, and above 2^32 for wide types.
                let wide = if bits >= 64 { 0x0102_0304_0000_0000 } else { 0 };
                (wide + n * 0x0101 + 7) & max
            }
            Case::Empty | Case::Long => 0,
            Case::Max => max,
        }
    }

    fn signed(&self, bits: u32) -> i128 {
        let n = i128::from(self.tick());
        let max = (1i128 << (bits - 1)) - 1;
        match self.case {
            Case::Typical => {
                let v = 10_000 + n * 1_013;
                // Every third one negative, so sign handling is covered.
                if n % 3 == 0 {
                    -v
                } else {
                    v
                }
            }
            Case::Empty | Case::Long => 0,
            // Alternately the largest and the smallest.
            Case::Max if n % 2 == 0 => -max - 1,
            Case::Max => max,
        }
    }

    fn string(&self) -> String {
        let n = self.tick();
        match self.case {
            Case::Typical => format!("s{n}-é"),
            Case::Empty => String::new(),
            Case::Max => "Zé€😀".repeat(20),
            Case::Long if !self.long_string_done.get() => {
                self.long_string_done.set(true);
                // 'é' is two bytes: 32,767 of them and one ASCII byte.
                let mut s = "é".repeat(LONG_STRING_BYTES / 2);
                s.push('x');
                debug_assert_eq!(s.len(), LONG_STRING_BYTES);
                s
            }
            Case::Long => String::new(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        match self.case {
            Case::Typical => vec![0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff],
            Case::Empty | Case::Long => Vec::new(),
            Case::Max => (0..=255u8).collect(),
        }
    }

    fn list_len(&self) -> usize {
        match self.case {
            Case::Typical => 2,
            Case::Empty => 0,
            Case::Max => 3,
            Case::Long if !self.long_list_done.get() => {
                self.long_list_done.set(true);
                LONG_LIST_LEN
            }
            Case::Long => 0,
        }
    }

    fn option_present(&self) -> bool {
        matches!(self.case, Case::Typical | Case::Max)
    }

    fn pick_variant(&self, count: usize) -> usize {
        if let Some(i) = self.next_variant.take() {
            return i;
        }
        let n = self.tick() as usize;
        match self.case {
            Case::Typical => n % count,
            Case::Empty | Case::Long => 0,
            Case::Max => count - 1,
        }
    }
}

macro_rules! unsigned {
    ($($method:ident $visit:ident $ty:ty, $bits:literal;)+) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.$visit(self.unsigned($bits) as $ty)
        }
    )+};
}

macro_rules! signed {
    ($($method:ident $visit:ident $ty:ty, $bits:literal;)+) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            v.$visit(self.signed($bits) as $ty)
        }
    )+};
}

impl<'de> de::Deserializer<'de> for &Sampler {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error("a wire type asked for any value".into()))
    }

    unsigned! {
        deserialize_u8 visit_u8 u8, 8;
        deserialize_u16 visit_u16 u16, 16;
        deserialize_u32 visit_u32 u32, 32;
        deserialize_u64 visit_u64 u64, 64;
        deserialize_u128 visit_u128 u128, 128;
    }

    signed! {
        deserialize_i8 visit_i8 i8, 8;
        deserialize_i16 visit_i16 i16, 16;
        deserialize_i32 visit_i32 i32, 32;
        deserialize_i64 visit_i64 i64, 64;
        deserialize_i128 visit_i128 i128, 128;
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let n = self.tick();
        v.visit_bool(match self.case {
            Case::Typical => n % 2 == 1,
            Case::Empty | Case::Long => false,
            Case::Max => true,
        })
    }

    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error("no floats on the wire".into()))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error("no floats on the wire".into()))
    }
    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error("no chars on the wire".into()))
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string())
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string())
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_byte_buf(self.bytes())
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_byte_buf(self.bytes())
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.option_present() {
            v.visit_some(self)
        } else {
            v.visit_none()
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let len = self.list_len();
        v.visit_seq(Elements {
            sampler: self,
            left: len,
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, Error> {
        v.visit_seq(Elements {
            sampler: self,
            left: len,
        })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, v)
    }
    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error("no maps on the wire".into()))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(fields.len(), v)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        if variants.is_empty() {
            return Err(Error(format!("enum {name} has no variants")));
        }
        let index = self.pick_variant(variants.len());
        let variant = variants
            .get(index)
            .ok_or_else(|| Error(format!("{name} has no variant {index}")))?;
        v.visit_enum(Variant {
            sampler: self,
            name: variant,
        })
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(Error("identifiers come from the enum access".into()))
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

struct Elements<'a> {
    sampler: &'a Sampler,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Elements<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.sampler).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct Variant<'a> {
    sampler: &'a Sampler,
    name: &'static str,
}

impl<'de, 'a> de::EnumAccess<'de> for Variant<'a> {
    type Error = Error;
    type Variant = Variant<'a>;
    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), Error> {
        let name: de::value::StrDeserializer<'_, Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self.sampler)
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self.sampler, len, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_tuple(self.sampler, fields.len(), v)
    }
}

/// A made-up value of `T` in this case; `variant` picks the top-level
/// enum's variant (a message) by index.
pub fn sample<T: de::DeserializeOwned>(case: Case, variant: Option<usize>) -> Result<T, Error> {
    T::deserialize(&Sampler::new(case, variant))
}

/// How many variants the enum `T` has (asks its Deserialize for them).
pub fn variant_count<T: de::DeserializeOwned>() -> usize {
    struct Count(Cell<usize>);
    impl<'de> de::Deserializer<'de> for &Count {
        type Error = Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
            Err(Error("counting".into()))
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Error> {
            self.0.set(variants.len());
            Err(Error("counted".into()))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct identifier ignored_any
        }
    }
    let count = Count(Cell::new(0));
    let _ = T::deserialize(&count);
    count.0.get()
}
