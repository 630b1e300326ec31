//! `couponsd backup --out FILE` (a running node's store over the protocol,
//! into a file: `backup::file`) and `couponsd restore --in FILE --data DIR`
//! (offline: `backup::restore`).

use std::process::ExitCode;
use std::time::Duration;

use couponsd_client::wire::{BackupEnd, BackupHeader, Reader};
use couponsd_client::{Client, ClientError, ClientOptions};
use serde_json::json;

use super::args::{BackupArgs, ClientArgs, RestoreArgs};
use super::commands::{client_options, print_line};
use super::json;
use crate::backup::file::{BackupWriter, FileError};
use crate::backup::restore::{self, Restored};
use crate::cluster::snapshot::Part;

/// How long one reply may take: the last part's waits for the node's digest
/// (the state rebuilt at the backup's LSN).
const REPLY_TIMEOUT: Duration = Duration::from_secs(3600);

/// Why a backup failed.
enum Failed {
    /// No connection, or the file could not be written: exit 2 and 1.
    Connect(ClientError),
    Server(ClientError),
    File(FileError),
    /// The node sent something this build does not take for a part.
    Stream(String),
}

impl From<ClientError> for Failed {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Server { .. } => Failed::Server(e),
            other => Failed::Connect(other),
        }
    }
}

impl From<FileError> for Failed {
    fn from(e: FileError) -> Self {
        Failed::File(e)
    }
}

pub async fn backup(args: &BackupArgs, client_args: &ClientArgs) -> ExitCode {
    match take(args, client_args).await {
        Ok((header, end, bytes, sha256)) => print(
            client_args.json,
            backup_json(args, &header, &end, bytes, &sha256),
            backup_text(args, &header, &end, bytes),
        ),
        Err(failed) => {
            let (code, exit, message) = match &failed {
                Failed::Connect(e) => (None, 2, format!("cannot reach the server: {e}")),
                Failed::Server(e) => (e.code(), 1, e.to_string()),
                Failed::File(e) => (None, 1, e.to_string()),
                Failed::Stream(what) => (None, 1, what.clone()),
            };
            fail(
                client_args.json,
                json::error(code, &message),
                &message,
                exit,
            )
        }
    }
}

async fn take(
    args: &BackupArgs,
    client_args: &ClientArgs,
) -> Result<(BackupHeader, BackupEnd, u64, String), Failed> {
    let options = ClientOptions {
        request_timeout: REPLY_TIMEOUT,
        // One connection: the backup is this connection's session.
        follow_leader: false,
        ..client_options(client_args)?
    };
    let client = Client::connect_with(&client_args.addr, options).await?;
    let header = client.backup_begin(!args.no_digest).await?;
    let mut writer = BackupWriter::create(&args.out, &header)?;
    match stream(&client, &mut writer).await {
        Ok(end) => {
            let (bytes, sha256) = writer.finish(&end)?;
            Ok((header, end, bytes, sha256))
        }
        Err(e) => {
            writer.discard();
            Err(e)
        }
    }
}

/// Every part into the file, checked as it comes; then the end.
async fn stream(client: &Client, writer: &mut BackupWriter) -> Result<BackupEnd, Failed> {
    let mut seq = 0u32;
    while let Some(body) = client.backup_part(seq).await? {
        let part = Part::read(&mut Reader::new(&body))
            .map_err(|e| Failed::Stream(format!("part {seq} does not decode: {e}")))?;
        if part.seq != seq || crc32fast::hash(&part.data) != part.crc {
            return Err(Failed::Stream(format!(
                "part {seq} arrived damaged (seq {}, or its CRC-32 fails)",
                part.seq
            )));
        }
        writer.part(&body)?;
        seq += 1;
    }
    let end = client.backup_end().await?;
    if end.parts != seq {
        return Err(Failed::Stream(format!(
            "the node counts {} parts, {seq} arrived",
            end.parts
        )));
    }
    Ok(end)
}

fn digest_hex(end: &BackupEnd) -> Option<String> {
    end.digest.as_ref().map(|d| format!("{:032x}", d.digest))
}

fn backup_json(
    args: &BackupArgs,
    header: &BackupHeader,
    end: &BackupEnd,
    bytes: u64,
    sha256: &str,
) -> serde_json::Value {
    json!({
        "file": args.out.display().to_string(),
        "bytes": bytes,
        "sha256": sha256,
        "cluster_id": format!("{:016x}", header.cluster_id),
        "node_id": header.node_id,
        "lsn": header.lsn,
        "term": header.term,
        "created_at": json::time(header.created_ms),
        "parts": end.parts,
        "checkpoint_lsn": end.checkpoint_lsn,
        "digest": digest_hex(end),
        "entries": end.digest.as_ref().map(|d| d.entries),
    })
}

fn backup_text(args: &BackupArgs, header: &BackupHeader, end: &BackupEnd, bytes: u64) -> String {
    let digest = match (&end.digest, digest_hex(end)) {
        (Some(d), Some(hex)) => format!("digest {hex} ({} entries)", d.entries),
        _ => "digest not asked for".into(),
    };
    format!(
        "backup of node {} (cluster {:016x}) at lsn {} term {}: {} parts, {bytes} bytes in {}\nlsn {} {digest}",
        header.node_id,
        header.cluster_id,
        header.lsn,
        header.term,
        end.parts,
        args.out.display(),
        end.lsn,
    )
}

pub fn restore(args: &RestoreArgs, as_json: bool) -> ExitCode {
    match restore::restore(&args.input, &args.data, args.force) {
        Ok(restored) => print(
            as_json,
            restore_json(args, &restored),
            restore_text(args, &restored),
        ),
        Err(e) => {
            let message = e.to_string();
            let error = json!({ "error": e.kind(), "message": message });
            fail(as_json, error, &message, e.exit_code())
        }
    }
}

fn restore_json(args: &RestoreArgs, r: &Restored) -> serde_json::Value {
    json!({
        "data": args.data.display().to_string(),
        "lsn": r.end.lsn,
        "term": r.header.term,
        "cluster_id": format!("{:016x}", r.header.cluster_id),
        "node_id": r.header.node_id,
        "created_at": json::time(r.header.created_ms),
        "parts": r.end.parts,
        "sha256": r.sha256,
        "digest": digest_hex(&r.end),
    })
}

fn restore_text(args: &RestoreArgs, r: &Restored) -> String {
    format!(
        "restored lsn {} (term {}, node {} of cluster {:016x}) into {}: {} parts\n\
         start it alone (`couponsd serve --data {}`): it becomes a new cluster of one at that state; \
         other nodes then join it empty with --join and `couponsd cluster add`",
        r.end.lsn,
        r.header.term,
        r.header.node_id,
        r.header.cluster_id,
        args.data.display(),
        r.end.parts,
        args.data.display(),
    )
}

fn print(as_json: bool, value: serde_json::Value, text: String) -> ExitCode {
    let printed = if as_json {
        print_line(value)
    } else {
        print_line(text)
    };
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("couponsd: writing the output: {e}");
            ExitCode::from(2)
        }
    }
}

fn fail(as_json: bool, error: serde_json::Value, message: &str, exit: u8) -> ExitCode {
    if as_json {
        let _ = print_line(error);
    } else {
        eprintln!("couponsd: {message}");
    }
    ExitCode::from(exit)
}
