//! One client connection: HELLO first, then any number of pipelined requests.
//! A reader loop decodes frames and starts one task per request (bounded by
//! `max_in_flight`; when all are taken it stops reading, which pushes back on
//! the client through TCP). Replies go back in completion order, matched by
//! request id, through one writer task that coalesces them into few writes.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::BytesMut;
use couponsd_client::frame_io::{FrameReader, ReadError};
use couponsd_client::wire::{
    opcode, ErrorBody, Frame, FrameError, HelloReply, Request, RequestError, Response, MAGIC,
    PROTOCOL_VERSION,
};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::auth::{self, Denied, Principal, Role};
use super::dispatch::{answer, dispatch, Dispatched};
use super::Shared;
use crate::cluster::rpc;
use crate::error::Error;
use crate::writer::ReplyTo;

pub async fn serve(
    socket: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) {
    let config = &shared.config;
    let _ = socket.set_nodelay(true);
    let (read_half, write_half) = socket.into_split();
    let mut reader = FrameReader::new(read_half, config.max_frame_length);
    let (replies, reply_rx) = mpsc::channel::<Outgoing>(config.max_in_flight);
    // Cancelled when the peer stops taking replies or the socket fails.
    let broken = CancellationToken::new();
    let write_task = tokio::spawn(write_replies(
        write_half,
        reply_rx,
        config.write_timeout,
        broken.clone(),
    ));

    if let Some(principal) = handshake(&mut reader, &replies, peer, &shared).await {
        tracing::debug!(%peer, role = principal.role.name(), "client authenticated");
        read_requests(
            &mut reader,
            &replies,
            &shared,
            principal,
            &shutdown,
            &broken,
        )
        .await;
    }
    drop(replies);
    if let Ok(Some(mut socket)) = write_task.await {
        let _ = socket.shutdown().await;
    }
}

/// Reads HELLO and answers it. None means the connection is to be closed (the
/// error reply has been queued).
async fn handshake(
    reader: &mut FrameReader<tokio::net::tcp::OwnedReadHalf>,
    replies: &mpsc::Sender<Outgoing>,
    peer: SocketAddr,
    shared: &Shared,
) -> Option<Principal> {
    let config = &shared.config;
    let frame = match tokio::time::timeout(config.handshake_timeout, reader.read_frame()).await {
        Err(_) => {
            send_error(
                replies,
                0,
                0,
                Error::Unauthenticated("no HELLO within the handshake timeout".into()),
            )
            .await;
            return None;
        }
        Ok(Ok(Some(frame))) => frame,
        Ok(Ok(None)) => return None,
        Ok(Err(e)) => {
            reply_to_read_error(replies, e).await;
            return None;
        }
    };
    let hello = match Request::decode(frame.opcode, &frame.body) {
        Ok(Request::Hello(h)) => h,
        Ok(_) | Err(RequestError::UnknownOpcode(_)) => {
            let e = Error::Unauthenticated("the first frame must be HELLO".into());
            send_error(replies, frame.request_id, frame.opcode, e).await;
            return None;
        }
        Err(RequestError::Decode(e)) => {
            send_error(
                replies,
                frame.request_id,
                frame.opcode,
                Error::Malformed(e.to_string()),
            )
            .await;
            return None;
        }
    };
    if hello.magic != MAGIC || hello.version != PROTOCOL_VERSION {
        let e = Error::UnsupportedVersion(format!(
            "this server speaks protocol version {PROTOCOL_VERSION} with magic CPND"
        ));
        send_error(replies, frame.request_id, frame.opcode, e).await;
        return None;
    }
    let credentials = shared.credentials.server.load();
    let principal = match auth::authenticate(&credentials.tokens, &hello.token, peer.ip()) {
        Ok(p) => p,
        Err(denied) => {
            let message = match denied {
                Denied::ProtectedMode => {
                    "no tokens are configured, so only loopback clients may connect"
                }
                Denied::BadToken => "unknown token",
            };
            tracing::warn!(%peer, message, "connection refused");
            send_error(
                replies,
                frame.request_id,
                frame.opcode,
                Error::Unauthenticated(message.into()),
            )
            .await;
            return None;
        }
    };
    let reply = Response::Hello(HelloReply {
        version: PROTOCOL_VERSION,
        server_version: env!("CARGO_PKG_VERSION").into(),
        role: shared.node.role(),
        max_frame_length: config.max_frame_length,
        max_in_flight: config.max_in_flight as u32,
    });
    let outgoing = Outgoing {
        request_id: frame.request_id,
        opcode: opcode::HELLO,
        result: Ok(reply),
        _permit: None,
    };
    replies.send(outgoing).await.ok()?;
    Some(principal)
}

