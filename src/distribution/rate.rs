//! A token bucket in integers: a campaign's `distribution_rate` (codes per
//! hour) fills it, its `batch_size` is its depth, so a campaign sends at
//! most one batch at once and its rate over any hour.

/// Milliseconds per hour: a token is this many credits.
const CREDITS_PER_TOKEN: u128 = 3_600_000;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    /// Codes per hour; 0: no limit.
    rate_per_hour: u64,
    /// Tokens the bucket holds at most.
    depth: u64,
    /// Tokens held, in 1/3,600,000 of a token (a rate per hour times ms).
    credits: u128,
    /// When credits were last added (ms on a monotonic clock).
    filled_at_ms: u64,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate_per_hour: u64, depth: u64, now_ms: u64) -> TokenBucket {
        let depth = depth.max(1);
        TokenBucket {
            rate_per_hour,
            depth,
            credits: u128::from(depth) * CREDITS_PER_TOKEN,
            filled_at_ms: now_ms,
        }
    }

    /// Whether it was made for this rate and depth (a changed campaign gets
    /// a new bucket).
    pub fn fits(&self, rate_per_hour: u64, depth: u64) -> bool {
        self.rate_per_hour == rate_per_hour && self.depth == depth.max(1)
    }

    /// Takes up to `wanted` tokens at `now_ms`; returns how many it took.
    pub fn take(&mut self, wanted: u64, now_ms: u64) -> u64 {
        if self.rate_per_hour == 0 {
            return wanted.min(self.depth);
        }
        let elapsed_ms = now_ms.saturating_sub(self.filled_at_ms);
        self.filled_at_ms = self.filled_at_ms.max(now_ms);
        let full = u128::from(self.depth) * CREDITS_PER_TOKEN;
        self.credits =
            (self.credits + u128::from(self.rate_per_hour) * u128::from(elapsed_ms)).min(full);
        let available = (self.credits / CREDITS_PER_TOKEN) as u64;
        let taken = available.min(wanted);
        self.credits -= u128::from(taken) * CREDITS_PER_TOKEN;
        debug_assert!(self.credits <= full);
        taken
    }

    /// Milliseconds until one token is there (0: now).
    pub fn wait_ms(&self) -> u64 {
        if self.rate_per_hour == 0 || self.credits >= CREDITS_PER_TOKEN {
            return 0;
        }
        let missing = CREDITS_PER_TOKEN - self.credits;
        missing.div_ceil(u128::from(self.rate_per_hour)) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_per_hour_with_one_batch_of_burst() {
        // 3,600 an hour is one a second; a batch of 10 at once.
        let mut b = TokenBucket::new(3_600, 10, 0);
        assert_eq!(b.take(100, 0), 10);
        assert_eq!(b.take(1, 0), 0);
        assert_eq!(b.wait_ms(), 1_000);
        assert_eq!(b.take(5, 999), 0);
        assert_eq!(b.take(5, 1_000), 1);
        assert_eq!(b.take(100, 1_000_000), 10, "never more than the depth");
        let mut unlimited = TokenBucket::new(0, 100, 0);
        assert_eq!(unlimited.take(1_000, 0), 100);
        assert_eq!(unlimited.take(1_000, 0), 100);
    }
}
