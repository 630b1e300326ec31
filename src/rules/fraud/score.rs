//! The fraud score: a logistic model over named signals, in integers so
//! that every node of a cluster computes the same score to the last digit
//! (no floating point: `exp` is not the same on every platform).
//!
//! Each signal is a strength in parts per million (0 = absent, 1,000,000 =
//! as strong as it gets); the model has a weight per signal and a bias, in
//! parts per million of a logit. The score is `sigmoid(bias + Σ weight ×
//! strength)`, also in parts per million, and each signal's contribution
//! (weight × strength) is reported with it. Learning from a labelled
//! outcome is one step of stochastic gradient descent on the log loss.

use couponsd_client::wire::FraudModel;

/// One part per million: the unit of strengths, weights and scores.
pub const PPM: i64 = 1_000_000;

/// What the score looks at. The order is the model's layout: append only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Redemptions by this identity within the velocity window, over the limit.
    Velocity,
    /// Customers seen on this device.
    SharedDevice,
    /// Customers seen from this IP address.
    SharedIp,
    /// Unknown codes tried by this client.
    CodeGuessing,
    /// This code's redemption rate against its own baseline.
    LeakedCode,
    /// Aliases seen of this normalized email.
    EmailAliasing,
    /// The email's domain hands out throwaway addresses.
    DisposableEmail,
    /// The order says the email is not verified.
    UnverifiedEmail,
    /// The order carries no device fingerprint.
    NoFingerprint,
    /// The payment provider's own risk score.
    ProviderRisk,
}

pub const SIGNALS: [Signal; 10] = [
    Signal::Velocity,
    Signal::SharedDevice,
    Signal::SharedIp,
    Signal::CodeGuessing,
    Signal::LeakedCode,
    Signal::EmailAliasing,
    Signal::DisposableEmail,
    Signal::UnverifiedEmail,
    Signal::NoFingerprint,
    Signal::ProviderRisk,
];

impl Signal {
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Velocity => "velocity_abuse",
            Signal::SharedDevice => "shared_device",
            Signal::SharedIp => "shared_ip",
            Signal::CodeGuessing => "code_guessing",
            Signal::LeakedCode => "leaked_code",
            Signal::EmailAliasing => "identity_aliasing",
            Signal::DisposableEmail => "disposable_email",
            Signal::UnverifiedEmail => "unverified_email",
            Signal::NoFingerprint => "no_device_fingerprint",
            Signal::ProviderRisk => "provider_risk",
        }
    }

    /// The starting weight, in ppm of a logit: how much the signal at full
    /// strength moves the score before any outcome was learned.
    fn initial_weight(self) -> i64 {
        match self {
            Signal::Velocity => 3 * PPM,
            Signal::SharedDevice => 2 * PPM,
            Signal::SharedIp => PPM,
            Signal::CodeGuessing => 3 * PPM,
            Signal::LeakedCode => 2 * PPM,
            Signal::EmailAliasing => 2 * PPM,
            Signal::DisposableEmail => 2 * PPM,
            Signal::UnverifiedEmail => PPM / 2,
            Signal::NoFingerprint => PPM / 2,
            Signal::ProviderRisk => 4 * PPM,
        }
    }
}

/// Each signal's strength for one request, in ppm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals([u32; SIGNALS.len()]);

impl Signals {
    /// Sets a signal's strength, clamped to [0, 1,000,000].
    pub fn set(&mut self, signal: Signal, strength_ppm: i64) {
        self.0[signal.index()] = strength_ppm.clamp(0, PPM) as u32;
    }

    pub fn get(&self, signal: Signal) -> i64 {
        i64::from(self.0[signal.index()])
    }
}

/// How strong a count is against its threshold: 0 at or below `free`,
/// growing linearly to full strength at `full`.
pub fn strength(count: u64, free: u64, full: u64) -> i64 {
    debug_assert!(free < full);
    if count <= free {
        return 0;
    }
    let over = (count - free).min(full - free);
    (over as i64 * PPM) / (full - free) as i64
}

/// Risk levels, by score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    /// LOW below 0.3, MEDIUM below 0.6, HIGH below 0.85, CRITICAL from 0.85.
    pub fn of(score_ppm: i64) -> RiskLevel {
        match score_ppm {
            ..300_000 => RiskLevel::Low,
            300_000..600_000 => RiskLevel::Medium,
            600_000..850_000 => RiskLevel::High,
            _ => RiskLevel::Critical,
        }
    }
}

/// A score, its level, and what each signal added to the logit (ppm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub score_ppm: i64,
    pub level: RiskLevel,
    pub contributions: [i64; SIGNALS.len()],
}

