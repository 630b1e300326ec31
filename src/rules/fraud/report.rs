//! The fraud report: the attempts (redemptions) created in a range, added
//! one at a time as a storage scan reads them, summed into totals, each
//! signal's occurrences and the coupons most blocked. Memory is one entry
//! per coupon seen, whatever the number of attempts.

use std::collections::{BTreeMap, HashMap};

use couponsd_client::wire::{
    FraudPattern, FraudReport, HighRiskCoupon, Redemption, RedemptionStatus,
};

use super::score::{Signal, PPM, SIGNALS};

/// Coupons listed as high risk.
pub const HIGH_RISK_COUPONS: usize = 10;

/// What the report says a pattern is.
pub fn description(signal: Signal) -> &'static str {
    match signal {
        Signal::Velocity => "one identity redeeming the coupon faster than its hourly limit allows",
        Signal::SharedDevice => "one device used by many customers",
        Signal::SharedIp => "one IP address used by many customers",
        Signal::CodeGuessing => "a client trying many unknown codes",
        Signal::LeakedCode => "a code redeemed far above its own baseline rate",
        Signal::EmailAliasing => "many spellings of one mailbox",
        Signal::DisposableEmail => "an email address from a disposable domain",
        Signal::UnverifiedEmail => "an email the order says is not verified",
        Signal::NoFingerprint => "an order without a device fingerprint",
        Signal::ProviderRisk => "the payment provider's own risk score",
    }
}

/// One coupon's attempts in the range.
#[derive(Default)]
struct CouponTally {
    code: String,
    attempts: u64,
    blocked: u64,
    score_sum_ppm: u64,
    /// Accepted attempts (not REJECTED) in `currency`, the first accepted
    /// attempt's, and their discounts: what a blocked one is valued at.
    accepted: u64,
    accepted_discount: i64,
    currency: String,
}

/// The report being summed.
pub struct Report {
    from: i64,
    to: i64,
    attempts: u64,
    blocked: u64,
    flagged: u64,
    /// Per signal (in `SIGNALS` order): attempts it fired on, and of those blocked.
    patterns: [(u64, u64); SIGNALS.len()],
    coupons: HashMap<u64, CouponTally>,
}

impl Report {
    pub fn new(from: i64, to: i64) -> Report {
        Report {
            from,
            to,
            attempts: 0,
            blocked: 0,
            flagged: 0,
            patterns: [(0, 0); SIGNALS.len()],
            coupons: HashMap::new(),
        }
    }

    /// Adds one attempt created in the range.
    pub fn add(&mut self, r: &Redemption) {
        debug_assert!((self.from..self.to).contains(&r.created_at));
        let blocked = r.status == RedemptionStatus::Rejected;
        self.attempts += 1;
        self.blocked += u64::from(blocked);
        self.flagged += u64::from(r.security.flagged);
        for check in r.security.checks.iter().filter(|c| !c.passed) {
            if let Some(signal) = SIGNALS.iter().find(|s| s.name() == check.name) {
                let (occurrences, of_them_blocked) = &mut self.patterns[signal.index()];
                *occurrences += 1;
                *of_them_blocked += u64::from(blocked);
            }
        }
        let tally = self.coupons.entry(r.coupon_id).or_default();
        if tally.code.is_empty() {
            tally.code = r.code.clone();
        }
        tally.attempts += 1;
        tally.blocked += u64::from(blocked);
        tally.score_sum_ppm += u64::from(r.security.fraud_score_ppm);
        if !blocked {
            if tally.accepted == 0 {
                tally.currency = r.currency.clone();
            }
            if r.currency == tally.currency {
                tally.accepted += 1;
                tally.accepted_discount = tally.accepted_discount.saturating_add(r.discount_amount);
            }
        }
    }

