//! A follower's connection to its leader: HELLO, REPL_SUBSCRIBE, then a
//! snapshot if the leader says so, then records. A reader task keeps taking
//! frames off the socket while the applier commits the previous ones, and the
//! applier takes everything that arrived meanwhile as one batch: one fsync and
//! one ack per batch, never a round trip per record.
//!
//! Any failure (the leader gone, a refused frame, a stalled stream) ends the
//! session; the next one resumes from this node's durable LSN, so nothing is
//! skipped or applied twice.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use couponsd_client::frame_io::FrameReader;
use couponsd_client::wire::{
    opcode, CatchUp, ErrorBody, ErrorCode, Frame, Hello, Request, Response, StreamMessage,
    SubscribeRequest, MAGIC, MAX_FRAME_LENGTH, PROTOCOL_VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::node::{Core, Node};
use super::snapshot;
use crate::error::Error;
use crate::storage::{write_keys, StorageError, Store};
use crate::writer::{recover, ApplyError, ReplicaApplier};

/// The request id of the subscribe; every stream frame carries it.
const STREAM_ID: u32 = 1;
/// The leader sends at least a heartbeat this often; silence longer than this ends the session.
const LEADER_SILENCE: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Most records applied in one transaction.
const MAX_APPLY_RECORDS: usize = 16_384;

#[derive(Debug, Clone)]
pub struct FollowConfig {
    /// Addresses of the nodes that may lead, tried in turn.
    pub leaders: Vec<String>,
    /// Token with the admin role on the leader (empty if it has none).
    pub token: String,
    /// This node's own address, shown in the leader's REPL_STATUS.
    pub name: String,
}

/// Why a session ended.
enum End {
    Stopped,
    /// The node we reached named another leader.
    Redirect(String),
    Failed(Error),
}

impl From<Error> for End {
    fn from(e: Error) -> Self {
        End::Failed(e)
    }
}

impl From<StorageError> for End {
    fn from(e: StorageError) -> Self {
        End::Failed(e.into())
    }
}

impl From<ApplyError> for End {
    fn from(e: ApplyError) -> Self {
        End::Failed(apply_error(e))
    }
}

fn apply_error(e: ApplyError) -> Error {
    match e {
        ApplyError::Corrupt { .. } => Error::CorruptData(e.to_string()),
        ApplyError::Gap { .. } => Error::LogGap(e.to_string()),
        ApplyError::StaleEpoch { .. } => Error::StaleEpoch(e.to_string()),
        ApplyError::Storage(s) => Error::Storage(s),
    }
}

/// Follows a leader until `stop`, reconnecting (with backoff) whenever a
/// session ends.
pub async fn run(node: Arc<Node>, config: FollowConfig, stop: CancellationToken) {
    let mut applier: Option<ReplicaApplier> = None;
    let mut next = 0usize;
    let mut redirect: Option<String> = None;
    let mut backoff = Duration::from_millis(50);
    loop {
        let addr = redirect
            .take()
            .unwrap_or_else(|| config.leaders[next % config.leaders.len()].clone());
        node.become_follower(&addr);
        let mut streamed = false;
        // Not raced against `stop`: a session stops itself between batches,
        // never while a batch is being committed (promotion relies on that).
        let ended = match session(&node, &config, &addr, &mut applier, &mut streamed, &stop).await {
            Ok(()) => End::Stopped,
            Err(end) => end,
        };
        if streamed {
            backoff = Duration::from_millis(50);
        }
        node.set_stream(false, None);
        match ended {
            End::Stopped => return,
            End::Redirect(leader) if !leader.is_empty() && leader != addr => {
                tracing::info!(
                    from = addr,
                    to = leader,
                    "following the leader named by a follower"
                );
                redirect = Some(leader);
                continue;
            }
            End::Redirect(_) => {
                next += 1;
            }
            End::Failed(e) => {
                tracing::warn!(leader = addr, error = %e, "replication session ended; reconnecting");
                next += 1;
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}

async fn session(
    node: &Arc<Node>,
    config: &FollowConfig,
    addr: &str,
    applier: &mut Option<ReplicaApplier>,
    streamed: &mut bool,
    stop: &CancellationToken,
) -> Result<(), End> {
    let connect = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr));
    let socket = tokio::select! {
        _ = stop.cancelled() => return Err(End::Stopped),
        s = connect => s,
    }
    .map_err(|_| Error::Busy("connecting to the leader timed out"))?
    .map_err(io)?;
    let _ = socket.set_nodelay(true);
    let (read_half, mut write_half) = socket.into_split();
    let mut reader = FrameReader::new(read_half, MAX_FRAME_LENGTH);

    let hello = Request::Hello(Hello {
        magic: MAGIC,
        version: PROTOCOL_VERSION,
        token: config.token.clone(),
        client_name: format!("couponsd-follower/{}", env!("CARGO_PKG_VERSION")),
    });
    call(&mut reader, &mut write_half, 0, &hello, stop).await?;

    if applier.is_none() {
        *applier = Some(new_applier(node)?);
    }
    let request = {
        let ap = applier.as_ref().ok_or(Error::Panicked)?;
        let core = node.core();
        SubscribeRequest {
            cluster_id: core.store.read()?.meta(write_keys::CLUSTER_ID)?,
            epoch: ap.epoch().max(node.epoch()),
            last_lsn: core.state.applied_lsn(),
            last_epoch: ap.last_record_epoch(),
            name: config.name.clone(),
        }
    };
    let reply = match call(
        &mut reader,
        &mut write_half,
        STREAM_ID,
        &Request::Subscribe(request.clone()),
        stop,
    )
    .await
    {
        Ok(Response::Subscribed(reply)) => reply,
        Ok(other) => {
            return Err(Error::Malformed(format!("subscribe answered with {other:?}")).into())
        }
        Err(End::Failed(Error::NotLeader { leader })) => return Err(End::Redirect(leader)),
        Err(e) => return Err(e),
    };
    if reply.epoch < request.epoch {
        let e = Error::StaleEpoch(format!(
            "the leader's epoch {} is older than this node's {}",
            reply.epoch, request.epoch
        ));
        refuse(&mut write_half, opcode::REPL_SUBSCRIBE, &e).await;
        return Err(e.into());
    }
    if let Some(ap) = applier.as_mut() {
        ap.adopt_epoch(reply.epoch)?;
    }
    node.set_epoch(reply.epoch);
    node.set_stream(true, None);
    tracing::info!(
        leader = addr,
        mode = reply.mode.name(),
        epoch = reply.epoch,
        lsn = request.last_lsn,
        "following"
    );

    if reply.mode == CatchUp::Snapshot {
        if reply.keep_through < request.last_lsn {
            save_divergence(node, reply.keep_through, request.last_lsn, reply.epoch);
        }
        // The applier (and its checkpointer) belong to the store being replaced.
        *applier = None;
        match receive_snapshot(node, &mut reader, reply.epoch, stop).await {
            Ok(()) => {}
            Err(Stop::Refused(e)) => {
                refuse(&mut write_half, opcode::REPL_SNAPSHOT, &e).await;
                return Err(End::Failed(e));
            }
            Err(Stop::Ended(end)) => return Err(end),
        }
        *applier = Some(new_applier(node)?);
    }
    *streamed = true;
    stream(node, reader, &mut write_half, applier, reply.epoch, stop).await
}

fn io(e: std::io::Error) -> End {
    End::Failed(Error::Storage(StorageError::Io(e)))
}

fn new_applier(node: &Node) -> Result<ReplicaApplier, End> {
    let core = node.core();
    Ok(ReplicaApplier::new(
        core.store.clone(),
        core.state.clone(),
        node.writer_config(),
    )?)
}

/// Sends one request and reads its reply (before the stream starts).
async fn call(
    reader: &mut FrameReader<tokio::net::tcp::OwnedReadHalf>,
    socket: &mut OwnedWriteHalf,
    request_id: u32,
    request: &Request,
    stop: &CancellationToken,
) -> Result<Response, End> {
    let mut buf = BytesMut::new();
    request.encode_frame(request_id, &mut buf);
    socket.write_all(&buf).await.map_err(io)?;
    let frame = read(reader, stop).await?;
    if frame.status != ErrorCode::Ok.as_u16() {
        return Err(End::Failed(remote_error(&frame)));
    }
    Response::decode(request.opcode(), &frame.body)
        .map_err(|e| End::Failed(Error::Malformed(e.to_string())))
}

async fn read(
    reader: &mut FrameReader<tokio::net::tcp::OwnedReadHalf>,
    stop: &CancellationToken,
) -> Result<Frame, End> {
    let next = tokio::select! {
        _ = stop.cancelled() => return Err(End::Stopped),
        next = tokio::time::timeout(LEADER_SILENCE, reader.read_frame()) => next,
    };
    match next {
        Err(_) => Err(Error::Busy("the leader sent nothing for 5 s").into()),
        Ok(Ok(Some(frame))) => Ok(frame),
        Ok(Ok(None)) => Err(Error::Busy("the leader closed the connection").into()),
        Ok(Err(e)) => Err(Error::Malformed(e.to_string()).into()),
    }
}

/// The leader's error frame as our error (NOT_LEADER keeps its address).
fn remote_error(frame: &Frame) -> Error {
    let body = ErrorBody::read(&frame.body);
    match ErrorCode::from_u16(frame.status) {
        Some(ErrorCode::NotLeader) => Error::NotLeader {
            leader: body.leader,
        },
        Some(ErrorCode::StaleEpoch) => Error::StaleEpoch(body.message),
        Some(ErrorCode::WrongCluster) => Error::WrongCluster(body.message),
        Some(code) => Error::InvalidState(format!("the leader refused: {code}: {}", body.message)),
        None => Error::Malformed(format!("unknown status {}", frame.status)),
    }
}

/// Tells the leader why we drop the stream (best effort).
async fn refuse(socket: &mut OwnedWriteHalf, op: u16, e: &Error) {
    let mut buf = BytesMut::new();
    let body = ErrorBody {
        message: e.to_string(),
        leader: String::new(),
    };
    body.encode_frame(STREAM_ID, op, e.code(), &mut buf);
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.write_all(&buf)).await;
}

/// Decodes a stream frame whose status is OK.
fn stream_message(frame: &Frame) -> Result<StreamMessage, Error> {
    match StreamMessage::decode(frame.opcode, &frame.body) {
        Some(Ok(m)) => Ok(m),
        Some(Err(e)) => Err(Error::Malformed(e.to_string())),
        None => Err(Error::invalid(
            "opcode",
            format!("0x{:04x} is not a replication stream message", frame.opcode),
        )),
    }
}

fn check_epoch(message: &StreamMessage, epoch: u64) -> Result<(), Error> {
    if message.epoch() != epoch {
        return Err(Error::StaleEpoch(format!(
            "a stream frame of epoch {} on a stream of epoch {epoch}",
            message.epoch()
        )));
    }
    Ok(())
}

async fn receive_snapshot(
    node: &Arc<Node>,
    reader: &mut FrameReader<tokio::net::tcp::OwnedReadHalf>,
    epoch: u64,
    stop: &CancellationToken,
) -> Result<(), Stop> {
    let started = std::time::Instant::now();
    let data_dir = node.data_dir.clone();
    let mut receiver = tokio::task::block_in_place(|| snapshot::Receiver::begin(&data_dir))
        .map_err(Stop::Refused)?;
    let staged = loop {
        let frame = read(reader, stop).await.map_err(Stop::Ended)?;
        if frame.status != ErrorCode::Ok.as_u16() {
            return Err(Stop::Ended(End::Failed(remote_error(&frame))));
        }
        let message = stream_message(&frame).map_err(Stop::Refused)?;
        check_epoch(&message, epoch).map_err(Stop::Refused)?;
        match message {
            StreamMessage::Snapshot {
                seq,
                kind,
                crc,
                data,
                ..
            } => tokio::task::block_in_place(|| receiver.part(seq, kind, crc, data))
                .map_err(Stop::Refused)?,
            StreamMessage::SnapshotEnd {
                parts,
                checkpoint_lsn,
                lsn,
                ..
            } => {
                break tokio::task::block_in_place(|| receiver.finish(parts, checkpoint_lsn, lsn))
                    .map_err(Stop::Refused)?
            }
            other => {
                return Err(Stop::Refused(Error::invalid(
                    "opcode",
                    format!("0x{:04x} inside a snapshot", other.opcode()),
                )))
            }
        }
    };
    let node2 = node.clone();
    let core = tokio::task::spawn_blocking(move || -> Result<Core, Error> {
        staged.install(&node2.data_dir)?;
        let store = Store::open(&node2.data_dir, node2.quick_repair)?;
        let (state, recovered) = recover(&store)?;
        tracing::info!(
            lsn = recovered.last_lsn,
            checkpoint_lsn = recovered.checkpoint_lsn,
            "snapshot installed"
        );
        Ok(Core {
            store: Arc::new(store),
            state: Arc::new(state),
        })
    })
    .await
    .map_err(|_| Stop::Refused(Error::Panicked))?
    .map_err(Stop::Refused)?;
    node.replace_core(core);
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "snapshot catch-up done"
    );
    Ok(())
}

