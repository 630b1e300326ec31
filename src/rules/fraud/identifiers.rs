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

/// The coupon's use limits that apply to these identifiers: (identifier,
/// key string, most active uses).
pub fn limited(spec: &CouponSpec, ids: &OrderIdentifiers) -> Vec<(Identifier, String, u32)> {
    spec.identifier_limits
        .iter()
        .filter_map(|l| {
            let max = l.max_uses?;
            Some((l.identifier, key_string(l.identifier, ids)?, max))
        })
        .collect()
}

/// Refused, naming the first identifier whose active uses reached its limit.
pub fn check(uses: &[(Identifier, u64, u32)]) -> Result<(), Refusal> {
    match uses.iter().find(|(_, used, max)| *used >= u64::from(*max)) {
        Some((identifier, _, _)) => Err(Refusal::IdentifierLimit(*identifier)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use couponsd_client::wire::IdentifierLimit;

    #[test]
    fn each_identifier_is_keyed_and_limited() {
        let spec = CouponSpec {
            identifier_limits: vec![
                IdentifierLimit {
                    identifier: Identifier::Payment,
                    max_uses: Some(1),
                    max_discount_amount: None,
                },
                IdentifierLimit {
                    identifier: Identifier::Email,
                    max_uses: Some(2),
                    max_discount_amount: None,
                },
            ],
            ..CouponSpec::default()
        };
        let ids = OrderIdentifiers {
            customer_email: "J.Doe+promo@gmail.com".into(),
            payment_fingerprint: "card-1".into(),
            ..OrderIdentifiers::default()
        };
        let limited = limited(&spec, &ids);
        assert_eq!(
            limited,
            vec![
                (Identifier::Payment, "payment\0card-1".to_string(), 1),
                (Identifier::Email, "email\0jdoe@gmail.com".to_string(), 2),
            ]
        );
        let no_card = OrderIdentifiers {
            payment_fingerprint: " ".into(),
            ..ids.clone()
        };
        assert_eq!(
            super::limited(&spec, &no_card).len(),
            1,
            "an empty card is not counted"
        );
        assert_eq!(
            check(&[(Identifier::Payment, 0, 1), (Identifier::Email, 1, 2)]),
            Ok(())
        );
        assert_eq!(
            check(&[(Identifier::Payment, 1, 1), (Identifier::Email, 2, 2)]),
            Err(Refusal::IdentifierLimit(Identifier::Payment))
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
