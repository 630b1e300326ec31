//! Roles, what each may do (an exhaustive table), and who a connection is.

use std::net::IpAddr;

use couponsd_client::wire::opcode;

use super::tokens::Tokens;

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

    /// The least role an opcode needs; None for a number that is no opcode.
    /// Every opcode is named here (a test checks `opcode::ALL`), so a new one
    /// cannot slip through with a default.
    pub fn required_for(op: u16) -> Option<Role> {
        Some(match op {
            opcode::HELLO
            | opcode::PING
            | opcode::SERVER_INFO
            | opcode::COUPON_GET
            | opcode::COUPON_LIST
            | opcode::VALIDATE
            | opcode::REDEMPTION_GET
            | opcode::REDEMPTION_LIST
            | opcode::REVERSAL_LIST
            | opcode::CLUSTER_STATUS
            | opcode::CAMPAIGN_GET
            | opcode::CAMPAIGN_LIST
            | opcode::FRAUD_MODEL
            | opcode::FRAUD_REPORT
            | opcode::ORDER_VALIDATE
            | opcode::QUALIFY
            | opcode::EVENTS_SUBSCRIBE
            | opcode::ANALYTICS_COUPON
            | opcode::ANALYTICS_CAMPAIGN
            | opcode::ANALYTICS_OVERVIEW => Role::Read,
            opcode::REDEEM
            | opcode::RESERVE
            | opcode::CONFIRM
            | opcode::RELEASE
            | opcode::REVERSE
            | opcode::ORDER_REDEEM
            | opcode::ORDER_RESERVE
            | opcode::ORDER_CONFIRM
            | opcode::ORDER_RELEASE
            | opcode::ORDER_REVERSE => Role::Redeem,
            opcode::COUPON_CREATE
            | opcode::COUPON_UPDATE
            | opcode::COUPON_DELETE
            | opcode::RAFT_APPEND
            | opcode::RAFT_VOTE
            | opcode::RAFT_SNAPSHOT_BEGIN
            | opcode::RAFT_SNAPSHOT_PART
            | opcode::RAFT_SNAPSHOT_END
            | opcode::VIEWS_FORWARD
            | opcode::CLUSTER_ADD
            | opcode::CLUSTER_REMOVE
            | opcode::CAMPAIGN_CREATE
            | opcode::CAMPAIGN_UPDATE
            | opcode::CAMPAIGN_SET_STATUS
            | opcode::CAMPAIGN_GENERATE
            | opcode::CAMPAIGN_DELETE
            // Makes codes, and answers with them (bearer secrets).
            | opcode::CAMPAIGN_ASSIGN
            // Makes codes and sends them; lists them (bearer secrets) with
            // customers' addresses; marks deliveries.
            | opcode::CAMPAIGN_DISTRIBUTE
            | opcode::DISTRIBUTION_STATUS
            | opcode::DISTRIBUTION_REPORT
            // Teaches the model every node scores with.
            | opcode::FRAUD_OUTCOME
            // Generated codes are bearer secrets: exporting them is an admin's job.
            | opcode::CAMPAIGN_CODES
            // A scan of the whole store: an operator's tool, not a client's.
            | opcode::DIGEST
            // A copy of everything the node stores, secrets and all.
            | opcode::BACKUP_BEGIN
            | opcode::BACKUP_PART
            | opcode::BACKUP_END
            | opcode::BACKUP_ABORT
            // Where every change is sent, and how it is signed.
            | opcode::WEBHOOK_ADD
            | opcode::WEBHOOK_LIST
            | opcode::WEBHOOK_REMOVE
            | opcode::WEBHOOK_ENABLE
            | opcode::WEBHOOK_DELIVERIES => Role::Admin,
            _ => return None,
        })
    }
}

/// Who is on a connection after HELLO.
#[derive(Debug, Clone)]
pub struct Principal {
    pub role: Role,
    /// Recorded as `created_by`.
    pub name: String,
    /// Which credential this is, for the guessing limits: each token (by
    /// its place in the file), each certificate name, or loopback.
    pub credential: String,
}

