//! Does one product criterion match one line item.
//!
//! Text criteria (category, brand, sku, tag, product_id) compare ignoring ASCII
//! case; a tag criterion looks at every tag of the line. price_range compares
//! the unit price in minor units. Which operators go with which type is checked
//! at create and update (`domain::spec`).

use couponsd_client::wire::{CriteriaOperator, CriteriaType, LineItem, ProductCriteria};

pub fn matches(criterion: &ProductCriteria, item: &LineItem) -> bool {
    let (Some(kind), Some(operator)) = (criterion.criteria_type, criterion.operator) else {
        // A stored criterion always has both (validation refuses it otherwise).
        return false;
    };
    let values = &criterion.values;
    match kind {
        CriteriaType::PriceRange => price_matches(operator, values, item.unit_price),
        CriteriaType::Tag => text_matches(operator, values, &item.tags),
        CriteriaType::Category => text_matches(operator, values, [&item.category]),
        CriteriaType::Brand => text_matches(operator, values, [&item.brand]),
        CriteriaType::Sku => text_matches(operator, values, [&item.sku]),
        CriteriaType::ProductId => text_matches(operator, values, [&item.product_id]),
    }
}

/// `in`: one of the line's values is listed; `equals`: one of them is the
/// first value; `not_in`: none is listed.
fn text_matches<'a>(
    operator: CriteriaOperator,
    values: &[String],
    line_values: impl IntoIterator<Item = &'a String>,
) -> bool {
    let mut line_values = line_values.into_iter();
    let listed = |v: &String| values.iter().any(|w| w.eq_ignore_ascii_case(v));
    match operator {
        CriteriaOperator::In => line_values.any(listed),
        CriteriaOperator::NotIn => !line_values.any(listed),
        CriteriaOperator::Equals => values
            .first()
            .is_some_and(|first| line_values.any(|v| v.eq_ignore_ascii_case(first))),
        // Order comparisons are for prices only; validation refuses them on text.
        CriteriaOperator::GreaterThan | CriteriaOperator::LessThan => false,
    }
}

/// `in` / `not_in`: inside / outside the inclusive range values[0]..=values[1];
/// `equals`, `greater_than`, `less_than`: against values[0].
fn price_matches(operator: CriteriaOperator, values: &[String], price: i64) -> bool {
    let bound = |i: usize| values.get(i).and_then(|v| parse_price(v));
    let in_range = || match (bound(0), bound(1)) {
        (Some(low), Some(high)) => (low..=high).contains(&price),
        _ => false,
    };
    match operator {
        CriteriaOperator::In => in_range(),
        CriteriaOperator::NotIn => !in_range(),
        CriteriaOperator::Equals => bound(0) == Some(price),
        CriteriaOperator::GreaterThan => bound(0).is_some_and(|b| price > b),
        CriteriaOperator::LessThan => bound(0).is_some_and(|b| price < b),
    }
}

/// A price_range value: an integer count of minor units.
pub fn parse_price(value: &str) -> Option<i64> {
    value.trim().parse().ok()
}
