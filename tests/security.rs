//! Secrets and permissions: tokens come from a file (never the command line),
//! are reloaded on SIGHUP without dropping anyone, the role is checked before
//! a body is decoded, DIGEST is an admin's, and a server that would listen
//! beyond loopback with no authentication refuses to start.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{code_of, percent_coupon, redeem_request, Secrets, Server};
use couponsd_client::wire::{opcode, ErrorCode};
use couponsd_client::{Client, ClientOptions};

fn with_token(token: &str) -> ClientOptions {
    ClientOptions {
        token: token.into(),
        ..ClientOptions::default()
    }
}

async fn server_with_tokens(secrets: &Secrets, lines: &[&str]) -> Server {
    let flags = secrets.token_flags(lines);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    Server::start_with(&flags).await
}

/// Waits until a new connection with `token` gets `expected` (a reload is
/// asynchronous to the signal).
async fn until_hello(server: &Server, token: &str, accepted: bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let result = Client::connect_with(&server.addr, with_token(token)).await;
        if result.is_ok() == accepted {
            if let Err(e) = result {
                assert_eq!(e.code(), Some(ErrorCode::Unauthenticated), "{e}");
            }
            return;
        }
        assert!(
            Instant::now() < deadline,
            "token {token} still {} after SIGHUP; log:\n{}",
            if accepted { "refused" } else { "accepted" },
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_file_is_reloaded_on_sighup_and_connections_stay() {
    let secrets = Secrets::new();
    let server = server_with_tokens(&secrets, &["admin:first-admin-secret"]).await;
    let old = server.client_with(with_token("first-admin-secret")).await;
    old.create_coupon(percent_coupon("HUP10", 1000, None, None))
        .await
        .expect("admin with the first secret");

    // Rotate: the new file drops the first secret and adds two.
    secrets.write(
        "tokens",
        "# rotated\nadmin:second-admin-secret\nredeem:checkout-secret\n",
    );
    server.signal("HUP");
    until_hello(&server, "first-admin-secret", false).await;
    until_hello(&server, "second-admin-secret", true).await;
    let checkout = server.client_with(with_token("checkout-secret")).await;
    checkout
        .redeem(redeem_request("HUP10", "o-1", "alice", 10_000))
        .await
        .expect("the new redeem token");
    // The connection made with the first secret was not dropped.
    assert_eq!(
        old.server_info().await.expect("old connection").redemptions,
        1
    );

    // A broken file on the next SIGHUP changes nothing, and says why.
    secrets.write("tokens", "admin:short\n");
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("credentials not reloaded") {
        assert!(
            Instant::now() < deadline,
            "no error logged:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(server
        .log()
        .contains("line 1: a secret has at least 8 characters"));
    until_hello(&server, "second-admin-secret", true).await;

    // No secret is on the command line or in the log.
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", server.pid())).expect("cmdline");
    let cmdline = String::from_utf8_lossy(&cmdline);
    let log = server.log();
    for secret in [
        "first-admin-secret",
        "second-admin-secret",
        "checkout-secret",
    ] {
        assert!(!cmdline.contains(secret), "{secret} in {cmdline}");
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_is_checked_before_the_body_is_decoded() {
    let secrets = Secrets::new();
    let server = server_with_tokens(&secrets, &["admin:admin-secret", "read:read-secret"]).await;
    let reader = server.client_with(with_token("read-secret")).await;
    // A body that does not decode, for an opcode the role may not use:
    // the answer is about the role, not the body.
    for op in [opcode::REDEEM, opcode::COUPON_CREATE, opcode::RAFT_APPEND] {
        assert_eq!(
            code_of(reader.raft(op, vec![0xff; 3]).await),
            ErrorCode::PermissionDenied,
            "0x{op:04x}"
        );
    }
    // One it may use: now the body is read, and refused.
    assert_eq!(
        code_of(reader.raft(opcode::VALIDATE, vec![0xff; 3]).await),
        ErrorCode::MalformedFrame
    );
    assert_eq!(
        code_of(reader.raft(0x7777, Vec::new()).await),
        ErrorCode::UnknownOpcode
    );
    // DIGEST scans the whole store: only an admin may ask.
    assert_eq!(code_of(reader.digest().await), ErrorCode::PermissionDenied);
    let admin = server.client_with(with_token("admin-secret")).await;
    admin.digest().await.expect("an admin's digest");
}

fn serve_output(args: &[&str]) -> std::process::Output {
    let data = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .arg("serve")
        .arg("--data")
        .arg(data.path())
        .args(args)
        .env_remove("COUPONSD_TOKEN_FILE")
        .output()
        .expect("running couponsd")
}

#[test]
fn listening_beyond_loopback_without_tokens_is_refused() {
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.1:7878"] {
        let out = serve_output(&["--listen", listen]);
        assert!(!out.status.success(), "{listen} started");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("without authentication") && stderr.contains("--token-file"),
            "{listen}: {stderr}"
        );
    }
    // A token file that does not parse stops the start too, naming the line.
    let secrets = Secrets::new();
    let path = secrets.write("tokens", "admin:good-secret\nread:bad\n");
    let out = serve_output(&["--listen", "127.0.0.1:0", "--token-file", &path]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 2: a secret has at least 8"),
        "{stderr}"
    );
    assert!(!stderr.contains("good-secret"), "{stderr}");
}
