//! One request in, one response out: validates input (the role is checked
//! before the body is even decoded, in `connection`), then
//! answers reads from a store snapshot or hands mutations to the writer.

use std::sync::atomic::Ordering;

use bytes::BytesMut;
use couponsd_client::wire::{
    opcode, CampaignCode, CouponRef, Order, OrderRedeemRequest, OrderReserveRequest,
    OrderValidation, RedeemRequest, RedemptionRef, RedemptionReply, Request, ReserveRequest,
    Response, ServerInfo, Validation, Writer as WireWriter,
};

use super::auth::{Caller, Principal};
use super::guessing::GuessKeys;
use super::Shared;
use crate::cluster::rpc;
use crate::domain::{self, code, now_ms};
use crate::error::{Error, Result};
use crate::rules;
use crate::rules::campaign::CampaignOf;
use crate::rules::stacking::StackPolicy;
use crate::writer::judge::{judge, Committed};
use crate::writer::{order_ops, qualify};
use crate::writer::{Core, Mutation, Shopper};

/// Largest page a list reply may hold, in encoded bytes: well under the frame cap.
pub(super) const PAGE_BYTES: usize = 512 * 1024;
const DEFAULT_PAGE: u16 = 100;
const MAX_PAGE: u16 = 1000;

/// Whether a read walks many rows (a page, the digest): those run a few at
/// a time (`Shared::long_reads`) and off the runtime's workers.
pub fn reads_long(op: u16) -> bool {
    matches!(
        op,
        opcode::COUPON_LIST
            | opcode::REDEMPTION_LIST
            | opcode::REVERSAL_LIST
            | opcode::CAMPAIGN_LIST
            | opcode::CAMPAIGN_CODES
            | opcode::DIGEST
            | opcode::FRAUD_REPORT
            | opcode::EVENTS_SUBSCRIBE
    )
}

/// What a request turns into: an answer now (reads, refusals), a validated
/// mutation for the writer, whose answer comes when its batch is applied, or
/// work the connection waits for elsewhere.
pub enum Dispatched {
    Answer(Result<Response>),
    Mutation(Mutation),
    /// A read on a leader, answered once a majority confirms it still leads.
    Linearizable(Request),
    /// RAFT_APPEND or RAFT_VOTE from another node.
    Raft {
        opcode: u16,
        body: Vec<u8>,
    },
    /// A part of a snapshot another node streams to this connection.
    Snapshot {
        opcode: u16,
        body: Vec<u8>,
    },
    /// CLUSTER_ADD or CLUSTER_REMOVE.
    Membership(Request),
    /// BACKUP_BEGIN, _PART, _END or _ABORT: this connection's backup.
    Backup(Request),
}

impl From<Result<Response>> for Dispatched {
    fn from(r: Result<Response>) -> Self {
        Dispatched::Answer(r)
    }
}

/// Called once the principal's role allows the request's opcode.
pub fn dispatch(shared: &Shared, caller: &Caller, request: Request) -> Dispatched {
    let principal = &caller.principal;
    if let Err(limited) = screen_guesses(shared, caller, &request) {
        return Err(limited).into();
    }
    let request = match request {
        Request::Raft { opcode, body } => {
            return match opcode {
                opcode::RAFT_APPEND | opcode::RAFT_VOTE => Dispatched::Raft { opcode, body },
                opcode::VIEWS_FORWARD => rpc::forwarded_views(&shared.node, &body)
                    .map(|views| {
                        shared.views.add(&views);
                        Response::Raft(Vec::new())
                    })
                    .into(),
                _ => Dispatched::Snapshot { opcode, body },
            }
        }
        r @ (Request::ClusterAdd { .. } | Request::ClusterRemove { .. }) => {
            return Dispatched::Membership(r)
        }
        r @ (Request::BackupBegin { .. }
        | Request::BackupPart { .. }
        | Request::BackupEnd
        | Request::BackupAbort) => return Dispatched::Backup(r),
        other => other,
    };
    let shopper = match &request {
        Request::Redeem(r) => shopper(shared, &r.order),
        Request::Reserve(r) => shopper(shared, &r.order),
        Request::OrderRedeem(r) => shopper(shared, &r.order),
        Request::OrderReserve(r) => shopper(shared, &r.order),
        _ => Shopper::default(),
    };
    match to_mutation(principal, request, shopper, &shared.config.writer.stack) {
        // Refused before anything is written on a node that does not lead.
        Ok(Ok(mutation)) => match shared.node.check_leader() {
            Ok(()) => Dispatched::Mutation(mutation),
            Err(e) => Err(e).into(),
        },
        Ok(Err(read)) if shared.node.reads_need_confirmation() && confirmed(&read) => {
            Dispatched::Linearizable(read)
        }
        Ok(Err(read)) => answer(shared, read).into(),
        Err(invalid) => Err(invalid).into(),
    }
}

