//! Requests and replies: which opcode carries which body.

use bytes::BytesMut;

use super::analytics::{AnalyticsOverview, CampaignAnalytics, CouponAnalytics};
use super::backup::{BackupEnd, BackupHeader};
use super::campaign::{AssignedCode, Campaign, CampaignCode, CampaignSpec, CampaignStatus};
use super::cluster::ClusterStatus;
use super::distribution::{DeliveryStatus, DistributionEntry, DistributionStatus, Recipient};
use super::error_code::ErrorCode;
use super::events::{EventBatch, EventsRequest};
use super::frame;
use super::fraud::{FraudModel, FraudReport};
use super::order::{
    OrderRedeemRequest, OrderRedemption, OrderReserveRequest, OrderValidateRequest, OrderValidation,
};
use super::primitives::{DecodeError, Reader, Writer};
use super::qualify::{Qualification, QualifyRequest};
use super::types::*;
use super::webhooks::{DeliveryAttempt, Webhook, WebhookAdd, WebhookAdded};

/// The magic at the start of HELLO: "CPND".
pub const MAGIC: [u8; 4] = *b"CPND";
/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u16 = 1;

#[cfg(feature = "serde")]
fn magic() -> [u8; 4] {
    MAGIC
}

macro_rules! opcodes {
    ($($name:ident = $value:literal => $text:literal,)+) => {
        /// Opcode numbers. A reply carries the opcode of its request.
        pub mod opcode {
            $(pub const $name: u16 = $value;)+
            /// The protocol name of an opcode, if it is one.
            pub fn name(op: u16) -> Option<&'static str> {
                match op { $($value => Some($text),)+ _ => None }
            }
            pub const ALL: &[u16] = &[$($value),+];
        }
    };
}

opcodes! {
    HELLO = 0x0001 => "HELLO",
    PING = 0x0002 => "PING",
    SERVER_INFO = 0x0003 => "SERVER_INFO",
    COUPON_CREATE = 0x0010 => "COUPON_CREATE",
    COUPON_GET = 0x0011 => "COUPON_GET",
    COUPON_UPDATE = 0x0012 => "COUPON_UPDATE",
    COUPON_DELETE = 0x0013 => "COUPON_DELETE",
    COUPON_LIST = 0x0014 => "COUPON_LIST",
    VALIDATE = 0x0020 => "VALIDATE",
    REDEEM = 0x0021 => "REDEEM",
    RESERVE = 0x0022 => "RESERVE",
    CONFIRM = 0x0023 => "CONFIRM",
    RELEASE = 0x0024 => "RELEASE",
    REVERSE = 0x0025 => "REVERSE",
    REDEMPTION_GET = 0x0026 => "REDEMPTION_GET",
    REDEMPTION_LIST = 0x0027 => "REDEMPTION_LIST",
    REVERSAL_LIST = 0x0028 => "REVERSAL_LIST",
    DIGEST = 0x0030 => "DIGEST",
    RAFT_APPEND = 0x0040 => "RAFT_APPEND",
    RAFT_VOTE = 0x0041 => "RAFT_VOTE",
    RAFT_SNAPSHOT_BEGIN = 0x0042 => "RAFT_SNAPSHOT_BEGIN",
    RAFT_SNAPSHOT_PART = 0x0043 => "RAFT_SNAPSHOT_PART",
    RAFT_SNAPSHOT_END = 0x0044 => "RAFT_SNAPSHOT_END",
    CLUSTER_STATUS = 0x0045 => "CLUSTER_STATUS",
    CLUSTER_ADD = 0x0046 => "CLUSTER_ADD",
    CLUSTER_REMOVE = 0x0047 => "CLUSTER_REMOVE",
    VIEWS_FORWARD = 0x0048 => "VIEWS_FORWARD",
    CAMPAIGN_CREATE = 0x0050 => "CAMPAIGN_CREATE",
    CAMPAIGN_GET = 0x0051 => "CAMPAIGN_GET",
    CAMPAIGN_UPDATE = 0x0052 => "CAMPAIGN_UPDATE",
    CAMPAIGN_LIST = 0x0053 => "CAMPAIGN_LIST",
    CAMPAIGN_SET_STATUS = 0x0054 => "CAMPAIGN_SET_STATUS",
    CAMPAIGN_GENERATE = 0x0055 => "CAMPAIGN_GENERATE",
    CAMPAIGN_CODES = 0x0056 => "CAMPAIGN_CODES",
    CAMPAIGN_DELETE = 0x0057 => "CAMPAIGN_DELETE",
    FRAUD_OUTCOME = 0x0060 => "FRAUD_OUTCOME",
    FRAUD_MODEL = 0x0061 => "FRAUD_MODEL",
    FRAUD_REPORT = 0x0062 => "FRAUD_REPORT",
    ORDER_VALIDATE = 0x0058 => "ORDER_VALIDATE",
    ORDER_REDEEM = 0x0059 => "ORDER_REDEEM",
    ORDER_RESERVE = 0x005A => "ORDER_RESERVE",
    ORDER_CONFIRM = 0x005B => "ORDER_CONFIRM",
    ORDER_RELEASE = 0x005C => "ORDER_RELEASE",
    ORDER_REVERSE = 0x005D => "ORDER_REVERSE",
    QUALIFY = 0x005E => "QUALIFY",
    CAMPAIGN_ASSIGN = 0x005F => "CAMPAIGN_ASSIGN",
    EVENTS_SUBSCRIBE = 0x0078 => "EVENTS_SUBSCRIBE",
    ANALYTICS_COUPON = 0x0070 => "ANALYTICS_COUPON",
    ANALYTICS_CAMPAIGN = 0x0071 => "ANALYTICS_CAMPAIGN",
    ANALYTICS_OVERVIEW = 0x0072 => "ANALYTICS_OVERVIEW",
    BACKUP_BEGIN = 0x0090 => "BACKUP_BEGIN",
    BACKUP_PART = 0x0091 => "BACKUP_PART",
    BACKUP_END = 0x0092 => "BACKUP_END",
    BACKUP_ABORT = 0x0093 => "BACKUP_ABORT",
    WEBHOOK_ENABLE = 0x0079 => "WEBHOOK_ENABLE",
    WEBHOOK_ADD = 0x007A => "WEBHOOK_ADD",
    WEBHOOK_LIST = 0x007B => "WEBHOOK_LIST",
    WEBHOOK_REMOVE = 0x007C => "WEBHOOK_REMOVE",
    WEBHOOK_DELIVERIES = 0x007D => "WEBHOOK_DELIVERIES",
    CAMPAIGN_DISTRIBUTE = 0x0080 => "CAMPAIGN_DISTRIBUTE",
    DISTRIBUTION_STATUS = 0x0081 => "DISTRIBUTION_STATUS",
    DISTRIBUTION_REPORT = 0x0082 => "DISTRIBUTION_REPORT",
}

