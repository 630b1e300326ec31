//! SMS distribution (issue 13, point 4), against the real binary: an SMS
//! campaign's codes are POSTed as JSON to a real HTTP gateway on loopback
//! (written here), one request per recipient with their phone, their code
//! and the configured auth header; a gateway's 4xx refusal makes that
//! recipient FAILED with the reason, the others SENT.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{percent_coupon, Server};
use couponsd_client::wire::{
    CampaignSpec, CampaignStatus, CampaignType, DeliveryStatus, DistributionMethod,
    DistributionStrategy, Recipient,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request the gateway got: its headers (lowercased names) and body.
#[derive(Debug, Clone)]
struct Sms {
    headers: Vec<(String, String)>,
    body: serde_json::Value,
}

/// A gateway that answers 400 to `refused_phone` and 200 to every other.
async fn gateway(refused_phone: &'static str) -> (String, Arc<Mutex<Vec<Sms>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/sms", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let got = keep.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut read = BufReader::new(read);
                // Requests on one kept-alive connection, one after another.
                loop {
                    let mut headers = Vec::new();
                    let mut line = String::new();
                    if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    assert!(line.starts_with("POST /v1/sms "), "{line}");
                    loop {
                        line.clear();
                        read.read_line(&mut line).await.unwrap();
                        let l = line.trim_end();
                        if l.is_empty() {
                            break;
                        }
                        let (name, value) = l.split_once(':').unwrap();
                        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
                    }
                    let length: usize = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .map(|(_, v)| v.parse().unwrap())
                        .unwrap();
                    let mut body = vec![0; length];
                    read.read_exact(&mut body).await.unwrap();
                    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
                    let status = if body["to"] == refused_phone {
                        "400 Bad Request"
                    } else {
                        "200 OK"
                    };
                    got.lock().unwrap().push(Sms { headers, body });
                    let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
                    if write.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sms_campaign_posts_each_code_to_the_gateway() {
    let (url, got) = gateway("+15550000002").await;
    let server = Server::start_with(&[
        "--sms-gateway-url",
        &url,
        "--sms-gateway-auth-header",
        "X-Api-Key: test-key-1",
        "--distribution-attempts",
        "2",
    ])
    .await;
    let client = server.client().await;
    let spec = CampaignSpec {
        name: "Text me".into(),
        campaign_type: CampaignType::Personalized,
        template: percent_coupon("", 1500, None, None),
        distribution: DistributionStrategy {
            method: DistributionMethod::Sms,
            batch_size: 10,
            distribution_rate: 1_000_000,
            auto_distribute: false,
        },
        ..CampaignSpec::default()
    };
    let id = client.create_campaign(spec).await.unwrap().id;
    client
        .set_campaign_status(id, CampaignStatus::Active)
        .await
        .unwrap();
    let recipients: Vec<Recipient> = (1..=4)
        .map(|i| Recipient {
            customer_id: format!("c{i}"),
            phone: format!("+1555000000{i}"),
            ..Recipient::default()
        })
        .collect();
    let queued = client.distribute(id, recipients).await.unwrap();
    assert_eq!(queued.len(), 4);

    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let s = client.distribution_status(id, 0, 100).await.unwrap();
        if s.queued == 0 {
            break s;
        }
        assert!(Instant::now() < deadline, "still queued: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((status.sent, status.failed), (3, 1), "{status:?}");
    for entry in &status.entries {
        if entry.recipient.phone == "+15550000002" {
            assert_eq!(entry.status, DeliveryStatus::Failed);
            assert!(entry.reason.contains("HTTP 400"), "{}", entry.reason);
        } else {
            assert_eq!(entry.status, DeliveryStatus::Sent, "{entry:?}");
        }
    }
    // One request per recipient (a 4xx is not tried again), each with the
    // auth header, the recipient's phone and their own code in the text.
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "{got:?}");
    for entry in &status.entries {
        let sms = got
            .iter()
            .find(|s| s.body["to"] == entry.recipient.phone.as_str())
            .unwrap_or_else(|| panic!("no SMS to {}", entry.recipient.phone));
        let text = sms.body["text"].as_str().unwrap();
        assert!(text.contains(&entry.code), "{text}");
        assert!(text.contains("15% off"), "{text}");
        assert!(sms
            .headers
            .iter()
            .any(|(n, v)| n == "x-api-key" && v == "test-key-1"));
        assert!(sms
            .headers
            .iter()
            .any(|(n, v)| n == "content-type" && v == "application/json"));
    }
}

#[test]
fn a_bad_gateway_flag_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(["--sms-gateway-url", "ftp://gateway.example/sms"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--sms-gateway-url"), "{stderr}");
}
