//! Who a customer is, beyond how they spelled it: an email address reduced
//! to the mailbox it delivers to, by its provider's rules, so that
//! `J.Doe+promo@googlemail.com` and `jdoe@gmail.com` count as one person
//! against a per-customer limit; and whether its domain hands out
//! throwaway addresses.

/// A provider's rules for the local part (before the `@`).
struct Provider {
    domains: &'static [&'static str],
    /// The domain every alias stands for.
    canonical: &'static str,
    /// Dots in the local part are ignored.
    dots_ignored: bool,
    /// What starts a tag that delivers to the same mailbox.
    tag_separator: Option<char>,
}

/// The providers whose aliasing rules are documented by the provider. An
/// address at any other domain is only trimmed and lower-cased: its `+` may
/// be significant there.
const PROVIDERS: &[Provider] = &[
    Provider {
        domains: &["gmail.com", "googlemail.com"],
        canonical: "gmail.com",
        dots_ignored: true,
        tag_separator: Some('+'),
    },
    Provider {
        domains: &["outlook.com", "hotmail.com", "live.com", "msn.com"],
        canonical: "",
        dots_ignored: false,
        tag_separator: Some('+'),
    },
    Provider {
        domains: &["icloud.com", "me.com", "mac.com"],
        canonical: "icloud.com",
        dots_ignored: false,
        tag_separator: Some('+'),
    },
    Provider {
        domains: &["proton.me", "protonmail.com", "pm.me"],
        canonical: "proton.me",
        dots_ignored: false,
        tag_separator: Some('+'),
    },
    Provider {
        domains: &["fastmail.com", "fastmail.fm"],
        canonical: "",
        dots_ignored: false,
        tag_separator: Some('+'),
    },
    Provider {
        domains: &["yahoo.com"],
        canonical: "",
        dots_ignored: false,
        // Yahoo's disposable addresses are base-keyword@yahoo.com.
        tag_separator: Some('-'),
    },
];

/// The mailbox an address delivers to, lower-cased, or None if it is not
/// an address (no `@`, or an empty side).
pub fn normalize_email(address: &str) -> Option<String> {
    let address = address.trim().to_ascii_lowercase();
    let (local, domain) = address.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let Some(provider) = PROVIDERS.iter().find(|p| p.domains.contains(&domain)) else {
        return Some(format!("{local}@{domain}"));
    };
    let mut local = match provider.tag_separator {
        Some(separator) => local.split(separator).next().unwrap_or(local),
        None => local,
    }
    .to_string();
    if provider.dots_ignored {
        local.retain(|c| c != '.');
    }
    if local.is_empty() {
        return None;
    }
    let domain = if provider.canonical.is_empty() {
        domain
    } else {
        provider.canonical
    };
    Some(format!("{local}@{domain}"))
}

/// Domains that hand out throwaway addresses: the list shipped with the
/// binary (`disposable_domains.txt`, one domain a line, `#` comments).
pub const SHIPPED_DISPOSABLE_DOMAINS: &str = include_str!("disposable_domains.txt");

/// The domains of a list in the shipped file's format.
pub fn parse_domain_list(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
}

/// Whether `address`'s domain, or a domain it is under, is in `is_listed`.
pub fn is_disposable(address: &str, is_listed: impl Fn(&str) -> bool) -> bool {
    let Some((_, domain)) = address.trim().rsplit_once('@') else {
        return false;
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut rest = domain.as_str();
    loop {
        if is_listed(rest) {
            return true;
        }
        match rest.split_once('.') {
            // Stop before a bare top-level domain.
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn aliases_of_one_mailbox_normalize_alike() {
        let cases = [
            ("J.Doe+promo@GoogleMail.com", Some("jdoe@gmail.com")),
            ("jdoe@gmail.com", Some("jdoe@gmail.com")),
            ("j.d.o.e@gmail.com.", Some("jdoe@gmail.com")),
            (" jane+shop@outlook.com ", Some("jane@outlook.com")),
            ("jane+shop@hotmail.com", Some("jane@hotmail.com")),
            ("jane.x@outlook.com", Some("jane.x@outlook.com")),
            ("amy+a@me.com", Some("amy@icloud.com")),
            ("bob+x@pm.me", Some("bob@proton.me")),
            ("sam-coupons@yahoo.com", Some("sam@yahoo.com")),
            // Elsewhere + may be significant: kept.
            ("pat+ops@example.com", Some("pat+ops@example.com")),
            ("P.At@Example.COM", Some("p.at@example.com")),
            ("not-an-address", None),
            ("@gmail.com", None),
            ("+tag@gmail.com", None),
            ("x@", None),
        ];
        for (address, expected) in cases {
            assert_eq!(normalize_email(address).as_deref(), expected, "{address}");
        }
    }

    #[test]
    fn disposable_domains_and_their_subdomains() {
        let list: HashSet<&str> = parse_domain_list(SHIPPED_DISPOSABLE_DOMAINS).collect();
        assert!(
            list.len() >= 100,
            "the shipped list has {} domains",
            list.len()
        );
        let listed = |d: &str| list.contains(d);
        assert!(is_disposable("a@mailinator.com", listed));
        assert!(is_disposable("a@X.Mailinator.com", listed));
        assert!(is_disposable("a@yopmail.com", listed));
        assert!(!is_disposable("a@gmail.com", listed));
        assert!(!is_disposable("a@com", listed));
        assert!(!is_disposable("no-at-sign", listed));
    }
}
