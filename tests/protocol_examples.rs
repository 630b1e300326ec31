//! protocol.md's hex examples are real frames: every `<!-- example: NAME -->`
//! block must be exactly what the wire codec encodes for NAME's value below, and
//! must decode back to that value. The doc and this table must name the same
//! examples, so neither can drift from the other or from the codec.
//!
//! After a deliberate protocol change, the failing check prints the hex the
//! code now produces, ready to paste into protocol.md.

use std::collections::{BTreeMap, BTreeSet};

use bytes::{Bytes, BytesMut};
use couponsd::cluster::codec;
use couponsd::cluster::snapshot::{Part, SnapshotPart};
use couponsd::cluster::types::{
    Entry, LogId, Membership, Node, SnapshotMeta, StoredMembership, TypeConfig, Vote,
};
use couponsd::state::{Effect, LogRecord};
use couponsd::writer::{Chain, Proposal};
use couponsd_client::wire::{
    event_id, frame, opcode, AdminStatus, AnalyticsTotals, BackupEnd, BackupHeader, Campaign,
    CampaignSpec, CampaignStatus, CampaignType, ClusterMember, ClusterStatus, CodeCheck,
    CouponAnalytics, CouponRef, CouponSpec, CouponStatus, CouponType, CriteriaOperator,
    CriteriaType, DeliveryStatus, DigestReply, DiscountType, DistributionMethod, ErrorBody,
    ErrorCode, Event, EventBatch, EventType, EventsRequest, Frame, FrameError, FraudLabel,
    GenerationRules, Hello, HelloReply, NodeRole, Order, OrderMode, OrderRedeemRequest,
    OrderReserveRequest, OrderTotals, OrderValidateRequest, ProductUsage, Qualification,
    QualifiedCoupon, QualifyRequest, Reader, Recipient, RedeemRequest, Redemption, RedemptionRef,
    RedemptionReply, RedemptionStatus, Request, RequestError, Response, Reversal, ServerInfo,
    UsagePoint, Validation, BACKUP_DIGEST, MAGIC, MAX_FRAME_LENGTH, PROTOCOL_VERSION,
};
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse, VoteRequest, VoteResponse};
use openraft::{CommittedLeaderId, EntryPayload};

/// A fixed instant for every timestamp in the examples: 2025-06-15T15:06:40Z.
const T: i64 = 1_750_000_000_000;

/// One documented frame.
#[derive(Debug)]
enum Example {
    /// A client's request.
    Request { id: u32, request: Request },
    /// A server's OK reply to a request with opcode `op`.
    Reply {
        id: u32,
        op: u16,
        response: Response,
    },
    /// A server's error reply.
    Error {
        id: u32,
        op: u16,
        code: ErrorCode,
        body: ErrorBody,
    },
}

/// Builds the value an example shows.
type Make = fn() -> Example;

/// Every example protocol.md has, by name.
const EXAMPLES: &[(&str, Make)] = &[
    ("hello_request", hello_request),
    ("hello_reply", hello_reply),
    ("ping_request", ping_request),
    ("ping_reply", ping_reply),
    ("coupon_create_request", coupon_create_request),
    ("coupon_create_reply", coupon_create_reply),
    ("validate_request", validate_request),
    ("validation_reply", validation_reply),
    ("redeem_request", redeem_request),
    ("redeem_reply", redeem_reply),
    ("order_validate_request", order_validate_request),
    ("order_redeem_request", order_redeem_request),
    ("order_reserve_request", order_reserve_request),
    ("order_confirm_request", order_confirm_request),
    ("order_release_request", order_release_request),
    ("order_reverse_request", order_reverse_request),
    ("qualify_request", qualify_request),
    ("qualification_reply", qualification_reply),
    ("events_subscribe_request", events_subscribe_request),
    ("events_reply", events_reply),
    ("backup_begin_request", backup_begin_request),
    ("backup_begun_reply", backup_begun_reply),
    ("backup_end_reply", backup_end_reply),
    ("webhook_add_request", webhook_add_request),
    ("webhook_add_reply", webhook_add_reply),
    ("confirm_request", confirm_request),
    ("fraud_outcome_request", fraud_outcome_request),
    ("analytics_coupon_request", analytics_coupon_request),
    ("coupon_analytics_reply", coupon_analytics_reply),
    ("error_reply_exhausted", error_reply_exhausted),
    ("frame_too_large", frame_too_large),
    ("views_forward_request", views_forward_request),
    ("raft_vote_request", raft_vote_request),
    ("raft_vote_reply", raft_vote_reply),
    ("raft_append_request", raft_append_request),
    ("raft_append_reply", raft_append_reply),
    ("raft_snapshot_begin_request", raft_snapshot_begin_request),
    ("raft_snapshot_part_request", raft_snapshot_part_request),
    ("cluster_status_request", cluster_status_request),
    ("cluster_status_reply", cluster_status_reply),
    ("cluster_add_request", cluster_add_request),
    ("error_reply_not_leader", error_reply_not_leader),
    ("error_reply_wrong_cluster", error_reply_wrong_cluster),
    ("campaign_create_request", campaign_create_request),
    ("campaign_reply", campaign_reply),
    ("campaign_generate_request", campaign_generate_request),
    ("campaign_set_status_request", campaign_set_status_request),
    ("campaign_assign_request", campaign_assign_request),
    ("campaign_distribute_request", campaign_distribute_request),
    ("reverse_refund_request", reverse_refund_request),
    ("reversal_list_reply", reversal_list_reply),
    ("error_reply_budget_exhausted", error_reply_budget_exhausted),
    ("server_info_reply", server_info_reply),
    (
        "error_reply_storage_unavailable",
        error_reply_storage_unavailable,
    ),
];

fn hello_request() -> Example {
    Example::Request {
        id: 1,
        request: Request::Hello(Hello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            token: String::new(),
            client_name: "doc".into(),
        }),
    }
}

fn hello_reply() -> Example {
    Example::Reply {
        id: 1,
        op: opcode::HELLO,
        response: Response::Hello(HelloReply {
            version: PROTOCOL_VERSION,
            server_version: "0.1.0".into(),
            role: NodeRole::Leader,
            max_frame_length: MAX_FRAME_LENGTH,
            max_in_flight: 256,
        }),
    }
}

fn ping_request() -> Example {
    Example::Request {
        id: 2,
        request: Request::Ping,
    }
}

fn ping_reply() -> Example {
    Example::Reply {
        id: 2,
        op: opcode::PING,
        response: Response::Pong { server_time_ms: T },
    }
}

fn summer20() -> CouponSpec {
    CouponSpec {
        code: "SUMMER20".into(),
        discount_type: DiscountType::Percentage,
        discount_value: 2000,
        currency: "USD".into(),
        max_discount_amount: Some(5000),
        usage_limit: Some(1000),
        usage_limit_per_customer: Some(1),
        ..CouponSpec::default()
    }
}

fn coupon_create_request() -> Example {
    Example::Request {
        id: 3,
        request: Request::CreateCoupon(summer20()),
    }
}

fn coupon_create_reply() -> Example {
    Example::Reply {
        id: 3,
        op: opcode::COUPON_CREATE,
        response: Response::Coupon(Box::new(couponsd_client::wire::Coupon {
            id: 1,
            revision: 1,
            spec: summer20(),
            status: CouponStatus::Active,
            current_usage: 0,
            reserved_uses: 0,
            created_at: T,
            updated_at: T,
            created_by: "loopback".into(),
            fraud_attempts: 0,
            blocked_redemptions: 0,
        })),
    }
}

fn seed_order() -> Order {
    Order {
        customer_id: "customer-123".into(),
        amount: 15000,
        currency: "USD".into(),
        ..Order::default()
    }
}

fn validate_request() -> Example {
    Example::Request {
        id: 4,
        request: Request::Validate {
            code: "SUMMER20".into(),
            order: seed_order(),
        },
    }
}

