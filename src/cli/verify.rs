//! `couponsd verify --data DIR`: scrubs a stopped server's store offline
//! (`storage::scrub` does the work) and prints what it found, as text or
//! `--json`. Exit 0: clean; 1: problems found; 2: the store could not be
//! checked (in use, not closed cleanly, not a directory).

use std::process::ExitCode;

use serde_json::json;

use super::args::VerifyArgs;
use crate::cluster::codec;
use crate::state::{LogRecord, State};
use crate::storage::scrub::{self, Checkers, Report};

pub fn run(args: &VerifyArgs, as_json: bool) -> ExitCode {
    // Chunks are checked by loading them, as a start would, into a state
    // thrown away afterwards.
    let scratch = State::new(None, 0);
    let log_record = |raw: &[u8]| LogRecord::decode(raw).map(drop).map_err(|e| e.to_string());
    let checkpoint_chunk = |raw: &[u8]| scratch.restore_chunk(raw).map_err(|e| e.to_string());
    let raft_entry = |raw: &[u8]| {
        codec::decode_entry(raw)
            .map(drop)
            .map_err(|e| e.to_string())
    };
    let checkers = Checkers {
        read_index: &codec::read_opt_index,
        log_record: &log_record,
        checkpoint_chunk: &checkpoint_chunk,
        raft_entry: &raft_entry,
    };
    let report = match scrub::scrub(&args.data, &checkers) {
        Ok(report) => report,
        Err(e) => {
            if as_json {
                println!("{}", json!({ "clean": null, "error": e.to_string() }));
            } else {
                eprintln!("couponsd verify: {e}");
            }
            return ExitCode::from(2);
        }
    };
    if as_json {
        println!("{}", to_json(&report));
    } else {
        print!("{}", to_text(&args.data.display().to_string(), &report));
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn store_id_text(report: &Report) -> String {
    if report.store_id == 0 {
        "not bound yet (from before store ids, or restored from a backup: its next start binds it)"
            .into()
    } else {
        format!("{:016x}", report.store_id)
    }
}

fn to_json(report: &Report) -> serde_json::Value {
    json!({
        "clean": report.is_clean(),
        "store_id": (report.store_id != 0).then(|| format!("{:016x}", report.store_id)),
        "tables": report.tables,
        "rows_without_checksum": report.rows_without_checksum,
        "problems": report.problems,
    })
}

fn to_text(dir: &str, report: &Report) -> String {
    let mut out = format!("store {dir}: {}\n", store_id_text(report));
    for t in &report.tables {
        let bad = if t.bad > 0 {
            format!(", {} bad", t.bad)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {:<16} {:<13} {:>10}{bad}\n",
            t.file, t.table, t.entries
        ));
    }
    if report.rows_without_checksum > 0 {
        out.push_str(&format!(
            "{} rows from before checksums: decoded, but without a checksum to check until the \
             next start rewrites them\n",
            report.rows_without_checksum
        ));
    }
    if report.is_clean() {
        out.push_str("clean\n");
    } else {
        out.push_str(&format!("{} problems:\n", report.problems.len()));
        for p in &report.problems {
            out.push_str(&format!("  {p}\n"));
        }
    }
    out
}
