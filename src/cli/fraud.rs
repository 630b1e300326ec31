//! `couponsd fraud ...`: label outcomes the model learns from, show the
//! model, and the fraud report of a range of time.

use couponsd_client::wire::{FraudLabel, FraudModel, FraudReport};
use couponsd_client::Client;
use serde_json::{json, Value};

use super::args::FraudCommand;
use super::commands::{rfc3339, Failure, Output};
use super::json;

pub async fn run(client: &Client, command: FraudCommand) -> Result<Output, Failure> {
    match command {
        FraudCommand::Outcome { redemption, label } => {
            let label = FraudLabel::from_name(&label.trim().to_ascii_lowercase())
                .ok_or_else(|| Failure::Usage(format!("--label {label:?}: fraud or legit")))?;
            Ok(model(&client.fraud_outcome(redemption, label).await?))
        }
        FraudCommand::Model => Ok(model(&client.fraud_model().await?)),
        FraudCommand::Report { from, to } => {
            let from = date("--from", &from)?;
            let to = date("--to", &to)?;
            if to <= from {
                return Err(Failure::Usage("--to must be after --from".into()));
            }
            Ok(report(&client.fraud_report(from, to).await?))
        }
    }
}

/// RFC 3339, or a bare date meaning its midnight UTC.
fn date(flag: &str, text: &str) -> Result<i64, Failure> {
    match text.parse::<jiff::civil::Date>() {
        Ok(day) => day
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|t| t.timestamp().as_millisecond())
            .map_err(|e| Failure::Usage(format!("{flag} {text:?}: {e}"))),
        Err(_) => rfc3339(flag, text),
    }
}

/// ppm of a logit as an exact decimal: -3000000 is "-3", 500000 is "0.5".
fn logit(ppm: i64) -> String {
    let sign = if ppm < 0 { "-" } else { "" };
    let abs = ppm.unsigned_abs();
    let frac = format!("{:06}", abs % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{}", abs / 1_000_000)
    } else {
        format!("{sign}{}.{frac}", abs / 1_000_000)
    }
}

fn model(m: &FraudModel) -> Output {
    let weights: serde_json::Map<String, Value> = m
        .weights
        .iter()
        .map(|(name, w)| (name.clone(), Value::String(logit(*w))))
        .collect();
    let mut text = format!(
        "outcomes learned {}\nbias {}\n",
        m.outcomes,
        logit(m.bias_ppm)
    );
    for (name, w) in &m.weights {
        text.push_str(&format!("{name:<24}{:>12}\n", logit(*w)));
    }
    Output {
        json: json!({
            "outcomes": m.outcomes,
            "bias": logit(m.bias_ppm),
            "weights": weights,
        }),
        text: text.trim_end().to_string(),
    }
}

pub(crate) fn report(r: &FraudReport) -> Output {
    let savings: serde_json::Map<String, Value> = r
        .savings
        .iter()
        .map(|(currency, amount)| (currency.clone(), json::amount(*amount, currency)))
        .collect();
    let patterns: Vec<Value> = r
        .patterns
        .iter()
        .map(|p| {
            json!({
                "type": p.name,
                "occurrences": p.occurrences,
                "blocked": p.blocked,
                "description": p.description,
            })
        })
        .collect();
    let coupons: Vec<Value> = r
        .high_risk_coupons
        .iter()
        .map(|c| {
            json!({
                "coupon_id": c.coupon_id,
                "code": c.code,
                "attempts": c.attempts,
                "blocked": c.blocked,
                "risk_score": json::score(c.risk_score_ppm),
            })
        })
        .collect();
    let mut text = format!(
        "from {} to {}\nattempts {}  blocked {}  flagged {}  fraud rate {}\n",
        json::time(r.from).as_str().unwrap_or_default(),
        json::time(r.to).as_str().unwrap_or_default(),
        r.attempts,
        r.blocked,
        r.flagged,
        json::score(r.fraud_rate_ppm).as_str().unwrap_or_default(),
    );
    for (currency, amount) in &r.savings {
        text.push_str(&format!(
            "estimated savings {}\n",
            couponsd_client::money::format(*amount, currency)
        ));
    }
    text.push_str("patterns (occurrences, blocked)\n");
    for p in r.patterns.iter().filter(|p| p.occurrences > 0) {
        text.push_str(&format!(
            "  {:<24}{:>10}{:>10}  {}\n",
            p.name, p.occurrences, p.blocked, p.description
        ));
    }
    text.push_str("high-risk coupons (attempts, blocked, mean score)\n");
    for c in &r.high_risk_coupons {
        text.push_str(&format!(
            "  {:<8}{:<24}{:>10}{:>10}  {}\n",
            c.coupon_id,
            c.code,
            c.attempts,
            c.blocked,
            json::score(c.risk_score_ppm).as_str().unwrap_or_default()
        ));
    }
    Output {
        json: json!({
            "period": { "from": json::time(r.from), "to": json::time(r.to) },
            "summary": {
                "total_attempts": r.attempts,
                "blocked": r.blocked,
                "flagged": r.flagged,
                "fraud_rate": json::score(r.fraud_rate_ppm),
                "estimated_savings": savings,
            },
            "patterns": patterns,
            "high_risk_coupons": coupons,
        }),
        text: text.trim_end().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logits_and_dates() {
        assert_eq!(logit(-3_000_000), "-3");
        assert_eq!(logit(500_000), "0.5");
        assert_eq!(logit(-1_250_000), "-1.25");
        assert_eq!(logit(0), "0");
        assert_eq!(date("--from", "2026-01-01").ok(), Some(1_767_225_600_000));
        assert_eq!(
            date("--from", "2026-01-01T00:00:01Z").ok(),
            Some(1_767_225_601_000)
        );
        assert!(date("--from", "yesterday").is_err());
    }
}