fn validation_reply() -> Example {
    Example::Reply {
        id: 4,
        op: opcode::VALIDATE,
        response: Response::Validation(Validation {
            valid: true,
            reason: 0,
            message: String::new(),
            coupon_id: 1,
            code: "SUMMER20".into(),
            name: String::new(),
            discount_type: Some(DiscountType::Percentage),
            discount_value: 2000,
            max_discount_amount: Some(5000),
            applicable_amount: 15000,
            discount_amount: 3000,
            final_amount: 12000,
            currency: "USD".into(),
            remaining_uses: Some(1000),
            customer_usage_count: 0,
            expires_at: None,
            // No signal: the model's bias alone (about 0.047, LOW).
            security_assessment: couponsd::rules::fraud::assess::assess(
                &couponsd::rules::fraud::score::Model::default(),
                &couponsd::rules::fraud::score::Signals::default(),
                &summer20(),
            ),
        }),
    }
}

fn redeem_request() -> Example {
    Example::Request {
        id: 5,
        request: Request::Redeem(RedeemRequest {
            code: "SUMMER20".into(),
            order_id: "order-456".into(),
            transaction_id: String::new(),
            order: seed_order(),
        }),
    }
}

fn redeem_reply() -> Example {
    Example::Reply {
        id: 5,
        op: opcode::REDEEM,
        response: Response::Redemption(RedemptionReply {
            redemption: Redemption {
                id: 1,
                coupon_id: 1,
                code: "SUMMER20".into(),
                customer_id: "customer-123".into(),
                order_id: "order-456".into(),
                transaction_id: String::new(),
                status: RedemptionStatus::Processed,
                original_amount: 15000,
                discount_amount: 3000,
                final_amount: 12000,
                currency: "USD".into(),
                channel: String::new(),
                created_at: T,
                updated_at: T,
                hold_expires_at: None,
                reverse_reason: String::new(),
                security: Default::default(),
                fraud_outcome: None,
                identifiers: Default::default(),
                counted: 0,
            },
            remaining_uses: Some(999),
            replayed: false,
        }),
    }
}

fn order_validate_request() -> Example {
    Example::Request {
        id: 15,
        request: Request::OrderValidate(OrderValidateRequest {
            codes: vec!["TENOFF".into(), "SUMMER20".into()],
            mode: OrderMode::AllOrNothing,
            order: seed_order(),
        }),
    }
}

fn order_redeem_request() -> Example {
    Example::Request {
        id: 16,
        request: Request::OrderRedeem(OrderRedeemRequest {
            codes: vec!["TENOFF".into(), "SUMMER20".into()],
            mode: OrderMode::BestEffort,
            order_id: "order-900".into(),
            transaction_id: String::new(),
            order: seed_order(),
        }),
    }
}

fn order_reserve_request() -> Example {
    Example::Request {
        id: 17,
        request: Request::OrderReserve(OrderReserveRequest {
            codes: vec!["TENOFF".into(), "SUMMER20".into()],
            mode: OrderMode::AllOrNothing,
            order_id: "order-901".into(),
            ttl_ms: 600_000,
            order: seed_order(),
        }),
    }
}

fn order_confirm_request() -> Example {
    Example::Request {
        id: 18,
        request: Request::OrderConfirm {
            order_id: "order-901".into(),
            transaction_id: "tx-55".into(),
        },
    }
}

fn order_release_request() -> Example {
    Example::Request {
        id: 19,
        request: Request::OrderRelease {
            order_id: "order-901".into(),
        },
    }
}

fn order_reverse_request() -> Example {
    Example::Request {
        id: 20,
        request: Request::OrderReverse {
            order_id: "order-900".into(),
            reason: "refund".into(),
        },
    }
}

fn qualify_request() -> Example {
    Example::Request {
        id: 30,
        request: Request::Qualify(QualifyRequest {
            limit: 10,
            order: seed_order(),
        }),
    }
}

fn qualification_reply() -> Example {
    let coupon = |code: &str, coupon_id, discount_amount| QualifiedCoupon {
        code: code.into(),
        coupon_id,
        discount_amount,
        auto_apply: false,
        assigned: false,
    };
    Example::Reply {
        id: 30,
        op: opcode::QUALIFY,
        response: Response::Qualification(Qualification {
            coupons: vec![coupon("SUMMER20", 1, 3000), coupon("TENOFF", 2, 1000)],
            best: vec!["SUMMER20".into(), "TENOFF".into()],
            best_totals: OrderTotals {
                original_amount: 15000,
                discount_amount: 4000,
                final_amount: 11000,
                currency: "USD".into(),
            },
            truncated: false,
            candidates_evaluated: 2,
        }),
    }
}

fn events_subscribe_request() -> Example {
    Example::Request {
        id: 31,
        request: Request::EventsSubscribe(EventsRequest {
            from: 0,
            types: EventType::Redeemed.bit(),
            coupon_id: 1,
            campaign_id: 0,
            max_batch: 10,
        }),
    }
}

fn backup_begin_request() -> Example {
    Example::Request {
        id: 40,
        request: Request::BackupBegin {
            flags: BACKUP_DIGEST,
        },
    }
}

fn backup_begun_reply() -> Example {
    Example::Reply {
        id: 40,
        op: opcode::BACKUP_BEGIN,
        response: Response::BackupBegun(BackupHeader {
            cluster_id: 0x7fff_d0d0_381b_315b,
            node_id: 1,
            lsn: 5,
            term: 1,
            created_ms: T,
        }),
    }
}

fn backup_end_reply() -> Example {
    Example::Reply {
        id: 46,
        op: opcode::BACKUP_END,
        response: Response::BackupEnd(BackupEnd {
            parts: 5,
            checkpoint_lsn: 0,
            lsn: 5,
            digest: Some(DigestReply {
                lsn: 5,
                digest: 0x0519_ddc3_3a0d_0fae_72a0_3c9f_2e11_093a,
                entries: 19,
            }),
        }),
    }
}

fn events_reply() -> Example {
    Example::Reply {
        id: 31,
        op: opcode::EVENTS_SUBSCRIBE,
        response: Response::Events(EventBatch {
            events: vec![Event {
                id: event_id(3, 0),
                event_type: Some(EventType::Redeemed),
                time: T,
                coupon_id: 1,
                code: "SUMMER20".into(),
                campaign_id: 0,
                redemption_id: 1,
                order_id: "order-456".into(),
                customer_id: "customer-123".into(),
                amount: 15000,
                discount_amount: 3000,
                currency: "USD".into(),
                status: "PROCESSED".into(),
                count: 0,
            }],
            next: event_id(4, 0),
        }),
    }
}

fn webhook_add_request() -> Example {
    Example::Request {
        id: 32,
        request: Request::WebhookAdd(couponsd_client::wire::WebhookAdd {
            url: "https://shop.example/hooks".into(),
            types: EventType::Redeemed.bit(),
            description: "orders".into(),
        }),
    }
}

fn webhook_add_reply() -> Example {
    Example::Reply {
        id: 32,
        op: opcode::WEBHOOK_ADD,
        response: Response::WebhookAdded(couponsd_client::wire::WebhookAdded {
            id: 5,
            secret: format!("whsec_{}", "00".repeat(32)),
        }),
    }
}

fn confirm_request() -> Example {
    Example::Request {
        id: 6,
        request: Request::Confirm(RedemptionRef::Order {
            code: "SUMMER20".into(),
            order_id: "order-789".into(),
        }),
    }
}

fn analytics_coupon_request() -> Example {
    Example::Request {
        id: 40,
        request: Request::AnalyticsCoupon(CouponRef::Code("SUMMER20".into())),
    }
}

