//! Deciding a batch: a refused request changes nothing, wherever it sits in
//! the batch, and every request gets its answer.

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use couponsd_client::wire::{
    AdminStatus, CouponSpec, DiscountType, FraudLabel, Order, RedeemRequest, RedemptionRef,
    RedemptionStatus, ReserveRequest, Response,
};

use super::batch::{Batch, Cursor, Overlay};
use super::proposal::DecidedOnce;
use super::{
    execute, Applier, Applying, Core, CoreCell, Mutation, Proposal, Shopper, WriterConfig,
};
use crate::error::{Error, Refusal, Result};
use crate::state::{Effect, LogRecord, State};
use crate::storage::Store;

const T0: i64 = 1_700_000_000_000;

/// A store and a state with nothing in them but the key secret.
pub(super) struct Node {
    _dir: tempfile::TempDir,
    store: Store,
    state: State,
}

impl Node {
    pub(super) fn new() -> Node {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path(), false, Default::default()).expect("store");
        Node {
            _dir: dir,
            store,
            state: State::new(Some([7; 16]), 0),
        }
    }
}

/// What one batch decided: every request's answer, and the records.
struct Outcome {
    answers: Vec<Result<Response>>,
    records: Vec<Bytes>,
    decided: Vec<LogRecord>,
}

/// Decides `mutations` as one batch at `now` on top of `earlier` batches
/// (proposed, not applied), as the decider does; returns what it decided and
/// its overlay for the batches after it.
fn decide(
    node: &Node,
    earlier: &VecDeque<(u64, Overlay)>,
    cursor: Cursor,
    now: i64,
    mutations: &[Mutation],
) -> (Outcome, Overlay, Cursor) {
    let mut batch = Batch::new(&node.state, earlier, &node.store, 1, cursor, now);
    let config = WriterConfig::default();
    let answers = mutations
        .iter()
        .map(|m| execute(&mut batch, m, &config).expect("the store reads"))
        .collect();
    let decided = batch.finish();
    let outcome = Outcome {
        answers,
        records: decided.records,
        decided: decided.decided,
    };
    (outcome, decided.overlay, decided.cursor)
}

fn decide_alone(node: &Node, mutations: &[Mutation]) -> Outcome {
    let cursor = Cursor::from_state(&node.state);
    decide(node, &VecDeque::new(), cursor, T0, mutations).0
}

pub(super) fn create(code: &str, usage_limit: u64) -> Mutation {
    Mutation::CreateCoupon {
        spec: CouponSpec {
            code: code.into(),
            name: code.into(),
            discount_type: DiscountType::Fixed,
            discount_value: 500,
            currency: "USD".into(),
            usage_limit: Some(usage_limit),
            usage_limit_per_customer: Some(1),
            status: AdminStatus::Active,
            // Public: its refusals say why (a private code's are masked).
            is_public: true,
            ..CouponSpec::default()
        },
        created_by: "test".into(),
    }
}

fn order(customer: &str) -> Order {
    Order {
        customer_id: customer.into(),
        amount: 10_000,
        currency: "USD".into(),
        ..Order::default()
    }
}

fn redeem(code: &str, order_id: &str, customer: &str) -> Mutation {
    Mutation::Redeem {
        shopper: Shopper::default(),
        request: RedeemRequest {
            code: code.into(),
            order_id: order_id.into(),
            transaction_id: String::new(),
            order: order(customer),
        },
    }
}

fn reserve(code: &str, order_id: &str, customer: &str, ttl_ms: u32) -> Mutation {
    Mutation::Reserve {
        shopper: Shopper::default(),
        request: ReserveRequest {
            code: code.into(),
            order_id: order_id.into(),
            ttl_ms,
            order: order(customer),
        },
    }
}

fn named(code: &str, order_id: &str) -> RedemptionRef {
    RedemptionRef::Order {
        code: code.into(),
        order_id: order_id.into(),
    }
}

