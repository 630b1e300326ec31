package dev.couponsd.client;

import dev.couponsd.client.wire.*;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A couponsd client: thread-safe, pipelined (many requests in flight on each
 * connection, replies matched by request id), over a small pool of
 * connections per node.
 *
 * <p>Given several addresses, it finds the leader and follows it: a
 * NOT_LEADER reply naming the leader is sent on there (nothing was applied,
 * so that is always safe). When a node cannot be reached, or stops answering,
 * or no leader is known yet, requests that are safe to repeat
 * ({@link Request#idempotent()}: reads, and redemptions, idempotent per order)
 * are retried on the other nodes until {@link ClientOptions.Builder#failoverTimeoutMs}
 * passes; a request whose outcome is unknown and that is not safe to repeat fails.
 *
 * <p>Every method has a blocking form, which throws a {@link CouponsException}
 * (a {@link ServerException} subclass per error code), and {@link #callAsync}
 * returns a {@link CompletableFuture} for any request; cancelling it forgets the request.
 */
public final class CouponsClient implements AutoCloseable {
    private final Router router;

    private CouponsClient(List<String> nodes, ClientOptions options) {
        this.router = new Router(nodes, options);
    }

    /** Connects to one node with the default options. */
    public static CouponsClient connect(String addr) {
        return connect(List.of(addr), ClientOptions.defaults());
    }

    public static CouponsClient connect(String addr, ClientOptions options) {
        return connect(List.of(addr), options);
    }

    /**
     * Connects to the first of {@code addrs} that answers (a server's refusal,
     * such as UNAUTHENTICATED, is thrown at once); later calls follow the leader.
     */
    public static CouponsClient connect(List<String> addrs, ClientOptions options) {
        if (addrs.isEmpty()) {
            throw new IllegalArgumentException("no address");
        }
        CouponsClient client = new CouponsClient(addrs, options);
        ConnectionException last = null;
        for (String addr : addrs) {
            try {
                client.router.pool(addr).pick();
                client.router.routeTo(addr);
                return client;
            } catch (ConnectionException e) {
                last = e;
            } catch (CouponsException e) {
                client.close();
                throw e;
            }
        }
        client.close();
        throw last;
    }

    /** The HELLO reply of a connection to the node requests go to now. */
    public HelloReply serverHello() {
        return router.pool(router.current()).pick().hello();
    }

    /** The address requests go to now (the leader, once found). */
    public String currentNode() {
        return router.current();
    }

    // ---- Calls ------------------------------------------------------------

    /** Sends any request; the future completes with its reply or a {@link CouponsException}. */
    public <R extends Record> CompletableFuture<R> callAsync(Request<R> request) {
        return router.send(request);
    }

    /** Sends any request and waits for its reply. */
    public <R extends Record> R call(Request<R> request) {
        CompletableFuture<R> f = callAsync(request);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CouponsException ce) {
                // Rethrown as is: its type is the error code; the stack shows the caller.
                ce.addSuppressed(new Exception("called from here"));
                throw ce;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new CouponsException(String.valueOf(cause), cause);
        }
    }

    @Override
    public void close() {
        router.close();
    }

    // ---- Typed methods, one per opcode (protocol.md section 9) -------------

    /** PING: the answering node's clock, unix ms. */
    public long ping() {
        return call(new PingRequest()).serverTimeMs();
    }

    public ServerInfo serverInfo() {
        return call(new ServerInfoRequest());
    }

    public Coupon createCoupon(CouponSpec spec) {
        return call(new CouponCreateRequest(spec));
    }

    public Coupon getCoupon(CouponRef coupon) {
        return call(new CouponGetRequest(coupon));
    }

    /** {@code expectedRevision} 0 updates whatever the revision is; otherwise it must match (else CONFLICT). */
    public Coupon updateCoupon(long id, long expectedRevision, CouponSpec spec) {
        return call(new CouponUpdateRequest(id, expectedRevision, spec));
    }

    public void deleteCoupon(long id) {
        call(new CouponDeleteRequest(id));
    }

    /** A page of coupons after {@code afterId} (0: the first page). */
    public CouponPage listCoupons(long afterId, int limit) {
        return call(new CouponListRequest(afterId, limit));
    }

    public Validation validate(String code, Order order) {
        return call(new ValidateRequest(code, order));
    }

    /** REDEEM: idempotent per (code, order id): a retry answers the first redemption. */
    public RedemptionReply redeem(RedeemRequest request) {
        return call(request);
    }

    public CompletableFuture<RedemptionReply> redeemAsync(RedeemRequest request) {
        return callAsync(request);
    }

    /** RESERVE: a hold for {@code ttlMs} (0: the server's default). */
    public RedemptionReply reserve(ReserveRequest request) {
        return call(request);
    }

    public RedemptionReply confirm(RedemptionRef redemption) {
        return call(new ConfirmRequest(redemption));
    }

    public RedemptionReply release(RedemptionRef redemption) {
        return call(new ReleaseRequest(redemption));
    }

    /** A full reversal. A repeat is refused with ALREADY_REVERSED. */
    public RedemptionReply reverse(RedemptionRef redemption, String reason) {
        return call(new ReverseRequest(redemption, reason, null, ""));
    }

    /**
     * A partial (or full) refund of {@code refundAmount} minor units, keyed by
     * the payment system's {@code refundId}: a retry with the same id is harmless.
     */
    public RedemptionReply refund(RedemptionRef redemption, String reason, long refundAmount, String refundId) {
        return call(new ReverseRequest(redemption, reason, refundAmount, refundId));
    }

    public RedemptionReply getRedemption(RedemptionRef redemption) {
        return call(new RedemptionGetRequest(redemption));
    }

    public RedemptionPage listRedemptions(long couponId, long afterId, int limit) {
        return call(new RedemptionListRequest(couponId, afterId, limit));
    }

    public List<Reversal> listReversals(RedemptionRef redemption) {
        return call(new ReversalListRequest(redemption)).reversals();
    }

    public OrderValidation orderValidate(OrderValidateRequest request) {
        return call(request);
    }

    public OrderRedemption orderRedeem(OrderRedeemRequest request) {
        return call(request);
    }

    public OrderRedemption orderReserve(OrderReserveRequest request) {
        return call(request);
    }

    public OrderRedemption orderConfirm(String orderId, String transactionId) {
        return call(new OrderConfirmRequest(orderId, transactionId));
    }

    public OrderRedemption orderRelease(String orderId) {
        return call(new OrderReleaseRequest(orderId));
    }

    public OrderRedemption orderReverse(String orderId, String reason) {
        return call(new OrderReverseRequest(orderId, reason));
    }

    public Qualification qualify(int limit, Order order) {
        return call(new QualifyRequest(limit, order));
    }

    public EventBatch events(EventsSubscribeRequest request) {
        return call(request);
    }

    public DigestReply digest() {
        return call(new DigestRequest());
    }

    public ClusterStatus clusterStatus() {
        return call(new ClusterStatusRequest());
    }

    public ClusterStatus clusterAdd(long nodeId, String addr, boolean voter) {
        return call(new ClusterAddRequest(nodeId, addr, voter));
    }

    public ClusterStatus clusterRemove(long nodeId) {
        return call(new ClusterRemoveRequest(nodeId));
    }

    public Campaign createCampaign(CampaignSpec spec) {
        return call(new CampaignCreateRequest(spec));
    }

    public Campaign getCampaign(long id) {
        return call(new CampaignGetRequest(id));
    }

    public Campaign updateCampaign(long id, long expectedRevision, CampaignSpec spec) {
        return call(new CampaignUpdateRequest(id, expectedRevision, spec));
    }

    public CampaignPage listCampaigns(long afterId, int limit) {
        return call(new CampaignListRequest(afterId, limit));
    }

    public Campaign setCampaignStatus(long id, CampaignStatus status) {
        return call(new CampaignSetStatusRequest(id, status));
    }

    /**
     * Generates {@code count} more codes in the background. With
     * {@code expectedRevision} (not 0) a retry after a lost reply cannot ask twice.
     */
    public Campaign generateCodes(long id, long count, long expectedRevision) {
        return call(new CampaignGenerateRequest(id, count, expectedRevision));
    }

    public CodePage listCampaignCodes(long id, long afterCouponId, int limit) {
        return call(new CampaignCodesRequest(id, afterCouponId, limit));
    }

    public void deleteCampaign(long id) {
        call(new CampaignDeleteRequest(id));
    }

    public List<AssignedCode> assignCodes(long id, List<String> customerIds) {
        return call(new CampaignAssignRequest(id, customerIds)).codes();
    }

    public List<DistributionEntry> distribute(long campaignId, List<Recipient> recipients) {
        return call(new CampaignDistributeRequest(campaignId, recipients)).entries();
    }

    public DistributionStatus distributionStatus(long campaignId, long afterSeq, int limit) {
        return call(new DistributionStatusRequest(campaignId, afterSeq, limit));
    }

    public List<DistributionEntry> reportDelivery(long campaignId, String customerId, DeliveryStatus status,
                                                  String reason) {
        return call(new DistributionReportRequest(campaignId, customerId, status, reason)).entries();
    }

    public FraudModel fraudOutcome(long redemptionId, FraudLabel label) {
        return call(new FraudOutcomeRequest(redemptionId, label));
    }

    public FraudModel fraudModel() {
        return call(new FraudModelRequest());
    }

    public FraudReport fraudReport(long fromMs, long toMs) {
        return call(new FraudReportRequest(fromMs, toMs));
    }

    public CouponAnalytics analyticsCoupon(CouponRef coupon) {
        return call(new AnalyticsCouponRequest(coupon));
    }

    public CampaignAnalytics analyticsCampaign(long id) {
        return call(new AnalyticsCampaignRequest(id));
    }

    public AnalyticsOverview analyticsOverview() {
        return call(new AnalyticsOverviewRequest());
    }

    public WebhookAdded addWebhook(String url, long types, String description) {
        return call(new WebhookAddRequest(url, types, description));
    }

    public List<Webhook> listWebhooks() {
        return call(new WebhookListRequest()).webhooks();
    }

    public void removeWebhook(long id) {
        call(new WebhookRemoveRequest(id));
    }

    public Webhook enableWebhook(long id) {
        return call(new WebhookEnableRequest(id));
    }

    public List<DeliveryAttempt> webhookDeliveries(long id) {
        return call(new WebhookDeliveriesRequest(id)).attempts();
    }

    /**
     * A backup is a stream on one connection: use a client with
     * {@code poolSize(1)} so that BACKUP_PART follows its BACKUP_BEGIN.
     */
    public BackupHeader backupBegin(boolean digest) {
        return call(new BackupBeginRequest(digest ? 1 : 0));
    }

    /** The next part, or null when every part was sent. */
    public byte[] backupPart(long seq) {
        return call(new BackupPartRequest(seq)).part();
    }

    public BackupEnd backupEnd() {
        return call(new BackupEndRequest());
    }

    public void backupAbort() {
        call(new BackupAbortRequest());
    }
}
