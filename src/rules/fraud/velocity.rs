//! Velocity checks: how many redemptions (or holds) of one coupon one
//! customer may start within an hour. The window slides over the `created_at`
//! of the customer's accepted attempts, which is the batch time of the record
//! that accepted them, and is judged at the batch time of the request: never
//! a node's clock, so every node and every replay decides alike. Attempts
//! later released, expired or reversed still count: the window counts what
//! was accepted, not what was kept.

use couponsd_client::wire::SecuritySettings;

use crate::error::Refusal;

/// The window's length: an attempt counts while it is younger than this.
pub const WINDOW_MS: i64 = 3_600_000;

/// The most attempts per customer within the window, if the coupon checks
/// velocity (None: it does not, and keeps no window).
pub fn limit(security: &SecuritySettings) -> Option<u32> {
    (security.velocity_checks && security.max_redemptions_per_hour > 0)
        .then_some(security.max_redemptions_per_hour)
}

/// Attempts (their `created_at`) within the window before `now`: those
/// younger than `WINDOW_MS`.
pub fn recent(created_at: &[i64], now: i64) -> u64 {
    created_at.iter().filter(|&&t| now - t < WINDOW_MS).count() as u64
}

/// Whether one more attempt is allowed, given `recent` attempts in the window.
pub fn check(security: &SecuritySettings, recent: u64) -> Result<(), Refusal> {
    match limit(security) {
        Some(max) if recent >= u64::from(max) => Err(Refusal::VelocityLimit),
        _ => Ok(()),
    }
}

/// The window after an attempt accepted at `now`: the attempts still in the
/// window plus this one, oldest first, at most `max` of them (the newest).
/// Bounded by `max` entries: more are never needed to refuse the next one.
pub fn after_attempt(created_at: &[i64], now: i64, max: u32) -> Vec<i64> {
    let mut window: Vec<i64> = created_at
        .iter()
        .copied()
        .filter(|&t| now - t < WINDOW_MS)
        .chain(std::iter::once(now))
        .collect();
    window.sort_unstable();
    let keep = (max as usize).max(1);
    let drop = window.len().saturating_sub(keep);
    window.drain(..drop);
    window
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security(on: bool, max: u32) -> SecuritySettings {
        SecuritySettings {
            velocity_checks: on,
            max_redemptions_per_hour: max,
            ..SecuritySettings::default()
        }
    }

    /// One row per case: (velocity on, max, window before, now, allowed).
    #[test]
    fn the_window_rule() {
        let now = 10 * WINDOW_MS;
        let rows: &[(bool, u32, &[i64], bool)] = &[
            (true, 2, &[], true),
            (true, 2, &[now - 1], true),
            (true, 2, &[now - 2, now - 1], false),
            // Exactly an hour old has left the window; a millisecond less has not.
            (true, 2, &[now - WINDOW_MS, now - 1], true),
            (true, 2, &[now - WINDOW_MS + 1, now - 1], false),
            (true, 2, &[now - 3 * WINDOW_MS, now - 2 * WINDOW_MS], true),
            (true, 1, &[now], false),
            // Off, or a limit of 0: no limit.
            (false, 2, &[now - 2, now - 1], true),
            (true, 0, &[now - 2, now - 1], true),
        ];
        for (i, &(on, max, window, allowed)) in rows.iter().enumerate() {
            let got = check(&security(on, max), recent(window, now));
            assert_eq!(got.is_ok(), allowed, "row {i}");
            if !allowed {
                assert_eq!(got, Err(Refusal::VelocityLimit), "row {i}");
            }
        }
        assert_eq!(limit(&security(false, 10)), None);
        assert_eq!(limit(&security(true, 0)), None);
        assert_eq!(limit(&security(true, 10)), Some(10));
    }

    #[test]
    fn the_window_keeps_at_most_max_and_drops_the_old() {
        let now = 10 * WINDOW_MS;
        assert_eq!(after_attempt(&[], now, 3), vec![now]);
        // An hour-old attempt leaves when the window is touched.
        assert_eq!(
            after_attempt(&[now - WINDOW_MS, now - 5], now, 3),
            vec![now - 5, now]
        );
        // Full: the oldest gives way.
        assert_eq!(
            after_attempt(&[now - 3, now - 2, now - 1], now, 3),
            vec![now - 2, now - 1, now]
        );
        // Filling it attempt by attempt refuses exactly the (max + 1)th.
        let mut window = Vec::new();
        let mut accepted = 0;
        for i in 0..15 {
            let at = now + i * 1000;
            if check(&security(true, 10), recent(&window, at)).is_ok() {
                window = after_attempt(&window, at, 10);
                accepted += 1;
            }
            assert!(window.len() <= 10);
        }
        assert_eq!(accepted, 10);
        // An hour after the first, one more is allowed.
        let later = now + WINDOW_MS;
        assert_eq!(recent(&window, later), 9);
    }
}
