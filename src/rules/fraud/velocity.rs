//! Velocity checks: how many redemptions (or holds) of one coupon one
//! identity may start within an hour. An order has up to four identities,
//! each counted in a window of its own: its customer id, its email reduced
//! to a mailbox (`identity::normalize_email`, so gmail aliases of one person
//! share a window and a guest with an email is counted), its device
//! fingerprint and its IP address. An attempt is refused when any of them is
//! at the limit, and an accepted one is counted in all of them.
//!
//! A window slides over the `created_at` of the identity's accepted
//! attempts, which is the batch time of the record that accepted them, and is
//! judged at the batch time of the request: never a node's clock, so every
//! node and every replay decides alike. Attempts later released, expired or
//! reversed still count: the window counts what was accepted, not what was
//! kept.

use std::net::IpAddr;

use couponsd_client::wire::{Order, SecuritySettings};

use super::identity::normalize_email;
use crate::error::Refusal;

/// Which of an order's identities a velocity window counts. The order is
/// the order they are checked in: the first at its limit is the one named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Customer,
    Email,
    Device,
    Ip,
}

impl Identity {
    /// The order's field the identity comes from, as protocol.md names it
    /// (and VELOCITY_LIMIT's message says).
    pub fn field(self) -> &'static str {
        match self {
            Identity::Customer => "customer_id",
            Identity::Email => "customer_email",
            Identity::Device => "device_fingerprint",
            Identity::Ip => "ip_address",
        }
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.field())
    }
}

/// The order's identities (each only when non-empty), each with the string
/// its window's key is hashed from. A customer id is keyed as it is, as for
/// per-customer uses, so windows from before the other identities were
/// counted still hold. The others are prefixed with their kind and a NUL, so
/// an email and a device that are spelled alike are two identities; a
/// customer id cannot be spelled as one (a NUL in it is refused,
/// `domain::order`).
pub fn identities(order: &Order) -> Vec<(Identity, String)> {
    let mut found = Vec::with_capacity(4);
    if !order.customer_id.is_empty() {
        found.push((Identity::Customer, order.customer_id.clone()));
    }
    if let Some(key) = email_key(&order.customer_email) {
        found.push((Identity::Email, key));
    }
    if let Some(key) = device_key(&order.device_fingerprint) {
        found.push((Identity::Device, key));
    }
    if let Some(key) = ip_key(&order.ip_address) {
        found.push((Identity::Ip, key));
    }
    found
}

/// An email's key: the mailbox it delivers to (not an address: still one
/// spelling of one identity); None when empty.
pub fn email_key(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() {
        return None;
    }
    let mailbox = normalize_email(email).unwrap_or_else(|| email.to_ascii_lowercase());
    Some(prefixed("email\0", &mailbox))
}

/// `kind` then `text`, without the formatting machinery (every redemption
/// builds these).
fn prefixed(kind: &str, text: &str) -> String {
    let mut key = String::with_capacity(kind.len() + text.len());
    key.push_str(kind);
    key.push_str(text);
    key
}

/// A device's key, as sent; None when empty.
pub fn device_key(device: &str) -> Option<String> {
    let device = device.trim();
    (!device.is_empty()).then(|| prefixed("device\0", device))
}

/// An IP address's key: one address however it is written
/// (`::ffff:192.0.2.1` is 192.0.2.1, IPv6 zeros compressed or not);
/// anything else as sent. None when empty.
pub fn ip_key(ip: &str) -> Option<String> {
    let ip = ip.trim();
    if ip.is_empty() {
        return None;
    }
    Some(match ip.parse::<IpAddr>() {
        // Already canonical: the parser takes no other spelling of an IPv4
        // address (no leading zeros, no hex, four parts).
        Ok(IpAddr::V4(_)) | Err(_) => prefixed("ip\0", ip),
        Ok(a) => prefixed("ip\0", &a.to_canonical().to_string()),
    })
}

/// The window's length: an attempt counts while it is younger than this.
pub const WINDOW_MS: i64 = 3_600_000;

/// The most attempts per identity within the window, if the coupon checks
/// velocity (None: it does not, and keeps no window).
pub fn limit(security: &SecuritySettings) -> Option<u32> {
    (security.velocity_checks && security.max_redemptions_per_hour > 0)
        .then_some(security.max_redemptions_per_hour)
}

