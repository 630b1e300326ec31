//! The security settings a coupon enforces on the order alone (no history
//! needed): where it comes from (`ip_restrictions`), whether it names its
//! device (`device_fingerprinting`), whether the shop verified its email
//! (`require_email_verification`), and whether its email is a throwaway
//! (`block_suspicious_patterns`).

use std::collections::HashSet;
use std::sync::{LazyLock, OnceLock};

use couponsd_client::wire::{Order, SecuritySettings};

use super::identity::{is_disposable, parse_domain_list, SHIPPED_DISPOSABLE_DOMAINS};
use super::ip_rules::{IpRules, IpVerdict};
use crate::error::Refusal;

static DISPOSABLE_DOMAINS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| parse_domain_list(SHIPPED_DISPOSABLE_DOMAINS).collect());

/// Domains added to the shipped list at start (`serve --disposable-domains`),
/// set once before the server serves: every node should be given the same.
static ADDED_DISPOSABLE_DOMAINS: OnceLock<HashSet<String>> = OnceLock::new();

/// Adds the domains of a list in the shipped list's format (one a line, `#`
/// comments) to the disposable ones, once per process; the count added,
/// or None if domains were added already.
pub fn add_disposable_domains(list: &str) -> Option<usize> {
    let domains: HashSet<String> = parse_domain_list(list)
        .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
        .collect();
    let count = domains.len();
    ADDED_DISPOSABLE_DOMAINS.set(domains).ok().map(|()| count)
}

/// Whether an address is at a domain of the shipped disposable list, or of
/// the domains added at start.
pub fn is_disposable_email(address: &str) -> bool {
    let added = ADDED_DISPOSABLE_DOMAINS.get();
    is_disposable(address, |d| {
        DISPOSABLE_DOMAINS.contains(d) || added.is_some_and(|a| a.contains(d))
    })
}

pub fn check(settings: &SecuritySettings, order: &Order) -> Result<(), Refusal> {
    if !settings.ip_restrictions.is_empty() {
        // Restrictions that do not parse (stored before they were checked
        // at creation) refuse every address: a restriction fails closed.
        let verdict = IpRules::parse(&settings.ip_restrictions).map(|r| r.check(&order.ip_address));
        if verdict != Ok(IpVerdict::Allowed) {
            return Err(Refusal::IpNotAllowed);
        }
    }
    if settings.device_fingerprinting && order.device_fingerprint.trim().is_empty() {
        return Err(Refusal::DeviceFingerprintRequired);
    }
    if settings.block_suspicious_patterns && is_disposable_email(&order.customer_email) {
        return Err(Refusal::DisposableEmail);
    }
    if settings.require_email_verification
        && (order.customer_email.trim().is_empty() || !order.email_verified)
    {
        return Err(Refusal::EmailNotVerified);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(ip: &str, device: &str, email: &str) -> Order {
        Order {
            ip_address: ip.into(),
            device_fingerprint: device.into(),
            customer_email: email.into(),
            ..Order::default()
        }
    }

    #[test]
    fn each_setting_refuses_with_its_own_reason() {
        let none = SecuritySettings {
            block_suspicious_patterns: false,
            ..SecuritySettings::default()
        };
        assert_eq!(check(&none, &order("", "", "a@mailinator.com")), Ok(()));

        let ips = SecuritySettings {
            ip_restrictions: vec!["deny:203.0.113.0/24".into()],
            ..none.clone()
        };
        assert_eq!(check(&ips, &order("198.51.100.1", "", "")), Ok(()));
        assert_eq!(
            check(&ips, &order("203.0.113.5", "", "")),
            Err(Refusal::IpNotAllowed)
        );
        assert_eq!(check(&ips, &order("", "", "")), Err(Refusal::IpNotAllowed));
        let broken = SecuritySettings {
            ip_restrictions: vec!["not a range".into()],
            ..none.clone()
        };
        assert_eq!(
            check(&broken, &order("198.51.100.1", "", "")),
            Err(Refusal::IpNotAllowed),
            "fails closed"
        );

        let devices = SecuritySettings {
            device_fingerprinting: true,
            ..none.clone()
        };
        assert_eq!(
            check(&devices, &order("", " ", "")),
            Err(Refusal::DeviceFingerprintRequired)
        );
        assert_eq!(check(&devices, &order("", "fp-1", "")), Ok(()));

        let patterns = SecuritySettings::default();
        assert!(patterns.block_suspicious_patterns);
        assert_eq!(
            check(&patterns, &order("", "", "x@Sub.Mailinator.com")),
            Err(Refusal::DisposableEmail)
        );
        assert_eq!(check(&patterns, &order("", "", "x@gmail.com")), Ok(()));

        let verified = SecuritySettings {
            require_email_verification: true,
            ..none.clone()
        };
        assert_eq!(
            check(&verified, &order("", "", "x@gmail.com")),
            Err(Refusal::EmailNotVerified),
            "an email the order does not say was verified"
        );
        assert_eq!(
            check(&verified, &order("", "", "")),
            Err(Refusal::EmailNotVerified),
            "no email at all"
        );
        let told = Order {
            email_verified: true,
            ..order("", "", "x@gmail.com")
        };
        assert_eq!(check(&verified, &told), Ok(()));
        assert_eq!(check(&none, &order("", "", "x@gmail.com")), Ok(()));
    }
}
