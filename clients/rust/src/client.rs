//! A pipelined client: any number of tasks may call it at once; requests share
//! one connection and replies are matched by request id, so many requests are in
//! flight without a round trip each.
//!
//! Given the addresses of a cluster's nodes (`Client::connect_cluster`), it
//! also finds the leader and follows it: a NOT_LEADER reply is sent on to the
//! leader it names (nothing was applied, so that is always safe), and when a
//! node stops answering or no leader is known yet, requests that are safe to
//! repeat (`Request::is_idempotent`: reads, and redemptions, which are
//! idempotent per order) are retried on the other nodes until
//! `ClientOptions::failover_timeout` passes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::error::ClientError;
use crate::frame_io::FrameReader;
use crate::tls::TlsOptions;
use crate::wire::*;

#[derive(Clone)]
pub struct ClientOptions {
    /// Token sent in HELLO; empty for a server with no tokens configured (or
    /// when the client certificate gives the role).
    pub token: String,
    /// TLS; none: plaintext (which a server accepts only from loopback once
    /// it has a certificate).
    pub tls: Option<TlsOptions>,
    pub client_name: String,
    pub connect_timeout: Duration,
    /// How long one call may wait for its reply.
    pub request_timeout: Duration,
    /// Most requests in flight on this connection (never above the server's).
    pub max_in_flight: u32,
    /// When a follower answers NOT_LEADER naming the leader, send the request
    /// there (over a second connection, kept for later redirects).
    pub follow_leader: bool,
    /// How long a call keeps looking for a leader (no leader known, or the
    /// node it used went away) before it gives up. Zero: a call fails as soon
    /// as its node fails. Only a client of several nodes has somewhere to go.
    pub failover_timeout: Duration,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field(
                "token",
                &if self.token.is_empty() {
                    ""
                } else {
                    "<redacted>"
                },
            )
            .field("tls", &self.tls.is_some())
            .field("client_name", &self.client_name)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .field("follow_leader", &self.follow_leader)
            .field("failover_timeout", &self.failover_timeout)
            .finish()
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            token: String::new(),
            tls: None,
            client_name: concat!("couponsd-client-rust/", env!("CARGO_PKG_VERSION")).into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_in_flight: 256,
            follow_leader: true,
            failover_timeout: Duration::ZERO,
        }
    }
}

type ReplySender = oneshot::Sender<Result<Frame, ClientError>>;

struct Pending {
    /// None once the connection is gone: no new request may wait on it.
    waiters: Option<HashMap<u32, ReplySender>>,
}

struct Inner {
    outgoing: mpsc::Sender<Bytes>,
    pending: Mutex<Pending>,
    next_id: AtomicU32,
    in_flight: Semaphore,
    hello: HelloReply,
    options: ClientOptions,
    /// Where requests go when not to this connection: the leader a node
    /// named, or another node after this one failed.
    route: tokio::sync::Mutex<Option<(String, Option<Client>)>>,
    /// Every node this client may use, in the order to try them.
    nodes: Vec<String>,
}

