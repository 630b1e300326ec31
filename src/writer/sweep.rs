//! The window sweep (issue 11, point 10): velocity windows, seen sets and
//! code rates are keyed by what attackers send (devices, addresses,
//! mailboxes), so they must go away on their own; so must the counts of
//! uses per period (`rules::period`) once their period is over. The leader submits
//! `Mutation::ExpireWindows` periodically (`server::sweep_windows`), each
//! naming the next few parts of the maps; the decision removes, with logged
//! effects (so every replica drops the same), each entry of those parts
//! that has nothing left in its window, and evicts the least recently used
//! of a part past its share of `MAX_KEYS`.
//!
//! Bounds: a velocity window goes once its newest attempt is an hour old
//! (`velocity::WINDOW_MS`), a seen set once its newest member is 24 hours
//! old (`detectors::SEEN_WINDOW_MS`), a code rate once idle for
//! `RATE_MAX_STEPS` hours, a period count once its period ends; at most `MAX_KEYS` velocity windows and
//! `MAX_KEYS` seen sets in all (code rates are bounded by the coupons).

use super::ops::Decision;
use super::plan::Draft;
use crate::rules::fraud::detectors::{self, CodeRate};
use crate::rules::fraud::velocity;
use crate::rules::period::PeriodCount;
use crate::state::Effect;
use couponsd_client::wire::Response;

/// The most velocity windows, and the most seen sets, kept: 1,048,576 each.
/// Each part of a map holds at most its share (`MAX_KEYS` / parts); keys are
/// keyed hashes, spread evenly over the parts, which no client can aim at.
pub const MAX_KEYS: usize = 1 << 20;
/// Parts of each map one sweep looks at (the maps have 64 parts: a whole
/// pass every 16 sweeps, 16 s at the default interval of a second).
pub const PARTS_PER_SWEEP: usize = 4;
/// The most entries one sweep removes (one record, well under a batch's
/// 512 KiB of records); the next sweep of those parts takes the rest.
pub const MAX_REMOVALS: usize = 4096;

/// Of one part's entries (key, newest time), the keys to remove, oldest
/// first: every one `expired`, and past that the oldest until at most
/// `keep_at_most` are left; at most `limit` in all. Ties are broken by key
/// so the choice does not depend on a map's order.
pub fn to_remove<K: Copy + Ord>(
    mut entries: Vec<(K, i64)>,
    expired: impl Fn(i64) -> bool,
    keep_at_most: usize,
    limit: usize,
) -> Vec<K> {
    entries.sort_unstable_by_key(|&(k, newest)| (newest, k));
    // Sorted by age, the expired ones are a prefix.
    let expired_count = entries.partition_point(|&(_, newest)| expired(newest));
    let excess = entries.len().saturating_sub(keep_at_most);
    let count = expired_count.max(excess).min(limit);
    entries[..count].iter().map(|&(k, _)| k).collect()
}

