//! TLS for a connection (rustls, with the aws-lc-rs provider): what a client
//! trusts, the certificate it presents, and the name it expects. The nodes
//! of a cluster use the same to reach each other.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::error::ClientError;

/// How a client speaks TLS.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    pub config: Arc<rustls::ClientConfig>,
    /// The name the server's certificate must carry; none: the host part
    /// of the address connected to (a DNS name or an IP address).
    pub server_name: Option<String>,
}

/// A certificate or key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsFileError {
    #[error("{path}: {why}")]
    File { path: PathBuf, why: String },
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

impl TlsOptions {
    /// Trusting the CA certificates in the PEM file `ca` and, for mutual
    /// TLS, presenting the chain and key in `identity` (PEM files).
    pub fn from_pem_files(
        ca: &Path,
        identity: Option<(&Path, &Path)>,
    ) -> Result<TlsOptions, TlsFileError> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(read_roots(ca)?);
        let config = match identity {
            Some((cert, key)) => {
                builder.with_client_auth_cert(read_certs(cert)?, read_key(key)?)?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(TlsOptions {
            config: Arc::new(config),
            server_name: None,
        })
    }

    /// The TLS handshake over an open TCP connection to `addr`.
    pub(crate) async fn connect(
        &self,
        addr: &str,
        tcp: TcpStream,
    ) -> Result<TlsStream<TcpStream>, ClientError> {
        let name = match &self.server_name {
            Some(name) => name.as_str(),
            None => host_of(addr),
        };
        let name = ServerName::try_from(name.to_string())
            .map_err(|e| ClientError::Tls(format!("server name {name:?}: {e}")))?;
        tokio_rustls::TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| ClientError::Tls(e.to_string()))
    }
}

/// The crypto every TLS configuration of ours uses, named rather than left
/// to a process-wide default.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Every certificate in a PEM file (at least one).
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsFileError> {
    let file_error = |why: String| TlsFileError::File {
        path: path.into(),
        why,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(e.to_string()))?;
    if certs.is_empty() {
        return Err(file_error("no PEM certificate in the file".into()));
    }
    Ok(certs)
}

/// The CA certificates in a PEM file, as trust anchors.
pub fn read_roots(path: &Path) -> Result<rustls::RootCertStore, TlsFileError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in read_certs(path)? {
        roots.add(cert).map_err(|e| TlsFileError::File {
            path: path.into(),
            why: e.to_string(),
        })?;
    }
    Ok(roots)
}

/// The private key in a PEM file.
pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsFileError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsFileError::File {
        path: path.into(),
        why: e.to_string(),
    })
}

/// "host:port", "[v6]:port" or a bare host -> the host.
fn host_of(addr: &str) -> &str {
    if addr.parse::<std::net::IpAddr>().is_ok() {
        // A bare address, IPv6 colons and all.
        return addr;
    }
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match addr.rsplit_once(':') {
        Some((host, _port)) => host,
        None => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn the_host_of_an_address() {
        assert_eq!(host_of("127.0.0.1:7878"), "127.0.0.1");
        assert_eq!(host_of("db.example:7878"), "db.example");
        assert_eq!(host_of("[::1]:7878"), "::1");
        assert_eq!(host_of("db.example"), "db.example");
        assert_eq!(host_of("::1"), "::1");
    }
}
