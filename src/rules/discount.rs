//! Discount arithmetic in integer minor units, for every discount type.
//!
//! Rounding rule (the only one): a percentage is taken once, of the total it
//! applies to (the applicable amount for PERCENTAGE, the discounted units'
//! total for BUY_X_GET_Y), and rounded half up to the minor unit,
//! `(total * bps + 5000) / 10000`. Never per line then summed. Every sum is an
//! exact i128 (1000 lines of i64::MAX × u32::MAX times 10 000 bp is far inside
//! it). Then the cap applies, then the discount is limited to the applicable
//! amount, so it is never negative, never above the cap, never above what it
//! applies to, and final = amount - discount.

use couponsd_client::wire::{CouponSpec, DiscountType, LineItem, Order};

use super::buy_x_get_y::discounted_units_total;
use super::eligibility::{eligible_lines, line_total};
use crate::error::Refusal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Discount {
    /// The part of the order the coupon applies to: the eligible lines' total,
    /// the whole amount for a per-order coupon and an order without lines, the
    /// shipping for FREE_SHIPPING; never more than the order amount.
    pub applicable_amount: i64,
    pub discount_amount: i64,
    pub final_amount: i64,
}

/// `bps` basis points of `total`, rounded half up.
pub fn percent_of(total: i128, bps: i64) -> i128 {
    (total * i128::from(bps) + 5_000) / 10_000
}

/// The discount `spec` gives on `order`, or why it gives none (no eligible
/// line, no complete BUY_X_GET_Y set). The other checks are `evaluate`'s.
pub fn compute(spec: &CouponSpec, order: &Order) -> Result<Discount, Refusal> {
    let amount = order.amount.max(0);
    let eligible = eligible_lines(spec, order)?;
    let lines = eligible.as_deref().unwrap_or_default();
    let eligible_total = match &eligible {
        None => i128::from(amount),
        Some(lines) => lines.iter().map(|line| line_total(line)).sum(),
    };
    let shipping = i128::from(order.shipping_amount.max(0));
    // Lines may add up to more than the order amount (a total after other
    // reductions): the coupon never applies to more than the order, and a
    // percentage is of what it applies to.
    let applicable = match spec.discount_type {
        DiscountType::FreeShipping => shipping,
        _ => eligible_total,
    }
    .clamp(0, i128::from(amount));
    let discount = discount_of(spec, lines, applicable)?;
    // Both are within 0..=amount, so they fit in an i64.
    let applicable_amount = applicable as i64;
    let discount_amount = discount as i64;
    Ok(Discount {
        applicable_amount,
        discount_amount,
        final_amount: amount - discount_amount,
    })
}

/// The discount `spec` gives when `left` is what remains of the part of
/// `order` it applies to, after other codes' discounts (stacking with base
/// REMAINING, `rules::stacking`): a percentage of `left`, any other amount as
/// `compute` finds it, then the cap, then at most `left`. With `left` the
/// applicable amount `compute` finds, it is `compute`'s discount.
pub fn discount_on_left(spec: &CouponSpec, order: &Order, left: i128) -> Result<i128, Refusal> {
    let eligible = eligible_lines(spec, order)?;
    discount_of(spec, eligible.as_deref().unwrap_or_default(), left.max(0))
}

/// Steps 2 and 3: the raw discount by type, capped, then within
/// 0..=`applicable`. FREE_SHIPPING's raw discount is the applicable amount,
/// which is the shipping.
fn discount_of(spec: &CouponSpec, lines: &[&LineItem], applicable: i128) -> Result<i128, Refusal> {
    let value = spec.discount_value;
    let raw = match spec.discount_type {
        DiscountType::Percentage => percent_of(applicable, value),
        DiscountType::Fixed if spec.apply_per_line => per_line(lines, value),
        DiscountType::Fixed => i128::from(value),
        DiscountType::FreeShipping => applicable,
        DiscountType::BuyXGetY => percent_of(
            discounted_units_total(spec.buy_quantity, spec.get_quantity, lines)?,
            value,
        ),
        DiscountType::Product => per_unit(lines, value),
    };
    let capped = spec
        .max_discount_amount
        .map_or(raw, |cap| raw.min(i128::from(cap)));
    Ok(capped.clamp(0, applicable))
}

/// FIXED per line: `value` off each eligible line, at most the line's total.
fn per_line(lines: &[&LineItem], value: i64) -> i128 {
    lines
        .iter()
        .map(|line| line_total(line).min(i128::from(value)))
        .sum()
}

/// PRODUCT: `value` off each eligible unit, at most the unit's price.
fn per_unit(lines: &[&LineItem], value: i64) -> i128 {
    lines
        .iter()
        .map(|line| i128::from(line.unit_price.min(value)) * i128::from(line.quantity))
        .sum()
}
