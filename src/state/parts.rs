//! A hash map split into parts, each behind its own lock and held by `Arc`:
//! - readers lock one part briefly, so they never wait for the writer's commit;
//! - a checkpoint takes each part by reference while it encodes it (`parts`),
//!   and the writer copies a part only when it changes one that a checkpoint
//!   still holds (`Arc::make_mut`): copy-on-write at part granularity.
//!
//! Which part holds a key is the same in every process of a build
//! (`PART_SEED`; foldhash promises no more across its versions): a
//! checkpoint writes one part after another, so at load each chunk's entries
//! fall into one part (or a few neighbours), which is sized once and filled
//! while it sits in the cache. Loading the same entries scattered over every
//! part was most of a restart at scale (a cache miss, and a page touched,
//! per entry). A fixed seed is safe because no key is chosen by a client:
//! every key is an id the store assigns or a `Key`, a keyed hash whose
//! secret clients never see. The maps inside the parts keep random seeds.

use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use foldhash::fast::FixedState;
use hashbrown::HashMap;

/// Seeds the hash that picks a key's part. Changing it (or a foldhash
/// upgrade that hashes differently) only slows the first load of
/// checkpoints written before: their entries scatter again. No part
/// number is ever stored.
const PART_SEED: u64 = 0x636f_7570_6f6e_7364;

pub type Part<K, V> = Arc<HashMap<K, V>>;

pub struct Parts<K, V> {
    parts: Box<[RwLock<Part<K, V>>]>,
    hasher: FixedState,
}

impl<K: Hash + Eq + Clone, V: Clone> Parts<K, V> {
    pub fn new(count: usize) -> Parts<K, V> {
        Parts {
            parts: (0..count.max(1))
                .map(|_| RwLock::new(Arc::default()))
                .collect(),
            hasher: FixedState::with_seed(PART_SEED),
        }
    }

    fn index(&self, key: &K) -> usize {
        (self.hasher.hash_one(key) % self.parts.len() as u64) as usize
    }

    fn read(&self, key: &K) -> RwLockReadGuard<'_, Part<K, V>> {
        // A panic while holding a part lock cannot leave a part half-changed
        // (every change is a single insert or remove), so poisoning is ignored.
        self.parts[self.index(key)]
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, key: &K) -> RwLockWriteGuard<'_, Part<K, V>> {
        self.parts[self.index(key)]
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, key: &K) -> Option<V> {
        self.read(key).get(key).cloned()
    }

    /// Runs `f` on the value without cloning it.
    pub fn with<R>(&self, key: &K, f: impl FnOnce(Option<&V>) -> R) -> R {
        f(self.read(key).get(key))
    }

    pub fn insert(&self, key: K, value: V) {
        let mut part = self.write(&key);
        Arc::make_mut(&mut part).insert(key, value);
    }

    pub fn remove(&self, key: &K) {
        let mut part = self.write(key);
        if part.contains_key(key) {
            Arc::make_mut(&mut part).remove(key);
        }
    }

    /// Changes the value in place, creating it from `Default` if absent.
    pub fn update(&self, key: K, f: impl FnOnce(&mut V))
    where
        V: Default,
    {
        let mut part = self.write(&key);
        f(Arc::make_mut(&mut part).entry(key).or_default());
    }

    /// Inserts many entries, taking each part's lock once and sizing it once
    /// (loading checkpoints).
    pub fn insert_many(&self, entries: Vec<(K, V)>) {
        let mut indexed: Vec<(usize, K, V)> = entries
            .into_iter()
            .map(|(k, v)| (self.index(&k), k, v))
            .collect();
        // Stable: a later entry for the same key still wins.
        indexed.sort_by_key(|(i, _, _)| *i);
        let runs: Vec<(usize, usize)> = indexed
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| (run[0].0, run.len()))
            .collect();
        let mut rest = indexed.into_iter();
        for (index, len) in runs {
            let mut part = self.parts[index].write().unwrap_or_else(|e| e.into_inner());
            let map = Arc::make_mut(&mut part);
            map.reserve(len);
            map.extend(rest.by_ref().take(len).map(|(_, k, v)| (k, v)));
        }
    }

    /// Changes every value in place (loading checkpoints, not hot paths).
    pub fn update_all(&self, mut f: impl FnMut(&mut V)) {
        for part in self.parts.iter() {
            let mut part = part.write().unwrap_or_else(|e| e.into_inner());
            Arc::make_mut(&mut part).values_mut().for_each(&mut f);
        }
    }

    /// Every part by reference, each taken only when the iterator reaches
    /// it: a consistent view of each part (not of all at once). Whoever
    /// holds a part makes the writer copy it on its next change, so a
    /// long walk (a checkpoint) lets go of each part before taking the next.
    pub fn parts(&self) -> impl Iterator<Item = Part<K, V>> + '_ {
        self.parts
            .iter()
            .map(|p| p.read().unwrap_or_else(|e| e.into_inner()).clone())
    }

    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    /// Runs `f` on one part (`index` modulo the number of parts), read-locked.
    pub fn with_part<R>(&self, index: usize, f: impl FnOnce(&HashMap<K, V>) -> R) -> R {
        let part = self.parts[index % self.parts.len()]
            .read()
            .unwrap_or_else(|e| e.into_inner());
        f(&part)
    }

    pub fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|p| p.read().unwrap_or_else(|e| e.into_inner()).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, one part at a time (for loading and digests, not hot paths).
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        for part in self.parts() {
            for (k, v) in part.iter() {
                f(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_is_not_changed_by_later_writes() {
        let parts: Parts<u64, u64> = Parts::new(4);
        for i in 0..100 {
            parts.insert(i, i);
        }
        let snap: Vec<_> = parts.parts().collect();
        parts.insert(1, 1000);
        parts.remove(&2);
        parts.update(3, |v| *v += 1);
        let seen: u64 = snap.iter().map(|p| p.get(&1).copied().unwrap_or(0)).sum();
        assert_eq!(seen, 1, "the snapshot kept the old value");
        assert!(snap.iter().any(|p| p.contains_key(&2)));
        assert_eq!(parts.get(&1), Some(1000));
        assert_eq!(parts.get(&2), None);
        assert_eq!(parts.get(&3), Some(4));
        assert_eq!(parts.len(), 99);
    }

    #[test]
    fn a_key_lands_in_the_same_part_in_every_instance() {
        // What the checkpoint loader counts on: entries written part by part
        // load part by part.
        type ByKey = Parts<(u64, [u64; 2]), u8>;
        let (a, b): (ByKey, ByKey) = (Parts::new(1024), Parts::new(1024));
        for i in 0..1000u64 {
            let key = (i, [i.wrapping_mul(0x9e37_79b9_7f4a_7c15), !i]);
            assert_eq!(a.index(&key), b.index(&key));
        }
        let used: std::collections::HashSet<usize> =
            (0..10_000u64).map(|i| a.index(&(i, [i, i]))).collect();
        assert!(
            used.len() > 1000 * 9 / 10,
            "spread over the parts: {}",
            used.len()
        );
    }

    #[test]
    fn insert_many_keeps_the_last_of_repeated_keys_and_counts_each_once() {
        let parts: Parts<u64, u64> = Parts::new(8);
        parts.insert(5, 1);
        parts.insert_many((0..100).chain([5, 7]).map(|i| (i, i * 10)).collect());
        parts.insert_many(vec![(7, 1), (7, 2)]);
        assert_eq!(parts.len(), 100);
        assert_eq!(parts.get(&5), Some(50));
        assert_eq!(parts.get(&7), Some(2));
        assert_eq!(parts.get(&99), Some(990));
    }
}
