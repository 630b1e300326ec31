//! Clusters of real processes on loopback: failover after kill -9 with every
//! acknowledged redemption kept, restarts that never make a second leader, a
//! paused leader deposed, reads that wait out slow followers, members added
//! under load (from a snapshot), the log's bound in bytes, a node far behind
//! catching up, and follower reads. Partitions are in `partition.rs`
//! (network namespaces).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::history::{start_load, History, Outcome};
use common::{percent_coupon, redeem_request, Cluster, Server};
use couponsd_client::wire::{
    CouponRef, CouponSpec, ErrorCode, NodeRole, PeriodLimits, RedemptionRef, RedemptionStatus,
};
use couponsd_client::{Client, ClientError, ClientOptions};

const CONVERGE: Duration = Duration::from_secs(60);
/// Elections on this shared 2-core machine, with tests running beside each
/// other, can take longer than the few seconds they take alone.
const ELECTION: Duration = Duration::from_secs(15);

async fn create_coupons(
    client: &Client,
    prefix: &str,
    n: usize,
    limit: Option<u64>,
) -> Vec<String> {
    let mut codes = Vec::new();
    for i in 0..n {
        let code = format!("{prefix}{i}");
        // Limits per period far above any load here: every use is also
        // counted per customer and per day, and those counts must converge.
        let spec = CouponSpec {
            period_limits: PeriodLimits {
                customer_per_month: Some(1_000_000),
                per_day: Some(1_000_000),
                ..PeriodLimits::default()
            },
            ..percent_coupon(&code, 1000, limit, None)
        };
        client.create_coupon(spec).await.expect("creating a coupon");
        codes.push(code);
    }
    codes
}

async fn cluster_client(cluster: &Cluster) -> Client {
    let options = ClientOptions {
        failover_timeout: Duration::from_secs(20),
        ..ClientOptions::default()
    };
    Client::connect_cluster(&cluster.addrs(), options)
        .await
        .expect("a client of the cluster")
}

async fn digest(server: &Server) -> (u64, u128) {
    let d = server.client().await.digest().await.expect("digest");
    (d.lsn, d.digest)
}

/// Waits until every running node has the leader's LSN, then compares digests.
async fn assert_converged(cluster: &mut Cluster) {
    let leader = cluster.leader(ELECTION).await;
    let expected = digest(&cluster.nodes[leader]).await;
    for i in 0..cluster.nodes.len() {
        if !cluster.nodes[i].is_running() {
            continue;
        }
        cluster.nodes[i].wait_for_lsn(expected.0, CONVERGE).await;
        assert_eq!(
            digest(&cluster.nodes[i]).await,
            expected,
            "node {} differs from the leader at LSN {}",
            i + 1,
            expected.0
        );
    }
}

