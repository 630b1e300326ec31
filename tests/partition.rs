//! Network partitions, Jepsen-style: three nodes, each in its own network
//! namespace (see `common::netns`), under a redeem load from the root
//! namespace. The leader is cut off from both other nodes while clients on
//! its side keep sending to it: the minority acknowledges nothing, the
//! majority elects a leader and serves, and once the network heals every
//! node converges. The whole history (each request invoked, then ok,
//! failed or unknown) is checked at the end: every ok redemption is there,
//! nothing refused is, and no coupon has more ok redemptions than its limit.
//!
//! Needs root (network namespaces); without it the test fails, saying so.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::history::{start_load, History, Outcome};
use common::netns::NsCluster;
use common::{percent_coupon, redeem_request};
use couponsd_client::wire::{CouponRef, ErrorCode, NodeRole, RedemptionRef};
use couponsd_client::{Client, ClientError, ClientOptions};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// The limited coupon's uses: some taken before the cut, the rest after.
const LIMIT: u64 = 200;
/// Generous bounds for a loaded 2-core machine; the times seen are printed.
const ELECTION: Duration = Duration::from_secs(20);
const SERVE: Duration = Duration::from_secs(30);
const CONVERGE: Duration = Duration::from_secs(30);

/// One request of a client pinned to a node.
#[derive(Debug)]
struct PinnedOp {
    invoked: Instant,
    completed: Instant,
    code: String,
    order: String,
    result: Result<u64, ClientError>,
}

/// `connections` clients of `addr` alone (no following, no failover), each
/// sending a redeem of a new order of `codes` every 25 ms while fewer than
/// `in_flight` of its requests wait, until `stop`; every outcome goes to
/// `history`, and with its times to `ops`.
fn start_pinned(
    addr: String,
    options: ClientOptions,
    codes: Vec<String>,
    (connections, in_flight): (usize, usize),
    history: Arc<History>,
    ops: Arc<Mutex<Vec<PinnedOp>>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tasks = Vec::new();
        for c in 0..connections {
            let (addr, options, codes, history, ops, stop) = (
                addr.clone(),
                options.clone(),
                codes.clone(),
                history.clone(),
                ops.clone(),
                stop.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let slots = Arc::new(Semaphore::new(in_flight));
                let mut requests = JoinSet::new();
                let mut client: Option<Client> = None;
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let current = match client.as_ref().filter(|c| !c.is_closed()) {
                        Some(c) => c.clone(),
                        None => match Client::connect_with(&addr, options.clone()).await {
                            Ok(c) => {
                                client = Some(c.clone());
                                c
                            }
                            Err(_) => {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                continue;
                            }
                        },
                    };
                    let permit = slots.clone().acquire_owned().await.unwrap();
                    let code = codes[(c + i as usize) % codes.len()].clone();
                    let order = format!("pinned-{c}-{i}");
                    i += 1;
                    let (history, ops) = (history.clone(), ops.clone());
                    requests.spawn(async move {
                        let invoked = Instant::now();
                        let result = current
                            .redeem(redeem_request(&code, &order, &order, 10_000))
                            .await
                            .map(|r| r.redemption.id);
                        drop(permit);
                        history.record(&code, &order, result.clone());
                        ops.lock().unwrap().push(PinnedOp {
                            invoked,
                            completed: Instant::now(),
                            code,
                            order,
                            result,
                        });
                    });
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                while requests.join_next().await.is_some() {}
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    })
}

fn oks(history: &History, code: Option<&str>) -> usize {
    history
        .ops()
        .iter()
        .filter(|o| code.is_none_or(|c| o.code == c) && matches!(o.outcome, Outcome::Ok(_)))
        .count()
}

fn exhausted(history: &History, code: &str) -> bool {
    history
        .ops()
        .iter()
        .any(|o| o.code == code && o.outcome == Outcome::Failed(ErrorCode::Exhausted))
}