/// Whether a read answers from the replicated state (and so must be
/// confirmed on a leader); a node's own status is answered as it is.
fn confirmed(read: &Request) -> bool {
    !matches!(
        read,
        Request::Hello(_)
            | Request::Ping
            | Request::ServerInfo
            | Request::ClusterStatus
            | Request::Digest
            // This node's own applied log: ids are the same on every node.
            | Request::EventsSubscribe(_)
            // The leader's memory, not replicated state.
            | Request::WebhookDeliveries { .. }
    )
}

/// Validates and normalizes a mutation's input; a read comes back as it is.
fn to_mutation(
    principal: &Principal,
    request: Request,
    shopper: Shopper,
    stack: &StackPolicy,
) -> Result<Result<Mutation, Request>> {
    Ok(Ok(match request {
        Request::CreateCoupon(spec) => Mutation::CreateCoupon {
            spec: domain::spec::validate(spec)?,
            created_by: principal.name.clone(),
        },
        Request::UpdateCoupon {
            id,
            expected_revision,
            spec,
        } => Mutation::UpdateCoupon {
            id,
            expected_revision,
            spec: domain::spec::validate(spec)?,
        },
        Request::DeleteCoupon { id } => Mutation::DeleteCoupon { id },
        Request::Redeem(r) => {
            domain::order::order_id(&r.order_id)?;
            domain::bounded(
                "transaction_id",
                &r.transaction_id,
                domain::limits::IDENTIFIER,
            )?;
            Mutation::Redeem {
                request: RedeemRequest {
                    code: code::normalize(&r.code)?,
                    order: domain::order::validate(r.order)?,
                    ..r
                },
                shopper,
            }
        }
        Request::Reserve(r) => {
            domain::order::order_id(&r.order_id)?;
            Mutation::Reserve {
                request: ReserveRequest {
                    code: code::normalize(&r.code)?,
                    order: domain::order::validate(r.order)?,
                    ..r
                },
                shopper,
            }
        }
        Request::OrderRedeem(r) => {
            domain::order::order_id(&r.order_id)?;
            domain::bounded(
                "transaction_id",
                &r.transaction_id,
                domain::limits::IDENTIFIER,
            )?;
            Mutation::OrderRedeem {
                request: OrderRedeemRequest {
                    codes: order_codes(r.codes, stack)?,
                    order: domain::order::validate(r.order)?,
                    ..r
                },
                shopper,
            }
        }
        Request::OrderReserve(r) => {
            domain::order::order_id(&r.order_id)?;
            Mutation::OrderReserve {
                request: OrderReserveRequest {
                    codes: order_codes(r.codes, stack)?,
                    order: domain::order::validate(r.order)?,
                    ..r
                },
                shopper,
            }
        }
        Request::OrderConfirm {
            order_id,
            transaction_id,
        } => {
            domain::order::order_id(&order_id)?;
            domain::bounded(
                "transaction_id",
                &transaction_id,
                domain::limits::IDENTIFIER,
            )?;
            Mutation::OrderConfirm {
                order_id,
                transaction_id,
            }
        }
        Request::OrderRelease { order_id } => {
            domain::order::order_id(&order_id)?;
            Mutation::OrderRelease { order_id }
        }
        Request::OrderReverse { order_id, reason } => {
            domain::order::order_id(&order_id)?;
            domain::bounded("reason", &reason, domain::limits::NAME)?;
            Mutation::OrderReverse { order_id, reason }
        }
        Request::Confirm(r) => Mutation::Confirm(redemption_ref(r)?),
        Request::Release(r) => Mutation::Release(redemption_ref(r)?),
        Request::Reverse {
            redemption,
            reason,
            refund_amount,
            refund_id,
        } => {
            domain::bounded("reason", &reason, domain::limits::NAME)?;
            domain::bounded("refund_id", &refund_id, domain::limits::IDENTIFIER)?;
            if refund_amount.is_some_and(|a| a <= 0) {
                return Err(Error::invalid("refund_amount", "must be positive"));
            }
            Mutation::Reverse {
                redemption: redemption_ref(redemption)?,
                reason,
                refund_amount,
                refund_id,
            }
        }
        Request::CreateCampaign(spec) => Mutation::CreateCampaign {
            spec: Box::new(domain::campaign::validate(*spec)?),
            created_by: principal.name.clone(),
        },
        Request::UpdateCampaign {
            id,
            expected_revision,
            spec,
        } => Mutation::UpdateCampaign {
            id,
            expected_revision,
            spec: Box::new(domain::campaign::validate(*spec)?),
        },
        Request::SetCampaignStatus { id, status } => Mutation::SetCampaignStatus { id, status },
        Request::GenerateCodes {
            id,
            count,
            expected_revision,
        } => Mutation::GenerateCodes {
            id,
            count,
            expected_revision,
        },
        Request::DeleteCampaign { id } => Mutation::DeleteCampaign { id },
        Request::AssignCodes { id, customer_ids } => {
            domain::campaign::assign_customers(&customer_ids)?;
            Mutation::AssignCodes {
                campaign_id: id,
                customer_ids,
            }
        }
        Request::CampaignDistribute {
            campaign_id,
            recipients,
        } => {
            domain::distribution::recipients(&recipients)?;
            Mutation::Distribute {
                campaign_id,
                recipients,
            }
        }
        Request::DistributionReport {
            campaign_id,
            customer_id,
            status,
            reason,
        } => {
            domain::campaign::customer_id("customer_id", &customer_id)?;
            domain::distribution::report(status, &reason)?;
            Mutation::DistributionReport {
                campaign_id,
                customer_id,
                reason,
            }
        }
        Request::FraudOutcome {
            redemption_id,
            label,
        } => Mutation::FraudOutcome {
            redemption_id,
            label,
        },
        Request::WebhookAdd(add) => {
            crate::writer::webhook_ops::validate(&add)?;
            // Chosen here, on the leader, and carried in the record, so
            // every node holds the same secret.
            Mutation::AddWebhook {
                add: Box::new(add),
                secret: super::webhooks::signature::new_secret(),
            }
        }
        Request::WebhookRemove { id } => Mutation::RemoveWebhook { id },
        Request::WebhookEnable { id } => Mutation::EnableWebhook { id },
        read => return Ok(Err(read)),
    }))
}

