//! BUY_X_GET_Y: for every complete set of X + Y eligible units in the order,
//! the Y cheapest eligible units get the discount. The cheapest units are taken
//! across the whole order (not set by set), so 3 sets of "buy 2 get 1" discount
//! the 3 cheapest units. Units are counted, never listed: a line's quantity may
//! be in the billions.

use couponsd_client::wire::LineItem;

use crate::error::Refusal;

/// The total price of the units that get the discount.
pub fn discounted_units_total(
    buy_quantity: u32,
    get_quantity: u32,
    lines: &[&LineItem],
) -> Result<i128, Refusal> {
    let set_size = u64::from(buy_quantity) + u64::from(get_quantity);
    // At most 65 535 lines of u32::MAX units: far below u64::MAX.
    let units: u64 = lines.iter().map(|line| u64::from(line.quantity)).sum();
    let sets = units.checked_div(set_size).unwrap_or(0);
    if sets == 0 {
        return Err(Refusal::BuyQuantityNotMet);
    }
    let mut to_discount = sets * u64::from(get_quantity);
    let mut cheapest_first = lines.to_vec();
    cheapest_first.sort_by_key(|line| line.unit_price);
    let mut total: i128 = 0;
    for line in cheapest_first {
        if to_discount == 0 {
            break;
        }
        let taken = to_discount.min(u64::from(line.quantity));
        total += i128::from(line.unit_price) * i128::from(taken);
        to_discount -= taken;
    }
    Ok(total)
}