/// Outcomes of a set of ops, counted by kind, for the report.
fn summary<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> String {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for o in outcomes {
        let kind = match o {
            Outcome::Ok(_) => "ok".to_string(),
            Outcome::Failed(code) => format!("failed {code}"),
            Outcome::Unknown(e) => format!("unknown ({e})"),
        };
        *counts.entry(kind).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort();
    counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Polls `done` every 20 ms until it holds; panics with `what()` after `within`.
async fn until(within: Duration, mut done: impl FnMut() -> bool, what: impl Fn() -> String) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{}", what());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (LSN, digest) of node `i`.
async fn digest(cluster: &NsCluster, i: usize) -> Option<(u64, u128)> {
    let client = Client::connect_with(&cluster.nodes[i].addr, cluster.nodes[i].options())
        .await
        .ok()?;
    let d = client.digest().await.ok()?;
    Some((d.lsn, d.digest))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_leader_cut_off_from_the_majority_acknowledges_nothing_and_all_converge() {
    let started = Instant::now();
    let cluster = NsCluster::start(3, &[]).await;
    let all = [0, 1, 2];
    let old = cluster.leader_among(&all, ELECTION).await;
    let majority: Vec<usize> = all.iter().copied().filter(|&i| i != old).collect();
    eprintln!(
        "3 nodes in namespaces up, node {} leads, after {:?}",
        old + 1,
        started.elapsed()
    );

    let admin = Client::connect_cluster(
        &cluster
            .addrs()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        ClientOptions {
            failover_timeout: Duration::from_secs(20),
            ..cluster.options()
        },
    )
    .await
    .expect("an admin client of the cluster");
    let limited = "PART-LIMITED".to_string();
    let mut codes = vec![limited.clone()];
    admin
        .create_coupon(percent_coupon(&limited, 1000, Some(LIMIT), None))
        .await
        .expect("creating the limited coupon");
    for i in 0..2 {
        let code = format!("PART-BUSY{i}");
        admin
            .create_coupon(percent_coupon(&code, 1000, None, None))
            .await
            .expect("creating a coupon");
        codes.push(code);
    }

    // The load: clients of the whole cluster (following the leader, failing
    // over), and clients pinned to the leader, which keep sending to it
    // after it is cut off.
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(
        cluster.addrs(),
        codes.clone(),
        8,
        Duration::from_secs(20),
        cluster.options(),
        history.clone(),
        stop.clone(),
    );
    let pinned_ops = Arc::new(Mutex::new(Vec::<PinnedOp>::new()));
    let pinned_stop = Arc::new(AtomicBool::new(false));
    let pinned = start_pinned(
        cluster.nodes[old].addr.clone(),
        ClientOptions {
            // Longer than the server's commit timeout (5 s): the answer the
            // cut-off node gives is seen, not a client timeout.
            request_timeout: Duration::from_secs(10),
            ..cluster.nodes[old].options()
        },
        codes.clone(),
        (2, 8),
        history.clone(),
        pinned_ops.clone(),
        pinned_stop.clone(),
    );

    // Some of the limited coupon's uses go before the cut.
    until(
        SERVE,
        || oks(&history, Some(&limited)) >= 20 && oks(&history, None) >= 60,
        || {
            format!(
                "the load barely ran before the cut: {}",
                summary(history.ops().iter().map(|o| &o.outcome))
            )
        },
    )
    .await;
    let limited_before = oks(&history, Some(&limited));
    assert!(
        (limited_before as u64) < LIMIT,
        "the limited coupon was used up before the cut"
    );

    // The cut: the leader alone on one side, the two others on the other.
    cluster.net.cut(&[old], &majority);
    let cut_at = Instant::now();
    let ok_at_cut = oks(&history, None);
    eprintln!(
        "cut node {} off from nodes {:?} at {:?}: {ok_at_cut} ok so far ({limited_before} of \
         {limited}'s {LIMIT} uses)",
        old + 1,
        majority.iter().map(|i| i + 1).collect::<Vec<_>>(),
        started.elapsed()
    );

    // The majority elects a leader of its own...
    let majority_leader = cluster.leader_among(&majority, ELECTION).await;
    let took = cut_at.elapsed();
    let majority_term = cluster.nodes[majority_leader]
        .status()
        .await
        .map_or(0, |s| s.term);
    eprintln!(
        "the majority elected node {} in {took:?} (term {majority_term})",
        majority_leader + 1
    );

    // ...and serves: the load goes on, the limited coupon is used up. The
    // partition lasts until the cut-off node has also answered requests
    // sent to it after the cut (it holds them for its commit timeout).
    let ok_at_election = oks(&history, None);
    let pinned_done_after_cut = || {
        pinned_ops
            .lock()
            .unwrap()
            .iter()
            .filter(|o| o.invoked >= cut_at)
            .count()
    };
    until(
        SERVE,
        || {
            oks(&history, None) >= ok_at_election + 100
                && exhausted(&history, &limited)
                && pinned_done_after_cut() >= 1
        },
        || {
            format!(
                "the majority did not serve within {SERVE:?} of the election: {} ok at the \
                 election, now {}; limited used up: {}; pinned requests answered since the cut: {}; \
                 history: {}\nlogs:\n{}",
                ok_at_election,
                oks(&history, None),
                exhausted(&history, &limited),
                pinned_done_after_cut(),
                summary(history.ops().iter().map(|o| &o.outcome)),
                cluster.logs()
            )
        },
    )
    .await;
    let old_view = cluster.nodes[old].status().await;
    eprintln!(
        "the majority served: {} ok since the election, {limited} used up, {:?} after the cut; \
         the cut-off node says: {:?}",
        oks(&history, None) - ok_at_election,
        cut_at.elapsed(),
        old_view.as_ref().map(|s| (s.role, s.term, s.leader_id))
    );

    // Heal. The pinned clients stop: whatever they sent after the cut (some
    // answered only after the heal) is judged.
    cluster.net.heal();
    let heal_at = Instant::now();
    pinned_stop.store(true, Ordering::Relaxed);
    pinned.await.unwrap();
    let during: Vec<PinnedOp> = pinned_ops
        .lock()
        .unwrap()
        .drain(..)
        .filter(|o| o.invoked >= cut_at)
        .collect();
    let outcomes: HashMap<String, Outcome> = history
        .ops()
        .into_iter()
        .map(|o| (o.order, o.outcome))
        .collect();
    let answered_cut_off = during.iter().filter(|o| o.completed < heal_at);
    eprintln!(
        "healed after {:?} cut off; of the requests sent to the cut-off node after the cut, \
         answered before the heal: {}; after: {}",
        heal_at - cut_at,
        summary(answered_cut_off.map(|o| &outcomes[&o.order])),
        summary(
            during
                .iter()
                .filter(|o| o.completed >= heal_at)
                .map(|o| &outcomes[&o.order])
        )
    );
    let acknowledged: Vec<String> = during
        .iter()
        .filter(|o| o.result.is_ok())
        .map(|o| {
            format!(
                "{} {} sent +{}ms after the cut, answered +{}ms: {:?}",
                o.code,
                o.order,
                (o.invoked - cut_at).as_millis(),
                (o.completed - cut_at).as_millis(),
                o.result
            )
        })
        .collect();
    assert!(
        acknowledged.is_empty(),
        "the cut-off node acknowledged requests sent after the cut (healed +{}ms): \
         {acknowledged:#?}\nlogs:\n{}",
        (heal_at - cut_at).as_millis(),
        cluster.logs()
    );

    // Converge: everyone follows one leader, the cut-off node catching up
    // with it under load...
    let deadline = Instant::now() + CONVERGE;
    let (leader, target) = loop {
        if let Some(leader) = cluster.agreed_leader(&all).await {
            let statuses = cluster.statuses(&[leader, old]).await;
            if let (Some(Some(l)), Some(Some(o))) = (statuses.get(&leader), statuses.get(&old)) {
                if leader != old && o.role == NodeRole::Follower && o.lsn >= l.lsn {
                    break (leader, l.lsn);
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "node {} did not rejoin within {CONVERGE:?} of the heal: {:?}\nlogs:\n{}",
            old + 1,
            cluster.statuses(&all).await,
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!(
        "node {} follows node {} and caught up (LSN {target}) {:?} after the heal",
        old + 1,
        leader + 1,
        heal_at.elapsed()
    );

    // ...then, the load stopped, every node holds the same state, and the
    // cut-off node follows.
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    let deadline = Instant::now() + CONVERGE;
    let (leader, digests) = loop {
        let mut digests = Vec::new();
        for i in all {
            digests.push(digest(&cluster, i).await);
        }
        let leader = cluster.agreed_leader(&all).await;
        if digests.iter().all(|d| d.is_some() && *d == digests[0]) {
            if let Some(leader) = leader.filter(|&l| l != old) {
                break (leader, digests);
            }
        }
        assert!(
            Instant::now() < deadline,
            "the nodes did not converge within {CONVERGE:?}: digests {digests:?}, leader \
             {leader:?}\nlogs:\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let statuses = cluster.statuses(&all).await;
    let old_status = statuses[&old].as_ref().expect("the old leader's status");
    assert_eq!(old_status.role, NodeRole::Follower, "{old_status:?}");
    let term = statuses[&leader]
        .as_ref()
        .expect("the leader's status")
        .term;
    eprintln!(
        "converged at LSN {} {:?} after the heal; node {} leads in term {term} (the majority's \
         first leader: node {} in term {majority_term}){}",
        digests[0].unwrap().0,
        heal_at.elapsed(),
        leader + 1,
        majority_leader + 1,
        if term > majority_term {
            ": leadership changed after the heal"
        } else {
            ""
        }
    );

    // The whole history against the leader's state.
    let checked = Instant::now();
    let reader = cluster.nodes[leader].client().await;
    let limits = HashMap::from([(limited.clone(), LIMIT)]);
    history.check(&reader, &limits).await;
    let coupon = reader
        .get_coupon(CouponRef::Code(limited.clone()))
        .await
        .expect("the limited coupon");
    assert_eq!(coupon.current_usage, LIMIT, "{limited} was not used up");
    // Nothing the cut-off node took in while cut off survives: it could
    // commit none of it, and the majority's log replaced its own.
    for op in &during {
        let found = reader
            .get_redemption(RedemptionRef::Order {
                code: op.code.clone(),
                order_id: op.order.clone(),
            })
            .await;
        assert_eq!(
            found.as_ref().err().and_then(|e| e.code()),
            Some(ErrorCode::NotFound),
            "{} sent to the cut-off node +{}ms after the cut ({:?}) is stored: {found:?}",
            op.order,
            (op.invoked - cut_at).as_millis(),
            op.result
        );
    }
    let ops = history.ops();
    eprintln!(
        "history of {} requests checked in {:?}: {}; whole test {:?}",
        ops.len(),
        checked.elapsed(),
        summary(ops.iter().map(|o| &o.outcome)),
        started.elapsed()
    );
}