#[test]
fn refused_requests_between_accepted_ones_add_nothing_and_each_is_answered() {
    let node = Node::new();
    let script = || {
        vec![
            create("A", 2),
            redeem("A", "o1", "c1"),
            // The same customer again: over the per-customer limit.
            redeem("A", "o2", "c1"),
            redeem("NO-SUCH-CODE", "o3", "c2"),
            // More than was paid: refused after the redemption was found.
            Mutation::Reverse {
                redemption: named("A", "o1"),
                reason: String::new(),
                refund_amount: Some(1_000_000),
                refund_id: String::new(),
            },
            reserve("A", "o4", "c2", 60_000),
            // One used and one held: the usage limit of 2 is reached.
            redeem("A", "o5", "c3"),
            Mutation::Confirm(named("A", "o4")),
        ]
    };
    let mixed = script();
    let accepted = [0, 1, 5, 7];
    let only: Vec<Mutation> = script()
        .into_iter()
        .enumerate()
        .filter_map(|(i, m)| accepted.contains(&i).then_some(m))
        .collect();
    let both = decide_alone(&node, &mixed);
    let only = decide_alone(&node, &only);

    assert_eq!(both.answers.len(), mixed.len(), "every request is answered");
    assert!(matches!(
        both.answers[2],
        Err(Error::Refused(Refusal::CustomerLimit))
    ));
    assert!(matches!(both.answers[3], Err(Error::NotFound("coupon"))));
    assert!(matches!(
        both.answers[4],
        Err(Error::InvalidArgument {
            field: "refund_amount",
            ..
        })
    ));
    assert!(matches!(
        both.answers[6],
        Err(Error::Refused(Refusal::Exhausted))
    ));
    for (i, alone) in accepted.iter().zip(&only.answers) {
        let (Ok(mixed_answer), Ok(alone)) = (&both.answers[*i], alone) else {
            panic!("request {i} was refused: {:?}", both.answers[*i]);
        };
        assert_eq!(mixed_answer, alone, "request {i} is answered as if alone");
    }
    assert_eq!(
        both.records, only.records,
        "the batch records exactly the accepted requests' effects, byte for byte"
    );
    assert_eq!(
        both.decided.len(),
        accepted.len(),
        "one record per accepted request"
    );
}

#[test]
fn a_refused_request_keeps_the_expiry_of_the_hold_it_found() {
    let node = Node::new();
    let cursor = Cursor::from_state(&node.state);
    let first = [create("A", 10), reserve("A", "o1", "c1", 1_000)];
    let (held, overlay, cursor) = decide(&node, &VecDeque::new(), cursor, T0, &first);
    assert!(held.answers.iter().all(|a| a.is_ok()));
    // Proposed, not applied: the next batch sees the hold through its overlay.
    let earlier = VecDeque::from([(1, overlay)]);
    let later = [
        Mutation::Confirm(named("A", "o1")),
        Mutation::Confirm(named("A", "o1")),
    ];
    let (outcome, _, _) = decide(&node, &earlier, cursor, T0 + 5_000, &later);
    assert!(matches!(outcome.answers[0], Err(Error::HoldExpired)));
    assert!(matches!(outcome.answers[1], Err(Error::HoldExpired)));
    assert_eq!(
        outcome.decided.len(),
        1,
        "the expiry, once, and nothing else"
    );
    let expired = outcome.decided[0].effects.iter().find_map(|e| match e {
        Effect::Redemption(r) => Some(r),
        _ => None,
    });
    assert_eq!(
        expired.map(|r| r.status),
        Some(RedemptionStatus::Expired),
        "{:?}",
        outcome.decided[0]
    );
    assert!(outcome.decided[0].effects.iter().any(|e| matches!(
        e,
        Effect::Counters { counters, .. } if counters.reserved_uses == 0
    )));
}

/// A coupon any customer may use often, at most `per_hour` times an hour.
fn create_velocity(code: &str, per_hour: u32) -> Mutation {
    let Mutation::CreateCoupon { spec, created_by } = create(code, 1_000) else {
        unreachable!("create makes a coupon")
    };
    let mut spec = spec;
    spec.usage_limit_per_customer = None;
    spec.security.velocity_checks = true;
    spec.security.max_redemptions_per_hour = per_hour;
    Mutation::CreateCoupon { spec, created_by }
}

