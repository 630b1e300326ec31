//! Coupon and redemption rows: a format version byte, then the same explicit
//! field layout that protocol.md gives for the message (so there is one layout
//! to specify and test).

use bytes::BytesMut;
use couponsd_client::wire::{Coupon, Reader, Redemption, Writer};

use super::{Result, StorageError};

const ROW_FORMAT_V1: u8 = 1;

pub fn encode_coupon(c: &Coupon) -> Vec<u8> {
    encode(|w| c.write(w))
}

pub fn decode_coupon(raw: &[u8]) -> Result<Coupon> {
    decode("coupons", raw, Coupon::read)
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
    read: impl FnOnce(&mut Reader) -> std::result::Result<T, couponsd_client::wire::DecodeError>,
) -> Result<T> {
    let corrupt = |reason: String| StorageError::Corrupt { table, reason };
    let mut r = Reader::new(raw);
    match r.u8("format") {
        Ok(ROW_FORMAT_V1) => read(&mut r).map_err(|e| corrupt(e.to_string())),
        Ok(v) => Err(corrupt(format!("unknown row format {v}"))),
        Err(e) => Err(corrupt(e.to_string())),
    }
}
