//! Row formats: every row of `coupons`, `redemptions`, `campaigns`, `codes`
//! and `reversals` is
//!
//! ```text
//! u8 format (3) | body: the explicit field layout of protocol.md | u32 crc32, big-endian
//! ```
//!
//! (for redemptions the body is exactly the wire message). The checksum
//! covers the table's name, the row's key (u64, big-endian), the format byte
//! and the body, so a row edited in place, damaged, or moved to another key or
//! table fails it. A row that fails it, or does not decode to its last byte,
//! is `StorageError::Corrupt` naming the table and the key: never served.
//!
//! Rows written before checksums (format 1, and 2 for coupons) are read only
//! while a store is not yet bound (see `binding`): binding rewrites every row
//! in the current format, and from then on a row without a checksum is
//! corrupt (a checksummed row whose format byte was flipped to an old one
//! would otherwise be read without its check).

use bytes::BytesMut;
use couponsd_client::wire::{DecodeError, Reader, Redemption, Reversal, Writer};

use super::read::RowTable;
use super::{Result, StorageError};
use crate::domain::campaign::{CampaignDef, GeneratedCode};
use crate::domain::coupon::{CouponDef, SpecLayout};

/// Redemption, campaign, code and reversal rows, and coupon rows whose spec
/// has the original layout, from before checksums.
const ROW_FORMAT_V1: u8 = 1;
/// Coupon rows whose spec has the current layout, from before checksums.
const COUPON_ROW_FORMAT_V2: u8 = 2;
/// Every row written now: the current layout, with a checksum.
pub const ROW_FORMAT_CHECKSUMMED: u8 = 3;
/// The format byte leads every row.
pub const ROW_FORMAT_LEN: usize = 1;
/// The checksum ends every row of `ROW_FORMAT_CHECKSUMMED`.
pub const ROW_CHECKSUM_LEN: usize = 4;
const _: () = assert!(ROW_FORMAT_LEN == std::mem::size_of::<u8>());
const _: () = assert!(ROW_CHECKSUM_LEN == std::mem::size_of::<u32>());
const _: () = assert!(ROW_FORMAT_CHECKSUMMED > COUPON_ROW_FORMAT_V2);

/// Whether rows from before checksums may be read: only in a store that is
/// not bound yet (see `binding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyRows {
    Readable,
    Corrupt,
}

pub fn encode_coupon(c: &CouponDef) -> Vec<u8> {
    encode(RowTable::Coupons, c.id, |w| c.write(w))
}

pub fn decode_coupon(key: u64, raw: &[u8], legacy: LegacyRows) -> Result<CouponDef> {
    decode(
        RowTable::Coupons,
        key,
        raw,
        legacy,
        |format, r| match format {
            ROW_FORMAT_V1 => Some(CouponDef::read(r, SpecLayout::Original)),
            COUPON_ROW_FORMAT_V2 => Some(CouponDef::read(r, SpecLayout::Rules)),
            ROW_FORMAT_CHECKSUMMED => Some(CouponDef::read(r, SpecLayout::CurrentAtEnd)),
            _ => None,
        },
    )
}

pub fn encode_redemption(r: &Redemption) -> Vec<u8> {
    encode(RowTable::Redemptions, r.id, |w| r.write(w))
}

pub fn decode_redemption(key: u64, raw: &[u8], legacy: LegacyRows) -> Result<Redemption> {
    decode(RowTable::Redemptions, key, raw, legacy, |format, r| {
        one_layout(format).then(|| Redemption::read_at_end(r))
    })
}

pub fn encode_campaign(c: &CampaignDef) -> Vec<u8> {
    encode(RowTable::Campaigns, c.id, |w| c.write(w))
}

pub fn decode_campaign(key: u64, raw: &[u8], legacy: LegacyRows) -> Result<CampaignDef> {
    decode(RowTable::Campaigns, key, raw, legacy, |format, r| {
        one_layout(format).then(|| CampaignDef::read(r, SpecLayout::CurrentAtEnd))
    })
}

/// A generated code's row (keyed by its coupon id): its campaign, the code,
/// when it was generated, then, only for a code bound to a customer
/// (CAMPAIGN_ASSIGN), the customer id: a row that ends after `issued_at`
/// is bound to no one, so rows from before bound codes read as they are
/// and an unbound code's row has the same bytes as then.
pub fn encode_code(
    coupon_id: u64,
    campaign_id: u64,
    code: &str,
    issued_at: i64,
    customer_id: &str,
) -> Vec<u8> {
    encode(RowTable::Codes, coupon_id, |w| {
        w.u64(campaign_id);
        w.str(code);
        w.i64(issued_at);
        if !customer_id.is_empty() {
            w.str(customer_id);
        }
    })
}

