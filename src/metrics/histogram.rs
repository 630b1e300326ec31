//! A histogram of fixed buckets made of atomics only: observing a value is
//! two relaxed additions, with no lock and no allocation, so it can sit on
//! the request path and in the writer's threads.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bucket upper bounds (inclusive) of latencies, in microseconds: 100 µs to
/// 10 s, then everything above. The last bound must be `u64::MAX` (+Inf).
pub const LATENCY_BOUNDS_US: [u64; 17] = [
    100,
    250,
    500,
    1_000,
    2_500,
    5_000,
    10_000,
    25_000,
    50_000,
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    u64::MAX,
];

/// Bucket upper bounds of batch sizes, in requests: powers of two up to the
/// writer's default `max_batch` (4,096), then everything above.
pub const BATCH_BOUNDS: [u64; 14] = [
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
    256,
    512,
    1_024,
    2_048,
    4_096,
    u64::MAX,
];

pub type LatencyHistogram = Histogram<17>;
pub type BatchHistogram = Histogram<14>;

pub struct Histogram<const N: usize> {
    /// Upper bounds, ascending; the last is `u64::MAX`, so every value has a bucket.
    bounds: [u64; N],
    /// Observations per bucket (not cumulative).
    counts: [AtomicU64; N],
    /// Sum of the observed values, in the histogram's unit.
    sum: AtomicU64,
}

/// A histogram read at one moment, cumulative as the text format wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// (upper bound, observations at or below it); the last bound is `u64::MAX`.
    pub cumulative: Vec<(u64, u64)>,
    pub sum: u64,
    pub count: u64,
}

impl<const N: usize> Histogram<N> {
    pub const fn new(bounds: [u64; N]) -> Self {
        assert!(
            N > 0 && bounds[N - 1] == u64::MAX,
            "the last bucket is +Inf"
        );
        Histogram {
            bounds,
            counts: [const { AtomicU64::new(0) }; N],
            sum: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, value: u64) {
        // The last bound is u64::MAX, so the index is always within the buckets.
        let bucket = self.bounds.partition_point(|&bound| bound < value);
        debug_assert!(bucket < N);
        if let Some(count) = self.counts.get(bucket) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    pub fn observe_us(&self, elapsed: std::time::Duration) {
        self.observe(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    /// Whether nothing was observed yet.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|c| c.load(Ordering::Relaxed) == 0)
    }

    /// The buckets as they are now. The count is the buckets' total, so the
    /// +Inf bucket and `_count` always agree (the sum may be a moment ahead).
    pub fn snapshot(&self) -> Snapshot {
        let mut running = 0u64;
        let cumulative = self
            .bounds
            .iter()
            .zip(&self.counts)
            .map(|(&bound, count)| {
                running = running.saturating_add(count.load(Ordering::Relaxed));
                (bound, running)
            })
            .collect();
        Snapshot {
            cumulative,
            sum: self.sum.load(Ordering::Relaxed),
            count: running,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_land_in_the_first_bucket_whose_bound_holds_them() {
        let h = Histogram::new([10, 100, u64::MAX]);
        for v in [0, 10, 11, 100, 101, u64::MAX / 2] {
            h.observe(v);
        }
        let s = h.snapshot();
        assert_eq!(s.cumulative, vec![(10, 2), (100, 4), (u64::MAX, 6)]);
        assert_eq!(s.count, 6);
        assert_eq!(s.sum, 10 + 11 + 100 + 101 + u64::MAX / 2);
    }

    #[test]
    fn the_bounds_ascend_and_end_at_infinity() {
        for bounds in [&LATENCY_BOUNDS_US[..], &BATCH_BOUNDS[..]] {
            assert!(bounds.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(bounds.last(), Some(&u64::MAX));
        }
    }
}