/// Answers a read from the applied state and a store snapshot.
pub fn answer(shared: &Shared, request: Request) -> Result<Response> {
    let core = &shared.node.cell.load();
    match request {
        Request::Hello(_) => Err(Error::invalid(
            "opcode",
            "HELLO was already sent on this connection",
        )),
        Request::Ping => Ok(Response::Pong {
            server_time_ms: now_ms(),
        }),
        Request::ServerInfo => server_info(shared, core),
        Request::GetCoupon(r) => get_coupon(core, r),
        // A page (up to PAGE_BYTES) takes a while to build: like DIGEST, it
        // tells the runtime, so that other connections' tasks move to
        // another worker instead of waiting behind it.
        Request::ListCoupons { after_id, limit } => {
            tokio::task::block_in_place(|| list_coupons(core, after_id, limit))
        }
        Request::Validate { code, order } => {
            let shopper = shopper(shared, &order);
            let answer = validate(core, &code, order, shopper);
            if let Ok(Response::Validation(v)) = &answer {
                if v.coupon_id != 0 {
                    shared.views.count(v.coupon_id);
                }
            }
            answer
        }
        Request::OrderValidate(r) => {
            let shopper = shopper(shared, &r.order);
            let codes = order_codes(r.codes, &shared.config.writer.stack)?;
            let order = domain::order::validate(r.order)?;
            let now = core.state.clock.now(now_ms());
            let reads = Committed {
                state: &core.state,
                now,
            };
            let stack = &shared.config.writer.stack;
            let decided = order_ops::decide_codes(&reads, stack, &codes, &order, shopper);
            for code in decided.codes.iter().filter(|c| c.coupon_id != 0) {
                shared.views.count(code.coupon_id);
            }
            Ok(Response::OrderValidation(OrderValidation {
                codes: decided.codes,
                totals: decided.totals,
            }))
        }
        Request::Qualify(r) => {
            let shopper = shopper(shared, &r.order);
            if !(1..=qualify::LIMIT_MAX).contains(&r.limit) {
                return Err(Error::invalid(
                    "limit",
                    format!("{} is not within 1 to {}", r.limit, qualify::LIMIT_MAX),
                ));
            }
            let order = domain::order::validate(r.order)?;
            let reads = Committed {
                state: &core.state,
                now: core.state.clock.now(now_ms()),
            };
            let stack = &shared.config.writer.stack;
            // Up to `qualify::CANDIDATES_MAX` judgements: like a page, it
            // lets the runtime move other connections' tasks meanwhile.
            let qualification = tokio::task::block_in_place(|| {
                qualify::qualify(&reads, stack, r.limit, &order, shopper)
            });
            Ok(Response::Qualification(qualification))
        }
        Request::GetRedemption(r) => get_redemption(core, redemption_ref(r)?),
        Request::ListRedemptions {
            coupon_id,
            after_id,
            limit,
        } => tokio::task::block_in_place(|| list_redemptions(core, coupon_id, after_id, limit)),
        // Walks everything: tell the runtime this thread is busy for a while.
        Request::Digest => tokio::task::block_in_place(|| digest(core)),
        Request::ClusterStatus => Ok(Response::Cluster(Box::new(shared.node.status()))),
        Request::GetCampaign { id } => get_campaign(core, id),
        Request::ListReversals(r) => list_reversals(core, redemption_ref(r)?),
        Request::ListCampaigns { after_id, limit } => {
            tokio::task::block_in_place(|| list_campaigns(core, after_id, limit))
        }
        Request::ListCampaignCodes {
            id,
            after_coupon_id,
            limit,
        } => tokio::task::block_in_place(|| list_campaign_codes(core, id, after_coupon_id, limit)),
        Request::FraudModel => Ok(Response::FraudModel(core.state.model().to_wire())),
        Request::AnalyticsCoupon(r) => super::analytics::coupon(core, r),
        Request::AnalyticsCampaign { id } => super::analytics::campaign(core, id),
        Request::AnalyticsOverview => super::analytics::overview(core),
        // Counts over the campaign's whole outbox: a long read.
        Request::DistributionStatus {
            campaign_id,
            after_seq,
            limit,
        } => tokio::task::block_in_place(|| {
            super::distribution::status(core, campaign_id, after_seq, limit)
        }),
        // A scan of the range's redemption rows, like a page but longer.
        Request::FraudReport { from, to } => {
            tokio::task::block_in_place(|| fraud_report(core, from, to))
        }
        // Up to `RECORDS_PER_READ_MAX` records decoded: a long read.
        Request::EventsSubscribe(r) => tokio::task::block_in_place(|| {
            crate::events::read::read(core, &r).map(Response::Events)
        }),
        Request::WebhookList => super::webhooks::list(core),
        Request::WebhookDeliveries { id } => super::webhooks::deliveries(shared, id),
        other => Err(Error::invalid(
            "opcode",
            format!(
                "{} is not a read",
                couponsd_client::wire::opcode::name(other.opcode()).unwrap_or("?")
            ),
        )),
    }
}

