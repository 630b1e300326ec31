//! Code guessing stopped: unknown codes tried are counted per client, and a
//! client past its limit gets RATE_LIMITED before any lookup, while other
//! clients are unaffected.
//!
//! A "client" is counted three ways, each with its own limit: the calling
//! connection (its principal and address: a checkout service, or an
//! attacker holding a read token), and the shopper the order names (its
//! `ip_address`, its `device_fingerprint`). The counts are fixed windows on
//! this node's own clock: they decide no replicated state, only whether
//! this node answers, so each node counts what it sees.
//!
//! Attackers choose the keys (they write the order), so each count is a
//! bounded map of keyed hashes: when full, the oldest keys go first. Flooding
//! it with invented addresses evicts shoppers' counts but not the calling
//! connection's, which is what stops a flood.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::Error;

/// One kind of client's limit.
#[derive(Debug, Clone, Copy)]
pub struct GuessLimit {
    /// Unknown codes allowed per window.
    pub unknown_max: u32,
    pub window: Duration,
}

/// The three limits.
#[derive(Debug, Clone, Copy)]
pub struct GuessLimits {
    pub connection: GuessLimit,
    pub ip: GuessLimit,
    pub device: GuessLimit,
    /// Keys each count remembers (then the oldest are forgotten).
    pub keys_max: usize,
}

impl Default for GuessLimits {
    fn default() -> GuessLimits {
        GuessLimits {
            connection: GuessLimit {
                unknown_max: 1_000,
                window: Duration::from_secs(60),
            },
            ip: GuessLimit {
                unknown_max: 20,
                window: Duration::from_secs(600),
            },
            device: GuessLimit {
                unknown_max: 20,
                window: Duration::from_secs(600),
            },
            keys_max: 262_144,
        }
    }
}

/// The block an address is counted as: an IPv4 address (or an IPv4-mapped
/// IPv6 one) alone, an IPv6 address by its /64.
pub fn address_block(ip: std::net::IpAddr) -> String {
    match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
    }
}

/// Who is asking, the three ways.
pub struct GuessKeys<'a> {
    /// The connection: principal name and peer address.
    pub connection: &'a str,
    /// The order's `ip_address` (empty: not counted).
    pub ip: &'a str,
    /// The order's `device_fingerprint` (empty: not counted).
    pub device: &'a str,
}

pub struct GuessLimiter {
    counts: [Mutex<WindowCounts>; 3],
    limits: GuessLimits,
    /// Keys are hashed with a per-process secret: an attacker cannot aim
    /// collisions.
    hasher: std::collections::hash_map::RandomState,
}

/// Counts in fixed windows for up to `keys_max` keys.
struct WindowCounts {
    /// key -> (window start, unknown codes in it).
    counts: HashMap<u64, (u64, u32)>,
    /// Keys in the order they were first counted, for eviction.
    order: VecDeque<u64>,
}

/// Memory per remembered key, about: the map entry (8 + 16 bytes, with the
/// map's overhead) and the eviction queue's 8 bytes.
pub const BYTES_PER_KEY: usize = 48;

impl GuessLimiter {
    pub fn new(limits: GuessLimits) -> GuessLimiter {
        assert!(limits.keys_max > 0);
        let counts = std::array::from_fn(|_| {
            Mutex::new(WindowCounts {
                counts: HashMap::new(),
                order: VecDeque::new(),
            })
        });
        GuessLimiter {
            counts,
            limits,
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }

    fn kinds<'k>(&self, keys: &GuessKeys<'k>) -> [(&'k str, GuessLimit, &'static str); 3] {
        [
            (keys.connection, self.limits.connection, "connection"),
            (keys.ip, self.limits.ip, "ip_address"),
            (keys.device, self.limits.device, "device_fingerprint"),
        ]
    }

    fn hash(&self, key: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(key.as_bytes());
        h.finish()
    }

