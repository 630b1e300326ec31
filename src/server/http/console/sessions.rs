//! The console's logins: a bounded table of sessions, each a random 256-bit
//! id (the cookie) with its own CSRF token, its principal and its expiry.
//!
//! Ids are looked up in a map keyed by a SipHash of the id under this
//! process's random key: a lookup's time depends on that hash, which an
//! attacker cannot aim, not on how much of an id they guessed right.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::server::auth::Principal;

/// Sessions at once; a login past it ends the session closest to expiring.
pub const SESSIONS_MAX: usize = 64;
/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// A logged-in admin.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    /// Sent back on every write in the `X-CSRF-Token` header.
    pub csrf: String,
    expires: Instant,
    /// The id itself, compared in full after the hash found it.
    id: [u8; 32],
}

pub struct Sessions {
    table: Mutex<HashMap<u64, Session>>,
    hasher: std::collections::hash_map::RandomState,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            table: Mutex::new(HashMap::new()),
            hasher: std::collections::hash_map::RandomState::new(),
        }
    }
}

impl Sessions {
    fn key(&self, id: &[u8; 32]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write(id);
        h.finish()
    }

    /// A new session: its cookie value (64 hex digits) and CSRF token.
    pub fn create(&self, principal: Principal, now: Instant) -> (String, String) {
        let id: [u8; 32] = rand::random();
        let csrf = hex(&rand::random::<[u8; 32]>());
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        table.retain(|_, s| s.expires > now);
        while table.len() >= SESSIONS_MAX {
            let Some(soonest) = table.iter().min_by_key(|(_, s)| s.expires).map(|(k, _)| *k) else {
                break;
            };
            table.remove(&soonest);
        }
        table.insert(
            self.key(&id),
            Session {
                principal,
                csrf: csrf.clone(),
                expires: now + SESSION_TTL,
                id,
            },
        );
        debug_assert!(table.len() <= SESSIONS_MAX);
        (hex(&id), csrf)
    }

    /// The live session a cookie value names.
    pub fn find(&self, cookie: &str, now: Instant) -> Option<Session> {
        let id = unhex(cookie)?;
        let key = self.key(&id);
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        match table.get(&key) {
            Some(s) if s.expires > now && constant_time_eq(&s.id, &id) => Some(s.clone()),
            Some(s) if s.expires <= now => {
                table.remove(&key);
                None
            }
            _ => None,
        }
    }

    /// Ends the session a cookie value names, if any.
    pub fn end(&self, cookie: &str) {
        if let Some(id) = unhex(cookie) {
            let key = self.key(&id);
            let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
            if table
                .get(&key)
                .is_some_and(|s| constant_time_eq(&s.id, &id))
            {
                table.remove(&key);
            }
        }
    }
}

/// Equal bytes, taking the same time wherever they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        let digits = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(digits, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> Principal {
        Principal {
            role: crate::server::auth::Role::Admin,
            name: "token:admin".into(),
            credential: "token#0".into(),
        }
    }

    #[test]
    fn sessions_expire_end_and_stay_bounded() {
        let sessions = Sessions::default();
        let now = Instant::now();
        let (id, csrf) = sessions.create(admin(), now);
        assert_eq!((id.len(), csrf.len()), (64, 64));
        assert_eq!(sessions.find(&id, now).map(|s| s.csrf), Some(csrf));
        assert!(sessions.find(&id, now + SESSION_TTL).is_none(), "expired");
        let (id, _) = sessions.create(admin(), now);
        sessions.end(&id);
        assert!(sessions.find(&id, now).is_none(), "logged out");
        assert!(sessions.find("zz", now).is_none());
        let first = sessions.create(admin(), now).0;
        for i in 1..=SESSIONS_MAX as u64 {
            sessions.create(admin(), now + Duration::from_millis(i));
        }
        assert_eq!(sessions.table.lock().unwrap().len(), SESSIONS_MAX);
        assert!(
            sessions.find(&first, now).is_none(),
            "the oldest went first"
        );
    }
}
