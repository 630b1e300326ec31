use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::credentials::CredentialFiles;
use super::guessing::GuessLimits;
use super::http::HttpConfig;
use super::tls::CertRole;
use super::webhooks::WebhookConfig;
use crate::cluster::ClusterConfig;
use crate::writer::WriterConfig;

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// Token and TLS files, read at start and on SIGHUP.
    pub credentials: CredentialFiles,
    /// Roles given by client certificate names (mutual TLS).
    pub client_cert_roles: Vec<CertRole>,
    /// With TLS configured, whether loopback clients may still speak
    /// plaintext (remote ones never may).
    pub plaintext_loopback: bool,
    pub max_connections: usize,
    /// Requests one connection may have in flight; more wait (TCP backpressure).
    pub max_in_flight: usize,
    pub max_frame_length: u32,
    /// A connection with nothing in flight that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Time allowed for HELLO after connecting.
    pub handshake_timeout: Duration,
    /// Time allowed for a frame from its first byte to its last.
    pub frame_timeout: Duration,
    /// Connections one address may hold before their HELLO.
    pub max_unauthenticated_per_address: u32,
    /// Encoded replies one connection may hold unwritten before the server
    /// stops reading it.
    pub max_unread_reply_bytes: usize,
    /// The same over every connection: past it, connections holding any
    /// unwritten reply stop being read.
    pub max_unread_reply_bytes_total: usize,
    /// Unknown codes a client may try (see `guessing`).
    pub guess_limits: GuessLimits,
    /// A peer that does not take its replies for this long is disconnected.
    pub write_timeout: Duration,
    /// How often PENDING holds past their TTL are given back.
    pub hold_sweep_interval: Duration,
    /// How often the leader sweeps a few parts of the velocity windows,
    /// seen sets and code rates (`writer::sweep`).
    pub window_sweep_interval: Duration,
    /// How long shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
    /// See `Store::quick_repair`.
    pub quick_repair: bool,
    pub writer: WriterConfig,
    /// How webhooks are delivered (`server::webhooks`).
    pub webhooks: WebhookConfig,
    /// How the distribution sender sends (`server::sender`).
    pub distribution: crate::distribution::DistributionConfig,
    /// This node's place in its cluster (one node alone by default).
    pub cluster: ClusterConfig,
    /// The operations listener (`--http-listen`): off when None.
    pub http: Option<HttpConfig>,
}

impl ServerConfig {
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            listen,
            data_dir,
            credentials: CredentialFiles::default(),
            client_cert_roles: Vec::new(),
            plaintext_loopback: true,
            max_connections: 1024,
            max_in_flight: 256,
            max_frame_length: couponsd_client::wire::MAX_FRAME_LENGTH,
            idle_timeout: Duration::from_secs(300),
            handshake_timeout: Duration::from_secs(5),
            frame_timeout: Duration::from_secs(10),
            max_unauthenticated_per_address: 32,
            max_unread_reply_bytes: 2 << 20,
            max_unread_reply_bytes_total: 256 << 20,
            guess_limits: GuessLimits::default(),
            write_timeout: Duration::from_secs(30),
            hold_sweep_interval: Duration::from_millis(500),
            window_sweep_interval: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
            quick_repair: true,
            writer: WriterConfig::default(),
            webhooks: WebhookConfig::default(),
            distribution: crate::distribution::DistributionConfig::default(),
            cluster: ClusterConfig::single(listen.to_string()),
            http: None,
        }
    }
}
