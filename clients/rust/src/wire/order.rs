//! Several codes on one order (ORDER_VALIDATE, ORDER_REDEEM, ORDER_RESERVE,
//! ORDER_CONFIRM, ORDER_RELEASE, ORDER_REVERSE): the request bodies and the
//! replies.

use super::primitives::{DecodeError, Reader, Writer};
use super::types::{Order, Redemption};
use crate::wire_enum;

wire_enum!(
    /// What happens when a code of the order is refused or skipped:
    /// ALL_OR_NOTHING refuses the whole order, BEST_EFFORT applies the rest.
    OrderMode {
        AllOrNothing = 1 => "ALL_OR_NOTHING",
        BestEffort = 2 => "BEST_EFFORT",
    }
);

/// ORDER_VALIDATE's body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderValidateRequest {
    pub codes: Vec<String>,
    pub mode: OrderMode,
    pub order: Order,
}

/// ORDER_REDEEM's body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderRedeemRequest {
    pub codes: Vec<String>,
    pub mode: OrderMode,
    pub order_id: String,
    pub transaction_id: String,
    pub order: Order,
}

/// ORDER_RESERVE's body: ORDER_REDEEM's with a hold's TTL in place of the
/// transaction id (given at ORDER_CONFIRM).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderReserveRequest {
    pub codes: Vec<String>,
    pub mode: OrderMode,
    pub order_id: String,
    /// How long the holds last; 0 asks for the server's default.
    pub ttl_ms: u32,
    pub order: Order,
}

/// One code's outcome on the order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderCode {
    /// Normalized (trimmed, upper case).
    pub code: String,
    /// 0 when no coupon has the code.
    pub coupon_id: u64,
    pub applied: bool,
    /// 0 when applied, else the error code that says why it was skipped.
    pub reason: u16,
    pub message: String,
    pub discount_amount: i64,
}

/// The order's amounts after the applied codes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderTotals {
    pub original_amount: i64,
    pub discount_amount: i64,
    pub final_amount: i64,
    pub currency: String,
}

/// ORDER_VALIDATE's reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderValidation {
    /// In the order of application.
    pub codes: Vec<OrderCode>,
    pub totals: OrderTotals,
}

/// The reply of ORDER_REDEEM, ORDER_RESERVE, ORDER_CONFIRM, ORDER_RELEASE
/// and ORDER_REVERSE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct OrderRedemption {
    pub codes: Vec<OrderCode>,
    /// One per applied code, in the same order.
    pub redemptions: Vec<Redemption>,
    pub totals: OrderTotals,
    /// A retry of an order already redeemed or reserved (the first
    /// result), or a confirm or release already done (nothing changed).
    pub replayed: bool,
}

impl OrderValidateRequest {
    pub fn write(&self, w: &mut Writer) {
        w.strs(&self.codes);
        w.u8(self.mode.as_u8());
        self.order.write(w);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderValidateRequest {
            codes: r.list("codes", |r| r.str("code"))?,
            mode: OrderMode::read(r, "mode")?,
            order: Order::read(r)?,
        })
    }
}

impl OrderRedeemRequest {
    pub fn write(&self, w: &mut Writer) {
        w.strs(&self.codes);
        w.u8(self.mode.as_u8());
        w.str(&self.order_id);
        w.str(&self.transaction_id);
        self.order.write(w);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderRedeemRequest {
            codes: r.list("codes", |r| r.str("code"))?,
            mode: OrderMode::read(r, "mode")?,
            order_id: r.str("order_id")?,
            transaction_id: r.str("transaction_id")?,
            order: Order::read(r)?,
        })
    }
}

impl OrderReserveRequest {
    pub fn write(&self, w: &mut Writer) {
        w.strs(&self.codes);
        w.u8(self.mode.as_u8());
        w.str(&self.order_id);
        w.u32(self.ttl_ms);
        self.order.write(w);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderReserveRequest {
            codes: r.list("codes", |r| r.str("code"))?,
            mode: OrderMode::read(r, "mode")?,
            order_id: r.str("order_id")?,
            ttl_ms: r.u32("ttl_ms")?,
            order: Order::read(r)?,
        })
    }
}

impl OrderCode {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.code);
        w.u64(self.coupon_id);
        w.bool(self.applied);
        w.u16(self.reason);
        w.str(&self.message);
        w.i64(self.discount_amount);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderCode {
            code: r.str("code")?,
            coupon_id: r.u64("coupon_id")?,
            applied: r.bool("applied")?,
            reason: r.u16("reason")?,
            message: r.str("message")?,
            discount_amount: r.i64("discount_amount")?,
        })
    }
}

impl OrderTotals {
    pub fn write(&self, w: &mut Writer) {
        w.i64(self.original_amount);
        w.i64(self.discount_amount);
        w.i64(self.final_amount);
        w.str(&self.currency);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderTotals {
            original_amount: r.i64("original_amount")?,
            discount_amount: r.i64("discount_amount")?,
            final_amount: r.i64("final_amount")?,
            currency: r.str("currency")?,
        })
    }
}

impl OrderValidation {
    pub fn write(&self, w: &mut Writer) {
        w.list(&self.codes, |w, c| c.write(w));
        self.totals.write(w);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderValidation {
            codes: r.list("codes", OrderCode::read)?,
            totals: OrderTotals::read(r)?,
        })
    }
}

impl OrderRedemption {
    pub fn write(&self, w: &mut Writer) {
        w.list(&self.codes, |w, c| c.write(w));
        w.list(&self.redemptions, |w, r| r.write(w));
        self.totals.write(w);
        w.bool(self.replayed);
    }
    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(OrderRedemption {
            codes: r.list("codes", OrderCode::read)?,
            redemptions: r.list("redemptions", Redemption::read)?,
            totals: OrderTotals::read(r)?,
            replayed: r.bool("replayed")?,
        })
    }
}
