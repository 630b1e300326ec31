//! Replication with real processes on loopback: followers converge to the
//! leader's digest under load, survive kill -9, catch up from a snapshot once
//! the leader's log has moved on, survive a faulty network, and a failover
//! with --sync-replicas 1 loses no acknowledged redemption.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{percent_coupon, redeem_request, Server};
use couponsd_client::wire::{ErrorCode, NodeRole, RedemptionRef, RedemptionStatus};
use couponsd_client::{Client, ClientError, ClientOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CONVERGE: Duration = Duration::from_secs(30);

/// Redeems unique orders over `connections` connections until `stop`,
/// spread over `codes`. Returns the (code, order id) of every redemption the
/// server acknowledged; failures (a killed server) are expected and skipped.
fn start_load(
    addr: String,
    codes: Vec<String>,
    connections: usize,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<(String, String)>> {
    tokio::spawn(async move {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for c in 0..connections {
            let (addr, codes, stop, acked) =
                (addr.clone(), codes.clone(), stop.clone(), acked.clone());
            tasks.push(tokio::spawn(async move {
                let options = ClientOptions {
                    request_timeout: Duration::from_secs(5),
                    connect_timeout: Duration::from_secs(1),
                    ..ClientOptions::default()
                };
                let Ok(client) = Client::connect_with(&addr, options).await else {
                    return;
                };
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let code = &codes[(c + i as usize) % codes.len()];
                    let order = format!("load-{c}-{i}");
                    let customer = format!("cust-{c}-{i}");
                    i += 1;
                    match client
                        .redeem(redeem_request(code, &order, &customer, 10_000))
                        .await
                    {
                        Ok(_) => acked.lock().unwrap().push((code.clone(), order)),
                        Err(ClientError::Server { .. }) => {}
                        Err(_) => return,
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
        let acked = acked.lock().unwrap().clone();
        acked
    })
}

async fn create_coupons(
    client: &Client,
    prefix: &str,
    n: usize,
    limit: Option<u64>,
) -> Vec<String> {
    let mut codes = Vec::new();
    for i in 0..n {
        let code = format!("{prefix}{i}");
        client
            .create_coupon(percent_coupon(&code, 1000, limit, None))
            .await
            .expect("creating a coupon");
        codes.push(code);
    }
    codes
}

async fn digest(server: &Server) -> (u64, u128) {
    let d = server.client().await.digest().await.expect("digest");
    (d.lsn, d.digest)
}

/// Waits for every follower to reach the leader's LSN, then compares digests.
async fn assert_converged(leader: &Server, followers: &[&Server]) {
    let lsn = leader
        .client()
        .await
        .server_info()
        .await
        .expect("leader info")
        .lsn;
    let expected = digest(leader).await;
    assert_eq!(expected.0, lsn, "the leader moved while idle");
    for f in followers {
        f.wait_for_lsn(lsn, CONVERGE).await;
        assert_eq!(
            digest(f).await,
            expected,
            "follower {} differs from the leader at LSN {lsn}",
            f.addr
        );
    }
}

/// How many times a node started following with a snapshot, by its log.
fn snapshots_taken(node: &Server) -> usize {
    node.log()
        .lines()
        .filter(|l| l.contains("following") && l.contains("\"SNAPSHOT\""))
        .count()
}

async fn wait_for_followers(leader: &Server, n: usize) {
    let client = leader.client().await;
    let deadline = Instant::now() + CONVERGE;
    loop {
        let status = client.replication_status().await.expect("status");
        if status.followers.len() >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {} followers connected",
            status.followers.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_followers_match_the_leader_after_a_redeem_load() {
    let leader = Server::start().await;
    let f1 = Server::start_with(&["--replica-of", &leader.addr]).await;
    let f2 = Server::start_with(&["--replica-of", &leader.addr]).await;
    let admin = leader.client().await;
    let codes = create_coupons(&admin, "REPL", 8, None).await;
    wait_for_followers(&leader, 2).await;

    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(leader.addr.clone(), codes.clone(), 16, stop.clone());
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let acked = load.await.unwrap();
    assert!(acked.len() > 500, "the load barely ran: {}", acked.len());
    assert_converged(&leader, &[&f1, &f2]).await;

    // The leader reports both followers caught up.
    let status = admin.replication_status().await.unwrap();
    assert_eq!(status.role, NodeRole::Leader);
    assert_eq!(status.followers.len(), 2);
    for f in &status.followers {
        assert_eq!(f.acked_lsn, status.lsn, "{f:?}");
        assert_eq!(f.lag_records, 0);
    }

    // Followers serve reads from their own state.
    let reader = f1.client().await;
    let v = reader
        .validate(&codes[0], common::order("someone", 10_000))
        .await
        .unwrap();
    assert!(v.valid);
    let (code, order) = &acked[acked.len() / 2];
    let got = reader
        .get_redemption(RedemptionRef::Order {
            code: code.clone(),
            order_id: order.clone(),
        })
        .await
        .unwrap();
    assert_eq!(got.redemption.status, RedemptionStatus::Processed);
    let status = reader.replication_status().await.unwrap();
    assert_eq!(status.role, NodeRole::Follower);
    assert_eq!(status.leader, leader.addr);
    assert!(status.connected);

    // Writes on a follower: NOT_LEADER naming the leader, nothing applied...
    let strict = f1
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
        }) => assert_eq!(named, leader.addr),
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
}

/// Redeems `total` unique orders of `code` as fast as the server takes them:
/// `connections` connections with `in_flight` requests pipelined on each.
async fn redeem_burst(addr: &str, code: &str, total: usize, connections: usize, in_flight: usize) {
    let per_connection = total / connections;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (addr, code) = (addr.to_string(), code.to_string());
        tasks.push(tokio::spawn(async move {
            let client = Arc::new(Client::connect(&addr).await.expect("connecting"));
            let next = Arc::new(AtomicU64::new(0));
            let mut lanes = Vec::new();
            for _ in 0..in_flight {
                let (client, next, code) = (client.clone(), next.clone(), code.clone());
                lanes.push(tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                        if i >= per_connection {
                            return;
                        }
                        let order = format!("burst-{c}-{i}");
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
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_100_000_records_behind_catches_up() {
    // Far more than one REPL_RECORDS frame holds (512 KiB): the stream must
    // cut the backlog into many whole frames, each with its own checksum.
    const BEHIND: usize = 100_000;
    let leader = Server::start().await;
    let mut follower = Server::start_with(&["--replica-of", &leader.addr]).await;
    let admin = leader.client().await;
    let code = create_coupons(&admin, "BEHIND", 1, None).await.remove(0);
    let before = admin.server_info().await.unwrap().lsn;
    follower.wait_for_lsn(before, CONVERGE).await;
    follower.kill9();
    redeem_burst(&leader.addr, &code, BEHIND, 16, 16).await;
    let lsn = admin.server_info().await.unwrap().lsn;
    assert_eq!(lsn, before + BEHIND as u64, "one record per redemption");

    follower.restart().await;
    assert_converged(&leader, &[&follower]).await;
    let log = follower.log();
    assert!(
        !log.contains("checksum"),
        "the follower refused a frame on its way:\n{log}"
    );
    assert_eq!(
        snapshots_taken(&follower),
        1,
        "it resumed from the log:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_killed_mid_load_catches_up_after_restart() {
    let leader = Server::start().await;
    let mut follower = Server::start_with(&["--replica-of", &leader.addr]).await;
    let admin = leader.client().await;
    let codes = create_coupons(&admin, "KILL", 8, None).await;
    wait_for_followers(&leader, 1).await;

    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(leader.addr.clone(), codes, 16, stop.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;
    follower.kill9();
    tokio::time::sleep(Duration::from_millis(700)).await;
    follower.restart().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();
    assert_converged(&leader, &[&follower]).await;
    // It resumed from its own log position, not from a snapshot.
    let snapshots = snapshots_taken(&follower);
    assert_eq!(snapshots, 1, "only the first join takes a snapshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_behind_the_retained_log_catches_up_from_a_snapshot() {
    let leader = Server::start_with(&[
        "--checkpoint-records",
        "200",
        "--log-retention-records",
        "100",
    ])
    .await;
    let mut follower = Server::start_with(&["--replica-of", &leader.addr]).await;
    let admin = leader.client().await;
    let codes = create_coupons(&admin, "SNAP", 4, None).await;
    wait_for_followers(&leader, 1).await;
    follower.kill9();

    // Enough records that a checkpoint lets the log be cut past the follower.
    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(leader.addr.clone(), codes, 16, stop.clone());
    let deadline = Instant::now() + Duration::from_secs(20);
    while admin.server_info().await.unwrap().lsn < 4000 {
        assert!(Instant::now() < deadline, "the load is too slow");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, Ordering::Relaxed);
    load.await.unwrap();

    follower.restart().await;
    assert_converged(&leader, &[&follower]).await;
    let snapshots = snapshots_taken(&follower);
    assert_eq!(
        snapshots,
        2,
        "the restart needed a second snapshot:\n{}",
        follower.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_follower_joins_a_leader_whose_checkpoint_holds_only_coupons() {
    // Coupons alone leave the checkpointed state empty: a checkpoint with no
    // chunks, which still says where the snapshot's log starts.
    let leader = Server::start_with(&["--checkpoint-records", "100"]).await;
    let admin = leader.client().await;
    create_coupons(&admin, "ONLY", 400, None).await;
    // The checkpointer starts after a batch that passes the threshold.
    tokio::time::sleep(Duration::from_millis(300)).await;
    create_coupons(&admin, "MORE", 5, None).await;
    let follower = Server::start_with(&["--replica-of", &leader.addr]).await;
    assert_converged(&leader, &[&follower]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_replica_failover_keeps_every_acknowledged_redemption() {
    const LIMIT: u64 = 600;
    let mut leader =
        Server::start_with(&["--sync-replicas", "1", "--sync-timeout-ms", "3000"]).await;
    let mut f1 = Server::prepare();
    let mut f2 = Server::prepare();
    // Each follower knows every node that may lead; it reaches the leader
    // through a proxy that the test stalls just before killing the leader.
    let mode = Arc::new(AtomicU8::new(PASS));
    let generation = Arc::new(AtomicU64::new(0));
    let via = proxy(leader.addr.clone(), mode.clone(), generation.clone()).await;
    let f1_peers = format!("{via},{}", f2.addr);
    let f2_peers = format!("{via},{}", f1.addr);
    f1.launch(&["--replica-of", &f1_peers]).await;
    f2.launch(&["--replica-of", &f2_peers]).await;
    wait_for_followers(&leader, 2).await;
    let admin = leader.client().await;
    // One coupon whose limit the load reaches, one that keeps records coming.
    let code = create_coupons(&admin, "LIMITED", 1, Some(LIMIT))
        .await
        .remove(0);
    let busy = create_coupons(&admin, "BUSY", 1, None).await.remove(0);

    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(
        leader.addr.clone(),
        vec![code.clone(), busy],
        24,
        stop.clone(),
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The followers stop hearing from the leader, which goes on committing:
    // only --sync-replicas keeps it from acknowledging what they lack.
    mode.store(STALL, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    leader.kill9();
    generation.fetch_add(1, Ordering::SeqCst);
    mode.store(PASS, Ordering::SeqCst);
    stop.store(true, Ordering::Relaxed);
    let acked = load.await.unwrap();
    assert!(
        !acked.is_empty(),
        "nothing was acknowledged before the kill"
    );

    // Promote the most advanced follower.
    let lsn1 = f1.client().await.replication_status().await.unwrap().lsn;
    let lsn2 = f2.client().await.replication_status().await.unwrap().lsn;
    let (new_leader, other) = if lsn1 >= lsn2 { (&f1, &f2) } else { (&f2, &f1) };
    let client = new_leader.client().await;
    let (epoch, _) = client.promote().await.expect("promote");
    assert_eq!(epoch, 2);

    // Every acknowledged redemption is there.
    for (code, order) in &acked {
        let r = client
            .get_redemption(RedemptionRef::Order {
                code: code.clone(),
                order_id: order.clone(),
            })
            .await
            .unwrap_or_else(|e| panic!("acknowledged order {order} lost in the failover: {e}"));
        assert_eq!(r.redemption.status, RedemptionStatus::Processed);
    }
    // The limit holds across the failover: use the rest, then one more is refused.
    let mut i = 0;
    loop {
        i += 1;
        match client
            .redeem(redeem_request(
                &code,
                &format!("after-{i}"),
                &format!("a{i}"),
                10_000,
            ))
            .await
        {
            Ok(_) => {}
            Err(e) if e.code() == Some(ErrorCode::Exhausted) => break,
            Err(e) => panic!("redeem on the new leader: {e}"),
        }
        assert!(i <= LIMIT as usize, "the limit is not enforced");
    }
    let coupon = client
        .get_coupon(couponsd_client::wire::CouponRef::Code(code.clone()))
        .await
        .unwrap();
    assert_eq!(coupon.current_usage, LIMIT);
    let processed = common::all_redemptions(&client, coupon.id)
        .await
        .into_iter()
        .filter(|r| r.status == RedemptionStatus::Processed)
        .count();
    assert_eq!(processed as u64, LIMIT);

    // The other follower finds the new leader; the old leader rejoins as a follower.
    leader
        .restart_with(&["--replica-of", &new_leader.addr])
        .await;
    let old = leader.client().await.replication_status().await.unwrap();
    assert_eq!(old.role, NodeRole::Follower);
    assert_converged(new_leader, &[other, &leader]).await;

    // The old leader committed writes during the stall that no follower got
    // (so none was acknowledged): cut off, kept in a divergence file.
    let diverged = divergence_records(&leader.data_dir());
    assert!(
        !diverged.is_empty(),
        "no divergence file:\n{}",
        leader.log()
    );
    let acked_orders: std::collections::HashSet<&str> =
        acked.iter().map(|(_, order)| order.as_str()).collect();
    for record in &diverged {
        for effect in &record.effects {
            if let couponsd::state::Effect::Redemption(r) = effect {
                assert!(
                    !acked_orders.contains(r.order_id.as_str()),
                    "acknowledged order {} was in the diverged tail",
                    r.order_id
                );
            }
        }
    }
    let status = client.replication_status().await.unwrap();
    assert_eq!(status.epoch, 2);
    assert_eq!(status.followers.len(), 2, "{status:?}");
}

/// The records in a node's divergence files (u32 length, then a log record).
fn divergence_records(dir: &std::path::Path) -> Vec<couponsd::state::LogRecord> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("divergence-") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let mut at = 0;
        while at < bytes.len() {
            let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            let raw = &bytes[at + 4..at + 4 + len];
            out.push(couponsd::state::LogRecord::decode(raw).expect("a whole record"));
            at += 4 + len;
        }
    }
    out
}

/// What the proxy does with the bytes it carries.
const PASS: u8 = 0;
const STALL: u8 = 1;

/// A TCP proxy in front of `target`: forwards while `mode` is PASS, holds
/// everything while STALL, and cuts every open connection when `generation`
/// moves (odd generations with a reset, even ones with a plain close).
async fn proxy(target: String, mode: Arc<AtomicU8>, generation: Arc<AtomicU64>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let Ok((inbound, _)) = listener.accept().await else {
                return;
            };
            let Ok(outbound) = TcpStream::connect(&target).await else {
                continue;
            };
            let born = generation.load(Ordering::SeqCst);
            tokio::spawn(pipe(
                inbound,
                outbound,
                mode.clone(),
                generation.clone(),
                born,
            ));
        }
    });
    addr
}

async fn pipe(
    mut a: TcpStream,
    mut b: TcpStream,
    mode: Arc<AtomicU8>,
    generation: Arc<AtomicU64>,
    born: u64,
) {
    let (mut buf_a, mut buf_b) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    loop {
        let now = generation.load(Ordering::SeqCst);
        if now != born {
            if now % 2 == 1 {
                // SO_LINGER 0: closing sends a reset.
                let _ = socket2::SockRef::from(&a).set_linger(Some(Duration::ZERO));
                let _ = socket2::SockRef::from(&b).set_linger(Some(Duration::ZERO));
            }
            return;
        }
        if mode.load(Ordering::SeqCst) == STALL {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        tokio::select! {
            r = a.read(&mut buf_a) => match r {
                Ok(n) if n > 0 => if b.write_all(&buf_a[..n]).await.is_err() { return },
                _ => return,
            },
            r = b.read(&mut buf_b) => match r {
                Ok(n) if n > 0 => if a.write_all(&buf_b[..n]).await.is_err() { return },
                _ => return,
            },
            _ = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_resumes_without_gaps_through_stalls_drops_and_resets() {
    let leader = Server::start().await;
    let mode = Arc::new(AtomicU8::new(PASS));
    let generation = Arc::new(AtomicU64::new(0));
    let via = proxy(leader.addr.clone(), mode.clone(), generation.clone()).await;
    let follower = Server::start_with(&["--replica-of", &via]).await;
    let admin = leader.client().await;
    let codes = create_coupons(&admin, "PROXY", 8, None).await;
    wait_for_followers(&leader, 1).await;

    let stop = Arc::new(AtomicBool::new(false));
    let load = start_load(leader.addr.clone(), codes, 16, stop.clone());
    let pause = || tokio::time::sleep(Duration::from_millis(500));
    pause().await;
    mode.store(STALL, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    mode.store(PASS, Ordering::SeqCst);
    pause().await;
    generation.fetch_add(1, Ordering::SeqCst); // reset
    pause().await;
    generation.fetch_add(1, Ordering::SeqCst); // close
    pause().await;
    generation.fetch_add(1, Ordering::SeqCst); // reset again, then a stall on the new connection
    mode.store(STALL, Ordering::SeqCst);
    pause().await;
    mode.store(PASS, Ordering::SeqCst);
    pause().await;
    stop.store(true, Ordering::Relaxed);
    let acked = load.await.unwrap();
    assert!(acked.len() > 500);
    assert_converged(&leader, &[&follower]).await;
    let log = follower.log();
    assert!(
        log.contains("replication session ended"),
        "the faults never broke the stream:\n{log}"
    );
    for refused in ["does not follow", "checksum", "corrupt"] {
        assert!(
            !log.contains(refused),
            "the follower saw {refused:?}:\n{log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn campaigns_codes_budgets_and_refunds_replicate() {
    use couponsd_client::wire::{CampaignSpec, CampaignStatus, CouponSpec};
    let leader = Server::start().await;
    let follower = Server::start_with(&["--replica-of", &leader.addr]).await;
    let admin = leader.client().await;
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
    assert_converged(&leader, &[&follower]).await;
    let reader = follower.client().await;
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
    // A follower never generates codes itself: its writes go to the leader.
    let v = reader
        .validate(&codes[50].code, common::order("someone", 10_000))
        .await
        .unwrap();
    assert!(v.valid, "{v:?}");
}
