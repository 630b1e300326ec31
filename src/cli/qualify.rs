//! `couponsd qualify`: the coupons that apply to an order (QUALIFY), best
//! combination first, and what it prints.

use couponsd_client::money;
use couponsd_client::wire::{Order, Qualification, QualifyRequest};
use couponsd_client::Client;
use serde_json::json;

use super::args::QualifyArgs;
use super::commands::{Failure, Output};
use super::json;

pub async fn run(client: &Client, q: &QualifyArgs, order: Order) -> Result<Output, Failure> {
    let request = QualifyRequest {
        limit: q.limit,
        order,
    };
    Ok(output(&client.qualify(request).await?))
}

/// The best combination and its totals, then one line per coupon.
fn output(q: &Qualification) -> Output {
    let totals = &q.best_totals;
    let cur = totals.currency.as_str();
    let mut lines = Vec::with_capacity(q.coupons.len() + 2);
    if q.best.is_empty() {
        lines.push("best: nothing applies".to_string());
    } else {
        lines.push(format!(
            "best: {}: discount {} of {}, final {} {cur}",
            q.best.join(" + "),
            money::format(totals.discount_amount, cur),
            money::format(totals.original_amount, cur),
            money::format(totals.final_amount, cur),
        ));
    }
    for c in &q.coupons {
        let mut line = format!(
            "{}: discount {} {cur}",
            c.code,
            money::format(c.discount_amount, cur)
        );
        if c.auto_apply {
            line.push_str(" [automatic]");
        }
        if c.assigned {
            line.push_str(" [yours]");
        }
        lines.push(line);
    }
    if q.truncated {
        lines.push(format!(
            "(truncated: {} candidates judged, the server's bound)",
            q.candidates_evaluated
        ));
    }
    let coupons: Vec<_> = q
        .coupons
        .iter()
        .map(|c| {
            json!({
                "code": c.code,
                "coupon_id": c.coupon_id,
                "discount_amount": json::amount(c.discount_amount, cur),
                "auto_apply": c.auto_apply,
                "assigned": c.assigned,
            })
        })
        .collect();
    Output {
        json: json!({
            "coupons": coupons,
            "best": q.best,
            "original_amount": json::amount(totals.original_amount, cur),
            "discount_amount": json::amount(totals.discount_amount, cur),
            "final_amount": json::amount(totals.final_amount, cur),
            "currency": cur,
            "truncated": q.truncated,
            "candidates_evaluated": q.candidates_evaluated,
        }),
        text: lines.join("\n"),
    }
}
