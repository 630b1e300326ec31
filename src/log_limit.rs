//! Rate-limited log lines: a failure that repeats (every request refused
//! while the disk is full, a retry loop, the hold sweeper) writes one line
//! per interval, not one per occurrence, and the next line it writes says
//! how many it left out. Each call site has its own limit (a `static`), so
//! one kind of failure never hides another.
//!
//! ```ignore
//! static REQUEST_FAILED: LogLimit = LogLimit::new(Duration::from_secs(10));
//! if let Some(s) = REQUEST_FAILED.admit() {
//!     tracing::error!(error = %e, "request failed{s}");
//! }
//! ```

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a repeated failure is logged by default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

/// One kind of log line, at most once per `interval`.
pub struct LogLimit {
    interval: Duration,
    /// When a line was last let through, and how many were held back since.
    last: Mutex<(Option<Instant>, u64)>,
}

/// Let through: the occurrences held back since the previous line. Displays
/// as `" (suppressed K similar)"`, or nothing when none were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppressed(pub u64);

impl std::fmt::Display for Suppressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 > 0 {
            write!(f, " (suppressed {} similar)", self.0)
        } else {
            Ok(())
        }
    }
}

impl LogLimit {
    pub const fn new(interval: Duration) -> LogLimit {
        LogLimit {
            interval,
            last: Mutex::new((None, 0)),
        }
    }

    /// Whether a line may be written now (then what was held back), or it
    /// is held back and counted.
    pub fn admit(&self) -> Option<Suppressed> {
        self.admit_at(Instant::now())
    }

    fn admit_at(&self, now: Instant) -> Option<Suppressed> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let due = last
            .0
            .is_none_or(|at| now.saturating_duration_since(at) >= self.interval);
        if due {
            let held = std::mem::take(&mut last.1);
            last.0 = Some(now);
            Some(Suppressed(held))
        } else {
            last.1 += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_then_the_count_held_back() {
        let limit = LogLimit::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(limit.admit_at(t0), Some(Suppressed(0)));
        for i in 1..=5 {
            assert_eq!(limit.admit_at(t0 + Duration::from_secs(i)), None);
        }
        assert_eq!(
            limit.admit_at(t0 + Duration::from_secs(10)),
            Some(Suppressed(5))
        );
        assert_eq!(limit.admit_at(t0 + Duration::from_secs(11)), None);
        assert_eq!(Suppressed(0).to_string(), "");
        assert_eq!(Suppressed(3).to_string(), " (suppressed 3 similar)");
    }
}
