//! Row formats: a format version byte, then the explicit field layout of
//! protocol.md (for redemptions, exactly the wire message).

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Redemption, Reversal, Writer};

use super::{Result, StorageError};
use crate::domain::campaign::{CampaignDef, GeneratedCode};
use crate::domain::coupon::{CouponDef, SpecLayout};

/// Redemption rows; coupon rows whose spec has the original layout.
const ROW_FORMAT_V1: u8 = 1;
/// Coupon rows whose spec has the current layout (with the discount-rule fields).
const COUPON_ROW_FORMAT_V2: u8 = 2;

pub fn encode_coupon(c: &CouponDef) -> Vec<u8> {
    encode(COUPON_ROW_FORMAT_V2, |w| c.write(w))
}

pub fn decode_coupon(raw: &[u8]) -> Result<CouponDef> {
    decode("coupons", raw, |format, r| match format {
        ROW_FORMAT_V1 => Some(CouponDef::read(r, SpecLayout::Original)),
        COUPON_ROW_FORMAT_V2 => Some(CouponDef::read(r, SpecLayout::Current)),
        _ => None,
    })
}

pub fn encode_redemption(r: &Redemption) -> Vec<u8> {
    encode(ROW_FORMAT_V1, |w| r.write(w))
}

pub fn decode_redemption(raw: &[u8]) -> Result<Redemption> {
    decode("redemptions", raw, |format, r| {
        (format == ROW_FORMAT_V1).then(|| Redemption::read(r))
    })
}

pub fn encode_campaign(c: &CampaignDef) -> Vec<u8> {
    encode(ROW_FORMAT_V1, |w| c.write(w))
}

pub fn decode_campaign(raw: &[u8]) -> Result<CampaignDef> {
    decode("campaigns", raw, |format, r| {
        (format == ROW_FORMAT_V1).then(|| CampaignDef::read(r))
    })
}

/// A generated code's row: its campaign and the code.
pub fn encode_code(campaign_id: u64, code: &str, issued_at: i64) -> Vec<u8> {
    encode(ROW_FORMAT_V1, |w| {
        w.u64(campaign_id);
        w.str(code);
        w.i64(issued_at);
    })
}

pub fn decode_code(raw: &[u8]) -> Result<GeneratedCode> {
    decode("codes", raw, |format, r| {
        (format == ROW_FORMAT_V1).then(|| {
            Ok(GeneratedCode {
                campaign_id: r.u64("campaign_id")?,
                code: r.str("code")?.into(),
                issued_at: r.i64("issued_at")?,
            })
        })
    })
}

pub fn encode_reversal(r: &Reversal) -> Vec<u8> {
    encode(ROW_FORMAT_V1, |w| r.write(w))
}

pub fn decode_reversal(raw: &[u8]) -> Result<Reversal> {
    decode("reversals", raw, |format, r| {
        (format == ROW_FORMAT_V1).then(|| Reversal::read(r))
    })
}

fn encode(format: u8, write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut buf = BytesMut::with_capacity(256);
    let mut w = Writer::new(&mut buf);
    w.u8(format);
    write(&mut w);
    buf.to_vec()
}

/// `read` decodes the rest of a row of the given format, or says None: a
/// format this table does not have.
fn decode<T>(
    table: &'static str,
    raw: &[u8],
    read: impl FnOnce(u8, &mut Reader) -> Option<std::result::Result<T, DecodeError>>,
) -> Result<T> {
    let corrupt = |reason: String| StorageError::Corrupt { table, reason };
    let mut r = Reader::new(raw);
    let format = r.u8("format").map_err(|e| corrupt(e.to_string()))?;
    match read(format, &mut r) {
        Some(row) => row.map_err(|e| corrupt(e.to_string())),
        None => Err(corrupt(format!("unknown row format {format}"))),
    }
}

#[cfg(test)]
mod tests {
    use couponsd_client::wire::CouponSpec;

    use super::*;
    use crate::domain::coupon::test_support::encode_with_original_spec;

    fn def(spec: CouponSpec) -> CouponDef {
        CouponDef {
            id: 3,
            revision: 2,
            spec,
            created_at: 10,
            updated_at: 20,
            created_by: "loopback".into(),
        }
    }

    #[test]
    fn coupon_rows_of_both_formats_decode() {
        let current = def(CouponSpec {
            code: "BOGO".into(),
            buy_quantity: 1,
            get_quantity: 1,
            active_days: 3,
            ..CouponSpec::default()
        });
        assert_eq!(decode_coupon(&encode_coupon(&current)).unwrap(), current);

        // A row written before the discount-rule fields: format 1.
        let old = def(CouponSpec {
            code: "OLD".into(),
            ..CouponSpec::default()
        });
        let mut row = vec![ROW_FORMAT_V1];
        row.extend(encode_with_original_spec(&old));
        assert_eq!(decode_coupon(&row).unwrap(), old);
        row[0] = 9;
        assert!(decode_coupon(&row).is_err());
    }
}