fn coupon_analytics_reply() -> Example {
    // Day 20,254 and its hour 486,111 (UTC): 2025-06-15, 15:00.
    let point = |slot, redemptions, revenue| UsagePoint {
        slot,
        redemptions,
        revenue,
    };
    Example::Reply {
        id: 40,
        op: opcode::ANALYTICS_COUPON,
        response: Response::CouponAnalytics(Box::new(CouponAnalytics {
            coupon_id: 1,
            code: "SUMMER20".into(),
            currency: "USD".into(),
            metrics: AnalyticsTotals {
                total_views: 40,
                total_redemptions: 4,
                total_reversed: 1,
                total_revenue: 24_000,
                total_discount: 6_000,
                conversion_rate_ppm: 100_000,
                average_order_value: 6_000,
                roi_basis_points: Some(30_000),
                last_redemption_at: Some(T),
            },
            fraud_attempts: 0,
            blocked_redemptions: 0,
            last_updated: T,
            usage_timeline: vec![point(20_254, 4, 32_000)],
            hourly_timeline: vec![point(486_111, 4, 32_000)],
            top_products: vec![ProductUsage {
                product_id: "shoe".into(),
                redemptions: 4,
                revenue: 40_000,
                overcount: 0,
            }],
        })),
    }
}

fn fraud_outcome_request() -> Example {
    Example::Request {
        id: 14,
        request: Request::FraudOutcome {
            redemption_id: 9,
            label: FraudLabel::Fraud,
        },
    }
}

fn error_reply_exhausted() -> Example {
    Example::Error {
        id: 7,
        op: opcode::REDEEM,
        code: ErrorCode::Exhausted,
        body: ErrorBody {
            message: "the coupon's usage limit is reached".into(),
            leader: String::new(),
        },
    }
}

/// The server's answer to a length prefix of 0x00200000 (2 MiB): request id 0
/// and opcode 0, because the frame was never read; then it closes.
fn frame_too_large() -> Example {
    let error = FrameError::TooLarge {
        length: 2 << 20,
        max: MAX_FRAME_LENGTH,
    };
    Example::Error {
        id: 0,
        op: 0,
        code: ErrorCode::FrameTooLarge,
        body: ErrorBody {
            message: error.to_string(),
            leader: String::new(),
        },
    }
}

// The cluster. Three voters: node 1 at 10.0.0.1:7878, node 2 at
// 10.0.0.2:7878 and node 3 at 10.0.0.3:7878, cluster 0x0123456789abcdef. The
// log ends at entry (term 1, node 3, index 9), which holds the records up to
// LSN 41. Node 3, the leader of term 1, is lost; node 1 stands for election on
// its connection to node 2 (HELLO was request 1, RAFT_VOTE request 2), wins
// term 2, commits its blank entry 10 (request 3), then replicates entry 11
// (request 4): the COUPON_DELETE of coupon 2.

const CLUSTER: u64 = 0x0123_4567_89ab_cdef;
/// The cluster id of a node that belongs to another cluster.
const OTHER_CLUSTER: u64 = 0xfedc_ba98_7654_3210;
const NODE_1: &str = "10.0.0.1:7878";
const NODE_2: &str = "10.0.0.2:7878";
const NODE_3: &str = "10.0.0.3:7878";
const NODE_4: &str = "10.0.0.4:7878";

fn log_id(term: u64, node: u64, index: u64) -> LogId {
    LogId::new(CommittedLeaderId::new(term, node), index)
}

/// Node 1 stands for election in term 2; its log ends at (1, 3, 9).
fn vote_request() -> VoteRequest<u64> {
    VoteRequest {
        vote: Vote::new(2, 1),
        last_log_id: Some(log_id(1, 3, 9)),
    }
}

/// Node 2 grants it: its own vote is now node 1's, its log ends as node 1's.
fn vote_response() -> VoteResponse<u64> {
    VoteResponse {
        vote: Vote::new(2, 1),
        vote_granted: true,
        last_log_id: Some(log_id(1, 3, 9)),
    }
}

fn raft_vote_request() -> Example {
    Example::Request {
        id: 2,
        request: Request::Raft {
            opcode: opcode::RAFT_VOTE,
            body: codec::encode(|w| codec::write_vote_request(w, CLUSTER, &vote_request())),
        },
    }
}

fn views_forward_request() -> Example {
    Example::Request {
        id: 9,
        request: Request::Raft {
            opcode: opcode::VIEWS_FORWARD,
            body: codec::encode(|w| codec::write_views(w, CLUSTER, &[(1, 5), (7, 2)])),
        },
    }
}

fn raft_vote_reply() -> Example {
    Example::Reply {
        id: 2,
        op: opcode::RAFT_VOTE,
        response: Response::Raft(codec::encode(|w| {
            codec::write_vote_response(w, &vote_response())
        })),
    }
}

/// The log record entry 11 carries: LSN 42, a COUPON_DELETE of coupon 2,
/// decided by the leader of term 2.
fn delete_record() -> LogRecord {
    LogRecord {
        term: 2,
        lsn: 42,
        timestamp: T,
        effects: vec![Effect::CouponDeleted {
            id: 2,
            drops_redemption_list: false,
        }],
    }
}

/// Node 1's first batch in term 2, decided on the applied state (LSN 41).
fn delete_proposal() -> Proposal {
    Proposal {
        term: 2,
        seq: 1,
        prev_seq: 0,
        base_lsn: 41,
        time_ms: T,
        records: vec![Bytes::from(delete_record().encode())],
        decided: None,
    }
}

fn delete_entry() -> Entry {
    Entry {
        log_id: log_id(2, 1, 11),
        payload: EntryPayload::Normal(delete_proposal()),
    }
}

/// The leader of term 2 sends entry 11 after its blank entry 10, which is
/// committed.
fn append_request() -> AppendEntriesRequest<TypeConfig> {
    AppendEntriesRequest {
        vote: Vote::new_committed(2, 1),
        prev_log_id: Some(log_id(2, 1, 10)),
        entries: vec![delete_entry()],
        leader_commit: Some(log_id(2, 1, 10)),
    }
}

fn raft_append_request() -> Example {
    let request = append_request();
    let entries: Vec<Vec<u8>> = request.entries.iter().map(codec::encode_entry).collect();
    Example::Request {
        id: 4,
        request: Request::Raft {
            opcode: opcode::RAFT_APPEND,
            body: codec::encode(|w| codec::write_append_request(w, CLUSTER, &request, &entries)),
        },
    }
}

fn raft_append_reply() -> Example {
    Example::Reply {
        id: 4,
        op: opcode::RAFT_APPEND,
        response: Response::Raft(codec::encode(|w| {
            codec::write_append_response(w, &AppendEntriesResponse::Success)
        })),
    }
}

/// The three voters, as every node's membership holds them since the
/// cluster was formed (the entry at index 0).
fn voters() -> StoredMembership {
    let nodes = BTreeMap::from([
        (1, Node::new(NODE_1)),
        (2, Node::new(NODE_2)),
        (3, Node::new(NODE_3)),
    ]);
    StoredMembership::new(
        Some(log_id(0, 0, 0)),
        Membership::new(vec![BTreeSet::from([1, 2, 3])], nodes),
    )
}

/// A snapshot node 1 sends, as of entry 11.
fn snapshot_meta() -> SnapshotMeta {
    SnapshotMeta {
        last_log_id: Some(log_id(2, 1, 11)),
        last_membership: voters(),
        snapshot_id: "2-1-11".into(),
    }
}

fn raft_snapshot_begin_request() -> Example {
    Example::Request {
        id: 2,
        request: Request::Raft {
            opcode: opcode::RAFT_SNAPSHOT_BEGIN,
            body: codec::encode(|w| {
                w.u64(CLUSTER);
                codec::write_vote(w, &Vote::new_committed(2, 1));
                codec::write_snapshot_meta(w, &snapshot_meta());
            }),
        },
    }
}

