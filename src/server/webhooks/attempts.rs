//! The delivery log: the last `WEBHOOK_ATTEMPTS_KEPT` attempts per
//! endpoint, kept in the leader's memory only (WEBHOOK_DELIVERIES asks the
//! leader; a new leader starts an empty log). At most `WEBHOOKS_MAX`
//! endpoints, so at most 1,600 attempts in all.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use couponsd_client::wire::{DeliveryAttempt, WEBHOOK_ATTEMPTS_KEPT};

#[derive(Default)]
pub struct Attempts {
    by_endpoint: Mutex<HashMap<u64, VecDeque<DeliveryAttempt>>>,
}

impl Attempts {
    pub fn push(&self, endpoint_id: u64, attempt: DeliveryAttempt) {
        let mut all = self.by_endpoint.lock().unwrap_or_else(|e| e.into_inner());
        let kept = all.entry(endpoint_id).or_default();
        if kept.len() == WEBHOOK_ATTEMPTS_KEPT {
            kept.pop_front();
        }
        kept.push_back(attempt);
        debug_assert!(kept.len() <= WEBHOOK_ATTEMPTS_KEPT);
    }

    /// An endpoint's attempts, oldest first.
    pub fn of(&self, endpoint_id: u64) -> Vec<DeliveryAttempt> {
        let all = self.by_endpoint.lock().unwrap_or_else(|e| e.into_inner());
        all.get(&endpoint_id)
            .map(|kept| kept.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets the endpoints not in `ids` (removed ones).
    pub fn keep_only(&self, ids: &[u64]) {
        let mut all = self.by_endpoint.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|id, _| ids.contains(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_hundred() {
        let attempts = Attempts::default();
        for event_id in 0..250 {
            attempts.push(
                7,
                DeliveryAttempt {
                    event_id,
                    ..DeliveryAttempt::default()
                },
            );
        }
        let kept = attempts.of(7);
        assert_eq!(kept.len(), WEBHOOK_ATTEMPTS_KEPT);
        assert_eq!(kept.first().map(|a| a.event_id), Some(150));
        assert_eq!(kept.last().map(|a| a.event_id), Some(249));
        attempts.keep_only(&[]);
        assert!(attempts.of(7).is_empty());
    }
}