/// Attempts (their `created_at`) within the window before `now`: those
/// younger than `WINDOW_MS`.
pub fn recent(created_at: &[i64], now: i64) -> u64 {
    created_at.iter().filter(|&&t| now - t < WINDOW_MS).count() as u64
}

/// Whether one more attempt is allowed, given each identity's attempts in
/// its window (`recent`): refused, naming it, if any one is at the limit.
pub fn check(security: &SecuritySettings, recent: &[(Identity, u64)]) -> Result<(), Refusal> {
    let Some(max) = limit(security) else {
        return Ok(());
    };
    match recent.iter().find(|(_, n)| *n >= u64::from(max)) {
        Some((identity, _)) => Err(Refusal::VelocityLimit(*identity)),
        None => Ok(()),
    }
}

/// One identity of an order, the key its window is kept under, and the
/// window as it was before the attempt.
pub struct Tracked<K> {
    pub identity: Identity,
    pub key: K,
    pub window: Vec<i64>,
}

/// The order's identities (`identities`) with their windows: keyed by `key_of` and read by
/// `window_of` (the committed state for VALIDATE, the decider's draft for
/// REDEEM and RESERVE, so both decide from the same windows).
pub fn tracked<K: Copy>(
    ids: &[(Identity, String)],
    key_of: impl Fn(&str) -> K,
    window_of: impl Fn(K) -> Vec<i64>,
) -> Vec<Tracked<K>> {
    ids.iter()
        .map(|(identity, id)| {
            let identity = *identity;
            let key = key_of(id);
            Tracked {
                identity,
                key,
                window: window_of(key),
            }
        })
        .collect()
}

/// Each tracked identity's attempts within its window at `now`, for `check`.
pub fn recent_each<K>(tracked: &[Tracked<K>], now: i64) -> Vec<(Identity, u64)> {
    tracked
        .iter()
        .map(|t| (t.identity, recent(&t.window, now)))
        .collect()
}

/// The window after an attempt accepted at `now`: the attempts still in the
/// window plus this one, oldest first, at most `max` of them (the newest).
/// Bounded by `max` entries: more are never needed to refuse the next one.
pub fn after_attempt(created_at: &[i64], now: i64, max: u32) -> Vec<i64> {
    let mut window: Vec<i64> = created_at
        .iter()
        .copied()
        .filter(|&t| now - t < WINDOW_MS)
        .chain(std::iter::once(now))
        .collect();
    window.sort_unstable();
    let keep = (max as usize).max(1);
    let drop = window.len().saturating_sub(keep);
    window.drain(..drop);
    window
}

#[cfg(test)]
mod tests {
    use super::*;

    fn security(on: bool, max: u32) -> SecuritySettings {
        SecuritySettings {
            velocity_checks: on,
            max_redemptions_per_hour: max,
            ..SecuritySettings::default()
        }
    }

    /// One row per case: (velocity on, max, window before, now, allowed).
    #[test]
    fn the_window_rule() {
        let now = 10 * WINDOW_MS;
        let rows: &[(bool, u32, &[i64], bool)] = &[
            (true, 2, &[], true),
            (true, 2, &[now - 1], true),
            (true, 2, &[now - 2, now - 1], false),
            // Exactly an hour old has left the window; a millisecond less has not.
            (true, 2, &[now - WINDOW_MS, now - 1], true),
            (true, 2, &[now - WINDOW_MS + 1, now - 1], false),
            (true, 2, &[now - 3 * WINDOW_MS, now - 2 * WINDOW_MS], true),
            (true, 1, &[now], false),
            // Off, or a limit of 0: no limit.
            (false, 2, &[now - 2, now - 1], true),
            (true, 0, &[now - 2, now - 1], true),
        ];
        for (i, &(on, max, window, allowed)) in rows.iter().enumerate() {
            let recent = [(Identity::Customer, recent(window, now))];
            let got = check(&security(on, max), &recent);
            assert_eq!(got.is_ok(), allowed, "row {i}");
            if !allowed {
                assert_eq!(
                    got,
                    Err(Refusal::VelocityLimit(Identity::Customer)),
                    "row {i}"
                );
            }
        }
        assert_eq!(limit(&security(false, 10)), None);
        assert_eq!(limit(&security(true, 0)), None);
        assert_eq!(limit(&security(true, 10)), Some(10));
    }

