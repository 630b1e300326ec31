//! Flag values for the discount rules, and their JSON forms: product criteria
//! ("category in shoes,bags"), days of the week ("mon-fri"), local hours
//! ("09:00-17:00") and order lines ("sku=A1,price=19.99,quantity=2").
//! Money is written as decimal strings in the currency, as everywhere else.

use couponsd_client::money;
use couponsd_client::wire::{CriteriaOperator, CriteriaType, LineItem, ProductCriteria};

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// "TYPE OPERATOR VALUE[,VALUE...]". price_range values are amounts in
/// `currency` ("50.00"), sent as minor units.
pub fn criterion(text: &str, currency: &str) -> Result<ProductCriteria, String> {
    let mut words = text.split_whitespace();
    let (Some(kind), Some(operator), Some(values), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(format!(
            "{text:?}: expected TYPE OPERATOR VALUE[,VALUE...], e.g. \"category in shoes,bags\""
        ));
    };
    let criteria_type = CriteriaType::from_name(kind)
        .ok_or_else(|| format!("{kind:?}: one of {}", names(CriteriaType::ALL)))?;
    let operator = CriteriaOperator::from_name(operator)
        .ok_or_else(|| format!("{operator:?}: one of {}", names(CriteriaOperator::ALL)))?;
    let values = values
        .split(',')
        .map(|v| {
            if criteria_type != CriteriaType::PriceRange {
                return Ok(v.to_string());
            }
            if currency.is_empty() {
                return Err("price_range needs --currency".to_string());
            }
            money::parse(v, currency)
                .map(|minor| minor.to_string())
                .map_err(|e| e.to_string())
        })
        .collect::<Result<_, _>>()?;
    Ok(ProductCriteria {
        criteria_type: Some(criteria_type),
        operator: Some(operator),
        values,
    })
}

/// A criterion as JSON: price_range values as decimal strings when the coupon
/// has a currency (else as the minor units it stores).
pub fn criterion_json(c: &ProductCriteria, currency: &str) -> serde_json::Value {
    let is_price = c.criteria_type == Some(CriteriaType::PriceRange);
    let values: Vec<String> = c
        .values
        .iter()
        .map(|v| match v.parse::<i64>() {
            Ok(minor) if is_price && !currency.is_empty() => money::format(minor, currency),
            _ => v.clone(),
        })
        .collect();
    serde_json::json!({
        "criteria_type": c.criteria_type.map(|t| t.name()),
        "operator": c.operator.map(|o| o.name()),
        "values": values,
    })
}

/// "mon,wed,fri", "mon-fri", "sat-sun" or a mix; "all" is every day (0).
pub fn days(text: &str) -> Result<u8, String> {
    if text.trim().eq_ignore_ascii_case("all") {
        return Ok(0);
    }
    let day = |name: &str| {
        let name = name.trim().to_ascii_lowercase();
        DAY_NAMES
            .iter()
            .position(|d| name.starts_with(d))
            .ok_or_else(|| format!("{name:?}: a day such as mon, tue ... sun"))
    };
    let mut mask = 0u8;
    for part in text.split(',') {
        let (first, last) = match part.split_once('-') {
            Some((a, b)) => (day(a)?, day(b)?),
            None => (day(part)?, day(part)?),
        };
        if first > last {
            return Err(format!("{part:?}: a range runs from Monday to Sunday"));
        }
        (first..=last).for_each(|d| mask |= 1 << d);
    }
    Ok(mask)
}

/// The days a mask names, Monday first; empty for every day.
pub fn day_names(mask: u8) -> Vec<&'static str> {
    (0..7)
        .filter(|d| mask & (1 << d) != 0)
        .map(|d| DAY_NAMES[d])
        .collect()
}

