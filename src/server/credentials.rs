//! Secrets the server reads from files, never from its command line (which
//! `ps` shows): the tokens it accepts, the token it presents to the other
//! nodes, and its TLS certificate, key and CA. Loaded at start (a bad file stops the start) and again on SIGHUP
//! (a bad file is logged and the old secrets stay). Connections already
//! authenticated stay; the next HELLO meets the new secrets.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio_util::sync::CancellationToken;

use couponsd_client::tls::TlsFileError;

use super::tls::{ServerTls, TlsFiles};
use super::tokens::{self, TokenFileError, Tokens};
use crate::cluster::PeerAuth;

/// A credential file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{0}")]
    Tokens(#[from] TokenFileError),
    #[error("{0}")]
    Tls(#[from] TlsFileError),
}

/// Where the secrets are.
#[derive(Debug, Clone, Default)]
pub struct CredentialFiles {
    /// `role:secret` a line; none: protected mode (loopback clients only).
    pub token_file: Option<PathBuf>,
    /// The secret this node presents to the other nodes.
    pub peer_token_file: Option<PathBuf>,
    /// Certificate, key and CA; none: plaintext only.
    pub tls: Option<TlsFiles>,
}

/// The secrets in force.
#[derive(Debug)]
pub struct Credentials {
    pub tokens: Tokens,
    pub tls: Option<Arc<ServerTls>>,
    pub peer: PeerAuth,
}

impl CredentialFiles {
    pub fn load(&self) -> Result<Credentials, CredentialError> {
        let tokens = match &self.token_file {
            Some(path) => Tokens::load(path)?,
            None => Tokens::none(),
        };
        let token = match &self.peer_token_file {
            Some(path) => tokens::load_peer_token(path)?,
            None => String::new(),
        };
        let tls = match &self.tls {
            Some(files) => Some(Arc::new(files.load()?)),
            None => None,
        };
        let peer = PeerAuth {
            token,
            tls: tls.as_ref().and_then(|t| t.peer.clone()),
        };
        Ok(Credentials { tokens, tls, peer })
    }
}

/// Where loaded secrets go: the connections' and the cluster's.
pub struct CredentialCells {
    pub server: ArcSwap<Credentials>,
    pub peer: Arc<ArcSwap<PeerAuth>>,
}

impl CredentialCells {
    pub fn new(credentials: Credentials) -> CredentialCells {
        CredentialCells {
            peer: Arc::new(ArcSwap::from_pointee(credentials.peer.clone())),
            server: ArcSwap::from_pointee(credentials),
        }
    }

    fn store(&self, credentials: Credentials) {
        self.peer.store(Arc::new(credentials.peer.clone()));
        self.server.store(Arc::new(credentials));
    }
}

/// Reloads every credential file on SIGHUP until shutdown.
pub async fn reload_on_sighup(
    files: CredentialFiles,
    cells: Arc<CredentialCells>,
    shutdown: CancellationToken,
) {
    let mut hangup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP: credentials will not reload");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = hangup.recv() => {}
        }
        match files.load() {
            Ok(credentials) => {
                tracing::info!(
                    tokens = credentials.tokens.len(),
                    tls = credentials.tls.is_some(),
                    "SIGHUP: credentials reloaded"
                );
                cells.store(credentials);
            }
            Err(e) => {
                tracing::error!(error = %e, "SIGHUP: credentials not reloaded; the previous ones stay")
            }
        }
    }
}
