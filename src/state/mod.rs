//! The in-memory state the writer maintains: coupon definitions and counters,
//! each customer's active uses, the idempotency index (coupon, order) ->
//! redemption, each coupon's redemption ids, and the pending holds.
//!
//! Only the writer changes it, and only with effects that are already durable
//! (after its batch commits), so readers see committed state and never wait for
//! a commit. It is rebuilt at start from the latest checkpoint plus the log
//! after it (see `checkpoint.rs`). Redemption records themselves stay on disk.

pub mod checkpoint;
pub mod digest;
pub mod effect;
pub mod keys;
pub mod parts;

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use couponsd_client::wire::{Redemption, RedemptionStatus};

use crate::domain::coupon::{Counters, CouponDef, SharedDef};
pub use effect::{Effect, LogRecord};
use keys::{Key, KeyHasher};
use parts::Parts;

/// Parts per map: enough that copying one on write (during a checkpoint) and
/// locking one (readers) stay small at tens of millions of entries.
pub const PARTS: usize = 1024;

/// A PENDING hold: whose it is and when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    pub coupon_id: u64,
    pub expires_at: i64,
}

pub struct State {
    keys: KeyHasher,
    defs: RwLock<HashMap<u64, SharedDef>>,
    codes: RwLock<HashMap<String, u64>>,
    counters: Parts<u64, Counters>,
    customers: Parts<(u64, Key), u64>,
    orders: Parts<(u64, Key), u64>,
    lists: Parts<u64, Vec<u64>>,
    holds: Parts<u64, Hold>,
    /// (expires_at, redemption id) of every pending hold, for the sweeper.
    expiry: Mutex<BTreeSet<(i64, u64)>>,
    next_coupon_id: AtomicU64,
    next_redemption_id: AtomicU64,
    applied_lsn: AtomicU64,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}

impl State {
    pub fn new(secret: [u8; 16]) -> State {
        State {
            keys: KeyHasher::new(secret),
            defs: RwLock::default(),
            codes: RwLock::default(),
            counters: Parts::new(PARTS),
            customers: Parts::new(PARTS),
            orders: Parts::new(PARTS),
            lists: Parts::new(PARTS),
            holds: Parts::new(PARTS / 16),
            expiry: Mutex::default(),
            next_coupon_id: AtomicU64::new(1),
            next_redemption_id: AtomicU64::new(1),
            applied_lsn: AtomicU64::new(0),
        }
    }

    pub fn key(&self, id: &str) -> Key {
        self.keys.key(id)
    }

    // Reads.

    pub fn coupon(&self, id: u64) -> Option<(SharedDef, Counters)> {
        let def = read(&self.defs).get(&id).cloned()?;
        Some((def, self.counters(id)))
    }

    pub fn coupon_id(&self, code: &str) -> Option<u64> {
        read(&self.codes).get(code).copied()
    }

    pub fn coupon_by_code(&self, code: &str) -> Option<(SharedDef, Counters)> {
        self.coupon(self.coupon_id(code)?)
    }

    pub fn counters(&self, coupon_id: u64) -> Counters {
        self.counters.get(&coupon_id).unwrap_or_default()
    }

    pub fn customer_uses(&self, coupon_id: u64, customer: Key) -> u64 {
        self.customers.get(&(coupon_id, customer)).unwrap_or(0)
    }

    pub fn order(&self, coupon_id: u64, order: Key) -> Option<u64> {
        self.orders.get(&(coupon_id, order))
    }

    /// Up to `limit` of a coupon's redemption ids greater than `after`, ascending.
    pub fn redemption_ids_after(&self, coupon_id: u64, after: u64, limit: usize) -> Vec<u64> {
        self.lists.with(&coupon_id, |list| {
            list.map_or_else(Vec::new, |ids| {
                let start = ids.partition_point(|&id| id <= after);
                ids[start..].iter().take(limit).copied().collect()
            })
        })
    }

    /// Pending holds whose TTL ended at or before `now`, oldest first.
    pub fn due_holds(&self, now: i64, limit: usize) -> Vec<(i64, u64)> {
        let expiry = self.expiry.lock().unwrap_or_else(|e| e.into_inner());
        expiry
            .range(..=(now, u64::MAX))
            .take(limit)
            .copied()
            .collect()
    }