#[test]
fn the_velocity_window_counts_batches_proposed_but_not_applied() {
    let node = Node::new();
    let cursor = Cursor::from_state(&node.state);
    let first = [
        create_velocity("V", 2),
        redeem("V", "o1", "c1"),
        reserve("V", "o2", "c1", 60_000),
        Mutation::Release(named("V", "o2")),
    ];
    let (outcome, overlay, cursor) = decide(&node, &VecDeque::new(), cursor, T0, &first);
    assert!(
        outcome.answers.iter().all(|a| a.is_ok()),
        "{:?}",
        outcome.answers
    );
    // Proposed, not applied: the next batch sees both attempts (the released
    // hold still counts), so the customer's third within the hour is refused
    // while another customer's first is not.
    let earlier = VecDeque::from([(1, overlay)]);
    let later = [redeem("V", "o3", "c1"), redeem("V", "o4", "c2")];
    let (outcome, overlay, cursor) = decide(&node, &earlier, cursor, T0 + 60_000, &later);
    assert!(matches!(
        outcome.answers[0],
        Err(Error::Refused(Refusal::VelocityLimit(_)))
    ));
    assert!(outcome.answers[1].is_ok(), "{:?}", outcome.answers[1]);
    // An hour after the first two, both have left the window: two more fit.
    let mut earlier = earlier;
    earlier.push_back((2, overlay));
    let hour_later = [
        redeem("V", "o5", "c1"),
        redeem("V", "o6", "c1"),
        redeem("V", "o7", "c1"),
    ];
    let (outcome, _, _) = decide(&node, &earlier, cursor, T0 + 3_600_000, &hour_later);
    assert!(outcome.answers[0].is_ok(), "{:?}", outcome.answers[0]);
    assert!(outcome.answers[1].is_ok(), "{:?}", outcome.answers[1]);
    assert!(matches!(
        outcome.answers[2],
        Err(Error::Refused(Refusal::VelocityLimit(_)))
    ));
    let window = outcome.decided[1].effects.iter().find_map(|e| match e {
        Effect::Velocity { created_at, .. } => Some(created_at.clone()),
        _ => None,
    });
    assert_eq!(window, Some(vec![T0 + 3_600_000; 2]), "bounded at two");
}

/// Decides one draft's worth of `record_observations` for each order, as a
/// batch at `now` on top of `earlier`.
fn observe(
    node: &Node,
    earlier: &VecDeque<(u64, Overlay)>,
    cursor: Cursor,
    now: i64,
    orders: &[Order],
) -> (Vec<LogRecord>, Overlay, Cursor) {
    let mut batch = Batch::new(&node.state, earlier, &node.store, 1, cursor, now);
    for order in orders {
        let mut d = super::plan::Draft::new(&batch);
        let ids = crate::rules::fraud::velocity::identities(order);
        let observed = super::observe::observations(&ids, order, |id| d.key(id));
        super::observe::record_observations(&mut d, 1, &observed);
        let plan = d.into_plan(Response::Deleted);
        batch.apply(plan).expect("an observation is accepted");
    }
    let decided = batch.finish();
    (decided.decided, decided.overlay, decided.cursor)
}

fn shopper(customer: &str, device: &str) -> Order {
    Order {
        device_fingerprint: device.into(),
        ip_address: "192.0.2.7".into(),
        customer_email: format!("{customer}@example.com"),
        ..order(customer)
    }
}