/// A connection to one couponsd server. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    pub async fn connect(addr: &str) -> Result<Client, ClientError> {
        Client::connect_with(addr, ClientOptions::default()).await
    }

    pub async fn connect_with(addr: &str, options: ClientOptions) -> Result<Client, ClientError> {
        Client::connect_one(addr, options, vec![addr.to_string()]).await
    }

    /// Connects to the first of `nodes` that answers, and uses the others
    /// to find the leader and to fail over (see the module comment). With
    /// the default options, a call looks for a leader for up to 10 s.
    pub async fn connect_cluster(
        nodes: &[&str],
        mut options: ClientOptions,
    ) -> Result<Client, ClientError> {
        if options.failover_timeout.is_zero() {
            options.failover_timeout = Duration::from_secs(10);
        }
        let nodes: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
        let mut last = ClientError::Io("no node addresses given".into());
        for addr in &nodes {
            match Client::connect_one(addr, options.clone(), nodes.clone()).await {
                Ok(client) => return Ok(client),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    async fn connect_one(
        addr: &str,
        options: ClientOptions,
        nodes: Vec<String>,
    ) -> Result<Client, ClientError> {
        let stream = tokio::time::timeout(options.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ClientError::Timeout)??;
        stream.set_nodelay(true)?;
        match options.tls.clone() {
            None => {
                let (read_half, write_half) = stream.into_split();
                Client::start(read_half, write_half, options, nodes).await
            }
            Some(tls) => {
                let stream =
                    tokio::time::timeout(options.connect_timeout, tls.connect(addr, stream))
                        .await
                        .map_err(|_| ClientError::Timeout)??;
                let (read_half, write_half) = tokio::io::split(stream);
                Client::start(read_half, write_half, options, nodes).await
            }
        }
    }

    /// HELLO over a connected stream, then the reader and writer tasks.
    async fn start<R, W>(
        read_half: R,
        mut write_half: W,
        options: ClientOptions,
        nodes: Vec<String>,
    ) -> Result<Client, ClientError>
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let mut reader = FrameReader::new(read_half, MAX_FRAME_LENGTH);

        let hello = Request::Hello(Hello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            token: options.token.clone(),
            client_name: options.client_name.clone(),
        });
        let mut buf = BytesMut::new();
        hello.encode_frame(0, &mut buf);
        write_half.write_all(&buf).await?;
        let frame = tokio::time::timeout(options.connect_timeout, reader.read_frame())
            .await
            .map_err(|_| ClientError::Timeout)?
            .map_err(|e| ClientError::Io(e.to_string()))?
            .ok_or(ClientError::Disconnected)?;
        let hello = match into_response(opcode::HELLO, frame)? {
            Response::Hello(h) => h,
            other => {
                return Err(ClientError::Protocol(format!(
                    "HELLO answered with {other:?}"
                )))
            }
        };

        let max_in_flight = options.max_in_flight.min(hello.max_in_flight).max(1);
        let (outgoing, rx) = mpsc::channel::<Bytes>(max_in_flight as usize);
        let inner = Arc::new(Inner {
            outgoing,
            pending: Mutex::new(Pending {
                waiters: Some(HashMap::new()),
            }),
            next_id: AtomicU32::new(1),
            in_flight: Semaphore::new(max_in_flight as usize),
            hello,
            options,
            route: tokio::sync::Mutex::new(None),
            nodes,
        });
        tokio::spawn(write_loop(write_half, rx));
        tokio::spawn(read_loop(reader, Arc::downgrade(&inner)));
        Ok(Client { inner })
    }

    /// Whether the connection is gone (a call would fail at once).
    pub fn is_closed(&self) -> bool {
        self.inner.in_flight.is_closed()
    }

    /// What the server said in its HELLO reply.
    pub fn server_hello(&self) -> &HelloReply {
        &self.inner.hello
    }

    /// Sends one request and waits for its reply. A NOT_LEADER answer that
    /// names the leader is followed (see `ClientOptions::follow_leader`): a
    /// follower never applied the request, so sending it on is safe. With
    /// a failover timeout, the other nodes are tried as the module comment says.
    pub async fn call(&self, request: &Request) -> Result<Response, ClientError> {
        let options = &self.inner.options;
        let deadline = Instant::now() + options.failover_timeout;
        let mut pause = Duration::from_millis(20);
        let mut hops = 0;
        // The node whose NOT_LEADER named the node tried now, for messages.
        let mut named_by: Option<String> = None;
        loop {
            let (addr, result) = match self.target().await {
                Ok((addr, client)) => (addr, client.call_here(request).await),
                Err((addr, e)) => {
                    // Not even connected: nothing was sent, so any request may
                    // be tried again; the error says which node did not answer.
                    let error = unreachable(&addr, named_by.as_deref(), e);
                    if Instant::now() < deadline && options.follow_leader {
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_millis(500));
                        self.route_to_next(&addr).await;
                        named_by = None;
                        continue;
                    }
                    return Err(error);
                }
            };
            let next = match &result {
                Err(ClientError::Server {
                    code: ErrorCode::NotLeader,
                    leader,
                    ..
                }) if options.follow_leader && !leader.is_empty() && *leader != addr => {
                    Some(leader.clone())
                }
                // Nothing was applied: any node may be tried (one whose
                // disk was full may have room by the next try).
                Err(ClientError::Server {
                    code:
                        ErrorCode::NotLeader
                        | ErrorCode::ShuttingDown
                        | ErrorCode::NoQuorum
                        | ErrorCode::StorageUnavailable,
                    ..
                }) => None,
                // The outcome is unknown: only what is safe to repeat is.
                Err(ClientError::Disconnected | ClientError::Io(_) | ClientError::Timeout)
                    if request.is_idempotent() =>
                {
                    None
                }
                _ => return result,
            };
            hops += 1;
            let failover = Instant::now() < deadline;
            match next {
                // A named leader is worth a few direct hops even without failover.
                Some(leader) if hops <= 3 || failover => {
                    self.route_to(&leader).await;
                    named_by = Some(addr);
                }
                None if failover && options.follow_leader => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(500));
                    self.route_to_next(&addr).await;
                }
                _ => return result,
            }
        }
    }

    /// The connection requests go to now, and its address; or the address
    /// that could not be reached.
    async fn target(&self) -> Result<(String, Client), (String, ClientError)> {
        let mut route = self.inner.route.lock().await;
        let Some((addr, client)) = route.as_mut() else {
            return Ok((self.inner.nodes[0].clone(), self.clone()));
        };
        if let Some(c) = client.as_ref().filter(|c| !c.inner.in_flight.is_closed()) {
            return Ok((addr.clone(), c.clone()));
        }
        match Client::connect_with(addr, self.hop_options()).await {
            Ok(c) => {
                *client = Some(c.clone());
                Ok((addr.clone(), c))
            }
            Err(e) => Err((addr.clone(), e)),
        }
    }

    /// Options for a connection this client opens to another node: one hop
    /// at a time, this client follows the chain, not the new connection.
    fn hop_options(&self) -> ClientOptions {
        ClientOptions {
            follow_leader: false,
            failover_timeout: Duration::ZERO,
            ..self.inner.options.clone()
        }
    }

    /// Sends later requests to `addr` (connected on first use).
    async fn route_to(&self, addr: &str) {
        let mut route = self.inner.route.lock().await;
        if addr == self.inner.nodes[0] && !self.inner.in_flight.is_closed() {
            *route = None;
        } else if route.as_ref().is_none_or(|(a, _)| a != addr) {
            *route = Some((addr.to_string(), None));
        }
    }

    /// After `failed` did not answer: the next node of the list.
    async fn route_to_next(&self, failed: &str) {
        let nodes = &self.inner.nodes;
        let at = nodes.iter().position(|n| n == failed).map_or(0, |i| i + 1);
        self.route_to(&nodes[at % nodes.len()]).await;
    }

    async fn call_here(&self, request: &Request) -> Result<Response, ClientError> {
        let inner = &self.inner;
        let _permit = inner
            .in_flight
            .acquire()
            .await
            .map_err(|_| ClientError::Disconnected)?;
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = inner
                .pending
                .lock()
                .map_err(|_| ClientError::Disconnected)?;
            let waiters = pending.waiters.as_mut().ok_or(ClientError::Disconnected)?;
            waiters.insert(id, tx);
        }
        let mut buf = BytesMut::new();
        request.encode_frame(id, &mut buf);
        let max = inner.hello.max_frame_length;
        if buf.len() > 4 + max as usize {
            self.forget(id);
            return Err(ClientError::TooLarge {
                length: buf.len(),
                max,
            });
        }
        if inner.outgoing.send(buf.freeze()).await.is_err() {
            self.forget(id);
            return Err(ClientError::Disconnected);
        }
        let frame = match tokio::time::timeout(inner.options.request_timeout, rx).await {
            Ok(Ok(result)) => result?,
            Ok(Err(_)) => return Err(ClientError::Disconnected),
            Err(_) => {
                self.forget(id);
                return Err(ClientError::Timeout);
            }
        };
        into_response(request.opcode(), frame)
    }

    fn forget(&self, id: u32) {
        if let Ok(mut pending) = self.inner.pending.lock() {
            if let Some(w) = pending.waiters.as_mut() {
                w.remove(&id);
            }
        }
    }

    pub async fn ping(&self) -> Result<i64, ClientError> {
        match self.call(&Request::Ping).await? {
            Response::Pong { server_time_ms } => Ok(server_time_ms),
            other => Err(unexpected(other)),
        }
    }

    pub async fn server_info(&self) -> Result<ServerInfo, ClientError> {
        match self.call(&Request::ServerInfo).await? {
            Response::ServerInfo(i) => Ok(i),
            other => Err(unexpected(other)),
        }
    }

    pub async fn create_coupon(&self, spec: CouponSpec) -> Result<Coupon, ClientError> {
        self.coupon(Request::CreateCoupon(spec)).await
    }

    pub async fn get_coupon(&self, coupon: CouponRef) -> Result<Coupon, ClientError> {
        self.coupon(Request::GetCoupon(coupon)).await
    }

    pub async fn update_coupon(
        &self,
        id: u64,
        expected_revision: u64,
        spec: CouponSpec,
    ) -> Result<Coupon, ClientError> {
        self.coupon(Request::UpdateCoupon {
            id,
            expected_revision,
            spec,
        })
        .await
    }

    pub async fn delete_coupon(&self, id: u64) -> Result<(), ClientError> {
        match self.call(&Request::DeleteCoupon { id }).await? {
            Response::Deleted => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// One page of coupons after `after_id`; the second value is the next cursor (0 at the end).
    pub async fn list_coupons(
        &self,
        after_id: u64,
        limit: u16,
    ) -> Result<(Vec<Coupon>, u64), ClientError> {
        match self.call(&Request::ListCoupons { after_id, limit }).await? {
            Response::CouponPage {
                coupons,
                next_after,
            } => Ok((coupons, next_after)),
            other => Err(unexpected(other)),
        }
    }

    pub async fn validate(&self, code: &str, order: Order) -> Result<Validation, ClientError> {
        let request = Request::Validate {
            code: code.into(),
            order,
        };
        match self.call(&request).await? {
            Response::Validation(v) => Ok(v),
            other => Err(unexpected(other)),
        }
    }

    /// Judges several codes on one order together (ORDER_VALIDATE).
    pub async fn order_validate(
        &self,
        request: OrderValidateRequest,
    ) -> Result<OrderValidation, ClientError> {
        match self.call(&Request::OrderValidate(request)).await? {
            Response::OrderValidation(v) => Ok(v),
            other => Err(unexpected(other)),
        }
    }

    /// The coupons that apply to a cart and their best combination (QUALIFY).
    pub async fn qualify(&self, request: QualifyRequest) -> Result<Qualification, ClientError> {
        match self.call(&Request::Qualify(request)).await? {
            Response::Qualification(q) => Ok(q),
            other => Err(unexpected(other)),
        }
    }

    /// The events from `request.from` (EVENTS_SUBSCRIBE): at most
    /// `max_batch`, and the cursor to ask from next. An empty batch means
    /// nothing newer yet: ask again with `next` later (long polling).
    pub async fn events(&self, request: EventsRequest) -> Result<EventBatch, ClientError> {
        match self.call(&Request::EventsSubscribe(request)).await? {
            Response::Events(b) => Ok(b),
            other => Err(unexpected(other)),
        }
    }

    /// Adds a webhook endpoint (WEBHOOK_ADD): its id and its signing
    /// secret, which is never sent again.
    pub async fn webhook_add(&self, add: WebhookAdd) -> Result<WebhookAdded, ClientError> {
        match self.call(&Request::WebhookAdd(add)).await? {
            Response::WebhookAdded(a) => Ok(a),
            other => Err(unexpected(other)),
        }
    }

    /// Every webhook endpoint (WEBHOOK_LIST), without secrets.
    pub async fn webhook_list(&self) -> Result<Vec<Webhook>, ClientError> {
        match self.call(&Request::WebhookList).await? {
            Response::Webhooks(list) => Ok(list),
            other => Err(unexpected(other)),
        }
    }

    /// Removes a webhook endpoint (WEBHOOK_REMOVE): deliveries stop.
    pub async fn webhook_remove(&self, id: u64) -> Result<(), ClientError> {
        match self.call(&Request::WebhookRemove { id }).await? {
            Response::Deleted => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Enables a disabled webhook endpoint again (WEBHOOK_ENABLE).
    pub async fn webhook_enable(&self, id: u64) -> Result<Webhook, ClientError> {
        match self.call(&Request::WebhookEnable { id }).await? {
            Response::Webhook(w) => Ok(*w),
            other => Err(unexpected(other)),
        }
    }

    /// The leader's last delivery attempts to an endpoint, oldest first
    /// (WEBHOOK_DELIVERIES).
    pub async fn webhook_deliveries(&self, id: u64) -> Result<Vec<DeliveryAttempt>, ClientError> {
        match self.call(&Request::WebhookDeliveries { id }).await? {
            Response::Deliveries(list) => Ok(list),
            other => Err(unexpected(other)),
        }
    }

    /// Redeems several codes on one order as one decision (ORDER_REDEEM).
    pub async fn order_redeem(
        &self,
        request: OrderRedeemRequest,
    ) -> Result<OrderRedemption, ClientError> {
        self.order_redemption(Request::OrderRedeem(request)).await
    }

    /// Holds several codes on one order as one decision (ORDER_RESERVE).
    pub async fn order_reserve(
        &self,
        request: OrderReserveRequest,
    ) -> Result<OrderRedemption, ClientError> {
        self.order_redemption(Request::OrderReserve(request)).await
    }

    /// Captures every hold of the order's set, all or nothing (ORDER_CONFIRM).
    pub async fn order_confirm(
        &self,
        order_id: &str,
        transaction_id: &str,
    ) -> Result<OrderRedemption, ClientError> {
        self.order_redemption(Request::OrderConfirm {
            order_id: order_id.into(),
            transaction_id: transaction_id.into(),
        })
        .await
    }

    /// Gives back every hold of the order's set (ORDER_RELEASE).
    pub async fn order_release(&self, order_id: &str) -> Result<OrderRedemption, ClientError> {
        self.order_redemption(Request::OrderRelease {
            order_id: order_id.into(),
        })
        .await
    }

    /// Reverses every captured use of the order's set in full (ORDER_REVERSE).
    pub async fn order_reverse(
        &self,
        order_id: &str,
        reason: &str,
    ) -> Result<OrderRedemption, ClientError> {
        self.order_redemption(Request::OrderReverse {
            order_id: order_id.into(),
            reason: reason.into(),
        })
        .await
    }

    async fn order_redemption(&self, request: Request) -> Result<OrderRedemption, ClientError> {
        match self.call(&request).await? {
            Response::OrderRedemption(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    pub async fn redeem(&self, request: RedeemRequest) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::Redeem(request)).await
    }

    pub async fn reserve(&self, request: ReserveRequest) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::Reserve(request)).await
    }

    pub async fn confirm(&self, r: RedemptionRef) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::Confirm(r)).await
    }

    pub async fn release(&self, r: RedemptionRef) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::Release(r)).await
    }

    /// Reverses a captured redemption in full: the use comes back.
    pub async fn reverse(
        &self,
        redemption: RedemptionRef,
        reason: &str,
    ) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::Reverse {
            redemption,
            reason: reason.into(),
            refund_amount: None,
            refund_id: String::new(),
        })
        .await
    }

    /// Records a partial refund of `amount` (minor units) under the payment
    /// system's `refund_id` (a retry with the same id is harmless). The
    /// matching share of the discount goes back to the campaign's budget; the
    /// use comes back once the refunds reach the whole order.
    pub async fn refund(
        &self,
        redemption: RedemptionRef,
        amount: i64,
        refund_id: &str,
        reason: &str,
    ) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::Reverse {
            redemption,
            reason: reason.into(),
            refund_amount: Some(amount),
            refund_id: refund_id.into(),
        })
        .await
    }

    /// Every reversal of a redemption, oldest first.
    pub async fn list_reversals(&self, r: RedemptionRef) -> Result<Vec<Reversal>, ClientError> {
        match self.call(&Request::ListReversals(r)).await? {
            Response::Reversals(list) => Ok(list),
            other => Err(unexpected(other)),
        }
    }

    pub async fn get_redemption(&self, r: RedemptionRef) -> Result<RedemptionReply, ClientError> {
        self.redemption(Request::GetRedemption(r)).await
    }

    pub async fn list_redemptions(
        &self,
        coupon_id: u64,
        after_id: u64,
        limit: u16,
    ) -> Result<(Vec<Redemption>, u64), ClientError> {
        let request = Request::ListRedemptions {
            coupon_id,
            after_id,
            limit,
        };
        match self.call(&request).await? {
            Response::RedemptionPage {
                redemptions,
                next_after,
            } => Ok((redemptions, next_after)),
            other => Err(unexpected(other)),
        }
    }

    /// Labels a redemption fraud or legitimate (once); the model learns
    /// from it. Answers the model after the outcome (or as it is, when the
    /// same label was given before).
    pub async fn fraud_outcome(
        &self,
        redemption_id: u64,
        label: FraudLabel,
    ) -> Result<FraudModel, ClientError> {
        let request = Request::FraudOutcome {
            redemption_id,
            label,
        };
        match self.call(&request).await? {
            Response::FraudModel(m) => Ok(m),
            other => Err(unexpected(other)),
        }
    }

    /// The fraud model every node scores with.
    pub async fn fraud_model(&self) -> Result<FraudModel, ClientError> {
        match self.call(&Request::FraudModel).await? {
            Response::FraudModel(m) => Ok(m),
            other => Err(unexpected(other)),
        }
    }

    /// The fraud report over the redemptions created in [from, to) (unix ms).
    pub async fn fraud_report(&self, from: i64, to: i64) -> Result<FraudReport, ClientError> {
        match self.call(&Request::FraudReport { from, to }).await? {
            Response::FraudReport(report) => Ok(*report),
            other => Err(unexpected(other)),
        }
    }

    /// A coupon's analytics, by id or code.
    pub async fn analytics_coupon(
        &self,
        coupon: CouponRef,
    ) -> Result<CouponAnalytics, ClientError> {
        match self.call(&Request::AnalyticsCoupon(coupon)).await? {
            Response::CouponAnalytics(a) => Ok(*a),
            other => Err(unexpected(other)),
        }
    }

    /// A campaign's analytics.
    pub async fn analytics_campaign(&self, id: u64) -> Result<CampaignAnalytics, ClientError> {
        match self.call(&Request::AnalyticsCampaign { id }).await? {
            Response::CampaignAnalytics(a) => Ok(*a),
            other => Err(unexpected(other)),
        }
    }

    /// The whole store's analytics.
    pub async fn analytics_overview(&self) -> Result<AnalyticsOverview, ClientError> {
        match self.call(&Request::AnalyticsOverview).await? {
            Response::AnalyticsOverview(a) => Ok(*a),
            other => Err(unexpected(other)),
        }
    }

    /// The node's LSN and a digest of everything it stores.
    pub async fn digest(&self) -> Result<DigestReply, ClientError> {
        match self.call(&Request::Digest).await? {
            Response::Digest(d) => Ok(d),
            other => Err(unexpected(other)),
        }
    }

    /// Starts a backup of this node's store on this connection (one at a
    /// time per node: another connection's gets BUSY); `digest` asks the
    /// node for its DIGEST at the backup's LSN, answered by `backup_end`.
    pub async fn backup_begin(&self, digest: bool) -> Result<BackupHeader, ClientError> {
        let flags = if digest { BACKUP_DIGEST } else { 0 };
        match self.call(&Request::BackupBegin { flags }).await? {
            Response::BackupBegun(h) => Ok(h),
            other => Err(unexpected(other)),
        }
    }

    /// Part `seq` of this connection's backup, as the node laid it out;
    /// None once every part was sent.
    pub async fn backup_part(&self, seq: u32) -> Result<Option<Vec<u8>>, ClientError> {
        match self.call(&Request::BackupPart { seq }).await? {
            Response::BackupPart(part) => Ok(part),
            other => Err(unexpected(other)),
        }
    }

    /// The end of this connection's backup, once `backup_part` said no
    /// part is left: the count of parts, the positions and the digest.
    pub async fn backup_end(&self) -> Result<BackupEnd, ClientError> {
        match self.call(&Request::BackupEnd).await? {
            Response::BackupEnd(end) => Ok(end),
            other => Err(unexpected(other)),
        }
    }

    /// Ends this connection's backup early (closing the connection does too).
    pub async fn backup_abort(&self) -> Result<(), ClientError> {
        match self.call(&Request::BackupAbort).await? {
            Response::BackupAborted => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// This node's view of the cluster: its role, term, log positions and
    /// the members (with each one's progress, as the leader sees it). Asked of
    /// the node this client is connected to, never forwarded.
    pub async fn cluster_status(&self) -> Result<ClusterStatus, ClientError> {
        match self.call_here(&Request::ClusterStatus).await? {
            Response::Cluster(s) => Ok(*s),
            other => Err(unexpected(other)),
        }
    }

    /// Adds node `node_id` at `addr`: first as a learner, which catches up
    /// (from a snapshot when it is far behind), then, if `voter`, as a voter.
    /// Answers once the change is committed.
    pub async fn cluster_add(
        &self,
        node_id: u64,
        addr: &str,
        voter: bool,
    ) -> Result<ClusterStatus, ClientError> {
        let request = Request::ClusterAdd {
            node_id,
            addr: addr.into(),
            voter,
        };
        match self.call(&request).await? {
            Response::Cluster(s) => Ok(*s),
            other => Err(unexpected(other)),
        }
    }

    /// Removes node `node_id` from the cluster; answers once committed.
    pub async fn cluster_remove(&self, node_id: u64) -> Result<ClusterStatus, ClientError> {
        match self.call(&Request::ClusterRemove { node_id }).await? {
            Response::Cluster(s) => Ok(*s),
            other => Err(unexpected(other)),
        }
    }

    /// Sends a node-to-node Raft message and returns the reply's body (the
    /// server's peers use this; its bodies are laid out in protocol.md).
    pub async fn raft(&self, opcode: u16, body: Vec<u8>) -> Result<Vec<u8>, ClientError> {
        match self.call_here(&Request::Raft { opcode, body }).await? {
            Response::Raft(body) => Ok(body),
            other => Err(unexpected(other)),
        }
    }

    pub async fn create_campaign(&self, spec: CampaignSpec) -> Result<Campaign, ClientError> {
        self.campaign(Request::CreateCampaign(Box::new(spec))).await
    }

    pub async fn get_campaign(&self, id: u64) -> Result<Campaign, ClientError> {
        self.campaign(Request::GetCampaign { id }).await
    }

    pub async fn update_campaign(
        &self,
        id: u64,
        expected_revision: u64,
        spec: CampaignSpec,
    ) -> Result<Campaign, ClientError> {
        self.campaign(Request::UpdateCampaign {
            id,
            expected_revision,
            spec: Box::new(spec),
        })
        .await
    }

    /// Moves a campaign through its lifecycle (e.g. PAUSED to pause, ACTIVE to resume).
    pub async fn set_campaign_status(
        &self,
        id: u64,
        status: CampaignStatus,
    ) -> Result<Campaign, ClientError> {
        self.campaign(Request::SetCampaignStatus { id, status })
            .await
    }

    /// Deletes a DRAFT campaign that has no codes yet.
    pub async fn delete_campaign(&self, id: u64) -> Result<(), ClientError> {
        match self.call(&Request::DeleteCampaign { id }).await? {
            Response::Deleted => Ok(()),
            other => Err(unexpected(other)),
        }
    }

    /// Asks for `count` more codes; they are generated in the background
    /// (watch `coupons_generated` with `get_campaign`). With
    /// `expected_revision` (the revision the caller read; 0: any) a retry of
    /// a request that was applied gets CONFLICT instead of doubling the count.
    pub async fn generate_codes(
        &self,
        id: u64,
        count: u64,
        expected_revision: u64,
    ) -> Result<Campaign, ClientError> {
        self.campaign(Request::GenerateCodes {
            id,
            count,
            expected_revision,
        })
        .await
    }

    /// A PERSONALIZED campaign's code for each customer, bound to them
    /// (CAMPAIGN_ASSIGN): made for those without one, the same code again
    /// for those with one, so a retry is safe. Empty `customer_ids`: the
    /// campaign's audience.
    pub async fn assign_codes(
        &self,
        id: u64,
        customer_ids: Vec<String>,
    ) -> Result<Vec<AssignedCode>, ClientError> {
        match self
            .call(&Request::AssignCodes { id, customer_ids })
            .await?
        {
            Response::AssignedCodes(codes) => Ok(codes),
            other => Err(unexpected(other)),
        }
    }

    /// CAMPAIGN_DISTRIBUTE: queues a code for each recipient (at most
    /// `MAX_DISTRIBUTE_RECIPIENTS`); each recipient's entry, in order.
    pub async fn distribute(
        &self,
        campaign_id: u64,
        recipients: Vec<Recipient>,
    ) -> Result<Vec<DistributionEntry>, ClientError> {
        let request = Request::CampaignDistribute {
            campaign_id,
            recipients,
        };
        match self.call(&request).await? {
            Response::Distribution(entries) => Ok(entries),
            other => Err(unexpected(other)),
        }
    }

    /// DISTRIBUTION_STATUS: the campaign's outbox counts and the entries
    /// after `after_seq` (at most `limit`; 0: the most a page holds).
    pub async fn distribution_status(
        &self,
        campaign_id: u64,
        after_seq: u64,
        limit: u16,
    ) -> Result<DistributionStatus, ClientError> {
        let request = Request::DistributionStatus {
            campaign_id,
            after_seq,
            limit,
        };
        match self.call(&request).await? {
            Response::DistributionStatus(status) => Ok(*status),
            other => Err(unexpected(other)),
        }
    }

    /// DISTRIBUTION_REPORT: a sent code reported BOUNCED, with why.
    pub async fn report_bounce(
        &self,
        campaign_id: u64,
        customer_id: &str,
        reason: &str,
    ) -> Result<DistributionEntry, ClientError> {
        let request = Request::DistributionReport {
            campaign_id,
            customer_id: customer_id.to_string(),
            status: DeliveryStatus::Bounced,
            reason: reason.to_string(),
        };
        match self.call(&request).await? {
            Response::Distribution(mut entries) if entries.len() == 1 => Ok(entries.remove(0)),
            other => Err(unexpected(other)),
        }
    }

    /// One page of campaigns after `after_id`; the second value is the next cursor (0 at the end).
    pub async fn list_campaigns(
        &self,
        after_id: u64,
        limit: u16,
    ) -> Result<(Vec<Campaign>, u64), ClientError> {
        match self
            .call(&Request::ListCampaigns { after_id, limit })
            .await?
        {
            Response::CampaignPage {
                campaigns,
                next_after,
            } => Ok((campaigns, next_after)),
            other => Err(unexpected(other)),
        }
    }

    /// One page of a campaign's generated codes after coupon id `after`.
    pub async fn list_campaign_codes(
        &self,
        id: u64,
        after_coupon_id: u64,
        limit: u16,
    ) -> Result<(Vec<CampaignCode>, u64), ClientError> {
        let request = Request::ListCampaignCodes {
            id,
            after_coupon_id,
            limit,
        };
        match self.call(&request).await? {
            Response::CodePage { codes, next_after } => Ok((codes, next_after)),
            other => Err(unexpected(other)),
        }
    }

    async fn campaign(&self, request: Request) -> Result<Campaign, ClientError> {
        match self.call(&request).await? {
            Response::Campaign(c) => Ok(*c),
            other => Err(unexpected(other)),
        }
    }

    async fn coupon(&self, request: Request) -> Result<Coupon, ClientError> {
        match self.call(&request).await? {
            Response::Coupon(c) => Ok(*c),
            other => Err(unexpected(other)),
        }
    }

    async fn redemption(&self, request: Request) -> Result<RedemptionReply, ClientError> {
        match self.call(&request).await? {
            Response::Redemption(r) => Ok(r),
            other => Err(unexpected(other)),
        }
    }
}

fn unexpected(response: Response) -> ClientError {
    ClientError::Protocol(format!("unexpected reply {response:?}"))
}

/// Turns a reply frame into a response or the server's typed error.
/// Turns a reply frame into a response or the server's typed error. Errors
/// come first: connection-level errors (BUSY at connect, FRAME_TOO_LARGE) carry
/// opcode 0 and request id 0.
fn into_response(op: u16, frame: Frame) -> Result<Response, ClientError> {
    if frame.status != ErrorCode::Ok.as_u16() {
        return Err(server_error(&frame));
    }
    if frame.opcode != op {
        return Err(ClientError::Protocol(format!(
            "reply opcode 0x{:04x} for request opcode 0x{op:04x}",
            frame.opcode
        )));
    }
    Response::decode(op, &frame.body).map_err(|e| ClientError::Protocol(e.to_string()))
}

fn server_error(frame: &Frame) -> ClientError {
    let body = ErrorBody::read(&frame.body);
    match ErrorCode::from_u16(frame.status) {
        Some(code) => ClientError::Server {
            code,
            message: body.message,
            leader: body.leader,
        },
        None => ClientError::Protocol(format!("unknown status {}: {}", frame.status, body.message)),
    }
}

async fn write_loop<W: AsyncWrite + Unpin>(mut socket: W, mut rx: mpsc::Receiver<Bytes>) {
    let mut batch = BytesMut::new();
    while let Some(first) = rx.recv().await {
        batch.extend_from_slice(&first);
        // Coalesce whatever else is queued into one write.
        while batch.len() < 256 * 1024 {
            match rx.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if socket.write_all(&batch).await.is_err() {
            return;
        }
        batch.clear();
    }
    let _ = socket.shutdown().await;
}

async fn read_loop<R: AsyncRead + Unpin>(
    mut reader: FrameReader<R>,
    inner: std::sync::Weak<Inner>,
) {
    let failure = loop {
        let frame = match reader.read_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) => break ClientError::Disconnected,
            Err(e) => break ClientError::Io(e.to_string()),
        };
        if frame.request_id == 0 && frame.status != ErrorCode::Ok.as_u16() {
            // A connection-level error: the server closes after it. Every
            // request still waiting gets it, typed, rather than "disconnected".
            break server_error(&frame);
        }
        let Some(inner) = inner.upgrade() else { return };
        let waiter = match inner.pending.lock() {
            Ok(mut p) => p.waiters.as_mut().and_then(|w| w.remove(&frame.request_id)),
            Err(_) => return,
        };
        if let Some(waiter) = waiter {
            let _ = waiter.send(Ok(frame));
        }
    };
    if let Some(inner) = inner.upgrade() {
        if let Ok(mut pending) = inner.pending.lock() {
            if let Some(waiters) = pending.waiters.take() {
                for (_, w) in waiters {
                    let _ = w.send(Err(failure.clone()));
                }
            }
        }
        inner.in_flight.close();
    }
}

/// The error of a node that could not be connected to, naming it (and the
/// node that sent us there): "the leader is down" reads differently from
/// "the address you gave is wrong".
fn unreachable(addr: &str, named_by: Option<&str>, e: ClientError) -> ClientError {
    let what = match named_by {
        Some(by) => format!("the leader {addr} (as {by} names it; an election may be under way)"),
        None => addr.to_string(),
    };
    match e {
        ClientError::Io(cause) => ClientError::Io(format!("{what}: {cause}")),
        ClientError::Tls(cause) => ClientError::Tls(format!("{what}: {cause}")),
        ClientError::Timeout => ClientError::Io(format!("{what}: no answer in time")),
        ClientError::Disconnected => ClientError::Io(format!("{what}: closed the connection")),
        other => other,
    }
}
