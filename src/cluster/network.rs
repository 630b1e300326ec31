//! Raft's messages to the other nodes, over the protocol's own frames: a
//! pipelined `couponsd_client::Client` per peer, authenticated with the peer
//! token, carrying RAFT_APPEND, RAFT_VOTE and RAFT_SNAPSHOT_* (see `codec`
//! and `snapshot` for their bodies), and a follower's VIEWS_FORWARD.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use couponsd_client::wire::{opcode, Reader, MAX_FRAME_LENGTH};
use couponsd_client::{Client, ClientError, ClientOptions};
use futures_util::stream::{FuturesOrdered, StreamExt};
use openraft::error::{
    Fatal, NetworkError, PayloadTooLarge, RPCError, RaftError, ReplicationClosed, StreamingError,
    Timeout, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::RPCTypes;

use super::codec;
use super::node::Contacts;
use super::snapshot;
use super::types::{Node, NodeId, Snapshot, SnapshotData, TypeConfig, Vote};

/// Snapshot parts in flight at once to one receiver.
const SNAPSHOT_PARTS_IN_FLIGHT: usize = 8;
/// How long one snapshot part may take to be stored by the receiver.
const SNAPSHOT_PART_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest body a frame may carry.
const BODY_MAX: usize = MAX_FRAME_LENGTH as usize - couponsd_client::wire::frame::HEADER_LEN;

type RpcError<E = openraft::error::Infallible> = RPCError<NodeId, Node, RaftError<NodeId, E>>;

/// How this node proves itself to the others: read at every new connection,
/// so that a reload (SIGHUP) applies to the next one.
#[derive(Debug, Clone, Default)]
pub struct PeerAuth {
    /// Presented in HELLO (the others accept it as admin); empty when they
    /// have no tokens.
    pub token: String,
    /// TLS to the other nodes (this node's certificate as a client
    /// certificate, theirs checked against the CA); none: plaintext.
    pub tls: Option<couponsd_client::TlsOptions>,
}

struct Shared {
    id: NodeId,
    cluster_id: Arc<AtomicU64>,
    /// Everything but the credentials, which come from `auth`.
    options: ClientOptions,
    auth: Arc<ArcSwap<PeerAuth>>,
    contacts: Arc<Contacts>,
    /// One pipelined connection per peer, shared by every message to it.
    connections: Mutex<HashMap<NodeId, (String, Client)>>,
}

/// Makes a `Peer` for each node openraft talks to.
#[derive(Clone)]
pub struct Network {
    shared: Arc<Shared>,
}

impl Network {
    pub fn new(
        id: NodeId,
        cluster_id: Arc<AtomicU64>,
        auth: Arc<ArcSwap<PeerAuth>>,
        contacts: Arc<Contacts>,
    ) -> Network {
        let options = ClientOptions {
            client_name: format!("couponsd-node-{id}"),
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(60),
            follow_leader: false,
            ..ClientOptions::default()
        };
        Network {
            shared: Arc::new(Shared {
                id,
                cluster_id,
                options,
                auth,
                contacts,
                connections: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Messages to the node `target` at `addr`, over the connection openraft's
    /// messages to it share.
    pub fn peer(&self, target: NodeId, addr: String) -> Peer {
        Peer {
            target,
            addr,
            shared: self.shared.clone(),
        }
    }
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Peer;

    async fn new_client(&mut self, target: NodeId, node: &Node) -> Peer {
        self.peer(target, node.addr.clone())
    }
}

/// Messages to one node.
pub struct Peer {
    target: NodeId,
    addr: String,
    shared: Arc<Shared>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct PeerError(String);

impl Peer {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<NodeId, (String, Client)>> {
        self.shared
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The shared connection to this peer, opened if needed.
    async fn client(&self) -> Result<Client, ClientError> {
        if let Some((addr, client)) = self.lock().get(&self.target) {
            if *addr == self.addr && !client.is_closed() {
                return Ok(client.clone());
            }
        }
        let client = Client::connect_with(&self.addr, self.options()).await?;
        self.lock()
            .insert(self.target, (self.addr.clone(), client.clone()));
        Ok(client)
    }

    /// How to connect, with the credentials in force now.
    fn options(&self) -> ClientOptions {
        let auth = self.shared.auth.load();
        ClientOptions {
            token: auth.token.clone(),
            tls: auth.tls.clone(),
            ..self.shared.options.clone()
        }
    }

    fn cluster_id(&self) -> u64 {
        self.shared.cluster_id.load(Ordering::Acquire)
    }

    /// Sends one message and returns the reply's body. A connection that
    /// failed or timed out is dropped: it may be stuck (a partition; TCP
    /// backing off its retransmissions), so the next message opens a fresh one.
    pub async fn send(
        &self,
        op: u16,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, ClientError> {
        let exchange = async {
            let client = self.client().await?;
            client.raft(op, body).await
        };
        let reply = tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(ClientError::Timeout));
        match &reply {
            Ok(_) => self.shared.contacts.replied(self.target),
            // A refusal: the connection itself is fine.
            Err(ClientError::Server { .. }) => {}
            Err(_) => {
                self.lock().remove(&self.target);
            }
        }
        reply
    }

    /// `send`, for openraft.
    async fn call<E: std::error::Error>(
        &self,
        action: RPCTypes,
        op: u16,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, RpcError<E>> {
        match self.send(op, body, timeout).await {
            Ok(body) => Ok(body),
            Err(ClientError::Timeout) => Err(RPCError::Timeout(Timeout {
                action,
                id: self.shared.id,
                target: self.target,
                timeout,
            })),
            Err(e) => {
                tracing::debug!(target = self.target, addr = %self.addr, error = %e, "raft message failed");
                Err(RPCError::Unreachable(Unreachable::new(&PeerError(
                    format!("node {} at {}: {e}", self.target, self.addr),
                ))))
            }
        }
    }
}

fn undecodable<E: std::error::Error>(e: impl std::fmt::Display) -> RpcError<E> {
    RPCError::Network(NetworkError::new(&PeerError(format!(
        "a reply that does not decode: {e}"
    ))))
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RpcError> {
        let encoded: Vec<Vec<u8>> = rpc.entries.iter().map(codec::encode_entry).collect();
        // The message's fixed part is under 100 bytes; each entry adds 4.
        let mut size = 128;
        let mut fit = 0;
        for e in &encoded {
            if size + 4 + e.len() > BODY_MAX {
                break;
            }
            size += 4 + e.len();
            fit += 1;
        }
        if fit == 0 && !encoded.is_empty() {
            tracing::error!(
                target = self.target,
                bytes = encoded[0].len(),
                "a log entry larger than a frame cannot be sent"
            );
            return Err(RPCError::Unreachable(Unreachable::new(&PeerError(
                "a log entry larger than a frame".into(),
            ))));
        }
        if fit < encoded.len() {
            return Err(RPCError::PayloadTooLarge(
                PayloadTooLarge::new_entries_hint(fit as u64),
            ));
        }
        let body =
            codec::encode(|w| codec::write_append_request(w, self.cluster_id(), &rpc, &encoded));
        let reply = self
            .call(
                RPCTypes::AppendEntries,
                opcode::RAFT_APPEND,
                body,
                option.hard_ttl(),
            )
            .await?;
        codec::read_append_response(&mut Reader::new(&reply)).map_err(undecodable)
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RpcError> {
        let body = codec::encode(|w| codec::write_vote_request(w, self.cluster_id(), &rpc));
        let reply = self
            .call(RPCTypes::Vote, opcode::RAFT_VOTE, body, option.hard_ttl())
            .await?;
        codec::read_vote_response(&mut Reader::new(&reply)).map_err(undecodable)
    }

    async fn full_snapshot(
        &mut self,
        vote: Vote,
        snapshot: Snapshot,
        cancel: impl Future<Output = ReplicationClosed> + Send + 'static,
        _option: RPCOption,
    ) -> Result<SnapshotResponse<NodeId>, StreamingError<TypeConfig, Fatal<NodeId>>> {
        let meta = snapshot.meta;
        let SnapshotData::Source(source) = *snapshot.snapshot else {
            return Err(StreamingError::Unreachable(Unreachable::new(&PeerError(
                "no snapshot source to send".into(),
            ))));
        };
        let unreachable = |e: ClientError| {
            StreamingError::Unreachable(Unreachable::new(&PeerError(format!(
                "sending a snapshot to node {} at {}: {e}",
                self.target, self.addr
            ))))
        };
        tracing::info!(target = self.target, last_log_id = ?meta.last_log_id, "sending a snapshot");
        // Its own connection: a snapshot takes a while.
        let client = Client::connect_with(&self.addr, self.options())
            .await
            .map_err(unreachable)?;
        let begin = codec::encode(|w| {
            w.u64(self.cluster_id());
            codec::write_vote(w, &vote);
            codec::write_snapshot_meta(w, &meta);
        });
        client
            .raft(opcode::RAFT_SNAPSHOT_BEGIN, begin)
            .await
            .map_err(unreachable)?;
        let (parts, mut incoming) =
            tokio::sync::mpsc::channel::<snapshot::Part>(SNAPSHOT_PARTS_IN_FLIGHT);
        let producer = tokio::task::spawn_blocking(move || {
            snapshot::send(&source, |p| parts.blocking_send(p).is_ok())
        });
        let send_parts = async {
            let mut in_flight = FuturesOrdered::new();
            loop {
                let room = in_flight.len() < SNAPSHOT_PARTS_IN_FLIGHT;
                tokio::select! {
                    part = incoming.recv(), if room => match part {
                        Some(part) => {
                            let body = codec::encode(|w| part.write(w));
                            let client = client.clone();
                            in_flight.push_back(async move {
                                tokio::time::timeout(SNAPSHOT_PART_TIMEOUT, client.raft(opcode::RAFT_SNAPSHOT_PART, body))
                                    .await
                                    .map_err(|_| ClientError::Timeout)?
                            });
                        }
                        None => break,
                    },
                    Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                        done.map_err(unreachable)?;
                    }
                }
            }
            while let Some(done) = in_flight.next().await {
                done.map_err(unreachable)?;
            }
            Ok::<(), StreamingError<TypeConfig, Fatal<NodeId>>>(())
        };
        tokio::select! {
            sent = send_parts => sent?,
            closed = cancel => return Err(StreamingError::Closed(closed)),
        }
        drop(incoming);
        let end = producer
            .await
            .map_err(|e| unreachable(ClientError::Io(e.to_string())))?
            .map_err(|e| unreachable(ClientError::Io(e.to_string())))?
            .ok_or_else(|| unreachable(ClientError::Disconnected))?;
        let reply = client
            .raft(opcode::RAFT_SNAPSHOT_END, codec::encode(|w| end.write(w)))
            .await
            .map_err(unreachable)?;
        let vote = codec::read_vote(&mut Reader::new(&reply))
            .map_err(|e| StreamingError::Network(NetworkError::new(&PeerError(e.to_string()))))?;
        self.shared.contacts.replied(self.target);
        tracing::info!(target = self.target, parts = end.parts, "snapshot sent");
        Ok(SnapshotResponse::new(vote))
    }

    fn backoff(&self) -> openraft::network::Backoff {
        openraft::network::Backoff::new(std::iter::repeat(Duration::from_millis(200)))
    }
}