/// The store's meta entries as of LSN 42, in the order the store holds them.
/// The key secret is the bytes 00 01 .. 0f, read as two little-endian u64.
fn snapshot_meta_entries() -> Vec<(&'static str, u64)> {
    vec![
        ("clock_ms", T as u64),
        ("key_secret_high", 0x0f0e_0d0c_0b0a_0908),
        ("key_secret_low", 0x0706_0504_0302_0100),
        ("last_batch_seq", 1),
        ("last_batch_term", 2),
        ("last_lsn", 42),
        ("next_campaign_id", 1),
        ("next_coupon_id", 3),
    ]
}

/// The snapshot's first part: the META entries.
fn meta_part() -> Part {
    let entries = snapshot_meta_entries();
    let data = codec::encode(|w| {
        w.u32(entries.len() as u32);
        for (name, value) in &entries {
            w.str(name);
            w.u64(*value);
        }
    });
    Part {
        seq: 0,
        kind: SnapshotPart::Meta,
        crc: crc32fast::hash(&data),
        data,
    }
}

fn raft_snapshot_part_request() -> Example {
    Example::Request {
        id: 3,
        request: Request::Raft {
            opcode: opcode::RAFT_SNAPSHOT_PART,
            body: codec::encode(|w| meta_part().write(w)),
        },
    }
}

/// An operator's connection to node 1 (HELLO was request 1).
fn cluster_status_request() -> Example {
    Example::Request {
        id: 2,
        request: Request::ClusterStatus,
    }
}

/// Node 1 right after entry 11 is committed: node 2 holds it, node 3 is
/// still down and has not answered in this term.
fn cluster_status_reply() -> Example {
    let member =
        |node_id: u64, addr: &str, matched_index: u64, last_contact_ms: u64| ClusterMember {
            node_id,
            addr: addr.into(),
            voter: true,
            matched_index,
            lag_entries: 11 - matched_index,
            last_contact_ms,
        };
    Example::Reply {
        id: 2,
        op: opcode::CLUSTER_STATUS,
        response: Response::Cluster(Box::new(ClusterStatus {
            node_id: 1,
            cluster_id: CLUSTER,
            role: NodeRole::Leader,
            term: 2,
            leader_id: 1,
            leader_addr: NODE_1.into(),
            last_log_index: 11,
            committed_index: 11,
            applied_index: 11,
            lsn: 42,
            snapshot_index: 0,
            purged_index: 0,
            leader_contact_ms: 0,
            members: vec![
                member(1, NODE_1, 11, 0),
                member(2, NODE_2, 11, 20),
                member(3, NODE_3, 0, u64::MAX),
            ],
        })),
    }
}

fn cluster_add_request() -> Example {
    Example::Request {
        id: 3,
        request: Request::ClusterAdd {
            node_id: 4,
            addr: NODE_4.into(),
            voter: true,
        },
    }
}

/// The REDEEM of redeem_request (request 5), sent to node 2.
fn error_reply_not_leader() -> Example {
    let error = couponsd::error::Error::NotLeader {
        leader: NODE_1.into(),
    };
    Example::Error {
        id: 5,
        op: opcode::REDEEM,
        code: ErrorCode::NotLeader,
        body: ErrorBody {
            message: error.to_string(),
            leader: error.leader().into(),
        },
    }
}

/// A RAFT_APPEND (request 2) from a node of another cluster, refused by node 2.
fn error_reply_wrong_cluster() -> Example {
    Example::Error {
        id: 2,
        op: opcode::RAFT_APPEND,
        code: ErrorCode::WrongCluster,
        body: ErrorBody {
            message: format!(
                "this node belongs to cluster {CLUSTER:016x}, the message to cluster {OTHER_CLUSTER:016x}"
            ),
            leader: String::new(),
        },
    }
}

// Campaigns and partial refunds, continuing the first scenario's connection:
// campaign "spring" (codes SPR- + 8 random characters + a check character, 10 %
// off each, one use per code, a budget of 1,000.00 USD), 100,000 codes asked
// for, activated; then a partial refund of 50.00 of redemption 1 (order-456,
// 30.00 off 150.00, so 120.00 paid), its reversal record, and a REDEEM refused
// by a budget.

fn spring() -> CampaignSpec {
    CampaignSpec {
        name: "spring".into(),
        template: CouponSpec {
            discount_type: DiscountType::Percentage,
            discount_value: 1000,
            currency: "USD".into(),
            usage_limit: Some(1),
            ..CouponSpec::default()
        },
        rules: GenerationRules {
            prefix: "SPR-".into(),
            check: CodeCheck::CheckCharacter,
            ..GenerationRules::default()
        },
        budget_limit: Some(100_000),
        ..CampaignSpec::default()
    }
}

fn campaign_create_request() -> Example {
    Example::Request {
        id: 8,
        request: Request::CreateCampaign(Box::new(spring())),
    }
}

fn campaign_reply() -> Example {
    Example::Reply {
        id: 8,
        op: opcode::CAMPAIGN_CREATE,
        response: Response::Campaign(Box::new(Campaign {
            id: 1,
            revision: 1,
            spec: spring(),
            status: CampaignStatus::Draft,
            coupons_generated: 0,
            generation_target: 0,
            budget_used: 0,
            redemptions: 0,
            created_at: T,
            updated_at: T,
            created_by: "loopback".into(),
        })),
    }
}

fn campaign_generate_request() -> Example {
    Example::Request {
        id: 9,
        request: Request::GenerateCodes {
            id: 1,
            count: 100_000,
            expected_revision: 1,
        },
    }
}

fn campaign_assign_request() -> Example {
    Example::Request {
        id: 17,
        request: Request::AssignCodes {
            id: 2,
            customer_ids: vec!["ann".into(), "bob".into()],
        },
    }
}

fn campaign_distribute_request() -> Example {
    Example::Request {
        id: 18,
        request: Request::CampaignDistribute {
            campaign_id: 2,
            recipients: vec![Recipient {
                customer_id: "ann".into(),
                email: "ann@example.com".into(),
                phone: String::new(),
                locale: "en".into(),
            }],
        },
    }
}

fn campaign_set_status_request() -> Example {
    Example::Request {
        id: 10,
        request: Request::SetCampaignStatus {
            id: 1,
            status: CampaignStatus::Active,
        },
    }
}

fn reverse_refund_request() -> Example {
    Example::Request {
        id: 11,
        request: Request::Reverse {
            redemption: RedemptionRef::Id(1),
            reason: "one item returned".into(),
            refund_amount: Some(5000),
            refund_id: "re_1".into(),
        },
    }
}

fn reversal_list_reply() -> Example {
    Example::Reply {
        id: 12,
        op: opcode::REVERSAL_LIST,
        response: Response::Reversals(vec![Reversal {
            id: 1,
            redemption_id: 1,
            refund_amount: 5000,
            // floor(3000 × 5000 / 12000): refunds are of what was paid.
            discount_returned: 1250,
            full: false,
            refund_id: "re_1".into(),
            reason: "one item returned".into(),
            created_at: T,
        }]),
    }
}

fn error_reply_budget_exhausted() -> Example {
    Example::Error {
        id: 13,
        op: opcode::REDEEM,
        code: ErrorCode::BudgetExhausted,
        body: ErrorBody {
            message: "the campaign's remaining budget cannot cover this discount".into(),
            leader: String::new(),
        },
    }
}

/// What a node whose disk is full says of its files.
const DISK_FULL: &str = "raft.redb: I/O error: No space left on device (os error 28)";

/// SERVER_INFO from a leader that cannot write its Raft log: a full disk.
fn server_info_reply() -> Example {
    Example::Reply {
        id: 1,
        op: opcode::SERVER_INFO,
        response: Response::ServerInfo(ServerInfo {
            server_version: "0.1.0".into(),
            role: NodeRole::Leader,
            term: 1,
            lsn: 129_260,
            coupons: 1,
            redemptions: 129_260,
            uptime_ms: 3_600_000,
            connections: 8,
            writes_failing_since_ms: T,
            storage_error: DISK_FULL.into(),
        }),
    }
}