/// A multi-code order's codes, normalized: 1 to the policy's `max_codes`.
fn order_codes(codes: Vec<String>, stack: &StackPolicy) -> Result<Vec<String>> {
    let max = stack.max_codes() as usize;
    if codes.is_empty() || codes.len() > max {
        return Err(Error::invalid(
            "codes",
            format!("{} codes; an order takes 1 to {max}", codes.len()),
        ));
    }
    codes.iter().map(|c| code::normalize(c)).collect()
}

fn redemption_ref(r: RedemptionRef) -> Result<RedemptionRef> {
    Ok(match r {
        RedemptionRef::Id(id) => RedemptionRef::Id(id),
        RedemptionRef::Order { code, order_id } => {
            domain::order::order_id(&order_id)?;
            RedemptionRef::Order {
                code: code::normalize(&code)?,
                order_id,
            }
        }
    })
}

fn page_limit(limit: u16) -> usize {
    usize::from(if limit == 0 {
        DEFAULT_PAGE
    } else {
        limit.min(MAX_PAGE)
    })
}

/// Keeps items while their encoded size fits a page; returns them and the cursor
/// (the last id) when more may follow, else 0.
fn fit_page<T>(
    items: Vec<T>,
    wanted: usize,
    id: impl Fn(&T) -> u64,
    write: impl Fn(&T, &mut WireWriter),
) -> (Vec<T>, u64) {
    let full = items.len() >= wanted;
    let mut size = 0;
    let mut kept = Vec::with_capacity(items.len());
    let mut scratch = BytesMut::new();
    for item in items {
        scratch.clear();
        write(&item, &mut WireWriter::new(&mut scratch));
        size += scratch.len();
        if size > PAGE_BYTES && !kept.is_empty() {
            let cursor = kept.last().map_or(0, &id);
            return (kept, cursor);
        }
        kept.push(item);
    }
    let cursor = if full { kept.last().map_or(0, &id) } else { 0 };
    (kept, cursor)
}

