//! Reads, on a snapshot of the main file.

use couponsd_client::wire::{Redemption, Reversal};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use super::records::{
    decode_campaign, decode_code, decode_coupon, decode_redemption, decode_reversal,
};
use super::tables::*;
use super::Result;
use crate::domain::campaign::{CampaignDef, GeneratedCode};
use crate::domain::coupon::CouponDef;

pub(super) fn redemption(
    t: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<Redemption>> {
    t.get(id)?.map(|v| decode_redemption(v.value())).transpose()
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

/// A consistent snapshot of the main file.
pub struct ReadView {
    txn: ReadTransaction,
}

impl ReadView {
    pub(super) fn new(txn: ReadTransaction) -> ReadView {
        ReadView { txn }
    }

    pub fn redemption(&self, id: u64) -> Result<Option<Redemption>> {
        redemption(&self.txn.open_table(REDEMPTIONS)?, id)
    }

    /// The records of these ids, in order, skipping any not found.
    pub fn redemptions(&self, ids: &[u64]) -> Result<Vec<Redemption>> {
        let table = self.txn.open_table(REDEMPTIONS)?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(r) = redemption(&table, id)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Coupon definitions with id > `after_id`, in id order, at most `limit`.
    pub fn coupons_after(&self, after_id: u64, limit: usize) -> Result<Vec<CouponDef>> {
        let table = self.txn.open_table(COUPONS)?;
        let mut out = Vec::new();
        for entry in table.range(after_id.saturating_add(1)..)?.take(limit) {
            out.push(decode_coupon(entry?.1.value())?);
        }
        Ok(out)
    }

    /// Every coupon definition, in id order (loading at start).
    pub fn for_each_coupon(&self, mut f: impl FnMut(CouponDef)) -> Result<()> {
        let table = self.txn.open_table(COUPONS)?;
        for entry in table.iter()? {
            f(decode_coupon(entry?.1.value())?);
        }
        Ok(())
    }

    /// Every campaign definition (loading at start).
    pub fn for_each_campaign(&self, mut f: impl FnMut(CampaignDef)) -> Result<()> {
        self.for_each_raw(RowTable::Campaigns, |_, raw| {
            f(decode_campaign(raw)?);
            Ok(())
        })
    }

    /// Every generated code with its coupon id, in coupon id order.
    pub fn for_each_code(&self, mut f: impl FnMut(u64, GeneratedCode)) -> Result<()> {
        self.for_each_raw(RowTable::Codes, |id, raw| {
            f(id, decode_code(raw)?);
            Ok(())
        })
    }

    /// Every reversal, in id order (loading at start).
    pub fn for_each_reversal(&self, mut f: impl FnMut(Reversal)) -> Result<()> {
        self.for_each_raw(RowTable::Reversals, |_, raw| {
            f(decode_reversal(raw)?);
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

    /// Calls `f` with every stored row (coupons, then redemptions), raw.
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

    /// Raw rows of one table (`coupons` or `redemptions`) in id order.
    pub fn for_each_raw(
        &self,
        table: RowTable,
        mut f: impl FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let table = self.txn.open_table(table.definition())?;
        for entry in table.iter()? {
            let (k, v) = entry?;
            f(k.value(), v.value())?;
        }
        Ok(())
    }

    pub fn log_len(&self) -> Result<u64> {
        Ok(self.txn.open_table(LOG)?.len()?)
    }
}
