//! An event as JSON: what `couponsd events tail --json` prints. Amounts are
//! integer minor units with their currency, times unix milliseconds.

use couponsd_client::wire::Event;
use serde_json::{json, Value};

pub fn event_json(e: &Event) -> Value {
    json!({
        "id": e.id,
        "type": e.event_type.map_or("", |t| t.name()),
        "time": e.time,
        "coupon_id": e.coupon_id,
        "code": e.code,
        "campaign_id": e.campaign_id,
        "redemption_id": e.redemption_id,
        "order_id": e.order_id,
        "customer_id": e.customer_id,
        "amount": e.amount,
        "discount_amount": e.discount_amount,
        "currency": e.currency,
        "status": e.status,
        "count": e.count,
    })
}

/// One line of text: id, type, then the fields it has.
pub fn event_line(e: &Event) -> String {
    let mut line = format!("{} {}", e.id, e.event_type.map_or("?", |t| t.name()));
    if !e.code.is_empty() {
        line.push_str(&format!(" code={}", e.code));
    }
    if e.coupon_id != 0 {
        line.push_str(&format!(" coupon={}", e.coupon_id));
    }
    if e.campaign_id != 0 {
        line.push_str(&format!(" campaign={}", e.campaign_id));
    }
    if e.redemption_id != 0 {
        line.push_str(&format!(" redemption={}", e.redemption_id));
    }
    if !e.order_id.is_empty() {
        line.push_str(&format!(" order={}", e.order_id));
    }
    if e.amount != 0 || e.discount_amount != 0 {
        line.push_str(&format!(
            " amount={} discount={} {}",
            e.amount, e.discount_amount, e.currency
        ));
    }
    if !e.status.is_empty() {
        line.push_str(&format!(" status={}", e.status));
    }
    if e.count != 0 {
        line.push_str(&format!(" count={}", e.count));
    }
    line
}