fn server_info(shared: &Shared, core: &Core) -> Result<Response> {
    let state = &core.state;
    let storage = core.store.health().status();
    Ok(Response::ServerInfo(ServerInfo {
        server_version: env!("CARGO_PKG_VERSION").into(),
        role: shared.node.role(),
        term: shared.node.term(),
        lsn: state.applied_lsn(),
        coupons: state.coupon_count() as u64,
        redemptions: state.next_redemption_id().saturating_sub(1),
        uptime_ms: shared.started.elapsed().as_millis() as u64,
        connections: shared.connections.load(Ordering::Relaxed),
        writes_failing_since_ms: storage.writes_failing_since_ms.unwrap_or(0),
        storage_error: storage.error,
    }))
}

/// The digest at a moment when the state and the store agree on the LSN
/// (retried while writes move it).
fn digest(core: &Core) -> Result<Response> {
    for _ in 0..20 {
        let before = core.state.applied_lsn();
        let view = core.store.read()?;
        if view.meta(crate::storage::write_keys::LAST_LSN)? != before {
            std::thread::sleep(std::time::Duration::from_millis(5));
            continue;
        }
        let digest = crate::writer::digest_of(&core.state, &view, before)?;
        if core.state.applied_lsn() == before {
            return Ok(Response::Digest(digest));
        }
    }
    Err(Error::Busy(
        "the state kept changing; digest again when writes pause",
    ))
}

fn list_reversals(core: &Core, r: RedemptionRef) -> Result<Response> {
    let id = find_redemption_id(core, r).ok_or(Error::NotFound("redemption"))?;
    if core.store.read()?.redemption(id)?.is_none() {
        return Err(Error::NotFound("redemption"));
    }
    Ok(Response::Reversals(core.state.reversals(id)))
}

fn get_campaign(core: &Core, id: u64) -> Result<Response> {
    let def = core.state.campaign(id).ok_or(Error::NotFound("campaign"))?;
    let counters = core.state.campaign_counters(id);
    Ok(Response::Campaign(Box::new(def.to_wire(counters))))
}

fn list_campaigns(core: &Core, after_id: u64, limit: u16) -> Result<Response> {
    let wanted = page_limit(limit);
    let campaigns = core
        .state
        .campaigns_after(after_id, wanted)
        .into_iter()
        .map(|def| def.to_wire(core.state.campaign_counters(def.id)))
        .collect();
    let (campaigns, next_after) = fit_page(campaigns, wanted, |c| c.id, |c, w| c.write(w));
    Ok(Response::CampaignPage {
        campaigns,
        next_after,
    })
}

/// Generated codes are listed in pages of up to 10 times the usual size:
/// exports stream them page by page.
fn list_campaign_codes(core: &Core, id: u64, after: u64, limit: u16) -> Result<Response> {
    if core.state.campaign(id).is_none() {
        return Err(Error::NotFound("campaign"));
    }
    let wanted = if limit == 0 {
        usize::from(MAX_PAGE)
    } else {
        usize::from(limit).min(10 * usize::from(MAX_PAGE))
    };
    let codes = core
        .state
        .campaign_codes_after(id, after, wanted)
        .into_iter()
        .map(|(coupon_id, code)| {
            let c = core.state.counters(coupon_id);
            CampaignCode {
                coupon_id,
                code,
                uses: c.current_usage + c.reserved_uses,
            }
        })
        .collect();
    let (codes, next_after) = fit_page(codes, wanted, |c| c.coupon_id, |c, w| c.write(w));
    Ok(Response::CodePage { codes, next_after })
}