/// The seen sets and code rate through the decider: a batch sees what the
/// batches proposed before it recorded, a repeat within the hour records
/// nothing, and VALIDATE's read of the applied state agrees once applied.
#[test]
fn observations_build_on_batches_proposed_but_not_applied() {
    use super::observe::gather_inputs;
    use crate::rules::fraud::detectors::SeenKind;

    let node = Node::new();
    let cursor = Cursor::from_state(&node.state);
    let (first, overlay, cursor) =
        observe(&node, &VecDeque::new(), cursor, T0, &[shopper("a", "fp")]);
    let earlier = VecDeque::from([(1, overlay)]);
    let later = [shopper("b", "fp"), shopper("b", "fp"), shopper("c", "fp")];
    let (second, _, _) = observe(&node, &earlier, cursor, T0 + 1_000, &later);
    let seen_effects = |records: &[LogRecord]| -> Vec<(SeenKind, usize)> {
        records
            .iter()
            .flat_map(|r| &r.effects)
            .filter_map(|e| match e {
                Effect::Seen { kind, members, .. } => Some((*kind, members.len())),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        seen_effects(&first),
        [
            (SeenKind::DeviceCustomers, 1),
            (SeenKind::IpCustomers, 1),
            (SeenKind::MailboxSpellings, 1)
        ]
    );
    // b joins a (seen through the overlay); b again writes no seen set,
    // only its use; c makes three. Each mailbox is its own.
    assert_eq!(
        seen_effects(&second),
        [
            (SeenKind::DeviceCustomers, 2),
            (SeenKind::IpCustomers, 2),
            (SeenKind::MailboxSpellings, 1),
            (SeenKind::DeviceCustomers, 3),
            (SeenKind::IpCustomers, 3),
            (SeenKind::MailboxSpellings, 1),
        ]
    );
    let rates: Vec<u32> = second
        .iter()
        .flat_map(|r| &r.effects)
        .filter_map(|e| match e {
            Effect::CodeRate { rate, .. } => Some(rate.this_hour),
            _ => None,
        })
        .collect();
    assert_eq!(rates, [2, 3, 4], "every use counts in the code's rate");
    // Applied, the committed state gives VALIDATE the same counts.
    for record in first.iter().chain(&second) {
        node.state.apply_record(record);
    }
    let order = shopper("d", "fp");
    let ids = crate::rules::fraud::velocity::identities(&order);
    let observed = super::observe::observations(&ids, &order, |id| node.state.key(id));
    let inputs = gather_inputs(
        Default::default(),
        |kind, key| node.state.seen(kind, key),
        node.state.code_rate(1),
        &observed,
        T0 + 2_000,
    );
    assert_eq!((inputs.device_customers, inputs.ip_customers), (4, 4));
}

/// The window sweep removes exactly what has nothing left in its window,
/// with logged effects, and leaves what a batch not yet applied used again.
#[test]
fn the_window_sweep_removes_only_what_expired() {
    use crate::rules::fraud::detectors::{CodeRate, SeenKind, HOUR_MS, SEEN_WINDOW_MS};

    let node = Node::new();
    let now = T0 + 3 * SEEN_WINDOW_MS;
    let key = |id: &str| node.state.key(id);
    let apply = |effect: Effect| node.state.apply(&effect);
    // Velocity: one an hour old (goes), one a millisecond younger (stays).
    apply(Effect::Velocity {
        coupon_id: 1,
        identity: key("old"),
        created_at: vec![now - 2 * HOUR_MS, now - HOUR_MS],
    });
    apply(Effect::Velocity {
        coupon_id: 1,
        identity: key("young"),
        created_at: vec![now - 2 * HOUR_MS, now - HOUR_MS + 1],
    });
    // Seen sets: judged by their newest member.
    let member = key("m");
    apply(Effect::Seen {
        kind: SeenKind::DeviceCustomers,
        key: key("old-device"),
        members: vec![(member, now - SEEN_WINDOW_MS)],
    });
    apply(Effect::Seen {
        kind: SeenKind::IpCustomers,
        key: key("young-ip"),
        members: vec![(member, now - 2 * SEEN_WINDOW_MS), (key("n"), now - 5)],
    });
    // A set the sweep would take, used again in a batch not yet applied.
    apply(Effect::Seen {
        kind: SeenKind::MailboxSpellings,
        key: key("refreshed"),
        members: vec![(member, now - SEEN_WINDOW_MS - 1)],
    });
    // Code rates: idle for 48 hours (goes), for 47 (stays).
    let hour = now / HOUR_MS;
    for (coupon_id, idle_hours) in [(1, 48), (2, 47)] {
        apply(Effect::CodeRate {
            coupon_id,
            rate: CodeRate {
                hour: hour - idle_hours,
                this_hour: 3,
                baseline_milli: 9_000,
            },
        });
    }
    let cursor = Cursor::from_state(&node.state);
    let mut refresh = Overlay::default();
    refresh.seen.insert(
        (SeenKind::MailboxSpellings, key("refreshed")),
        vec![(member, now - 1)],
    );
    let earlier = VecDeque::from([(1, refresh)]);
    let parts = node.state.swept_parts();
    let sweeps: Vec<Mutation> = (0..parts)
        .step_by(super::sweep::PARTS_PER_SWEEP)
        .map(|first_part| Mutation::ExpireWindows { first_part })
        .collect();
    let (outcome, _, _) = decide(&node, &earlier, cursor, now, &sweeps);
    let removed: Vec<&Effect> = outcome.decided.iter().flat_map(|r| &r.effects).collect();
    let expected = [
        Effect::Velocity {
            coupon_id: 1,
            identity: key("old"),
            created_at: vec![],
        },
        Effect::Seen {
            kind: SeenKind::DeviceCustomers,
            key: key("old-device"),
            members: vec![],
        },
        Effect::CodeRate {
            coupon_id: 1,
            rate: CodeRate::default(),
        },
    ];
    assert_eq!(removed.len(), expected.len(), "{removed:?}");
    for e in &expected {
        assert!(removed.contains(&e), "{e:?} not in {removed:?}");
    }
    for record in &outcome.decided {
        node.state.apply_record(record);
    }
    assert_eq!(node.state.swept_sizes(), (1, 2, 1));
    assert!(node.state.velocity(1, key("old")).is_empty());
    assert!(!node.state.velocity(1, key("young")).is_empty());
    // Nothing left to sweep (the refresh still in flight): a second pass
    // records nothing.
    let cursor = Cursor::from_state(&node.state);
    let (again, _, _) = decide(&node, &earlier, cursor, now, &sweeps);
    assert!(again.decided.is_empty(), "{:?}", again.decided);
}

fn label(redemption_id: u64, label: FraudLabel) -> Mutation {
    Mutation::FraudOutcome {
        redemption_id,
        label,
    }
}

fn score_of(answer: &Result<Response>) -> u32 {
    match answer {
        Ok(Response::Redemption(r)) => r.redemption.security.fraud_score_ppm,
        other => panic!("not a redemption: {other:?}"),
    }
}

#[test]
fn an_outcome_teaches_the_model_batches_proposed_but_not_applied_score_with() {
    let node = Node::new();
    let cursor = Cursor::from_state(&node.state);
    // No device fingerprint: the order has a signal to learn from.
    let first = [create("F", 100), redeem("F", "o1", "c1")];
    let (outcome, overlay, cursor) = decide(&node, &VecDeque::new(), cursor, T0, &first);
    let before = score_of(&outcome.answers[1]);
    // Proposed, not applied: the outcome finds the redemption in the overlay.
    let mut earlier = VecDeque::from([(1, overlay)]);
    let second = [
        label(1, FraudLabel::Fraud),
        label(1, FraudLabel::Fraud),
        label(1, FraudLabel::Legit),
        label(99, FraudLabel::Fraud),
    ];
    let (outcome, overlay, cursor) = decide(&node, &earlier, cursor, T0 + 1, &second);
    let Ok(Response::FraudModel(learned)) = &outcome.answers[0] else {
        panic!("{:?}", outcome.answers[0]);
    };
    assert_eq!(learned.outcomes, 1);
    assert_eq!(
        outcome.answers[1].as_ref().ok(),
        outcome.answers[0].as_ref().ok(),
        "the same label again is answered with the same model"
    );
    assert!(matches!(outcome.answers[2], Err(Error::Conflict(_))));
    assert!(matches!(outcome.answers[3], Err(Error::NotFound(_))));
    assert_eq!(outcome.decided.len(), 1, "one record: the first label");
    let effects = &outcome.decided[0].effects;
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Redemption(r) if r.fraud_outcome == Some(FraudLabel::Fraud)
    )));
    assert!(effects
        .iter()
        .any(|e| matches!(e, Effect::Model(m) if m.outcomes == 1)));
    // The next batch, still unapplied, scores the same kind of order higher.
    earlier.push_back((2, overlay));
    let (outcome, _, _) = decide(&node, &earlier, cursor, T0 + 2, &[redeem("F", "o2", "c2")]);
    let after = score_of(&outcome.answers[0]);
    assert!(after > before, "{before} -> {after}");
}

