//! The write side: typed puts that also record themselves into the log record
//! of the mutation in progress.

use couponsd_client::wire::{Coupon, Redemption};
use redb::{ReadableTable, Table, WriteTransaction};

use super::log::{LogOp, LogRecord};
use super::read;
use super::records::{encode_coupon, encode_redemption};
use super::tables::*;
use super::Result;

pub struct WriteBatch<'t> {
    meta: Table<'t, &'static str, u64>,
    coupons: Table<'t, u64, &'static [u8]>,
    codes: Table<'t, &'static str, u64>,
    customer_usage: Table<'t, (u64, &'static str), u64>,
    redemptions: Table<'t, u64, &'static [u8]>,
    orders: Table<'t, (u64, &'static str), u64>,
    coupon_redemptions: Table<'t, (u64, u64), ()>,
    holds: Table<'t, (i64, u64), ()>,
    log: Table<'t, u64, &'static [u8]>,
    next_coupon_id: u64,
    next_redemption_id: u64,
    last_lsn: u64,
    epoch: u64,
    /// Rows written since the last sealed record.
    ops: Vec<LogOp>,
}

impl<'t> WriteBatch<'t> {
    pub(super) fn open(txn: &'t WriteTransaction) -> Result<WriteBatch<'t>> {
        let meta = txn.open_table(META)?;
        let next_coupon_id = read::meta(&meta, NEXT_COUPON_ID)?.max(1);
        let next_redemption_id = read::meta(&meta, NEXT_REDEMPTION_ID)?.max(1);
        let last_lsn = read::meta(&meta, LAST_LSN)?;
        let epoch = read::meta(&meta, EPOCH)?.max(1);
        Ok(WriteBatch {
            meta,
            coupons: txn.open_table(COUPONS)?,
            codes: txn.open_table(CODES)?,
            customer_usage: txn.open_table(CUSTOMER_USAGE)?,
            redemptions: txn.open_table(REDEMPTIONS)?,
            orders: txn.open_table(ORDERS)?,
            coupon_redemptions: txn.open_table(COUPON_REDEMPTIONS)?,
            holds: txn.open_table(HOLDS)?,
            log: txn.open_table(LOG)?,
            next_coupon_id,
            next_redemption_id,
            last_lsn,
            epoch,
            ops: Vec::new(),
        })
    }

    // Reads see everything written earlier in this batch.

    pub fn coupon(&self, id: u64) -> Result<Option<Coupon>> {
        read::coupon(&self.coupons, id)
    }

    pub fn coupon_id_by_code(&self, code: &str) -> Result<Option<u64>> {
        read::code_id(&self.codes, code)
    }

    pub fn customer_uses(&self, coupon_id: u64, customer_id: &str) -> Result<u64> {
        read::customer_uses(&self.customer_usage, coupon_id, customer_id)
    }

    pub fn redemption(&self, id: u64) -> Result<Option<Redemption>> {
        read::redemption(&self.redemptions, id)
    }

    pub fn order(&self, coupon_id: u64, order_id: &str) -> Result<Option<u64>> {
        read::order(&self.orders, coupon_id, order_id)
    }

    /// PENDING holds whose expiry is at or before `now`, oldest first.
    pub fn due_holds(&self, now: i64, limit: usize) -> Result<Vec<(i64, u64)>> {
        let mut out = Vec::new();
        for entry in self
            .holds
            .range((i64::MIN, 0)..=(now, u64::MAX))?
            .take(limit)
        {
            out.push(entry?.0.value());
        }
        Ok(out)
    }

    pub fn last_lsn(&self) -> u64 {
        self.last_lsn
    }

    // Allocation of ids.

    pub fn allocate_coupon_id(&mut self) -> Result<u64> {
        let id = self.next_coupon_id;
        self.next_coupon_id += 1;
        self.apply(LogOp::PutMeta {
            key: NEXT_COUPON_ID.into(),
            value: self.next_coupon_id,
        })?;
        Ok(id)
    }

    pub fn allocate_redemption_id(&mut self) -> Result<u64> {
        let id = self.next_redemption_id;
        self.next_redemption_id += 1;
        self.apply(LogOp::PutMeta {
            key: NEXT_REDEMPTION_ID.into(),
            value: self.next_redemption_id,
        })?;
        Ok(id)
    }

    // Writes. Each applies one op and records it.

    pub fn put_coupon(&mut self, coupon: &Coupon) -> Result<()> {
        self.apply(LogOp::PutCoupon {
            id: coupon.id,
            row: encode_coupon(coupon),
        })
    }

    pub fn delete_coupon(&mut self, id: u64) -> Result<()> {
        self.apply(LogOp::DeleteCoupon { id })
    }

    pub fn put_code(&mut self, code: &str, coupon_id: u64) -> Result<()> {
        self.apply(LogOp::PutCode {
            code: code.into(),
            coupon_id,
        })
    }

    pub fn delete_code(&mut self, code: &str) -> Result<()> {
        self.apply(LogOp::DeleteCode { code: code.into() })
    }

    pub fn set_customer_uses(
        &mut self,
        coupon_id: u64,
        customer_id: &str,
        uses: u64,
    ) -> Result<()> {
        self.apply(LogOp::PutCustomerUsage {
            coupon_id,
            customer_id: customer_id.into(),
            uses,
        })
    }

    pub fn put_redemption(&mut self, r: &Redemption) -> Result<()> {
        self.apply(LogOp::PutRedemption {
            id: r.id,
            row: encode_redemption(r),
        })
    }

    pub fn put_order(&mut self, coupon_id: u64, order_id: &str, redemption_id: u64) -> Result<()> {
        self.apply(LogOp::PutOrder {
            coupon_id,
            order_id: order_id.into(),
            redemption_id,
        })
    }

    pub fn add_coupon_redemption(&mut self, coupon_id: u64, redemption_id: u64) -> Result<()> {
        self.apply(LogOp::PutCouponRedemption {
            coupon_id,
            redemption_id,
        })
    }

    pub fn put_hold(&mut self, expires_at: i64, redemption_id: u64) -> Result<()> {
        self.apply(LogOp::PutHold {
            expires_at,
            redemption_id,
        })
    }

    pub fn delete_hold(&mut self, expires_at: i64, redemption_id: u64) -> Result<()> {
        self.apply(LogOp::DeleteHold {
            expires_at,
            redemption_id,
        })
    }

    /// Writes one op to its table and keeps it for the log record.
    fn apply(&mut self, op: LogOp) -> Result<()> {
        self.write_row(&op)?;
        self.ops.push(op);
        Ok(())
    }

    /// The table write an op stands for. Also the redo step for log replay.
    fn write_row(&mut self, op: &LogOp) -> Result<()> {
        match op {
            LogOp::PutMeta { key, value } => {
                self.meta.insert(key.as_str(), value)?;
            }
            LogOp::PutCoupon { id, row } => {
                self.coupons.insert(id, row.as_slice())?;
            }
            LogOp::DeleteCoupon { id } => {
                self.coupons.remove(id)?;
            }
            LogOp::PutCode { code, coupon_id } => {
                self.codes.insert(code.as_str(), coupon_id)?;
            }
            LogOp::DeleteCode { code } => {
                self.codes.remove(code.as_str())?;
            }
            LogOp::PutCustomerUsage {
                coupon_id,
                customer_id,
                uses,
            } => {
                let key = (*coupon_id, customer_id.as_str());
                if *uses == 0 {
                    self.customer_usage.remove(key)?;
                } else {
                    self.customer_usage.insert(key, uses)?;
                }
            }
            LogOp::PutRedemption { id, row } => {
                self.redemptions.insert(id, row.as_slice())?;
            }
            LogOp::PutOrder {
                coupon_id,
                order_id,
                redemption_id,
            } => {
                self.orders
                    .insert((*coupon_id, order_id.as_str()), redemption_id)?;
            }
            LogOp::PutCouponRedemption {
                coupon_id,
                redemption_id,
            } => {
                self.coupon_redemptions
                    .insert((*coupon_id, *redemption_id), ())?;
            }
            LogOp::PutHold {
                expires_at,
                redemption_id,
            } => {
                self.holds.insert((*expires_at, *redemption_id), ())?;
            }
            LogOp::DeleteHold {
                expires_at,
                redemption_id,
            } => {
                self.holds.remove((*expires_at, *redemption_id))?;
            }
        }
        Ok(())
    }

    /// Ends the current mutation: appends its rows as one log record under the
    /// next LSN. Returns that LSN, or None when the mutation wrote nothing.
    pub fn seal(&mut self, timestamp: i64) -> Result<Option<u64>> {
        if self.ops.is_empty() {
            return Ok(None);
        }
        let lsn = self.last_lsn + 1;
        let record = LogRecord {
            epoch: self.epoch,
            lsn,
            timestamp,
            ops: std::mem::take(&mut self.ops),
        };
        self.log.insert(lsn, record.encode().as_slice())?;
        self.last_lsn = lsn;
        Ok(Some(lsn))
    }

    /// True when rows were written since the last seal.
    pub fn has_unsealed_rows(&self) -> bool {
        !self.ops.is_empty()
    }

    /// Records the batch's position. Rows never leave unlogged: any left
    /// unsealed are sealed here.
    pub(super) fn finish(mut self, timestamp: i64) -> Result<()> {
        self.seal(timestamp)?;
        self.meta.insert(LAST_LSN, self.last_lsn)?;
        self.meta.insert(EPOCH, self.epoch)?;
        Ok(())
    }
}