    #[test]
    fn the_window_keeps_at_most_max_and_drops_the_old() {
        let now = 10 * WINDOW_MS;
        assert_eq!(after_attempt(&[], now, 3), vec![now]);
        // An hour-old attempt leaves when the window is touched.
        assert_eq!(
            after_attempt(&[now - WINDOW_MS, now - 5], now, 3),
            vec![now - 5, now]
        );
        // Full: the oldest gives way.
        assert_eq!(
            after_attempt(&[now - 3, now - 2, now - 1], now, 3),
            vec![now - 2, now - 1, now]
        );
        // Filling it attempt by attempt refuses exactly the (max + 1)th.
        let mut window = Vec::new();
        let mut accepted = 0;
        for i in 0..15 {
            let at = now + i * 1000;
            let recent = [(Identity::Customer, recent(&window, at))];
            if check(&security(true, 10), &recent).is_ok() {
                window = after_attempt(&window, at, 10);
                accepted += 1;
            }
            assert!(window.len() <= 10);
        }
        assert_eq!(accepted, 10);
        // An hour after the first, one more is allowed.
        let later = now + WINDOW_MS;
        assert_eq!(recent(&window, later), 9);
    }

    /// One row per case: each identity's attempts in its window, and the
    /// identity named in the refusal (None: allowed), at a limit of 3.
    #[test]
    fn any_identity_at_the_limit_refuses_and_the_first_is_named() {
        use Identity::*;
        type Row = (&'static [(Identity, u64)], Option<Identity>);
        let rows: &[Row] = &[
            (&[], None),
            (&[(Customer, 2), (Email, 2), (Device, 2), (Ip, 2)], None),
            // Four customers on one device: each customer is fresh.
            (&[(Customer, 0), (Device, 3)], Some(Device)),
            (&[(Customer, 0), (Email, 3), (Ip, 1)], Some(Email)),
            (&[(Ip, 3)], Some(Ip)),
            (&[(Customer, 5), (Email, 0), (Ip, 9)], Some(Customer)),
            (&[(Customer, 1), (Device, 2), (Ip, 4)], Some(Ip)),
        ];
        for (i, &(recent, named)) in rows.iter().enumerate() {
            let got = check(&security(true, 3), recent);
            assert_eq!(
                got,
                named.map_or(Ok(()), |n| Err(Refusal::VelocityLimit(n))),
                "row {i}"
            );
            assert_eq!(check(&security(false, 3), recent), Ok(()), "off, row {i}");
        }
    }

    #[test]
    fn an_order_has_an_identity_per_non_empty_field() {
        let order = |customer: &str, email: &str, device: &str, ip: &str| Order {
            customer_id: customer.into(),
            customer_email: email.into(),
            device_fingerprint: device.into(),
            ip_address: ip.into(),
            ..Order::default()
        };
        assert_eq!(identities(&order("", "", "", "")), vec![]);
        assert_eq!(
            identities(&order("c1", "Ann@Example.com", "fp-1", "192.0.2.1")),
            vec![
                (Identity::Customer, "c1".to_string()),
                (Identity::Email, "email\0ann@example.com".to_string()),
                (Identity::Device, "device\0fp-1".to_string()),
                (Identity::Ip, "ip\u{0}192.0.2.1".to_string()),
            ]
        );
        // Aliases of one mailbox, and spellings of one address, are one key.
        let email_of = |e: &str| identities(&order("", e, "", ""));
        for alias in [
            "j.doe+a@gmail.com",
            "jdoe@googlemail.com",
            " J.D.O.E+x@GMAIL.com ",
        ] {
            assert_eq!(email_of(alias), email_of("jdoe@gmail.com"), "{alias}");
        }
        assert_ne!(email_of("jdoe2@gmail.com"), email_of("jdoe@gmail.com"));
        let ip_of = |ip: &str| identities(&order("", "", "", ip));
        assert_eq!(ip_of("::ffff:192.0.2.1"), ip_of("192.0.2.1"));
        assert_eq!(ip_of("2001:db8:0:0::1"), ip_of("2001:DB8::1"));
        // Spelled alike, two kinds are two identities.
        assert_ne!(
            identities(&order("", "", "x", ""))[0].1,
            identities(&order("", "", "", "x"))[0].1
        );
    }
}
