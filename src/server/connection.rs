//! One client connection: HELLO first, then any number of pipelined requests.
//! A reader loop decodes frames and starts one task per request (bounded by
//! `max_in_flight`; when all are taken it stops reading, which pushes back on
//! the client through TCP). Replies go back in completion order, matched by
//! request id, through one writer task that coalesces them into few writes.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use couponsd_client::frame_io::{FrameReader, ReadError};
use couponsd_client::wire::{
    opcode, ErrorBody, Frame, FrameError, HelloReply, Request, RequestError, Response, MAGIC,
    PROTOCOL_VERSION,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::admission::Admitted;
use super::auth::{self, Caller, Denied, Principal, Role};
use super::dispatch::{self, answer, dispatch, Dispatched};
use super::reply_budget::{self, ConnReplies};
use super::tls::{self, TLS_HANDSHAKE_RECORD};
use super::Shared;
use crate::cluster::rpc;
use crate::error::Error;
use crate::log_limit::{LogLimit, DEFAULT_INTERVAL};
use crate::writer::ReplyTo;

/// Serves one accepted connection; `admitted` is its place among the
/// connections not yet authenticated, given back once HELLO succeeds.
/// Replies are gathered into one write up to about this many bytes.
const WRITE_BATCH_BYTES: usize = 64 * 1024;

pub async fn serve(
    socket: TcpStream,
    peer: SocketAddr,
    admitted: Admitted,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) {
    let _ = socket.set_nodelay(true);
    // The whole handshake, TLS and HELLO, has one deadline.
    let deadline = tokio::time::Instant::now() + shared.config.handshake_timeout;
    let Some(tls) = shared.credentials.server.load().tls.clone() else {
        let (read_half, write_half) = socket.into_split();
        let stream = Stream {
            read_half,
            write_half,
            certified: None,
        };
        return serve_stream(stream, peer, admitted, deadline, shared, shutdown).await;
    };
    let mut first = [0u8; 1];
    match tokio::time::timeout_at(deadline, socket.peek(&mut first)).await {
        Ok(Ok(1..)) => {}
        // Closed, failed or silent before its first byte.
        _ => return,
    }
    if first[0] == TLS_HANDSHAKE_RECORD {
        let accepted = tokio::time::timeout_at(deadline, tls.acceptor.accept(socket)).await;
        let stream = match accepted {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::info!(%peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => return,
        };
        let certified = tls::principal_of(
            stream.get_ref().1.peer_certificates(),
            &shared.config.client_cert_roles,
        );
        let (read_half, write_half) = tokio::io::split(stream);
        let stream = Stream {
            read_half,
            write_half,
            certified,
        };
        serve_stream(stream, peer, admitted, deadline, shared, shutdown).await
    } else if shared.config.plaintext_loopback && auth::is_loopback(peer.ip()) {
        let (read_half, write_half) = socket.into_split();
        let stream = Stream {
            read_half,
            write_half,
            certified: None,
        };
        serve_stream(stream, peer, admitted, deadline, shared, shutdown).await
    } else {
        tracing::info!(%peer, "plaintext refused: this server speaks TLS");
        super::refuse(
            &socket,
            couponsd_client::wire::ErrorCode::Unauthenticated,
            "this server requires TLS",
        );
    }
}

/// An accepted connection, plaintext or TLS, and the role its client
/// certificate gives, if any.
struct Stream<R, W> {
    read_half: R,
    write_half: W,
    certified: Option<Principal>,
}

async fn serve_stream<R, W>(
    stream: Stream<R, W>,
    peer: SocketAddr,
    admitted: Admitted,
    deadline: tokio::time::Instant,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let config = &shared.config;
    let Stream {
        read_half,
        write_half,
        certified,
    } = stream;
    let mut reader = FrameReader::new(read_half, config.max_frame_length);
    let (queue, reply_rx) = mpsc::channel::<Outgoing>(config.max_in_flight);
    let replies = Replies {
        queue,
        budget: Arc::new(ConnReplies::new(
            config.max_unread_reply_bytes,
            shared.reply_memory.clone(),
        )),
    };
    // Cancelled when the peer stops taking replies or the socket fails.
    let broken = CancellationToken::new();
    let write_task = tokio::spawn(write_replies(
        write_half,
        reply_rx,
        config.write_timeout,
        broken.clone(),
    ));

    let handshake = tokio::time::timeout_at(
        deadline,
        handshake(&mut reader, &replies, peer, certified, &shared),
    )
    .await;
    let principal = match handshake {
        Ok(principal) => principal,
        Err(_) => {
            let e = Error::Unauthenticated("no HELLO within the handshake timeout".into());
            replies.send_error(0, 0, e).await;
            None
        }
    };
    drop(admitted);
    if let Some(principal) = principal {
        tracing::debug!(%peer, role = principal.role.name(), "client authenticated");
        read_requests(
            &mut reader,
            &replies,
            &shared,
            principal,
            peer,
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
async fn handshake<R: AsyncRead + Unpin>(
    reader: &mut FrameReader<R>,
    replies: &Replies,
    peer: SocketAddr,
    certified: Option<Principal>,
    shared: &Shared,
) -> Option<Principal> {
    let config = &shared.config;
    let frame = match reader.read_frame().await {
        Ok(Some(frame)) => frame,
        Ok(None) => return None,
        Err(e) => {
            replies.reply_to_read_error(e).await;
            return None;
        }
    };
    let hello = match Request::decode(frame.opcode, &frame.body) {
        Ok(Request::Hello(h)) => h,
        Ok(_) | Err(RequestError::UnknownOpcode(_)) => {
            let e = Error::Unauthenticated("the first frame must be HELLO".into());
            replies.send_error(frame.request_id, frame.opcode, e).await;
            return None;
        }
        Err(RequestError::Decode(e)) => {
            let e = Error::Malformed(e.to_string());
            replies.send_error(frame.request_id, frame.opcode, e).await;
            return None;
        }
    };
    if hello.magic != MAGIC || hello.version != PROTOCOL_VERSION {
        let e = Error::UnsupportedVersion(format!(
            "this server speaks protocol version {PROTOCOL_VERSION} with magic CPND"
        ));
        replies.send_error(frame.request_id, frame.opcode, e).await;
        return None;
    }
    let credentials = shared.credentials.server.load();
    let principal =
        match auth::authenticate(&credentials.tokens, &hello.token, certified, peer.ip()) {
            Ok(p) => p,
            Err(denied) => {
                let message = match denied {
                    Denied::ProtectedMode => {
                        "no tokens are configured, so only loopback clients may connect"
                    }
                    Denied::BadToken => "unknown token",
                };
                tracing::warn!(%peer, message, "connection refused");
                let e = Error::Unauthenticated(message.into());
                replies.send_error(frame.request_id, frame.opcode, e).await;
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
    let outgoing = replies.encode(frame.request_id, opcode::HELLO, &Ok(reply), None);
    replies.queue.send(outgoing).await.ok()?;
    Some(principal)
}

async fn read_requests<R: AsyncRead + Unpin>(
    reader: &mut FrameReader<R>,
    replies: &Replies,
    shared: &Arc<Shared>,
    principal: Principal,
    peer: SocketAddr,
    shutdown: &CancellationToken,
    broken: &CancellationToken,
) {
    let caller = Caller::new(principal, peer.ip());
    let config = &shared.config;
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
    // A snapshot another node streams over this connection.
    let mut snapshot = None;
    // A backup this connection takes.
    let mut backup = None;
    loop {
        // Unwritten replies past this connection's share (or the server's)
        // stop its reading, as requests in flight do: TCP pushes back.
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = broken.cancelled() => break,
            _ = replies.budget.room() => {}
        }
        // A frame once begun must end within the frame timeout, however
        // slowly its bytes trickle in; between frames, the idle timeout.
        let next = tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = broken.cancelled() => break,
            next = reader.read_frame_within(config.idle_timeout, config.frame_timeout) => next,
        };
        let frame = match next {
            Err(ReadError::Idle) if in_flight.available_permits() == config.max_in_flight => {
                tracing::debug!("closing idle connection");
                break;
            }
            Err(ReadError::Idle) => continue,
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(e) => {
                replies.reply_to_read_error(e).await;
                break;
            }
        };
        // Its reply (before any shared permit is taken) must fit too: a connection holds at most its share.
        let reserved = reply_budget::reserve_bytes(frame.opcode);
        tokio::select! {
            _ = replies.budget.room_for(reserved) => {}
            _ = broken.cancelled() => break,
        }
        let permit = tokio::select! {
            p = in_flight.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = broken.cancelled() => break,
        };
        // Reads that walk many rows run a few at a time, server-wide: a
        // client pipelining them waits here, not on the CPU others need.
        let long_read = if dispatch::reads_long(frame.opcode) {
            tokio::select! {
                p = shared.long_reads.clone().acquire_owned() => p.ok(),
                _ = broken.cancelled() => break,
            }
        } else {
            None
        };
        replies.budget.charge(reserved);
        crate::metrics::request_started();
        let reply = ConnReply(Some(PendingReply {
            replies: replies.clone(),
            request_id: frame.request_id,
            opcode: frame.opcode,
            reserved,
            permit,
            read_at: Instant::now(),
        }));
        match decode_and_dispatch(shared, &caller, &frame) {
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
                    drop(long_read);
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
            // In order, on this connection: parts follow one another.
            Dispatched::Backup(request) => {
                let result = super::backup::message(shared, &mut backup, request).await;
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

fn decode_and_dispatch(shared: &Shared, caller: &Caller, frame: &Frame) -> Dispatched {
    let principal = &caller.principal;
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
    std::panic::catch_unwind(AssertUnwindSafe(|| dispatch(shared, caller, request))).unwrap_or_else(
        |_| {
            tracing::error!(opcode = frame.opcode, "request handler panicked");
            Err(Error::Panicked).into()
        },
    )
}

/// One reply, encoded, on its way to the socket; its bytes (the buffer's
/// capacity: what it really holds) are charged to the connection's reply
/// budget until it is written or dropped.
pub struct Outgoing {
    bytes: BytesMut,
    budget: Arc<ConnReplies>,
    /// The request's in-flight slot, given back once the reply writer takes the
    /// reply: so the queue never holds more than `max_in_flight` replies, and
    /// the writer thread's non-blocking send never finds it full.
    _permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Outgoing {
    fn drop(&mut self) {
        self.budget.release(self.bytes.capacity());
    }
}

/// The way to a connection's reply writer, and what its replies hold.
#[derive(Clone)]
struct Replies {
    queue: mpsc::Sender<Outgoing>,
    budget: Arc<ConnReplies>,
}

impl Replies {
    /// Encodes a reply and charges its bytes (less what was reserved for it).
    fn encode(
        &self,
        request_id: u32,
        op: u16,
        result: &Result<Response, Error>,
        reserved: Option<(usize, OwnedSemaphorePermit)>,
    ) -> Outgoing {
        let mut bytes = BytesMut::new();
        match result {
            Ok(response) => response.encode_frame(request_id, op, &mut bytes),
            Err(e) => encode_error(&mut bytes, request_id, op, e),
        }
        let (reserved, permit) = match reserved {
            Some((bytes, permit)) => (bytes, Some(permit)),
            None => (0, None),
        };
        if bytes.capacity() > bytes.len() + bytes.len() / 8 {
            // Grown by doubling: keep only what the reply needs.
            bytes = BytesMut::from(&bytes[..]);
        }
        self.budget.settle(reserved, bytes.capacity());
        Outgoing {
            bytes,
            budget: self.budget.clone(),
            _permit: permit,
        }
    }

    async fn send_error(&self, request_id: u32, op: u16, error: Error) {
        let outgoing = self.encode(request_id, op, &Err(error), None);
        let _ = self.queue.send(outgoing).await;
    }

    /// A frame that cannot be read leaves the stream out of step: say why, then close.
    async fn reply_to_read_error(&self, e: ReadError) {
        let error = match e {
            ReadError::Frame(FrameError::TooLarge { .. }) => Error::FrameTooLarge(e.to_string()),
            ReadError::Frame(_) | ReadError::FrameTimeout(_) => Error::Malformed(e.to_string()),
            ReadError::Truncated | ReadError::Io(_) | ReadError::Idle => return,
        };
        tracing::debug!(error = %error, "closing connection after a bad frame");
        self.send_error(0, 0, error).await;
    }
}

/// Where a request's answer goes.
struct ConnReply(Option<PendingReply>);

/// What a reply slot holds until its answer is made.
struct PendingReply {
    replies: Replies,
    request_id: u32,
    opcode: u16,
    /// Charged to the budget when the request was read, for its reply.
    reserved: usize,
    permit: OwnedSemaphorePermit,
    /// When its frame was read: the request's latency ends with its reply made.
    read_at: Instant,
}

impl ConnReply {
    /// The encoded answer and where it goes; None once made.
    fn take_outgoing(
        &mut self,
        result: Result<Response, Error>,
    ) -> Option<(mpsc::Sender<Outgoing>, Outgoing)> {
        let pending = self.0.take()?;
        crate::metrics::request_answered(pending.opcode, &result, pending.read_at.elapsed());
        let outgoing = pending.replies.encode(
            pending.request_id,
            pending.opcode,
            &result,
            Some((pending.reserved, pending.permit)),
        );
        Some((pending.replies.queue, outgoing))
    }

    async fn send_now(mut self, result: Result<Response, Error>) {
        if let Some((queue, outgoing)) = self.take_outgoing(result) {
            let _ = queue.send(outgoing).await;
        }
    }
}

impl ReplyTo for ConnReply {
    fn send(mut self: Box<Self>, result: Result<Response, Error>) {
        if let Some((queue, outgoing)) = self.take_outgoing(result) {
            // Cannot be full (see Outgoing::_permit); fails only if the peer is gone.
            let _ = queue.try_send(outgoing);
        }
    }
}

impl Drop for ConnReply {
    /// A slot dropped unanswered (a panic on the way, a path that forgot
    /// it) still answers INTERNAL, and so gives back its reply budget and
    /// its in-flight permit: the client never waits forever.
    fn drop(&mut self) {
        if let Some((queue, outgoing)) = self.take_outgoing(Err(Error::Panicked)) {
            let _ = queue.try_send(outgoing);
        }
    }
}

fn encode_error(buf: &mut BytesMut, request_id: u32, op: u16, e: &Error) {
    // While the disk is full every write fails alike: a line per interval
    // (with the count left out), not one per request.
    static FAILED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
    static REFUSED: LogLimit = LogLimit::new(DEFAULT_INTERVAL);
    match e {
        Error::Storage(_) => {
            if let Some(s) = FAILED.admit() {
                tracing::error!(error = %e, "request failed{s}");
            }
        }
        Error::StorageUnavailable(_) => {
            if let Some(s) = REFUSED.admit() {
                tracing::warn!(error = %e, "request refused{s}");
            }
        }
        _ => {}
    }
    let body = ErrorBody {
        message: e.to_string(),
        leader: e.leader().to_string(),
    };
    body.encode_frame(request_id, op, e.code(), buf);
}

/// Encodes replies and writes them, as many per write as are ready. Gives
/// the socket back once the queue closes (None if the socket failed).
async fn write_replies<W: AsyncWrite + Unpin>(
    socket: W,
    mut replies: mpsc::Receiver<Outgoing>,
    timeout: std::time::Duration,
    broken: CancellationToken,
) -> Option<W> {
    // Small replies are gathered into one write; a reply as large as the
    // buffer goes out as it is, never copied.
    let mut socket = BufWriter::with_capacity(WRITE_BATCH_BYTES, socket);
    let mut failed = false;
    while let Some(first) = replies.recv().await {
        if failed {
            // The peer is gone: drop what is left (its bytes go back).
            continue;
        }
        let written =
            tokio::time::timeout(timeout, write_ready(&mut socket, first, &mut replies)).await;
        if !matches!(written, Ok(Ok(()))) {
            broken.cancel();
            failed = true;
        }
    }
    (!failed).then(|| socket.into_inner())
}

/// Writes `first` and whatever replies are ready behind it (up to a batch),
/// then flushes.
async fn write_ready<W: AsyncWrite + Unpin>(
    socket: &mut BufWriter<W>,
    first: Outgoing,
    replies: &mut mpsc::Receiver<Outgoing>,
) -> std::io::Result<()> {
    let mut batch_bytes = first.bytes.len();
    socket.write_all(&first.bytes).await?;
    drop(first);
    while batch_bytes < WRITE_BATCH_BYTES {
        let Ok(more) = replies.try_recv() else { break };
        batch_bytes += more.bytes.len();
        socket.write_all(&more.bytes).await?;
    }
    socket.flush().await
}

pub fn count_open(shared: &Shared, delta: i32) {
    if delta > 0 {
        shared.connections.fetch_add(1, Ordering::Relaxed);
    } else {
        shared.connections.fetch_sub(1, Ordering::Relaxed);
    }
}
