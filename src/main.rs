use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    couponsd::cli::run(couponsd::cli::Cli::parse())
}
