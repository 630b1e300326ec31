//! QUALIFY: which coupons apply to a cart, and the best combination of them.

use super::order::OrderTotals;
use super::primitives::{DecodeError, Reader, Writer};
use super::types::Order;

/// QUALIFY's body. The order comes last, so that fields appended to it
/// later end the body as they end VALIDATE's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QualifyRequest {
    /// The most coupons listed, 1 to 100.
    pub limit: u16,
    pub order: Order,
}

/// One coupon that applies to the cart on its own.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct QualifiedCoupon {
    pub code: String,
    pub coupon_id: u64,
    /// What it takes off the cart alone.
    pub discount_amount: i64,
    /// An automatic promotion: it needs no code typed.
    pub auto_apply: bool,
    /// Assigned to this cart's customer.
    pub assigned: bool,
}

/// QUALIFY's reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Qualification {
    /// At most `limit`, by discount descending, then code.
    pub coupons: Vec<QualifiedCoupon>,
    /// The best combination's codes, in the order of application.
    pub best: Vec<String>,
    /// The cart's amounts after the best combination.
    pub best_totals: OrderTotals,
    /// The server's bound on candidates left some coupons unexamined.
    pub truncated: bool,
    /// How many coupons were judged for this cart.
    pub candidates_evaluated: u32,
}

impl QualifyRequest {
    pub fn write(&self, w: &mut Writer) {
        w.u16(self.limit);
        self.order.write(w);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(QualifyRequest {
            limit: r.u16("limit")?,
            order: Order::read(r)?,
        })
    }
}

impl QualifiedCoupon {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.code);
        w.u64(self.coupon_id);
        w.i64(self.discount_amount);
        w.bool(self.auto_apply);
        w.bool(self.assigned);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(QualifiedCoupon {
            code: r.str("code")?,
            coupon_id: r.u64("coupon_id")?,
            discount_amount: r.i64("discount_amount")?,
            auto_apply: r.bool("auto_apply")?,
            assigned: r.bool("assigned")?,
        })
    }
}

impl Qualification {
    pub fn write(&self, w: &mut Writer) {
        w.list(&self.coupons, |w, c| c.write(w));
        w.strs(&self.best);
        self.best_totals.write(w);
        w.bool(self.truncated);
        w.u32(self.candidates_evaluated);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Qualification {
            coupons: r.list("coupons", QualifiedCoupon::read)?,
            best: r.strs("best")?,
            best_totals: OrderTotals::read(r)?,
            truncated: r.bool("truncated")?,
            candidates_evaluated: r.u32("candidates_evaluated")?,
        })
    }
}
