//! Row formats: a format version byte, then the explicit field layout of
//! protocol.md (for redemptions, exactly the wire message).

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Redemption, Writer};

use super::{Result, StorageError};
use crate::domain::coupon::CouponDef;

const ROW_FORMAT_V1: u8 = 1;

pub fn encode_coupon(c: &CouponDef) -> Vec<u8> {
    encode(|w| c.write(w))
}

pub fn decode_coupon(raw: &[u8]) -> Result<CouponDef> {
    decode("coupons", raw, CouponDef::read)
}

pub fn encode_redemption(r: &Redemption) -> Vec<u8> {
    encode(|w| r.write(w))
}

pub fn decode_redemption(raw: &[u8]) -> Result<Redemption> {
    decode("redemptions", raw, Redemption::read)
}

fn encode(write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut buf = BytesMut::with_capacity(256);
    let mut w = Writer::new(&mut buf);
    w.u8(ROW_FORMAT_V1);
    write(&mut w);
    buf.to_vec()
}

fn decode<T>(
    table: &'static str,
    raw: &[u8],
    read: impl FnOnce(&mut Reader) -> std::result::Result<T, DecodeError>,
) -> Result<T> {
    let corrupt = |reason: String| StorageError::Corrupt { table, reason };
    let mut r = Reader::new(raw);
    match r.u8("format") {
        Ok(ROW_FORMAT_V1) => read(&mut r).map_err(|e| corrupt(e.to_string())),
        Ok(v) => Err(corrupt(format!("unknown row format {v}"))),
        Err(e) => Err(corrupt(e.to_string())),
    }
}
