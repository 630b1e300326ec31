//! Reads, on a snapshot of the main file.

use couponsd_client::wire::{Redemption, Reversal};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use super::records::{
    check_row, decode_campaign, decode_code, decode_coupon, decode_redemption, decode_reversal,
    LegacyRows,
};
use super::tables::*;
use super::Result;
use crate::domain::campaign::{CampaignDef, GeneratedCode};
use crate::domain::coupon::CouponDef;

pub(super) fn redemption(
    t: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
    legacy: LegacyRows,
) -> Result<Option<Redemption>> {
    t.get(id)?
        .map(|v| decode_redemption(id, v.value(), legacy))
        .transpose()
}

pub(super) fn meta(t: &impl ReadableTable<&'static str, u64>, key: &str) -> Result<u64> {
    Ok(t.get(key)?.map_or(0, |v| v.value()))
}

/// The tables of rows a snapshot copies as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowTable {
    Coupons,
    Redemptions,
    Campaigns,
    Codes,
    Reversals,
}

impl RowTable {
    pub const ALL: [RowTable; 5] = [
        RowTable::Coupons,
        RowTable::Redemptions,
        RowTable::Campaigns,
        RowTable::Codes,
        RowTable::Reversals,
    ];

    /// The table's name in the file (also what a row's checksum starts with).
    pub fn name(self) -> &'static str {
        match self {
            RowTable::Coupons => "coupons",
            RowTable::Redemptions => "redemptions",
            RowTable::Campaigns => "campaigns",
            RowTable::Codes => "codes",
            RowTable::Reversals => "reversals",
        }
    }

    pub(super) fn definition(self) -> redb::TableDefinition<'static, u64, &'static [u8]> {
        match self {
            RowTable::Coupons => COUPONS,
            RowTable::Redemptions => REDEMPTIONS,
            RowTable::Campaigns => CAMPAIGNS,
            RowTable::Codes => CODES,
            RowTable::Reversals => REVERSALS,
        }
    }
}

/// A consistent snapshot of the main file. Every row it returns passed its
/// checksum (see `records`).
pub struct ReadView {
    txn: ReadTransaction,
    legacy: LegacyRows,
}

impl ReadView {
    pub(super) fn new(txn: ReadTransaction, legacy: LegacyRows) -> ReadView {
        ReadView { txn, legacy }
    }

    pub fn redemption(&self, id: u64) -> Result<Option<Redemption>> {
        redemption(&self.txn.open_table(REDEMPTIONS)?, id, self.legacy)
    }

    /// The records of these ids, in order, skipping any not found.
    pub fn redemptions(&self, ids: &[u64]) -> Result<Vec<Redemption>> {
        let table = self.txn.open_table(REDEMPTIONS)?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(r) = redemption(&table, id, self.legacy)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Calls `f` with every redemption created in [from, to), in id order.
    /// Ids are taken in batch order and a batch's time never goes back, so
    /// `created_at` grows with the id: the first one in range is found by
    /// binary search on ids (about 2 log2(n) row reads), then rows are read
    /// until one is created at or after `to`.
    pub fn for_each_redemption_created(
        &self,
        from: i64,
        to: i64,
        mut f: impl FnMut(Redemption),
    ) -> Result<()> {
        let table = self.txn.open_table(REDEMPTIONS)?;
        let Some(start) = self.first_created_at_or_after(&table, from)? else {
            return Ok(());
        };
        for entry in table.range(start..)? {
            let (id, raw) = entry?;
            let r = decode_redemption(id.value(), raw.value(), self.legacy)?;
            if r.created_at >= to {
                break;
            }
            f(r);
        }
        Ok(())
    }

    /// The smallest id from which every redemption was created at or after
    /// `time` (None: none was).
    fn first_created_at_or_after(
        &self,
        table: &impl ReadableTable<u64, &'static [u8]>,
        time: i64,
    ) -> Result<Option<u64>> {
        let (Some(first), Some(last)) = (table.first()?, table.last()?) else {
            return Ok(None);
        };
        let (first, last) = (first.0.value(), last.0.value());
        // Every row below `lo` was created before `time`; the first row at
        // or after `hi` (if hi <= last) was created at or after it.
        let (mut lo, mut hi) = (first, last.saturating_add(1));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let Some(entry) = table.range(mid..)?.next() else {
                break;
            };
            let (id, raw) = entry?;
            let id = id.value();
            if decode_redemption(id, raw.value(), self.legacy)?.created_at < time {
                lo = id.saturating_add(1);
            } else {
                hi = mid;
            }
        }
        Ok((lo <= last).then_some(lo))
    }

    /// Coupon definitions with id > `after_id`, in id order, at most `limit`.
    pub fn coupons_after(&self, after_id: u64, limit: usize) -> Result<Vec<CouponDef>> {
        let table = self.txn.open_table(COUPONS)?;
        let mut out = Vec::new();
        for entry in table.range(after_id.saturating_add(1)..)?.take(limit) {
            let (id, raw) = entry?;
            out.push(decode_coupon(id.value(), raw.value(), self.legacy)?);
        }
        Ok(out)
    }