/// Records this node has that the leader's history lacks: written to a
/// divergence file beside the data, never silently dropped.
fn save_divergence(node: &Node, keep_through: u64, last_lsn: u64, epoch: u64) {
    let core = node.core();
    let path = node.data_dir.join(format!(
        "divergence-epoch{epoch}-lsn{}-{last_lsn}.log",
        keep_through + 1
    ));
    let saved = tokio::task::block_in_place(|| write_divergence(&core.store, keep_through, &path));
    match saved {
        Ok(count) => tracing::warn!(
            path = %path.display(),
            records = count,
            from = keep_through + 1,
            to = last_lsn,
            "this node has records the new leader never had (written without --sync-replicas); \
             they are cut off and kept in a divergence file"
        ),
        Err(e) => {
            tracing::error!(error = %e, path = %path.display(), "could not save diverged records")
        }
    }
}

/// The file holds each record as a u32 big-endian length then the record as
/// stored in the log (with its own checksum).
fn write_divergence(store: &Store, keep_through: u64, path: &Path) -> Result<u64, StorageError> {
    use std::io::Write;
    let view = store.read()?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut after = keep_through;
    let mut count = 0;
    loop {
        let page = view.log_after(after, 1024)?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        for (_, raw) in &page {
            file.write_all(&(raw.len() as u32).to_be_bytes())?;
            file.write_all(raw)?;
            count += 1;
        }
    }
    file.into_inner()
        .map_err(|e| StorageError::Io(e.into_error()))?
        .sync_all()?;
    Ok(count)
}