/// Sweeps parts `first_part` .. `first_part + PARTS_PER_SWEEP` (modulo the
/// number of parts) of each map. Entries are found in the committed state
/// and removed only if the draft (batches proposed but not applied) shows
/// them unchanged since: one just used again stays.
pub fn expire_windows(mut d: Draft, first_part: usize) -> Decision {
    let now = d.now();
    let parts = d.state().swept_parts();
    let share = (MAX_KEYS / parts).max(1);
    let mut budget = MAX_REMOVALS;
    let mut removed = 0usize;
    for part in (first_part..first_part + PARTS_PER_SWEEP).map(|p| p % parts) {
        let windows = d.state().velocity_part(part);
        let expired = |newest: i64| now - newest >= velocity::WINDOW_MS;
        for (coupon_id, identity) in to_remove(windows, expired, share, budget) {
            let found = d.state().velocity(coupon_id, identity);
            if !found.is_empty() && d.velocity(coupon_id, identity) == found {
                d.record(Effect::Velocity {
                    coupon_id,
                    identity,
                    created_at: Vec::new(),
                });
                removed += 1;
            }
        }
        budget = MAX_REMOVALS.saturating_sub(removed);

        let sets = d.state().seen_part(part);
        let expired = |newest: i64| now - newest >= detectors::SEEN_WINDOW_MS;
        for (kind, key) in to_remove(sets, expired, share, budget) {
            let found = d.state().seen(kind, key);
            if !found.is_empty() && d.seen(kind, key) == found {
                d.record(Effect::Seen {
                    kind,
                    key,
                    members: Vec::new(),
                });
                removed += 1;
            }
        }
        budget = MAX_REMOVALS.saturating_sub(removed);

        let rates = d.state().code_rate_part(part);
        let hours: Vec<(u64, i64)> = rates.iter().map(|&(id, r)| (id, r.hour)).collect();
        let idle = |hour: i64| {
            let rate = CodeRate {
                hour,
                ..CodeRate::default()
            };
            detectors::rate_idle(rate, now)
        };
        for coupon_id in to_remove(hours, idle, usize::MAX, budget) {
            let found = d.state().code_rate(coupon_id);
            if found != CodeRate::default() && d.code_rate(coupon_id) == found {
                d.record(Effect::CodeRate {
                    coupon_id,
                    rate: CodeRate::default(),
                });
                removed += 1;
            }
        }
        budget = MAX_REMOVALS.saturating_sub(removed);

        // A count whose period is over counts nothing: it goes. Bounded by
        // accepted uses, so no cap past that.
        let counts = d.state().period_uses_part(part);
        let over = |until_ms: i64| until_ms <= now;
        for (coupon_id, who, kind) in to_remove(counts, over, usize::MAX, budget) {
            let found = d.state().period_uses(coupon_id, who, kind);
            if found.is_some() && d.period_uses(coupon_id, who, kind) == found {
                d.record(Effect::PeriodUses {
                    coupon_id,
                    who,
                    kind,
                    count: PeriodCount::default(),
                });
                removed += 1;
            }
        }
        budget = MAX_REMOVALS.saturating_sub(removed);
        if budget == 0 {
            break;
        }
    }
    debug_assert!(removed <= MAX_REMOVALS);
    if removed > 0 {
        tracing::debug!(
            count = removed,
            "expired velocity windows, seen sets, code rates and period counts"
        );
    }
    Ok(Ok(d.into_plan(Response::Deleted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row per case: entries (key, newest), the expiry line (expired
    /// when newest < it), what a part keeps at most, the limit, and the keys
    /// removed.
    #[test]
    fn expired_first_then_the_oldest_past_the_share() {
        type Row = (&'static [(u8, i64)], i64, usize, usize, &'static [u8]);
        let rows: &[Row] = &[
            (&[], 10, 5, 100, &[]),
            (&[(1, 20), (2, 30)], 10, 5, 100, &[]),
            (&[(1, 5), (2, 30), (3, 9)], 10, 5, 100, &[1, 3]),
            // Over the share: the oldest live ones go too.
            (&[(1, 50), (2, 30), (3, 40)], 10, 1, 100, &[2, 3]),
            (&[(1, 5), (2, 30), (3, 40)], 10, 2, 100, &[1]),
            // The limit holds whatever else.
            (&[(1, 5), (2, 6), (3, 7)], 10, 5, 2, &[1, 2]),
            (&[(1, 50), (2, 30), (3, 40)], 10, 0, 1, &[2]),
            // Ties go by key.
            (&[(3, 5), (1, 5), (2, 5)], 10, 5, 2, &[1, 2]),
        ];
        for (i, &(entries, line, keep, limit, expected)) in rows.iter().enumerate() {
            let got = to_remove(entries.to_vec(), |t| t < line, keep, limit);
            assert_eq!(got, expected, "row {i}");
        }
    }
}
