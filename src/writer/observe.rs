//! What the detectors remember of accepted requests, and what they read
//! back for the next one. An accepted redemption or hold records who was
//! seen with the order's device, IP address and mailbox (seen sets) and
//! counts one more use of the coupon (its `CodeRate`); VALIDATE (from the
//! committed state) and REDEEM (from the decider's draft) read them through
//! the one function `gather_inputs`, as they read velocity windows through
//! `velocity::tracked`, so both judge a request alike.

use couponsd_client::wire::Order;

use super::plan::Draft;
use crate::rules::fraud::detectors::{
    self, distinct_with, leak_strength, CodeRate, SeenKind, SignalInputs,
};
use crate::rules::fraud::velocity::Identity;
use crate::state::keys::Key;
use crate::state::SeenSet;

/// One seen set an order touches: its kind, its key, and the member the
/// order adds to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation<K> {
    kind: SeenKind,
    key: K,
    member: K,
}

/// The order's observations, keyed by `key_of` from the same strings as its
/// velocity identities (`velocity::identities`: a customer id as it is, the
/// others prefixed by kind, so spellings of one address or aliases of one
/// mailbox are one key). The "customer" seen on a device or IP is the
/// customer id, else (a guest) the normalized mailbox; an order with
/// neither adds no customer. A mailbox's member is the address as spelled,
/// trimmed and lower-cased. `ids` are the order's identities, built once
/// per order (`judge::judge`) for its windows and its observations alike.
pub fn observations<K>(
    ids: &[(Identity, String)],
    order: &Order,
    key_of: impl Fn(&str) -> K,
) -> Vec<Observation<K>> {
    let id_of = |which: Identity| ids.iter().find(|(i, _)| *i == which).map(|(_, s)| s);
    let customer = id_of(Identity::Customer).or(id_of(Identity::Email));
    let mut found = Vec::with_capacity(3);
    if let Some(customer) = customer {
        for (identity, kind) in [
            (Identity::Device, SeenKind::DeviceCustomers),
            (Identity::Ip, SeenKind::IpCustomers),
        ] {
            if let Some(key) = id_of(identity) {
                found.push(Observation {
                    kind,
                    key: key_of(key),
                    member: key_of(customer),
                });
            }
        }
    }
    if let Some(mailbox) = id_of(Identity::Email) {
        let spelling = order.customer_email.trim().to_ascii_lowercase();
        found.push(Observation {
            kind: SeenKind::MailboxSpellings,
            key: key_of(mailbox),
            member: key_of(&format!("spelling\0{spelling}")),
        });
    }
    found
}

/// Records what an accepted redemption or hold of `coupon_id` implies: the
/// order's members in their seen sets (only the sets that change:
/// `detectors::seen_after`), and one more use in the coupon's rate.
pub fn record_observations(d: &mut Draft, coupon_id: u64, observed: &[Observation<Key>]) {
    let now = d.now();
    for o in observed {
        let members = d.seen(o.kind, o.key);
        if let Some(members) = detectors::seen_after(&members, o.member, now, o.kind.max_members())
        {
            d.record(crate::state::Effect::Seen {
                kind: o.kind,
                key: o.key,
                members,
            });
        }
    }
    let rate = detectors::rate_after(d.code_rate(coupon_id), now);
    d.record(crate::state::Effect::CodeRate { coupon_id, rate });
}