    pub fn finish(self) -> FraudReport {
        // A REJECTED record keeps no discount (it was never computed for
        // most refusals), so a blocked attempt is valued at the mean
        // discount of its coupon's accepted attempts in the same range; a
        // coupon with none adds nothing.
        let mut savings: BTreeMap<String, i64> = BTreeMap::new();
        for tally in self.coupons.values() {
            if tally.blocked > 0 && tally.accepted > 0 {
                let mean = tally.accepted_discount / tally.accepted as i64;
                let saved = mean.saturating_mul(tally.blocked as i64);
                let sum = savings.entry(tally.currency.clone()).or_default();
                *sum = sum.saturating_add(saved);
            }
        }
        let mut coupons: Vec<HighRiskCoupon> = self
            .coupons
            .into_iter()
            .map(|(coupon_id, t)| HighRiskCoupon {
                coupon_id,
                code: t.code,
                attempts: t.attempts,
                blocked: t.blocked,
                risk_score_ppm: (t.score_sum_ppm / t.attempts.max(1)) as u32,
            })
            .collect();
        coupons.sort_by(|a, b| {
            (b.blocked, b.risk_score_ppm, a.coupon_id).cmp(&(
                a.blocked,
                a.risk_score_ppm,
                b.coupon_id,
            ))
        });
        coupons.truncate(HIGH_RISK_COUPONS);
        FraudReport {
            from: self.from,
            to: self.to,
            attempts: self.attempts,
            blocked: self.blocked,
            flagged: self.flagged,
            fraud_rate_ppm: if self.attempts == 0 {
                0
            } else {
                (u128::from(self.blocked) * PPM as u128 / u128::from(self.attempts)) as u32
            },
            savings: savings.into_iter().collect(),
            patterns: SIGNALS
                .iter()
                .map(|&signal| {
                    let (occurrences, blocked) = self.patterns[signal.index()];
                    FraudPattern {
                        name: signal.name().into(),
                        occurrences,
                        blocked,
                        description: description(signal).into(),
                    }
                })
                .collect(),
            high_risk_coupons: coupons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couponsd_client::wire::{OrderIdentifiers, SecurityAssessment, SecurityCheck};

    fn attempt(id: u64, coupon_id: u64, status: RedemptionStatus, score: u32) -> Redemption {
        Redemption {
            id,
            coupon_id,
            code: format!("C{coupon_id}"),
            customer_id: String::new(),
            order_id: format!("o{id}"),
            transaction_id: String::new(),
            status,
            original_amount: 5_000,
            discount_amount: if status == RedemptionStatus::Rejected {
                0
            } else {
                500
            },
            final_amount: 4_500,
            currency: "USD".into(),
            channel: String::new(),
            created_at: 10,
            updated_at: 10,
            hold_expires_at: None,
            reverse_reason: String::new(),
            fraud_outcome: None,
            counted: 0,
            identifiers: OrderIdentifiers::default(),
            security: SecurityAssessment {
                fraud_score_ppm: score,
                flagged: score >= 600_000,
                checks: vec![SecurityCheck {
                    name: "shared_ip".into(),
                    passed: false,
                    strength_ppm: 1_000_000,
                    contribution_ppm: 1_000_000,
                }],
                ..SecurityAssessment::default()
            },
        }
    }

    #[test]
    fn totals_patterns_savings_and_the_riskiest_coupons() {
        let mut report = Report::new(0, 100);
        // Coupon 1: three accepted (500 each), two blocked. Coupon 2: one
        // blocked, none accepted (values nothing). Coupons 3..=14: one
        // accepted each.
        report.add(&attempt(1, 1, RedemptionStatus::Processed, 100_000));
        report.add(&attempt(2, 1, RedemptionStatus::Processed, 100_000));
        report.add(&attempt(3, 1, RedemptionStatus::Pending, 700_000));
        report.add(&attempt(4, 1, RedemptionStatus::Rejected, 900_000));
        report.add(&attempt(5, 1, RedemptionStatus::Rejected, 900_000));
        report.add(&attempt(6, 2, RedemptionStatus::Rejected, 950_000));
        for c in 3..=14 {
            report.add(&attempt(10 + c, c, RedemptionStatus::Processed, c as u32));
        }
        let r = report.finish();
        assert_eq!((r.attempts, r.blocked, r.flagged), (18, 3, 4));
        assert_eq!(r.fraud_rate_ppm, 166_666);
        assert_eq!(r.savings, vec![("USD".to_string(), 1_000)]);
        let shared_ip = &r.patterns[Signal::SharedIp.index()];
        assert_eq!((shared_ip.occurrences, shared_ip.blocked), (18, 3));
        assert_eq!(r.patterns.len(), SIGNALS.len());
        assert_eq!(r.high_risk_coupons.len(), HIGH_RISK_COUPONS);
        let first = &r.high_risk_coupons[0];
        assert_eq!((first.coupon_id, first.attempts, first.blocked), (1, 5, 2));
        assert_eq!(first.risk_score_ppm, 540_000);
        assert_eq!(r.high_risk_coupons[1].coupon_id, 2);
        // Then by mean score: coupon 14 scored highest of the rest.
        assert_eq!(r.high_risk_coupons[2].coupon_id, 14);
        assert_eq!(Report::new(0, 1).finish().fraud_rate_ppm, 0);
    }
}
