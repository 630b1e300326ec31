//! What the discounts applied so far left of an order (each line, the
//! shipping, the amount), and taking one more discount off it.

use couponsd_client::wire::{CouponSpec, DiscountType, Order};

use super::policy::Base;
use super::SkipReason;
use crate::error::Refusal;
use crate::rules::discount::{discount_on_left, Discount};
use crate::rules::eligibility::{eligible_indices, line_total};

/// The part of the order a discount applies to and reduces.
enum Part {
    Shipping,
    /// The whole amount, for an order without lines.
    Whole,
    /// The eligible lines, by position.
    Lines(Vec<usize>),
}

impl Part {
    fn of(spec: &CouponSpec, order: &Order) -> Result<Part, Refusal> {
        if spec.discount_type == DiscountType::FreeShipping {
            return Ok(Part::Shipping);
        }
        Ok(eligible_indices(spec, order)?.map_or(Part::Whole, Part::Lines))
    }
}

/// What the discounts applied so far left of the order. Every amount is
/// within 0..=the order amount, so `d × amount` fits in an i128.
pub(super) struct Left {
    pub(super) amount: i128,
    pub(super) shipping: i128,
    pub(super) lines: Vec<i128>,
}

impl Left {
    pub(super) fn of(order: &Order) -> Left {
        let amount = i128::from(order.amount.max(0));
        Left {
            amount,
            shipping: i128::from(order.shipping_amount).clamp(0, amount),
            // Clamping a line to the amount changes no applicable amount:
            // that is at most the amount anyway.
            lines: order
                .items
                .iter()
                .map(|item| line_total(item).clamp(0, amount))
                .collect(),
        }
    }

    fn applicable(&self, part: &Part) -> i128 {
        match part {
            Part::Shipping => self.shipping.min(self.amount),
            Part::Whole => self.amount,
            Part::Lines(indices) => indices
                .iter()
                .map(|&i| self.lines[i])
                .sum::<i128>()
                .min(self.amount),
        }
    }

    /// The code's discount at its turn, taken off what is left; NOTHING_LEFT
    /// when it is 0.
    pub(super) fn take(
        &mut self,
        base: Base,
        spec: &CouponSpec,
        alone: Discount,
        order: &Order,
    ) -> Result<Discount, SkipReason> {
        let part = Part::of(spec, order).map_err(SkipReason::Refused)?;
        let applicable = self.applicable(&part);
        let discount = match base {
            Base::Initial => i128::from(alone.discount_amount).clamp(0, applicable),
            Base::Remaining => {
                discount_on_left(spec, order, applicable).map_err(SkipReason::Refused)?
            }
        };
        if discount == 0 {
            return Err(SkipReason::NothingLeft);
        }
        assert!((1..=applicable).contains(&discount));
        match &part {
            Part::Shipping => self.shipping -= discount,
            Part::Whole => {
                let mut parts = [self.shipping, (self.amount - self.shipping).max(0)];
                spread(discount, &mut parts, &[0, 1]);
                self.shipping = parts[0];
            }
            Part::Lines(indices) => spread(discount, &mut self.lines, indices),
        }
        self.amount -= discount;
        // Within 0..=amount: they fit in an i64.
        Ok(Discount {
            applicable_amount: applicable as i64,
            discount_amount: discount as i64,
            final_amount: self.amount as i64,
        })
    }
}

/// Takes `total` off `values[indices]` in proportion to each: the floor of
/// each share, then the minor units left over one each to the largest
/// remainders (the first position on a tie). `total` is at most their sum,
/// so none goes below zero: a value whose share had a remainder got less
/// than its proportion, so at most itself after the extra unit.
fn spread(total: i128, values: &mut [i128], indices: &[usize]) {
    let sum: i128 = indices.iter().map(|&i| values[i]).sum();
    assert!((0..=sum).contains(&total));
    if total == 0 {
        return;
    }
    let mut remainders = Vec::with_capacity(indices.len());
    let mut taken = 0;
    for &i in indices {
        let share = total * values[i];
        values[i] -= share / sum;
        taken += share / sum;
        remainders.push((share % sum, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let extra = usize::try_from(total - taken).unwrap_or(usize::MAX);
    for &(_, i) in remainders.iter().take(extra) {
        values[i] -= 1;
    }
    debug_assert!(indices.iter().all(|&i| values[i] >= 0));
}