/// The messages only nodes send each other: their bodies pass through the
/// codec as they are (`Request::Raft`, `Response::Raft`).
pub const NODE_TO_NODE: [u16; 6] = [
    opcode::RAFT_APPEND,
    opcode::RAFT_VOTE,
    opcode::RAFT_SNAPSHOT_BEGIN,
    opcode::RAFT_SNAPSHOT_PART,
    opcode::RAFT_SNAPSHOT_END,
    opcode::VIEWS_FORWARD,
];

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Hello {
    #[cfg_attr(feature = "serde", serde(skip, default = "magic"))]
    pub magic: [u8; 4],
    pub version: u16,
    pub token: String,
    pub client_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HelloReply {
    pub version: u16,
    pub server_version: String,
    pub role: NodeRole,
    pub max_frame_length: u32,
    pub max_in_flight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerInfo {
    pub server_version: String,
    pub role: NodeRole,
    /// The Raft term this node is in.
    pub term: u64,
    /// Log sequence number of the last mutation applied on this node.
    pub lsn: u64,
    pub coupons: u64,
    pub redemptions: u64,
    pub uptime_ms: u64,
    pub connections: u32,
    /// Since when (unix ms) this node refuses writes because it cannot
    /// write its files (a full disk, an I/O error); 0 while it stores them.
    /// (Appended to the body: a server that does not send it reads as 0.)
    pub writes_failing_since_ms: i64,
    /// Every file this node cannot write now and why
    /// (`raft.redb: I/O error: No space left on device (os error 28)`);
    /// empty when it can write them all.
    pub storage_error: String,
}

/// A digest of everything a node stores, at an LSN: two nodes with the same
/// LSN and digest hold the same state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DigestReply {
    pub lsn: u64,
    #[cfg_attr(feature = "serde", serde(with = "super::serde_text::u128_decimal"))]
    pub digest: u128,
    /// Entries and rows the digest covers.
    pub entries: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RedeemRequest {
    pub code: String,
    pub order_id: String,
    pub transaction_id: String,
    pub order: Order,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReserveRequest {
    pub code: String,
    pub order_id: String,
    /// How long the hold lasts; 0 asks for the server's default.
    pub ttl_ms: u32,
    pub order: Order,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Request {
    Hello(Hello),
    Ping,
    ServerInfo,
    CreateCoupon(CouponSpec),
    GetCoupon(CouponRef),
    UpdateCoupon {
        id: u64,
        /// 0 updates whatever the revision is; otherwise it must match.
        expected_revision: u64,
        spec: CouponSpec,
    },
    DeleteCoupon {
        id: u64,
    },
    ListCoupons {
        /// Cursor: the last id of the previous page, 0 for the first page.
        after_id: u64,
        limit: u16,
    },
    Validate {
        code: String,
        order: Order,
    },
    Redeem(RedeemRequest),
    Reserve(ReserveRequest),
    Confirm(RedemptionRef),
    Release(RedemptionRef),
    Reverse {
        redemption: RedemptionRef,
        reason: String,
        /// A partial refund of this much of the order (minor units); None
        /// reverses whatever is left, which gives the use back.
        refund_amount: Option<i64>,
        /// The payment system's refund id: a retry with the same id is
        /// answered with the first reversal instead of refunding twice.
        refund_id: String,
    },
    GetRedemption(RedemptionRef),
    ListRedemptions {
        coupon_id: u64,
        after_id: u64,
        limit: u16,
    },
    /// Every reversal (full or partial) of one redemption.
    ListReversals(RedemptionRef),
    Digest,
    /// A node-to-node message (RAFT_APPEND, RAFT_VOTE, RAFT_SNAPSHOT_*,
    /// VIEWS_FORWARD): its body is passed through as it is (see `cluster`).
    Raft {
        opcode: u16,
        #[cfg_attr(feature = "serde", serde(with = "super::serde_text::hex"))]
        body: Vec<u8>,
    },
    ClusterStatus,
    /// Adds a node: as a learner, then (if `voter`) as a voter once it has
    /// caught up, through joint consensus. Its address is `addr`.
    ClusterAdd {
        node_id: u64,
        addr: String,
        voter: bool,
    },
    /// Removes a node (voter or learner) from the cluster.
    ClusterRemove {
        node_id: u64,
    },
    // Boxed: a campaign spec is many times the size of most requests.
    CreateCampaign(Box<CampaignSpec>),
    GetCampaign {
        id: u64,
    },
    UpdateCampaign {
        id: u64,
        /// 0 updates whatever the revision is; otherwise it must match.
        expected_revision: u64,
        spec: Box<CampaignSpec>,
    },
    ListCampaigns {
        after_id: u64,
        limit: u16,
    },
    /// Moves the campaign through its lifecycle (pause, resume, cancel, ...).
    SetCampaignStatus {
        id: u64,
        status: CampaignStatus,
    },
    /// Generates `count` more codes, in the background; the reply is the
    /// campaign with its new generation target, and CAMPAIGN_GET shows progress.
    /// With `expected_revision` (not 0) it is refused with CONFLICT unless the
    /// campaign is at that revision, so a retry after a lost reply cannot
    /// ask for the codes twice.
    GenerateCodes {
        id: u64,
        count: u64,
        expected_revision: u64,
    },
    /// Deletes a DRAFT campaign that has no codes (others are cancelled instead).
    DeleteCampaign {
        id: u64,
    },
    /// A page of the campaign's generated codes, by coupon id.
    ListCampaignCodes {
        id: u64,
        after_coupon_id: u64,
        limit: u16,
    },
    /// What a redemption turned out to be (a chargeback: fraud); the model
    /// learns from it. A redemption is labelled once.
    FraudOutcome {
        redemption_id: u64,
        label: FraudLabel,
    },
    FraudModel,
    /// The fraud report over the redemptions created in [from, to) (unix ms).
    FraudReport {
        from: i64,
        to: i64,
    },
    /// A coupon's analytics.
    AnalyticsCoupon(CouponRef),
    /// A campaign's analytics.
    AnalyticsCampaign {
        id: u64,
    },
    /// The whole store's analytics.
    AnalyticsOverview,
    /// Several codes on one order, judged together (a read).
    OrderValidate(OrderValidateRequest),
    /// Several codes on one order, redeemed as one decision.
    OrderRedeem(OrderRedeemRequest),
    /// Several codes on one order, held as one decision.
    OrderReserve(OrderReserveRequest),
    /// Captures every hold of an order's set, all or nothing.
    OrderConfirm {
        order_id: String,
        /// Kept on each redemption when not empty.
        transaction_id: String,
    },
    /// Gives back every hold of an order's set.
    OrderRelease {
        order_id: String,
    },
    /// Reverses every captured use of an order's set in full.
    OrderReverse {
        order_id: String,
        reason: String,
    },
    Qualify(QualifyRequest),
    /// A PERSONALIZED campaign's codes bound to customers, one each: made
    /// for those without one, given again to those with one. Empty
    /// `customer_ids`: the campaign's `audience.customer_ids`.
    AssignCodes {
        id: u64,
        customer_ids: Vec<String>,
    },
    /// The events from a cursor (a read of this node's applied log).
    EventsSubscribe(EventsRequest),
    /// Starts a backup of this node's store on this connection, at the LSN
    /// it has applied now. `flags`: `BACKUP_DIGEST` asks for the digest.
    BackupBegin {
        flags: u8,
    },
    /// The backup's next part; `seq` is the part the client expects (0, 1, ...).
    BackupPart {
        seq: u32,
    },
    /// Once BACKUP_PART said no part is left: the end, and the digest.
    BackupEnd,
    /// Ends this connection's backup early.
    BackupAbort,
    /// Adds a webhook endpoint; the reply carries its secret, once.
    WebhookAdd(WebhookAdd),
    /// Every webhook endpoint (never a secret).
    WebhookList,
    WebhookRemove {
        id: u64,
    },
    /// Enables a disabled endpoint again (failures start from 0).
    WebhookEnable {
        id: u64,
    },
    /// The leader's last delivery attempts to an endpoint, oldest first.
    WebhookDeliveries {
        id: u64,
    },
    /// Queues a code of the campaign for each recipient (one per customer,
    /// the same again on a retry) in the campaign's outbox.
    CampaignDistribute {
        campaign_id: u64,
        recipients: Vec<Recipient>,
    },
    /// A campaign's outbox: counts by status and a page of entries after
    /// `after_seq`, at most `limit` (1..=MAX_DISTRIBUTION_PAGE).
    DistributionStatus {
        campaign_id: u64,
        after_seq: u64,
        limit: u16,
    },
    /// What became of a sent code (BOUNCED), reported back.
    DistributionReport {
        campaign_id: u64,
        customer_id: String,
        status: DeliveryStatus,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Response {
    Hello(HelloReply),
    Pong {
        server_time_ms: i64,
    },
    ServerInfo(ServerInfo),
    /// Boxed: a coupon is far larger than the other replies, and every reply
    /// slot would otherwise be that large (redemption replies are the hot path).
    Coupon(Box<Coupon>),
    Deleted,
    CouponPage {
        coupons: Vec<Coupon>,
        next_after: u64,
    },
    Validation(Validation),
    Redemption(RedemptionReply),
    RedemptionPage {
        redemptions: Vec<Redemption>,
        next_after: u64,
    },
    Digest(DigestReply),
    /// The reply to a Raft message, its body as it is.
    Raft(#[cfg_attr(feature = "serde", serde(with = "super::serde_text::hex"))] Vec<u8>),
    /// CLUSTER_STATUS, and CLUSTER_ADD and CLUSTER_REMOVE once done.
    Cluster(Box<ClusterStatus>),
    Campaign(Box<Campaign>),
    Reversals(Vec<Reversal>),
    CampaignPage {
        campaigns: Vec<Campaign>,
        next_after: u64,
    },
    CodePage {
        codes: Vec<CampaignCode>,
        next_after: u64,
    },
    /// FRAUD_MODEL, and FRAUD_OUTCOME: the model after the outcome.
    FraudModel(FraudModel),
    FraudReport(Box<FraudReport>),
    OrderValidation(OrderValidation),
    OrderRedemption(OrderRedemption),
    Qualification(Qualification),
    /// CAMPAIGN_ASSIGN: each customer's code, in the order asked.
    AssignedCodes(Vec<AssignedCode>),
    Events(EventBatch),
    CouponAnalytics(Box<CouponAnalytics>),
    CampaignAnalytics(Box<CampaignAnalytics>),
    AnalyticsOverview(Box<AnalyticsOverview>),
    BackupBegun(BackupHeader),
    /// BACKUP_PART: the part (a RAFT_SNAPSHOT_PART body, opaque here), or
    /// None when every part was sent.
    BackupPart(
        #[cfg_attr(feature = "serde", serde(with = "super::serde_text::hex_option"))]
        Option<Vec<u8>>,
    ),
    BackupEnd(BackupEnd),
    BackupAborted,
    WebhookAdded(WebhookAdded),
    Webhooks(Vec<Webhook>),
    /// WEBHOOK_ENABLE: the endpoint after it.
    Webhook(Box<Webhook>),
    Deliveries(Vec<DeliveryAttempt>),
    /// CAMPAIGN_DISTRIBUTE: each recipient's entry, in the order given;
    /// DISTRIBUTION_REPORT: the one entry reported on.
    Distribution(Vec<DistributionEntry>),
    DistributionStatus(Box<DistributionStatus>),
}

/// The body of every reply whose status is not OK.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ErrorBody {
    pub message: String,
    /// Set with NOT_LEADER: the leader's address.
    pub leader: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("unknown opcode 0x{0:04x}")]
    UnknownOpcode(u16),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

impl Request {
    pub fn opcode(&self) -> u16 {
        match self {
            Request::Hello(_) => opcode::HELLO,
            Request::Ping => opcode::PING,
            Request::ServerInfo => opcode::SERVER_INFO,
            Request::CreateCoupon(_) => opcode::COUPON_CREATE,
            Request::GetCoupon(_) => opcode::COUPON_GET,
            Request::UpdateCoupon { .. } => opcode::COUPON_UPDATE,
            Request::DeleteCoupon { .. } => opcode::COUPON_DELETE,
            Request::ListCoupons { .. } => opcode::COUPON_LIST,
            Request::Validate { .. } => opcode::VALIDATE,
            Request::Redeem(_) => opcode::REDEEM,
            Request::Reserve(_) => opcode::RESERVE,
            Request::Confirm(_) => opcode::CONFIRM,
            Request::Release(_) => opcode::RELEASE,
            Request::Reverse { .. } => opcode::REVERSE,
            Request::ListReversals(_) => opcode::REVERSAL_LIST,
            Request::GetRedemption(_) => opcode::REDEMPTION_GET,
            Request::ListRedemptions { .. } => opcode::REDEMPTION_LIST,
            Request::Digest => opcode::DIGEST,
            Request::Raft { opcode, .. } => *opcode,
            Request::ClusterStatus => opcode::CLUSTER_STATUS,
            Request::ClusterAdd { .. } => opcode::CLUSTER_ADD,
            Request::ClusterRemove { .. } => opcode::CLUSTER_REMOVE,
            Request::CreateCampaign(_) => opcode::CAMPAIGN_CREATE,
            Request::GetCampaign { .. } => opcode::CAMPAIGN_GET,
            Request::UpdateCampaign { .. } => opcode::CAMPAIGN_UPDATE,
            Request::ListCampaigns { .. } => opcode::CAMPAIGN_LIST,
            Request::SetCampaignStatus { .. } => opcode::CAMPAIGN_SET_STATUS,
            Request::GenerateCodes { .. } => opcode::CAMPAIGN_GENERATE,
            Request::ListCampaignCodes { .. } => opcode::CAMPAIGN_CODES,
            Request::DeleteCampaign { .. } => opcode::CAMPAIGN_DELETE,
            Request::FraudOutcome { .. } => opcode::FRAUD_OUTCOME,
            Request::FraudModel => opcode::FRAUD_MODEL,
            Request::FraudReport { .. } => opcode::FRAUD_REPORT,
            Request::OrderValidate(_) => opcode::ORDER_VALIDATE,
            Request::OrderRedeem(_) => opcode::ORDER_REDEEM,
            Request::OrderReserve(_) => opcode::ORDER_RESERVE,
            Request::OrderConfirm { .. } => opcode::ORDER_CONFIRM,
            Request::OrderRelease { .. } => opcode::ORDER_RELEASE,
            Request::OrderReverse { .. } => opcode::ORDER_REVERSE,
            Request::Qualify(_) => opcode::QUALIFY,
            Request::AssignCodes { .. } => opcode::CAMPAIGN_ASSIGN,
            Request::EventsSubscribe(_) => opcode::EVENTS_SUBSCRIBE,
            Request::AnalyticsCoupon(_) => opcode::ANALYTICS_COUPON,
            Request::AnalyticsCampaign { .. } => opcode::ANALYTICS_CAMPAIGN,
            Request::AnalyticsOverview => opcode::ANALYTICS_OVERVIEW,
            Request::BackupBegin { .. } => opcode::BACKUP_BEGIN,
            Request::BackupPart { .. } => opcode::BACKUP_PART,
            Request::BackupEnd => opcode::BACKUP_END,
            Request::BackupAbort => opcode::BACKUP_ABORT,
            Request::WebhookAdd(_) => opcode::WEBHOOK_ADD,
            Request::WebhookList => opcode::WEBHOOK_LIST,
            Request::WebhookRemove { .. } => opcode::WEBHOOK_REMOVE,
            Request::WebhookEnable { .. } => opcode::WEBHOOK_ENABLE,
            Request::WebhookDeliveries { .. } => opcode::WEBHOOK_DELIVERIES,
            Request::CampaignDistribute { .. } => opcode::CAMPAIGN_DISTRIBUTE,
            Request::DistributionStatus { .. } => opcode::DISTRIBUTION_STATUS,
            Request::DistributionReport { .. } => opcode::DISTRIBUTION_REPORT,
        }
    }

    /// Whether sending this request twice has the effect of sending it once,
    /// so that a client may repeat it when it cannot tell whether the first
    /// one arrived: reads, and the redemption steps, which are idempotent per
    /// order (a repeated REDEEM answers the first redemption, a repeated
    /// REVERSE with the same refund id the first reversal).
    pub fn is_idempotent(&self) -> bool {
        match self {
            Request::Hello(_)
            | Request::Ping
            | Request::ServerInfo
            | Request::GetCoupon(_)
            | Request::ListCoupons { .. }
            | Request::Validate { .. }
            | Request::GetRedemption(_)
            | Request::ListRedemptions { .. }
            | Request::ListReversals(_)
            | Request::Digest
            | Request::ClusterStatus
            | Request::GetCampaign { .. }
            | Request::ListCampaigns { .. }
            | Request::ListCampaignCodes { .. }
            | Request::FraudModel
            | Request::FraudReport { .. }
            | Request::AnalyticsCoupon(_)
            | Request::AnalyticsCampaign { .. }
            | Request::AnalyticsOverview
            | Request::WebhookList
            | Request::WebhookDeliveries { .. }
            // Enabling an enabled endpoint changes nothing.
            | Request::WebhookEnable { .. }
            | Request::DistributionStatus { .. }
            // A recipient already queued keeps their entry: nothing is
            // queued or sent twice.
            | Request::CampaignDistribute { .. }
            // A second report of the same status changes nothing.
            | Request::DistributionReport { .. }
            // A repeated label is answered as a replay, changing nothing.
            | Request::FraudOutcome { .. }
            | Request::OrderValidate(_)
            | Request::OrderRedeem(_)
            | Request::OrderReserve(_)
            | Request::OrderConfirm { .. }
            | Request::OrderRelease { .. }
            | Request::Qualify(_)
            // A customer who has a code gets it again: nothing is made twice.
            | Request::AssignCodes { .. }
            | Request::EventsSubscribe(_)
            | Request::Redeem(_)
            | Request::Reserve(_)
            | Request::Confirm(_)
            | Request::Release(_) => true,
            Request::Reverse { refund_id, .. } => !refund_id.is_empty(),
            // A repeat is ALREADY_REVERSED, as a full REVERSE's is.
            Request::OrderReverse { .. } => false,
            // A repeat is refused (ALREADY_EXISTS, CONFLICT) or does it twice.
            Request::CreateCoupon(_)
            | Request::UpdateCoupon { .. }
            | Request::DeleteCoupon { .. }
            | Request::CreateCampaign(_)
            | Request::UpdateCampaign { .. }
            | Request::SetCampaignStatus { .. }
            | Request::DeleteCampaign { .. }
            | Request::ClusterAdd { .. }
            | Request::ClusterRemove { .. }
            // A repeat adds a second endpoint, or is NOT_FOUND.
            | Request::WebhookAdd(_)
            | Request::WebhookRemove { .. }
            | Request::Raft { .. } => false,
            // A backup is a stream on one connection: each part is asked
            // for once, and a new BACKUP_BEGIN elsewhere is another backup.
            Request::BackupBegin { .. }
            | Request::BackupPart { .. }
            | Request::BackupEnd
            | Request::BackupAbort => false,
            Request::GenerateCodes {
                expected_revision, ..
            } => *expected_revision != 0,
        }
    }

    pub fn write_body(&self, w: &mut Writer) {
        match self {
            Request::Hello(h) => {
                w.bytes(&h.magic);
                w.u16(h.version);
                w.str(&h.token);
                w.str(&h.client_name);
            }
            Request::Ping
            | Request::ServerInfo
            | Request::Digest
            | Request::ClusterStatus
            | Request::FraudModel
            | Request::AnalyticsOverview
            | Request::BackupEnd
            | Request::BackupAbort
            | Request::WebhookList => {}
            Request::BackupBegin { flags } => w.u8(*flags),
            Request::BackupPart { seq } => w.u32(*seq),
            Request::WebhookAdd(add) => add.write(w),
            Request::WebhookRemove { id }
            | Request::WebhookEnable { id }
            | Request::WebhookDeliveries { id } => w.u64(*id),
            Request::FraudOutcome {
                redemption_id,
                label,
            } => {
                w.u64(*redemption_id);
                w.u8(label.as_u8());
            }
            Request::FraudReport { from, to } => {
                w.i64(*from);
                w.i64(*to);
            }
            Request::AnalyticsCoupon(r) => r.write(w),
            Request::AnalyticsCampaign { id } => w.u64(*id),
            Request::Raft { body, .. } => w.bytes(body),
            Request::ClusterAdd {
                node_id,
                addr,
                voter,
            } => {
                w.u64(*node_id);
                w.str(addr);
                w.bool(*voter);
            }
            Request::ClusterRemove { node_id } => w.u64(*node_id),
            Request::CreateCampaign(spec) => spec.write(w),
            Request::GetCampaign { id } | Request::DeleteCampaign { id } => w.u64(*id),
            Request::UpdateCampaign {
                id,
                expected_revision,
                spec,
            } => {
                w.u64(*id);
                w.u64(*expected_revision);
                spec.write(w);
            }
            Request::ListCampaigns { after_id, limit } => {
                w.u64(*after_id);
                w.u16(*limit);
            }
            Request::SetCampaignStatus { id, status } => {
                w.u64(*id);
                w.u8(status.as_u8());
            }
            Request::GenerateCodes {
                id,
                count,
                expected_revision,
            } => {
                w.u64(*id);
                w.u64(*count);
                w.u64(*expected_revision);
            }
            Request::ListCampaignCodes {
                id,
                after_coupon_id,
                limit,
            } => {
                w.u64(*id);
                w.u64(*after_coupon_id);
                w.u16(*limit);
            }
            Request::AssignCodes { id, customer_ids } => {
                w.u64(*id);
                w.strs(customer_ids);
            }
            Request::CampaignDistribute {
                campaign_id,
                recipients,
            } => {
                w.u64(*campaign_id);
                w.list(recipients, |w, r| r.write(w));
            }
            Request::DistributionStatus {
                campaign_id,
                after_seq,
                limit,
            } => {
                w.u64(*campaign_id);
                w.u64(*after_seq);
                w.u16(*limit);
            }
            Request::DistributionReport {
                campaign_id,
                customer_id,
                status,
                reason,
            } => {
                w.u64(*campaign_id);
                w.str(customer_id);
                w.u8(status.as_u8());
                w.str(reason);
            }
            Request::CreateCoupon(spec) => spec.write(w),
            Request::GetCoupon(r) => r.write(w),
            Request::UpdateCoupon {
                id,
                expected_revision,
                spec,
            } => {
                w.u64(*id);
                w.u64(*expected_revision);
                spec.write(w);
            }
            Request::DeleteCoupon { id } => w.u64(*id),
            Request::ListCoupons { after_id, limit } => {
                w.u64(*after_id);
                w.u16(*limit);
            }
            Request::Validate { code, order } => {
                w.str(code);
                order.write(w);
            }
            Request::Redeem(r) => {
                w.str(&r.code);
                w.str(&r.order_id);
                w.str(&r.transaction_id);
                r.order.write(w);
            }
            Request::Reserve(r) => {
                w.str(&r.code);
                w.str(&r.order_id);
                w.u32(r.ttl_ms);
                r.order.write(w);
            }
            Request::Confirm(r) | Request::Release(r) | Request::GetRedemption(r) => r.write(w),
            Request::Reverse {
                redemption,
                reason,
                refund_amount,
                refund_id,
            } => {
                redemption.write(w);
                w.str(reason);
                w.opt_i64(*refund_amount);
                w.str(refund_id);
            }
            Request::ListReversals(r) => r.write(w),
            Request::OrderValidate(r) => r.write(w),
            Request::OrderRedeem(r) => r.write(w),
            Request::OrderReserve(r) => r.write(w),
            Request::OrderConfirm {
                order_id,
                transaction_id,
            } => {
                w.str(order_id);
                w.str(transaction_id);
            }
            Request::OrderRelease { order_id } => w.str(order_id),
            Request::OrderReverse { order_id, reason } => {
                w.str(order_id);
                w.str(reason);
            }
            Request::Qualify(r) => r.write(w),
            Request::EventsSubscribe(r) => r.write(w),
            Request::ListRedemptions {
                coupon_id,
                after_id,
                limit,
            } => {
                w.u64(*coupon_id);
                w.u64(*after_id);
                w.u16(*limit);
            }
        }
    }

    /// Decodes a request body. Bytes after the last known field are ignored, so
    /// that a later minor revision can append optional fields.
    pub fn decode(op: u16, body: &[u8]) -> Result<Request, RequestError> {
        let r = &mut Reader::new(body);
        let req = match op {
            opcode::HELLO => {
                let mut magic = [0u8; 4];
                magic.copy_from_slice(r.bytes(4, "magic")?);
                Request::Hello(Hello {
                    magic,
                    version: r.u16("version")?,
                    token: r.str("token")?,
                    client_name: r.str("client_name")?,
                })
            }
            opcode::PING => Request::Ping,
            opcode::SERVER_INFO => Request::ServerInfo,
            opcode::DIGEST => Request::Digest,
            opcode::FRAUD_OUTCOME => Request::FraudOutcome {
                redemption_id: r.u64("redemption_id")?,
                label: FraudLabel::read(r, "label")?,
            },
            opcode::FRAUD_MODEL => Request::FraudModel,
            opcode::FRAUD_REPORT => Request::FraudReport {
                from: r.i64("from")?,
                to: r.i64("to")?,
            },
            opcode::ANALYTICS_COUPON => Request::AnalyticsCoupon(CouponRef::read(r)?),
            opcode::ANALYTICS_CAMPAIGN => Request::AnalyticsCampaign { id: r.u64("id")? },
            opcode::ANALYTICS_OVERVIEW => Request::AnalyticsOverview,
            opcode::BACKUP_BEGIN => Request::BackupBegin {
                flags: r.u8("flags")?,
            },
            opcode::BACKUP_PART => Request::BackupPart { seq: r.u32("seq")? },
            opcode::BACKUP_END => Request::BackupEnd,
            opcode::BACKUP_ABORT => Request::BackupAbort,
            opcode::RAFT_APPEND
            | opcode::RAFT_VOTE
            | opcode::RAFT_SNAPSHOT_BEGIN
            | opcode::RAFT_SNAPSHOT_PART
            | opcode::RAFT_SNAPSHOT_END
            | opcode::VIEWS_FORWARD => Request::Raft {
                opcode: op,
                body: body.to_vec(),
            },
            opcode::CLUSTER_STATUS => Request::ClusterStatus,
            opcode::CLUSTER_ADD => Request::ClusterAdd {
                node_id: r.u64("node_id")?,
                addr: r.str("addr")?,
                voter: r.bool("voter")?,
            },
            opcode::CLUSTER_REMOVE => Request::ClusterRemove {
                node_id: r.u64("node_id")?,
            },
            opcode::CAMPAIGN_CREATE => Request::CreateCampaign(Box::new(CampaignSpec::read(r)?)),
            opcode::CAMPAIGN_GET => Request::GetCampaign { id: r.u64("id")? },
            opcode::CAMPAIGN_DELETE => Request::DeleteCampaign { id: r.u64("id")? },
            opcode::CAMPAIGN_UPDATE => Request::UpdateCampaign {
                id: r.u64("id")?,
                expected_revision: r.u64("expected_revision")?,
                spec: Box::new(CampaignSpec::read(r)?),
            },
            opcode::CAMPAIGN_LIST => Request::ListCampaigns {
                after_id: r.u64("after_id")?,
                limit: r.u16("limit")?,
            },
            opcode::CAMPAIGN_SET_STATUS => Request::SetCampaignStatus {
                id: r.u64("id")?,
                status: CampaignStatus::read(r, "status")?,
            },
            opcode::CAMPAIGN_GENERATE => Request::GenerateCodes {
                id: r.u64("id")?,
                count: r.u64("count")?,
                expected_revision: r.u64("expected_revision")?,
            },
            opcode::CAMPAIGN_CODES => Request::ListCampaignCodes {
                id: r.u64("id")?,
                after_coupon_id: r.u64("after_coupon_id")?,
                limit: r.u16("limit")?,
            },
            opcode::CAMPAIGN_ASSIGN => Request::AssignCodes {
                id: r.u64("id")?,
                customer_ids: r.strs("customer_ids")?,
            },
            opcode::CAMPAIGN_DISTRIBUTE => Request::CampaignDistribute {
                campaign_id: r.u64("campaign_id")?,
                recipients: r.list("recipients", Recipient::read)?,
            },
            opcode::DISTRIBUTION_STATUS => Request::DistributionStatus {
                campaign_id: r.u64("campaign_id")?,
                after_seq: r.u64("after_seq")?,
                limit: r.u16("limit")?,
            },
            opcode::DISTRIBUTION_REPORT => Request::DistributionReport {
                campaign_id: r.u64("campaign_id")?,
                customer_id: r.str("customer_id")?,
                status: DeliveryStatus::read(r, "status")?,
                reason: r.str("reason")?,
            },
            opcode::COUPON_CREATE => Request::CreateCoupon(CouponSpec::read_at_end(r)?),
            opcode::COUPON_GET => Request::GetCoupon(CouponRef::read(r)?),
            opcode::COUPON_UPDATE => Request::UpdateCoupon {
                id: r.u64("id")?,
                expected_revision: r.u64("expected_revision")?,
                spec: CouponSpec::read_at_end(r)?,
            },
            opcode::COUPON_DELETE => Request::DeleteCoupon { id: r.u64("id")? },
            opcode::COUPON_LIST => Request::ListCoupons {
                after_id: r.u64("after_id")?,
                limit: r.u16("limit")?,
            },
            opcode::VALIDATE => Request::Validate {
                code: r.str("code")?,
                order: Order::read(r)?,
            },
            opcode::REDEEM => Request::Redeem(RedeemRequest {
                code: r.str("code")?,
                order_id: r.str("order_id")?,
                transaction_id: r.str("transaction_id")?,
                order: Order::read(r)?,
            }),
            opcode::RESERVE => Request::Reserve(ReserveRequest {
                code: r.str("code")?,
                order_id: r.str("order_id")?,
                ttl_ms: r.u32("ttl_ms")?,
                order: Order::read(r)?,
            }),
            opcode::CONFIRM => Request::Confirm(RedemptionRef::read(r)?),
            opcode::RELEASE => Request::Release(RedemptionRef::read(r)?),
            opcode::REVERSE => {
                let redemption = RedemptionRef::read(r)?;
                let reason = r.str("reason")?;
                // Added in a later revision: a body that ends here is a full reversal.
                let (refund_amount, refund_id) = if r.remaining() == 0 {
                    (None, String::new())
                } else {
                    (r.opt_i64("refund_amount")?, r.str("refund_id")?)
                };
                Request::Reverse {
                    redemption,
                    reason,
                    refund_amount,
                    refund_id,
                }
            }
            opcode::REVERSAL_LIST => Request::ListReversals(RedemptionRef::read(r)?),
            opcode::REDEMPTION_GET => Request::GetRedemption(RedemptionRef::read(r)?),
            opcode::REDEMPTION_LIST => Request::ListRedemptions {
                coupon_id: r.u64("coupon_id")?,
                after_id: r.u64("after_id")?,
                limit: r.u16("limit")?,
            },
            opcode::ORDER_VALIDATE => Request::OrderValidate(OrderValidateRequest::read(r)?),
            opcode::ORDER_REDEEM => Request::OrderRedeem(OrderRedeemRequest::read(r)?),
            opcode::ORDER_RESERVE => Request::OrderReserve(OrderReserveRequest::read(r)?),
            opcode::ORDER_CONFIRM => Request::OrderConfirm {
                order_id: r.str("order_id")?,
                transaction_id: r.str("transaction_id")?,
            },
            opcode::ORDER_RELEASE => Request::OrderRelease {
                order_id: r.str("order_id")?,
            },
            opcode::ORDER_REVERSE => Request::OrderReverse {
                order_id: r.str("order_id")?,
                reason: r.str("reason")?,
            },
            opcode::QUALIFY => Request::Qualify(QualifyRequest::read(r)?),
            opcode::EVENTS_SUBSCRIBE => Request::EventsSubscribe(EventsRequest::read(r)?),
            opcode::WEBHOOK_ADD => Request::WebhookAdd(WebhookAdd::read(r)?),
            opcode::WEBHOOK_LIST => Request::WebhookList,
            opcode::WEBHOOK_REMOVE => Request::WebhookRemove { id: r.u64("id")? },
            opcode::WEBHOOK_ENABLE => Request::WebhookEnable { id: r.u64("id")? },
            opcode::WEBHOOK_DELIVERIES => Request::WebhookDeliveries { id: r.u64("id")? },
            other => return Err(RequestError::UnknownOpcode(other)),
        };
        Ok(req)
    }

    /// Appends this request as one whole frame.
    pub fn encode_frame(&self, request_id: u32, dst: &mut BytesMut) {
        frame::encode(dst, request_id, self.opcode(), 0, |b| {
            self.write_body(&mut Writer::new(b))
        });
    }
}

impl Response {
    pub fn write_body(&self, w: &mut Writer) {
        match self {
            Response::Hello(h) => {
                w.u16(h.version);
                w.str(&h.server_version);
                w.u8(h.role.as_u8());
                w.u32(h.max_frame_length);
                w.u32(h.max_in_flight);
            }
            Response::Pong { server_time_ms } => w.i64(*server_time_ms),
            Response::ServerInfo(i) => {
                w.str(&i.server_version);
                w.u8(i.role.as_u8());
                w.u64(i.term);
                w.u64(i.lsn);
                w.u64(i.coupons);
                w.u64(i.redemptions);
                w.u64(i.uptime_ms);
                w.u32(i.connections);
                w.i64(i.writes_failing_since_ms);
                w.str(&i.storage_error);
            }
            Response::Coupon(c) => c.write(w),
            Response::Deleted => {}
            Response::CouponPage {
                coupons,
                next_after,
            } => {
                w.list(coupons, |w, c| c.write(w));
                w.u64(*next_after);
            }
            Response::Validation(v) => v.write(w),
            Response::Redemption(r) => r.write(w),
            Response::RedemptionPage {
                redemptions,
                next_after,
            } => {
                w.list(redemptions, |w, r| r.write(w));
                w.u64(*next_after);
            }
            Response::Digest(d) => {
                w.u64(d.lsn);
                w.bytes(&d.digest.to_be_bytes());
                w.u64(d.entries);
            }
            Response::Raft(body) => w.bytes(body),
            Response::Cluster(s) => s.write(w),
            Response::Campaign(c) => c.write(w),
            Response::CampaignPage {
                campaigns,
                next_after,
            } => {
                w.list(campaigns, |w, c| c.write(w));
                w.u64(*next_after);
            }
            Response::Reversals(list) => w.list(list, |w, r| r.write(w)),
            Response::CodePage { codes, next_after } => {
                w.list(codes, |w, c| c.write(w));
                w.u64(*next_after);
            }
            Response::FraudModel(m) => m.write(w),
            Response::FraudReport(report) => report.write(w),
            Response::OrderValidation(v) => v.write(w),
            Response::OrderRedemption(r) => r.write(w),
            Response::Qualification(q) => q.write(w),
            Response::AssignedCodes(codes) => w.list(codes, |w, c| c.write(w)),
            Response::Events(b) => b.write(w),
            Response::CouponAnalytics(a) => a.write(w),
            Response::CampaignAnalytics(a) => a.write(w),
            Response::AnalyticsOverview(a) => a.write(w),
            Response::BackupBegun(h) => h.write(w),
            Response::BackupPart(part) => match part {
                Some(part) => {
                    w.bool(true);
                    w.bytes(part);
                }
                None => w.bool(false),
            },
            Response::BackupEnd(end) => end.write(w),
            Response::BackupAborted => {}
            Response::WebhookAdded(a) => a.write(w),
            Response::Webhooks(list) => w.list(list, |w, h| h.write(w)),
            Response::Webhook(h) => h.write(w),
            Response::Deliveries(list) => w.list(list, |w, a| a.write(w)),
            Response::Distribution(entries) => w.list(entries, |w, e| e.write(w)),
            Response::DistributionStatus(s) => s.write(w),
        }
    }

    /// Decodes an OK reply to a request with opcode `op`.
    pub fn decode(op: u16, body: &[u8]) -> Result<Response, RequestError> {
        let r = &mut Reader::new(body);
        let resp = match op {
            opcode::HELLO => Response::Hello(HelloReply {
                version: r.u16("version")?,
                server_version: r.str("server_version")?,
                role: NodeRole::read(r, "role")?,
                max_frame_length: r.u32("max_frame_length")?,
                max_in_flight: r.u32("max_in_flight")?,
            }),
            opcode::PING => Response::Pong {
                server_time_ms: r.i64("server_time_ms")?,
            },
            opcode::SERVER_INFO => Response::ServerInfo(ServerInfo {
                server_version: r.str("server_version")?,
                role: NodeRole::read(r, "role")?,
                term: r.u64("term")?,
                lsn: r.u64("lsn")?,
                coupons: r.u64("coupons")?,
                redemptions: r.u64("redemptions")?,
                uptime_ms: r.u64("uptime_ms")?,
                connections: r.u32("connections")?,
                // Appended fields: absent from an older server's reply.
                writes_failing_since_ms: if r.remaining() > 0 {
                    r.i64("writes_failing_since_ms")?
                } else {
                    0
                },
                storage_error: if r.remaining() > 0 {
                    r.str("storage_error")?
                } else {
                    String::new()
                },
            }),
            opcode::COUPON_CREATE | opcode::COUPON_GET | opcode::COUPON_UPDATE => {
                Response::Coupon(Box::new(Coupon::read(r)?))
            }
            opcode::COUPON_DELETE | opcode::CAMPAIGN_DELETE | opcode::WEBHOOK_REMOVE => {
                Response::Deleted
            }
            opcode::WEBHOOK_ADD => Response::WebhookAdded(WebhookAdded::read(r)?),
            opcode::WEBHOOK_LIST => Response::Webhooks(r.list("webhooks", Webhook::read)?),
            opcode::WEBHOOK_ENABLE => Response::Webhook(Box::new(Webhook::read(r)?)),
            opcode::WEBHOOK_DELIVERIES => {
                Response::Deliveries(r.list("attempts", DeliveryAttempt::read)?)
            }
            opcode::COUPON_LIST => Response::CouponPage {
                coupons: r.list("coupons", Coupon::read)?,
                next_after: r.u64("next_after")?,
            },
            opcode::VALIDATE => Response::Validation(Validation::read(r)?),
            opcode::REDEEM
            | opcode::RESERVE
            | opcode::CONFIRM
            | opcode::RELEASE
            | opcode::REVERSE
            | opcode::REDEMPTION_GET => Response::Redemption(RedemptionReply::read(r)?),
            opcode::REDEMPTION_LIST => Response::RedemptionPage {
                redemptions: r.list("redemptions", Redemption::read)?,
                next_after: r.u64("next_after")?,
            },
            opcode::DIGEST => {
                let lsn = r.u64("lsn")?;
                let mut digest = [0u8; 16];
                digest.copy_from_slice(r.bytes(16, "digest")?);
                Response::Digest(DigestReply {
                    lsn,
                    digest: u128::from_be_bytes(digest),
                    entries: r.u64("entries")?,
                })
            }
            opcode::RAFT_APPEND
            | opcode::RAFT_VOTE
            | opcode::RAFT_SNAPSHOT_BEGIN
            | opcode::RAFT_SNAPSHOT_PART
            | opcode::RAFT_SNAPSHOT_END
            | opcode::VIEWS_FORWARD => Response::Raft(body.to_vec()),
            opcode::CLUSTER_STATUS | opcode::CLUSTER_ADD | opcode::CLUSTER_REMOVE => {
                Response::Cluster(Box::new(ClusterStatus::read(r)?))
            }
            opcode::CAMPAIGN_CREATE
            | opcode::CAMPAIGN_GET
            | opcode::CAMPAIGN_UPDATE
            | opcode::CAMPAIGN_SET_STATUS
            | opcode::CAMPAIGN_GENERATE => Response::Campaign(Box::new(Campaign::read(r)?)),
            opcode::REVERSAL_LIST => Response::Reversals(r.list("reversals", Reversal::read)?),
            opcode::CAMPAIGN_LIST => Response::CampaignPage {
                campaigns: r.list("campaigns", Campaign::read)?,
                next_after: r.u64("next_after")?,
            },
            opcode::CAMPAIGN_CODES => Response::CodePage {
                codes: r.list("codes", CampaignCode::read)?,
                next_after: r.u64("next_after")?,
            },
            opcode::FRAUD_OUTCOME | opcode::FRAUD_MODEL => {
                Response::FraudModel(FraudModel::read(r)?)
            }
            opcode::FRAUD_REPORT => Response::FraudReport(Box::new(FraudReport::read(r)?)),
            opcode::ORDER_VALIDATE => Response::OrderValidation(OrderValidation::read(r)?),
            opcode::ORDER_REDEEM
            | opcode::ORDER_RESERVE
            | opcode::ORDER_CONFIRM
            | opcode::ORDER_RELEASE
            | opcode::ORDER_REVERSE => Response::OrderRedemption(OrderRedemption::read(r)?),
            opcode::QUALIFY => Response::Qualification(Qualification::read(r)?),
            opcode::CAMPAIGN_ASSIGN => {
                Response::AssignedCodes(r.list("codes", AssignedCode::read)?)
            }
            opcode::EVENTS_SUBSCRIBE => Response::Events(EventBatch::read(r)?),
            opcode::CAMPAIGN_DISTRIBUTE | opcode::DISTRIBUTION_REPORT => {
                Response::Distribution(r.list("entries", DistributionEntry::read)?)
            }
            opcode::DISTRIBUTION_STATUS => {
                Response::DistributionStatus(Box::new(DistributionStatus::read(r)?))
            }
            opcode::ANALYTICS_COUPON => {
                Response::CouponAnalytics(Box::new(CouponAnalytics::read(r)?))
            }
            opcode::ANALYTICS_CAMPAIGN => {
                Response::CampaignAnalytics(Box::new(CampaignAnalytics::read(r)?))
            }
            opcode::ANALYTICS_OVERVIEW => {
                Response::AnalyticsOverview(Box::new(AnalyticsOverview::read(r)?))
            }
            opcode::BACKUP_BEGIN => Response::BackupBegun(BackupHeader::read(r)?),
            opcode::BACKUP_PART => Response::BackupPart(if r.bool("more")? {
                Some(r.bytes(r.remaining(), "part")?.to_vec())
            } else {
                None
            }),
            opcode::BACKUP_END => Response::BackupEnd(BackupEnd::read(r)?),
            opcode::BACKUP_ABORT => Response::BackupAborted,
            other => return Err(RequestError::UnknownOpcode(other)),
        };
        Ok(resp)
    }

    /// Appends this reply as one whole OK frame.
    pub fn encode_frame(&self, request_id: u32, op: u16, dst: &mut BytesMut) {
        frame::encode(dst, request_id, op, ErrorCode::Ok.as_u16(), |b| {
            self.write_body(&mut Writer::new(b))
        });
    }
}

impl ErrorBody {
    pub fn write(&self, w: &mut Writer) {
        w.str(&self.message);
        w.str(&self.leader);
    }
    /// Lenient: an error reply is decoded as far as it goes.
    pub fn read(body: &[u8]) -> ErrorBody {
        let r = &mut Reader::new(body);
        let message = r.str("message").unwrap_or_default();
        let leader = r.str("leader").unwrap_or_default();
        ErrorBody { message, leader }
    }
    /// Appends an error reply frame.
    pub fn encode_frame(&self, request_id: u32, op: u16, code: ErrorCode, dst: &mut BytesMut) {
        frame::encode(dst, request_id, op, code.as_u16(), |b| {
            self.write(&mut Writer::new(b))
        });
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::wire::{StackClass, StackSettings, COMBINES_WITH_ORDER};

    /// Bytes of CouponSpec fields 25 to 30: bool, u32, u32, u8, u16, u16.
    const APPENDED_SPEC_BYTES: usize = 14;

    fn body(request: &Request) -> BytesMut {
        let mut buf = BytesMut::new();
        request.write_body(&mut Writer::new(&mut buf));
        buf
    }

    /// Order fields 12 to 14 end a VALIDATE body: one from an older client
    /// (ending after field 11) reads them as unverified, no card, no
    /// provider score; one cut inside them is a decode error, not a guess.
    #[test]
    fn order_bodies_from_older_clients_decode_with_defaults() {
        let order = Order {
            customer_id: "c".into(),
            amount: 100,
            currency: "USD".into(),
            email_verified: true,
            payment_fingerprint: "card".into(),
            provider_risk_score: Some(250_000),
            ..Order::default()
        };
        let request = Request::Validate {
            code: "X".into(),
            order: order.clone(),
        };
        let full = body(&request);
        assert_eq!(Request::decode(opcode::VALIDATE, &full).unwrap(), request);
        // email_verified (1), payment_fingerprint (2 + 4), the score (1 + 4).
        let older = &full[..full.len() - 12];
        let expected = Request::Validate {
            code: "X".into(),
            order: Order {
                email_verified: false,
                payment_fingerprint: String::new(),
                provider_risk_score: None,
                ..order
            },
        };
        assert_eq!(Request::decode(opcode::VALIDATE, older).unwrap(), expected);
        for cut in 1..12 {
            assert!(
                Request::decode(opcode::VALIDATE, &full[..full.len() - cut]).is_err(),
                "cut {cut} bytes into fields 12 to 14"
            );
        }
    }

    #[test]
    fn spec_bodies_from_older_clients_decode_with_defaults() {
        let current = CouponSpec {
            code: "BOGO".into(),
            discount_type: DiscountType::BuyXGetY,
            buy_quantity: 1,
            get_quantity: 1,
            apply_per_line: true,
            active_days: 0x1f,
            active_start_minute: 540,
            active_end_minute: 1020,
            stacking: StackSettings {
                class: Some(StackClass::Product),
                combines_with: COMBINES_WITH_ORDER,
                exclusive: false,
                priority: 5,
            },
            assigned_customer_id: "jane".into(),
            ..CouponSpec::default()
        };
        // Fields 31 to 46 as a body that ends before them means them: off.
        let older = CouponSpec {
            code: "OLD".into(),
            review_score: None,
            block_score: None,
            ..CouponSpec::default()
        };
        let mut fraud = BytesMut::new();
        older.write_fraud(&mut Writer::new(&mut fraud));
        let mut order_settings = BytesMut::new();
        older.write_order_settings(&mut Writer::new(&mut order_settings));
        for (opcode, make) in [
            (
                opcode::COUPON_CREATE,
                Request::CreateCoupon as fn(CouponSpec) -> Request,
            ),
            (opcode::COUPON_UPDATE, |spec| Request::UpdateCoupon {
                id: 4,
                expected_revision: 2,
                spec,
            }),
        ] {
            let request = make(current.clone());
            assert_eq!(Request::decode(opcode, &body(&request)).unwrap(), request);
            // An older client's body ends after field 30, or 24.
            let request = make(older.clone());
            let full = body(&request);
            // An older client's body ends after field 45: 46 empty (2 bytes).
            let before_referrer = &full[..full.len() - 2];
            assert_eq!(Request::decode(opcode, before_referrer).unwrap(), request);
            // After field 33: 34 to 45 at their defaults.
            let before_settings = &before_referrer[..before_referrer.len() - order_settings.len()];
            assert_eq!(Request::decode(opcode, before_settings).unwrap(), request);
            let before_fraud = &before_settings[..before_settings.len() - fraud.len()];
            assert_eq!(Request::decode(opcode, before_fraud).unwrap(), request);
            let short = &before_fraud[..before_fraud.len() - APPENDED_SPEC_BYTES];
            assert_eq!(Request::decode(opcode, short).unwrap(), request);
            // Cut inside the appended fields: a decode error, not a guess.
            assert!(Request::decode(opcode, &full[..full.len() - 1]).is_err());
        }
    }
}
