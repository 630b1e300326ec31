//! The admin console (issue 14, point 2): `serve --http-listen ADDR
//! --console` serves /console/ behind an admin login, and its JSON API runs
//! the protocol's requests.
//!
//! - The page and its script come with a Content-Security-Policy that
//!   forbids inline script and framing, and hold no secret.
//! - Without a session every API call is 401; a wrong token and a
//!   non-admin token are both refused with the same words; the admin token
//!   opens an HttpOnly, SameSite=Strict session; a write without its CSRF
//!   header is 403.
//! - A coupon created through the API (a fixed amount as the decimal string
//!   "5.10") is the coupon the protocol returns (510 minor units); after 3
//!   redemptions over the protocol, its analytics show 3 on the day's bar
//!   and its redemptions list 3; suspended from the console, VALIDATE
//!   refuses it INACTIVE.
//! - Logout ends the session; repeated refused logins are rate limited
//!   (429), even with the right token afterwards; a body over 64 KiB is 413.
//! - `tests/console/e2e.mjs` drives the same in headless Chromium
//!   (`console_in_chromium`), when Chromium and Node are installed.

mod common;

use std::net::TcpListener as StdListener;
use std::time::Duration;

use common::{order, redeem_request, Secrets, Server};
use couponsd_client::wire::ErrorCode;
use couponsd_client::ClientOptions;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADMIN_TOKEN: &str = "console-admin-token-2291";
const READ_TOKEN: &str = "console-read-token-7734";
const REDEEM_TOKEN: &str = "console-redeem-token-5150";

fn free_addr() -> String {
    let listener = StdListener::bind("127.0.0.1:0").expect("an ephemeral port");
    listener.local_addr().expect("its address").to_string()
}