fn assign(campaign_id: u64, customers: &[&str]) -> Mutation {
    Mutation::AssignCodes {
        campaign_id,
        customer_ids: customers.iter().map(|c| c.to_string()).collect(),
    }
}

fn assigned(answer: &Result<Response>) -> Vec<couponsd_client::wire::AssignedCode> {
    match answer {
        Ok(Response::AssignedCodes(codes)) => codes.clone(),
        other => panic!("expected assigned codes, got {other:?}"),
    }
}

/// A customer's code made by a batch proposed but not applied is the one a
/// later batch (and a later request of the same batch) gives again.
#[test]
fn assigned_codes_are_found_in_batches_proposed_but_not_applied() {
    use couponsd_client::wire::{CampaignSpec, CampaignType};
    let node = Node::new();
    let cursor = Cursor::from_state(&node.state);
    let campaign = Mutation::CreateCampaign {
        spec: Box::new(CampaignSpec {
            name: "For you".into(),
            campaign_type: CampaignType::Personalized,
            ..CampaignSpec::default()
        }),
        created_by: "test".into(),
    };
    let first = [campaign, assign(1, &["ann"]), assign(1, &["ann", "bob"])];
    let (outcome, overlay, cursor) = decide(&node, &VecDeque::new(), cursor, T0, &first);
    let ann = assigned(&outcome.answers[1]);
    assert!(ann[0].created);
    let both = assigned(&outcome.answers[2]);
    assert_eq!(
        (both[0].code.as_str(), both[0].created),
        (ann[0].code.as_str(), false)
    );
    assert!(both[1].created);
    assert_ne!(both[1].code, ann[0].code);
    assert_eq!(both[1].coupon_id, ann[0].coupon_id + 1);
    let earlier = VecDeque::from([(1, overlay)]);
    let (outcome, _, _) = decide(
        &node,
        &earlier,
        cursor,
        T0 + 1,
        &[assign(1, &["bob", "ann"])],
    );
    let again = assigned(&outcome.answers[0]);
    let bob = couponsd_client::wire::AssignedCode {
        created: false,
        ..both[1].clone()
    };
    assert_eq!(again, vec![bob, both[0].clone()]);
    assert!(outcome.records.is_empty(), "nothing new: no record");
}

