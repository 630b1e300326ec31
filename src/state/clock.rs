//! The cluster's time. Every decision uses the time of its batch, which the
//! leader chose and the log carries, so every replica decides alike; reads use
//! this node's estimate of that time. Neither follows a jump of the wall clock:
//! the time never runs backwards, and never moves forward faster than the
//! monotonic clock. A wall clock that jumped back holds the time still until
//! it catches up; one that jumped forward is followed only at the pace of
//! the monotonic clock. (A restart cannot measure how long the process was
//! down, so at start the time moves to the wall clock if that is ahead.)

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How far the wall clock may stray from the cluster's time before a warning.
pub const WALL_CLOCK_TOLERANCE_MS: i64 = 1_000;
/// At most one warning about the wall clock in this long.
const WARNING_INTERVAL: Duration = Duration::from_secs(60);

/// The time after `previous_ms` once `elapsed_ms` passed on the monotonic
/// clock, as close to `wall_ms` as those allow.
pub fn advance(previous_ms: i64, elapsed_ms: i64, wall_ms: i64) -> i64 {
    wall_ms.clamp(previous_ms, previous_ms.saturating_add(elapsed_ms.max(0)))
}

/// The last known cluster time and the moment this node learned it.
pub struct Clock {
    mark: Mutex<Mark>,
}

#[derive(Clone, Copy)]
struct Mark {
    ms: i64,
    at: Instant,
    warned_at: Option<Instant>,
}

impl Clock {
    /// Starts from `known_ms` (the last batch time stored), moved to the wall
    /// clock if that is ahead (see the module comment).
    pub fn start(known_ms: i64, wall_ms: i64) -> Clock {
        Clock {
            mark: Mutex::new(Mark {
                ms: known_ms.max(wall_ms),
                at: Instant::now(),
                warned_at: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mark> {
        self.mark.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A batch of time `ms` was applied.
    pub fn advance_to(&self, ms: i64) {
        let mut mark = self.lock();
        if ms > mark.ms {
            mark.ms = ms;
            mark.at = Instant::now();
        }
    }

    /// The last batch time known.
    pub fn last_ms(&self) -> i64 {
        self.lock().ms
    }

    /// The cluster's time now, given the wall clock; never less than any
    /// time it returned before. Warns (at most once a minute) when the wall
    /// clock is more than a second away from it.
    pub fn now(&self, wall_ms: i64) -> i64 {
        let mut mark = self.lock();
        let elapsed_ms = i64::try_from(mark.at.elapsed().as_millis()).unwrap_or(i64::MAX);
        let now = advance(mark.ms, elapsed_ms, wall_ms);
        if now > mark.ms {
            // What was seen once is the floor from now on.
            mark.ms = now;
            mark.at = std::time::Instant::now();
        }
        let drift_ms = wall_ms.saturating_sub(now);
        if drift_ms.abs() > WALL_CLOCK_TOLERANCE_MS
            && mark
                .warned_at
                .is_none_or(|at| at.elapsed() >= WARNING_INTERVAL)
        {
            mark.warned_at = Some(Instant::now());
            tracing::warn!(
                drift_ms,
                cluster_time_ms = now,
                "the wall clock jumped: the cluster's time keeps to the monotonic clock (holds, windows and velocity limits are not moved by it)"
            );
        }
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_wall_clock_within_monotonic_bounds() {
        // In step: the wall clock.
        assert_eq!(advance(1_000, 50, 1_040), 1_040);
        // Jumped forward an hour: only what the monotonic clock allows.
        assert_eq!(advance(1_000, 50, 3_601_000), 1_050);
        // Jumped back: the time stands still.
        assert_eq!(advance(1_000, 50, 400), 1_000);
        // A negative elapsed (cannot happen) never moves it back.
        assert_eq!(advance(1_000, -5, 400), 1_000);
    }

    #[test]
    fn a_clock_never_runs_backwards() {
        let clock = Clock::start(5_000, 4_000);
        assert_eq!(clock.last_ms(), 5_000);
        assert_eq!(clock.now(0), 5_000);
        clock.advance_to(4_500);
        assert_eq!(clock.last_ms(), 5_000);
        clock.advance_to(6_000);
        assert_eq!(clock.last_ms(), 6_000);
        // Far ahead of the wall clock's jump: bounded by elapsed time (~0 here).
        let seen = clock.now(i64::MAX / 2);
        assert!(seen < 6_000 + 1_000);
        // What was seen stays seen, whatever the wall clock says next.
        assert!(clock.now(0) >= seen);
        // A restart moves to the wall clock when it is ahead.
        assert_eq!(Clock::start(5_000, 9_000).last_ms(), 9_000);
    }
}
