//! Test harness: runs the real `couponsd` binary on a free loopback port with a
//! temporary data directory, and connects to it with the real Rust client.
#![allow(dead_code)]

pub mod certs;
pub mod history;
pub mod netns;
pub mod tmpfs;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use couponsd_client::wire::ErrorCode;
use couponsd_client::wire::{CouponSpec, Order, RedeemRequest, ReserveRequest, SecuritySettings};
use couponsd_client::{Client, ClientError, ClientOptions};

/// The server's error code of a call expected to fail with one.
pub fn code_of<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorCode {
    match result {
        Err(e) => e
            .code()
            .unwrap_or_else(|| panic!("expected a server error, got {e:?}")),
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

pub struct Server {
    child: Option<Child>,
    pub addr: String,
    dir: tempfile::TempDir,
    /// The data directory, when not `dir/data` (a test's own file system).
    data: Option<PathBuf>,
    pub extra_args: Vec<String>,
    /// Environment variables the process starts with.
    pub env: Vec<(String, String)>,
    /// How the harness itself connects (to see the server up, to ask its
    /// status, `client()`): plaintext unless a test sets TLS.
    pub options: ClientOptions,
}

/// Files of secrets a test's servers read (token files, peer tokens),
/// removed when the test drops it.
pub struct Secrets {
    dir: tempfile::TempDir,
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets {
            dir: tempfile::tempdir().expect("temp dir for secrets"),
        }
    }

    /// Writes (or rewrites) the file `name`; returns its path.
    pub fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("writing a secrets file");
        path.display().to_string()
    }

    /// `--token-file PATH` for a file accepting these `role:secret` lines.
    pub fn token_flags(&self, lines: &[&str]) -> Vec<String> {
        let path = self.write("tokens", &(lines.join("\n") + "\n"));
        vec!["--token-file".into(), path]
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding an ephemeral port");
    listener.local_addr().expect("local addr").port()
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(&[]).await
    }

    /// Starts a server with extra `serve` flags.
    pub async fn start_with(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut server = Server {
            child: None,
            addr: String::new(),
            dir,
            data: None,
            extra_args: extra.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            options: ClientOptions::default(),
        };
        server.spawn().await;
        server
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data
            .clone()
            .unwrap_or_else(|| self.dir.path().join("data"))
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// A server with its address chosen but not started yet (so that other
    /// nodes' flags can name it first); start it with `launch`.
    pub fn prepare() -> Server {
        Server {
            child: None,
            addr: format!("127.0.0.1:{}", free_port()),
            dir: tempfile::tempdir().expect("temp dir"),
            data: None,
            extra_args: Vec::new(),
            env: Vec::new(),
            options: ClientOptions::default(),
        }
    }

    /// Like `prepare`, with its data in `data` (its log stays in a temp dir).
    pub fn prepare_with_data(data: PathBuf) -> Server {
        let mut server = Server::prepare();
        server.data = Some(data);
        server
    }

    /// Starts a prepared server on its address with these extra flags.
    pub async fn launch(&mut self, extra: &[&str]) {
        self.extra_args = extra.iter().map(|s| s.to_string()).collect();
        self.spawn_here().await;
    }

    async fn spawn(&mut self) {
        let port = free_port();
        self.addr = format!("127.0.0.1:{port}");
        self.spawn_here().await;
    }

    async fn spawn_here(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_couponsd"))
            .arg("serve")
            .arg("--listen")
            .arg(&self.addr)
            .arg("--data")
            .arg(self.data_dir())
            .args(&self.extra_args)
            .env("COUPONSD_LOG", "info")
            .env_remove("COUPONSD_TOKEN_FILE")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting couponsd");
        self.child = Some(child);
        self.wait_until_up().await;
    }

    /// SIGKILL: no shutdown path runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reaping the killed server");
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// Sends a signal (STOP, CONT, ...) to the running server.
    pub fn signal(&self, name: &str) {
        let pid = self
            .child
            .as_ref()
            .expect("server running")
            .id()
            .to_string();
        let status = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{name} {pid}");
    }

    /// SIGTERM, then wait for a clean exit; returns its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("server running");
        let pid = child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("waiting for the server") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the binary again on the same data directory (new port).
    pub async fn restart(&mut self) {
        self.kill9();
        self.spawn().await;
    }

    /// Starts the binary again on the same data directory with new extra flags.
    pub async fn restart_with(&mut self, extra: &[&str]) {
        self.kill9();
        self.extra_args = extra.iter().map(|s| s.to_string()).collect();
        self.spawn().await;
    }

    /// Waits until this node has applied `lsn` (a follower catching up).
    pub async fn wait_for_lsn(&self, lsn: u64, within: Duration) {
        let client = self.client().await;
        let deadline = Instant::now() + within;
        loop {
            let status = client.cluster_status().await.expect("cluster status");
            if status.lsn >= lsn {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} stayed at LSN {} short of {lsn}; log:\n{}",
                self.addr,
                status.lsn,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => c.try_wait().expect("try_wait").is_none(),
            None => false,
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect_with(&self.addr, self.options.clone())
            .await
            .expect("connecting to the test server")
    }

    pub async fn client_with(&self, options: ClientOptions) -> Client {
        Client::connect_with(&self.addr, options)
            .await
            .expect("connecting to the test server")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

impl Server {
    async fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match Client::connect_with(&self.addr, self.options.clone()).await {
                Ok(client) if client.ping().await.is_ok() => return,
                // A server with tokens answers, which is all this waits for.
                Err(e) if e.code().is_some() => return,
                _ => {}
            }
            if !self.is_running() || Instant::now() > deadline {
                panic!(
                    "couponsd did not come up on {}; log:\n{}",
                    self.addr,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Nodes of one cluster on loopback, each with its own port and data
/// directory. Node `i` (from 0) has node id `i + 1`.
pub struct Cluster {
    pub nodes: Vec<Server>,
}

impl Cluster {
    /// Starts `n` nodes that form a new cluster, each with `extra` flags.
    pub async fn start(n: usize, extra: &[&str]) -> Cluster {
        let mut nodes: Vec<Server> = (0..n).map(|_| Server::prepare()).collect();
        let peers = peers_flag(&nodes);
        for (i, node) in nodes.iter_mut().enumerate() {
            let id = (i + 1).to_string();
            let mut flags = vec!["--node-id", &id, "--peers", &peers];
            flags.extend_from_slice(extra);
            node.launch(&flags).await;
        }
        Cluster { nodes }
    }

    /// The flags node `i` was started with (to restart it as it was).
    pub fn flags(&self, i: usize) -> Vec<String> {
        self.nodes[i].extra_args.clone()
    }

    /// The index of the node every running node agrees leads, waiting up
    /// to `within` for an election.
    pub async fn leader(&mut self, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            if let Some(i) = self.agreed_leader().await {
                return i;
            }
            assert!(
                Instant::now() < deadline,
                "no leader within {within:?}; logs:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn agreed_leader(&mut self) -> Option<usize> {
        let mut leader = None;
        for i in 0..self.nodes.len() {
            if !self.nodes[i].is_running() {
                continue;
            }
            let status = self.nodes[i].status().await?;
            if status.leader_id == 0 || leader.is_some_and(|l| l != status.leader_id) {
                return None;
            }
            leader = Some(status.leader_id);
        }
        let index = usize::try_from(leader? - 1).ok()?;
        let status = self.nodes.get_mut(index)?.status().await?;
        (status.role == couponsd_client::wire::NodeRole::Leader).then_some(index)
    }

    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("--- node {} ({}):\n{}", i + 1, n.addr, n.log()))
            .collect()
    }

    /// Every address, for a client that follows the leader.
    pub fn addrs(&self) -> Vec<&str> {
        self.nodes.iter().map(|n| n.addr.as_str()).collect()
    }
}

pub fn peers_flag(nodes: &[Server]) -> String {
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}={}", i + 1, n.addr))
        .collect::<Vec<_>>()
        .join(",")
}

impl Server {
    /// This node's view of the cluster, if it answers within a second.
    pub async fn status(&self) -> Option<couponsd_client::wire::ClusterStatus> {
        let options = ClientOptions {
            connect_timeout: Duration::from_millis(500),
            request_timeout: Duration::from_secs(1),
            follow_leader: false,
            ..self.options.clone()
        };
        let client = Client::connect_with(&self.addr, options).await.ok()?;
        client.cluster_status().await.ok()
    }

    /// Starts the binary again on the same address and data directory.
    pub async fn relaunch(&mut self, extra: &[String]) {
        self.kill9();
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        self.launch(&extra).await;
    }
}

/// Runs the couponsd command line against `addr`: its exit status, its
/// stdout as JSON (null if it is not), and its stdout and stderr as text.
pub fn couponsd_cli(addr: &str, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["--addr", addr])
        .args(args)
        .output()
        .expect("running couponsd");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        stdout + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A percentage coupon in USD with the given limits. Public, so that a
/// refusal says why (a private code refused for its own state answers as an
/// unknown code: see tests/guessing.rs).
pub fn percent_coupon(
    code: &str,
    bps: i64,
    usage_limit: Option<u64>,
    per_customer: Option<u32>,
) -> CouponSpec {
    CouponSpec {
        code: code.into(),
        name: format!("{code} test coupon"),
        discount_value: bps,
        currency: "USD".into(),
        usage_limit,
        usage_limit_per_customer: per_customer,
        is_public: true,
        // Velocity checks off: these tests redeem one coupon for one customer
        // as often as they need; tests/fraud.rs turns them on where it tests them.
        security: SecuritySettings {
            velocity_checks: false,
            ..SecuritySettings::default()
        },
        ..CouponSpec::default()
    }
}

pub fn order(customer: &str, amount: i64) -> Order {
    Order {
        customer_id: customer.into(),
        amount,
        currency: "USD".into(),
        ..Order::default()
    }
}

pub fn redeem_request(code: &str, order_id: &str, customer: &str, amount: i64) -> RedeemRequest {
    RedeemRequest {
        code: code.into(),
        order_id: order_id.into(),
        transaction_id: String::new(),
        order: order(customer, amount),
    }
}

pub fn reserve_request(
    code: &str,
    order_id: &str,
    customer: &str,
    amount: i64,
    ttl_ms: u32,
) -> ReserveRequest {
    ReserveRequest {
        code: code.into(),
        order_id: order_id.into(),
        ttl_ms,
        order: order(customer, amount),
    }
}

/// Every redemption of a coupon, through the paginated list.
pub async fn all_redemptions(
    client: &Client,
    coupon_id: u64,
) -> Vec<couponsd_client::wire::Redemption> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let (page, next) = client
            .list_redemptions(coupon_id, after, 1000)
            .await
            .expect("listing redemptions");
        out.extend(page);
        if next == 0 {
            return out;
        }
        after = next;
    }
}