    pub fn coupon_count(&self) -> usize {
        read(&self.defs).len()
    }

    pub fn next_coupon_id(&self) -> u64 {
        self.next_coupon_id.load(Ordering::Acquire)
    }

    pub fn next_redemption_id(&self) -> u64 {
        self.next_redemption_id.load(Ordering::Acquire)
    }

    /// LSN of the last record whose effects are applied.
    pub fn applied_lsn(&self) -> u64 {
        self.applied_lsn.load(Ordering::Acquire)
    }

    /// Entries in the maps that grow with redemptions (sizes the checkpoint interval).
    pub fn entry_count(&self) -> usize {
        self.customers.len() + self.orders.len()
    }

    // Changes: only the writer (and recovery) call these.

    /// Applies one durable record.
    pub fn apply_record(&self, record: &LogRecord) {
        for effect in &record.effects {
            self.apply(effect);
        }
        self.applied_lsn.fetch_max(record.lsn, Ordering::AcqRel);
    }

    /// Applies one effect. Idempotent: effects carry absolute values.
    pub fn apply(&self, effect: &Effect) {
        match effect {
            Effect::CouponPut(def) => self.put_def(def.clone()),
            Effect::CouponDeleted { id } => {
                if let Some(old) = write(&self.defs).remove(id) {
                    let mut codes = write(&self.codes);
                    if codes.get(&old.spec.code) == Some(id) {
                        codes.remove(&old.spec.code);
                    }
                }
                self.counters.remove(id);
                self.lists.remove(id);
            }
            Effect::Counters {
                coupon_id,
                counters,
            } => self.counters.insert(*coupon_id, *counters),
            Effect::CustomerUses {
                coupon_id,
                customer,
                uses,
            } => {
                if *uses == 0 {
                    self.customers.remove(&(*coupon_id, *customer));
                } else {
                    self.customers.insert((*coupon_id, *customer), *uses);
                }
            }
            Effect::Redemption(r) => self.put_redemption(r),
        }
    }

    /// Installs a coupon definition (also used when loading the coupons table).
    pub fn put_def(&self, def: CouponDef) {
        let id = def.id;
        let code = def.spec.code.clone();
        let old = write(&self.defs).insert(id, Arc::new(def));
        let mut codes = write(&self.codes);
        if let Some(old) = old {
            if old.spec.code != code && codes.get(&old.spec.code) == Some(&id) {
                codes.remove(&old.spec.code);
            }
        }
        codes.insert(code, id);
        self.next_coupon_id.fetch_max(id + 1, Ordering::AcqRel);
    }

    fn put_redemption(&self, r: &Redemption) {
        self.orders
            .insert((r.coupon_id, self.key(&r.order_id)), r.id);
        self.lists.update(r.coupon_id, |ids| {
            if ids.last().is_none_or(|&last| last < r.id) {
                ids.push(r.id);
            }
        });
        let mut expiry = self.expiry.lock().unwrap_or_else(|e| e.into_inner());
        match (r.status, r.hold_expires_at) {
            (RedemptionStatus::Pending, Some(expires_at)) => {
                if let Some(old) = self.holds.get(&r.id) {
                    expiry.remove(&(old.expires_at, r.id));
                }
                self.holds.insert(
                    r.id,
                    Hold {
                        coupon_id: r.coupon_id,
                        expires_at,
                    },
                );
                expiry.insert((expires_at, r.id));
            }
            _ => {
                if let Some(old) = self.holds.get(&r.id) {
                    expiry.remove(&(old.expires_at, r.id));
                    self.holds.remove(&r.id);
                }
            }
        }
        self.next_redemption_id
            .fetch_max(r.id + 1, Ordering::AcqRel);
    }

    /// Makes sure the next ids are at least these (from the store's high-water marks).
    pub fn raise_next_ids(&self, coupon_id: u64, redemption_id: u64) {
        self.next_coupon_id.fetch_max(coupon_id, Ordering::AcqRel);
        self.next_redemption_id
            .fetch_max(redemption_id, Ordering::AcqRel);
    }

    pub fn set_applied_lsn(&self, lsn: u64) {
        self.applied_lsn.fetch_max(lsn, Ordering::AcqRel);
    }
}