/// `inputs` (what the order and the velocity windows give:
/// `assess::order_inputs`) with what the detectors remember added: distinct
/// customers on the order's device and IP address and spellings of its
/// mailbox (each counting this order's own), and the coupon's leak strength.
/// `seen` reads a set (the committed state for VALIDATE, the draft for
/// REDEEM and RESERVE), `rate` is the coupon's rate read the same way,
/// `observed` the order's `observations`: both paths call this one
/// function, so they judge alike.
pub fn gather_inputs(
    inputs: SignalInputs,
    seen: impl Fn(SeenKind, Key) -> SeenSet,
    rate: CodeRate,
    observed: &[Observation<Key>],
    now: i64,
) -> SignalInputs {
    let mut inputs = SignalInputs {
        leak_ppm: leak_strength(rate, now),
        ..inputs
    };
    for o in observed {
        let count = distinct_with(&seen(o.kind, o.key), o.member, now, o.kind.max_members());
        match o.kind {
            SeenKind::DeviceCustomers => inputs.device_customers = count,
            SeenKind::IpCustomers => inputs.ip_customers = count,
            SeenKind::MailboxSpellings => inputs.mailbox_spellings = count,
        }
    }
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fraud::velocity::identities;
    use std::collections::HashMap;

    const NOW: i64 = 1_700_000_000_000;

    fn order(customer: &str, email: &str, device: &str, ip: &str) -> Order {
        Order {
            customer_id: customer.into(),
            customer_email: email.into(),
            device_fingerprint: device.into(),
            ip_address: ip.into(),
            ..Order::default()
        }
    }

    /// Keys as the strings themselves, to read what is observed.
    fn plain(order: &Order) -> Vec<(SeenKind, String, String)> {
        observations(&identities(order), order, |s| s.to_string())
            .into_iter()
            .map(|o| (o.kind, o.key, o.member))
            .collect()
    }

    #[test]
    fn an_order_touches_a_set_per_device_ip_and_mailbox() {
        use SeenKind::*;
        assert_eq!(plain(&order("", "", "", "")), vec![]);
        assert_eq!(
            plain(&order("c1", "J.Doe+x@Gmail.com", "fp", "::ffff:192.0.2.1")),
            vec![
                (DeviceCustomers, "device\0fp".into(), "c1".into()),
                (IpCustomers, "ip\u{0}192.0.2.1".into(), "c1".into()),
                (
                    MailboxSpellings,
                    "email\0jdoe@gmail.com".into(),
                    "spelling\0j.doe+x@gmail.com".into()
                ),
            ]
        );
        // A guest is the mailbox it gave.
        assert_eq!(
            plain(&order("", "ann@example.com", "fp", ""))[0],
            (
                DeviceCustomers,
                "device\0fp".into(),
                "email\0ann@example.com".into()
            )
        );
        // Nobody to count on the device or IP.
        assert_eq!(plain(&order("", "", "fp", "192.0.2.1")), vec![]);
    }

    /// Five customers on one device and one IP, one after the other: each
    /// sees the ones before it plus itself, as VALIDATE and REDEEM would.
    #[test]
    fn gathered_counts_include_the_request_and_what_was_recorded() {
        let hasher = crate::state::keys::KeyHasher::new([3; 16]);
        let key = |s: &str| hasher.key(s);
        let mut keyed: HashMap<(SeenKind, Key), Vec<(Key, i64)>> = HashMap::new();
        for (i, customer) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            let o = order(customer, &format!("x+{i}@gmail.com"), "fp", "192.0.2.1");
            let observed = observations(&identities(&o), &o, key);
            let inputs = gather_inputs(
                SignalInputs::default(),
                |kind, k| keyed.get(&(kind, k)).cloned().unwrap_or_default(),
                CodeRate::default(),
                &observed,
                NOW + i as i64,
            );
            let n = i as u64 + 1;
            assert_eq!(inputs.device_customers, n.min(8), "customer {customer}");
            assert_eq!(inputs.ip_customers, n, "customer {customer}");
            assert_eq!(inputs.mailbox_spellings, n, "customer {customer}");
            // Recorded as record_observations does.
            for ob in observed {
                let set = keyed.entry((ob.kind, ob.key)).or_default();
                if let Some(after) =
                    detectors::seen_after(set, ob.member, NOW + i as i64, ob.kind.max_members())
                {
                    *set = after;
                }
            }
        }
        // Seen again the next day: the sets are gone from the window.
        let o = order("a", "x@gmail.com", "fp", "192.0.2.1");
        let observed = observations(&identities(&o), &o, key);
        let later = gather_inputs(
            SignalInputs::default(),
            |kind, k| keyed.get(&(kind, k)).cloned().unwrap_or_default(),
            CodeRate::default(),
            &observed,
            NOW + detectors::SEEN_WINDOW_MS + 5,
        );
        assert_eq!(
            (
                later.device_customers,
                later.ip_customers,
                later.mailbox_spellings
            ),
            (1, 1, 1)
        );
        // The given inputs are kept; the leak strength is the rate's.
        let given = SignalInputs {
            velocity_used: 2,
            email_given: true,
            ..SignalInputs::default()
        };
        let burst = CodeRate {
            hour: NOW / detectors::HOUR_MS,
            this_hour: 40,
            baseline_milli: 0,
        };
        let inputs = gather_inputs(given, |_, _| vec![], burst, &observed, NOW);
        assert_eq!(
            inputs,
            SignalInputs {
                device_customers: 1,
                ip_customers: 1,
                mailbox_spellings: 1,
                leak_ppm: crate::rules::fraud::score::PPM,
                ..given
            }
        );
    }
}
