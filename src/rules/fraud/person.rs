//! Who a per-customer limit counts: a person, not a spelling. An order is
//! counted under its `customer_id` (as it always was) and, for a coupon with
//! `usage_limit_per_customer`, also under the mailbox its email delivers to
//! (`velocity::email_key`: gmail dots and tags, googlemail, provider tags),
//! so a second account or a guest checkout with an alias of the same mailbox
//! shares the count; a guest with neither id nor email is counted by device.
//! The order is refused when any of these has reached the limit.

use couponsd_client::wire::{CouponSpec, Order, OrderIdentifiers};

use super::velocity;

/// A redemption's `counted` bit for its mailbox, and for a guest's device.
pub const MAILBOX: u8 = 1;
pub const GUEST_DEVICE: u8 = 2;

/// The keys besides the customer id that count the order's person, each
/// with its `counted` bit: its mailbox, or for a guest without an email its
/// device. Prefixed so that they never meet the keys of `identifier_limits`
/// in the same map.
pub fn alias_keys(customer_id: &str, ids: &OrderIdentifiers) -> Vec<(u8, String)> {
    let mailbox = velocity::email_key(&ids.customer_email);
    let device = if customer_id.is_empty() && mailbox.is_none() {
        velocity::device_key(&ids.device_fingerprint)
    } else {
        None
    };
    let mailbox = mailbox.map(|key| (MAILBOX, key));
    let device = device.map(|key| (GUEST_DEVICE, key));
    mailbox
        .into_iter()
        .chain(device)
        .map(|(bit, key)| (bit, format!("person\0{key}")))
        .collect()
}

/// The person's active uses of the coupon (the most of their customer
/// id's and aliases') and the alias keys (with their `counted` bits) to
/// count an accepted order under (none without a per-customer limit). Keys are made by `key_of` and read
/// by `uses_of`: the committed state for VALIDATE, the decider's draft for
/// REDEEM and RESERVE, so both count alike.
pub fn counted<K: Copy>(
    spec: &CouponSpec,
    order: &Order,
    ids: &OrderIdentifiers,
    key_of: impl Fn(&str) -> K,
    uses_of: impl Fn(K) -> u64,
) -> (u64, Vec<(u8, K)>) {
    let by_id = if order.customer_id.is_empty() {
        0
    } else {
        uses_of(key_of(&order.customer_id))
    };
    if spec.usage_limit_per_customer.is_none() {
        return (by_id, Vec::new());
    }
    let aliases: Vec<(u8, K)> = alias_keys(&order.customer_id, ids)
        .iter()
        .map(|(bit, alias)| (*bit, key_of(alias)))
        .collect();
    let uses = aliases
        .iter()
        .map(|(_, k)| uses_of(*k))
        .fold(by_id, u64::max);
    (uses, aliases)
}

/// Whether a per-customer limit can count the order at all: it names a
/// customer, an email or a device.
pub fn identified(order: &Order) -> bool {
    !order.customer_id.is_empty()
        || !order.customer_email.trim().is_empty()
        || !order.device_fingerprint.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(email: &str, device: &str) -> OrderIdentifiers {
        OrderIdentifiers {
            customer_email: email.into(),
            device_fingerprint: device.into(),
            ..OrderIdentifiers::default()
        }
    }

    #[test]
    fn a_person_is_a_mailbox_or_a_guest_device() {
        let alias = alias_keys("acct-2", &ids("J.Doe+promo@googlemail.com", "d1"));
        assert_eq!(alias, alias_keys("", &ids("jdoe@gmail.com", "d9")));
        assert_eq!(
            alias,
            vec![(MAILBOX, "person\0email\0jdoe@gmail.com".to_string())]
        );
        assert_eq!(
            alias_keys("", &ids("", "d1")),
            vec![(GUEST_DEVICE, "person\0device\0d1".to_string())],
            "a guest without an email is counted by device"
        );
        assert!(
            alias_keys("acct", &ids("", "d1")).is_empty(),
            "an account without email: its id"
        );
        let guest = Order {
            device_fingerprint: "d1".into(),
            ..Order::default()
        };
        assert!(identified(&guest));
        assert!(!identified(&Order::default()));
    }
}
