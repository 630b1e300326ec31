//! `couponsd serve`: flags and environment -> ServerConfig, logging, signals.

use std::process::ExitCode;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::args::ServeArgs;
use crate::cluster::ClusterConfig;
use crate::distribution::email::{SmtpConfig, SmtpTls};
use crate::distribution::sms::SmsConfig;
use crate::distribution::DistributionConfig;
use crate::rules::stacking::{Base, StackPolicy};
use crate::server::webhooks::WebhookConfig;
use crate::server::{
    self, credentials::CredentialFiles, http::HttpConfig, tls::TlsFiles, ServerConfig,
};

pub async fn run(args: ServeArgs) -> ExitCode {
    init_logging(&args.log_format);
    if let Err(e) = check(&args) {
        eprintln!("couponsd: {e}");
        return ExitCode::from(2);
    }
    if let Some(path) = &args.disposable_domains {
        match std::fs::read_to_string(path) {
            Ok(list) => {
                let added = crate::rules::fraud::security::add_disposable_domains(&list);
                tracing::info!(
                    domains = added.unwrap_or(0),
                    "disposable email domains added"
                );
            }
            Err(e) => {
                eprintln!("couponsd: --disposable-domains {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let cluster = match cluster_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("couponsd: {e}");
            return ExitCode::from(2);
        }
    };
    let mut config = ServerConfig::new(args.listen, args.data.clone());
    config.cluster = cluster;
    config.credentials = CredentialFiles {
        token_file: args.token_file.clone(),
        peer_token_file: args.peer_token_file.clone(),
        tls: args
            .tls_cert
            .clone()
            .zip(args.tls_key.clone())
            .map(|(cert, key)| TlsFiles {
                cert,
                key,
                ca: args.tls_ca.clone(),
            }),
    };
    config.client_cert_roles = args.client_cert_role.clone();
    config.plaintext_loopback = args.plaintext_loopback;
    config.max_connections = args.max_connections;
    config.http = args.http_listen.map(|listen| HttpConfig {
        ready_lag_entries_max: args.ready_lag_entries,
        console: args.console,
        ..HttpConfig::new(listen)
    });
    config.max_in_flight = args.max_in_flight;
    config.idle_timeout = Duration::from_secs(args.idle_timeout_secs.max(1));
    config.handshake_timeout = Duration::from_millis(args.handshake_timeout_ms.max(100));
    config.frame_timeout = Duration::from_millis(args.frame_timeout_ms.max(100));
    config.max_unauthenticated_per_address = args.max_unauthenticated_per_address;
    config.max_unread_reply_bytes = args.max_unread_reply_bytes;
    config.max_unread_reply_bytes_total = args.max_unread_reply_bytes_total;
    config.guess_limits.connection.unknown_max = args.guess_limit_connection.max(1);
    config.guess_limits.ip.unknown_max = args.guess_limit_shopper.max(1);
    config.guess_limits.device.unknown_max = args.guess_limit_shopper.max(1);
    config.hold_sweep_interval = Duration::from_millis(args.hold_sweep_ms.max(10));
    config.window_sweep_interval = Duration::from_millis(args.window_sweep_ms.max(10));
    config.writer.max_batch = args.max_batch;
    config.writer.default_hold_ttl_ms = args.hold_ttl_secs.saturating_mul(1000).max(1000);
    config.writer.checkpoint_min_records = args.checkpoint_records.max(1);
    config.quick_repair = args.quick_repair;
    config.writer.debug_commit_delay = Duration::from_millis(args.debug_commit_delay_ms);
    config.writer.log_retention_records = args.log_retention_records;
    config.writer.analytics = args.analytics;
    config.writer.webhook_lag_records_max = args.webhook_lag_records_max;
    config.webhooks = WebhookConfig {
        timeout: Duration::from_millis(args.webhook_timeout_ms.max(1)),
        backoff_initial: Duration::from_millis(args.webhook_backoff_initial_ms.max(1)),
        backoff_max: Duration::from_millis(
            args.webhook_backoff_max_ms
                .max(args.webhook_backoff_initial_ms)
                .max(1),
        ),
        failures_max: args.webhook_failures_max,
        lag_records_max: args.webhook_lag_records_max,
    };
    let base = match args.stack_base.as_str() {
        "initial" => Base::Initial,
        _ => Base::Remaining,
    };
    config.writer.stack = match StackPolicy::new(args.stack_max_codes, base) {
        Ok(policy) => policy,
        Err(e) => {
            eprintln!("couponsd: --stack-max-codes: {e}");
            return ExitCode::from(2);
        }
    };

    config.distribution = match distribution_config(&args) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("couponsd: {e}");
            return ExitCode::from(2);
        }
    };

    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    match server::run(config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "couponsd could not start");
            eprintln!("couponsd: {e}");
            ExitCode::from(1)
        }
    }
}

