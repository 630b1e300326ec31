//! Tokens, roles and what each role may do.

use std::net::IpAddr;

use couponsd_client::wire::opcode;

/// What a token may do. Each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Validate, get and list.
    Read,
    /// Read, plus redeem, reserve, confirm, release and reverse: a checkout service.
    Redeem,
    /// Everything, including creating, changing and deleting coupons.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "read" => Some(Role::Read),
            "redeem" => Some(Role::Redeem),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Redeem => "redeem",
            Role::Admin => "admin",
        }
    }

    /// The least role an opcode needs.
    pub fn required_for(op: u16) -> Role {
        match op {
            opcode::COUPON_CREATE
            | opcode::COUPON_UPDATE
            | opcode::COUPON_DELETE
            | opcode::RAFT_APPEND
            | opcode::RAFT_VOTE
            | opcode::RAFT_SNAPSHOT_BEGIN
            | opcode::RAFT_SNAPSHOT_PART
            | opcode::RAFT_SNAPSHOT_END
            | opcode::CLUSTER_ADD
            | opcode::CLUSTER_REMOVE
            | opcode::CAMPAIGN_CREATE
            | opcode::CAMPAIGN_UPDATE
            | opcode::CAMPAIGN_SET_STATUS
            | opcode::CAMPAIGN_GENERATE
            | opcode::CAMPAIGN_DELETE
            // Generated codes are bearer secrets: exporting them is an admin's job.
            | opcode::CAMPAIGN_CODES => Role::Admin,
            opcode::REDEEM
            | opcode::RESERVE
            | opcode::CONFIRM
            | opcode::RELEASE
            | opcode::REVERSE => Role::Redeem,
            _ => Role::Read,
        }
    }
}

#[derive(Clone)]
pub struct Token {
    pub role: Role,
    pub secret: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({}, <redacted>)", self.role.name())
    }
}

impl std::str::FromStr for Token {
    type Err = String;
    /// `ROLE:SECRET`, e.g. `redeem:s3cret`.
    fn from_str(s: &str) -> Result<Token, String> {
        let (role, secret) = s
            .split_once(':')
            .ok_or_else(|| "a token is ROLE:SECRET, e.g. redeem:s3cret".to_string())?;
        let role = Role::parse(role)
            .ok_or_else(|| format!("unknown role {role:?}: admin, redeem or read"))?;
        if secret.len() < 8 {
            return Err("a token secret has at least 8 characters".into());
        }
        Ok(Token {
            role,
            secret: secret.into(),
        })
    }
}

/// Who is on a connection after HELLO.
#[derive(Debug, Clone)]
pub struct Principal {
    pub role: Role,
    /// Recorded as `created_by`.
    pub name: String,
}

#[derive(Debug)]
pub enum Denied {
    /// No tokens are configured and the peer is not on loopback.
    ProtectedMode,
    BadToken,
}

/// Checks a HELLO's token. With no tokens configured, loopback peers are let
/// in as admin and everyone else is refused (like Redis's protected mode).
pub fn authenticate(tokens: &[Token], presented: &str, peer: IpAddr) -> Result<Principal, Denied> {
    if tokens.is_empty() {
        // to_canonical: an IPv4 client of a dual-stack listener shows up as ::ffff:127.0.0.1.
        return if peer.to_canonical().is_loopback() {
            Ok(Principal {
                role: Role::Admin,
                name: "loopback".into(),
            })
        } else {
            Err(Denied::ProtectedMode)
        };
    }
    // Compare against every token in full so timing says nothing about which matched.
    let mut found = None;
    for t in tokens {
        if constant_time_eq(t.secret.as_bytes(), presented.as_bytes()) {
            found = Some(t.role);
        }
    }
    found
        .map(|role| Principal {
            role,
            name: format!("token:{}", role.name()),
        })
        .ok_or(Denied::BadToken)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_protected_mode() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(authenticate(&[], "", local).is_ok());
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(authenticate(&[], "", mapped).is_ok());
        assert!(matches!(
            authenticate(&[], "", remote),
            Err(Denied::ProtectedMode)
        ));
        let tokens: Vec<Token> = vec![
            "admin:aaaaaaaa".parse().unwrap(),
            "read:rrrrrrrr".parse().unwrap(),
        ];
        assert_eq!(
            authenticate(&tokens, "rrrrrrrr", remote).unwrap().role,
            Role::Read
        );
        assert!(matches!(
            authenticate(&tokens, "", local),
            Err(Denied::BadToken)
        ));
        assert!(Role::Read < Role::required_for(opcode::REDEEM));
        assert!("redeem:short".parse::<Token>().is_err());
        assert!("boss:longenough".parse::<Token>().is_err());
    }
}
