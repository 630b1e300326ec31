//! The write side of the main file: only the writer thread uses it.

use couponsd_client::wire::Redemption;
use redb::{Table, WriteTransaction};

use super::read;
use super::records::{encode_coupon, encode_redemption};
use super::tables::*;
use super::Result;
use crate::domain::coupon::CouponDef;

pub struct WriteBatch<'t> {
    meta: Table<'t, &'static str, u64>,
    coupons: Table<'t, u64, &'static [u8]>,
    redemptions: Table<'t, u64, &'static [u8]>,
    log: Table<'t, u64, &'static [u8]>,
}

impl<'t> WriteBatch<'t> {
    pub(super) fn open(txn: &'t WriteTransaction) -> Result<WriteBatch<'t>> {
        Ok(WriteBatch {
            meta: txn.open_table(META)?,
            coupons: txn.open_table(COUPONS)?,
            redemptions: txn.open_table(REDEMPTIONS)?,
            log: txn.open_table(LOG)?,
        })
    }

    /// A redemption as of this transaction (including its own writes).
    pub fn redemption(&self, id: u64) -> Result<Option<Redemption>> {
        read::redemption(&self.redemptions, id)
    }

    pub fn put_redemption(&mut self, r: &Redemption) -> Result<()> {
        self.redemptions
            .insert(r.id, encode_redemption(r).as_slice())?;
        Ok(())
    }

    pub fn put_coupon(&mut self, c: &CouponDef) -> Result<()> {
        self.coupons.insert(c.id, encode_coupon(c).as_slice())?;
        Ok(())
    }

    pub fn delete_coupon(&mut self, id: u64) -> Result<()> {
        self.coupons.remove(id)?;
        Ok(())
    }

    pub fn append_log(&mut self, lsn: u64, record: &[u8]) -> Result<()> {
        self.log.insert(lsn, record)?;
        self.meta.insert(LAST_LSN, lsn)?;
        Ok(())
    }

    /// Drops log records with LSN <= `lsn` (covered by a checkpoint).
    pub fn truncate_log(&mut self, lsn: u64) -> Result<()> {
        self.log.retain_in(..=lsn, |_, _| false)?;
        Ok(())
    }

    pub fn meta(&self, key: &str) -> Result<u64> {
        read::meta(&self.meta, key)
    }

    pub fn set_meta(&mut self, key: &'static str, value: u64) -> Result<()> {
        self.meta.insert(key, value)?;
        Ok(())
    }
}

/// Meta keys the writer and recovery use.
pub mod keys {
    pub use super::super::tables::{EPOCH, LAST_LSN, NEXT_COUPON_ID, SECRET_HIGH, SECRET_LOW};
}
