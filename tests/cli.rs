//! The command line as scripts use it: the flags the issue names, --json
//! output with the seed's field names, exit codes.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Server;
use serde_json::Value;

fn couponsd(addr: &str, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr])
        .args(args)
        .output()
        .expect("running couponsd");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        stdout + &String::from_utf8_lossy(&out.stderr),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_validate_redeem_reverse_from_the_command_line() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, coupon, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "summer20",
            "--percent",
            "20",
            "--currency",
            "USD",
            "--usage-limit",
            "2",
            "--per-customer-limit",
            "1",
            "--max-discount",
            "50.00",
            "--min-order",
            "100.00",
            "--starts-at",
            "2020-01-01T00:00:00Z",
            "--ends-at",
            "2099-12-31T23:59:59Z",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(coupon["code"], "SUMMER20");
    assert_eq!(coupon["usage_limit"], 2);
    assert_eq!(coupon["usage_limit_per_customer"], 1);
    assert_eq!(coupon["current_usage"], 0);
    assert_eq!(coupon["max_discount_amount"], "50.00");
    assert_eq!(coupon["status"], "ACTIVE");

    let order = [
        "--code",
        "SUMMER20",
        "--customer",
        "customer-123",
        "--order",
        "order-456",
        "--amount",
        "150.00",
        "--currency",
        "USD",
        "--json",
    ];
    let (status, v, out) = couponsd(addr, &[&["validate"][..], &order[..]].concat());
    assert_eq!(status, 0, "{out}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["discount_amount"], "30.00");
    assert_eq!(v["final_amount"], "120.00");
    assert_eq!(v["discount_calculation"]["discount_amount"], "30.00");
    assert_eq!(v["usage_info"]["remaining_uses"], 2);

    let (status, r, out) = couponsd(addr, &[&["redeem"][..], &order[..]].concat());
    assert_eq!(status, 0, "{out}");
    assert_eq!(r["status"], "PROCESSED");
    assert_eq!(r["discount_amount"], "30.00");
    assert_eq!(r["final_amount"], "120.00");
    assert_eq!(r["remaining_uses"], 1);

    // Same customer again: refused, exit 1, typed error in JSON.
    let again = [
        "redeem",
        "--code",
        "SUMMER20",
        "--customer",
        "customer-123",
        "--order",
        "order-789",
        "--amount",
        "150.00",
        "--currency",
        "USD",
        "--json",
    ];
    let (status, e, _) = couponsd(addr, &again);
    assert_eq!(status, 1);
    assert_eq!(e["error"], "CUSTOMER_LIMIT");

    let (status, got, _) = couponsd(addr, &["coupon", "get", "--code", "summer20", "--json"]);
    assert_eq!(status, 0);
    assert_eq!(got["current_usage"], 1);

    let (status, rev, _) = couponsd(
        addr,
        &[
            "reverse",
            "--code",
            "SUMMER20",
            "--order",
            "order-456",
            "--json",
        ],
    );
    assert_eq!(status, 0);
    assert_eq!(rev["status"], "REVERSED");
    let (status, e, _) = couponsd(
        addr,
        &[
            "reverse",
            "--code",
            "SUMMER20",
            "--order",
            "order-456",
            "--json",
        ],
    );
    assert_eq!(status, 1);
    assert_eq!(e["error"], "ALREADY_REVERSED");

    let (status, updated, _) = couponsd(
        addr,
        &[
            "coupon",
            "update",
            "--code",
            "SUMMER20",
            "--usage-limit",
            "10",
            "--json",
        ],
    );
    assert_eq!(status, 0);
    assert_eq!(updated["usage_limit"], 10);
    assert_eq!(updated["revision"], 2);

    let (status, list, _) = couponsd(addr, &["coupon", "list", "--json"]);
    assert_eq!(status, 0);
    assert_eq!(list["coupons"].as_array().map(Vec::len), Some(1));

    // Amounts are exact: more decimals than the currency has is an error, not rounding.
    let (status, _, out) = couponsd(
        addr,
        &[
            "validate",
            "--code",
            "SUMMER20",
            "--amount",
            "150.001",
            "--currency",
            "USD",
        ],
    );
    assert_eq!(status, 2, "{out}");
    assert!(out.contains("more decimals"), "{out}");

    let (status, _, _) = couponsd(addr, &["coupon", "delete", "--code", "summer20"]);
    assert_eq!(status, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_prints_one_json_object() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, _, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "HOT",
            "--percent",
            "10",
            "--usage-limit",
            "100000",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let (status, report, out) = couponsd(
        addr,
        &[
            "bench",
            "--op",
            "redeem",
            "--code",
            "HOT",
            "--connections",
            "4",
            "--duration",
            "1",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let ok = report["ok"].as_u64().expect("ok");
    assert!(ok > 0, "{report}");
    assert_eq!(report["errors"], 0);
    assert!(report["rejected"].is_u64());
    assert!(report["ops_per_sec"].as_u64().unwrap() > 0);
    assert!(report["p99_us"].as_u64().unwrap() >= report["p50_us"].as_u64().unwrap());
    // Every ok redeem used a fresh order: the coupon counted each one.
    let (_, coupon, _) = couponsd(addr, &["coupon", "get", "--code", "HOT", "--json"]);
    assert_eq!(coupon["current_usage"].as_u64(), Some(ok));

    // Orders of three codes, every check on: each ok order used each of
    // its three coupons once.
    let args = [
        "bench",
        "--op",
        "redeem",
        "--coupons",
        "3",
        "--coupon-prefix",
        "TRIO",
        "--codes-per-order",
        "3",
        "--security",
        "on",
        "--connections",
        "2",
        "--requests",
        "30",
        "--json",
    ];
    let (status, report, out) = couponsd(addr, &args);
    assert_eq!(status, 0, "{out}");
    assert_eq!(
        (report["ok"].as_u64(), report["errors"].as_u64()),
        (Some(30), Some(0)),
        "{report}"
    );
    for i in 0..3 {
        let code = format!("TRIO-{i}");
        let (_, coupon, _) = couponsd(addr, &["coupon", "get", "--code", &code, "--json"]);
        assert_eq!(coupon["current_usage"].as_u64(), Some(30), "{code}");
    }
    let (status, _, out) = couponsd(
        addr,
        &[
            "bench",
            "--coupons",
            "2",
            "--codes-per-order",
            "3",
            "--requests",
            "1",
        ],
    );
    assert_eq!(status, 2, "more codes per order than coupons: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discount_rule_flags_and_order_lines() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, bogo, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "bogo",
            "--buy",
            "1",
            "--get",
            "1",
            "--get-percent",
            "50",
            "--currency",
            "USD",
            "--applicable",
            "category in shoes,bags",
            "--applicable",
            "price_range greater_than 10.00",
            "--excluded",
            "tag in clearance",
            "--segments",
            "vip,staff",
            "--channels",
            "web",
            "--email-domains",
            "Example.com",
            "--active-days",
            "mon-sun",
            "--active-hours",
            "00:00-24:00",
            "--time-zone",
            "Europe/Paris",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(bogo["discount_type"], "BUY_X_GET_Y");
    assert_eq!(bogo["discount_value"], "50");
    assert_eq!(
        (bogo["buy_quantity"].as_u64(), bogo["get_quantity"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(bogo["applicable_products"][1]["values"][0], "10.00");
    assert_eq!(bogo["excluded_products"][0]["operator"], "in");
    assert_eq!(
        bogo["customer_segments"],
        serde_json::json!(["vip", "staff"])
    );
    assert_eq!(
        bogo["allowed_email_domains"],
        serde_json::json!(["example.com"])
    );
    assert_eq!(bogo["active_days"].as_array().map(Vec::len), Some(7));
    assert_eq!(bogo["active_hours"]["end"], "24:00");

    // Two pairs of shoes at 80.00 and 60.00, a clearance bag: half off the 60.00 pair.
    let order = [
        "--code",
        "BOGO",
        "--customer",
        "c-1",
        "--amount",
        "204.99",
        "--currency",
        "USD",
        "--channel",
        "WEB",
        "--email",
        "ann@example.com",
        "--segments",
        "vip",
        "--shipping",
        "4.99",
        "--item",
        "sku=S1,category=shoes,price=80.00",
        "--item",
        "sku=S2,category=shoes,price=60.00",
        "--item",
        "sku=B1,category=bags,tags=clearance|new,price=60.00",
        "--json",
    ];
    let (status, v, out) = couponsd(addr, &[&["validate"][..], &order[..]].concat());
    assert_eq!(status, 0, "{out}");
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["applicable_amount"], "140.00");
    assert_eq!(v["discount_amount"], "30.00");
    assert_eq!(v["final_amount"], "174.99");

    let mut other_channel = order;
    other_channel[9] = "store";
    let (status, v, _) = couponsd(addr, &[&["validate"][..], &other_channel[..]].concat());
    assert_eq!(status, 0);
    assert_eq!(v["reason"], "CHANNEL_NOT_ALLOWED");

    // Switching type clears the old type's fields; lists can be cleared with "".
    let (status, updated, out) = couponsd(
        addr,
        &[
            "coupon",
            "update",
            "--code",
            "BOGO",
            "--amount",
            "5.00",
            "--per-line",
            "true",
            "--applicable",
            "",
            "--segments",
            "",
            "--active-days",
            "sat,sun",
            "--active-hours",
            "all",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(updated["discount_type"], "FIXED");
    assert_eq!(updated["apply_per_line"], true);
    assert_eq!(updated["buy_quantity"], 0);
    assert_eq!(updated["applicable_products"], serde_json::json!([]));
    assert_eq!(updated["customer_segments"], serde_json::json!([]));
    assert_eq!(updated["active_days"], serde_json::json!(["sat", "sun"]));
    assert_eq!(updated["active_hours"], Value::Null);

    let (status, _, out) = couponsd(
        addr,
        &[
            "coupon",
            "update",
            "--code",
            "BOGO",
            "--active-hours",
            "9-17",
        ],
    );
    assert_eq!(status, 2, "{out}");
    assert!(out.contains("--active-hours"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_status_add_remove_and_digest_from_the_command_line() {
    // One node alone (the default), then a second one joins it.
    let first = Server::start().await;
    let mut second = Server::prepare();
    second.launch(&["--node-id", "2", "--join"]).await;
    let (status, _, out) = couponsd(
        &first.addr,
        &["coupon", "create", "--code", "REPL10", "--percent", "10"],
    );
    assert_eq!(status, 0, "{out}");
    let (status, _, out) = couponsd(
        &first.addr,
        &[
            "cluster",
            "add",
            "--node-id",
            "2",
            "--node-addr",
            &second.addr,
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("added node 2"), "{out}");
    let lsn = {
        let (_, info, _) = couponsd(&first.addr, &["info", "--json"]);
        assert_eq!(info["role"], "LEADER");
        info["lsn"].as_u64().unwrap()
    };
    second
        .wait_for_lsn(lsn, std::time::Duration::from_secs(20))
        .await;

    // Asked of either node, the status shows both, as each sees itself.
    for asked in [&first.addr, &second.addr] {
        let (status, s, out) = couponsd(asked, &["cluster", "status", "--json"]);
        assert_eq!(status, 0, "{out}");
        assert_eq!(s["leader_id"], 1, "{s}");
        let members = s["members"].as_array().unwrap();
        assert_eq!(members.len(), 2, "{s}");
        assert_eq!(members[0]["role"], "LEADER");
        assert_eq!(members[1]["role"], "FOLLOWER");
        for m in members {
            assert_eq!(m["reachable"], true, "{m}");
            assert_eq!(m["voter"], true, "{m}");
            assert_eq!(m["lsn"], lsn, "{m}");
            assert_eq!(m["term"], s["term"], "{m}");
            assert_eq!(m["lag_entries"], 0, "{m}");
        }
        assert!(
            members[1]["last_contact_ms"].as_u64().unwrap() < 5_000,
            "{s}"
        );
        assert!(
            members[1]["leader_contact_ms"].as_u64().unwrap() < 5_000,
            "{s}"
        );
    }
    let text = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", &second.addr, "cluster", "status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("leader 1 at"), "{text}");

    let (_, a, _) = couponsd(&first.addr, &["digest", "--json"]);
    let (_, b, _) = couponsd(&second.addr, &["digest", "--json"]);
    assert_eq!(a["lsn"], lsn);
    assert_eq!(a["digest"].as_str().unwrap().len(), 32);
    assert_eq!(a["digest"], b["digest"]);

    // Writes on the follower are refused with the leader's address (the CLI
    // follows it, like the Rust client).
    let (status, r, out) = couponsd(
        &second.addr,
        &[
            "redeem",
            "--code",
            "REPL10",
            "--order",
            "o1",
            "--amount",
            "10.00",
            "--currency",
            "USD",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(r["status"], "PROCESSED");

    // Removing a node that is not a member is refused; removing node 2 works.
    let (status, _, out) = couponsd(&first.addr, &["cluster", "remove", "--node-id", "9"]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("NOT_FOUND"), "{out}");
    let (status, _, out) = couponsd(&second.addr, &["cluster", "remove", "--node-id", "2"]);
    assert_eq!(status, 0, "{out}");
    let (_, s, _) = couponsd(&first.addr, &["cluster", "status", "--json"]);
    assert_eq!(s["members"].as_array().unwrap().len(), 1, "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_lifecycle_generation_and_export_from_the_command_line() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, c, out) = couponsd(
        addr,
        &[
            "campaign",
            "create",
            "--campaign-name",
            "Spring",
            "--percent",
            "15",
            "--currency",
            "USD",
            "--usage-limit",
            "1",
            "--budget",
            "500.00",
            "--prefix",
            "SPRING-",
            "--length",
            "8",
            "--check",
            "check-character",
            "--validity-days",
            "30",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(c["status"], "DRAFT");
    assert_eq!(c["budget_limit"], "500.00");
    assert_eq!(c["generation_rules"]["check"], "CHECK_CHARACTER");
    assert_eq!(c["coupon_template"]["validity_days"], 30);
    let id = c["id"].as_u64().unwrap().to_string();
    // A coupon made by hand joins it.
    let (status, joined, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "SPRING-BY-HAND",
            "--percent",
            "5",
            "--currency",
            "USD",
            "--campaign-id",
            &id,
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(joined["campaign_id"].to_string(), id);

    let (status, g, out) = couponsd(
        addr,
        &[
            "campaign",
            "generate",
            "--campaign",
            &id,
            "--count",
            "500",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(g["total_coupons_generated"], 500);

    let export = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
            .args([
                "--addr",
                addr,
                "campaign",
                "export",
                "--campaign",
                &id,
                "--format",
                format,
            ])
            .output()
            .expect("export");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = export("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "coupon_id,code,uses");
    assert_eq!(lines.len(), 501);
    let code = lines[1].split(',').nth(1).unwrap().to_string();
    // Prefix, 8 random characters, the check character.
    assert!(code.starts_with("SPRING-") && code.len() == 16, "{code}");
    let jsonl = export("jsonl");
    assert_eq!(jsonl.lines().count(), 500);
    let first: Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], code.as_str());
    // A reader that stops early (`| head -1`) ends the export quietly.
    let mut child = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr, "campaign", "export", "--campaign", &id])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("export");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("export");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");

    for (verb, expected) in [
        ("activate", "ACTIVE"),
        ("pause", "PAUSED"),
        ("resume", "ACTIVE"),
    ] {
        let (status, c, out) = couponsd(addr, &["campaign", verb, "--id", &id, "--json"]);
        assert_eq!(status, 0, "{verb}: {out}");
        assert_eq!(c["status"], expected);
    }
    let (status, r, out) = couponsd(
        addr,
        &[
            "redeem",
            "--code",
            &code,
            "--order",
            "o1",
            "--amount",
            "100.00",
            "--currency",
            "USD",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(r["discount_amount"], "15.00");
    let (status, r, out) = couponsd(
        addr,
        &[
            "reverse",
            "--code",
            &code,
            "--order",
            "o1",
            "--refund",
            "42.50",
            "--refund-id",
            "re-1",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(r["status"], "PROCESSED");
    assert_eq!(r["reversal"]["discount_returned"], "7.50", "{out}");
    let (_, list, _) = couponsd(
        addr,
        &[
            "redemption",
            "reversals",
            "--code",
            &code,
            "--order",
            "o1",
            "--json",
        ],
    );
    // 15.00 off 100.00, 85.00 paid: refunding half of it gives back half.
    assert_eq!(list["reversals"][0]["refund_amount"], "42.50");
    assert_eq!(list["reversals"][0]["discount_returned"], "7.50");
    let (_, c, _) = couponsd(addr, &["campaign", "get", "--id", &id, "--json"]);
    assert_eq!(c["budget_used"], "7.50");
    let (status, _, out) = couponsd(addr, &["campaign", "cancel", "--id", &id]);
    assert_eq!(status, 0, "{out}");
    let (status, _, out) = couponsd(addr, &["campaign", "activate", "--id", &id]);
    assert_eq!(status, 1, "a cancelled campaign stays cancelled: {out}");
    assert!(out.contains("INVALID_STATE"), "{out}");
    let (status, _, out) = couponsd(addr, &["campaign", "resume", "--id", &id]);
    assert_eq!(status, 1, "a cancelled campaign does not resume: {out}");
    assert!(out.contains("INVALID_STATE"), "{out}");
    // Resuming is for a paused campaign: a DRAFT one is started with
    // `activate`, and resuming an ACTIVE one changes nothing.
    let draft = create_campaign(addr, "Resume");
    let (status, _, out) = couponsd(addr, &["campaign", "resume", "--id", &draft]);
    assert_eq!(status, 2, "only a paused campaign resumes: {out}");
    assert!(out.contains("not PAUSED"), "{out}");
    couponsd(addr, &["campaign", "activate", "--id", &draft]);
    let (status, c, out) = couponsd(addr, &["campaign", "resume", "--id", &draft, "--json"]);
    assert_eq!((status, c["status"].as_str()), (0, Some("ACTIVE")), "{out}");
}

/// Creates a DRAFT campaign, 10% off; returns its id.
fn create_campaign(addr: &str, name: &str) -> String {
    let (status, c, out) = couponsd(
        addr,
        &[
            "campaign",
            "create",
            "--campaign-name",
            name,
            "--percent",
            "10",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    c["id"].as_u64().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_generate_stops_waiting_when_the_campaign_is_cancelled() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let id = create_campaign(addr, "Big");
    // Far more codes than are made before the cancel lands.
    let generate = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr, "campaign", "generate", "--campaign", &id])
        .args(["--count", "3000000", "--length", "10"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("generate");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, c, _) = couponsd(addr, &["campaign", "get", "--id", &id, "--json"]);
        if c["total_coupons_generated"].as_u64() > Some(0) {
            break;
        }
        assert!(Instant::now() < deadline, "no codes generated: {c}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _, out) = couponsd(addr, &["campaign", "cancel", "--id", &id]);
    assert_eq!(status, 0, "{out}");

    let out = wait_at_most(generate, Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("generation stopped: campaign") && stderr.contains("CANCELLED"),
        "{stderr}"
    );
    // What was generated is printed as well.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("codes generated"), "{stdout}");
}

/// The child's output once it exits; kills it and fails after `limit`.
fn wait_at_most(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().expect("waiting").is_none() {
        if Instant::now() >= deadline {
            child.kill().expect("kill");
            let out = child.wait_with_output().expect("waiting");
            panic!(
                "still running after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().expect("waiting")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_to_a_closed_stdout_does_not_panic() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let id = create_campaign(addr, "Piped");
    // `couponsd ... --json | head -c 1`: the reader is gone before the answer.
    for (args, expected) in [
        (&["campaign", "get", "--id", &id][..], 0),
        (&["campaign", "get", "--id", "999"][..], 1),
        (&["campaign", "export", "--campaign", "999"][..], 1),
        (
            &["campaign", "export", "--campaign", &id, "--format", "xml"][..],
            2,
        ),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_couponsd"))
            .args(["--addr", addr, "--json"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("couponsd");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("couponsd");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_id_and_campaign_flags_are_aliases() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let id = create_campaign(addr, "Aliases");
    let (status, c, out) = couponsd(addr, &["campaign", "get", "--campaign", &id, "--json"]);
    assert_eq!(status, 0, "{out}");
    assert_eq!(c["id"].to_string(), id);
    let (status, g, out) = couponsd(
        addr,
        &[
            "campaign", "generate", "--id", &id, "--count", "5", "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(g["total_coupons_generated"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_create_without_a_discount_is_a_usage_error() {
    let server = Server::start().await;
    let (status, _, out) = couponsd(
        &server.addr,
        &["campaign", "create", "--campaign-name", "Nothing off"],
    );
    assert_eq!(status, 2, "{out}");
    assert!(
        out.contains("give --percent, --amount, --free-shipping"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_create_and_update_refuse_code() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let id = create_campaign(addr, "Codes");
    for args in [
        &[
            "campaign",
            "create",
            "--campaign-name",
            "X",
            "--percent",
            "5",
        ][..],
        &["campaign", "update", "--id", &id][..],
    ] {
        let (status, _, out) = couponsd(addr, &[args, &["--code", "SPRING"]].concat());
        assert_eq!(status, 2, "{args:?}: {out}");
        assert!(out.contains("`campaign generate`"), "{args:?}: {out}");
    }
}

/// The fraud settings from the command line: security flags, an
/// identifier limit and scores on `coupon create`; the shopper's address,
/// device, card and the provider's score on `validate` and `redeem`; the
/// assessment in --json and in the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fraud_flags_from_the_command_line() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, coupon, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "GUARDED",
            "--percent",
            "10",
            "--ip-restriction",
            "deny:203.0.113.0/24",
            "--device-fingerprinting",
            "true",
            "--max-per-hour",
            "5",
            "--identifier-limit",
            "payment:1",
            "--review-score",
            "0.6",
            "--block-score",
            "0.85",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(
        coupon["security_settings"]["ip_restrictions"][0],
        "deny:203.0.113.0/24"
    );
    assert_eq!(coupon["security_settings"]["device_fingerprinting"], true);
    assert_eq!(coupon["security_settings"]["max_redemptions_per_hour"], 5);
    assert_eq!(coupon["identifier_limits"][0]["identifier"], "payment");
    assert_eq!(
        (
            coupon["review_score"].as_str(),
            coupon["block_score"].as_str()
        ),
        (Some("0.6"), Some("0.85"))
    );

    let order = |order_id: &str, ip: &str, card: &str| -> Vec<String> {
        [
            "--code",
            "GUARDED",
            "--customer",
            "c1",
            "--order",
            order_id,
            "--amount",
            "100.00",
            "--currency",
            "USD",
            "--ip",
            ip,
            "--device",
            "dev-1",
            "--payment-fingerprint",
            card,
            "--provider-risk-score",
            "0.1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |verb: &str, args: Vec<String>| {
        let mut all = vec![verb.to_string()];
        all.extend(args);
        all.push("--json".into());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        couponsd(addr, &all)
    };
    let (_, v, out) = run("validate", order("o1", "203.0.113.5", "card-1"));
    assert_eq!(v["valid"], false, "{out}");
    assert_eq!(v["reason"], "IP_NOT_ALLOWED");
    let (status, r, out) = run("redeem", order("o1", "198.51.100.5", "card-1"));
    assert_eq!(status, 0, "{out}");
    assert_eq!(r["payment_fingerprint"], "card-1");
    assert_eq!(r["risk_level"], "LOW");
    assert!(
        r["security_checks"]["warnings"]
            .as_array()
            .is_some_and(|w| w.iter().any(|c| c["check"] == "provider_risk")),
        "{r}"
    );
    let (status, _, out) = run("redeem", order("o2", "198.51.100.5", "card-1"));
    assert_ne!(status, 0);
    assert!(out.contains("IDENTIFIER_LIMIT"), "{out}");

    let (status, _, out) = couponsd(
        addr,
        &[
            "validate",
            "--code",
            "GUARDED",
            "--customer",
            "c2",
            "--amount",
            "100.00",
            "--currency",
            "USD",
            "--ip",
            "198.51.100.6",
            "--device",
            "dev-2",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains("fraud score 0.047426 LOW (no warnings)"),
        "{out}"
    );
    let (status, _, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "BAD",
            "--percent",
            "10",
            "--review-score",
            "1.5",
        ],
    );
    assert_ne!(status, 0);
    assert!(out.contains("--review-score"), "{out}");
    let (status, capped, out) = couponsd(
        addr,
        &[
            "coupon",
            "create",
            "--code",
            "CAPPED",
            "--percent",
            "10",
            "--currency",
            "USD",
            "--identifier-limit",
            "email::50.00",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(
        capped["identifier_limits"][0]["max_discount_amount"],
        "50.00"
    );
    assert_eq!(capped["identifier_limits"][0]["max_uses"], Value::Null);
}

fn coupon_count(addr: &str) -> usize {
    let (status, page, out) = couponsd(addr, &["coupon", "list", "--limit", "1000", "--json"]);
    assert_eq!(status, 0, "{out}");
    page["coupons"].as_array().expect("coupons").len()
}

/// `bench` with its own random prefix leaves the store as it found it
/// (the redemptions stay); `--keep-coupons` keeps them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_deletes_the_coupons_it_created_unless_asked_to_keep_them() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let before = coupon_count(addr);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "bench",
            "--coupons",
            "3",
            "--connections",
            "2",
            "--requests",
            "12",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (status, report, out) = couponsd(addr, &args);
        assert_eq!(status, 0, "{out}");
        assert_eq!(report["ok"].as_u64(), Some(12), "{report}");
        out
    };
    let out = run(&[]);
    assert!(out.contains("deleted the 3 bench coupons"), "{out}");
    assert_eq!(coupon_count(addr), before, "the bench coupons are gone");
    run(&["--keep-coupons"]);
    assert_eq!(coupon_count(addr), before + 3, "--keep-coupons keeps them");
}

/// A coupon written with its end already past is stored (a back-dated
/// coupon is legal) with a warning that no order can redeem it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_that_already_ended_is_created_with_a_warning() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let create = |code: &str, ends_at: &str| {
        let (status, _, out) = couponsd(
            addr,
            &[
                "coupon",
                "create",
                "--code",
                code,
                "--percent",
                "10",
                "--ends-at",
                ends_at,
            ],
        );
        assert_eq!(status, 0, "{out}");
        out
    };
    let out = create("LATE", "2020-01-01T00:00:00Z");
    assert!(
        out.contains("warning: LATE ended at 2020-01-01T00:00:00Z") && out.contains("EXPIRED"),
        "{out}"
    );
    let out = create("FRESH", "2099-01-01T00:00:00Z");
    assert!(!out.contains("warning"), "{out}");
    let (status, _, out) = couponsd(
        addr,
        &[
            "coupon",
            "update",
            "--code",
            "FRESH",
            "--ends-at",
            "2021-06-01T00:00:00Z",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("warning: FRESH ended at"), "{out}");
}

/// On a campaign, `--name` and `--description` are the campaign's (as on
/// every other verb they name the thing itself; `--campaign-name` stays an
/// alias), and its codes' display text is `--template-name`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_name_is_name_and_the_codes_text_is_template_name() {
    let server = Server::start().await;
    let addr = server.addr.as_str();
    let (status, c, out) = couponsd(
        addr,
        &[
            "campaign",
            "create",
            "--name",
            "Spring",
            "--description",
            "Spring push",
            "--template-name",
            "10% off",
            "--template-description",
            "Any order",
            "--percent",
            "10",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(c["name"], "Spring");
    assert_eq!(c["description"], "Spring push");
    assert_eq!(c["coupon_template"]["name"], "10% off", "{c}");
    assert_eq!(c["coupon_template"]["description"], "Any order", "{c}");
    let id = c["id"].to_string();
    let (status, c, out) = couponsd(
        addr,
        &[
            "campaign",
            "update",
            "--id",
            &id,
            "--campaign-name",
            "Summer",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    assert_eq!(
        (c["name"].as_str(), c["coupon_template"]["name"].as_str()),
        (Some("Summer"), Some("10% off"))
    );
    let (status, _, out) = couponsd(addr, &["campaign", "create", "--percent", "10"]);
    assert_eq!(status, 2, "{out}");
    assert!(out.contains("give the campaign a --name"), "{out}");
}
