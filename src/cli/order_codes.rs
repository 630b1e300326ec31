//! `couponsd validate|redeem|reserve --code A --code B ...`: several codes
//! on one order (ORDER_VALIDATE, ORDER_REDEEM, ORDER_RESERVE), and
//! `couponsd confirm|release|reverse --order ID` on the order's whole set
//! (ORDER_CONFIRM, ORDER_RELEASE, ORDER_REVERSE), and what they print.

use couponsd_client::money;
use couponsd_client::wire::{
    ErrorCode, Order, OrderCode, OrderMode, OrderRedeemRequest, OrderRedemption,
    OrderReserveRequest, OrderTotals, OrderValidateRequest, OrderValidation,
};
use couponsd_client::Client;
use serde_json::{json, Value};

use super::args::{OrderArgs, ReserveArgs};
use super::commands::{Failure, Output};
use super::json;

/// The one code of a single-code verb (RESERVE, or VALIDATE and REDEEM
/// with one --code).
pub fn single(o: &OrderArgs) -> Result<&str, Failure> {
    match o.code.as_slice() {
        [one] => Ok(one),
        _ => Err(Failure::Usage(
            "--code: this verb takes exactly one code".into(),
        )),
    }
}

fn mode(o: &OrderArgs) -> Result<OrderMode, Failure> {
    match o.mode.as_str() {
        "all" => Ok(OrderMode::AllOrNothing),
        "best" => Ok(OrderMode::BestEffort),
        other => Err(Failure::Usage(format!("--mode {other:?}: all or best"))),
    }
}

pub async fn validate(client: &Client, o: &OrderArgs, order: Order) -> Result<Output, Failure> {
    let request = OrderValidateRequest {
        codes: o.code.clone(),
        mode: mode(o)?,
        order,
    };
    let v: OrderValidation = client.order_validate(request).await?;
    Ok(output(&v.codes, &v.totals, None))
}

pub async fn redeem(client: &Client, o: &OrderArgs, order: Order) -> Result<Output, Failure> {
    let request = OrderRedeemRequest {
        codes: o.code.clone(),
        mode: mode(o)?,
        order_id: o.order.clone(),
        transaction_id: o.transaction.clone(),
        order,
    };
    let r: OrderRedemption = client.order_redeem(request).await?;
    Ok(set_output(&r))
}

pub async fn reserve(client: &Client, r: &ReserveArgs, order: Order) -> Result<Output, Failure> {
    let request = OrderReserveRequest {
        codes: r.order.code.clone(),
        mode: mode(&r.order)?,
        order_id: r.order.order.clone(),
        ttl_ms: r.ttl_secs.saturating_mul(1000),
        order,
    };
    Ok(set_output(&client.order_reserve(request).await?))
}

/// An order's set after ORDER_REDEEM, ORDER_RESERVE, ORDER_CONFIRM,
/// ORDER_RELEASE or ORDER_REVERSE.
pub fn set_output(r: &OrderRedemption) -> Output {
    output(&r.codes, &r.totals, Some(r))
}

/// One line per code, then the totals; with a redemption, its records too.
fn output(codes: &[OrderCode], totals: &OrderTotals, redeemed: Option<&OrderRedemption>) -> Output {
    let cur = totals.currency.as_str();
    let mut lines: Vec<String> = codes
        .iter()
        .map(|c| {
            if c.applied {
                format!(
                    "{}: applied, discount {} {cur}",
                    c.code,
                    money::format(c.discount_amount, cur)
                )
            } else {
                format!("{}: skipped, {} ({})", c.code, reason(c.reason), c.message)
            }
        })
        .collect();
    lines.push(format!(
        "total: discount {} of {}, final {} {cur}",
        money::format(totals.discount_amount, cur),
        money::format(totals.original_amount, cur),
        money::format(totals.final_amount, cur),
    ));
    let mut value = json!({
        "codes": codes.iter().map(|c| code_json(c, cur)).collect::<Vec<_>>(),
        "original_amount": json::amount(totals.original_amount, cur),
        "discount_amount": json::amount(totals.discount_amount, cur),
        "final_amount": json::amount(totals.final_amount, cur),
        "currency": cur,
    });
    if let (Some(r), Value::Object(fields)) = (redeemed, &mut value) {
        for x in &r.redemptions {
            lines.push(format!("redemption {} of {}: {}", x.id, x.code, x.status));
        }
        if r.replayed {
            lines.push("[replayed: this order had already done this]".into());
        }
        let records: Vec<Value> = r.redemptions.iter().map(json::redemption).collect();
        fields.insert("redemptions".into(), records.into());
        fields.insert("replayed".into(), r.replayed.into());
    }
    Output {
        json: value,
        text: lines.join("\n"),
    }
}

fn reason(code: u16) -> &'static str {
    ErrorCode::from_u16(code).map_or("UNKNOWN", |c| c.name())
}

fn code_json(c: &OrderCode, cur: &str) -> Value {
    json!({
        "code": c.code,
        "coupon_id": if c.coupon_id == 0 { Value::Null } else { c.coupon_id.into() },
        "applied": c.applied,
        "reason": if c.applied { Value::Null } else { reason(c.reason).into() },
        "message": c.message,
        "discount_amount": json::amount(c.discount_amount, cur),
    })
}
