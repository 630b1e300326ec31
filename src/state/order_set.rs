//! A multi-code order's set of codes as it was first decided (issue 12):
//! every code with its coupon and, for a code not applied, why. ORDER_REDEEM
//! and ORDER_RESERVE record it (`Effect::OrderSet`) with the set's uses;
//! ORDER_CONFIRM, ORDER_RELEASE and ORDER_REVERSE find the set's redemptions
//! through it (the order index under each applied code's coupon), and a
//! replayed order answers each code not applied with its first reason.
//!
//! Layout (in the log record and in checkpoint kind 12), big-endian:
//! `u64 fingerprint | u32 count | count × (str code | u64 coupon_id | u16 reason)`.

use std::sync::Arc;

use couponsd_client::wire::{DecodeError, Reader, Writer};

/// One code of a set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCode {
    /// Normalized.
    pub code: String,
    /// 0 when the code was answered as unknown (no coupon, or one hidden
    /// from enumeration: `rules::fraud::enumeration`).
    pub coupon_id: u64,
    /// 0: applied (the order index under `coupon_id` names its redemption);
    /// otherwise the error code it was not applied with.
    pub reason: u16,
}

impl SetCode {
    pub fn applied(&self) -> bool {
        self.reason == 0
    }
}

/// A set: the fingerprint of its codes and each code's first outcome, in
/// the order the first reply listed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSet {
    pub fingerprint: u64,
    pub codes: Arc<[SetCode]>,
}

impl OrderSet {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.fingerprint);
        w.u32(self.codes.len() as u32);
        for c in self.codes.iter() {
            w.str(&c.code);
            w.u64(c.coupon_id);
            w.u16(c.reason);
        }
    }

    pub fn read(r: &mut Reader) -> Result<OrderSet, DecodeError> {
        let fingerprint = r.u64("fingerprint")?;
        let count = r.u32("code_count")? as usize;
        // Each code takes at least 12 bytes: a corrupt count cannot allocate much.
        let mut codes = Vec::with_capacity(count.min(r.remaining() / 12));
        for _ in 0..count {
            codes.push(SetCode {
                code: r.str("code")?,
                coupon_id: r.u64("coupon_id")?,
                reason: r.u16("reason")?,
            });
        }
        Ok(OrderSet {
            fingerprint,
            codes: codes.into(),
        })
    }
}