/// The model: a weight per signal and a bias (ppm of a logit), and how
/// many outcomes it learned from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub weights: [i64; SIGNALS.len()],
    pub bias: i64,
    pub outcomes: u64,
}

/// Weights stay within ±WEIGHT_MAX: a run of one-sided labels cannot push
/// a weight to where one signal alone decides everything forever.
const WEIGHT_MAX: i64 = 20 * PPM;
/// The learning rate, in ppm: 0.1.
const LEARNING_RATE_PPM: i64 = 100_000;

impl Default for Model {
    /// Before any outcome: a request with no signal scores about 0.05.
    fn default() -> Model {
        Model {
            weights: SIGNALS.map(Signal::initial_weight),
            bias: -3 * PPM,
            outcomes: 0,
        }
    }
}

impl Model {
    /// As FRAUD_MODEL shows it: each weight named, in `SIGNALS` order.
    pub fn to_wire(&self) -> FraudModel {
        FraudModel {
            outcomes: self.outcomes,
            bias_ppm: self.bias,
            weights: SIGNALS
                .iter()
                .map(|s| (s.name().to_string(), self.weights[s.index()]))
                .collect(),
        }
    }

    pub fn assess(&self, signals: &Signals) -> Assessment {
        let mut contributions = [0i64; SIGNALS.len()];
        let mut logit = self.bias;
        for signal in SIGNALS {
            let c = self.weights[signal.index()] * signals.get(signal) / PPM;
            contributions[signal.index()] = c;
            logit += c;
        }
        let score_ppm = sigmoid_ppm(logit);
        Assessment {
            score_ppm,
            level: RiskLevel::of(score_ppm),
            contributions,
        }
    }

    /// Learns from one labelled outcome: the signals the request had, and
    /// whether it turned out to be fraud.
    pub fn learn(&mut self, signals: &Signals, fraud: bool) {
        let predicted = self.assess(signals).score_ppm;
        let target = if fraud { PPM } else { 0 };
        // d(log loss)/d(logit) = target - predicted.
        let error = target - predicted;
        let step = error * LEARNING_RATE_PPM / PPM;
        for signal in SIGNALS {
            let w = &mut self.weights[signal.index()];
            *w = (*w + step * signals.get(signal) / PPM).clamp(-WEIGHT_MAX, WEIGHT_MAX);
        }
        self.bias = (self.bias + step).clamp(-WEIGHT_MAX, WEIGHT_MAX);
        self.outcomes += 1;
    }
}

/// sigmoid(x / 10^6) × 10^6, from a table of sigmoid at every 1/4 over
/// [-8, 8], linearly interpolated: within 0.2% of the real function, and
/// the same integers on every machine.
pub fn sigmoid_ppm(logit_ppm: i64) -> i64 {
    const STEP: i64 = PPM / 4;
    let last = SIGMOID_TABLE.len() as i64 - 1;
    // The table's index 0 is x = -8.
    let shifted = logit_ppm.saturating_add(8 * PPM);
    if shifted <= 0 {
        return SIGMOID_TABLE[0];
    }
    let i = shifted / STEP;
    if i >= last {
        return SIGMOID_TABLE[last as usize];
    }
    let (lo, hi) = (SIGMOID_TABLE[i as usize], SIGMOID_TABLE[i as usize + 1]);
    lo + (hi - lo) * (shifted % STEP) / STEP
}

