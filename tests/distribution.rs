//! Distribution of codes by email (issue 13, point 4), against the real
//! binary and a real SMTP server on loopback (Python's aiosmtpd, installed
//! by scripts/deps.sh into .venv-test; tests/fixtures/smtp_sink.py writes
//! each message it accepts to a file before answering 250). lettre speaks
//! SMTP over TCP to it. Recipients come from a CSV through the command
//! line; each gets one code, once, whatever is distributed again, and one
//! email with it; after kill -9 in the middle of 10,000 the restarted
//! server sends the rest, and no message recorded SENT before the kill is
//! received twice. In a cluster only the leader sends: when it is killed
//! the new leader sends the rest, and again only the batch in flight may
//! be sent twice.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{couponsd_cli, percent_coupon, redeem_request, Cluster, Server};
use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CampaignType, CouponRef, DeliveryStatus, DistributionEntry,
    DistributionMethod, DistributionStrategy, ErrorCode, EventType, EventsRequest, Recipient,
};
use couponsd_client::Client;
use serde_json::Value;

/// An aiosmtpd server on a free loopback port, writing what it receives to
/// `out` (one JSON line per recipient). Killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = root.join(".venv-test/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run scripts/deps.sh (it installs aiosmtpd)",
            python.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("received.jsonl");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(python)
            .arg(root.join("tests/fixtures/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("its first line");
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        SmtpSink {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    /// couponsd serve's flags to mail through it.
    fn flags(&self) -> Vec<String> {
        [
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &self.port.to_string(),
            "--smtp-tls",
            "none",
            "--mail-from",
            "shop@example.com",
            "--distribution-backoff-ms",
            "50",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    /// Every message received so far, in order.
    fn received(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server(sink: &SmtpSink) -> Server {
    let flags = sink.flags();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    Server::start_with(&flags).await
}

/// An ACTIVE campaign distributing by `method`, `batch_size` a batch, at
/// most `rate` codes an hour.
async fn campaign(
    client: &Client,
    campaign_type: CampaignType,
    method: DistributionMethod,
    batch_size: u32,
    rate: u32,
) -> u64 {
    let spec = CampaignSpec {
        name: "Winter".into(),
        campaign_type,
        template: percent_coupon("", 1000, None, None),
        distribution: DistributionStrategy {
            method,
            batch_size,
            distribution_rate: rate,
            auto_distribute: false,
        },
        ..CampaignSpec::default()
    };
    let id = client.create_campaign(spec).await.unwrap().id;
    client
        .set_campaign_status(id, CampaignStatus::Active)
        .await
        .unwrap();
    id
}

/// Every entry of the campaign's outbox, by customer.
async fn entries(client: &Client, id: u64) -> HashMap<String, DistributionEntry> {
    let mut all = HashMap::new();
    let mut after = 0;
    loop {
        let page = client.distribution_status(id, after, 0).await.unwrap();
        for e in page.entries {
            all.insert(e.recipient.customer_id.clone(), e);
        }
        if page.next_after == 0 {
            return all;
        }
        after = page.next_after;
    }
}

/// Waits until nothing of the campaign is QUEUED.
async fn wait_sent(client: &Client, id: u64, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let s = client.distribution_status(id, 0, 1).await.unwrap();
        if s.queued == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still {} queued of {}",
            s.queued,
            s.total
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn email_of(i: usize) -> String {
    format!("customer{i}@example.com")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_recipient_gets_one_email_once_and_is_tracked() {
    let sink = SmtpSink::start();
    let server = start_server(&sink).await;
    let client = server.client().await;
    let id = campaign(
        &client,
        CampaignType::Personalized,
        DistributionMethod::Email,
        5,
        1_000_000,
    )
    .await;

    // 20 recipients with an email, one without.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("recipients.csv");
    let mut text = String::from("customer_id,email,phone,locale\n");
    for i in 0..20 {
        text.push_str(&format!("c{i},{},,en\n", email_of(i)));
    }
    text.push_str("nomail,,+4915112345678,de\n");
    std::fs::write(&csv, &text).unwrap();
    let csv_arg = csv.display().to_string();
    let id_arg = id.to_string();
    let args = [
        "campaign",
        "distribute",
        "--campaign",
        &id_arg,
        "--recipients",
        &csv_arg,
        "--json",
    ];
    let (status, json, output) = couponsd_cli(&server.addr, &args);
    assert_eq!(status, 0, "{output}");
    assert_eq!(json["recipients"], 21, "{output}");
    assert_eq!(json["queued"], 21, "{output}");
    assert_eq!(json["failed"], 1, "{output}");
    wait_sent(&client, id, Duration::from_secs(30)).await;

    let by_customer = entries(&client, id).await;
    assert_eq!(by_customer.len(), 21);
    let nomail = &by_customer["nomail"];
    assert_eq!(nomail.status, DeliveryStatus::Failed);
    assert!(nomail.reason.contains("no email address"), "{nomail:?}");
    let received = sink.received();
    assert_eq!(
        received.len(),
        20,
        "one email per recipient with an address"
    );
    let mut codes = HashSet::new();
    for i in 0..20 {
        let entry = &by_customer[&format!("c{i}")];
        assert_eq!(entry.status, DeliveryStatus::Sent, "{entry:?}");
        assert!(codes.insert(entry.code.clone()), "codes are distinct");
        // Bound to its customer, as CAMPAIGN_ASSIGN binds.
        let coupon = client
            .get_coupon(CouponRef::Code(entry.code.clone()))
            .await
            .unwrap();
        assert_eq!(coupon.spec.assigned_customer_id, format!("c{i}"));
        let mail: Vec<&Value> = received
            .iter()
            .filter(|m| m["to"] == email_of(i).as_str())
            .collect();
        assert_eq!(mail.len(), 1, "c{i} got one email");
        let mail = mail[0];
        assert_eq!(mail["message_id"], format!("<{id}.c{i}@couponsd>"));
        assert_eq!(mail["multipart"], "multipart/alternative");
        let plain = mail["text"].as_str().unwrap();
        let html = mail["html"].as_str().unwrap();
        assert!(plain.contains(&entry.code), "{plain}");
        assert!(plain.contains("10% off"), "{plain}");
        assert!(
            html.contains(&format!("<strong>{}</strong>", entry.code)),
            "{html}"
        );
        assert!(mail["subject"].as_str().unwrap().contains(&entry.code));
    }
    let analytics = client.analytics_campaign(id).await.unwrap();
    assert_eq!(analytics.coupons_distributed, 20);
    assert_eq!(analytics.coupons_failed, 1);
    assert_eq!(analytics.coupons_bounced, 0);

    // The same file again: nothing queued, nothing sent again, same codes.
    let (status, json, output) = couponsd_cli(&server.addr, &args);
    assert_eq!(status, 0, "{output}");
    assert_eq!(json["queued"], 0, "{output}");
    assert_eq!(json["already_queued"], 21, "{output}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.received().len(), 20, "nothing sent twice");
    let again = entries(&client, id).await;
    for (customer, entry) in &by_customer {
        assert_eq!(again[customer].code, entry.code);
    }

    // A bounce reported back; a redeemed code.
    let bounced = client
        .report_bounce(id, "c3", "550 mailbox unavailable")
        .await
        .unwrap();
    assert_eq!(bounced.status, DeliveryStatus::Bounced);
    assert_eq!(bounced.reason, "550 mailbox unavailable");
    let refused = client.report_bounce(id, "nomail", "x").await;
    assert_eq!(common::code_of(refused), ErrorCode::InvalidState);
    let code4 = by_customer["c4"].code.clone();
    client
        .redeem(redeem_request(&code4, "order-4", "c4", 10_000))
        .await
        .unwrap();
    let now = entries(&client, id).await;
    assert_eq!(now["c3"].status, DeliveryStatus::Bounced);
    assert_eq!(now["c4"].status, DeliveryStatus::Redeemed);
    let counts = client.distribution_status(id, 0, 1).await.unwrap();
    assert_eq!(
        (
            counts.total,
            counts.queued,
            counts.sent,
            counts.failed,
            counts.bounced,
            counts.redeemed
        ),
        (21, 0, 18, 1, 1, 1)
    );
    let analytics = client.analytics_campaign(id).await.unwrap();
    assert_eq!(analytics.coupons_distributed, 20);
    assert_eq!(analytics.coupons_bounced, 1);

    // The command line's status and export.
    let (status, json, output) = couponsd_cli(
        &server.addr,
        &[
            "campaign",
            "distribution",
            "status",
            "--campaign",
            &id_arg,
            "--json",
        ],
    );
    assert_eq!(status, 0, "{output}");
    assert_eq!(json["sent"], 18, "{output}");
    assert_eq!(json["bounced"], 1, "{output}");
    assert_eq!(json["redeemed"], 1, "{output}");
    let export = dir.path().join("export.csv");
    let export_arg = export.display().to_string();
    let (status, _, output) = couponsd_cli(
        &server.addr,
        &[
            "campaign",
            "distribution",
            "export",
            "--campaign",
            &id_arg,
            "--out",
            &export_arg,
        ],
    );
    assert_eq!(status, 0, "{output}");
    let exported = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<&str> = exported.lines().collect();
    assert_eq!(lines[0], "customer_id,code,status");
    assert_eq!(lines.len(), 22);
    assert!(lines.contains(&format!("c4,{code4},REDEEMED").as_str()));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("nomail,") && l.ends_with(",FAILED")));

    // Events: one code.distributed per email, code.delivery_failed for the
    // recipient without an address and the bounce.
    let batch = client
        .events(EventsRequest {
            from: 0,
            types: EventType::CodeDistributed.bit() | EventType::DeliveryFailed.bit(),
            campaign_id: id,
            max_batch: 1000,
            ..EventsRequest::default()
        })
        .await
        .unwrap();
    let count = |t: EventType| {
        batch
            .events
            .iter()
            .filter(|e| e.event_type == Some(t))
            .count()
    };
    assert_eq!(count(EventType::CodeDistributed), 20);
    assert_eq!(count(EventType::DeliveryFailed), 2);

    // Usage errors exit 2; a bad address is INVALID_ARGUMENT naming it.
    let (status, _, _) = couponsd_cli(
        &server.addr,
        &[
            "campaign",
            "distribute",
            "--campaign",
            &id_arg,
            "--recipients",
            "/no/such/file",
        ],
    );
    assert_eq!(status, 2);
    let bad = client
        .distribute(
            id,
            vec![Recipient {
                customer_id: "zed".into(),
                email: "not-an-address".into(),
                ..Recipient::default()
            }],
        )
        .await;
    let message = format!("{bad:?}");
    assert_eq!(common::code_of(bad), ErrorCode::InvalidArgument);
    assert!(message.contains("zed"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_campaign_sends_nothing_until_resumed() {
    let sink = SmtpSink::start();
    let server = start_server(&sink).await;
    let client = server.client().await;
    let id = campaign(
        &client,
        CampaignType::Bulk,
        DistributionMethod::Email,
        10,
        1_000_000,
    )
    .await;
    client
        .set_campaign_status(id, CampaignStatus::Paused)
        .await
        .unwrap();
    let recipients: Vec<Recipient> = (0..5)
        .map(|i| Recipient {
            customer_id: format!("p{i}"),
            email: email_of(i),
            ..Recipient::default()
        })
        .collect();
    let queued = client.distribute(id, recipients).await.unwrap();
    assert!(queued
        .iter()
        .all(|e| e.created && e.status == DeliveryStatus::Queued));
    // A BULK campaign's recipients get new codes of their own.
    let distinct: HashSet<&str> = queued.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(distinct.len(), 5);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        sink.received().is_empty(),
        "a paused campaign sends nothing"
    );
    client
        .set_campaign_status(id, CampaignStatus::Active)
        .await
        .unwrap();
    wait_sent(&client, id, Duration::from_secs(30)).await;
    assert_eq!(sink.received().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_distributing_ten_thousand_sends_each_recorded_message_once() {
    const RECIPIENTS: usize = 10_000;
    const BATCH: usize = 100;
    let sink = SmtpSink::start();
    let mut server = start_server(&sink).await;
    let client = server.client().await;
    let id = campaign(
        &client,
        CampaignType::Personalized,
        DistributionMethod::Email,
        BATCH as u32,
        u32::MAX,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("recipients.csv");
    let mut text = String::from("customer_id,email\n");
    for i in 0..RECIPIENTS {
        text.push_str(&format!("c{i},{}\n", email_of(i)));
    }
    std::fs::write(&csv, &text).unwrap();
    let started = Instant::now();
    let (status, json, output) = couponsd_cli(
        &server.addr,
        &[
            "campaign",
            "distribute",
            "--campaign",
            &id.to_string(),
            "--recipients",
            &csv.display().to_string(),
            "--json",
        ],
    );
    assert_eq!(status, 0, "{output}");
    assert_eq!(json["queued"], RECIPIENTS, "{output}");

    // Once a good part is out: what is recorded SENT now, then kill -9.
    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.received().len() < RECIPIENTS / 4 {
        assert!(Instant::now() < deadline, "sending is too slow");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recorded_sent: HashSet<String> = entries(&client, id)
        .await
        .into_values()
        .filter(|e| e.status == DeliveryStatus::Sent)
        .map(|e| e.recipient.customer_id)
        .collect();
    server.kill9();
    let received_at_kill = sink.received().len();
    assert!(!recorded_sent.is_empty());
    assert!(
        received_at_kill < RECIPIENTS,
        "the kill came after everything was sent; make the test slower"
    );

    server.restart().await;
    let client = server.client().await;
    wait_sent(&client, id, Duration::from_secs(300)).await;
    let elapsed = started.elapsed();

    let by_customer = entries(&client, id).await;
    assert_eq!(by_customer.len(), RECIPIENTS, "nobody skipped");
    let codes: HashSet<&str> = by_customer.values().map(|e| e.code.as_str()).collect();
    assert_eq!(codes.len(), RECIPIENTS, "one distinct code each");
    assert!(by_customer
        .values()
        .all(|e| e.status == DeliveryStatus::Sent));
    // Bound to their customers (a sample: every hundredth).
    for i in (0..RECIPIENTS).step_by(100) {
        let entry = &by_customer[&format!("c{i}")];
        let coupon = client
            .get_coupon(CouponRef::Code(entry.code.clone()))
            .await
            .unwrap();
        assert_eq!(coupon.spec.assigned_customer_id, format!("c{i}"));
    }

    let received = sink.received();
    let mut by_address: HashMap<&str, Vec<&Value>> = HashMap::new();
    for mail in &received {
        by_address
            .entry(mail["to"].as_str().unwrap())
            .or_default()
            .push(mail);
    }
    for i in 0..RECIPIENTS {
        let customer = format!("c{i}");
        let entry = &by_customer[&customer];
        let mails = by_address
            .get(email_of(i).as_str())
            .cloned()
            .unwrap_or_default();
        assert!(!mails.is_empty(), "{customer} got no email");
        if recorded_sent.contains(&customer) {
            assert_eq!(
                mails.len(),
                1,
                "{customer} was recorded SENT before the kill yet got {} emails",
                mails.len()
            );
        }
        let message_id = format!("<{id}.{customer}@couponsd>");
        assert!(mails
            .iter()
            .all(|m| m["text"].as_str().unwrap().contains(&entry.code)
                && m["message_id"] == message_id.as_str()));
    }
    let duplicates = received.len() - RECIPIENTS;
    assert!(
        duplicates <= BATCH,
        "{duplicates} messages sent twice: more than the one batch in flight"
    );
    let first = received[0]["at"].as_f64().unwrap();
    let last = received[received.len() - 1]["at"].as_f64().unwrap();
    eprintln!(
        "distribution: {RECIPIENTS} recipients, {} messages ({duplicates} sent again after kill -9 at {received_at_kill}), {:.0} emails/s while sending, {:.1} s in all",
        received.len(),
        received.len() as f64 / (last - first).max(0.001),
        elapsed.as_secs_f64()
    );
}

/// In a cluster the sender runs on the leader only; kill -9 of the leader
/// in the middle of a distribution hands it to the new leader, which sends
/// what is left: everyone gets their code, nothing recorded SENT before
/// the kill is sent again, and at most the batch in flight is repeated
/// (the followers sent nothing meanwhile).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_new_leader_sends_the_rest_after_the_leader_is_killed() {
    const RECIPIENTS: usize = 1_000;
    const BATCH: usize = 50;
    let sink = SmtpSink::start();
    let flags = sink.flags();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut cluster = Cluster::start(3, &flags).await;
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let addrs: Vec<String> = cluster.addrs().iter().map(|a| a.to_string()).collect();
    let addrs: Vec<&str> = addrs.iter().map(String::as_str).collect();
    let client = Client::connect_cluster(&addrs, Default::default())
        .await
        .unwrap();
    let id = campaign(
        &client,
        CampaignType::Personalized,
        DistributionMethod::Email,
        BATCH as u32,
        u32::MAX,
    )
    .await;
    let recipients: Vec<Recipient> = (0..RECIPIENTS)
        .map(|i| Recipient {
            customer_id: format!("c{i}"),
            email: email_of(i),
            ..Recipient::default()
        })
        .collect();
    for chunk in recipients.chunks(250) {
        client.distribute(id, chunk.to_vec()).await.unwrap();
    }

    let deadline = Instant::now() + Duration::from_secs(120);
    while sink.received().len() < RECIPIENTS / 4 {
        assert!(Instant::now() < deadline, "sending is too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let recorded_sent: HashSet<String> = entries(&client, id)
        .await
        .into_values()
        .filter(|e| e.status == DeliveryStatus::Sent)
        .map(|e| e.recipient.customer_id)
        .collect();
    cluster.nodes[leader].kill9();
    let received_at_kill = sink.received().len();
    assert!(
        received_at_kill < RECIPIENTS,
        "the kill came after everything was sent; make the test slower"
    );
    let new_leader = cluster.leader(Duration::from_secs(30)).await;
    assert_ne!(new_leader, leader);
    wait_sent(&client, id, Duration::from_secs(300)).await;

    let by_customer = entries(&client, id).await;
    assert_eq!(by_customer.len(), RECIPIENTS);
    assert!(by_customer
        .values()
        .all(|e| e.status == DeliveryStatus::Sent));
    let received = sink.received();
    let mut count_by_address: HashMap<String, usize> = HashMap::new();
    for mail in &received {
        *count_by_address
            .entry(mail["to"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for i in 0..RECIPIENTS {
        let customer = format!("c{i}");
        let got = count_by_address.get(&email_of(i)).copied().unwrap_or(0);
        assert!(got >= 1, "{customer} got no email");
        if recorded_sent.contains(&customer) {
            assert_eq!(
                got, 1,
                "{customer} was recorded SENT before the kill yet got {got}"
            );
        }
    }
    let duplicates = received.len() - RECIPIENTS;
    assert!(
        duplicates <= BATCH,
        "{duplicates} sent twice: more than the one batch in flight"
    );
    eprintln!(
        "leader change while distributing: {RECIPIENTS} recipients, killed at {received_at_kill}, {duplicates} sent again"
    );
}
