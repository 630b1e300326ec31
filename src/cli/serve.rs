//! `couponsd serve`: flags and environment -> ServerConfig, logging, signals.

use std::process::ExitCode;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::args::ServeArgs;
use crate::replication::FollowConfig;
use crate::server::{self, auth::Token, ServerConfig};

pub async fn run(args: ServeArgs) -> ExitCode {
    init_logging(&args.log_format);
    let mut tokens = Vec::new();
    for t in args.tokens.iter().filter(|t| !t.trim().is_empty()) {
        match t.trim().parse::<Token>() {
            Ok(token) => tokens.push(token),
            Err(e) => {
                eprintln!("couponsd: --accept-token: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.max_connections == 0 || args.max_in_flight == 0 || args.max_batch == 0 {
        eprintln!(
            "couponsd: --max-connections, --max-in-flight and --max-batch must be at least 1"
        );
        return ExitCode::from(2);
    }
    let mut config = ServerConfig::new(args.listen, args.data);
    config.tokens = tokens;
    config.max_connections = args.max_connections;
    config.max_in_flight = args.max_in_flight;
    config.idle_timeout = Duration::from_secs(args.idle_timeout_secs.max(1));
    config.hold_sweep_interval = Duration::from_millis(args.hold_sweep_ms.max(10));
    config.writer.max_batch = args.max_batch;
    config.writer.default_hold_ttl_ms = args.hold_ttl_secs.saturating_mul(1000).max(1000);
    config.writer.checkpoint_min_records = args.checkpoint_records.max(1);
    config.quick_repair = args.quick_repair;
    config.writer.debug_commit_delay = Duration::from_millis(args.debug_commit_delay_ms);
    config.writer.log_retention_records = args.log_retention_records;
    config.sync_replicas = args.sync_replicas;
    config.sync_timeout = Duration::from_millis(args.sync_timeout_ms.max(1));
    let leaders: Vec<String> = args
        .replica_of
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if !leaders.is_empty() {
        config.follow = Some(FollowConfig {
            leaders,
            token: args.leader_token,
            name: args.advertise.unwrap_or_else(|| args.listen.to_string()),
        });
    }

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

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("COUPONSD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
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
