//! TLS on the client port and between nodes: clients speak TLS to a server
//! with a certificate (plaintext stays possible on loopback unless turned
//! off), a certificate the client does not trust is refused, a client
//! certificate gives its role, certificates reload on SIGHUP without dropping
//! anyone, and a cluster's nodes speak TLS to each other.

mod common;

use std::time::{Duration, Instant};

use common::certs::{client_tls, Ca};
use common::{code_of, peers_flag, percent_coupon, redeem_request, Secrets, Server};
use couponsd_client::wire::ErrorCode;
use couponsd_client::{Client, ClientError, ClientOptions, TlsOptions};

/// The files of a server certificate signed by `ca`, and its flags.
fn server_tls_flags(secrets: &Secrets, ca: &Ca, prefix: &str) -> Vec<String> {
    let leaf = ca.leaf("couponsd-server");
    vec![
        "--tls-cert".into(),
        secrets.write(&format!("{prefix}server.pem"), &leaf.cert_pem),
        "--tls-key".into(),
        secrets.write(&format!("{prefix}server.key"), &leaf.key_pem),
    ]
}

fn tls_options(tls: TlsOptions) -> ClientOptions {
    ClientOptions {
        tls: Some(tls),
        ..ClientOptions::default()
    }
}

async fn start(flags: &[String], options: ClientOptions) -> Server {
    let mut server = Server::prepare();
    server.options = options;
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    server.launch(&flags).await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_speak_tls_and_an_untrusted_certificate_is_refused() {
    let secrets = Secrets::new();
    let ca = Ca::new("couponsd test CA");
    let ca_file = secrets.write("ca.pem", &ca.pem());
    let flags = server_tls_flags(&secrets, &ca, "");
    let server = start(&flags, tls_options(client_tls(&ca_file, None))).await;

    // Over TLS, the whole protocol works.
    let tls = server.client().await;
    tls.create_coupon(percent_coupon("TLS10", 1000, Some(5), None))
        .await
        .expect("creating over TLS");
    let redeemed = tls
        .redeem(redeem_request("TLS10", "order-1", "alice", 10_000))
        .await
        .expect("redeeming over TLS");
    assert_eq!(redeemed.redemption.discount_amount, 1000);

    // Plaintext from loopback is still served (--plaintext-loopback true).
    let plain = Client::connect(&server.addr)
        .await
        .expect("plaintext on loopback");
    plain.ping().await.expect("plaintext ping");

    // A client that trusts another CA refuses the server's certificate.
    let stranger = Ca::new("another CA");
    let stranger_file = secrets.write("stranger.pem", &stranger.pem());
    let refused =
        Client::connect_with(&server.addr, tls_options(client_tls(&stranger_file, None))).await;
    assert!(
        matches!(refused, Err(ClientError::Tls(_))),
        "a server certificate from an untrusted CA: {:?}",
        refused.err()
    );
    // A certificate for another name is refused too.
    let mut wrong_name = client_tls(&ca_file, None);
    wrong_name.server_name = Some("payments.example".into());
    let refused = Client::connect_with(&server.addr, tls_options(wrong_name)).await;
    assert!(
        matches!(refused, Err(ClientError::Tls(_))),
        "{:?}",
        refused.err()
    );

    // With --plaintext-loopback false, plaintext is refused, typed.
    let mut flags = server_tls_flags(&secrets, &ca, "strict-");
    flags.extend(["--plaintext-loopback".into(), "false".into()]);
    let strict = start(&flags, tls_options(client_tls(&ca_file, None))).await;
    strict.client().await.ping().await.expect("TLS ping");
    assert_eq!(
        code_of(Client::connect(&strict.addr).await.map(|_| ())),
        ErrorCode::Unauthenticated,
        "plaintext to a server that requires TLS"
    );

    // The CLI speaks TLS with --ca.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", &strict.addr, "--ca", &ca_file, "--json", "ping"])
        .output()
        .expect("running the CLI");
    assert!(
        output.status.success(),
        "couponsd --ca ping: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_gives_its_role() {
    let secrets = Secrets::new();
    let ca = Ca::new("couponsd test CA");
    let ca_file = secrets.write("ca.pem", &ca.pem());
    let mut flags = server_tls_flags(&secrets, &ca, "");
    flags.extend(secrets.token_flags(&["admin:admin-secret-1"]));
    flags.extend([
        "--tls-ca".into(),
        ca_file.clone(),
        "--client-cert-role".into(),
        "redeem:checkout".into(),
        "--client-cert-role".into(),
        "read:reporting".into(),
    ]);
    let admin_options = ClientOptions {
        token: "admin-secret-1".into(),
        ..tls_options(client_tls(&ca_file, None))
    };
    let server = start(&flags, admin_options).await;
    let admin = server.client().await;
    admin
        .create_coupon(percent_coupon("CERT10", 1000, None, None))
        .await
        .expect("admin by token over TLS");

    let identity = |name: &str| {
        let leaf = ca.leaf(name);
        (
            secrets.write(&format!("{name}.pem"), &leaf.cert_pem),
            secrets.write(&format!("{name}.key"), &leaf.key_pem),
        )
    };
    let as_client = |files: &(String, String)| {
        tls_options(client_tls(
            &ca_file,
            Some((files.0.as_str(), files.1.as_str())),
        ))
    };

    // CN=checkout redeems, and may not create coupons.
    let checkout = Client::connect_with(&server.addr, as_client(&identity("checkout")))
        .await
        .expect("a client certificate with a role needs no token");
    checkout
        .redeem(redeem_request("CERT10", "order-1", "alice", 10_000))
        .await
        .expect("redeem role from the certificate");
    assert_eq!(
        code_of(
            checkout
                .create_coupon(percent_coupon("NOPE", 1000, None, None))
                .await
        ),
        ErrorCode::PermissionDenied
    );

    // CN=reporting reads, and may not redeem.
    let reporting = Client::connect_with(&server.addr, as_client(&identity("reporting")))
        .await
        .expect("read role from the certificate");
    reporting
        .validate("CERT10", common::order("bob", 10_000))
        .await
        .expect("validate with the read role");
    assert_eq!(
        code_of(
            reporting
                .redeem(redeem_request("CERT10", "order-2", "bob", 10_000))
                .await
        ),
        ErrorCode::PermissionDenied
    );

    // A certificate whose name has no role, and no token: refused.
    assert_eq!(
        code_of(
            Client::connect_with(&server.addr, as_client(&identity("stranger")))
                .await
                .map(|_| ())
        ),
        ErrorCode::Unauthenticated
    );

    // A certificate from a CA the server does not trust: no connection.
    let other_ca = Ca::new("another CA");
    let forged = other_ca.leaf("checkout");
    let forged_files = (
        secrets.write("forged.pem", &forged.cert_pem),
        secrets.write("forged.key", &forged.key_pem),
    );
    let forged = Client::connect_with(&server.addr, as_client(&forged_files)).await;
    assert!(
        forged.is_err(),
        "a client certificate from an untrusted CA was accepted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_reload_on_sighup_and_connections_stay() {
    let secrets = Secrets::new();
    let old_ca = Ca::new("old CA");
    let old_ca_file = secrets.write("old-ca.pem", &old_ca.pem());
    // The server's files are rewritten in place below.
    let flags = server_tls_flags(&secrets, &old_ca, "");
    let server = start(&flags, tls_options(client_tls(&old_ca_file, None))).await;
    let kept = server.client().await;
    kept.ping().await.expect("ping before the reload");

    let new_ca = Ca::new("new CA");
    let new_ca_file = secrets.write("new-ca.pem", &new_ca.pem());
    let _ = server_tls_flags(&secrets, &new_ca, "");
    server.signal("HUP");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let new =
            Client::connect_with(&server.addr, tls_options(client_tls(&new_ca_file, None))).await;
        if new.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate is not served after SIGHUP: {:?}; log:\n{}",
            new.err(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let old = Client::connect_with(&server.addr, tls_options(client_tls(&old_ca_file, None))).await;
    assert!(
        matches!(old, Err(ClientError::Tls(_))),
        "the old certificate is still served: {:?}",
        old.err()
    );
    kept.ping()
        .await
        .expect("a connection opened before the reload stays");

    // A broken file on SIGHUP keeps the certificate in force.
    secrets.write("server.pem", "not a certificate");
    server.signal("HUP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    Client::connect_with(&server.addr, tls_options(client_tls(&new_ca_file, None)))
        .await
        .expect("the previous certificate stays when the new file is bad");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_speaks_tls_between_its_nodes() {
    let secrets = Secrets::new();
    let ca = Ca::new("cluster CA");
    let ca_file = secrets.write("ca.pem", &ca.pem());
    let mut nodes: Vec<Server> = (0..3).map(|_| Server::prepare()).collect();
    let peers = peers_flag(&nodes);
    for (i, node) in nodes.iter_mut().enumerate() {
        node.options = tls_options(client_tls(&ca_file, None));
        let mut flags = server_tls_flags(&secrets, &ca, &format!("node{i}-"));
        flags.extend([
            "--tls-ca".into(),
            ca_file.clone(),
            // No plaintext at all, between nodes either.
            "--plaintext-loopback".into(),
            "false".into(),
            "--node-id".into(),
            (i + 1).to_string(),
            "--peers".into(),
            peers.clone(),
        ]);
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        node.launch(&flags).await;
    }
    let mut cluster = common::Cluster { nodes };
    let leader = cluster.leader(Duration::from_secs(20)).await;
    let options = ClientOptions {
        failover_timeout: Duration::from_secs(10),
        ..tls_options(client_tls(&ca_file, None))
    };
    let client = Client::connect_cluster(&cluster.addrs(), options)
        .await
        .expect("a TLS client of the cluster");
    client
        .create_coupon(percent_coupon("RAFT10", 1000, None, None))
        .await
        .expect("create through the leader");
    for i in 0..20 {
        client
            .redeem(redeem_request(
                "RAFT10",
                &format!("order-{i}"),
                "carol",
                10_000,
            ))
            .await
            .expect("redeem committed over TLS");
    }
    // Every node applies it: replication went over TLS.
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, node) in cluster.nodes.iter().enumerate() {
        loop {
            let redeemed = async {
                let c = node.client().await;
                let coupon = c
                    .get_coupon(couponsd_client::wire::CouponRef::Code("RAFT10".into()))
                    .await
                    .ok()?;
                Some(coupon.current_usage)
            }
            .await;
            if redeemed == Some(20) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "node {} (leader {}) shows {redeemed:?} of 20; logs:\n{}",
                i + 1,
                leader + 1,
                cluster.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
