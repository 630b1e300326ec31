//! Real networks for partition tests: each node runs in its own network
//! namespace, joined to a bridge (in a "switch" namespace) by a veth pair,
//! with an address in a private /24. One more veth joins the root namespace
//! (where the test and its clients run) to the bridge, so the test reaches
//! every node whatever is cut between the nodes.
//!
//! Everything is made with iproute2 (`ip`), named after the test process's
//! pid and a counter (`cdp<pid>x<n>...`), and deleted when the `Net` is
//! dropped, panicking test or not; leftovers of test processes that no
//! longer exist (killed by a timeout, say) are deleted on the next creation.
//! Needs root; without it creation fails the test with a message saying so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use couponsd_client::wire::{ClusterStatus, NodeRole};
use couponsd_client::{Client, ClientOptions};

/// Every name this module makes starts with this.
const PREFIX: &str = "cdp";
/// The port every node listens on (each has its own address).
const PORT: u16 = 7878;

static NETS: AtomicU32 = AtomicU32::new(0);

/// Runs `ip ARGS`, returning its stdout, or stderr and status on failure.
fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running `ip {}`: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`ip {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `ip ARGS`, panicking with the reason on failure (the `Net` being built
/// is dropped on the way out, deleting what was made).
fn must(args: &[&str]) -> String {
    ip(args).unwrap_or_else(|e| panic!("setting up the test network: {e}"))
}

/// The pid in a name this module made (`cdp<pid>x...`), if it is one.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, rest) = rest.split_once('x')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Kills (SIGKILL) whatever still runs in namespace `ns`: only processes
/// of a network this module made are ever in one.
fn kill_inside(ns: &str) {
    let Ok(pids) = ip(&["netns", "pids", ns]) else {
        return;
    };
    for pid in pids.split_whitespace() {
        let _ = Command::new("kill").args(["-KILL", pid]).status();
    }
}

/// Deletes namespaces and root-side links left by test processes that are
/// gone (a run killed before its `Drop` could run).
fn remove_leftovers() {
    if let Ok(list) = ip(&["netns", "list"]) {
        for name in list.lines().filter_map(|l| l.split_whitespace().next()) {
            if owner_pid(name).is_some_and(|pid| !alive(pid)) {
                kill_inside(name);
                let _ = ip(&["netns", "del", name]);
            }
        }
    }
    if let Ok(links) = ip(&["-o", "link", "show"]) {
        for line in links.lines() {
            // "12: cdp123x0@if3: <...>"
            let Some(name) = line.split(": ").nth(1) else {
                continue;
            };
            let name = name.split('@').next().unwrap_or(name);
            if owner_pid(name).is_some_and(|pid| !alive(pid)) {
                let _ = ip(&["link", "del", name]);
            }
        }
    }
}

/// A third octet for 10.213.X.0/24 that no address or route here uses yet,
/// starting from one derived from the pid (concurrent runs pick apart).
fn free_subnet(n: u32) -> u8 {
    let used = format!(
        "{}\n{}",
        ip(&["-4", "-o", "addr", "show"]).unwrap_or_default(),
        ip(&["-4", "route", "show", "table", "all"]).unwrap_or_default()
    );
    let start = (std::process::id().wrapping_mul(7).wrapping_add(n * 13)) % 250;
    (0..250)
        .map(|k| ((start + k) % 250 + 1) as u8)
        .find(|x| !used.contains(&format!("10.213.{x}.")))
        .expect("a free 10.213.X.0/24 for the test network")
}

/// A test network: node namespaces on a bridge, reachable from the root
/// namespace. Dropping it deletes all of it.
pub struct Net {
    tag: String,
    subnet: u8,
    nodes: usize,
    /// Blocked (namespace index, peer index) pairs, for `heal`.
    cuts: Mutex<Vec<(usize, usize)>>,
}

impl Net {
    /// Creates `nodes` node namespaces, the switch and the root-side link.
    pub fn create(nodes: usize) -> Net {
        assert!((1..=200).contains(&nodes));
        if let Err(e) = ip(&["netns", "list"]) {
            panic!(
                "partition tests need iproute2's `ip netns` and root (they build network \
                 namespaces and veth pairs); this is not a skip, fix the environment: {e}"
            );
        }
        remove_leftovers();
        let n = NETS.fetch_add(1, Ordering::Relaxed);
        let net = Net {
            tag: format!("{PREFIX}{}x{n}", std::process::id()),
            subnet: free_subnet(n),
            nodes,
            cuts: Mutex::new(Vec::new()),
        };
        assert!(net.root_link().len() <= 15, "{}", net.root_link());
        if let Err(e) = ip(&["netns", "add", &net.switch()]) {
            panic!(
                "partition tests need root to create network namespaces \
                 (`ip netns add`); this is not a skip, run them as root: {e}"
            );
        }
        // From here on, a failure panics and `net` is dropped, deleting
        // whatever was made.
        net.build();
        net
    }

    fn build(&self) {
        let sw = self.switch();
        must(&["-n", &sw, "link", "set", "lo", "up"]);
        must(&["-n", &sw, "link", "add", "br0", "type", "bridge"]);
        must(&["-n", &sw, "link", "set", "br0", "up"]);
        for i in 0..self.nodes {
            let ns = self.ns(i);
            let port = format!("p{i}");
            must(&["netns", "add", &ns]);
            must(&["-n", &ns, "link", "set", "lo", "up"]);
            must(&[
                "-n", &sw, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns",
                &ns,
            ]);
            must(&["-n", &sw, "link", "set", &port, "master", "br0", "up"]);
            let addr = format!("{}/24", self.ip(i));
            must(&["-n", &ns, "addr", "add", &addr, "dev", "eth0"]);
            must(&["-n", &ns, "link", "set", "eth0", "up"]);
        }
        let root = self.root_link();
        must(&[
            "link", "add", &root, "type", "veth", "peer", "name", "uplink", "netns", &sw,
        ]);
        must(&["-n", &sw, "link", "set", "uplink", "master", "br0", "up"]);
        let addr = format!("10.213.{}.254/24", self.subnet);
        must(&["addr", "add", &addr, "dev", &root]);
        must(&["link", "set", &root, "up"]);
    }

    fn switch(&self) -> String {
        format!("{}s", self.tag)
    }

    fn root_link(&self) -> String {
        self.tag.clone()
    }

    /// Node `i`'s namespace.
    pub fn ns(&self, i: usize) -> String {
        format!("{}n{i}", self.tag)
    }

    /// Node `i`'s address (no port).
    pub fn ip(&self, i: usize) -> String {
        format!("10.213.{}.{}", self.subnet, i + 1)
    }

    /// Node `i`'s listening address.
    pub fn addr(&self, i: usize) -> String {
        format!("{}:{PORT}", self.ip(i))
    }

    /// Cuts every node of `a` off from every node of `b`, both ways: each
    /// drops what it would send to the other side (a blackhole route), so
    /// packets in flight are lost and established connections hang, as in
    /// a real partition. The root namespace still reaches everyone.
    pub fn cut(&self, a: &[usize], b: &[usize]) {
        let mut cuts = self.cuts.lock().unwrap_or_else(|e| e.into_inner());
        for &x in a {
            for &y in b {
                for (from, to) in [(x, y), (y, x)] {
                    if from == to || cuts.contains(&(from, to)) {
                        continue;
                    }
                    let dest = format!("{}/32", self.ip(to));
                    must(&["-n", &self.ns(from), "route", "add", "blackhole", &dest]);
                    cuts.push((from, to));
                }
            }
        }
    }

    /// Undoes every cut.
    pub fn heal(&self) {
        let mut cuts = self.cuts.lock().unwrap_or_else(|e| e.into_inner());
        for (from, to) in cuts.drain(..) {
            let dest = format!("{}/32", self.ip(to));
            must(&["-n", &self.ns(from), "route", "del", "blackhole", &dest]);
        }
    }

    /// A command running `program` inside node `i`'s namespace: `ip netns
    /// exec` execs it, so the child's pid is the program's.
    pub fn command(&self, i: usize, program: &Path) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.ns(i)]).arg(program);
        command
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let mut names = vec![self.switch()];
        names.extend((0..self.nodes).map(|i| self.ns(i)));
        let _ = ip(&["link", "del", &self.root_link()]);
        for ns in &names {
            // A namespace lives on while a process is in it; none should be.
            kill_inside(ns);
            let _ = ip(&["netns", "del", ns]);
        }
        // Check, without panicking in a drop: a leak is reported loudly.
        let list = ip(&["netns", "list"]).unwrap_or_default();
        let links = ip(&["-o", "link", "show"]).unwrap_or_default();
        for name in names.iter().chain(std::iter::once(&self.tag)) {
            let leaked = list
                .lines()
                .any(|l| l.split_whitespace().next() == Some(name.as_str()))
                || links.contains(&format!(": {name}@"))
                || links.contains(&format!(": {name}:"));
            if leaked {
                eprintln!("test network: could not delete {name}");
            }
        }
    }
}