/// A principal on one connection: who, and from where (the guessing
/// limits count each connection, `name@address`; an IPv6 address by its
/// /64, the smallest block one subscriber is usually given, so that one
/// holder cannot count afresh from each of its addresses).
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub connection: String,
}

impl Caller {
    pub fn new(principal: Principal, peer: IpAddr) -> Caller {
        let connection = format!(
            "{}@{}",
            principal.credential,
            super::guessing::address_block(peer)
        );
        Caller {
            principal,
            connection,
        }
    }
}

#[derive(Debug)]
pub enum Denied {
    /// No tokens are configured and the peer is not on loopback.
    ProtectedMode,
    BadToken,
}

/// Checks a HELLO's token. With no tokens configured, loopback peers are let
/// in as admin and everyone else is refused (like Redis's protected mode).
pub fn authenticate(
    tokens: &Tokens,
    presented: &str,
    certified: Option<Principal>,
    peer: IpAddr,
) -> Result<Principal, Denied> {
    // A certificate with a role stands for a token; a token given is checked.
    if let (Some(principal), true) = (certified, presented.is_empty()) {
        return Ok(principal);
    }
    if tokens.is_empty() {
        return if is_loopback(peer) {
            Ok(Principal {
                role: Role::Admin,
                name: "loopback".into(),
                credential: "loopback".into(),
            })
        } else {
            Err(Denied::ProtectedMode)
        };
    }
    tokens
        .role_of(presented)
        .map(|(role, index)| Principal {
            role,
            name: format!("token:{}", role.name()),
            credential: format!("token#{index}"),
        })
        .ok_or(Denied::BadToken)
}

/// to_canonical: an IPv4 client of a dual-stack listener shows up as ::ffff:127.0.0.1.
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> (tempfile::TempDir, Tokens) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tokens");
        std::fs::write(&path, text).expect("writing tokens");
        let tokens = Tokens::load(&path).expect("valid tokens");
        (dir, tokens)
    }

    #[test]
    fn roles_and_protected_mode() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(authenticate(&Tokens::none(), "", None, local).is_ok());
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert!(authenticate(&Tokens::none(), "", None, mapped).is_ok());
        assert!(matches!(
            authenticate(&Tokens::none(), "", None, remote),
            Err(Denied::ProtectedMode)
        ));
        let (_dir, tokens) = tokens("admin:aaaaaaaa\nread:rrrrrrrr\n");
        assert_eq!(
            authenticate(&tokens, "rrrrrrrr", None, remote)
                .unwrap()
                .role,
            Role::Read
        );
        assert!(matches!(
            authenticate(&tokens, "", None, local),
            Err(Denied::BadToken)
        ));
        let checkout = Principal {
            role: Role::Redeem,
            name: "cert:checkout".into(),
            credential: "cert:checkout".into(),
        };
        assert_eq!(
            authenticate(&tokens, "", Some(checkout.clone()), remote)
                .unwrap()
                .role,
            Role::Redeem,
            "a certificate's role stands for a token"
        );
        assert!(
            matches!(
                authenticate(&tokens, "wrong-token", Some(checkout), remote),
                Err(Denied::BadToken)
            ),
            "a token given is checked, certificate or not"
        );
    }

    #[test]
    fn every_opcode_has_a_role_and_nothing_else_does() {
        for &op in opcode::ALL {
            assert!(Role::required_for(op).is_some(), "0x{op:04x}");
        }
        let named = (0..=u16::MAX)
            .filter(|op| Role::required_for(*op).is_some())
            .count();
        assert_eq!(named, opcode::ALL.len());
        assert_eq!(Role::required_for(opcode::REDEEM), Some(Role::Redeem));
        assert_eq!(Role::required_for(opcode::DIGEST), Some(Role::Admin));
        assert_eq!(Role::required_for(opcode::VALIDATE), Some(Role::Read));
    }
}