fn get_coupon(core: &Core, r: CouponRef) -> Result<Response> {
    let found = match r {
        CouponRef::Id(id) => core.state.coupon(id),
        CouponRef::Code(c) => core.state.coupon_by_code(&code::normalize(&c)?),
    };
    let (def, counters) = found.ok_or(Error::NotFound("coupon"))?;
    let now = core.state.clock.now(now_ms());
    let running = core.state.campaign_running(def.spec.campaign_id, now);
    Ok(Response::Coupon(Box::new(
        def.to_wire(counters, now, running),
    )))
}

fn list_coupons(core: &Core, after_id: u64, limit: u16) -> Result<Response> {
    let wanted = page_limit(limit);
    let now = core.state.clock.now(now_ms());
    let coupons = core
        .store
        .read()?
        .coupons_after(after_id, wanted)?
        .into_iter()
        .map(|def| {
            let running = core.state.campaign_running(def.spec.campaign_id, now);
            def.to_wire(core.state.counters(def.id), now, running)
        })
        .collect();
    let (coupons, next_after) = fit_page(coupons, wanted, |c| c.id, |c, w| c.write(w));
    Ok(Response::CouponPage {
        coupons,
        next_after,
    })
}

fn validate(core: &Core, raw_code: &str, order: Order, shopper: Shopper) -> Result<Response> {
    let code = code::normalize(raw_code)?;
    let order = domain::order::validate(order)?;
    let state = &core.state;
    let Some((def, counters)) = state.coupon_by_code(&code) else {
        return Ok(unknown_code(core, code, order));
    };
    let now = state.clock.now(now_ms());
    let judged = judge(&Committed { state, now }, def, &order, shopper);
    let (def, customer_uses, assessment, outcome) = (
        judged.def,
        judged.customer_uses,
        judged.assessment,
        judged.outcome,
    );
    let spec = &def.spec;
    let mut v = Validation {
        valid: outcome.is_ok(),
        coupon_id: def.id,
        code: spec.code.clone(),
        name: spec.name.clone(),
        discount_type: Some(spec.discount_type),
        discount_value: spec.discount_value,
        max_discount_amount: spec.max_discount_amount,
        currency: order.currency.clone(),
        remaining_uses: rules::remaining_uses(spec, counters),
        customer_usage_count: u32::try_from(customer_uses).unwrap_or(u32::MAX),
        expires_at: spec.ends_at,
        security_assessment: assessment,
        ..Validation::default()
    };
    match outcome {
        Ok(d) => {
            v.applicable_amount = d.applicable_amount;
            v.discount_amount = d.discount_amount;
            v.final_amount = d.final_amount;
        }
        Err(refusal) if rules::fraud::enumeration::hidden(spec, refusal) => {
            return Ok(unknown_code(core, code, order));
        }
        Err(refusal) => {
            v.reason = refusal.code().as_u16();
            v.message = refusal.to_string();
            v.final_amount = order.amount;
        }
    }
    Ok(Response::Validation(v))
}

/// The answer for a code no coupon has, and (enumeration-safe mode) for one
/// whose coupon must not be told apart from none: the same bytes.
fn unknown_code(core: &Core, code: String, order: Order) -> Response {
    let e = core.state.unknown_code(&code);
    Response::Validation(Validation {
        valid: false,
        reason: e.code().as_u16(),
        message: e.to_string(),
        code,
        final_amount: order.amount,
        currency: order.currency,
        ..Validation::default()
    })
}

