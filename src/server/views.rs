//! Views (validations) a node answered, per coupon, until they are made
//! durable: analytics count views, but a validation is a read, so it cannot
//! write. Every `FLUSH_INTERVAL` a follower sends what it counted to the
//! leader (VIEWS_FORWARD), which adds it to its own count, and the leader
//! submits what it counted as one `Mutation::CountViews` (one log record,
//! `Effect::Views`); so a view is counted on every node once that record is
//! applied, about one to two seconds after it was answered. Semantics
//! (protocol.md, ANALYTICS_COUPON): a view is a VALIDATE, or one code of an
//! ORDER_VALIDATE, whose code names a coupon, valid or not, on any node;
//! views counted while a flush or a forward fails are not counted (at most
//! one interval's worth of a node's when a leader stops or is unreachable).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How often the leader makes its counted views durable.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Coupons counted between two flushes; views of further coupons are not
/// counted (the map is keyed by what clients validate).
pub const COUPONS_PENDING_MAX: usize = 100_000;

pub struct Views {
    /// false (`--analytics false`): nothing is counted.
    enabled: bool,
    pending: Mutex<HashMap<u64, u64>>,
}

impl Views {
    pub fn new(enabled: bool) -> Views {
        Views {
            enabled,
            pending: Mutex::default(),
        }
    }

    /// One validation of `coupon_id`.
    pub fn count(&self, coupon_id: u64) {
        self.add(&[(coupon_id, 1)]);
    }

    /// Views of coupons counted elsewhere: by a follower, on the leader.
    pub fn add(&self, counted: &[(u64, u64)]) {
        if !self.enabled {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for &(coupon_id, count) in counted {
            if pending.len() >= COUPONS_PENDING_MAX && !pending.contains_key(&coupon_id) {
                continue;
            }
            let views = pending.entry(coupon_id).or_default();
            *views = views.saturating_add(count);
        }
    }

    /// Everything counted since the last take, by coupon id.
    pub fn take(&self) -> Vec<(u64, u64)> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let mut views: Vec<(u64, u64)> = taken.into_iter().collect();
        views.sort_unstable();
        views
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_until_taken_and_is_bounded() {
        let views = Views::new(true);
        views.count(7);
        views.count(3);
        views.count(7);
        assert_eq!(views.take(), vec![(3, 1), (7, 2)]);
        assert!(views.take().is_empty());
        for id in 0..COUPONS_PENDING_MAX as u64 + 10 {
            views.count(id);
        }
        views.count(0);
        views.add(&[(1, 5), (u64::MAX, 1)]);
        let taken = views.take();
        assert_eq!(taken.len(), COUPONS_PENDING_MAX);
        assert_eq!(&taken[..2], &[(0, 2), (1, 6)]);
    }
}