fn distribute(campaign_id: u64, customers: &[&str]) -> Mutation {
    Mutation::Distribute {
        campaign_id,
        recipients: customers
            .iter()
            .map(|c| couponsd_client::wire::Recipient {
                customer_id: c.to_string(),
                email: format!("{c}@example.com"),
                ..Default::default()
            })
            .collect(),
    }
}

fn distributed(answer: &Result<Response>) -> Vec<couponsd_client::wire::DistributionEntry> {
    match answer {
        Ok(Response::Distribution(entries)) => entries.clone(),
        other => panic!("expected distribution entries, got {other:?}"),
    }
}

/// A recipient queued by a batch proposed but not applied keeps that entry
/// and code in a later request and a later batch: nothing is queued twice,
/// and seqs follow on across batches. A PERSONALIZED recipient's code is
/// the one CAMPAIGN_ASSIGN gave them.
#[test]
fn outbox_entries_are_found_in_batches_proposed_but_not_applied() {
    use couponsd_client::wire::{CampaignSpec, CampaignType, DeliveryStatus};
    let node = Node::new();
    let cursor = Cursor::from_state(&node.state);
    let campaign = Mutation::CreateCampaign {
        spec: Box::new(CampaignSpec {
            name: "For you".into(),
            campaign_type: CampaignType::Personalized,
            ..CampaignSpec::default()
        }),
        created_by: "test".into(),
    };
    let first = [
        campaign,
        assign(1, &["ann"]),
        distribute(1, &["ann", "bob"]),
        distribute(1, &["bob"]),
    ];
    let (outcome, overlay, cursor) = decide(&node, &VecDeque::new(), cursor, T0, &first);
    let ann_code = assigned(&outcome.answers[1])[0].code.clone();
    let queued = distributed(&outcome.answers[2]);
    assert_eq!(queued[0].code, ann_code, "ann's bound code");
    assert!(queued
        .iter()
        .all(|e| e.created && e.status == DeliveryStatus::Queued));
    assert_eq!((queued[0].seq, queued[1].seq), (1, 2));
    let again = distributed(&outcome.answers[3]);
    assert_eq!(
        (again[0].code.as_str(), again[0].created),
        (queued[1].code.as_str(), false)
    );
    let earlier = VecDeque::from([(1, overlay)]);
    let (outcome, _, _) = decide(
        &node,
        &earlier,
        cursor,
        T0 + 1,
        &[distribute(1, &["bob", "cy"])],
    );
    let later = distributed(&outcome.answers[0]);
    assert_eq!(
        (later[0].code.as_str(), later[0].created),
        (queued[1].code.as_str(), false)
    );
    assert!(later[1].created);
    assert_eq!(later[1].seq, 3, "seqs follow the unapplied batch's");
}