/// A REDEEM refused by that node, with the server's own message.
fn error_reply_storage_unavailable() -> Example {
    Example::Error {
        id: 2,
        op: opcode::REDEEM,
        code: ErrorCode::StorageUnavailable,
        body: ErrorBody {
            message: couponsd::error::Error::StorageUnavailable(DISK_FULL.into()).to_string(),
            leader: String::new(),
        },
    }
}

impl Example {
    fn encode(&self) -> Vec<u8> {
        let mut buf = BytesMut::new();
        match self {
            Example::Request { id, request } => request.encode_frame(*id, &mut buf),
            Example::Reply { id, op, response } => response.encode_frame(*id, *op, &mut buf),
            Example::Error { id, op, code, body } => body.encode_frame(*id, *op, *code, &mut buf),
        }
        buf.to_vec()
    }

    /// Decodes `frame` the way this example's receiver would and checks that it
    /// gives back this example.
    fn assert_decodes_from(&self, name: &str, frame: &Frame) {
        match self {
            Example::Request { id, request } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, request.opcode(), 0),
                    "{name}: header"
                );
                let decoded = Request::decode(frame.opcode, &frame.body)
                    .unwrap_or_else(|e| panic!("{name}: decoding the request: {e}"));
                assert_eq!(&decoded, request, "{name}: decoded request");
            }
            Example::Reply { id, op, response } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, *op, ErrorCode::Ok.as_u16()),
                    "{name}: header"
                );
                let decoded = Response::decode(frame.opcode, &frame.body)
                    .unwrap_or_else(|e| panic!("{name}: decoding the reply: {e}"));
                assert_eq!(&decoded, response, "{name}: decoded reply");
            }
            Example::Error { id, op, code, body } => {
                assert_eq!(
                    (frame.request_id, frame.opcode, frame.status),
                    (*id, *op, code.as_u16()),
                    "{name}: header"
                );
                assert_eq!(&ErrorBody::read(&frame.body), body, "{name}: error body");
            }
        }
    }
}

/// Checks one documented frame against its constructed value, both ways.
fn check(name: &str, example: &Example, documented: &[u8]) {
    let encoded = example.encode();
    assert!(
        encoded == documented,
        "{name}: protocol.md's bytes differ from the encoder's; the encoder gives:\n{}",
        hex_block(&encoded)
    );

    // What the doc promises about every header, checked independently of the codec.
    let length = u32::from_be_bytes(documented[0..4].try_into().unwrap());
    assert_eq!(
        length as usize,
        documented.len() - 4,
        "{name}: length field"
    );
    let crc = u32::from_be_bytes(documented[4..8].try_into().unwrap());
    assert_eq!(
        crc,
        crc32fast::hash(&documented[8..]),
        "{name}: CRC-32 of bytes 8.."
    );

    let total = frame::check(documented, MAX_FRAME_LENGTH)
        .unwrap_or_else(|e| panic!("{name}: frame::check: {e}"))
        .unwrap_or_else(|| panic!("{name}: frame::check wants more bytes"));
    assert_eq!(total, documented.len(), "{name}: frame size");
    let mut buf = BytesMut::from(documented);
    let frame = frame::parse(&mut buf, total).unwrap_or_else(|e| panic!("{name}: parse: {e}"));
    assert!(buf.is_empty(), "{name}: bytes left after the frame");
    example.assert_decodes_from(name, &frame);
}

/// Hex as protocol.md writes it: two digits a byte, 16 bytes a line.
fn hex_block(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|line| {
            line.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn protocol_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/protocol.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// Every `<!-- example: NAME -->` immediately followed by a ```hex block, by
/// name. A hex block without a name, a name without a hex block, a duplicate
/// name or a token that is not one hex byte is an error.
fn documented_examples(doc: &str) -> BTreeMap<String, Vec<u8>> {
    let mut examples = BTreeMap::new();
    let mut lines = doc.lines().enumerate().peekable();
    let mut previous = "";
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("<!-- example:") {
            let name = rest
                .strip_suffix("-->")
                .unwrap_or_else(|| panic!("protocol.md:{}: unclosed example comment", n + 1))
                .trim()
                .to_string();
            let fence = lines.peek().map(|(_, l)| l.trim());
            assert_eq!(
                fence,
                Some("```hex"),
                "protocol.md:{}: example {name} is not followed by a ```hex block",
                n + 1
            );
            lines.next();
            let mut bytes = Vec::new();
            loop {
                let (m, l) = lines
                    .next()
                    .unwrap_or_else(|| panic!("protocol.md: example {name}: unclosed block"));
                if l.trim() == "```" {
                    break;
                }
                for token in l.split_whitespace() {
                    assert!(
                        token.len() == 2,
                        "protocol.md:{}: {token:?} is not one hex byte",
                        m + 1
                    );
                    let byte = u8::from_str_radix(token, 16).unwrap_or_else(|_| {
                        panic!("protocol.md:{}: {token:?} is not one hex byte", m + 1)
                    });
                    bytes.push(byte);
                }
            }
            assert!(
                examples.insert(name.clone(), bytes).is_none(),
                "protocol.md: example {name} appears twice"
            );
            previous = "```";
            continue;
        }
        if trimmed == "```hex" {
            panic!(
                "protocol.md:{}: a ```hex block without an example comment (after {previous:?})",
                n + 1
            );
        }
        previous = trimmed;
    }
    examples
}

#[test]
fn every_documented_example_is_a_real_frame() {
    let doc = protocol_md();
    let documented = documented_examples(&doc);
    let known: BTreeMap<&str, Make> = EXAMPLES.iter().copied().collect();
    assert_eq!(known.len(), EXAMPLES.len(), "a name twice in EXAMPLES");

    let unknown: Vec<&String> = documented
        .keys()
        .filter(|n| !known.contains_key(n.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "protocol.md has examples this test does not know: {unknown:?}"
    );
    let missing: Vec<&&str> = known
        .keys()
        .filter(|n| !documented.contains_key(**n))
        .collect();
    assert!(
        missing.is_empty(),
        "protocol.md lacks examples: {missing:?}"
    );

    for (name, make) in EXAMPLES {
        check(name, &make(), &documented[*name]);
    }
}

/// The tables name every opcode, error code and enum value with its number.
#[test]
fn tables_list_every_number() {
    let doc = protocol_md();
    let row = |number: String, name: &str| {
        let needle = format!("| {number} | {name} |");
        assert!(doc.contains(&needle), "protocol.md has no row `{needle}`");
    };
    for &op in opcode::ALL {
        row(format!("0x{op:04x}"), opcode::name(op).unwrap());
    }
    for &code in ErrorCode::ALL {
        row(code.as_u16().to_string(), code.name());
    }
    macro_rules! enum_rows {
        ($($enum:ident),+) => {$(
            for v in $enum::ALL {
                row(v.as_u8().to_string(), v.name());
            }
        )+};
    }
    enum_rows!(
        CouponType,
        DiscountType,
        AdminStatus,
        CouponStatus,
        DistributionMethod,
        CriteriaType,
        CriteriaOperator,
        RedemptionStatus,
        NodeRole,
        SnapshotPart,
        CampaignType,
        CampaignStatus,
        CodeCheck,
        OrderMode,
        EventType,
        DeliveryStatus
    );
}

/// protocol.md's currency table is the server's, both ways: every code it
/// lists is accepted (in any case) with the minor units of its row, and every
/// three-letter code the server accepts is listed, in alphabetical order
/// within its row, once.
#[test]
fn currency_table_is_the_codes() {
    use couponsd::domain::currency;
    use couponsd_client::money;

    let doc = protocol_md();
    let section = doc_section(&doc, "### Currencies");
    let mut listed: BTreeMap<String, u32> = BTreeMap::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() != 4 || !cells[2].starts_with('`') {
            continue;
        }
        let minor_units: u32 = if cells[1].starts_with("none") {
            0
        } else {
            cells[1].parse().unwrap_or_else(|_| {
                panic!("protocol.md: {:?} is not a number of minor units", cells[1])
            })
        };
        let codes: Vec<&str> = cells[2]
            .split_whitespace()
            .map(|c| c.trim_matches('`'))
            .collect();
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "protocol.md: the currencies with {} minor units are not in alphabetical order",
            cells[1]
        );
        for code in codes {
            assert!(
                listed.insert(code.to_string(), minor_units).is_none(),
                "protocol.md lists {code} twice"
            );
        }
    }
    assert!(
        section.contains(&format!("one of the {} alphabetic codes", listed.len())),
        "protocol.md does not say it lists {} currencies",
        listed.len()
    );
    for (code, &minor_units) in &listed {
        assert_eq!(
            currency("currency", &format!(" {} ", code.to_lowercase())).ok(),
            Some(code.clone()),
            "the server refuses {code}, which protocol.md lists"
        );
        assert_eq!(
            money::decimals(code),
            Ok(minor_units),
            "{code}: protocol.md says {minor_units} minor units"
        );
    }
    let letters = || b'A'..=b'Z';
    for a in letters() {
        for b in letters() {
            for c in letters() {
                let code = String::from_utf8(vec![a, b, c]).unwrap();
                assert_eq!(
                    currency("currency", &code).is_ok(),
                    listed.contains_key(&code),
                    "{code}: the server and protocol.md's currency table disagree"
                );
            }
        }
    }
    assert!(currency("currency", "ANG").is_err());
}