async fn read_requests(
    reader: &mut FrameReader<tokio::net::tcp::OwnedReadHalf>,
    replies: &mpsc::Sender<Outgoing>,
    shared: &Arc<Shared>,
    principal: Principal,
    shutdown: &CancellationToken,
    broken: &CancellationToken,
) {
    let config = &shared.config;
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
    // A snapshot another node streams over this connection.
    let mut snapshot = None;
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = broken.cancelled() => break,
            next = tokio::time::timeout(config.idle_timeout, reader.read_frame()) => next,
        };
        let frame = match next {
            Err(_) if in_flight.available_permits() == config.max_in_flight => {
                tracing::debug!("closing idle connection");
                break;
            }
            Err(_) => continue,
            Ok(Ok(Some(frame))) => frame,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                reply_to_read_error(replies, e).await;
                break;
            }
        };
        let permit = tokio::select! {
            p = in_flight.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = broken.cancelled() => break,
        };
        let reply = ConnReply {
            queue: replies.clone(),
            request_id: frame.request_id,
            opcode: frame.opcode,
            permit,
        };
        match decode_and_dispatch(shared, &principal, &frame) {
            // Reads are answered here, in order; no task per request.
            Dispatched::Answer(result) => reply.send_now(result).await,
            // Mutations carry their reply slot to the writer, which fills it once
            // the batch is applied.
            Dispatched::Mutation(mutation) => shared.node.submit_to(mutation, Box::new(reply)),
            Dispatched::Linearizable(request) => {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let result = match shared.node.confirm_read().await {
                        Ok(()) => answer(&shared, request),
                        Err(e) => Err(e),
                    };
                    reply.send_now(result).await;
                });
            }
            Dispatched::Raft { opcode, body } => {
                let node = shared.node.clone();
                tokio::spawn(async move {
                    let result = rpc::answer(&node, opcode, &body).await.map(Response::Raft);
                    reply.send_now(result).await;
                });
            }
            // In order, on this connection: parts follow one another.
            Dispatched::Snapshot { opcode, body } => {
                let result = rpc::snapshot_message(&shared.node, &mut snapshot, opcode, &body)
                    .await
                    .map(Response::Raft);
                reply.send_now(result).await;
            }
            Dispatched::Membership(request) => {
                let node = shared.node.clone();
                tokio::spawn(async move {
                    let result = match request {
                        Request::ClusterAdd {
                            node_id,
                            addr,
                            voter,
                        } => node.add_member(node_id, addr, voter).await,
                        Request::ClusterRemove { node_id } => node.remove_member(node_id).await,
                        other => Err(Error::invalid(
                            "opcode",
                            format!("0x{:04x} is not a membership change", other.opcode()),
                        )),
                    };
                    reply
                        .send_now(result.map(|s| Response::Cluster(Box::new(s))))
                        .await;
                });
            }
        }
    }
    // Every request already read is answered (its permit comes back when the
    // reply writer has taken the reply) before the connection closes.
    let _ = in_flight.acquire_many(config.max_in_flight as u32).await;
}

fn decode_and_dispatch(shared: &Shared, principal: &Principal, frame: &Frame) -> Dispatched {
    // The role first, from the opcode alone: a body the caller may not send
    // is not even decoded.
    let Some(required) = Role::required_for(frame.opcode) else {
        return Err(Error::UnknownOpcode(frame.opcode)).into();
    };
    if principal.role < required {
        return Err(Error::PermissionDenied(format!(
            "role {} may not use {}",
            principal.role.name(),
            opcode::name(frame.opcode).unwrap_or("this opcode")
        )))
        .into();
    }
    let request = match Request::decode(frame.opcode, &frame.body) {
        Ok(request) => request,
        Err(RequestError::UnknownOpcode(op)) => return Err(Error::UnknownOpcode(op)).into(),
        Err(RequestError::Decode(e)) => return Err(Error::Malformed(e.to_string())).into(),
    };
    // A bug in one request's handling must not take the connection down or
    // leave the client waiting: a panic becomes an INTERNAL reply.
    std::panic::catch_unwind(AssertUnwindSafe(|| dispatch(shared, principal, request)))
        .unwrap_or_else(|_| {
            tracing::error!(opcode = frame.opcode, "request handler panicked");
            Err(Error::Panicked).into()
        })
}