fn create_per_period(code: &str, customer_per_day: u32, per_day: u32) -> Mutation {
    let Mutation::CreateCoupon { spec, created_by } = create(code, 1_000) else {
        unreachable!("create makes a coupon")
    };
    let mut spec = spec;
    spec.usage_limit_per_customer = None;
    spec.time_zone = "Europe/Paris".into();
    spec.period_limits.customer_per_day = Some(customer_per_day);
    spec.period_limits.per_day = Some(per_day);
    Mutation::CreateCoupon { spec, created_by }
}

fn period_refusal(answer: &Result<Response>) -> Option<&'static str> {
    match answer {
        Err(Error::Refused(Refusal::PeriodLimit(reached))) => Some(reached.kind.field()),
        _ => None,
    }
}

/// Uses per local day (Paris: 23:00 UTC is midnight) are counted by batches
/// proposed but not applied, a released hold gives its use back within the
/// day, the next local day starts afresh, and the window sweep removes the
/// counts of a day that is over.
#[test]
fn period_counts_follow_batches_proposed_but_not_applied() {
    use crate::rules::period::PeriodKind;

    let node = Node::new();
    let evening = "2026-12-08T22:00:00Z"
        .parse::<jiff::Timestamp>()
        .expect("an instant")
        .as_millisecond();
    let cursor = Cursor::from_state(&node.state);
    let first = [
        create_per_period("P", 1, 3),
        redeem("P", "o1", "c1"),
        redeem("P", "o2", "c1"),
        reserve("P", "o3", "c2", 3_600_000),
    ];
    let (outcome, overlay, cursor) = decide(&node, &VecDeque::new(), cursor, evening, &first);
    assert!(outcome.answers[1].is_ok(), "{:?}", outcome.answers[1]);
    assert_eq!(
        period_refusal(&outcome.answers[2]),
        Some("customer_uses_per_day")
    );
    assert!(outcome.answers[3].is_ok(), "{:?}", outcome.answers[3]);
    let mut decided = outcome.decided;
    let mut earlier = VecDeque::from([(1, overlay)]);
    // Half an hour later, on top of the first batch: c2's hold counts until
    // released, then c2 may redeem; the day's third use is everyone's last.
    let later = [
        redeem("P", "o4", "c2"),
        Mutation::Release(named("P", "o3")),
        redeem("P", "o5", "c2"),
        redeem("P", "o6", "c3"),
        redeem("P", "o7", "c4"),
    ];
    let half_hour = evening + 1_800_000;
    let (outcome, overlay, cursor) = decide(&node, &earlier, cursor, half_hour, &later);
    assert_eq!(
        period_refusal(&outcome.answers[0]),
        Some("customer_uses_per_day")
    );
    assert!(
        outcome.answers[1..4].iter().all(|a| a.is_ok()),
        "{:?}",
        outcome.answers
    );
    assert_eq!(period_refusal(&outcome.answers[4]), Some("uses_per_day"));
    decided.extend(outcome.decided);
    earlier.push_back((2, overlay));
    // 00:01 in Paris (still 8 December in UTC): a new day.
    let next_day = evening + 3_660_000;
    let (outcome, _, _) = decide(
        &node,
        &earlier,
        cursor,
        next_day,
        &[redeem("P", "o8", "c1")],
    );
    assert!(outcome.answers[0].is_ok(), "{:?}", outcome.answers[0]);
    decided.extend(outcome.decided);

    // Applied, then swept at 00:01: yesterday's day counts (c2's) go; the
    // rest (this week's, this month's, today's) stay.
    for record in &decided {
        node.state.apply_record(record);
    }
    let count = |customer: &str, kind| node.state.period_uses(1, node.state.key(customer), kind);
    assert_eq!(
        count("c2", PeriodKind::CustomerDay).map(|c| c.uses),
        Some(1)
    );
    let cursor = Cursor::from_state(&node.state);
    let parts = node.state.swept_parts();
    let sweeps: Vec<Mutation> = (0..parts)
        .step_by(super::sweep::PARTS_PER_SWEEP)
        .map(|first_part| Mutation::ExpireWindows { first_part })
        .collect();
    let (swept, _, _) = decide(&node, &VecDeque::new(), cursor, next_day, &sweeps);
    for record in &swept.decided {
        node.state.apply_record(record);
    }
    assert_eq!(count("c2", PeriodKind::CustomerDay), None);
    assert_eq!(
        count("c3", PeriodKind::CustomerWeek).map(|c| c.uses),
        Some(1)
    );
    assert_eq!(
        count("c1", PeriodKind::CustomerDay).map(|c| c.uses),
        Some(1)
    );
    assert_eq!(
        count("c1", PeriodKind::CustomerMonth).map(|c| c.uses),
        Some(2)
    );
    let everyone = node
        .state
        .period_uses(1, super::period_uses::EVERYONE, PeriodKind::Day);
    assert_eq!(everyone.map(|c| c.uses), Some(1));
}