/// One couponsd node in a namespace of a `Net`, with a token (nodes off
/// loopback need one): its data and log in a temporary directory.
pub struct NsNode {
    child: Option<Child>,
    /// Node index in the `Net` (its node id is index + 1).
    pub index: usize,
    pub addr: String,
    args: Vec<String>,
    token: String,
    dir: tempfile::TempDir,
}

impl NsNode {
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Options of a client of this node: the token, short timeouts, no
    /// following.
    pub fn options(&self) -> ClientOptions {
        ClientOptions {
            token: self.token.clone(),
            connect_timeout: Duration::from_millis(500),
            request_timeout: Duration::from_secs(2),
            follow_leader: false,
            ..ClientOptions::default()
        }
    }

    pub async fn client(&self) -> Client {
        Client::connect_with(&self.addr, self.options())
            .await
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.addr))
    }

    /// This node's view of the cluster, if it answers in time.
    pub async fn status(&self) -> Option<ClusterStatus> {
        let client = Client::connect_with(&self.addr, self.options())
            .await
            .ok()?;
        client.cluster_status().await.ok()
    }

    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => c.try_wait().expect("try_wait").is_none(),
            None => false,
        }
    }

    /// SIGKILL: no shutdown path runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn launch(&mut self, net: &Net) {
        let data = self.dir.path().join("data");
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--listen".into(),
            self.addr.clone(),
            "--data".into(),
            data.display().to_string(),
        ];
        args.extend(self.args.iter().cloned());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("log file");
        let child = net
            .command(self.index, Path::new(env!("CARGO_BIN_EXE_couponsd")))
            .args(&args)
            .env("COUPONSD_LOG", "info")
            .env_remove("COUPONSD_TOKEN_FILE")
            .env_remove("COUPONSD_PEER_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting couponsd in its namespace");
        self.child = Some(child);
    }

    async fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(client) = Client::connect_with(&self.addr, self.options()).await {
                if client.ping().await.is_ok() {
                    return;
                }
            }
            if !self.is_running() || Instant::now() > deadline {
                panic!(
                    "couponsd did not come up on {} in namespace {}; log:\n{}",
                    self.addr,
                    self.index,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for NsNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A cluster of nodes, one per namespace of its own `Net`, every node
/// accepting one admin token and presenting it to the others. The nodes
/// are dropped (killed) before the network is deleted.
pub struct NsCluster {
    pub nodes: Vec<NsNode>,
    pub net: Net,
    pub token: String,
    /// The token files every node reads.
    secrets: super::Secrets,
}

impl NsCluster {
    /// Starts `n` nodes that form a new cluster, each with `extra` flags.
    pub async fn start(n: usize, extra: &[&str]) -> NsCluster {
        let net = Net::create(n);
        let token = format!("t{:x}{:x}", std::process::id(), rand_u64());
        let peers = (0..n)
            .map(|i| format!("{}={}", i + 1, net.addr(i)))
            .collect::<Vec<_>>()
            .join(",");
        let secrets = super::Secrets::new();
        let token_file = secrets.write("tokens", &format!("admin:{token}\n"));
        let peer_token_file = secrets.write("peer-token", &format!("{token}\n"));
        let mut cluster = NsCluster {
            nodes: Vec::new(),
            net,
            token,
            secrets,
        };
        for i in 0..n {
            let mut args: Vec<String> = vec![
                "--node-id".into(),
                (i + 1).to_string(),
                "--peers".into(),
                peers.clone(),
                "--token-file".into(),
                token_file.clone(),
                "--peer-token-file".into(),
                peer_token_file.clone(),
            ];
            args.extend(extra.iter().map(|s| s.to_string()));
            let mut node = NsNode {
                child: None,
                index: i,
                addr: cluster.net.addr(i),
                args,
                token: cluster.token.clone(),
                dir: tempfile::tempdir().expect("temp dir"),
            };
            node.launch(&cluster.net);
            cluster.nodes.push(node);
        }
        for node in &mut cluster.nodes {
            node.wait_until_up().await;
        }
        cluster
    }

    /// Every node's address.
    pub fn addrs(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.addr.clone()).collect()
    }

    /// Client options with the cluster's token.
    pub fn options(&self) -> ClientOptions {
        ClientOptions {
            token: self.token.clone(),
            ..ClientOptions::default()
        }
    }

    /// Each of `among`'s view of the cluster (None: no answer).
    pub async fn statuses(&self, among: &[usize]) -> HashMap<usize, Option<ClusterStatus>> {
        let mut out = HashMap::new();
        for &i in among {
            out.insert(i, self.nodes[i].status().await);
        }
        out
    }

    /// The node every one of `among` agrees leads (it among them and saying
    /// it leads), if they agree.
    pub async fn agreed_leader(&self, among: &[usize]) -> Option<usize> {
        let statuses = self.statuses(among).await;
        let mut leader = None;
        for status in statuses.values() {
            let id = status.as_ref()?.leader_id;
            if id == 0 || leader.is_some_and(|l| l != id) {
                return None;
            }
            leader = Some(id);
        }
        let index = usize::try_from(leader? - 1).ok()?;
        let status = statuses.get(&index)?.as_ref()?;
        (status.role == NodeRole::Leader).then_some(index)
    }

    /// Waits up to `within` for `among` to agree on a leader among them.
    pub async fn leader_among(&self, among: &[usize], within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            if let Some(i) = self.agreed_leader(among).await {
                return i;
            }
            assert!(
                Instant::now() < deadline,
                "nodes {among:?} agreed on no leader among them within {within:?}; \
                 statuses: {:?}\nlogs:\n{}",
                self.statuses(among).await,
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn logs(&self) -> String {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("--- node {} ({}):\n{}", i + 1, n.addr, n.log()))
            .collect()
    }
}

/// A random-enough number for a secret of a test run (no rand dependency).
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}
