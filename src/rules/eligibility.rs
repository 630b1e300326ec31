//! Which part of an order a coupon applies to.
//!
//! A line is eligible when it matches every applicable criterion (none means
//! every line) and no excluded criterion, and has a quantity above 0. Without
//! line items, a per-order coupon (PERCENTAGE, per-order FIXED, FREE_SHIPPING)
//! applies to the whole order; a coupon with product criteria, or one that
//! works on lines (BUY_X_GET_Y, PRODUCT, per-line FIXED), needs eligible lines,
//! so that leaving the items out of an order can never widen a coupon.

use couponsd_client::wire::{CouponSpec, DiscountType, LineItem, Order};

use super::criteria::matches;
use crate::error::Refusal;

/// The eligible lines (at least one), or None when the whole order applies.
pub fn eligible_lines<'o>(
    spec: &CouponSpec,
    order: &'o Order,
) -> Result<Option<Vec<&'o LineItem>>, Refusal> {
    Ok(eligible_indices(spec, order)?
        .map(|indices| indices.into_iter().map(|i| &order.items[i]).collect()))
}

/// `eligible_lines` as positions in `order.items`, ascending: stacking
/// (`rules::stacking`) tracks what is left of each line by its position.
pub fn eligible_indices(spec: &CouponSpec, order: &Order) -> Result<Option<Vec<usize>>, Refusal> {
    let has_criteria = !spec.applicable_products.is_empty() || !spec.excluded_products.is_empty();
    if order.items.is_empty() && !has_criteria && !works_on_lines(spec) {
        return Ok(None);
    }
    let indices: Vec<usize> = order
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.quantity > 0 && is_eligible(spec, item))
        .map(|(i, _)| i)
        .collect();
    if indices.is_empty() {
        return Err(Refusal::NoEligibleItems);
    }
    Ok(Some(indices))
}

fn is_eligible(spec: &CouponSpec, item: &LineItem) -> bool {
    spec.applicable_products.iter().all(|c| matches(c, item))
        && !spec.excluded_products.iter().any(|c| matches(c, item))
}

/// Discount types computed from lines rather than from an order total.
fn works_on_lines(spec: &CouponSpec) -> bool {
    match spec.discount_type {
        DiscountType::BuyXGetY | DiscountType::Product => true,
        DiscountType::Fixed => spec.apply_per_line,
        DiscountType::Percentage | DiscountType::FreeShipping => false,
    }
}

/// unit_price × quantity, exact: i128 holds any product of an i64 and a u32.
pub fn line_total(item: &LineItem) -> i128 {
    i128::from(item.unit_price) * i128::from(item.quantity)
}