    /// Every coupon definition, in id order (loading at start).
    pub fn for_each_coupon(&self, mut f: impl FnMut(CouponDef)) -> Result<()> {
        let legacy = self.legacy;
        self.walk(RowTable::Coupons, |id, raw| {
            f(decode_coupon(id, raw, legacy)?);
            Ok(())
        })
    }

    /// Every campaign definition (loading at start).
    pub fn for_each_campaign(&self, mut f: impl FnMut(CampaignDef)) -> Result<()> {
        let legacy = self.legacy;
        self.walk(RowTable::Campaigns, |id, raw| {
            f(decode_campaign(id, raw, legacy)?);
            Ok(())
        })
    }

    /// Every generated code with its coupon id, in coupon id order.
    pub fn for_each_code(&self, mut f: impl FnMut(u64, GeneratedCode)) -> Result<()> {
        let legacy = self.legacy;
        self.walk(RowTable::Codes, |id, raw| {
            f(id, decode_code(id, raw, legacy)?);
            Ok(())
        })
    }

    /// Every reversal, in id order (loading at start).
    pub fn for_each_reversal(&self, mut f: impl FnMut(Reversal)) -> Result<()> {
        let legacy = self.legacy;
        self.walk(RowTable::Reversals, |id, raw| {
            f(decode_reversal(id, raw, legacy)?);
            Ok(())
        })
    }

    /// Raw log records with LSN > `after`, in order, at most `limit`.
    pub fn log_after(&self, after: u64, limit: usize) -> Result<Vec<(u64, Vec<u8>)>> {
        let table = self.txn.open_table(LOG)?;
        let mut out = Vec::new();
        for entry in table.range(after.saturating_add(1)..)?.take(limit) {
            let (lsn, raw) = entry?;
            out.push((lsn.value(), raw.value().to_vec()));
        }
        Ok(out)
    }

    /// Calls `f` with each log record after `after`, in order, until it
    /// returns false or `limit` records were seen; no copies.
    pub fn for_each_log_after(
        &self,
        after: u64,
        limit: usize,
        mut f: impl FnMut(u64, &[u8]) -> bool,
    ) -> Result<()> {
        let table = self.txn.open_table(LOG)?;
        for entry in table.range(after.saturating_add(1)..)?.take(limit) {
            let (lsn, raw) = entry?;
            if !f(lsn.value(), raw.value()) {
                break;
            }
        }
        Ok(())
    }

    /// The oldest LSN still in the log (0 when empty).
    pub fn first_lsn(&self) -> Result<u64> {
        Ok(self
            .txn
            .open_table(LOG)?
            .first()?
            .map_or(0, |(k, _)| k.value()))
    }

    pub fn meta(&self, key: &str) -> Result<u64> {
        meta(&self.txn.open_table(META)?, key)
    }

    /// The highest redemption id stored (0 when none).
    pub fn last_redemption_id(&self) -> Result<u64> {
        Ok(self
            .txn
            .open_table(REDEMPTIONS)?
            .last()?
            .map_or(0, |(k, _)| k.value()))
    }

    /// Calls `f` with every stored row of every row table, raw (each
    /// checked against its checksum first).
    pub fn for_each_row(&self, mut f: impl FnMut(u8, u64, &[u8])) -> Result<()> {
        for (tag, table) in [
            (7u8, RowTable::Coupons),
            (8u8, RowTable::Redemptions),
            (12u8, RowTable::Campaigns),
            (13u8, RowTable::Codes),
            (15u8, RowTable::Reversals),
        ] {
            self.for_each_raw(table, |id, row| {
                f(tag, id, row);
                Ok(())
            })?;
        }
        Ok(())
    }

    /// A value of the `cluster` table, as stored.
    pub fn cluster_value(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let table = self.txn.open_table(CLUSTER)?;
        let value = table.get(key)?.map(|v| v.value().to_vec());
        Ok(value)
    }

    /// Every entry of the `cluster` table.
    pub fn cluster_entries(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let table = self.txn.open_table(CLUSTER)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((k.value().to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Every meta entry.
    pub fn meta_entries(&self) -> Result<Vec<(String, u64)>> {
        let table = self.txn.open_table(META)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((k.value().to_string(), v.value()));
        }
        Ok(out)
    }

    /// Raw rows of one table in id order, each checked against its
    /// checksum first (a row that fails it stops the walk with `Corrupt`).
    pub fn for_each_raw(
        &self,
        table: RowTable,
        mut f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let legacy = self.legacy;
        self.walk(table, |id, raw| {
            check_row(table, id, raw, legacy)?;
            f(id, raw)
        })
    }

    /// Every row of one table as stored, unchecked: the decoders check
    /// them, and scrubbing reports each bad row instead of stopping.
    pub(super) fn walk(
        &self,
        table: RowTable,
        mut f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let rows = self.txn.open_table(table.definition())?;
        for entry in rows.iter()? {
            let (k, v) = entry?;
            f(k.value(), v.value())?;
        }
        Ok(())
    }

    pub(super) fn txn(&self) -> &ReadTransaction {
        &self.txn
    }

    pub fn log_len(&self) -> Result<u64> {
        Ok(self.txn.open_table(LOG)?.len()?)
    }
}