/// The sender's channels and retries, from --smtp-* and the rest.
fn distribution_config(args: &ServeArgs) -> Result<DistributionConfig, String> {
    let tls = SmtpTls::from_name(&args.smtp_tls)
        .ok_or_else(|| format!("--smtp-tls {}: none, starttls or tls", args.smtp_tls))?;
    let smtp = args.smtp_host.as_ref().map(|host| SmtpConfig {
        host: host.clone(),
        port: args.smtp_port,
        tls,
        username: args.smtp_username.clone(),
        password_file: args.smtp_password_file.clone(),
        ca_file: args.smtp_ca_file.clone(),
        mail_from: args.mail_from.clone(),
        template_dir: args.email_template_dir.clone(),
    });
    let sms = args
        .sms_gateway_url
        .as_deref()
        .map(|url| {
            SmsConfig::new(
                url,
                args.sms_gateway_auth_header.as_deref(),
                &args.sms_body_template,
            )
        })
        .transpose()?;
    Ok(DistributionConfig {
        smtp,
        sms,
        attempts_max: args.distribution_attempts,
        retry_backoff: Duration::from_millis(args.distribution_backoff_ms),
    })
}

/// The settings' bounds and consistency, checked before anything starts
/// (and by `config check`).
pub fn check(args: &ServeArgs) -> Result<(), String> {
    if args.max_connections == 0
        || args.max_in_flight == 0
        || args.max_batch == 0
        || args.max_unauthenticated_per_address == 0
    {
        return Err("--max-connections, --max-in-flight, --max-batch and \
             --max-unauthenticated-per-address must be at least 1"
            .into());
    }
    // A connection must be able to hold one full reply.
    let frame_max = couponsd_client::wire::MAX_FRAME_LENGTH as usize;
    if args.max_unread_reply_bytes < frame_max
        || args.max_unread_reply_bytes_total < args.max_unread_reply_bytes
    {
        return Err(format!(
            "--max-unread-reply-bytes must be at least {frame_max} (one frame), \
             and --max-unread-reply-bytes-total at least that"
        ));
    }
    cluster_config(args).map(|_| ())
}

/// The node's place in its cluster, from --node-id, --peers, --join and the rest.
fn cluster_config(args: &ServeArgs) -> Result<ClusterConfig, String> {
    if args.node_id == 0 {
        return Err("--node-id must be at least 1".into());
    }
    let mut peers = std::collections::BTreeMap::new();
    for peer in args
        .peers
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        let (id, addr) = peer
            .split_once('=')
            .ok_or_else(|| format!("--peers: {peer:?} is not ID=ADDRESS"))?;
        let id: u64 = id
            .trim()
            .parse()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("--peers: {id:?} is not a node id (a number from 1)"))?;
        if peers.insert(id, addr.trim().to_string()).is_some() {
            return Err(format!("--peers names node {id} twice"));
        }
    }
    if args.join && !peers.is_empty() {
        return Err("--join and --peers exclude each other: a joining node learns the cluster from its leader".into());
    }
    if !peers.is_empty() && !peers.contains_key(&args.node_id) {
        return Err(format!(
            "--peers does not name this node (--node-id {})",
            args.node_id
        ));
    }
    if args.heartbeat_ms == 0 || args.election_timeout_ms <= args.heartbeat_ms * 2 {
        return Err("--election-timeout-ms must be more than twice --heartbeat-ms".into());
    }
    let advertise = args
        .advertise
        .clone()
        .or_else(|| peers.get(&args.node_id).cloned())
        .unwrap_or_else(|| args.listen.to_string());
    Ok(ClusterConfig {
        node_id: args.node_id,
        advertise,
        peers,
        join: args.join,
        heartbeat_ms: args.heartbeat_ms,
        election_timeout_min_ms: args.election_timeout_ms,
        election_timeout_max_ms: args.election_timeout_ms * 2,
        snapshot_entries: args.snapshot_entries.max(1),
        log_keep_entries: args.raft_log_keep_entries,
        log_keep_bytes: args.raft_log_keep_mib.saturating_mul(1 << 20),
    })
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUPONSD_LOG")
        // openraft narrates every election step at info: its warnings suffice.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,openraft=warn"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if format.eq_ignore_ascii_case("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// SIGINT or SIGTERM start a graceful shutdown.
async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    shutdown.cancel();
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("signal received");
    shutdown.cancel();
}
