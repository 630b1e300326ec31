//! A stored coupon: its definition (changes only on create and update) and its
//! counters (change on every redemption). They are kept apart so that a
//! redemption touches a few integers, never the definition.

use std::sync::Arc;

use couponsd_client::wire::{Coupon, CouponSpec, DecodeError, Reader, Writer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouponDef {
    pub id: u64,
    pub revision: u64,
    pub spec: CouponSpec,
    pub created_at: i64,
    pub updated_at: i64,
    pub created_by: String,
}

/// Uses of a coupon: captured (PROCESSED) and held (PENDING).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub current_usage: u64,
    pub reserved_uses: u64,
}

impl CouponDef {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.id);
        w.u64(self.revision);
        self.spec.write(w);
        w.i64(self.created_at);
        w.i64(self.updated_at);
        w.str(&self.created_by);
    }

    pub fn read(r: &mut Reader) -> Result<CouponDef, DecodeError> {
        Ok(CouponDef {
            id: r.u64("id")?,
            revision: r.u64("revision")?,
            spec: CouponSpec::read(r)?,
            created_at: r.i64("created_at")?,
            updated_at: r.i64("updated_at")?,
            created_by: r.str("created_by")?,
        })
    }

    /// The wire view: definition, counters and the status at `now`.
    pub fn to_wire(&self, counters: Counters, now: i64) -> Coupon {
        Coupon {
            id: self.id,
            revision: self.revision,
            spec: self.spec.clone(),
            status: crate::rules::status(&self.spec, counters, now),
            current_usage: counters.current_usage,
            reserved_uses: counters.reserved_uses,
            created_at: self.created_at,
            updated_at: self.updated_at,
            created_by: self.created_by.clone(),
        }
    }
}

pub type SharedDef = Arc<CouponDef>;