/// Before a code is looked up (VALIDATE, REDEEM, RESERVE): a client past its
/// guessing limit is refused, and a code that no usable coupon answers to
/// is counted against it (an enumeration-safe hidden one too, or the count
/// would tell them apart).
fn screen_guesses(shared: &Shared, caller: &Caller, request: &Request) -> Result<()> {
    let (raw_codes, order): (&[String], &Order) = match request {
        Request::Validate { code, order } => (std::slice::from_ref(code), order),
        Request::Redeem(r) => (std::slice::from_ref(&r.code), &r.order),
        Request::Reserve(r) => (std::slice::from_ref(&r.code), &r.order),
        // Each code of a multi-code order is a guess like a single one.
        Request::OrderValidate(r) => (&r.codes, &r.order),
        Request::OrderRedeem(r) => (&r.codes, &r.order),
        Request::OrderReserve(r) => (&r.codes, &r.order),
        _ => return Ok(()),
    };
    let ip = shopper_ip(order);
    let keys = GuessKeys {
        connection: &caller.connection,
        ip: &ip,
        device: &order.device_fingerprint,
    };
    let clock_ms = shared.started.elapsed().as_millis() as u64;
    shared.guesses.check(&keys, clock_ms)?;
    let core = shared.node.cell.load();
    let state = &core.state;
    for raw_code in raw_codes {
        // A code that does not even normalize is refused as invalid later.
        let Ok(code) = code::normalize(raw_code) else {
            continue;
        };
        // Counted exactly when the answer is (or will be) an unknown code's.
        let usable = state.coupon_by_code(&code).is_some_and(|(def, counters)| {
            let now = state.clock.now(now_ms());
            let campaign = def.spec.campaign_id.map(|id| state.campaign(id));
            let campaign_of = CampaignOf::of(&campaign, |id| state.campaign_counters(id));
            def.spec.is_public
                || (rules::campaign::check_own_state(&def.spec, counters, now, campaign_of).is_ok()
                    && rules::assignment::check(&def.spec, order).is_ok())
        });
        if !usable {
            shared.guesses.count_unknown(&keys, clock_ms);
        }
    }
    Ok(())
}

/// The guessing key of an order's address: its block (`address_block`),
/// or what was sent if it is not an address.
fn shopper_ip(order: &Order) -> std::borrow::Cow<'_, str> {
    let ip = order.ip_address.trim();
    match ip.parse() {
        // Its own block, and already canonical: the parser takes no other
        // spelling of an IPv4 address. No allocation on a redemption's path.
        Ok(std::net::IpAddr::V4(_)) | Err(_) => std::borrow::Cow::Borrowed(ip),
        Ok(address) => std::borrow::Cow::Owned(super::guessing::address_block(address)),
    }
}

/// What this node's guessing counts know of the order's shopper.
fn shopper(shared: &Shared, order: &Order) -> Shopper {
    let clock_ms = shared.started.elapsed().as_millis() as u64;
    Shopper {
        unknown_codes: shared.guesses.tried(
            &shopper_ip(order),
            &order.device_fingerprint,
            clock_ms,
        ),
    }
}

/// The id a redemption reference names, if any (not checked to exist).
fn find_redemption_id(core: &Core, r: RedemptionRef) -> Option<u64> {
    let state = &core.state;
    match r {
        RedemptionRef::Id(id) => Some(id),
        RedemptionRef::Order { code, order_id } => state
            .coupon_id(&code)
            .and_then(|coupon_id| state.order(coupon_id, state.key(&order_id))),
    }
}

fn get_redemption(core: &Core, r: RedemptionRef) -> Result<Response> {
    let state = &core.state;
    let id = find_redemption_id(core, r);
    let redemption = match id {
        Some(id) => core.store.read()?.redemption(id)?,
        None => None,
    };
    let redemption = redemption.ok_or(Error::NotFound("redemption"))?;
    let remaining_uses = state
        .coupon(redemption.coupon_id)
        .and_then(|(def, counters)| rules::remaining_uses(&def.spec, counters));
    Ok(Response::Redemption(RedemptionReply {
        redemption,
        remaining_uses,
        replayed: false,
    }))
}

/// The fraud report over the redemptions created in [from, to).
fn fraud_report(core: &Core, from: i64, to: i64) -> Result<Response> {
    if to <= from {
        return Err(Error::invalid("to", "must be after from"));
    }
    let mut report = rules::fraud::report::Report::new(from, to);
    core.store
        .read()?
        .for_each_redemption_created(from, to, |r| report.add(&r))?;
    Ok(Response::FraudReport(Box::new(report.finish())))
}

fn list_redemptions(core: &Core, coupon_id: u64, after_id: u64, limit: u16) -> Result<Response> {
    let wanted = page_limit(limit);
    let ids = core.state.redemption_ids_after(coupon_id, after_id, wanted);
    let redemptions = core.store.read()?.redemptions(&ids)?;
    let (redemptions, next_after) = fit_page(redemptions, wanted, |r| r.id, |r, w| r.write(w));
    Ok(Response::RedemptionPage {
        redemptions,
        next_after,
    })
}
