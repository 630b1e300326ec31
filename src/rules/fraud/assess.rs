//! From a request's signals to its security assessment and verdict: the
//! model's score, the risk level, each check with what it added, whether the
//! coupon's `review_score` flags it and whether its `block_score` refuses it.
//! VALIDATE and REDEEM both call this, so they agree.

use couponsd_client::wire::{CouponSpec, RiskLevel, SecurityAssessment, SecurityCheck};

use couponsd_client::wire::Order;

use super::detectors::SignalInputs;
use super::score::{self, Model, Signals, SIGNALS};
use super::security::is_disposable_email;
use super::velocity::{self, Identity};
use crate::error::Refusal;

/// The signals' inputs an order, the velocity windows (`recent`: attempts
/// per identity within the hour, `velocity::recent_each`) and the node's
/// guessing counts (`unknown_codes` its shopper tried) give; the detectors'
/// counts kept in the state are added by the caller.
pub fn order_inputs(
    spec: &CouponSpec,
    order: &Order,
    recent: &[(Identity, u64)],
    unknown_codes: u32,
) -> SignalInputs {
    let email = order.customer_email.trim();
    SignalInputs {
        velocity_used: recent.iter().map(|(_, n)| *n).max().unwrap_or(0),
        velocity_limit: velocity::limit(&spec.security),
        disposable_email: is_disposable_email(email),
        email_given: !email.is_empty(),
        email_verified: order.email_verified,
        has_device_fingerprint: !order.device_fingerprint.trim().is_empty(),
        provider_risk_ppm: order.provider_risk_score.map(i64::from),
        unknown_codes: u64::from(unknown_codes),
        ..SignalInputs::default()
    }
}

/// The assessment, every check listed (the seed's `security_assessment`).
pub fn assess(model: &Model, signals: &Signals, spec: &CouponSpec) -> SecurityAssessment {
    let scored = model.assess(signals);
    let score_ppm = u32::try_from(scored.score_ppm.clamp(0, score::PPM)).unwrap_or(u32::MAX);
    let checks = SIGNALS
        .iter()
        .map(|&signal| {
            let strength = signals.get(signal);
            SecurityCheck {
                name: signal.name().into(),
                passed: strength == 0,
                strength_ppm: u32::try_from(strength).unwrap_or(u32::MAX),
                contribution_ppm: scored.contributions[signal.index()],
            }
        })
        .collect();
    SecurityAssessment {
        fraud_score_ppm: score_ppm,
        risk_level: Some(level(scored.level)),
        flagged: spec.review_score.is_some_and(|review| score_ppm >= review),
        checks,
    }
}

/// Refused when the score reaches the coupon's `block_score`.
pub fn verdict(spec: &CouponSpec, assessment: &SecurityAssessment) -> Result<(), Refusal> {
    match spec.block_score {
        Some(block) if assessment.fraud_score_ppm >= block => Err(Refusal::FraudSuspected),
        _ => Ok(()),
    }
}

/// What a redemption record keeps: the checks that found something (the
/// others passed, and listing them on every record would only cost space).
pub fn kept(mut assessment: SecurityAssessment) -> SecurityAssessment {
    assessment.checks.retain(|c| !c.passed);
    assessment
}

/// A kept check list back to the signals it was scored from (learning from
/// an outcome); names this version does not know are skipped.
pub fn signals_of(checks: &[SecurityCheck]) -> Signals {
    let mut signals = Signals::default();
    for check in checks {
        if let Some(signal) = SIGNALS.iter().find(|s| s.name() == check.name) {
            signals.set(*signal, i64::from(check.strength_ppm));
        }
    }
    signals
}

fn level(level: score::RiskLevel) -> RiskLevel {
    match level {
        score::RiskLevel::Low => RiskLevel::Low,
        score::RiskLevel::Medium => RiskLevel::Medium,
        score::RiskLevel::High => RiskLevel::High,
        score::RiskLevel::Critical => RiskLevel::Critical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use score::Signal;

    #[test]
    fn thresholds_flag_and_block() {
        let model = Model::default();
        let spec = CouponSpec {
            review_score: Some(600_000),
            block_score: Some(850_000),
            ..CouponSpec::default()
        };
        let clean = assess(&model, &Signals::default(), &spec);
        assert_eq!(clean.risk_level, Some(RiskLevel::Low));
        assert!(!clean.flagged);
        assert_eq!(clean.checks.len(), SIGNALS.len());
        assert!(clean
            .checks
            .iter()
            .all(|c| c.passed && c.contribution_ppm == 0));
        assert_eq!(verdict(&spec, &clean), Ok(()));
        assert!(kept(clean).checks.is_empty());

        // Velocity and guessing at full strength: logit 3, about 0.95.
        let mut risky = Signals::default();
        risky.set(Signal::Velocity, score::PPM);
        risky.set(Signal::CodeGuessing, score::PPM);
        let a = assess(&model, &risky, &spec);
        assert_eq!(a.risk_level, Some(RiskLevel::Critical));
        assert!(a.flagged);
        assert_eq!(verdict(&spec, &a), Err(Refusal::FraudSuspected));
        let off = CouponSpec {
            review_score: None,
            block_score: None,
            ..spec
        };
        let a = assess(&model, &risky, &off);
        assert!(!a.flagged);
        assert_eq!(verdict(&off, &a), Ok(()));
        let kept = kept(a);
        assert_eq!(kept.checks.len(), 2);
        assert_eq!(
            signals_of(&kept.checks),
            risky,
            "a record's checks give back its signals"
        );
    }
}