pub fn decode_code(key: u64, raw: &[u8], legacy: LegacyRows) -> Result<GeneratedCode> {
    decode(RowTable::Codes, key, raw, legacy, |format, r| {
        one_layout(format).then(|| {
            Ok(GeneratedCode {
                campaign_id: r.u64("campaign_id")?,
                code: r.str("code")?.into(),
                issued_at: r.i64("issued_at")?,
                customer_id: if r.remaining() > 0 {
                    r.str("customer_id")?.into()
                } else {
                    "".into()
                },
            })
        })
    })
}

pub fn encode_reversal(r: &Reversal) -> Vec<u8> {
    encode(RowTable::Reversals, r.id, |w| r.write(w))
}

pub fn decode_reversal(key: u64, raw: &[u8], legacy: LegacyRows) -> Result<Reversal> {
    decode(RowTable::Reversals, key, raw, legacy, |format, r| {
        one_layout(format).then(|| Reversal::read(r))
    })
}

/// Decodes a row of `table` and encodes it again in the current format
/// (binding rewrites rows from before checksums this way).
pub fn reencode(table: RowTable, key: u64, raw: &[u8]) -> Result<Vec<u8>> {
    let legacy = LegacyRows::Readable;
    Ok(match table {
        RowTable::Coupons => encode_coupon(&decode_coupon(key, raw, legacy)?),
        RowTable::Redemptions => encode_redemption(&decode_redemption(key, raw, legacy)?),
        RowTable::Campaigns => encode_campaign(&decode_campaign(key, raw, legacy)?),
        RowTable::Codes => {
            let code = decode_code(key, raw, legacy)?;
            encode_code(
                key,
                code.campaign_id,
                &code.code,
                code.issued_at,
                &code.customer_id,
            )
        }
        RowTable::Reversals => encode_reversal(&decode_reversal(key, raw, legacy)?),
    })
}

/// Decodes a row of `table` fully, only to check it (`couponsd verify`).
pub fn check_decodes(table: RowTable, key: u64, raw: &[u8], legacy: LegacyRows) -> Result<()> {
    match table {
        RowTable::Coupons => decode_coupon(key, raw, legacy).map(drop),
        RowTable::Redemptions => decode_redemption(key, raw, legacy).map(drop),
        RowTable::Campaigns => decode_campaign(key, raw, legacy).map(drop),
        RowTable::Codes => decode_code(key, raw, legacy).map(drop),
        RowTable::Reversals => decode_reversal(key, raw, legacy).map(drop),
    }
}

/// Whether a row of this format is in the one layout of the tables other
/// than `coupons` (which has two).
fn one_layout(format: u8) -> bool {
    format == ROW_FORMAT_V1 || format == ROW_FORMAT_CHECKSUMMED
}

/// Whether rows are already in the current format: binding rewrites the others.
pub fn is_current(raw: &[u8]) -> bool {
    raw.first() == Some(&ROW_FORMAT_CHECKSUMMED)
}

fn checksum(table: RowTable, key: u64, row: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(table.name().as_bytes());
    h.update(&key.to_be_bytes());
    h.update(row);
    h.finalize()
}

fn encode(table: RowTable, key: u64, write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut buf = BytesMut::with_capacity(256);
    let mut w = Writer::new(&mut buf);
    w.u8(ROW_FORMAT_CHECKSUMMED);
    write(&mut w);
    let crc = checksum(table, key, &buf);
    Writer::new(&mut buf).u32(crc);
    debug_assert!(buf.len() >= ROW_FORMAT_LEN + ROW_CHECKSUM_LEN);
    buf.to_vec()
}

fn corrupt(table: RowTable, key: u64, reason: String) -> StorageError {
    StorageError::Corrupt {
        table: table.name(),
        key: key.to_string(),
        reason,
    }
}

/// Checks a row's format and checksum; returns its format and body (the
/// bytes between the format byte and the checksum). Reading raw rows
/// (DIGEST, snapshots) goes through this too.
pub fn check_row(table: RowTable, key: u64, raw: &[u8], legacy: LegacyRows) -> Result<(u8, &[u8])> {
    let Some((&format, rest)) = raw.split_first() else {
        return Err(corrupt(table, key, "empty row".into()));
    };
    if format == ROW_FORMAT_CHECKSUMMED {
        let Some(body_len) = rest.len().checked_sub(ROW_CHECKSUM_LEN) else {
            return Err(corrupt(
                table,
                key,
                format!("{} bytes: too short for a checksum", raw.len()),
            ));
        };
        let (body, trailer) = rest.split_at(body_len);
        let mut stored = [0u8; ROW_CHECKSUM_LEN];
        stored.copy_from_slice(trailer);
        let stored = u32::from_be_bytes(stored);
        let actual = checksum(table, key, &raw[..ROW_FORMAT_LEN + body_len]);
        if stored != actual {
            return Err(corrupt(
                table,
                key,
                format!("checksum mismatch: stored {stored:08x}, computed {actual:08x}"),
            ));
        }
        return Ok((format, body));
    }
    let old =
        format == ROW_FORMAT_V1 || (table == RowTable::Coupons && format == COUPON_ROW_FORMAT_V2);
    match (old, legacy) {
        (true, LegacyRows::Readable) => Ok((format, rest)),
        (true, LegacyRows::Corrupt) => Err(corrupt(
            table,
            key,
            format!(
                "row format {format} has no checksum, but every row of this store was                  rewritten with one when it was bound: the row was replaced or damaged"
            ),
        )),
        (false, _) => Err(corrupt(table, key, format!("unknown row format {format}"))),
    }
}