/// One documented example, parsed as a frame.
fn documented_frame(documented: &BTreeMap<String, Vec<u8>>, name: &str) -> Frame {
    let bytes = &documented[name];
    let mut buf = BytesMut::from(&bytes[..]);
    frame::parse(&mut buf, bytes.len()).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The entry inside protocol.md's RAFT_APPEND example is a real entry: its
/// checksum holds, and it is a Normal entry whose proposal follows the state
/// it was decided on and carries the log record the doc describes.
#[test]
fn raft_append_example_carries_a_log_record() {
    let documented = documented_examples(&protocol_md());
    let frame = documented_frame(&documented, "raft_append_request");
    assert_eq!(frame.opcode, opcode::RAFT_APPEND);
    // Walk the body as protocol.md lays it out, down to the entry's bytes.
    let r = &mut Reader::new(&frame.body);
    assert_eq!(r.u64("cluster_id").unwrap(), CLUSTER);
    codec::read_vote(r).expect("the leader's vote");
    codec::read_opt_log_id(r).expect("prev_log_id");
    codec::read_opt_log_id(r).expect("leader_commit");
    assert_eq!(r.u32("entry_count").unwrap(), 1, "one entry");
    let raw = r.blob("entry").expect("the entry").to_vec();
    // The entry's own CRC-32 covers every byte after its 5-byte header.
    let crc = u32::from_be_bytes(raw[1..5].try_into().unwrap());
    assert_eq!(crc, crc32fast::hash(&raw[5..]));
    let entry = codec::decode_entry(&raw).expect("a valid entry");
    assert_eq!(entry, delete_entry());
    let EntryPayload::Normal(proposal) = &entry.payload else {
        panic!("entry 11 is not a Normal entry");
    };
    // Decided on the applied state at LSN 41, by the first batch of term 2:
    // it applies after whatever batch term 1 applied last.
    let applied = Chain {
        last_lsn: 41,
        last_batch: (1, 7),
    };
    assert!(proposal.follows(applied));
    assert_eq!(
        proposal.next(applied),
        Chain {
            last_lsn: 42,
            last_batch: (2, 1)
        }
    );
    assert_eq!(proposal.records.len(), 1, "one record");
    let record = LogRecord::decode(&proposal.records[0]).expect("a valid log record");
    assert_eq!(record, delete_record());
    // The record's own CRC-32 covers every byte after its 5-byte header.
    let raw = &proposal.records[0];
    let crc = u32::from_be_bytes(raw[1..5].try_into().unwrap());
    assert_eq!(crc, crc32fast::hash(&raw[5..]));
}

/// protocol.md's Raft examples decode, with the server's codec, to the
/// messages they were made from.
#[test]
fn raft_examples_decode_to_their_messages() {
    let documented = documented_examples(&protocol_md());
    let body = |name: &str| documented_frame(&documented, name).body.to_vec();

    let vote = body("raft_vote_request");
    assert_eq!(
        codec::read_vote_request(&mut Reader::new(&vote)).unwrap(),
        (CLUSTER, vote_request())
    );
    let reply = body("raft_vote_reply");
    assert_eq!(
        codec::read_vote_response(&mut Reader::new(&reply)).unwrap(),
        vote_response()
    );

    let append = body("raft_append_request");
    let (cluster, request) = codec::read_append_request(&mut Reader::new(&append)).unwrap();
    let expected = append_request();
    assert_eq!(cluster, CLUSTER);
    assert_eq!(request.vote, expected.vote);
    assert_eq!(request.prev_log_id, expected.prev_log_id);
    assert_eq!(request.leader_commit, expected.leader_commit);
    assert_eq!(request.entries, expected.entries);
    let reply = body("raft_append_reply");
    assert_eq!(
        codec::read_append_response(&mut Reader::new(&reply)).unwrap(),
        AppendEntriesResponse::Success
    );

    let begin = body("raft_snapshot_begin_request");
    let r = &mut Reader::new(&begin);
    assert_eq!(r.u64("cluster_id").unwrap(), CLUSTER);
    assert_eq!(codec::read_vote(r).unwrap(), Vote::new_committed(2, 1));
    assert_eq!(codec::read_snapshot_meta(r).unwrap(), snapshot_meta());

    let part = body("raft_snapshot_part_request");
    let part = Part::read(&mut Reader::new(&part)).unwrap();
    assert_eq!(part, meta_part());
    assert_eq!(part.crc, crc32fast::hash(&part.data));
    let r = &mut Reader::new(&part.data);
    let count = r.u32("count").unwrap();
    let entries: Vec<(String, u64)> = (0..count)
        .map(|_| (r.str("name").unwrap(), r.u64("value").unwrap()))
        .collect();
    let expected: Vec<(String, u64)> = snapshot_meta_entries()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(entries, expected);
    // The key secret's two halves are its bytes read little-endian.
    let secret: Vec<u8> = (0..16).collect();
    let half = |at: usize| u64::from_le_bytes(secret[at..at + 8].try_into().unwrap());
    assert!(expected.contains(&("key_secret_low".into(), half(0))));
    assert!(expected.contains(&("key_secret_high".into(), half(8))));
}

/// The CRC-32 check value protocol.md gives implementers.
#[test]
fn crc_check_value() {
    assert_eq!(crc32fast::hash(b"123456789"), 0xcbf4_3926);
}

/// What protocol.md says about REVERSE's appended fields: a body that ends after
/// `reason` (an older client's) is a full reversal; one that stops between the
/// two appended fields is a decode error, not a guess.
#[test]
fn reverse_without_refund_fields_is_a_full_reversal() {
    let documented = documented_examples(&protocol_md());
    let bytes = &documented["reverse_refund_request"];
    // Frame offset 44 is where `refund_amount` starts (see the example's table).
    let older = &bytes[16..44];
    assert_eq!(
        Request::decode(opcode::REVERSE, older),
        Ok(Request::Reverse {
            redemption: RedemptionRef::Id(1),
            reason: "one item returned".into(),
            refund_amount: None,
            refund_id: String::new(),
        })
    );
    let cut = &bytes[16..53];
    assert!(matches!(
        Request::decode(opcode::REVERSE, cut),
        Err(RequestError::Decode(_))
    ));
}

/// SERVER_INFO's last two fields were appended: a reply that ends before
/// them (an older server) reads as a node that writes normally.
#[test]
fn server_info_without_storage_fields_reads_as_healthy() {
    let documented = documented_examples(&protocol_md());
    let bytes = &documented["server_info_reply"];
    // Frame offset 68 is where `writes_failing_since_ms` starts (see the table).
    let Ok(Response::ServerInfo(older)) = Response::decode(opcode::SERVER_INFO, &bytes[16..68])
    else {
        panic!("an older server's SERVER_INFO reply does not decode");
    };
    assert_eq!(older.writes_failing_since_ms, 0);
    assert_eq!(older.storage_error, "");
    assert_eq!(older.lsn, 129_260);
}

/// Writes a number the way protocol.md does: groups of three digits separated
/// by spaces (1 048 576), none for four digits or fewer.
fn grouped(n: u128) -> String {
    let digits = n.to_string();
    if digits.len() <= 4 {
        return digits;
    }
    let mut groups = Vec::new();
    let mut rest = digits.as_str();
    while rest.len() > 3 {
        let (head, tail) = rest.split_at(rest.len() - 3);
        groups.push(tail);
        rest = head;
    }
    groups.push(rest);
    groups.reverse();
    groups.join(" ")
}

/// protocol.md's "Generated codes" states the code's alphabets, ambiguous
/// characters, density rule and worked example.
#[test]
fn generated_code_numbers_are_the_codes() {
    use couponsd::codegen::{self, Alphabet};

    let doc = protocol_md();
    let yes = |b: bool| if b { "yes" } else { "no" };
    for exclude in [false, true] {
        for (letters, digits, special) in [
            (true, true, false),
            (true, false, false),
            (false, true, false),
            (true, true, true),
            (true, false, true),
            (false, true, true),
            (false, false, true),
        ] {
            let rules = GenerationRules {
                include_letters: letters,
                include_digits: digits,
                include_special: special,
                exclude_ambiguous: exclude,
                ..GenerationRules::default()
            };
            let alphabet = Alphabet::of(&rules);
            let row = format!(
                "| {} | {} | {} | {} | {} | `{}` |",
                yes(letters),
                yes(digits),
                yes(special),
                yes(exclude),
                alphabet.len(),
                alphabet.as_str()
            );
            assert!(
                doc.contains(&row),
                "protocol.md has no alphabet row `{row}`"
            );
        }
    }
    assert!(doc.contains(&format!("`{}`", codegen::AMBIGUOUS)));
    let special: Vec<String> = codegen::SPECIAL.chars().map(|c| format!("`{c}`")).collect();
    assert!(doc.contains(&special.join(" ")), "the special characters");
    assert!(doc.contains(&format!("**DENSITY = {}**", grouped(codegen::DENSITY))));
    assert!(doc.contains(&format!(
        "**{}** codes",
        grouped(u128::from(codegen::MAX_PER_REQUEST))
    )));

    // The worked example: the default rules, then one character longer.
    let defaults = GenerationRules::default();
    let nine = GenerationRules {
        code_length: 9,
        ..GenerationRules::default()
    };
    for (rules, text) in [(&defaults, "25^8"), (&nine, "25^9")] {
        let space = codegen::space(rules);
        let capacity = u128::from(codegen::capacity(rules));
        assert!(
            doc.contains(&format!("{text} = {}", grouped(space))),
            "protocol.md lacks `{text} = {}`",
            grouped(space)
        );
        assert!(
            doc.contains(&grouped(capacity)),
            "protocol.md lacks the capacity {}",
            grouped(capacity)
        );
    }
    // The refusal, word for word (the doc wraps it over lines).
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let cap = codegen::capacity(&defaults);
    let refusal = codegen::check_capacity(&defaults, cap, 1)
        .expect_err("one code past the capacity is refused")
        .to_string();
    assert!(
        collapse(&doc).contains(&collapse(&refusal)),
        "protocol.md lacks the refusal {refusal:?}"
    );

    // The example code of the check character's worked example is valid for
    // the examples' campaign, and a mistyped or swapped one is not.
    let rules = spring().rules;
    let code = "SPR-X7KM4TQAM";
    assert!(doc.contains(&format!("`{code}`")));
    assert!(codegen::verify(&rules, code, &[0; 16]));
    for bad in ["SPR-X7KM4TQAN", "SPR-7XKM4TQAM", "SPR-X7KM4TQMA"] {
        assert!(codegen::has_shape(&rules, bad), "{bad}");
        assert!(!codegen::verify(&rules, bad, &[0; 16]), "{bad}");
    }
}

/// The text of protocol.md from the heading `heading` (a whole line) to the
/// next heading of the same or a higher level.
fn doc_section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let start = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("protocol.md has no heading {heading:?}"))
        + 1;
    let body = &doc[start + heading.len()..];
    let end = body
        .match_indices("\n#")
        .find(|(i, _)| {
            let hashes = body[i + 1..].chars().take_while(|&c| c == '#').count();
            hashes <= level && body[i + 1 + hashes..].starts_with(' ')
        })
        .map_or(body.len(), |(i, _)| i);
    &doc[start..start + heading.len() + end]
}