/// "09:00-17:00" or "22:00-02:00" (past midnight) as minutes after midnight;
/// "all" is all day (0, 0). The end may be 24:00.
pub fn hours(text: &str) -> Result<(u16, u16), String> {
    if text.trim().eq_ignore_ascii_case("all") {
        return Ok((0, 0));
    }
    let minute = |hhmm: &str| -> Result<u16, String> {
        let bad = || format!("{hhmm:?}: a time such as 09:00");
        let (h, m) = hhmm.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m >= 60 || h * 60 + m > 24 * 60 {
            return Err(bad());
        }
        Ok(h * 60 + m)
    };
    let (start, end) = text
        .split_once('-')
        .ok_or_else(|| format!("{text:?}: expected START-END, e.g. 09:00-17:00"))?;
    Ok((minute(start)?, minute(end)?))
}

/// Minutes after midnight as HH:MM.
pub fn clock(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// "key=value,..." with keys sku, product_id, category, brand, tags
/// (separated by |), price (an amount in `currency`) and quantity (default 1).
pub fn line_item(text: &str, currency: &str) -> Result<LineItem, String> {
    let mut item = LineItem {
        quantity: 1,
        ..LineItem::default()
    };
    let mut priced = false;
    for pair in text.split(',') {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?}: expected key=value"))?;
        let value = value.trim();
        match key.trim() {
            "sku" => item.sku = value.into(),
            "product_id" => item.product_id = value.into(),
            "category" => item.category = value.into(),
            "brand" => item.brand = value.into(),
            "tags" => item.tags = value.split('|').map(str::to_string).collect(),
            "price" => {
                item.unit_price = money::parse(value, currency).map_err(|e| e.to_string())?;
                priced = true;
            }
            "quantity" => {
                item.quantity = value
                    .parse()
                    .map_err(|_| format!("quantity {value:?}: a whole number"))?
            }
            other => {
                return Err(format!(
                    "{other:?}: one of sku, product_id, category, brand, tags, price, quantity"
                ))
            }
        }
    }
    if !priced {
        return Err(format!("{text:?}: a line needs price=AMOUNT"));
    }
    Ok(item)
}

pub fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_rule_flags() {
        let c = criterion("category in shoes,bags", "").unwrap();
        assert_eq!(c.criteria_type, Some(CriteriaType::Category));
        assert_eq!(c.values, ["shoes", "bags"]);
        let price = criterion("price_range in 10.00,49.99", "USD").unwrap();
        assert_eq!(price.values, ["1000", "4999"]);
        assert_eq!(
            criterion_json(&price, "USD")["values"],
            serde_json::json!(["10.00", "49.99"])
        );
        assert!(criterion("price_range in 10.00,49.99", "").is_err());
        assert!(criterion("colour in red", "").is_err());
        assert!(criterion("category in", "").is_err());

        assert_eq!(days("mon-fri").unwrap(), 0b0011111);
        assert_eq!(days("sat,sun").unwrap(), 0b1100000);
        assert_eq!(days("Monday,wed").unwrap(), 0b0000101);
        assert_eq!(days("all").unwrap(), 0);
        assert!(days("fri-mon").is_err());
        assert_eq!(day_names(0b1000001), ["mon", "sun"]);

        assert_eq!(hours("09:00-17:30").unwrap(), (540, 1050));
        assert_eq!(hours("22:00-24:00").unwrap(), (1320, 1440));
        assert_eq!(hours("all").unwrap(), (0, 0));
        assert!(hours("9-17").is_err());
        assert!(hours("09:60-10:00").is_err());
        assert_eq!(clock(1050), "17:30");

        let item = line_item(
            "sku=A1,category=shoes,tags=sale|new,price=19.99,quantity=2",
            "USD",
        )
        .unwrap();
        assert_eq!(
            (item.sku.as_str(), item.unit_price, item.quantity),
            ("A1", 1999, 2)
        );
        assert_eq!(item.tags, ["sale", "new"]);
        assert_eq!(line_item("price=5", "JPY").unwrap().quantity, 1);
        assert!(line_item("sku=A1", "USD").is_err());
        assert!(line_item("colour=red,price=1.00", "USD").is_err());
    }
}
