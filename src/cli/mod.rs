//! The `couponsd` command line. `serve` runs the daemon; every other verb is a
//! client of a running daemon (through `couponsd-client`), for operators and scripts.

pub(crate) mod analytics;
pub(crate) mod args;
mod backup;
mod bench;
pub(crate) mod campaign;
pub(crate) mod cluster;
pub(crate) mod commands;
pub mod config_file;
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

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

/// Parses the process's command line; for `serve --config FILE` (or
/// COUPONSD_CONFIG), with the file's settings as the defaults of serve's
/// flags. Usage errors and a bad file end the process with exit code 2.
pub fn parse() -> Cli {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let matches = command().get_matches_from(&argv);
    refuse_client_flags(&matches);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let args::Command::Serve(serve) = &cli.command else {
        return cli;
    };
    let Some(path) = serve.config.clone() else {
        return cli;
    };
    let settings = match config_file::load(&path) {
        Ok(settings) => settings,
        Err(errors) => {
            for e in errors {
                eprintln!("couponsd: --config {}: {e}", path.display());
            }
            std::process::exit(2);
        }
    };
    let command = command().mut_subcommand("serve", |s| config_file::with_defaults(s, &settings));
    let matches = command.get_matches_from(&argv);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// The verbs that are not clients of a server: the client flags (`--addr`,
/// `--token`, `--json`, ...) mean nothing to them.
const LOCAL_VERBS: [&str; 2] = ["serve", "config"];

/// The command line's definition. The client flags are global (any verb
/// takes `--addr` before or after it), so clap would show them on every
/// verb: the local verbs get hidden copies of their own instead (clap then
/// propagates nothing over them), refused by `refuse_client_flags`.
pub fn command() -> clap::Command {
    use clap::Args;
    let hidden: Vec<clap::Arg> = args::ClientArgs::augment_args(clap::Command::new("client"))
        .get_arguments()
        .map(|a| a.clone().global(false).hide(true))
        .collect();
    let mut command = Cli::command();
    for verb in LOCAL_VERBS {
        command = command.mut_subcommand(verb, |sub| sub.args(hidden.clone()));
    }
    command
}

fn client_flag_ids() -> Vec<String> {
    use clap::Args;
    args::ClientArgs::augment_args(clap::Command::new("client"))
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect()
}

/// A client flag written on `serve` or `config` is a usage error (exit 2);
/// the environment variables of clients are ignored there.
fn refuse_client_flags(matches: &clap::ArgMatches) {
    let Some((verb, sub)) = matches.subcommand() else {
        return;
    };
    if !LOCAL_VERBS.contains(&verb) {
        return;
    }
    for id in client_flag_ids() {
        let given = |m: &clap::ArgMatches| {
            m.value_source(&id) == Some(clap::parser::ValueSource::CommandLine)
        };
        if given(matches) || given(sub) {
            eprintln!(
                "couponsd {verb}: --{} is a flag of the client commands, not of {verb}",
                id.replace('_', "-")
            );
            std::process::exit(2);
        }
    }
}

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
            args::Command::Config(args::ConfigCommand::Check { file }) => config_file::check(&file),
            other => commands::run(other, cli.client).await,
        }
    })
}
