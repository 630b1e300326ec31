package dev.couponsd.client.wire;

/**
 * Every opcode of protocol.md section 9: its number, its request and OK reply
 * types, and whether repeating it has the effect of sending it once (reads,
 * and the redemption steps, idempotent per order: protocol.md section 10).
 * RAFT_* and VIEWS_FORWARD are the nodes' messages to each other; a client
 * does not send them.
 */
public enum Opcode {
    HELLO(0x0001, HelloRequest.class, HelloReply.class, true),
    PING(0x0002, PingRequest.class, Pong.class, true),
    SERVER_INFO(0x0003, ServerInfoRequest.class, ServerInfo.class, true),
    COUPON_CREATE(0x0010, CouponCreateRequest.class, Coupon.class, false),
    COUPON_GET(0x0011, CouponGetRequest.class, Coupon.class, true),
    COUPON_UPDATE(0x0012, CouponUpdateRequest.class, Coupon.class, false),
    COUPON_DELETE(0x0013, CouponDeleteRequest.class, Empty.class, false),
    COUPON_LIST(0x0014, CouponListRequest.class, CouponPage.class, true),
    VALIDATE(0x0020, ValidateRequest.class, Validation.class, true),
    REDEEM(0x0021, RedeemRequest.class, RedemptionReply.class, true),
    RESERVE(0x0022, ReserveRequest.class, RedemptionReply.class, true),
    CONFIRM(0x0023, ConfirmRequest.class, RedemptionReply.class, true),
    RELEASE(0x0024, ReleaseRequest.class, RedemptionReply.class, true),
    REVERSE(0x0025, ReverseRequest.class, RedemptionReply.class, false),
    REDEMPTION_GET(0x0026, RedemptionGetRequest.class, RedemptionReply.class, true),
    REDEMPTION_LIST(0x0027, RedemptionListRequest.class, RedemptionPage.class, true),
    REVERSAL_LIST(0x0028, ReversalListRequest.class, Reversals.class, true),
    DIGEST(0x0030, DigestRequest.class, DigestReply.class, true),
    RAFT_APPEND(0x0040, null, RaftReply.class, false),
    RAFT_VOTE(0x0041, null, RaftReply.class, false),
    RAFT_SNAPSHOT_BEGIN(0x0042, null, RaftReply.class, false),
    RAFT_SNAPSHOT_PART(0x0043, null, RaftReply.class, false),
    RAFT_SNAPSHOT_END(0x0044, null, RaftReply.class, false),
    CLUSTER_STATUS(0x0045, ClusterStatusRequest.class, ClusterStatus.class, true),
    CLUSTER_ADD(0x0046, ClusterAddRequest.class, ClusterStatus.class, false),
    CLUSTER_REMOVE(0x0047, ClusterRemoveRequest.class, ClusterStatus.class, false),
    VIEWS_FORWARD(0x0048, null, RaftReply.class, false),
    CAMPAIGN_CREATE(0x0050, CampaignCreateRequest.class, Campaign.class, false),
    CAMPAIGN_GET(0x0051, CampaignGetRequest.class, Campaign.class, true),
    CAMPAIGN_UPDATE(0x0052, CampaignUpdateRequest.class, Campaign.class, false),
    CAMPAIGN_LIST(0x0053, CampaignListRequest.class, CampaignPage.class, true),
    CAMPAIGN_SET_STATUS(0x0054, CampaignSetStatusRequest.class, Campaign.class, false),
    CAMPAIGN_GENERATE(0x0055, CampaignGenerateRequest.class, Campaign.class, false),
    CAMPAIGN_CODES(0x0056, CampaignCodesRequest.class, CodePage.class, true),
    CAMPAIGN_DELETE(0x0057, CampaignDeleteRequest.class, Empty.class, false),
    FRAUD_OUTCOME(0x0060, FraudOutcomeRequest.class, FraudModel.class, true),
    FRAUD_MODEL(0x0061, FraudModelRequest.class, FraudModel.class, true),
    FRAUD_REPORT(0x0062, FraudReportRequest.class, FraudReport.class, true),
    ORDER_VALIDATE(0x0058, OrderValidateRequest.class, OrderValidation.class, true),
    ORDER_REDEEM(0x0059, OrderRedeemRequest.class, OrderRedemption.class, true),
    ORDER_RESERVE(0x005A, OrderReserveRequest.class, OrderRedemption.class, true),
    ORDER_CONFIRM(0x005B, OrderConfirmRequest.class, OrderRedemption.class, true),
    ORDER_RELEASE(0x005C, OrderReleaseRequest.class, OrderRedemption.class, true),
    ORDER_REVERSE(0x005D, OrderReverseRequest.class, OrderRedemption.class, false),
    QUALIFY(0x005E, QualifyRequest.class, Qualification.class, true),
    CAMPAIGN_ASSIGN(0x005F, CampaignAssignRequest.class, AssignedCodes.class, true),
    EVENTS_SUBSCRIBE(0x0078, EventsSubscribeRequest.class, EventBatch.class, true),
    ANALYTICS_COUPON(0x0070, AnalyticsCouponRequest.class, CouponAnalytics.class, true),
    ANALYTICS_CAMPAIGN(0x0071, AnalyticsCampaignRequest.class, CampaignAnalytics.class, true),
    ANALYTICS_OVERVIEW(0x0072, AnalyticsOverviewRequest.class, AnalyticsOverview.class, true),
    BACKUP_BEGIN(0x0090, BackupBeginRequest.class, BackupHeader.class, false),
    BACKUP_PART(0x0091, BackupPartRequest.class, BackupPart.class, false),
    BACKUP_END(0x0092, BackupEndRequest.class, BackupEnd.class, false),
    BACKUP_ABORT(0x0093, BackupAbortRequest.class, Empty.class, false),
    WEBHOOK_ENABLE(0x0079, WebhookEnableRequest.class, Webhook.class, true),
    WEBHOOK_ADD(0x007A, WebhookAddRequest.class, WebhookAdded.class, false),
    WEBHOOK_LIST(0x007B, WebhookListRequest.class, Webhooks.class, true),
    WEBHOOK_REMOVE(0x007C, WebhookRemoveRequest.class, Empty.class, false),
    WEBHOOK_DELIVERIES(0x007D, WebhookDeliveriesRequest.class, Deliveries.class, true),
    CAMPAIGN_DISTRIBUTE(0x0080, CampaignDistributeRequest.class, DistributionEntries.class, true),
    DISTRIBUTION_STATUS(0x0081, DistributionStatusRequest.class, DistributionStatus.class, true),
    DISTRIBUTION_REPORT(0x0082, DistributionReportRequest.class, DistributionEntries.class, true);

    private static final Opcode[] BY_CODE = new Opcode[0x10000];

    static {
        for (Opcode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    public final int code;
    /** Null for the node-to-node messages. */
    public final Class<? extends Record> requestType;
    public final Class<? extends Record> replyType;
    /** The default for {@link Request#idempotent()}. */
    public final boolean idempotent;

    Opcode(int code, Class<? extends Record> requestType, Class<? extends Record> replyType, boolean idempotent) {
        this.code = code;
        this.requestType = requestType;
        this.replyType = replyType;
        this.idempotent = idempotent;
    }

    /** The opcode with this number, or null when this client does not know it. */
    public static Opcode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** True for RAFT_* and VIEWS_FORWARD, which only nodes exchange. */
    public boolean nodeToNode() {
        return requestType == null;
    }
}