/// An applier on `node`'s store and state, and the cell it applies to.
pub(super) fn applier_on(node: Node) -> (tempfile::TempDir, Arc<CoreCell>, Applier) {
    let Node {
        _dir: dir,
        store,
        state,
    } = node;
    let cell = Arc::new(CoreCell::new(Core {
        store: Arc::new(store),
        state: Arc::new(state),
    }));
    let applier = Applier::new(
        cell.clone(),
        &WriterConfig::default(),
        Arc::default(),
        Arc::default(),
    )
    .expect("an applier");
    (dir, cell, applier)
}

#[test]
fn the_leaders_decoded_records_are_let_go_once_applied() {
    let node = Node::new();
    let script = [create("A", 10), redeem("A", "o1", "c1")];
    let outcome = decide_alone(&node, &script);
    assert_eq!(outcome.decided.len(), 2);
    let proposal = Proposal {
        term: 1,
        seq: 1,
        prev_seq: 0,
        base_lsn: node.state.applied_lsn(),
        time_ms: T0,
        records: outcome.records,
        decided: Some(DecidedOnce::new(outcome.decided)),
    };
    // The Raft log keeps a copy of the entry in memory for followers.
    let in_log = proposal.clone();
    let (_dir, cell, mut applier) = applier_on(node);
    let applied = applier
        .apply(&[Applying::Proposal(&proposal)], 1, &[])
        .expect("applied");
    assert_eq!(applied, [true]);
    assert_eq!(cell.load().state.applied_lsn(), 2, "both records applied");
    let log_copy = in_log
        .decided
        .as_ref()
        .expect("the leader's proposal has them");
    assert!(
        log_copy.take().is_none(),
        "the log's copy of the entry no longer holds the decoded records"
    );
    // Applied again from that copy (a retry after an I/O error, here on a
    // node of its own): decoded from the bytes, the same records apply.
    let (_other_dir, other, mut other_applier) = applier_on(Node::new());
    let applied = other_applier
        .apply(&[Applying::Proposal(&in_log)], 1, &[])
        .expect("applied from the bytes");
    assert_eq!(applied, [true]);
    assert_eq!(other.load().state.applied_lsn(), 2);
    let counters = |cell: &CoreCell| cell.load().state.coupon_by_code("A").map(|(_, c)| c);
    assert!(counters(&other).is_some());
    assert_eq!(counters(&other), counters(&cell), "the same use counted");
}
