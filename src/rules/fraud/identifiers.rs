//! Limits per identifier (CouponSpec `identifier_limits`): how many active
//! uses of a coupon one mailbox, device, IP address or payment card may
//! hold. Each identifier is keyed as velocity keys it (`velocity`: a
//! mailbox by provider rules, an address however spelled), the payment
//! fingerprint as sent, each prefixed with its kind.

use couponsd_client::wire::{CouponSpec, Identifier, Order, OrderIdentifiers};

use super::velocity;
use crate::error::Refusal;

/// The identifiers of an order, as a redemption keeps them.
pub fn of_order(order: &Order) -> OrderIdentifiers {
    OrderIdentifiers {
        customer_email: order.customer_email.clone(),
        ip_address: order.ip_address.clone(),
        device_fingerprint: order.device_fingerprint.clone(),
        payment_fingerprint: order.payment_fingerprint.clone(),
    }
}

/// The string an identifier's uses are keyed by; None when the order has
/// no value for it (it is then not counted).
pub fn key_string(identifier: Identifier, ids: &OrderIdentifiers) -> Option<String> {
    match identifier {
        Identifier::Email => velocity::email_key(&ids.customer_email),
        Identifier::Device => velocity::device_key(&ids.device_fingerprint),
        Identifier::Ip => velocity::ip_key(&ids.ip_address),
        Identifier::Payment => {
            let card = ids.payment_fingerprint.trim();
            (!card.is_empty()).then(|| format!("payment\0{card}"))
        }
    }
}

/// A redemption's `counted` bit for an identifier limit: 4, 8, 16, 32.
pub fn bit(identifier: Identifier) -> u8 {
    1 << (1 + identifier.as_u8())
}

/// One of the coupon's identifier limits that applies to an order: the
/// keys its active uses and their discount are counted under, and the
/// limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited<K> {
    pub identifier: Identifier,
    pub uses_key: K,
    pub discount_key: K,
    pub max_uses: Option<u32>,
    pub max_discount_amount: Option<i64>,
}

/// The key string an identifier's active discount is counted under.
pub fn discount_key_string(key: &str) -> String {
    format!("discount\0{key}")
}

/// The coupon's identifier limits that apply to these identifiers (those
/// the order has a value for), keyed by `key_of`.
pub fn limited<K>(
    spec: &CouponSpec,
    ids: &OrderIdentifiers,
    key_of: impl Fn(&str) -> K,
) -> Vec<Limited<K>> {
    spec.identifier_limits
        .iter()
        .filter_map(|l| {
            let key = key_string(l.identifier, ids)?;
            Some(Limited {
                identifier: l.identifier,
                uses_key: key_of(&key),
                discount_key: key_of(&discount_key_string(&key)),
                max_uses: l.max_uses,
                max_discount_amount: l.max_discount_amount,
            })
        })
        .collect()
}

/// Refused, naming the first identifier whose active uses reached its
/// limit, or whose active discount plus `discount` would pass it; the
/// counts are read by `counter` (the committed state for VALIDATE, the
/// decider's draft for REDEEM and RESERVE).
pub fn check<K: Copy>(
    limited: &[Limited<K>],
    counter: impl Fn(K) -> u64,
    discount: i64,
) -> Result<(), Refusal> {
    for l in limited {
        let uses_full = l
            .max_uses
            .is_some_and(|max| counter(l.uses_key) >= u64::from(max));
        let discount_full = l.max_discount_amount.is_some_and(|max| {
            let taken = i64::try_from(counter(l.discount_key)).unwrap_or(i64::MAX);
            taken.saturating_add(discount) > max
        });
        if uses_full || discount_full {
            return Err(Refusal::IdentifierLimit(l.identifier));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use couponsd_client::wire::IdentifierLimit;

    #[test]
    fn each_identifier_is_keyed_and_limited() {
        let limit = |identifier, max_uses, max_discount_amount| IdentifierLimit {
            identifier,
            max_uses,
            max_discount_amount,
        };
        let spec = CouponSpec {
            identifier_limits: vec![
                limit(Identifier::Payment, Some(1), None),
                limit(Identifier::Email, None, Some(5_000)),
            ],
            ..CouponSpec::default()
        };
        let ids = OrderIdentifiers {
            customer_email: "J.Doe+promo@gmail.com".into(),
            payment_fingerprint: "card-1".into(),
            ..OrderIdentifiers::default()
        };
        let limited = limited(&spec, &ids, str::to_string);
        assert_eq!(limited.len(), 2);
        assert_eq!(limited[0].uses_key, "payment\u{0}card-1");
        assert_eq!(limited[1].uses_key, "email\u{0}jdoe@gmail.com");
        assert_eq!(
            limited[1].discount_key,
            "discount\u{0}email\u{0}jdoe@gmail.com"
        );
        let no_card = OrderIdentifiers {
            payment_fingerprint: " ".into(),
            ..ids.clone()
        };
        assert_eq!(
            super::limited(&spec, &no_card, str::to_string).len(),
            1,
            "an empty card is not counted"
        );
        let counts = |card_uses: u64, email_discount: u64| {
            move |key: &str| match key {
                k if k.starts_with("payment") => card_uses,
                k if k.starts_with("discount") => email_discount,
                _ => 0,
            }
        };
        let refs: Vec<Limited<&str>> = limited
            .iter()
            .map(|l| Limited {
                identifier: l.identifier,
                uses_key: l.uses_key.as_str(),
                discount_key: l.discount_key.as_str(),
                max_uses: l.max_uses,
                max_discount_amount: l.max_discount_amount,
            })
            .collect();
        assert_eq!(check(&refs, counts(0, 4_000), 1_000), Ok(()));
        assert_eq!(
            check(&refs, counts(1, 0), 1_000),
            Err(Refusal::IdentifierLimit(Identifier::Payment))
        );
        assert_eq!(
            check(&refs, counts(0, 4_001), 1_000),
            Err(Refusal::IdentifierLimit(Identifier::Email)),
            "the discount would pass 50.00"
        );
        assert_eq!(
            key_string(
                Identifier::Ip,
                &OrderIdentifiers {
                    ip_address: "::ffff:192.0.2.1".into(),
                    ..OrderIdentifiers::default()
                }
            ),
            Some("ip\u{0}192.0.2.1".to_string())
        );
    }
}
