//! A coupon's `ip_restrictions`: entries `allow:CIDR` and `deny:CIDR` (a
//! bare CIDR or address means allow; IPv4 or IPv6; an address alone is
//! one host). A deny entry that matches refuses; with any allow entry, an
//! address must match one; with none, everything not denied is allowed.

use std::net::IpAddr;

use ipnet::IpNet;

/// The parsed entries of one coupon.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpRules {
    allow: Vec<IpNet>,
    deny: Vec<IpNet>,
}

/// What the rules say of an order's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpVerdict {
    Allowed,
    /// A deny entry matched (the entry as written).
    Denied(String),
    /// There are allow entries and none matched.
    NotAllowed,
    /// There are rules and the order names no address (or no valid one).
    Missing,
}

impl IpRules {
    /// Parses every entry; the first that is not one names itself.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<IpRules, String> {
        let mut rules = IpRules::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (deny, net) = match entry.split_once(':') {
                Some(("allow", net)) => (false, net),
                Some(("deny", net)) => (true, net),
                // An IPv6 address has colons of its own.
                _ => (false, entry),
            };
            let net = parse_net(net.trim()).ok_or_else(|| {
                format!("{entry:?} is not allow:CIDR, deny:CIDR, a CIDR or an address")
            })?;
            if deny {
                rules.deny.push(net);
            } else {
                rules.allow.push(net);
            }
        }
        Ok(rules)
    }

    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    /// The verdict on `address` as the order gave it (empty: none).
    pub fn check(&self, address: &str) -> IpVerdict {
        if self.is_empty() {
            return IpVerdict::Allowed;
        }
        let Ok(ip) = address.trim().parse::<IpAddr>() else {
            return IpVerdict::Missing;
        };
        let ip = ip.to_canonical();
        if let Some(net) = self.deny.iter().find(|n| n.contains(&ip)) {
            return IpVerdict::Denied(format!("deny:{net}"));
        }
        if self.allow.is_empty() || self.allow.iter().any(|n| n.contains(&ip)) {
            IpVerdict::Allowed
        } else {
            IpVerdict::NotAllowed
        }
    }
}

fn parse_net(text: &str) -> Option<IpNet> {
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<IpAddr>()
        .ok()
        .map(|ip| IpNet::from(ip.to_canonical()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_and_deny_lists_of_addresses_and_ranges() {
        let rules = IpRules::parse(&[
            "allow:10.0.0.0/8",
            "192.168.1.7",
            "deny:10.6.0.0/16",
            "allow:2001:db8::/32",
            "deny:2001:db8:bad::/48",
        ])
        .expect("valid rules");
        let cases = [
            ("10.1.2.3", IpVerdict::Allowed),
            ("192.168.1.7", IpVerdict::Allowed),
            ("::ffff:10.1.2.3", IpVerdict::Allowed),
            ("10.6.0.1", IpVerdict::Denied("deny:10.6.0.0/16".into())),
            ("192.168.1.8", IpVerdict::NotAllowed),
            ("2001:db8::1", IpVerdict::Allowed),
            (
                "2001:db8:bad::1",
                IpVerdict::Denied("deny:2001:db8:bad::/48".into()),
            ),
            ("2001:db9::1", IpVerdict::NotAllowed),
            ("", IpVerdict::Missing),
            ("not-an-ip", IpVerdict::Missing),
        ];
        for (ip, verdict) in cases {
            assert_eq!(rules.check(ip), verdict, "{ip}");
        }
    }

    #[test]
    fn deny_only_allows_the_rest_and_no_rules_allow_all() {
        let rules = IpRules::parse(&["deny:203.0.113.0/24"]).expect("valid");
        assert_eq!(rules.check("198.51.100.1"), IpVerdict::Allowed);
        assert!(matches!(rules.check("203.0.113.9"), IpVerdict::Denied(_)));
        assert_eq!(IpRules::default().check(""), IpVerdict::Allowed);
    }

    #[test]
    fn entries_that_are_not_rules_are_named() {
        let e = IpRules::parse(&["10.0.0.0/8", "deny:nonsense"]).expect_err("invalid");
        assert!(e.contains("deny:nonsense"), "{e}");
        assert!(IpRules::parse(&["10.0.0.0/33"]).is_err());
    }
}