/// Why a batch stops short of being applied.
enum Stop {
    /// The stream ended, or the leader sent an error: nothing to answer.
    Ended(End),
    /// We refuse what the leader sent: it gets the error.
    Refused(Error),
}

/// Checks one stream frame and adds its records to the batch.
fn take_records(
    frame: &Frame,
    epoch: u64,
    records: &mut Vec<Vec<u8>>,
    leader_lsn: &mut u64,
) -> Result<(), Stop> {
    if frame.status != ErrorCode::Ok.as_u16() {
        return Err(Stop::Ended(End::Failed(remote_error(frame))));
    }
    let message = stream_message(frame).map_err(Stop::Refused)?;
    check_epoch(&message, epoch).map_err(Stop::Refused)?;
    match message {
        StreamMessage::Records {
            leader_lsn: lsn,
            records: more,
            ..
        } => {
            *leader_lsn = lsn;
            records.extend(more);
            Ok(())
        }
        other => Err(Stop::Refused(Error::invalid(
            "opcode",
            format!("0x{:04x} after the snapshot", other.opcode()),
        ))),
    }
}

/// Receives records, applies them in batches, acknowledges each batch.
async fn stream(
    node: &Arc<Node>,
    mut reader: FrameReader<tokio::net::tcp::OwnedReadHalf>,
    socket: &mut OwnedWriteHalf,
    applier: &mut Option<ReplicaApplier>,
    epoch: u64,
    stop: &CancellationToken,
) -> Result<(), End> {
    let (frames, mut incoming) = mpsc::channel::<Result<Frame, End>>(64);
    let reader_stop = stop.clone();
    let reading = tokio::spawn(async move {
        loop {
            let next = read(&mut reader, &reader_stop).await;
            let failed = next.is_err();
            if frames.send(next).await.is_err() || failed {
                return;
            }
        }
    });
    let result = async {
        let mut buf = BytesMut::new();
        loop {
            let next = tokio::select! {
                _ = stop.cancelled() => return Err(End::Stopped),
                next = incoming.recv() => match next {
                    Some(next) => next,
                    None => return Ok(()),
                },
            };
            let mut records = Vec::new();
            let mut leader_lsn = 0;
            let checked = next
                .map_err(Stop::Ended)
                .and_then(|frame| take_records(&frame, epoch, &mut records, &mut leader_lsn))
                .and_then(|()| {
                    // Everything that arrived while the last batch committed.
                    while records.len() < MAX_APPLY_RECORDS {
                        match incoming.try_recv() {
                            Ok(Ok(frame)) => {
                                take_records(&frame, epoch, &mut records, &mut leader_lsn)?
                            }
                            Ok(Err(end)) => return Err(Stop::Ended(end)),
                            Err(_) => break,
                        }
                    }
                    Ok(())
                });
            match checked {
                Ok(()) => {}
                Err(Stop::Ended(end)) => return Err(end),
                Err(Stop::Refused(e)) => {
                    refuse(socket, opcode::REPL_RECORDS, &e).await;
                    return Err(End::Failed(e));
                }
            }
            let mut ap = applier.take().ok_or(Error::Panicked)?;
            let (ap, applied) = tokio::task::spawn_blocking(move || {
                let applied = ap.apply(records);
                (ap, applied)
            })
            .await
            .map_err(|_| Error::Panicked)?;
            *applier = Some(ap);
            let durable = match applied {
                Ok(lsn) => lsn,
                Err(e) => {
                    let e = apply_error(e);
                    refuse(socket, opcode::REPL_RECORDS, &e).await;
                    return Err(End::Failed(e));
                }
            };
            node.set_stream(true, Some(leader_lsn));
            buf.clear();
            StreamMessage::Ack {
                epoch,
                durable_lsn: durable,
            }
            .encode_frame(STREAM_ID, &mut buf);
            socket.write_all(&buf).await.map_err(io)?;
        }
    }
    .await;
    reading.abort();
    result
}