/// Every `⌊D × R / F⌋ = X` in `text` (numbers only, spaces in them allowed):
/// (D, R, F, X).
fn refund_formulas(text: &str) -> Vec<(i64, i64, i64, i64)> {
    let number = |s: &str| s.replace(' ', "").parse::<i64>().ok();
    let mut found = Vec::new();
    for (i, _) in text.match_indices('⌊') {
        let rest = &text[i + '⌊'.len_utf8()..];
        let Some(close) = rest.find('⌋') else {
            continue;
        };
        let inside = &rest[..close];
        let Some((d, rest_inside)) = inside.split_once('×') else {
            continue;
        };
        let Some((r, f)) = rest_inside.split_once('/') else {
            continue;
        };
        let after = &rest[close + '⌋'.len_utf8()..];
        let Some(value) = after.strip_prefix(" = ") else {
            continue;
        };
        let digits: String = value
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ' ')
            .collect();
        if let (Some(d), Some(r), Some(f), Some(x)) =
            (number(d), number(r), number(f), number(digits.trim_end()))
        {
            found.push((d, r, f, x));
        }
    }
    found
}

/// The discount each of a series of refunds gives back: the total given back
/// after it, less the total before it.
fn given_back(discount: i64, paid: i64, refunds: &[i64]) -> Vec<i64> {
    use couponsd::rules::refund::discount_returned;

    let mut refunded = 0;
    let mut before = 0;
    refunds
        .iter()
        .map(|r| {
            refunded += r;
            let total = discount_returned(discount, paid, refunded);
            let this = total - before;
            before = total;
            this
        })
        .collect()
}