/// `read` decodes a row body of the given format, or says None: a format
/// this table does not have. The body must decode to its last byte.
fn decode<T>(
    table: RowTable,
    key: u64,
    raw: &[u8],
    legacy: LegacyRows,
    read: impl FnOnce(u8, &mut Reader) -> Option<std::result::Result<T, DecodeError>>,
) -> Result<T> {
    let (format, body) = check_row(table, key, raw, legacy)?;
    let mut r = Reader::new(body);
    let row = match read(format, &mut r) {
        Some(row) => row.map_err(|e| corrupt(table, key, e.to_string()))?,
        None => return Err(corrupt(table, key, format!("unknown row format {format}"))),
    };
    if r.remaining() != 0 {
        return Err(corrupt(
            table,
            key,
            format!("{} bytes left after the last field", r.remaining()),
        ));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use couponsd_client::wire::{
        CouponSpec, PeriodLimits, RefundBelowMinimum, ReversalPolicy, StackClass, StackSettings,
    };
    use redb::TableHandle;

    use super::*;
    use crate::domain::coupon::test_support::{
        before_fraud, before_order_settings, encode_with_fraud_spec, encode_with_original_spec,
        encode_with_rules_spec,
    };

    const READ: LegacyRows = LegacyRows::Readable;
    const BOUND: LegacyRows = LegacyRows::Corrupt;

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

    fn current() -> CouponDef {
        def(CouponSpec {
            code: "BOGO".into(),
            buy_quantity: 1,
            get_quantity: 1,
            active_days: 3,
            usage_limit: Some(50),
            review_score: Some(600_000),
            stacking: StackSettings {
                class: Some(StackClass::Shipping),
                combines_with: 1,
                exclusive: true,
                priority: -2,
            },
            auto_apply: true,
            assigned_customer_id: "jane".into(),
            period_limits: PeriodLimits {
                customer_per_week: Some(2),
                per_day: Some(100),
                ..PeriodLimits::default()
            },
            reversal: ReversalPolicy {
                returns_use: false,
                below_minimum: RefundBelowMinimum::ReverseDiscount,
            },
            ..CouponSpec::default()
        })
    }

    fn is_corrupt_at(e: StorageError, at_table: &str, at_key: &str) -> bool {
        matches!(e, StorageError::Corrupt { table, key, .. } if table == at_table && key == at_key)
    }

    #[test]
    fn row_tables_are_named_as_in_the_file() {
        for table in RowTable::ALL {
            assert_eq!(table.name(), table.definition().name());
        }
    }

    #[test]
    fn rows_carry_format_body_and_checksum() {
        let c = current();
        let row = encode_coupon(&c);
        assert_eq!(row[0], ROW_FORMAT_CHECKSUMMED);
        let body = &row[ROW_FORMAT_LEN..row.len() - ROW_CHECKSUM_LEN];
        let mut expected = BytesMut::new();
        c.write(&mut Writer::new(&mut expected));
        assert_eq!(body, &expected[..], "the body is the protocol's layout");
        let mut h = crc32fast::Hasher::new();
        h.update(b"coupons");
        h.update(&3u64.to_be_bytes());
        h.update(&row[..row.len() - ROW_CHECKSUM_LEN]);
        assert_eq!(
            row[row.len() - ROW_CHECKSUM_LEN..],
            h.finalize().to_be_bytes()
        );
        assert_eq!(decode_coupon(3, &row, BOUND).unwrap(), c);
        assert!(is_current(&row));
    }

    /// A code bound to a customer carries the id after `issued_at`; an
    /// unbound code's row ends there, byte for byte as before bound codes.
    #[test]
    fn code_rows_carry_their_customer_only_when_bound() {
        let unbound = encode_code(7, 2, "SPR-ABCD", 5, "");
        let bound = encode_code(7, 2, "SPR-ABCD", 5, "jane");
        assert_eq!(bound.len(), unbound.len() + 2 + 4, "a str of 4 bytes more");
        let read = decode_code(7, &unbound, BOUND).unwrap();
        assert_eq!(&*read.customer_id, "");
        assert_eq!(&*read.code, "SPR-ABCD");
        let read = decode_code(7, &bound, BOUND).unwrap();
        assert_eq!(&*read.customer_id, "jane");
        assert_eq!(read.issued_at, 5);
        let again = reencode(RowTable::Codes, 7, &bound).unwrap();
        assert_eq!(again, bound);
    }

    #[test]
    fn every_flipped_bit_is_caught() {
        let row = encode_coupon(&current());
        for byte in 0..row.len() {
            for bit in 0..8 {
                let mut bad = row.clone();
                bad[byte] ^= 1 << bit;
                match decode_coupon(3, &bad, BOUND) {
                    Err(e) => assert!(is_corrupt_at(e, "coupons", "3")),
                    Ok(c) => panic!("byte {byte} bit {bit} decoded as {c:?}"),
                }
            }
        }
    }

    #[test]
    fn an_edited_or_moved_row_is_refused() {
        let row = encode_coupon(&current());
        // usage_limit 50 -> 5000, the checksum left as it was.
        let mut edited = row.clone();
        let at = edited
            .windows(9)
            .position(|w| w == [1, 0, 0, 0, 0, 0, 0, 0, 50])
            .unwrap();
        edited[at + 7..at + 9].copy_from_slice(&5000u16.to_be_bytes());
        let e = decode_coupon(3, &edited, BOUND).unwrap_err();
        assert!(e.to_string().contains("checksum mismatch"), "{e}");
        // The same bytes under another key, or in another table.
        assert!(decode_coupon(4, &row, BOUND).is_err());
        let r = couponsd_client::wire::Reversal::default();
        let reversal = encode_reversal(&r);
        assert!(decode_reversal(r.id, &reversal, BOUND).is_ok());
        assert!(check_row(RowTable::Redemptions, r.id, &reversal, BOUND).is_err());
        // Too short for its checksum; empty.
        assert!(decode_coupon(3, &row[..3], BOUND).is_err());
        assert!(decode_coupon(3, &[], READ).is_err());
    }

    #[test]
    fn rows_from_before_checksums_read_until_the_store_is_bound() {
        let c = before_fraud(current());
        let mut v2 = vec![COUPON_ROW_FORMAT_V2];
        v2.extend_from_slice(&encode_with_rules_spec(&c));
        assert_eq!(decode_coupon(3, &v2, READ).unwrap(), c);
        assert!(!is_current(&v2));
        let e = decode_coupon(3, &v2, BOUND).unwrap_err();
        assert!(e.to_string().contains("has no checksum"), "{e}");
        // Re-encoded, it reads in a bound store.
        let rewritten = reencode(RowTable::Coupons, 3, &v2).unwrap();
        assert_eq!(decode_coupon(3, &rewritten, BOUND).unwrap(), c);
        // A checksummed row whose format byte was flipped to an old one
        // keeps its checksum bytes: they do not decode as the old layout.
        let mut downgraded = encode_coupon(&c);
        downgraded[0] = COUPON_ROW_FORMAT_V2;
        assert!(decode_coupon(3, &downgraded, READ).is_err());
    }

    #[test]
    fn coupon_rows_of_both_old_formats_decode() {
        let current = def(CouponSpec {
            code: "BOGO".into(),
            buy_quantity: 1,
            get_quantity: 1,
            active_days: 3,
            ..CouponSpec::default()
        });
        assert_eq!(
            decode_coupon(3, &encode_coupon(&current), READ).unwrap(),
            current
        );

        // A row written before the discount-rule fields: format 1.
        let old = def(CouponSpec {
            code: "OLD".into(),
            ..CouponSpec::default()
        });
        let mut row = vec![ROW_FORMAT_V1];
        row.extend(encode_with_original_spec(&old));
        assert_eq!(decode_coupon(3, &row, READ).unwrap(), before_fraud(old));
        row[0] = 9;
        assert!(decode_coupon(3, &row, READ).is_err());
    }

    /// A checksummed row written before CouponSpec fields 34 to 45 ends
    /// after the fraud settings: it reads with them at their defaults.
    #[test]
    fn coupon_rows_from_before_the_order_settings_decode() {
        let c = current();
        let mut row = vec![ROW_FORMAT_CHECKSUMMED];
        row.extend(encode_with_fraud_spec(&c));
        let mut h = crc32fast::Hasher::new();
        h.update(b"coupons");
        h.update(&3u64.to_be_bytes());
        h.update(&row);
        row.extend(h.finalize().to_be_bytes());
        let decoded = decode_coupon(3, &row, BOUND).unwrap();
        assert_eq!(decoded, before_order_settings(c));
        assert_eq!(decoded.spec.review_score, Some(600_000));
        assert!(decoded.spec.reversal.returns_use);
    }
}
