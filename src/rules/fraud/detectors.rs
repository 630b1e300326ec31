//! The suspicious-pattern detectors (issue 11, point 4), as pure functions
//! over the state they need: who was seen with a device, an IP address or a
//! mailbox ("seen" sets), how fast a code is redeemed against its own past
//! (`CodeRate`), and how strong each signal is for one request (`signals`).
//! No I/O, no clock (times are batch times, unix ms), no floating point, so
//! every node and every replay computes the same.
//!
//! Thresholds (each a count against `score::strength`: nothing at or below
//! "free", growing linearly to full strength):
//!
//! | detector (`Signal::name`) | counts | free | full |
//! |---|---|---|---|
//! | `velocity_abuse` | attempts used in the velocity window, of the limit | 50 % | 100 % |
//! | `shared_device` | distinct customers on the device within 24 h | 2 | 6 |
//! | `shared_ip` | distinct customers from the IP address within 24 h | 5 | 20 |
//! | `code_guessing` | unknown codes tried by the client in its guessing window | 3 | 20 |
//! | `leaked_code` | this hour's redemptions of the code against its baseline (`leak_strength`) | 5 × | 10 × |
//! | `identity_aliasing` | distinct spellings of the mailbox within 24 h | 2 | 5 |
//!
//! and the yes/no signals at full strength: `disposable_email`,
//! `unverified_email` (an email given and not verified), and
//! `no_device_fingerprint`; `provider_risk` is the provider's own score.

use super::score::{strength, Signal, Signals, PPM};

/// What a seen set is of: the key it is kept under and what its members are.
/// The numbers are the log's and the checkpoint's (append only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeenKind {
    /// A device fingerprint -> the customers seen on it.
    DeviceCustomers = 1,
    /// An IP address -> the customers seen from it.
    IpCustomers = 2,
    /// A normalized mailbox -> the raw (lower-cased) spellings seen of it.
    MailboxSpellings = 3,
}

