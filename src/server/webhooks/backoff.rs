//! How long to wait after a failed delivery: exponential from
//! `backoff_initial` doubling to `backoff_max`, each wait drawn at random
//! between half and all of it ("equal jitter"), so endpoints that failed
//! together do not retry together.

use std::time::Duration;

use rand::Rng;

/// The wait after the `failures`th consecutive failure (1: the first).
pub fn delay(failures: u32, initial: Duration, max: Duration) -> Duration {
    debug_assert!(failures >= 1);
    let doublings = failures.saturating_sub(1).min(32);
    let full = initial.saturating_mul(1u32 << doublings.min(31)).min(max);
    let half = full / 2;
    let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    half + Duration::from_millis(rand::rng().random_range(0..=jitter_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_with_jitter() {
        let initial = Duration::from_secs(1);
        let max = Duration::from_secs(600);
        for _ in 0..100 {
            let first = delay(1, initial, max);
            assert!((Duration::from_millis(500)..=initial).contains(&first));
            let fourth = delay(4, initial, max);
            assert!((Duration::from_secs(4)..=Duration::from_secs(8)).contains(&fourth));
            let late = delay(40, initial, max);
            assert!((Duration::from_secs(300)..=max).contains(&late));
        }
    }
}
