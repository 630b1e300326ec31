//! One follower's stream, leader side. After the subscribe reply: a snapshot
//! if the follower needs one, then every log record after the follower's LSN,
//! batched (as many records per frame as fit in `RECORDS_BYTES`) and pipelined
//! (no waiting for acks), and a heartbeat when there is nothing to send. A
//! second task reads the follower's acks into the hub.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use couponsd_client::frame_io::FrameReader;
use couponsd_client::wire::{
    opcode, CatchUp, ErrorBody, ErrorCode, RecordsFrame, Response, StreamMessage, SubscribeRequest,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::catch_up::{check_epoch, plan, LeaderPosition};
use super::hub::FollowerGuard;
use super::node::Node;
use super::snapshot;
use crate::domain::now_ms;
use crate::error::{Error, Result};
use crate::storage::write_keys;

/// Most record bytes per REPL_RECORDS frame.
const RECORDS_BYTES: usize = 512 << 10;
/// Most records read from the log at a time.
const RECORDS_PER_READ: usize = 4096;
/// A heartbeat goes out after this long without records.
const HEARTBEAT: Duration = Duration::from_millis(200);
/// A follower that sends nothing (acks answer heartbeats) for this long is gone.
const FOLLOWER_SILENCE: Duration = Duration::from_secs(10);
/// How long a follower may take a snapshot without a word (see `read_acks`).
const SNAPSHOT_PATIENCE: Duration = Duration::from_secs(24 * 3600);

pub struct Stream {
    pub node: Arc<Node>,
    pub socket: OwnedWriteHalf,
    pub request_id: u32,
    pub peer: SocketAddr,
    pub write_timeout: Duration,
    pub shutdown: CancellationToken,
}

/// Serves one follower until it goes away, falls behind the log, or this
/// node stops being the leader.
pub async fn serve(
    mut stream: Stream,
    reader: FrameReader<OwnedReadHalf>,
    request: SubscribeRequest,
) {
    let peer = stream.peer;
    match run(&mut stream, reader, &request).await {
        Ok(()) => tracing::info!(%peer, name = request.name, "follower stream ended"),
        Err(e) => {
            tracing::warn!(%peer, name = request.name, error = %e, "follower stream ended");
            let mut buf = BytesMut::new();
            let body = ErrorBody {
                message: e.to_string(),
                leader: e.leader().to_string(),
            };
            body.encode_frame(
                stream.request_id,
                opcode::REPL_SUBSCRIBE,
                e.code(),
                &mut buf,
            );
            let _ = tokio::time::timeout(stream.write_timeout, stream.socket.write_all(&buf)).await;
        }
    }
    let _ = stream.socket.shutdown().await;
}

fn position(node: &Node) -> Result<LeaderPosition> {
    let view = node.core().store.read()?;
    Ok(LeaderPosition {
        cluster_id: view.meta(write_keys::CLUSTER_ID)?,
        epoch: node.epoch(),
        last_lsn: view.meta(write_keys::LAST_LSN)?,
        first_log_lsn: view.first_lsn()?,
        epochs: view.epochs()?,
    })
}

async fn run(
    stream: &mut Stream,
    reader: FrameReader<OwnedReadHalf>,
    request: &SubscribeRequest,
) -> Result<()> {
    let node = stream.node.clone();
    // Whoever leads, a newer epoch means this node must not.
    if let Err(stale) = check_epoch(request, node.epoch()) {
        node.fence(request.epoch);
        return Err(stale);
    }
    node.with_writer(|_| ())?;
    let reply = plan(request, &position(&node)?)?;
    let epoch = reply.epoch;
    let mut buf = BytesMut::new();
    Response::Subscribed(reply.clone()).encode_frame(
        stream.request_id,
        opcode::REPL_SUBSCRIBE,
        &mut buf,
    );
    write(stream, &buf).await?;
    let start = match reply.mode {
        CatchUp::Log => request.last_lsn,
        CatchUp::Snapshot => 0,
    };
    let follower = node
        .hub
        .register(request.name.clone(), stream.peer.to_string(), start);
    tracing::info!(peer = %stream.peer, name = request.name, mode = reply.mode.name(), from = start, "follower subscribed");
    let gone = CancellationToken::new();
    // A follower sends nothing while it takes and installs a snapshot: its
    // silence counts only from its first ack (a dead one fails our writes).
    let patient = reply.mode == CatchUp::Snapshot;
    let acks = tokio::spawn(read_acks(
        reader,
        follower,
        node.clone(),
        gone.clone(),
        patient,
    ));
    let result = async {
        let mut sent = start;
        if reply.mode == CatchUp::Snapshot {
            sent = send_snapshot(stream, &node, epoch, &gone).await?;
        }
        send_log(stream, &node, epoch, sent, &gone).await
    }
    .await;
    gone.cancel();
    let ack_error = acks.await.ok().flatten();
    match (result, ack_error) {
        (Err(e), _) => Err(e),
        (Ok(()), Some(e)) => Err(e),
        (Ok(()), None) => Ok(()),
    }
}

async fn write(stream: &mut Stream, buf: &[u8]) -> Result<()> {
    match tokio::time::timeout(stream.write_timeout, stream.socket.write_all(buf)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(Error::Storage(crate::storage::StorageError::Io(e))),
        Err(_) => Err(Error::Busy("the follower does not take its stream")),
    }
}

/// Streams a snapshot; returns its LSN.
async fn send_snapshot(
    stream: &mut Stream,
    node: &Arc<Node>,
    epoch: u64,
    gone: &CancellationToken,
) -> Result<u64> {
    let (parts, mut incoming) = mpsc::channel::<StreamMessage>(4);
    let core = node.core();
    let producer = tokio::task::spawn_blocking(move || -> Result<u64> {
        let source = core.store.snapshot_source()?;
        let lsn = source.lsn();
        snapshot::send(&source, epoch, |m| parts.blocking_send(m).is_ok())?;
        Ok(lsn)
    });
    let mut buf = BytesMut::new();
    let mut count = 0u64;
    loop {
        let next = tokio::select! {
            m = incoming.recv() => m,
            _ = gone.cancelled() => None,
            _ = stream.shutdown.cancelled() => None,
        };
        let Some(message) = next else { break };
        buf.clear();
        message.encode_frame(stream.request_id, &mut buf);
        write(stream, &buf).await?;
        count += 1;
    }
    drop(incoming);
    let lsn = producer.await.map_err(|_| Error::Panicked)??;
    tracing::info!(peer = %stream.peer, parts = count, lsn, "snapshot sent");
    Ok(lsn)
}

/// Sends every record after `sent`, then keeps up with new commits.
async fn send_log(
    stream: &mut Stream,
    node: &Arc<Node>,
    epoch: u64,
    mut sent: u64,
    gone: &CancellationToken,
) -> Result<()> {
    let mut commits = node.hub.subscribe_commits();
    let mut buf = BytesMut::new();
    loop {
        if !node.is_leader() || node.epoch() != epoch {
            return Err(Error::NotLeader {
                leader: String::new(),
            });
        }
        let core = node.core();
        buf.clear();
        let mut next = sent + 1;
        let leader_lsn = tokio::task::block_in_place(|| -> Result<u64> {
            let view = core.store.read()?;
            let leader_lsn = view.meta(write_keys::LAST_LSN)?;
            let now = now_ms();
            let mut frame =
                RecordsFrame::begin(&mut buf, stream.request_id, epoch, leader_lsn, now);
            view.for_each_log_after(sent, RECORDS_PER_READ, |lsn, raw| {
                if lsn != next {
                    return false;
                }
                if frame.len(&buf) + raw.len() > RECORDS_BYTES && !frame.is_empty() {
                    // Finish the full frame before the next one's header
                    // follows it in `buf`: a frame's length and checksum
                    // cover everything up to the end of the buffer.
                    frame.finish(&mut buf);
                    frame =
                        RecordsFrame::begin(&mut buf, stream.request_id, epoch, leader_lsn, now);
                }
                frame.push(&mut buf, raw);
                next += 1;
                true
            })?;
            frame.finish(&mut buf);
            Ok(leader_lsn)
        })?;
        if next > sent + 1 {
            sent = next - 1;
            write(stream, &buf).await?;
            continue;
        }
        if leader_lsn > sent {
            // Records exist after `sent`, but not the next one: cut by retention.
            return Err(Error::LogGap(format!(
                "the follower needs record {} but the log no longer holds it; it will take a snapshot",
                sent + 1
            )));
        }
        tokio::select! {
            changed = commits.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
            }
            _ = tokio::time::sleep(HEARTBEAT) => {
                // `buf` holds one empty REPL_RECORDS frame: the heartbeat.
                write(stream, &buf).await?;
            }
            _ = gone.cancelled() => return Ok(()),
            _ = stream.shutdown.cancelled() => return Ok(()),
        }
    }
}

