//! Reads. The lookups are generic over redb's `ReadableTable` so that the
//! writer (inside its write transaction) and readers (on a snapshot) share them.

use couponsd_client::wire::{Coupon, Redemption};
use redb::{ReadTransaction, ReadableTable, ReadableTableMetadata};

use super::records::{decode_coupon, decode_redemption};
use super::tables::*;
use super::Result;

pub(super) fn coupon(
    t: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<Coupon>> {
    t.get(id)?.map(|v| decode_coupon(v.value())).transpose()
}

pub(super) fn code_id(
    t: &impl ReadableTable<&'static str, u64>,
    code: &str,
) -> Result<Option<u64>> {
    Ok(t.get(code)?.map(|v| v.value()))
}

pub(super) fn customer_uses(
    t: &impl ReadableTable<(u64, &'static str), u64>,
    coupon_id: u64,
    customer_id: &str,
) -> Result<u64> {
    Ok(t.get((coupon_id, customer_id))?.map_or(0, |v| v.value()))
}

pub(super) fn redemption(
    t: &impl ReadableTable<u64, &'static [u8]>,
    id: u64,
) -> Result<Option<Redemption>> {
    t.get(id)?.map(|v| decode_redemption(v.value())).transpose()
}

pub(super) fn order(
    t: &impl ReadableTable<(u64, &'static str), u64>,
    coupon_id: u64,
    order_id: &str,
) -> Result<Option<u64>> {
    Ok(t.get((coupon_id, order_id))?.map(|v| v.value()))
}

pub(super) fn meta(t: &impl ReadableTable<&'static str, u64>, key: &str) -> Result<u64> {
    Ok(t.get(key)?.map_or(0, |v| v.value()))
}

/// A consistent snapshot of the store.
pub struct ReadView {
    txn: ReadTransaction,
}

impl ReadView {
    pub(super) fn new(txn: ReadTransaction) -> ReadView {
        ReadView { txn }
    }

    pub fn coupon(&self, id: u64) -> Result<Option<Coupon>> {
        coupon(&self.txn.open_table(COUPONS)?, id)
    }

    pub fn coupon_by_code(&self, code: &str) -> Result<Option<Coupon>> {
        match code_id(&self.txn.open_table(CODES)?, code)? {
            Some(id) => self.coupon(id),
            None => Ok(None),
        }
    }

    pub fn customer_uses(&self, coupon_id: u64, customer_id: &str) -> Result<u64> {
        customer_uses(
            &self.txn.open_table(CUSTOMER_USAGE)?,
            coupon_id,
            customer_id,
        )
    }

    pub fn redemption(&self, id: u64) -> Result<Option<Redemption>> {
        redemption(&self.txn.open_table(REDEMPTIONS)?, id)
    }

    pub fn redemption_by_order(
        &self,
        coupon_id: u64,
        order_id: &str,
    ) -> Result<Option<Redemption>> {
        match order(&self.txn.open_table(ORDERS)?, coupon_id, order_id)? {
            Some(id) => self.redemption(id),
            None => Ok(None),
        }
    }

    /// Coupons with id > `after_id`, in id order, at most `limit`.
    pub fn coupons_after(&self, after_id: u64, limit: usize) -> Result<Vec<Coupon>> {
        let table = self.txn.open_table(COUPONS)?;
        let mut out = Vec::new();
        for entry in table.range(after_id.saturating_add(1)..)?.take(limit) {
            out.push(decode_coupon(entry?.1.value())?);
        }
        Ok(out)
    }

    /// A coupon's redemptions with id > `after_id`, in id order, at most `limit`.
    pub fn redemptions_after(
        &self,
        coupon_id: u64,
        after_id: u64,
        limit: usize,
    ) -> Result<Vec<Redemption>> {
        let index = self.txn.open_table(COUPON_REDEMPTIONS)?;
        let rows = self.txn.open_table(REDEMPTIONS)?;
        let mut out = Vec::new();
        let range = (coupon_id, after_id.saturating_add(1))..=(coupon_id, u64::MAX);
        for entry in index.range(range)?.take(limit) {
            let (_, redemption_id) = entry?.0.value();
            if let Some(r) = redemption(&rows, redemption_id)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    pub fn last_lsn(&self) -> Result<u64> {
        meta(&self.txn.open_table(META)?, LAST_LSN)
    }

    pub fn epoch(&self) -> Result<u64> {
        meta(&self.txn.open_table(META)?, EPOCH)
    }

    pub fn coupon_count(&self) -> Result<u64> {
        Ok(self.txn.open_table(COUPONS)?.len()?)
    }

    pub fn redemption_count(&self) -> Result<u64> {
        Ok(self.txn.open_table(REDEMPTIONS)?.len()?)
    }

    /// The log record at `lsn`, verified.
    pub fn log_record(&self, lsn: u64) -> Result<Option<super::LogRecord>> {
        let table = self.txn.open_table(LOG)?;
        let raw = table.get(lsn)?;
        raw.map(|v| super::LogRecord::decode(v.value())).transpose()
    }
}