/// One reply on its way to the socket.
pub struct Outgoing {
    request_id: u32,
    opcode: u16,
    result: Result<Response, Error>,
    /// The request's in-flight slot, given back once the reply writer takes the
    /// reply: so the queue never holds more than `max_in_flight` replies, and
    /// the writer thread's non-blocking send never finds it full.
    _permit: Option<OwnedSemaphorePermit>,
}

/// Where a request's answer goes.
struct ConnReply {
    queue: mpsc::Sender<Outgoing>,
    request_id: u32,
    opcode: u16,
    permit: OwnedSemaphorePermit,
}

impl ConnReply {
    fn into_outgoing(self, result: Result<Response, Error>) -> (mpsc::Sender<Outgoing>, Outgoing) {
        let outgoing = Outgoing {
            request_id: self.request_id,
            opcode: self.opcode,
            result,
            _permit: Some(self.permit),
        };
        (self.queue, outgoing)
    }

    async fn send_now(self, result: Result<Response, Error>) {
        let (queue, outgoing) = self.into_outgoing(result);
        let _ = queue.send(outgoing).await;
    }
}

impl ReplyTo for ConnReply {
    fn send(self: Box<Self>, result: Result<Response, Error>) {
        let (queue, outgoing) = self.into_outgoing(result);
        // Cannot be full (see Outgoing::_permit); fails only if the peer is gone.
        let _ = queue.try_send(outgoing);
    }
}

fn encode_reply(buf: &mut BytesMut, reply: Outgoing) {
    match &reply.result {
        Ok(response) => response.encode_frame(reply.request_id, reply.opcode, buf),
        Err(e) => encode_error(buf, reply.request_id, reply.opcode, e),
    }
}

fn encode_error(buf: &mut BytesMut, request_id: u32, op: u16, e: &Error) {
    if matches!(e, Error::Storage(_)) {
        tracing::error!(error = %e, "request failed");
    }
    let body = ErrorBody {
        message: e.to_string(),
        leader: e.leader().to_string(),
    };
    body.encode_frame(request_id, op, e.code(), buf);
}

async fn send_error(replies: &mpsc::Sender<Outgoing>, request_id: u32, opcode: u16, error: Error) {
    let outgoing = Outgoing {
        request_id,
        opcode,
        result: Err(error),
        _permit: None,
    };
    let _ = replies.send(outgoing).await;
}

/// A frame that cannot be read leaves the stream out of step: say why, then close.
async fn reply_to_read_error(replies: &mpsc::Sender<Outgoing>, e: ReadError) {
    let error = match e {
        ReadError::Frame(FrameError::TooLarge { .. }) => Error::FrameTooLarge(e.to_string()),
        ReadError::Frame(_) => Error::Malformed(e.to_string()),
        ReadError::Truncated | ReadError::Io(_) => return,
    };
    tracing::debug!(error = %error, "closing connection after a bad frame");
    send_error(replies, 0, 0, error).await;
}

/// Encodes replies and writes them, as many per write as are ready. Gives
/// the socket back once the queue closes (None if the socket failed).
async fn write_replies(
    mut socket: OwnedWriteHalf,
    mut replies: mpsc::Receiver<Outgoing>,
    timeout: std::time::Duration,
    broken: CancellationToken,
) -> Option<OwnedWriteHalf> {
    let mut batch = BytesMut::with_capacity(64 * 1024);
    while let Some(first) = replies.recv().await {
        encode_reply(&mut batch, first);
        while batch.len() < 256 * 1024 {
            match replies.try_recv() {
                Ok(more) => encode_reply(&mut batch, more),
                Err(_) => break,
            }
        }
        match tokio::time::timeout(timeout, socket.write_all(&batch)).await {
            Ok(Ok(())) => batch.clear(),
            Ok(Err(_)) | Err(_) => {
                broken.cancel();
                return None;
            }
        }
    }
    Some(socket)
}

pub fn count_open(shared: &Shared, delta: i32) {
    if delta > 0 {
        shared.connections.fetch_add(1, Ordering::Relaxed);
    } else {
        shared.connections.fetch_sub(1, Ordering::Relaxed);
    }
}