    /// RATE_LIMITED if any of the three is past its limit at `now_ms`.
    pub fn check(&self, keys: &GuessKeys, now_ms: u64) -> Result<(), Error> {
        for (i, (key, limit, what)) in self.kinds(keys).into_iter().enumerate() {
            if key.is_empty() {
                continue;
            }
            let hash = self.hash(key);
            let counts = self.counts[i].lock().unwrap_or_else(|e| e.into_inner());
            let window_ms = limit.window.as_millis() as u64;
            if let Some(&(start, n)) = counts.counts.get(&hash) {
                if now_ms < start + window_ms && n >= limit.unknown_max {
                    let retry_s = (start + window_ms - now_ms).div_ceil(1000);
                    return Err(Error::RateLimited(format!(
                        "too many unknown codes from this {what}: {n} within {} s; retry in {retry_s} s",
                        limit.window.as_secs()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Unknown codes a shopper (the order's address block and device) tried
    /// within their current windows, the most of the two: the
    /// `code_guessing` signal. The connection is not asked: one checkout
    /// service speaks for every shopper.
    pub fn tried(&self, ip: &str, device: &str, now_ms: u64) -> u32 {
        let shopper = GuessKeys {
            connection: "",
            ip,
            device,
        };
        self.kinds(&shopper)
            .into_iter()
            .enumerate()
            .filter(|(_, (key, _, _))| !key.is_empty())
            .map(|(i, (key, limit, _))| {
                let counts = self.counts[i].lock().unwrap_or_else(|e| e.into_inner());
                let window_ms = limit.window.as_millis() as u64;
                match counts.counts.get(&self.hash(key)) {
                    Some(&(start, n)) if now_ms < start + window_ms => n,
                    _ => 0,
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// Counts one unknown code against each of the three.
    pub fn count_unknown(&self, keys: &GuessKeys, now_ms: u64) {
        for (i, (key, limit, _)) in self.kinds(keys).into_iter().enumerate() {
            if key.is_empty() {
                continue;
            }
            let hash = self.hash(key);
            let mut counts = self.counts[i].lock().unwrap_or_else(|e| e.into_inner());
            let window_ms = limit.window.as_millis() as u64;
            let counts = &mut *counts;
            match counts.counts.get_mut(&hash) {
                Some((start, n)) if now_ms < *start + window_ms => *n = n.saturating_add(1),
                Some(entry) => *entry = (now_ms, 1),
                None => {
                    while counts.counts.len() >= self.limits.keys_max {
                        let Some(oldest) = counts.order.pop_front() else {
                            break;
                        };
                        counts.counts.remove(&oldest);
                    }
                    counts.counts.insert(hash, (now_ms, 1));
                    counts.order.push_back(hash);
                }
            }
            debug_assert!(counts.counts.len() <= self.limits.keys_max);
        }
    }

    /// Keys remembered, per kind (connection, ip, device).
    pub fn keys(&self) -> [usize; 3] {
        std::array::from_fn(|i| {
            self.counts[i]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .counts
                .len()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let block = |s: &str| address_block(s.parse().expect("an address"));
        assert_eq!(block("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            block("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64"
        );
        assert_ne!(block("2001:db8:1:3::1"), block("2001:db8:1:2::1"));
        assert_eq!(block("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(block("192.0.2.7"), "192.0.2.7");
    }

    fn limits(keys_max: usize) -> GuessLimits {
        let limit = GuessLimit {
            unknown_max: 3,
            window: Duration::from_secs(10),
        };
        GuessLimits {
            connection: limit,
            ip: limit,
            device: limit,
            keys_max,
        }
    }

    fn keys<'a>(connection: &'a str, ip: &'a str) -> GuessKeys<'a> {
        GuessKeys {
            connection,
            ip,
            device: "",
        }
    }

    #[test]
    fn past_its_limit_a_client_is_refused_and_others_are_not() {
        let g = GuessLimiter::new(limits(100));
        let attacker = keys("token:read@10.0.0.9", "");
        for _ in 0..3 {
            g.check(&attacker, 1_000).expect("under the limit");
            g.count_unknown(&attacker, 1_000);
        }
        let refused = g.check(&attacker, 2_000).expect_err("past the limit");
        assert!(matches!(refused, Error::RateLimited(_)), "{refused}");
        g.check(&keys("token:read@10.0.0.10", ""), 2_000)
            .expect("another connection is unaffected");
        // The window ends: allowed again.
        g.check(&attacker, 11_000).expect("a new window");
        g.count_unknown(&attacker, 11_000);
        g.check(&attacker, 11_000).expect("one in the new window");
    }

    #[test]
    fn shoppers_are_counted_by_address_across_connections() {
        let g = GuessLimiter::new(limits(100));
        for i in 0..3 {
            let conn = format!("token:redeem@10.0.0.{i}");
            g.count_unknown(&keys(&conn, "198.51.100.7"), 0);
        }
        assert!(g
            .check(&keys("token:redeem@10.0.0.99", "198.51.100.7"), 1)
            .is_err());
        assert!(g
            .check(&keys("token:redeem@10.0.0.99", "198.51.100.8"), 1)
            .is_ok());
    }

    #[test]
    fn a_flood_of_keys_stays_bounded_and_evicts_the_oldest() {
        let g = GuessLimiter::new(limits(1_000));
        for i in 0..100_000u32 {
            g.count_unknown(&keys("token:read@10.0.0.1", &format!("ip-{i}")), 0);
        }
        let [connections, ips, devices] = g.keys();
        assert_eq!((connections, ips, devices), (1, 1_000, 0));
        // The connection that sent them all is still counted, and limited.
        assert!(g.check(&keys("token:read@10.0.0.1", ""), 1).is_err());
    }
}
