//! A coupon's counts of uses per period (`rules::period`) as the writer
//! keeps them: whom a use counts under, the judgement's check, and what
//! taking a use and giving it back record. Every count is taken and given
//! back at a batch's time or a redemption's `created_at` (itself a batch
//! time), never a node's clock, so VALIDATE, REDEEM and every replica agree.

use couponsd_client::wire::{CouponSpec, Order, OrderIdentifiers, Redemption};

use super::plan::Draft;
use crate::domain::coupon::CouponDef;
use crate::error::Refusal;
use crate::rules::fraud::{identifiers, person};
use crate::rules::period::{self, PeriodCount, PeriodKind, PERIOD_COUNTED};
use crate::state::keys::Key;
use crate::state::Effect;

/// The key everyone's count (`uses_per_day`) is kept under. Kinds keep it
/// apart from a person's keys, which are keyed hashes anyway.
pub const EVERYONE: Key = [0, 0];

/// The keys a use counts under for the per-person kinds: its customer id
/// (when it has one) and its person's alias (mailbox, or a guest's device),
/// as `fraud::person` counts a person. A person is refused when any of
/// them has reached a limit.
fn person_keys(
    customer_id: &str,
    ids: &OrderIdentifiers,
    key_of: impl Fn(&str) -> Key,
) -> Vec<Key> {
    let id = (!customer_id.is_empty()).then(|| key_of(customer_id));
    let aliases = person::alias_keys(customer_id, ids);
    id.into_iter()
        .chain(aliases.iter().map(|(_, alias)| key_of(alias)))
        .collect()
}

/// The keys of one kind's counts: the person's, or everyone's.
fn keys_of(kind: PeriodKind, persons: &[Key]) -> Vec<Key> {
    if kind.per_person() {
        persons.to_vec()
    } else {
        vec![EVERYONE]
    }
}

/// Refuses the order (PERIOD_LIMIT) when a limit the coupon has is reached
/// at `now`: `key_of` makes keys, `count_of` reads a count (the committed
/// state for VALIDATE, the decider's draft for the others).
pub fn check(
    spec: &CouponSpec,
    order: &Order,
    now: i64,
    key_of: impl Fn(&str) -> Key,
    count_of: impl Fn(Key, PeriodKind) -> Option<PeriodCount>,
) -> Result<(), Refusal> {
    if !period::counts_uses(spec) {
        return Ok(());
    }
    let persons = person_keys(&order.customer_id, &identifiers::of_order(order), key_of);
    period::check(spec, now, |kind, within| {
        keys_of(kind, &persons)
            .into_iter()
            .map(|who| count_of(who, kind).map_or(0, |c| c.uses_in(within)))
            .max()
            .unwrap_or(0)
    })
}

/// Counts a use taken now in every kind's period of the coupon `def` (if it
/// limits uses per period at all), and returns the `counted` bit its
/// redemption gets.
pub fn take(d: &mut Draft, def: &CouponDef, order: &Order) -> u8 {
    if !period::counts_uses(&def.spec) {
        return 0;
    }
    let zone = period::zone_of(&def.spec);
    let now = d.now();
    let persons = person_keys(&order.customer_id, &identifiers::of_order(order), |id| {
        d.key(id)
    });
    for kind in PeriodKind::ALL {
        let within = period::period_of(kind, &zone, now);
        for who in keys_of(kind, &persons) {
            let before = d.period_uses(def.id, who, kind).unwrap_or_default();
            let count = before.after_use(within, now);
            debug_assert!(count.uses >= 1);
            d.record(Effect::PeriodUses {
                coupon_id: def.id,
                who,
                kind,
                count,
            });
        }
    }
    PERIOD_COUNTED
}

/// Gives back a use that was counted (`PERIOD_COUNTED`), in the counts that
/// still hold it: those whose span holds its `created_at`. A count of a
/// period that is over, or restarted since (a change of time zone), does
/// not, and is left alone.
pub fn give_back(d: &mut Draft, r: &Redemption) {
    if r.counted & PERIOD_COUNTED == 0 {
        return;
    }
    let persons = person_keys(&r.customer_id, &r.identifiers, |id| d.key(id));
    for kind in PeriodKind::ALL {
        for who in keys_of(kind, &persons) {
            let found = d.period_uses(r.coupon_id, who, kind);
            if let Some(count) = found.and_then(|c| c.after_give_back(r.created_at)) {
                d.record(Effect::PeriodUses {
                    coupon_id: r.coupon_id,
                    who,
                    kind,
                    count,
                });
            }
        }
    }
}
