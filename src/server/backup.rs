//! A backup on one connection (BACKUP_BEGIN, BACKUP_PART, BACKUP_END,
//! BACKUP_ABORT; protocol.md). BACKUP_BEGIN takes the node's backup slot
//! (one backup at a time per node: another gets BUSY) and starts
//! `backup::stream::produce` on a blocking thread, which reads ahead at most
//! `PARTS_AHEAD` parts; each BACKUP_PART takes the next. The session and the
//! producer both hold the slot: it is free once the session ended (END,
//! ABORT, or its connection closed, which also stops the producer at its
//! next part) and the producer stopped, not when the producer has merely
//! read everything ahead of a slow client.

use std::sync::atomic::Ordering;

use couponsd_client::wire::{BackupEnd, Request, Response, BACKUP_DIGEST};
use std::sync::Arc;

use tokio::sync::{mpsc, OwnedMutexGuard};

use super::Shared;
use crate::backup::stream::{self, Produced};
use crate::domain::now_ms;
use crate::error::{Error, Result};

/// Parts read ahead of the client: memory per backup is bounded by this
/// many parts (each at most a checkpoint chunk, about 640 KiB) plus one.
const PARTS_AHEAD: usize = 4;

/// This connection's backup.
pub struct BackupSession {
    next_seq: u32,
    parts: mpsc::Receiver<Produced>,
    /// Known once the producer sent every part.
    end: Option<BackupEnd>,
    /// The node's backup slot, shared with the producer.
    _slot: Arc<OwnedMutexGuard<()>>,
}

fn no_session() -> Error {
    Error::InvalidState("no backup on this connection: send BACKUP_BEGIN first".into())
}

/// Handles one BACKUP_* request of the connection's session.
pub async fn message(
    shared: &Shared,
    session: &mut Option<BackupSession>,
    request: Request,
) -> Result<Response> {
    match request {
        Request::BackupBegin { flags } => {
            if session.is_some() {
                return Err(Error::InvalidState(
                    "a backup is under way on this connection: BACKUP_END or BACKUP_ABORT first"
                        .into(),
                ));
            }
            let slot = Arc::new(
                shared
                    .backup_slot
                    .clone()
                    .try_lock_owned()
                    .map_err(|_| Error::Busy("another backup of this node is under way"))?,
            );
            let node = &shared.node;
            let core = node.cell.load();
            let cluster_id = node.cluster_id.load(Ordering::Acquire);
            let (header, source) =
                tokio::task::block_in_place(|| stream::open(&core, cluster_id, node.id, now_ms()))?;
            let (parts, incoming) = mpsc::channel(PARTS_AHEAD);
            let digest = flags & BACKUP_DIGEST != 0;
            let producer_slot = Arc::clone(&slot);
            tokio::task::spawn_blocking(move || {
                stream::produce(source, digest, parts, producer_slot)
            });
            tracing::info!(lsn = header.lsn, term = header.term, digest, "backup begun");
            *session = Some(BackupSession {
                next_seq: 0,
                parts: incoming,
                end: None,
                _slot: slot,
            });
            Ok(Response::BackupBegun(header))
        }
        Request::BackupPart { seq } => {
            let open = session.as_mut().ok_or_else(no_session)?;
            if seq != open.next_seq {
                return Err(Error::InvalidState(format!(
                    "part {seq} asked for; the next part of this backup is {}",
                    open.next_seq
                )));
            }
            if open.end.is_some() {
                return Ok(Response::BackupPart(None));
            }
            match open.parts.recv().await {
                Some(Produced::Part(body)) => {
                    open.next_seq += 1;
                    Ok(Response::BackupPart(Some(body)))
                }
                Some(Produced::End(Ok(end))) => {
                    debug_assert_eq!(end.parts, open.next_seq, "every part was taken");
                    open.end = Some(end);
                    Ok(Response::BackupPart(None))
                }
                Some(Produced::End(Err(e))) => {
                    *session = None;
                    Err(e)
                }
                None => {
                    *session = None;
                    tracing::error!("a backup's producer stopped without its end");
                    Err(Error::Panicked)
                }
            }
        }
        Request::BackupEnd => {
            let open = session.as_mut().ok_or_else(no_session)?;
            let Some(end) = open.end.take() else {
                return Err(Error::InvalidState(format!(
                    "parts are left from part {}: ask BACKUP_PART until it answers none",
                    open.next_seq
                )));
            };
            *session = None;
            tracing::info!(lsn = end.lsn, parts = end.parts, "backup taken");
            Ok(Response::BackupEnd(end))
        }
        Request::BackupAbort => {
            *session = None;
            Ok(Response::BackupAborted)
        }
        other => Err(Error::invalid(
            "opcode",
            format!("0x{:04x} is not a backup message", other.opcode()),
        )),
    }
}