/// sigmoid(k/4 - 8) in ppm for k = 0..=64, rounded.
const SIGMOID_TABLE: [i64; 65] = [
    335, 431, 553, 710, 911, 1_170, 1_501, 1_927, 2_473, 3_173, 4_070, 5_220, 6_693, 8_577, 10_987,
    14_064, 17_986, 22_977, 29_312, 37_327, 47_426, 60_087, 75_858, 95_349, 119_203, 148_047,
    182_426, 222_700, 268_941, 320_821, 377_541, 437_823, 500_000, 562_177, 622_459, 679_179,
    731_059, 777_300, 817_574, 851_953, 880_797, 904_651, 924_142, 939_913, 952_574, 962_673,
    970_688, 977_023, 982_014, 985_936, 989_013, 991_423, 993_307, 994_780, 995_930, 996_827,
    997_527, 998_073, 998_499, 998_830, 999_089, 999_290, 999_447, 999_569, 999_665,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sigmoid_table_is_the_sigmoid() {
        for (k, &value) in SIGMOID_TABLE.iter().enumerate() {
            let x = k as f64 / 4.0 - 8.0;
            let exact = 1e6 / (1.0 + (-x).exp());
            assert!(
                (value as f64 - exact).abs() <= 1.0,
                "k {k}: {value} vs {exact}"
            );
        }
        assert_eq!(sigmoid_ppm(0), 500_000);
        assert_eq!(sigmoid_ppm(-100 * PPM), 335);
        assert_eq!(sigmoid_ppm(100 * PPM), 999_665);
        // Monotonic, and within 0.2% of the real function in between.
        let mut last = 0;
        for logit in (-9 * PPM..9 * PPM).step_by(12_345) {
            let s = sigmoid_ppm(logit);
            assert!(s >= last, "not monotonic at {logit}");
            last = s;
            let exact = 1e6 / (1.0 + (-(logit as f64) / 1e6).exp());
            assert!(
                (s as f64 - exact).abs() < 2_000.0,
                "{logit}: {s} vs {exact}"
            );
        }
    }

    #[test]
    fn a_seeded_scenario_scores_as_documented() {
        let model = Model::default();
        // Nothing suspicious: about 0.047, LOW.
        let clean = model.assess(&Signals::default());
        assert_eq!(clean.score_ppm, 47_426);
        assert_eq!(clean.level, RiskLevel::Low);
        // A disposable email and no fingerprint: logit -3 + 2 + 0.5 = -0.5.
        let mut signals = Signals::default();
        signals.set(Signal::DisposableEmail, PPM);
        signals.set(Signal::NoFingerprint, PPM);
        let a = model.assess(&signals);
        assert_eq!(a.score_ppm, 377_541);
        assert_eq!(a.level, RiskLevel::Medium);
        assert_eq!(a.contributions[Signal::DisposableEmail.index()], 2 * PPM);
        // Plus velocity at half strength and the provider at 0.5: +1.5 +2 = 3.
        signals.set(Signal::Velocity, PPM / 2);
        signals.set(Signal::ProviderRisk, PPM / 2);
        let b = model.assess(&signals);
        assert_eq!(b.score_ppm, 952_574);
        assert_eq!(b.level, RiskLevel::Critical);
    }

    #[test]
    fn strengths_grow_from_free_to_full() {
        assert_eq!(strength(3, 3, 13), 0);
        assert_eq!(strength(8, 3, 13), PPM / 2);
        assert_eq!(strength(13, 3, 13), PPM);
        assert_eq!(strength(1_000, 3, 13), PPM);
        let mut s = Signals::default();
        s.set(Signal::SharedIp, -5);
        assert_eq!(s.get(Signal::SharedIp), 0);
        s.set(Signal::SharedIp, 5 * PPM);
        assert_eq!(s.get(Signal::SharedIp), PPM);
    }

    #[test]
    fn outcomes_teach_the_model_and_the_same_outcomes_teach_it_alike() {
        let mut shared_ip = Signals::default();
        shared_ip.set(Signal::SharedIp, PPM);
        let mut a = Model::default();
        let before = a.assess(&shared_ip).score_ppm;
        for _ in 0..50 {
            a.learn(&shared_ip, true);
        }
        let after = a.assess(&shared_ip).score_ppm;
        assert!(after > before + 300_000, "{before} -> {after}");
        assert_eq!(a.outcomes, 50);
        // Legitimate outcomes bring it back down.
        let mut b = a.clone();
        for _ in 0..200 {
            b.learn(&shared_ip, false);
        }
        assert!(b.assess(&shared_ip).score_ppm < after / 2);
        // Deterministic: the same outcomes, the same weights.
        let mut c = Model::default();
        for _ in 0..50 {
            c.learn(&shared_ip, true);
        }
        assert_eq!(a, c);
    }

    #[test]
    fn weights_stay_bounded() {
        let mut everything = Signals::default();
        for s in SIGNALS {
            everything.set(s, PPM);
        }
        let mut m = Model::default();
        for _ in 0..100_000 {
            m.learn(&everything, false);
        }
        assert!(m.weights.iter().all(|w| w.abs() <= WEIGHT_MAX));
        assert!(m.bias.abs() <= WEIGHT_MAX);
    }

    #[test]
    fn signal_names_and_order_are_fixed() {
        for (i, s) in SIGNALS.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        assert_eq!(Signal::Velocity.name(), "velocity_abuse");
        assert_eq!(RiskLevel::of(299_999), RiskLevel::Low);
        assert_eq!(RiskLevel::of(300_000), RiskLevel::Medium);
        assert_eq!(RiskLevel::of(600_000), RiskLevel::High);
        assert_eq!(RiskLevel::of(850_000), RiskLevel::Critical);
    }
}
