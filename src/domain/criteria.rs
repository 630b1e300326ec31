//! What a valid product criterion looks like: which operators go with which
//! criteria type, and how many values each takes (see protocol.md,
//! ProductCriteria).

use couponsd_client::wire::{CriteriaOperator, CriteriaType, ProductCriteria};

use super::bounded_list;
use crate::error::{Error, Result};
use crate::rules::criteria::parse_price;

pub fn validate(criterion: &ProductCriteria) -> Result<()> {
    let Some(kind) = criterion.criteria_type else {
        return Err(Error::invalid("criteria_type", "unknown value"));
    };
    let Some(operator) = criterion.operator else {
        return Err(Error::invalid("operator", "unknown value"));
    };
    let values = &criterion.values;
    bounded_list("values", values)?;
    if values.iter().any(|v| v.trim().is_empty()) {
        return Err(Error::invalid("values", "an empty value"));
    }
    let count = |wanted: usize, what: &str| {
        if values.len() == wanted {
            Ok(())
        } else {
            Err(Error::invalid("values", format!("{operator} takes {what}")))
        }
    };
    if kind == CriteriaType::PriceRange {
        let mut prices = Vec::with_capacity(values.len());
        for v in values {
            match parse_price(v) {
                Some(price) if price >= 0 => prices.push(price),
                _ => {
                    return Err(Error::invalid(
                        "values",
                        format!("price_range value {v:?} is not an amount in minor units"),
                    ))
                }
            }
        }
        return match operator {
            CriteriaOperator::In | CriteriaOperator::NotIn => {
                count(2, "two prices with price_range: the lowest and the highest")?;
                if prices[0] > prices[1] {
                    return Err(Error::invalid(
                        "values",
                        "the lowest price is above the highest",
                    ));
                }
                Ok(())
            }
            CriteriaOperator::Equals
            | CriteriaOperator::GreaterThan
            | CriteriaOperator::LessThan => count(1, "one price"),
        };
    }
    match operator {
        CriteriaOperator::In | CriteriaOperator::NotIn if values.is_empty() => Err(Error::invalid(
            "values",
            format!("{operator} takes at least one value"),
        )),
        CriteriaOperator::In | CriteriaOperator::NotIn => Ok(()),
        CriteriaOperator::Equals => count(1, "one value"),
        CriteriaOperator::GreaterThan | CriteriaOperator::LessThan => Err(Error::invalid(
            "operator",
            format!("{operator} compares prices: use it with price_range"),
        )),
    }
}
