//! TLS on the client port (rustls): the server's certificate and key, the CA
//! that client certificates (and the other nodes' certificates) must chain
//! to, and which certificate names get which role. Loaded with the other
//! credentials, at start and on SIGHUP; a connection takes the configuration
//! in force when it is accepted and keeps it.
//!
//! One port serves both: a connection whose first byte is 0x16 (a TLS
//! handshake record) is TLS; any other first byte is plaintext, which a
//! server with a certificate accepts only from loopback (and only with
//! `--plaintext-loopback true`, the default).

use std::path::PathBuf;
use std::sync::Arc;

use couponsd_client::tls::{provider, read_certs, read_key, read_roots, TlsFileError};
use couponsd_client::TlsOptions;
use rustls::pki_types::CertificateDer;
use rustls::server::WebPkiClientVerifier;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::auth::{Principal, Role};

/// The first byte of a TLS connection: a handshake record.
pub const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// Where the TLS material is, and what the operator decided about it.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The server's certificate chain (PEM), leaf first.
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// CA certificates (PEM): client certificates must chain to one (mutual
    /// TLS, optional for a client), and so must the other nodes' server
    /// certificates when this node connects to them.
    pub ca: Option<PathBuf>,
}

/// A certificate name given a role: `--client-cert-role redeem:checkout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertRole {
    pub role: Role,
    /// A subject common name or a DNS subject alternative name, exactly.
    pub name: String,
}

impl std::str::FromStr for CertRole {
    type Err = String;
    fn from_str(s: &str) -> Result<CertRole, String> {
        let (role, name) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: expected ROLE:NAME"))?;
        let role =
            Role::parse(role).ok_or_else(|| format!("{role:?}: not read, redeem or admin"))?;
        if name.is_empty() {
            return Err(format!("{s:?}: the certificate name is empty"));
        }
        Ok(CertRole {
            role,
            name: name.to_string(),
        })
    }
}

/// TLS in force.
pub struct ServerTls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    /// How this node connects to the others (with its own certificate as a
    /// client certificate); none without a CA to check theirs against.
    pub peer: Option<TlsOptions>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("peer", &self.peer.is_some())
            .finish_non_exhaustive()
    }
}

impl TlsFiles {
    pub fn load(&self) -> Result<ServerTls, TlsFileError> {
        let chain = read_certs(&self.cert)?;
        let key = read_key(&self.key)?;
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?;
        let builder = match &self.ca {
            Some(ca) => {
                // A client may come without a certificate and use a token.
                let verifier = WebPkiClientVerifier::builder_with_provider(
                    Arc::new(read_roots(ca)?),
                    provider(),
                )
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsFileError::File {
                    path: ca.clone(),
                    why: e.to_string(),
                })?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let config = builder.with_single_cert(chain, key.clone_key())?;
        let peer = match &self.ca {
            Some(ca) => Some(TlsOptions::from_pem_files(
                ca,
                Some((&self.cert, &self.key)),
            )?),
            None => None,
        };
        Ok(ServerTls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            peer,
        })
    }
}

/// Who a verified client certificate says the peer is: the first
/// `--client-cert-role` whose name is the certificate's common name or one
/// of its DNS names. None: no certificate, or none of its names has a role.
pub fn principal_of(certs: Option<&[CertificateDer<'_>]>, roles: &[CertRole]) -> Option<Principal> {
    let leaf = certs?.first()?;
    let (_, cert) = X509Certificate::from_der(leaf.as_ref()).ok()?;
    let mut names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok().map(str::to_string))
        .collect();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            if let GeneralName::DNSName(dns) = name {
                names.push(dns.to_string());
            }
        }
    }
    roles
        .iter()
        .find(|r| names.contains(&r.name))
        .map(|r| Principal {
            role: r.role,
            name: format!("cert:{}", r.name),
            credential: format!("cert:{}", r.name),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cert_role_is_a_role_and_a_name() {
        assert_eq!(
            "redeem:checkout.internal".parse(),
            Ok(CertRole {
                role: Role::Redeem,
                name: "checkout.internal".into()
            })
        );
        assert!("checkout".parse::<CertRole>().is_err());
        assert!("owner:checkout".parse::<CertRole>().is_err());
        assert!("read:".parse::<CertRole>().is_err());
    }
}
