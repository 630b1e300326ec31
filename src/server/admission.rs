//! Connections that have not authenticated yet, counted per address: one
//! address may hold only a few at a time, so that sockets opened and left
//! silent cannot take the connection slots others need. The map's keys are
//! chosen by whoever connects, so it holds an address only while that
//! address has such a connection (at most `max_connections` entries).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct Unauthenticated {
    per_address_max: u32,
    counts: Mutex<HashMap<IpAddr, u32>>,
}

/// One admitted connection still before its HELLO; dropping it (on
/// authentication or close) gives the place back.
#[must_use]
pub struct Admitted {
    ip: IpAddr,
    owner: Arc<Unauthenticated>,
}

impl Unauthenticated {
    pub fn new(per_address_max: u32) -> Unauthenticated {
        assert!(per_address_max > 0);
        Unauthenticated {
            per_address_max,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// A place for one more connection from `ip`, unless it already holds
    /// as many as it may.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admitted> {
        let ip = ip.to_canonical();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.per_address_max {
            return None;
        }
        *count += 1;
        Some(Admitted {
            ip,
            owner: self.clone(),
        })
    }

    #[cfg(test)]
    fn addresses(&self) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.owner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_share_and_gives_it_back() {
        let gate = Arc::new(Unauthenticated::new(2));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = gate.admit(a).expect("first");
        let second = gate.admit(a).expect("second");
        assert!(gate.admit(a).is_none(), "third from the same address");
        // The same address seen through a dual-stack socket.
        assert!(gate.admit("::ffff:10.0.0.1".parse().unwrap()).is_none());
        let other = gate.admit(b).expect("another address");
        drop(first);
        let again = gate.admit(a).expect("a place came back");
        drop((second, again, other));
        assert_eq!(
            gate.addresses(),
            0,
            "no address is kept once it holds nothing"
        );
    }
}