impl SeenKind {
    pub const ALL: [SeenKind; 3] = [
        SeenKind::DeviceCustomers,
        SeenKind::IpCustomers,
        SeenKind::MailboxSpellings,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<SeenKind> {
        SeenKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The most members a set of this kind keeps (the least recently seen
    /// go first). An IP address keeps more than a device or a mailbox: many
    /// customers behind one address (an office, a carrier's NAT) are
    /// ordinary, so its detector needs to count up to its full strength (20).
    pub fn max_members(self) -> usize {
        match self {
            SeenKind::DeviceCustomers | SeenKind::MailboxSpellings => SEEN_MAX_MEMBERS,
            SeenKind::IpCustomers => SEEN_MAX_IP_MEMBERS,
        }
    }
}

/// A member counts while it was last seen less than this long ago.
pub const SEEN_WINDOW_MS: i64 = 24 * 3_600_000;
/// The most members a device's or a mailbox's set keeps.
pub const SEEN_MAX_MEMBERS: usize = 8;
/// The most members an IP address's set keeps (see `SeenKind::max_members`).
pub const SEEN_MAX_IP_MEMBERS: usize = 20;
/// A member seen again within this long is not recorded again: ordinary
/// repeat traffic writes nothing, at the cost of its last-seen time being
/// up to this much older than it is.
pub const SEEN_REFRESH_MS: i64 = 3_600_000;

/// Whether a member seen at `seen_at` still counts at `now`.
fn live(seen_at: i64, now: i64) -> bool {
    now - seen_at < SEEN_WINDOW_MS
}

/// The set after `member` is seen at `now`: the members still in the window
/// plus this one at `now`, least recently seen first, at most `max` (the
/// least recently seen dropped). None when nothing needs recording: the
/// member is there, seen less than `SEEN_REFRESH_MS` ago, and no other
/// member has left the window.
pub fn seen_after<K: Copy + Eq>(
    members: &[(K, i64)],
    member: K,
    now: i64,
    max: usize,
) -> Option<Vec<(K, i64)>> {
    let expired = members.iter().any(|&(_, t)| !live(t, now));
    let fresh = members
        .iter()
        .any(|&(m, t)| m == member && now - t < SEEN_REFRESH_MS);
    if fresh && !expired && members.len() <= max {
        return None;
    }
    let mut set: Vec<(K, i64)> = members
        .iter()
        .copied()
        .filter(|&(m, t)| m != member && live(t, now))
        .collect();
    set.push((member, now));
    // Stable: members seen at the same time keep their order.
    set.sort_by_key(|&(_, t)| t);
    let drop = set.len().saturating_sub(max.max(1));
    set.drain(..drop);
    debug_assert!(set.len() <= max.max(1));
    Some(set)
}

/// Members seen within the window before `now`.
pub fn distinct_recent<K>(members: &[(K, i64)], now: i64) -> u64 {
    members.iter().filter(|&&(_, t)| live(t, now)).count() as u64
}

/// Members within the window once `member` is seen at `now`: the set as it
/// would be after this request, whether or not that needs recording.
pub fn distinct_with<K: Copy + Eq>(members: &[(K, i64)], member: K, now: i64, max: usize) -> u64 {
    match seen_after(members, member, now, max) {
        Some(set) => distinct_recent(&set, now),
        None => distinct_recent(members, now),
    }
}

/// The newest last-seen time of a set (None: empty), which the sweep ages.
pub fn newest_seen<K>(members: &[(K, i64)]) -> Option<i64> {
    members.iter().map(|&(_, t)| t).max()
}

/// Whether a set has nothing left in its window at `now` (the sweep's test).
pub fn seen_expired<K>(members: &[(K, i64)], now: i64) -> bool {
    newest_seen(members).is_none_or(|t| !live(t, now))
}

pub const HOUR_MS: i64 = 3_600_000;
/// Hour rollovers applied at most, however long a code was idle: after 48
/// the baseline is at most 0.2 % of what it was, and below the floor
/// (`MIN_BASELINE_MILLI`) unless it was over 2,400 an hour.
pub const RATE_MAX_STEPS: i64 = 48;
/// The baseline a code is judged against is at least 4 an hour (in
/// thousandths), so a new or quiet code is flagged only from 20 redemptions
/// in an hour (5 × 4) and at full strength from 40.
pub const MIN_BASELINE_MILLI: u64 = 4_000;
/// This hour's count against the baseline where the leak signal starts,
/// and where it is at full strength.
pub const LEAK_FREE_TIMES: u64 = 5;
pub const LEAK_FULL_TIMES: u64 = 10;

/// A code's redemption rate: this hour's count and its usual hourly count
/// (an exponential moving average over hours, in thousandths). Kept per
/// coupon; `Default` is a code never redeemed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodeRate {
    /// The hour `this_hour` counts: unix ms / `HOUR_MS`.
    pub hour: i64,
    pub this_hour: u32,
    /// Redemptions per hour, in thousandths.
    pub baseline_milli: u32,
}

/// The rate as of `now`'s hour: each hour that ended since `rate.hour`
/// folds into the baseline, `(7 × baseline + 1000 × count) / 8`, the first
/// with the count it had and every later (empty) one with 0, at most
/// `RATE_MAX_STEPS` of them. A time before `rate.hour` (which batch times
/// never are) counts in the current hour.
pub fn rate_at(rate: CodeRate, now: i64) -> CodeRate {
    let hour = now.div_euclid(HOUR_MS);
    if hour <= rate.hour {
        return rate;
    }
    let steps = (hour - rate.hour).min(RATE_MAX_STEPS);
    let mut baseline = u64::from(rate.baseline_milli);
    let mut count = u64::from(rate.this_hour);
    for _ in 0..steps {
        baseline = (7 * baseline + 1000 * count) / 8;
        count = 0;
    }
    CodeRate {
        hour,
        this_hour: 0,
        baseline_milli: u32::try_from(baseline).unwrap_or(u32::MAX),
    }
}

/// The rate after one more redemption at `now`.
pub fn rate_after(rate: CodeRate, now: i64) -> CodeRate {
    let mut rate = rate_at(rate, now);
    rate.this_hour = rate.this_hour.saturating_add(1);
    rate
}

/// Whether a code's rate holds nothing worth keeping at `now`: idle for
/// `RATE_MAX_STEPS` hours, its baseline has decayed as far as it ever will
/// (the sweep removes it; a new redemption starts it again from nothing).
pub fn rate_idle(rate: CodeRate, now: i64) -> bool {
    now.div_euclid(HOUR_MS) - rate.hour >= RATE_MAX_STEPS
}

/// The leaked-code signal in ppm: 0 while this hour's count is below
/// `LEAK_FREE_TIMES` × the baseline (the baseline at least
/// `MIN_BASELINE_MILLI`), full at `LEAK_FULL_TIMES` ×, linear between.
pub fn leak_strength(rate: CodeRate, now: i64) -> i64 {
    let rate = rate_at(rate, now);
    let baseline = u64::from(rate.baseline_milli).max(MIN_BASELINE_MILLI);
    strength(
        u64::from(rate.this_hour) * 1000,
        LEAK_FREE_TIMES * baseline,
        LEAK_FULL_TIMES * baseline,
    )
}

/// What the detectors look at for one request, as plain numbers. The
/// counts of seen sets include the request's own member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignalInputs {
    /// The most used velocity window of the order's identities, and the
    /// limit (None: the coupon does not check velocity).
    pub velocity_used: u64,
    pub velocity_limit: Option<u32>,
    pub device_customers: u64,
    pub ip_customers: u64,
    /// Unknown codes the client tried within its guessing window.
    pub unknown_codes: u64,
    /// `leak_strength` of the code, ppm.
    pub leak_ppm: i64,
    pub mailbox_spellings: u64,
    pub disposable_email: bool,
    pub email_given: bool,
    pub email_verified: bool,
    pub has_device_fingerprint: bool,
    /// The payment provider's own risk score, ppm.
    pub provider_risk_ppm: Option<i64>,
}

/// Each detector's strength for one request (thresholds in the module doc).
pub fn signals(inputs: &SignalInputs) -> Signals {
    let mut s = Signals::default();
    let full = |on: bool| if on { PPM } else { 0 };
    let velocity = match inputs.velocity_limit {
        Some(limit) if limit > 0 => {
            let used_ppm = inputs.velocity_used.saturating_mul(PPM as u64) / u64::from(limit);
            strength(used_ppm, PPM as u64 / 2, PPM as u64)
        }
        _ => 0,
    };
    s.set(Signal::Velocity, velocity);
    s.set(
        Signal::SharedDevice,
        strength(inputs.device_customers, 2, 6),
    );
    s.set(Signal::SharedIp, strength(inputs.ip_customers, 5, 20));
    s.set(Signal::CodeGuessing, strength(inputs.unknown_codes, 3, 20));
    s.set(Signal::LeakedCode, inputs.leak_ppm);
    s.set(
        Signal::EmailAliasing,
        strength(inputs.mailbox_spellings, 2, 5),
    );
    s.set(Signal::DisposableEmail, full(inputs.disposable_email));
    s.set(
        Signal::UnverifiedEmail,
        full(inputs.email_given && !inputs.email_verified),
    );
    s.set(Signal::NoFingerprint, full(!inputs.has_device_fingerprint));
    s.set(Signal::ProviderRisk, inputs.provider_risk_ppm.unwrap_or(0));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;
    const H: i64 = HOUR_MS;

    /// One row per case: (set before, member, expected after; None: nothing
    /// to record), members as (id, age in ms), at most 3.
    #[test]
    fn seen_sets_record_only_what_changed() {
        type Row = (&'static [(u8, i64)], u8, Option<&'static [(u8, i64)]>);
        let rows: &[Row] = &[
            (&[], 1, Some(&[(1, 0)])),
            // Seen again within the hour: nothing to write.
            (&[(1, H - 1)], 1, None),
            (&[(2, 5), (1, 10)], 1, None),
            // Seen again after an hour: refreshed, moved to the newest.
            (&[(1, H), (2, 5)], 1, Some(&[(2, 5), (1, 0)])),
            // A new member joins, newest last.
            (&[(1, 10)], 2, Some(&[(1, 10), (2, 0)])),
            // Full: the least recently seen gives way.
            (
                &[(1, 30), (2, 20), (3, 10)],
                4,
                Some(&[(2, 20), (3, 10), (4, 0)]),
            ),
            // Fresh, but another left the window: recorded without it.
            (&[(2, SEEN_WINDOW_MS), (1, 5)], 1, Some(&[(1, 0)])),
            // Exactly 24 h old has left; a millisecond less has not.
            (
                &[(2, SEEN_WINDOW_MS - 1)],
                1,
                Some(&[(2, SEEN_WINDOW_MS - 1), (1, 0)]),
            ),
        ];
        for (i, &(before, member, after)) in rows.iter().enumerate() {
            let at = |set: &[(u8, i64)]| -> Vec<(u8, i64)> {
                set.iter().map(|&(m, age)| (m, NOW - age)).collect()
            };
            let got = seen_after(&at(before), member, NOW, 3);
            assert_eq!(got, after.map(at), "row {i}");
        }
    }

    #[test]
    fn distinct_counts_count_the_window_and_the_request() {
        let set = [(1u8, NOW - 10), (2, NOW - SEEN_WINDOW_MS), (3, NOW - 1)];
        assert_eq!(distinct_recent(&set, NOW), 2);
        assert_eq!(distinct_with(&set, 1, NOW, 8), 2);
        assert_eq!(distinct_with(&set, 4, NOW, 8), 3);
        // Capped: never more than the set keeps.
        assert_eq!(distinct_with(&set, 4, NOW, 2), 2);
        assert!(!seen_expired(&set, NOW));
        assert!(seen_expired(&set, NOW + SEEN_WINDOW_MS - 1));
        assert!(seen_expired::<u8>(&[], NOW));
        assert_eq!(SeenKind::IpCustomers.max_members(), SEEN_MAX_IP_MEMBERS);
        for kind in SeenKind::ALL {
            assert_eq!(SeenKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(SeenKind::from_code(0), None);
        assert_eq!(SeenKind::from_code(4), None);
    }

    #[test]
    fn a_rate_rolls_over_hour_by_hour() {
        let hour = NOW / H;
        let at = |h: i64| h * H + 1;
        let mut r = CodeRate::default();
        for _ in 0..8 {
            r = rate_after(r, at(hour));
        }
        assert_eq!(
            r,
            CodeRate {
                hour,
                this_hour: 8,
                baseline_milli: 0
            }
        );
        // Next hour: (7 × 0 + 1000 × 8) / 8 = 1000.
        let next = rate_at(r, at(hour + 1));
        assert_eq!(
            (next.hour, next.this_hour, next.baseline_milli),
            (hour + 1, 0, 1000)
        );
        // Two hours on: the empty hour decays it, 7 × 1000 / 8.
        assert_eq!(rate_at(r, at(hour + 2)).baseline_milli, 875);
        // At most 48 steps however long the gap.
        let far = rate_at(
            CodeRate {
                hour,
                this_hour: 0,
                baseline_milli: u32::MAX,
            },
            at(hour + 1_000_000),
        );
        let mut expected = u64::from(u32::MAX);
        for _ in 0..RATE_MAX_STEPS {
            expected = 7 * expected / 8;
        }
        assert_eq!(u64::from(far.baseline_milli), expected);
        assert_eq!(far.hour, hour + 1_000_000);
        // A steady 10 an hour converges on a baseline of 10.
        let mut steady = CodeRate::default();
        for h in 0..200 {
            for _ in 0..10 {
                steady = rate_after(steady, at(hour + h));
            }
        }
        assert!((9_990..=10_000).contains(&rate_at(steady, at(hour + 200)).baseline_milli));
        // Never backwards.
        assert_eq!(rate_at(r, at(hour - 5)), r);
        assert!(!rate_idle(r, at(hour + RATE_MAX_STEPS - 1)));
        assert!(rate_idle(r, at(hour + RATE_MAX_STEPS)));
    }

    /// One row per case: (baseline in thousandths, this hour's count, ppm).
    #[test]
    fn a_leak_is_a_rate_far_above_its_own_baseline() {
        let rows: &[(u32, u32, i64)] = &[
            // A new code: judged against the floor of 4 an hour.
            (0, 19, 0),
            (0, 20, 0),
            (0, 30, PPM / 2),
            (0, 40, PPM),
            (0, 400, PPM),
            // 10 an hour usual: free to 50, full at 100.
            (10_000, 50, 0),
            (10_000, 75, PPM / 2),
            (10_000, 100, PPM),
            // A busy code at its usual pace is no leak.
            (1_000_000, 1_000, 0),
        ];
        let hour = NOW / H;
        for (i, &(baseline_milli, this_hour, ppm)) in rows.iter().enumerate() {
            let rate = CodeRate {
                hour,
                this_hour,
                baseline_milli,
            };
            assert_eq!(leak_strength(rate, NOW), ppm, "row {i}");
        }
        // An hour later the count is history: it went into the baseline.
        let burst = CodeRate {
            hour,
            this_hour: 400,
            baseline_milli: 0,
        };
        assert_eq!(leak_strength(burst, NOW + H), 0);
    }

    #[test]
    fn each_detector_has_its_thresholds() {
        let base = SignalInputs {
            email_given: true,
            email_verified: true,
            has_device_fingerprint: true,
            ..SignalInputs::default()
        };
        assert_eq!(signals(&base), Signals::default());
        type Case = (fn(&mut SignalInputs, u64), Signal, u64, u64);
        let cases: &[Case] = &[
            (|i, n| i.device_customers = n, Signal::SharedDevice, 2, 6),
            (|i, n| i.ip_customers = n, Signal::SharedIp, 5, 20),
            (|i, n| i.unknown_codes = n, Signal::CodeGuessing, 3, 20),
            (|i, n| i.mailbox_spellings = n, Signal::EmailAliasing, 2, 5),
            (
                |i, n| {
                    i.velocity_limit = Some(10);
                    i.velocity_used = n
                },
                Signal::Velocity,
                5,
                10,
            ),
        ];
        for &(set, signal, free, full) in cases {
            let at = |n: u64| {
                let mut inputs = base;
                set(&mut inputs, n);
                let s = signals(&inputs);
                // Only its own signal moves.
                for other in super::super::score::SIGNALS {
                    if other != signal {
                        assert_eq!(s.get(other), 0, "{} moved {}", signal.name(), other.name());
                    }
                }
                s.get(signal)
            };
            assert_eq!(at(free), 0, "{}", signal.name());
            assert!(at(free + 1) > 0, "{}", signal.name());
            assert!(at(full - 1) < PPM, "{}", signal.name());
            assert_eq!(at(full), PPM, "{}", signal.name());
            assert_eq!(at(full * 10), PPM, "{}", signal.name());
        }
        // Velocity without a limit is no signal.
        let unlimited = SignalInputs {
            velocity_used: 100,
            velocity_limit: None,
            ..base
        };
        assert_eq!(signals(&unlimited).get(Signal::Velocity), 0);
        let yes_no = SignalInputs {
            disposable_email: true,
            email_verified: false,
            has_device_fingerprint: false,
            leak_ppm: 250_000,
            provider_risk_ppm: Some(700_000),
            ..base
        };
        let s = signals(&yes_no);
        assert_eq!(s.get(Signal::DisposableEmail), PPM);
        assert_eq!(s.get(Signal::UnverifiedEmail), PPM);
        assert_eq!(s.get(Signal::NoFingerprint), PPM);
        assert_eq!(s.get(Signal::LeakedCode), 250_000);
        assert_eq!(s.get(Signal::ProviderRisk), 700_000);
        // No email given: nothing to verify.
        let no_email = SignalInputs {
            email_given: false,
            email_verified: false,
            ..base
        };
        assert_eq!(signals(&no_email).get(Signal::UnverifiedEmail), 0);
    }
}