/// Reads acks until the follower goes away; a bad frame ends the stream with
/// the error to send back.
async fn read_acks(
    mut reader: FrameReader<OwnedReadHalf>,
    follower: FollowerGuard,
    node: Arc<Node>,
    gone: CancellationToken,
    mut patient: bool,
) -> Option<Error> {
    let error = loop {
        let silence = if patient {
            SNAPSHOT_PATIENCE
        } else {
            FOLLOWER_SILENCE
        };
        let next = tokio::select! {
            _ = gone.cancelled() => break None,
            next = tokio::time::timeout(silence, reader.read_frame()) => next,
        };
        patient = false;
        let frame = match next {
            Err(_) => break Some(Error::Busy("the follower sent nothing for 10 s")),
            Ok(Ok(Some(frame))) => frame,
            Ok(Ok(None)) | Ok(Err(_)) => break None,
        };
        if frame.status != ErrorCode::Ok.as_u16() {
            let body = ErrorBody::read(&frame.body);
            tracing::warn!(
                status = frame.status,
                message = body.message,
                "the follower refused the stream"
            );
            break None;
        }
        match StreamMessage::decode(frame.opcode, &frame.body) {
            Some(Ok(StreamMessage::Ack { epoch, durable_lsn })) => {
                if epoch > node.epoch() {
                    node.fence(epoch);
                    break Some(Error::StaleEpoch(format!(
                        "the follower acknowledged in epoch {epoch}, newer than this leader's"
                    )));
                }
                follower.ack(durable_lsn);
            }
            Some(Ok(other)) => {
                break Some(Error::invalid(
                    "opcode",
                    format!(
                        "a follower may only send REPL_ACK on its stream, not {:?}",
                        other.opcode()
                    ),
                ))
            }
            Some(Err(e)) => break Some(Error::Malformed(e.to_string())),
            None => {
                break Some(Error::invalid(
                    "opcode",
                    format!("0x{:04x} is not a replication stream message", frame.opcode),
                ))
            }
        }
    };
    gone.cancel();
    error
}