/// The numbers of protocol.md's partial-reversal worked examples, and of the
/// refund examples, follow the rule: refunds are of what was paid (the
/// redemption's `final_amount`), and the discount given back in all is
/// floor(D × refunded / F).
#[test]
fn partial_reversal_example_follows_the_rule() {
    use couponsd::rules::refund::discount_returned;

    let doc = protocol_md();
    let section = doc_section(&doc, "### Partial reversal");
    let example = doc_section(&doc, "### reverse_refund_request");

    // Every ⌊D × R / F⌋ = X the doc computes is the rule's.
    let formulas: Vec<_> = refund_formulas(section)
        .into_iter()
        .chain(refund_formulas(example))
        .collect();
    assert!(formulas.len() >= 5, "too few formulas found: {formulas:?}");
    for (d, r, f, x) in formulas {
        assert_eq!(
            discount_returned(d, f, r),
            x,
            "protocol.md: ⌊{d} × {r} / {f}⌋ = {x} is not the rule's"
        );
    }

    // The first worked example is redemption 1 of redeem_reply, refunded
    // 50.00, 40.00, then the rest (30.00) of the 120.00 paid.
    let Example::Reply {
        response: Response::Redemption(RedemptionReply { redemption, .. }),
        ..
    } = redeem_reply()
    else {
        panic!("redeem_reply is not a redemption reply");
    };
    let (d, f) = (redemption.discount_amount, redemption.final_amount);
    assert_eq!((d, f), (3000, 12000));
    assert!(section.contains(&format!("D = {d} off, so the customer paid F = {f}")));
    assert_eq!(given_back(d, f, &[5000, 4000, 3000]), [1250, 1000, 750]);
    assert!(section.contains("| 1250 | false |"));
    assert!(section.contains("2250 − 1250 = 1000"));
    assert!(section.contains("3000 − 2250 = 750"));
    assert!(section.contains("only 3000 is left"));

    // 10 % off 200.00: D = 20.00, F = 180.00, refunded in three parts of
    // 60.00: 6.66, 6.67, 6.67, the third the full reversal.
    assert_eq!(
        given_back(2000, 18000, &[6000, 6000, 6000]),
        [666, 667, 667]
    );
    assert!(section.contains("D = 2000 (20.00) off, and the customer paid F = 18000"));
    assert!(section.contains("1333 − 666 = 667 (6.67)"));
    assert!(section.contains("2000 − 1333 = 667 (6.67)"));
    // Nothing paid: a full reversal gives back the whole discount.
    assert_eq!(discount_returned(2000, 0, 0), 2000);

    // The reversal_list_reply example carries the first refund of the
    // reverse_refund_request example, with the rule's share of the discount.
    let Example::Reply {
        response: Response::Reversals(list),
        ..
    } = reversal_list_reply()
    else {
        panic!("reversal_list_reply is not a REVERSAL_LIST reply");
    };
    let Example::Request {
        request:
            Request::Reverse {
                refund_amount: Some(refund),
                ..
            },
        ..
    } = reverse_refund_request()
    else {
        panic!("reverse_refund_request is not a partial REVERSE");
    };
    assert_eq!(list[0].refund_amount, refund);
    assert_eq!(list[0].discount_returned, discount_returned(d, f, refund));
    assert!(!list[0].full);
}

/// What protocol.md states about campaigns' codes is what the code does:
/// `validity_days` and its worked example, prefix and suffix characters,
/// shapes shared between campaigns and the refusal it gives, and the most
/// reversals a redemption may have.
#[test]
fn campaign_rules_are_the_codes() {
    use couponsd::codegen;
    use couponsd::domain::campaign::{CampaignDef, GeneratedCode, MAX_VALIDITY_DAYS};
    use couponsd::domain::limits;
    use couponsd::error::Error;

    let doc = protocol_md();
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = collapse(&doc);

    // validity_days: 30 days from the code's generation at T, unless the
    // template ends earlier.
    assert!(flat.contains(&format!("At most {MAX_VALIDITY_DAYS} (ten years")));
    let def = |validity_days, ends_at| CampaignDef {
        id: 1,
        revision: 1,
        spec: CampaignSpec {
            validity_days,
            template: CouponSpec {
                ends_at,
                ..spring().template
            },
            ..spring()
        },
        status: CampaignStatus::Active,
        generation_target: 1,
        created_at: T,
        updated_at: T,
        created_by: String::new(),
    };
    let code = GeneratedCode {
        campaign_id: 1,
        code: "SPR-X7KM4TQAM".into(),
        issued_at: T,
        customer_id: "".into(),
    };
    let ends = |d: &CampaignDef| d.coupon(2, &code).spec.ends_at;
    let thirty = T + 30 * 86_400_000;
    assert_eq!(ends(&def(30, None)), Some(thirty));
    assert!(flat.contains(&format!(
        "{} + 30 × 86 400 000 = {}",
        grouped(T as u128),
        grouped(thirty as u128)
    )));
    assert_eq!(ends(&def(30, Some(thirty - 1))), Some(thirty - 1));
    assert_eq!(ends(&def(0, None)), None);

    // Prefix and suffix characters.
    assert!(doc.contains(&format!("`{}`", codegen::AFFIX_MARKS)));
    let field = |prefix: &str, suffix: &str| {
        let rules = GenerationRules {
            prefix: prefix.into(),
            suffix: suffix.into(),
            ..GenerationRules::default()
        };
        match codegen::validate(&rules) {
            Ok(()) => None,
            Err(Error::InvalidArgument { field, .. }) => Some(field),
            Err(other) => panic!("{other:?}"),
        }
    };
    assert_eq!(field("SPR-", "-X.Y_Z~"), None);
    assert_eq!(field("-SPR", ""), Some("prefix"));
    for bad in ["#", "@", "=", "+", ",", "\"", " "] {
        assert_eq!(field(bad, ""), Some("prefix"), "{bad:?}");
        assert_eq!(field("", bad), Some("suffix"), "{bad:?}");
    }

    // Shared shapes: the examples' campaign, one of the same length and
    // alphabet without a check character, and one with another prefix.
    let spr = spring().rules;
    let nine = GenerationRules {
        code_length: 9,
        check: CodeCheck::None,
        ..spr.clone()
    };
    let sum = GenerationRules {
        prefix: "SUM-".into(),
        ..spr.clone()
    };
    assert!(codegen::shares_space(&spr, &nine));
    assert!(!codegen::shares_space(&spr, &sum));
    assert_eq!(codegen::capacity(&spr) - 100_000, 52_587);
    assert!(flat.contains("may ask for at most 52 587"));
    codegen::check_capacity(&spr, 100_000, 52_587).expect("fits");
    let refusal = codegen::check_capacity(&spr, 100_000, 60_000)
        .expect_err("the shape is full")
        .to_string();
    assert!(
        flat.contains(&collapse(&refusal)),
        "protocol.md lacks the refusal {refusal:?}"
    );

    // At most 100 reversals per redemption.
    assert!(doc.contains(&format!("at most **{} reversals**", limits::REVERSALS)));
    assert!(doc.contains(&format!(
        "| reversals per redemption | ≤ {}",
        limits::REVERSALS
    )));
}

/// Every row of an example's offset table that writes its bytes out
/// (`` `00 06 73 70` ``, or `` `00 11` + 17 bytes ``) shows the bytes the
/// example's hex block has at that offset, so no table can go stale when a
/// layout changes and the hex is pasted anew.
#[test]
fn offset_tables_show_the_examples_bytes() {
    let doc = protocol_md();
    let documented = documented_examples(&doc);
    let mut example: Option<&str> = None;
    let mut checked = 0;
    for (n, line) in doc.lines().enumerate() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("<!-- example:") {
            example = Some(rest.trim_end_matches("-->").trim());
            continue;
        }
        if line.starts_with('#') {
            example = None;
            continue;
        }
        let Some(name) = example else {
            continue;
        };
        // | offset | `bytes` … | field | value |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 5 || !cells[0].is_empty() {
            continue;
        }
        let Ok(offset) = cells[1].parse::<usize>() else {
            continue;
        };
        let Some((hex, _)) = cells[2]
            .strip_prefix('`')
            .and_then(|rest| rest.split_once('`'))
        else {
            continue;
        };
        let bytes: Vec<u8> = hex
            .split_whitespace()
            .map(|b| {
                u8::from_str_radix(b, 16)
                    .unwrap_or_else(|_| panic!("protocol.md:{}: {b:?} is not a hex byte", n + 1))
            })
            .collect();
        let frame = &documented[name];
        assert_eq!(
            frame.get(offset..offset + bytes.len()),
            Some(&bytes[..]),
            "protocol.md:{}: example {name}, offset {offset} ({}): the table's bytes are not the frame's",
            n + 1,
            cells[3]
        );
        checked += 1;
    }
    assert!(checked > 100, "only {checked} table rows found");
}
