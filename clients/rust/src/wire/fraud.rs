//! The fraud model and the fraud report (FRAUD_MODEL, FRAUD_OUTCOME,
//! FRAUD_REPORT): their bodies, as protocol.md lays them out.

use super::primitives::{DecodeError, Reader, Writer};

/// The fraud model every node scores with: a weight per signal and a bias,
/// in parts per million of a logit, and how many outcomes it learned from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FraudModel {
    pub outcomes: u64,
    pub bias_ppm: i64,
    /// (signal name, weight ppm), in the model's signal order.
    pub weights: Vec<(String, i64)>,
}

impl FraudModel {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.outcomes);
        w.i64(self.bias_ppm);
        w.list(&self.weights, |w, (name, weight)| {
            w.str(name);
            w.i64(*weight);
        });
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(FraudModel {
            outcomes: r.u64("outcomes")?,
            bias_ppm: r.i64("bias")?,
            weights: r.list("weights", |r| Ok((r.str("name")?, r.i64("weight")?)))?,
        })
    }
}

/// One suspicious pattern (a signal of the score) over a report's range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FraudPattern {
    pub name: String,
    /// Attempts on which the pattern's check fired.
    pub occurrences: u64,
    /// Of those, the ones refused (REJECTED).
    pub blocked: u64,
    pub description: String,
}

impl FraudPattern {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.name);
        w.u64(self.occurrences);
        w.u64(self.blocked);
        w.str(&self.description);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(FraudPattern {
            name: r.str("name")?,
            occurrences: r.u64("occurrences")?,
            blocked: r.u64("blocked")?,
            description: r.str("description")?,
        })
    }
}

/// A coupon among the most blocked over a report's range.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HighRiskCoupon {
    pub coupon_id: u64,
    pub code: String,
    pub attempts: u64,
    pub blocked: u64,
    /// The mean fraud score of its attempts, ppm.
    pub risk_score_ppm: u32,
}

impl HighRiskCoupon {
    pub fn write(&self, w: &mut Writer) {
        w.u64(self.coupon_id);
        w.str(&self.code);
        w.u64(self.attempts);
        w.u64(self.blocked);
        w.u32(self.risk_score_ppm);
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(HighRiskCoupon {
            coupon_id: r.u64("coupon_id")?,
            code: r.str("code")?,
            attempts: r.u64("attempts")?,
            blocked: r.u64("blocked")?,
            risk_score_ppm: r.u32("risk_score")?,
        })
    }
}

/// The fraud report over the redemptions created in [from, to).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FraudReport {
    pub from: i64,
    pub to: i64,
    /// Redemptions created in the range, accepted and REJECTED.
    pub attempts: u64,
    /// REJECTED ones.
    pub blocked: u64,
    /// Ones the coupon's `review_score` flagged.
    pub flagged: u64,
    /// blocked / attempts, ppm (0 without attempts).
    pub fraud_rate_ppm: u32,
    /// (currency, minor units): the estimated discount not given (protocol.md).
    pub savings: Vec<(String, i64)>,
    pub patterns: Vec<FraudPattern>,
    /// At most 10, most blocked first, then highest mean score.
    pub high_risk_coupons: Vec<HighRiskCoupon>,
}

impl FraudReport {
    pub fn write(&self, w: &mut Writer) {
        w.i64(self.from);
        w.i64(self.to);
        w.u64(self.attempts);
        w.u64(self.blocked);
        w.u64(self.flagged);
        w.u32(self.fraud_rate_ppm);
        w.list(&self.savings, |w, (currency, amount)| {
            w.str(currency);
            w.i64(*amount);
        });
        w.list(&self.patterns, |w, p| p.write(w));
        w.list(&self.high_risk_coupons, |w, c| c.write(w));
    }

    pub fn read(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(FraudReport {
            from: r.i64("from")?,
            to: r.i64("to")?,
            attempts: r.u64("attempts")?,
            blocked: r.u64("blocked")?,
            flagged: r.u64("flagged")?,
            fraud_rate_ppm: r.u32("fraud_rate")?,
            savings: r.list("savings", |r| Ok((r.str("currency")?, r.i64("amount")?)))?,
            patterns: r.list("patterns", FraudPattern::read)?,
            high_risk_coupons: r.list("high_risk_coupons", HighRiskCoupon::read)?,
        })
    }
}