#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// One HTTP/1.1 request on its own connection, read to the close (10 s at
/// most: nothing may hang).
async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: couponsd\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    let mut stream = TcpStream::connect(addr)
        .await
        .expect("connecting over http");
    let _ = stream.write_all(request.as_bytes()).await;
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut bytes)).await;
    assert!(read.is_ok(), "the http connection hung");
    let text = String::from_utf8_lossy(&bytes).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A logged-in session: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn login(addr: &str, token: &str) -> Answer {
    let body = json!({ "token": token }).to_string();
    http(
        addr,
        "POST",
        "/console/login",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await
}

impl Session {
    async fn open(addr: &str, token: &str) -> Session {
        let answer = login(addr, token).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        let set_cookie = answer.header("set-cookie").expect("a session cookie");
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
        assert!(set_cookie.contains("Path=/console"), "{set_cookie}");
        let cookie = set_cookie
            .split(';')
            .next()
            .expect("name=value")
            .to_string();
        let id = cookie.split_once('=').expect("name=value").1;
        assert_eq!(id.len(), 64, "a 256-bit id in hex: {cookie}");
        Session {
            cookie,
            csrf: answer.json()["csrf"]
                .as_str()
                .expect("a csrf token")
                .to_string(),
        }
    }

    async fn get(&self, addr: &str, path: &str) -> Answer {
        http(addr, "GET", path, &[("Cookie", &self.cookie)], "").await
    }

    async fn post(&self, addr: &str, path: &str, body: Value) -> Answer {
        let headers = [
            ("Cookie", self.cookie.as_str()),
            ("X-CSRF-Token", self.csrf.as_str()),
            ("Content-Type", "application/json"),
        ];
        http(addr, "POST", path, &headers, &body.to_string()).await
    }
}

fn with_token(token: &str) -> ClientOptions {
    ClientOptions {
        token: token.into(),
        ..ClientOptions::default()
    }
}

async fn console_server(secrets: &Secrets) -> (Server, String) {
    let http_addr = free_addr();
    let mut flags = secrets.token_flags(&[
        &format!("admin:{ADMIN_TOKEN}"),
        &format!("read:{READ_TOKEN}"),
        &format!("redeem:{REDEEM_TOKEN}"),
    ]);
    flags.extend([
        "--http-listen".into(),
        http_addr.clone(),
        "--console".into(),
    ]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    (Server::start_with(&flags).await, http_addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_logs_in_creates_a_coupon_sees_its_redemptions_and_suspends_it() {
    let secrets = Secrets::new();
    let (server, addr) = console_server(&secrets).await;

    // The page: strict headers, no secret, the script as its own file.
    let page = http(&addr, "GET", "/console/", &[], "").await;
    assert_eq!(page.status, 200, "{page:?}");
    let csp = page.header("content-security-policy").expect("a CSP");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
    assert!(page.body.contains("src=\"/console/app.js\""));
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(!page.body.contains(ADMIN_TOKEN));
    let script = http(&addr, "GET", "/console/app.js", &[], "").await;
    assert_eq!(script.status, 200);
    assert!(script
        .header("content-type")
        .unwrap_or_default()
        .contains("javascript"));

    // No session, no API; refused logins say nothing more.
    let anonymous = http(&addr, "GET", "/console/api/coupons", &[], "").await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    let wrong = login(&addr, "not-the-token").await;
    let reader = login(&addr, READ_TOKEN).await;
    assert_eq!((wrong.status, reader.status), (401, 401));
    assert_eq!(wrong.body, reader.body, "a refusal does not say why");
    assert!(wrong.header("set-cookie").is_none());
    let forged = http(
        &addr,
        "GET",
        "/console/api/coupons",
        &[("Cookie", &format!("couponsd_session={}", "ab".repeat(32)))],
        "",
    )
    .await;
    assert_eq!(forged.status, 401, "an invented session id");

    let session = Session::open(&addr, ADMIN_TOKEN).await;
    let me = session.get(&addr, "/console/api/session").await;
    assert_eq!(me.json()["role"], "admin", "{me:?}");

    // A write needs the CSRF header.
    let no_csrf = http(
        &addr,
        "POST",
        "/console/api/coupons",
        &[("Cookie", &session.cookie)],
        &json!({ "code": "NOCSRF", "percent": "10" }).to_string(),
    )
    .await;
    assert_eq!(no_csrf.status, 403, "{no_csrf:?}");

    // Created as the form sends it: the amount as a decimal string.
    let created = session
        .post(
            &addr,
            "/console/api/coupons",
            json!({ "code": "console-five", "name": "Five off", "amount": "5.10",
                    "currency": "USD", "usage_limit": "10", "per_customer_limit": "",
                    "is_public": true }),
        )
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let coupon = created.json();
    assert_eq!(coupon["code"], "CONSOLE-FIVE");
    assert_eq!(coupon["discount_value"], "5.10");
    let id = coupon["id"].as_u64().expect("an id");
    let admin = server.client_with(with_token(ADMIN_TOKEN)).await;
    let stored = admin
        .get_coupon(couponsd_client::wire::CouponRef::Id(id))
        .await
        .expect("the coupon over the protocol");
    assert_eq!(stored.spec.discount_value, 510, "exact minor units");
    assert_eq!(stored.spec.usage_limit, Some(10));
    let other = session
        .post(
            &addr,
            "/console/api/coupons",
            json!({ "code": "OTHER", "percent": "12.5" }),
        )
        .await;
    assert_eq!(other.json()["discount_value"], "12.5", "{other:?}");
    let bad = session
        .post(
            &addr,
            "/console/api/coupons",
            json!({ "code": "BAD", "amount": "1.234", "currency": "USD" }),
        )
        .await;
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.json()["error"], "INVALID_ARGUMENT");
    let duplicate = session
        .post(
            &addr,
            "/console/api/coupons",
            json!({ "code": "OTHER", "percent": "1" }),
        )
        .await;
    assert_eq!(duplicate.status, 409, "{duplicate:?}");
    assert_eq!(duplicate.json()["error"], "ALREADY_EXISTS");

    // Search by code prefix.
    let found = session
        .get(&addr, "/console/api/coupons?prefix=console")
        .await;
    let codes: Vec<String> = found.json()["coupons"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["code"].as_str().map(String::from))
        .collect();
    assert_eq!(codes, ["CONSOLE-FIVE"]);

    // Three redemptions over the protocol, then the console's figures.
    let checkout = server.client_with(with_token(REDEEM_TOKEN)).await;
    for i in 0..3 {
        checkout
            .redeem(redeem_request(
                "CONSOLE-FIVE",
                &format!("order-{i}"),
                &format!("c{i}"),
                2_000,
            ))
            .await
            .expect("a redemption");
    }
    let analytics = session
        .get(&addr, &format!("/console/api/coupons/{id}/analytics"))
        .await
        .json();
    assert_eq!(analytics["metrics"]["total_redemptions"], 3, "{analytics}");
    let days = analytics["usage_timeline"].as_array().expect("a timeline");
    assert_eq!(days.len(), 1, "{analytics}");
    assert_eq!(days[0]["redemptions"], 3);
    let redemptions = session
        .get(&addr, &format!("/console/api/coupons/{id}/redemptions"))
        .await
        .json();
    assert_eq!(redemptions["redemptions"].as_array().map(Vec::len), Some(3));
    assert_eq!(redemptions["redemptions"][0]["discount_amount"], "5.10");

    // Suspended from the console: VALIDATE refuses it (a public code says
    // why; a private one would be answered as unknown).
    let suspended = session
        .post(
            &addr,
            &format!("/console/api/coupons/{id}/status"),
            json!({ "status": "SUSPENDED" }),
        )
        .await;
    assert_eq!(suspended.status, 200, "{suspended:?}");
    assert_eq!(suspended.json()["admin_status"], "SUSPENDED");
    let v = checkout
        .validate("CONSOLE-FIVE", order("c9", 2_000))
        .await
        .expect("an answer");
    assert!(!v.valid);
    assert_eq!(v.reason, ErrorCode::Inactive.as_u16());

    // The other pages answer.
    for path in ["campaigns", "overview", "fraud?days=7", "cluster"] {
        let answer = session.get(&addr, &format!("/console/api/{path}")).await;
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
    }
    let cluster = session.get(&addr, "/console/api/cluster").await.json();
    assert_eq!(cluster["role"], "LEADER", "{cluster}");
    let missing = session.get(&addr, "/console/api/coupons/999999").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"], "NOT_FOUND");

    // Bounded body.
    let huge = "x".repeat(100 << 10);
    let too_big = session
        .post(
            &addr,
            "/console/api/coupons",
            json!({ "code": "BIG", "name": huge }),
        )
        .await;
    assert_eq!(too_big.status, 413, "{}", too_big.head);

    // Logout ends it.
    let out = http(
        &addr,
        "POST",
        "/console/logout",
        &[("Cookie", &session.cookie)],
        "",
    )
    .await;
    assert_eq!(out.status, 200);
    assert_eq!(session.get(&addr, "/console/api/coupons").await.status, 401);

    // Guessing is limited: 2 refusals above and 18 here make the limit of
    // 20 in 10 minutes; past it even the right token waits.
    for _ in 0..18 {
        assert_eq!(login(&addr, "guess-guess-guess").await.status, 401);
    }
    assert_eq!(login(&addr, ADMIN_TOKEN).await.status, 429);
    // The protocol port is not affected.
    admin.ping().await.expect("the protocol goes on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_console_flag_there_is_no_console_and_without_tokens_loopback_logs_in() {
    let http_addr = free_addr();
    let server = Server::start_with(&["--http-listen", &http_addr]).await;
    assert_eq!(
        http(&http_addr, "GET", "/console/", &[], "").await.status,
        404
    );
    drop(server);

    // Protected mode: no token file, a loopback client logs in with "".
    let http_addr = free_addr();
    let _server = Server::start_with(&["--http-listen", &http_addr, "--console"]).await;
    let session = Session::open(&http_addr, "").await;
    assert_eq!(
        session.get(&http_addr, "/console/api/coupons").await.status,
        200
    );
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// `tests/console/e2e.mjs` in headless Chromium against the real binary:
/// log in, create a coupon from the form, redeem it 3 times with the CLI,
/// see 3 on the chart, suspend it and see the CLI's VALIDATE refuse it.
/// Screenshots go to `$CONSOLE_SCREENSHOTS` (or a temp dir).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_chromium() {
    assert!(
        std::path::Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run scripts/test.sh, which installs Debian's chromium"
    );
    let package = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/console");
    if !package.join("node_modules/playwright-core").exists() {
        let installed = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&package)
            .status()
            .expect("running npm ci (scripts/deps.sh installs Node.js)");
        assert!(installed.success(), "npm ci in tests/console");
    }
    let secrets = Secrets::new();
    let (server, http_addr) = console_server(&secrets).await;
    let temp = tempfile::tempdir().expect("a screenshots dir");
    let shots =
        std::env::var("CONSOLE_SCREENSHOTS").unwrap_or_else(|_| temp.path().display().to_string());
    let mut command = std::process::Command::new("node");
    command
        .arg(package.join("e2e.mjs"))
        .arg(format!("http://{http_addr}"))
        .arg(ADMIN_TOKEN)
        .env("COUPONSD_BIN", env!("CARGO_BIN_EXE_couponsd"))
        .env("COUPONSD_ADDR", &server.addr)
        .env("COUPONSD_REDEEM_TOKEN", REDEEM_TOKEN)
        .env("SCREENSHOTS", &shots)
        .current_dir(&package);
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the browser test ended within 5 minutes")
        .expect("joining")
        .expect("running node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "e2e.mjs failed:\n{stdout}\n{stderr}"
    );
    for step in [
        "wrong token refused",
        "created E2E-TEN",
        "redeemed 3 times with the CLI",
        "chart shows 3 redemptions",
        "suspended; VALIDATE says INACTIVE",
        "E2E OK",
    ] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
    for shot in ["login.png", "coupons.png", "chart.png"] {
        let path = std::path::Path::new(&shots).join(shot);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1_000, "{} was not taken", path.display());
    }
}