/// Waits until the nodes other than `gone` agree on a leader among them.
async fn new_leader(cluster: &mut Cluster, gone: usize) -> (usize, Duration) {
    let started = Instant::now();
    let leader = cluster.leader(ELECTION).await;
    assert_ne!(leader, gone);
    (leader, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_nodes_fail_over_without_losing_an_acknowledged_redemption() {
    const LIMIT: u64 = 300;
    let mut cluster = Cluster::start(3, &[]).await;
    let old = cluster.leader(ELECTION).await;
    let admin = cluster_client(&cluster).await;
    let limited = create_coupons(&admin, "LIMITED", 1, Some(LIMIT)).await;
    let busy = create_coupons(&admin, "BUSY", 2, None).await;
    let codes: Vec<String> = limited.iter().chain(&busy).cloned().collect();

    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let addrs: Vec<String> = cluster.addrs().iter().map(|a| a.to_string()).collect();
    let load = start_load(
        addrs,
        codes,
        16,
        Duration::from_secs(20),
        ClientOptions::default(),
        history.clone(),
        stop.clone(),
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = history.count(|o| matches!(o, Outcome::Ok(_)));
    assert!(before > 100, "the load barely ran: {before}");

    cluster.nodes[old].kill9();
    let (leader, took) = new_leader(&mut cluster, old).await;
    eprintln!("failover after kill -9: a new leader in {took:?}");
    assert!(took < Duration::from_secs(10), "failover took {took:?}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    let after = history.count(|o| matches!(o, Outcome::Ok(_)));
    assert!(
        after > before + 50,
        "no redemptions after the failover ({before} -> {after})"
    );

    // Every acknowledged redemption is on the new leader; the limit held.
    let reader = cluster.nodes[leader].client().await;
    let limits = HashMap::from([(limited[0].clone(), LIMIT)]);
    history.check(&reader, &limits).await;

    // The old leader, restarted as it was, rejoins as a follower and converges.
    let flags = cluster.flags(old);
    cluster.nodes[old].relaunch(&flags).await;
    assert_converged(&mut cluster).await;
    let status = cluster.nodes[old].status().await.unwrap();
    assert_ne!(status.role, NodeRole::Leader);
}

/// Nodes that logged deciding writes in each term, from their logs.
fn deciders_by_term(cluster: &Cluster) -> BTreeMap<u64, BTreeSet<usize>> {
    let mut by_term: BTreeMap<u64, BTreeSet<usize>> = BTreeMap::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        for line in node.log().lines() {
            if !line.contains("leading: deciding writes in this term") {
                continue;
            }
            let term = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("term="))
                .and_then(|t| t.parse::<u64>().ok())
                .expect("a term in the line");
            by_term.entry(term).or_default().insert(i);
        }
    }
    by_term
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_leader_killed_and_restarted_20_times_never_double_redeems() {
    const ROUNDS: usize = 20;
    let mut cluster = Cluster::start(3, &[]).await;
    let admin = cluster_client(&cluster).await;
    let codes = create_coupons(&admin, "ONCE", ROUNDS, Some(1)).await;
    let successes = Arc::new(AtomicU64::new(0));
    let direct = ClientOptions {
        follow_leader: false,
        request_timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    };
    for (round, code) in codes.iter().enumerate() {
        let leader = cluster.leader(ELECTION).await;
        cluster.nodes[leader].kill9();
        let flags = cluster.flags(leader);
        cluster.nodes[leader].relaunch(&flags).await;
        // Every node at once, the restarted one among them, each asked
        // directly (no following), until the coupon is used. (With only two
        // of the three asked, a round whose new leader was the third node
        // heard NOT_LEADER for its whole 20 s and never used the coupon.)
        let sides = [leader, (leader + 1) % 3, (leader + 2) % 3];
        let used = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for (s, &node) in sides.iter().enumerate() {
            let (addr, code, options, successes, used) = (
                cluster.nodes[node].addr.clone(),
                code.clone(),
                direct.clone(),
                successes.clone(),
                used.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut ok = 0;
                let mut attempt = 0;
                // Each side keeps trying until it sees the coupon used up,
                // or (a side that only hears NOT_LEADER) until the other
                // side used it.
                while Instant::now() < deadline && !(used.load(Ordering::SeqCst) && attempt > 20) {
                    attempt += 1;
                    let order = format!("r{round}-side{s}-{attempt}");
                    let result = match Client::connect_with(&addr, options.clone()).await {
                        Ok(c) => c.redeem(redeem_request(&code, &order, &order, 5_000)).await,
                        Err(e) => Err(e),
                    };
                    match result {
                        Ok(_) => {
                            ok += 1;
                            successes.fetch_add(1, Ordering::SeqCst);
                            used.store(true, Ordering::SeqCst);
                        }
                        Err(e) if e.code() == Some(ErrorCode::Exhausted) => return ok,
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
                ok
            }));
        }
        let mut used = 0;
        for t in tasks {
            used += t.await.unwrap();
        }
        assert!(
            used <= 1,
            "round {round}: the single-use {code} was redeemed {used} times"
        );
    }
    let client = cluster_client(&cluster).await;
    for code in &codes {
        let coupon = client
            .get_coupon(CouponRef::Code(code.clone()))
            .await
            .unwrap();
        assert_eq!(coupon.current_usage, 1, "{code} was never or twice used");
    }
    assert_eq!(successes.load(Ordering::SeqCst), ROUNDS as u64);
    let by_term = deciders_by_term(&cluster);
    assert!(
        by_term.len() >= ROUNDS,
        "fewer terms than restarts: {by_term:?}"
    );
    for (term, nodes) in &by_term {
        assert_eq!(nodes.len(), 1, "term {term} was led by nodes {nodes:?}");
    }
    assert_converged(&mut cluster).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paused_leader_is_deposed_and_acknowledges_nothing_stale() {
    let mut cluster = Cluster::start(3, &[]).await;
    let old = cluster.leader(ELECTION).await;
    let admin = cluster_client(&cluster).await;
    let codes = create_coupons(&admin, "PAUSE", 1, Some(1)).await;
    let code = codes[0].clone();
    let on_old = cluster.nodes[old]
        .client_with(ClientOptions {
            follow_leader: false,
            request_timeout: Duration::from_secs(30),
            ..ClientOptions::default()
        })
        .await;

    cluster.nodes[old].signal("STOP");
    // Sent to the paused leader: it cannot answer until it wakes.
    let stale = {
        let (client, code) = (on_old.clone(), code.clone());
        tokio::spawn(async move {
            client
                .redeem(redeem_request(&code, "to-the-paused", "a", 5_000))
                .await
        })
    };
    // The others elect a new leader, which takes the only use.
    let (leader, took) = new_leader_without(&mut cluster, old).await;
    eprintln!("a paused leader was replaced in {took:?}");
    let fresh = cluster.nodes[leader]
        .client()
        .await
        .redeem(redeem_request(&code, "to-the-new", "b", 5_000))
        .await
        .expect("the new leader takes the use");
    cluster.nodes[old].signal("CONT");

    // Woken, the old leader acknowledges nothing it decided alone.
    match stale.await.unwrap() {
        Ok(r) => panic!("the deposed leader acknowledged {r:?}"),
        Err(ClientError::Server { code, .. }) => assert!(
            matches!(
                code,
                ErrorCode::NotLeader
                    | ErrorCode::NotCommitted
                    | ErrorCode::NoQuorum
                    | ErrorCode::Exhausted
            ),
            "{code}"
        ),
        Err(_) => {}
    }
    // A read it answers is never the stale one (the use still free).
    let read = on_old.get_coupon(CouponRef::Code(code.clone())).await;
    if let Ok(coupon) = read {
        let status = cluster.nodes[old].status().await.unwrap();
        assert!(
            coupon.current_usage == 1 || status.role != NodeRole::Leader,
            "a stale read from a node that still says it leads"
        );
    }
    // The cluster's client may be connected to any node, and a follower
    // answers at the LSN it has applied (protocol.md, Cluster): once every
    // node holds the same log, any of them must show the new leader's use
    // and none the paused leader's.
    assert_converged(&mut cluster).await;
    let reader = cluster_client(&cluster).await;
    let got = reader
        .get_redemption(RedemptionRef::Order {
            code: code.clone(),
            order_id: "to-the-paused".into(),
        })
        .await;
    assert_eq!(got.err().and_then(|e| e.code()), Some(ErrorCode::NotFound));
    assert_eq!(
        reader
            .get_redemption(RedemptionRef::Id(fresh.redemption.id))
            .await
            .unwrap()
            .redemption
            .status,
        RedemptionStatus::Processed
    );
    let status = cluster.nodes[old].status().await.unwrap();
    assert_ne!(
        status.role,
        NodeRole::Leader,
        "the woken leader did not step down"
    );
}

/// Waits until the nodes other than `paused` agree on a leader among them
/// (the paused node cannot answer).
async fn new_leader_without(cluster: &mut Cluster, paused: usize) -> (usize, Duration) {
    let started = Instant::now();
    loop {
        let mut leaders = BTreeSet::new();
        for (i, node) in cluster.nodes.iter().enumerate() {
            if i == paused {
                continue;
            }
            if let Some(s) = node.status().await {
                leaders.insert(s.leader_id);
            }
        }
        if let [id] = leaders.into_iter().collect::<Vec<_>>()[..] {
            if id != 0 && id as usize - 1 != paused {
                return (id as usize - 1, started.elapsed());
            }
        }
        assert!(
            started.elapsed() < ELECTION,
            "no new leader:\n{}",
            cluster.logs()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A read-index round's heartbeats get one heartbeat interval (100 ms) to be
/// answered; followers slower than that (here paused for 250 ms, under an
/// election timeout) delay a read on the leader but do not fail it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_waits_out_followers_slow_to_confirm_the_leader() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let admin = cluster_client(&cluster).await;
    let code = create_coupons(&admin, "SLOW", 1, None).await.remove(0);
    let on_leader = cluster.nodes[leader]
        .client_with(ClientOptions {
            follow_leader: false,
            ..ClientOptions::default()
        })
        .await;
    // Warm: the leader's connections to both followers are open.
    on_leader
        .get_coupon(CouponRef::Code(code.clone()))
        .await
        .expect("a read with every node up");

    let followers: Vec<usize> = (0..3).filter(|&i| i != leader).collect();
    for &f in &followers {
        cluster.nodes[f].signal("STOP");
    }
    let read = {
        let (client, code) = (on_leader.clone(), code.clone());
        tokio::spawn(async move { client.get_coupon(CouponRef::Code(code)).await })
    };
    tokio::time::sleep(Duration::from_millis(250)).await;
    for &f in &followers {
        cluster.nodes[f].signal("CONT");
    }
    let coupon = read
        .await
        .unwrap()
        .expect("the read is answered once the followers confirm");
    assert_eq!(coupon.spec.code, code);
    assert_eq!(
        cluster.leader(ELECTION).await,
        leader,
        "no election: the pause was shorter than an election timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_added_under_load_catches_up_from_a_snapshot() {
    // Snapshots often and little log kept: a new node cannot start from the log.
    let flags = ["--snapshot-entries", "50", "--raft-log-keep-entries", "10"];
    let mut cluster = Cluster::start(3, &flags).await;
    let leader = cluster.leader(ELECTION).await;
    let admin = cluster_client(&cluster).await;
    let codes = create_coupons(&admin, "GROW", 4, None).await;
    let history = Arc::new(History::default());
    let stop = Arc::new(AtomicBool::new(false));
    let addrs: Vec<String> = cluster.addrs().iter().map(|a| a.to_string()).collect();
    let load = start_load(
        addrs,
        codes,
        8,
        Duration::from_secs(20),
        ClientOptions::default(),
        history.clone(),
        stop.clone(),
    );
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut newcomer = Server::prepare();
    let mut join = vec!["--node-id", "4", "--join"];
    join.extend_from_slice(&flags);
    newcomer.launch(&join).await;
    let added = cluster.nodes[leader]
        .client_with(ClientOptions {
            request_timeout: Duration::from_secs(120),
            ..ClientOptions::default()
        })
        .await
        .cluster_add(4, &newcomer.addr, true)
        .await
        .expect("adding node 4");
    assert_eq!(added.members.len(), 4);
    assert!(added.members.iter().all(|m| m.voter));
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    cluster.nodes.push(newcomer);
    assert_converged(&mut cluster).await;
    let log = cluster.nodes[3].log();
    assert!(
        log.contains("snapshot installed"),
        "node 4 did not take a snapshot:\n{log}"
    );
    let status = cluster.nodes[3].status().await.unwrap();
    assert_eq!(status.role, NodeRole::Follower);
    assert!(history.count(|o| matches!(o, Outcome::Ok(_))) > 100);
    history
        .check(&cluster.nodes[leader].client().await, &HashMap::new())
        .await;
}

/// Redeems `total` unique orders of `code` as fast as the cluster takes them:
/// `connections` clients with `in_flight` requests pipelined on each.
async fn redeem_burst(
    client: &Client,
    code: &str,
    total: usize,
    connections: usize,
    in_flight: usize,
) {
    let next = Arc::new(AtomicU64::new(0));
    let mut lanes = Vec::new();
    for _ in 0..connections * in_flight {
        let (client, next, code) = (client.clone(), next.clone(), code.to_string());
        lanes.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= total {
                    return;
                }
                let order = format!("burst-{i}");
                client
                    .redeem(redeem_request(&code, &order, &order, 10_000))
                    .await
                    .expect("a redeem of the burst");
            }
        }));
    }
    for lane in lanes {
        lane.await.unwrap();
    }
}

/// The log is bounded in bytes as well as in entries: pipelined batches make
/// entries of tens of KB, which pass a 1 MiB bound long before the entry
/// bound (a snapshot every 10,000 entries, 20,000 kept) would let any go.
/// The oldest go, and a restart after kill -9 still has every redemption.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_raft_log_is_kept_within_its_bound_in_bytes() {
    const REDEEMS: usize = 20_000;
    let mut server = Server::start_with(&["--raft-log-keep-mib", "1"]).await;
    let client = server.client().await;
    let code = create_coupons(&client, "BYTES", 1, None).await.remove(0);
    redeem_burst(&client, &code, REDEEMS, 8, 16).await;
    let status = server.status().await.expect("a status");
    // Some 300 bytes a redemption: about 6 MB of entries.
    assert!(
        status.last_log_index < 5_000,
        "batches of several redemptions: {} entries",
        status.last_log_index
    );
    // 1 MiB is a sixth of the entries or less: at least three quarters go.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = server.status().await.expect("a status");
        let kept = status.last_log_index - status.purged_index;
        if status.purged_index > 0 && kept <= status.last_log_index / 4 {
            break;
        }
        assert!(Instant::now() < deadline, "not purged: {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    server.restart().await;
    let coupon = server
        .client()
        .await
        .get_coupon(CouponRef::Code(code))
        .await
        .expect("the coupon after the restart");
    assert_eq!(coupon.current_usage, REDEEMS as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_100_000_redemptions_behind_catches_up() {
    const BEHIND: usize = 100_000;
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let behind = (leader + 1) % 3;
    let admin = cluster.nodes[leader].client().await;
    let code = create_coupons(&admin, "BEHIND", 1, None).await.remove(0);
    cluster.nodes[behind].kill9();
    let before = admin.server_info().await.unwrap().lsn;
    redeem_burst(&admin, &code, BEHIND, 16, 16).await;
    let lsn = admin.server_info().await.unwrap().lsn;
    assert_eq!(lsn, before + BEHIND as u64, "one record per redemption");

    let flags = cluster.flags(behind);
    cluster.nodes[behind].relaunch(&flags).await;
    assert_converged(&mut cluster).await;
    let log = cluster.nodes[behind].log();
    assert!(
        !log.contains("checksum"),
        "the node refused an entry:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn followers_serve_reads_and_send_writes_to_the_leader() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let follower = (leader + 1) % 3;
    let admin = cluster.nodes[leader].client().await;
    let codes = create_coupons(&admin, "READ", 2, Some(5)).await;
    let r = admin
        .redeem(redeem_request(&codes[0], "o1", "c1", 10_000))
        .await
        .unwrap();
    let lsn = admin.server_info().await.unwrap().lsn;
    cluster.nodes[follower].wait_for_lsn(lsn, CONVERGE).await;

    // The follower answers reads from its own state...
    let reader = cluster.nodes[follower].client().await;
    let got = reader
        .get_redemption(RedemptionRef::Id(r.redemption.id))
        .await
        .unwrap();
    assert_eq!(got.redemption.order_id, "o1");
    let v = reader
        .validate(&codes[1], common::order("someone", 10_000))
        .await
        .unwrap();
    assert!(v.valid);
    // ...and says how far behind it may be.
    let status = reader.cluster_status().await.unwrap();
    assert_eq!(status.role, NodeRole::Follower);
    assert_eq!(status.leader_id, leader as u64 + 1);
    assert_eq!(status.leader_addr, cluster.nodes[leader].addr);
    assert!(status.leader_contact_ms < 5_000, "{status:?}");
    assert_eq!(status.applied_index, status.committed_index);

    // Writes on a follower: NOT_LEADER naming the leader, nothing applied...
    let strict = cluster.nodes[follower]
        .client_with(ClientOptions {
            follow_leader: false,
            ..ClientOptions::default()
        })
        .await;
    match strict
        .redeem(redeem_request(&codes[0], "via-follower", "c", 10_000))
        .await
    {
        Err(ClientError::Server {
            code: ErrorCode::NotLeader,
            leader: named,
            ..
        }) => assert_eq!(named, cluster.nodes[leader].addr),
        other => panic!("expected NOT_LEADER, got {other:?}"),
    }
    // ...and the Rust client follows it to the leader by default.
    let reply = reader
        .redeem(redeem_request(&codes[0], "via-follower", "c", 10_000))
        .await
        .expect("the client follows NOT_LEADER");
    assert!(!reply.replayed);
    admin
        .get_redemption(RedemptionRef::Id(reply.redemption.id))
        .await
        .expect("the redemption is on the leader");
    // The leader's own status: every member caught up.
    let status = admin.cluster_status().await.unwrap();
    assert_eq!(status.role, NodeRole::Leader);
    assert_eq!(status.members.len(), 3);
    assert_converged(&mut cluster).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn campaigns_codes_budgets_and_refunds_replicate() {
    use couponsd_client::wire::{CampaignSpec, CampaignStatus, CouponSpec};
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(ELECTION).await;
    let follower = (leader + 2) % 3;
    let admin = cluster.nodes[leader].client().await;
    let campaign = admin
        .create_campaign(CampaignSpec {
            name: "replicated".into(),
            template: CouponSpec {
                discount_value: 1000,
                currency: "USD".into(),
                usage_limit: Some(1),
                ..CouponSpec::default()
            },
            budget_limit: Some(50_000),
            ..CampaignSpec::default()
        })
        .await
        .unwrap();
    admin.generate_codes(campaign.id, 2_000, 0).await.unwrap();
    let deadline = Instant::now() + CONVERGE;
    while admin
        .get_campaign(campaign.id)
        .await
        .unwrap()
        .coupons_generated
        < 2_000
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    admin
        .set_campaign_status(campaign.id, CampaignStatus::Active)
        .await
        .unwrap();
    let (codes, _) = admin
        .list_campaign_codes(campaign.id, 0, 100)
        .await
        .unwrap();
    for (i, c) in codes.iter().take(20).enumerate() {
        let r = admin
            .redeem(redeem_request(
                &c.code,
                &format!("o{i}"),
                &format!("c{i}"),
                10_000,
            ))
            .await
            .unwrap();
        if i % 4 == 0 {
            admin
                .refund(
                    RedemptionRef::Id(r.redemption.id),
                    2_500,
                    &format!("re{i}"),
                    "",
                )
                .await
                .unwrap();
        }
    }
    assert_converged(&mut cluster).await;
    let reader = cluster.nodes[follower].client().await;
    assert_eq!(
        reader.get_campaign(campaign.id).await.unwrap(),
        admin.get_campaign(campaign.id).await.unwrap()
    );
    assert_eq!(
        reader
            .list_campaign_codes(campaign.id, 0, 100)
            .await
            .unwrap(),
        admin
            .list_campaign_codes(campaign.id, 0, 100)
            .await
            .unwrap()
    );
    let v = reader
        .validate(&codes[50].code, common::order("someone", 10_000))
        .await
        .unwrap();
    assert!(v.valid, "{v:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_learner_follows_and_serves_reads_but_never_leads() {
    let mut leader = Server::start().await;
    let mut learner = Server::prepare();
    learner.launch(&["--node-id", "2", "--join"]).await;
    let admin = leader.client().await;
    let codes = create_coupons(&admin, "LEARN", 1, Some(3)).await;
    let added = admin.cluster_add(2, &learner.addr, false).await.unwrap();
    let member = added.members.iter().find(|m| m.node_id == 2).unwrap();
    assert!(!member.voter, "{added:?}");
    admin
        .redeem(redeem_request(&codes[0], "o1", "c1", 10_000))
        .await
        .unwrap();
    let lsn = admin.server_info().await.unwrap().lsn;
    learner.wait_for_lsn(lsn, CONVERGE).await;
    assert_eq!(digest(&learner).await, digest(&leader).await);
    let status = learner.status().await.unwrap();
    assert_eq!(status.role, NodeRole::Learner);
    let v = learner
        .client()
        .await
        .validate(&codes[0], common::order("someone", 10_000))
        .await
        .unwrap();
    assert_eq!(v.remaining_uses, Some(2));
    // With the only voter gone, a learner does not stand for election.
    leader.kill9();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let status = learner.status().await.unwrap();
    assert_eq!(status.role, NodeRole::Learner, "{status:?}");
    assert_ne!(status.leader_id, 2);
}

/// The command line through a leader change and a lost quorum, as an
/// operator meets them: a write sent to a follower right after the leader
/// died waits for the new leader instead of failing on the dead one, and
/// with no quorum left the refusal and `info` say that no leader exists
/// (not that a disk failed, not "connection refused").
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_command_line_rides_an_election_and_names_a_lost_quorum() {
    let mut cluster = Cluster::start(3, &[]).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let follower = (leader + 1) % 3;
    let last = (leader + 2) % 3;
    let create = |addr: &str, code: &str| {
        common::couponsd_cli(
            addr,
            &["coupon", "create", "--code", code, "--percent", "10"],
        )
    };
    let (status, _, out) = create(&cluster.nodes[follower].addr, "VIA-FOLLOWER");
    assert_eq!(status, 0, "a follower's NOT_LEADER is followed: {out}");

    cluster.nodes[leader].kill9();
    let (status, _, out) = create(&cluster.nodes[follower].addr, "AFTER-FAILOVER");
    assert_eq!(
        status,
        0,
        "the write waits out the election: {out}\n{}",
        cluster.logs()
    );

    let now_leading = cluster.leader(Duration::from_secs(20)).await;
    cluster.nodes[now_leading].kill9();
    let survivor = [follower, last]
        .into_iter()
        .find(|&i| i != now_leading)
        .expect("one node is left");
    let addr = cluster.nodes[survivor].addr.clone();
    let (status, _, out) = create(&addr, "NO-QUORUM");
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("NOT_LEADER") && out.contains("knows of none"),
        "the refusal names the missing leader: {out}"
    );
    let (status, _, out) = common::couponsd_cli(&addr, &["info"]);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains("knows no leader") || out.contains("answers writes with NOT_LEADER"),
        "{out}"
    );
    assert!(out.contains("storage ok"), "{out}");
}
