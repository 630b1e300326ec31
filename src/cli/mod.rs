//! The `couponsd` command line. `serve` runs the daemon; every other verb is a
//! client of a running daemon (through `couponsd-client`), for operators and scripts.

pub(crate) mod analytics;
pub(crate) mod args;
mod backup;
mod bench;
pub(crate) mod campaign;
pub(crate) mod cluster;
pub(crate) mod commands;
mod distribution;
mod events;
pub(crate) mod fraud;
mod fraud_flags;
pub(crate) mod json;
mod order_codes;
mod order_flags;
mod qualify;
mod rule_flags;
mod serve;
mod verify;
mod webhook;

pub use args::Cli;

use std::process::ExitCode;

/// Runs a parsed command line and returns the process exit code:
/// 0 on success, 1 when the server refused or failed the request, 2 when the
/// command could not run (bad arguments, no connection).
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("couponsd: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        match cli.command {
            args::Command::Serve(a) => serve::run(a).await,
            args::Command::Bench(a) => bench::run(a, cli.client).await,
            args::Command::Verify(a) => verify::run(&a, cli.client.json),
            args::Command::Backup(a) => backup::backup(&a, &cli.client).await,
            args::Command::Restore(a) => backup::restore(&a, cli.client.json),
            other => commands::run(other, cli.client).await,
        }
    })
}
