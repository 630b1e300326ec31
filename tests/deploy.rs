//! deploy/couponsd.service: `systemd-analyze verify` accepts it without a
//! word, it has the sandboxing README.md promises, its stop timeout outlasts
//! the server's SIGTERM drain, and every couponsd setting it names is one
//! the binary reads.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use common::Server;
use couponsd::server::config::ServerConfig;

const UNIT: &str = include_str!("../deploy/couponsd.service");
const EXEC_START: &str = "/usr/local/bin/couponsd serve";

/// Every `Key=value` of the unit, each key with all its values in order.
fn directives() -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in UNIT.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with('[') || line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once('=').expect("a Key=value line");
        out.entry(key.to_string())
            .or_default()
            .push(value.to_string());
    }
    out
}

fn one<'a>(d: &'a BTreeMap<String, Vec<String>>, key: &str) -> &'a str {
    match d.get(key).map(Vec::as_slice) {
        Some([value]) => value,
        other => panic!("{key}: expected one value, found {other:?}"),
    }
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    // Not skipped when missing: scripts/deps.sh installs it (Debian: systemd).
    let version = Command::new("systemd-analyze").arg("--version").output();
    let version = match version {
        Ok(out) if out.status.success() => out,
        other => panic!(
            "systemd-analyze is not available ({other:?}): run scripts/deps.sh, which installs Debian's systemd"
        ),
    };
    println!(
        "{}",
        String::from_utf8_lossy(&version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    // verify checks that ExecStart's program exists: point it at this build.
    assert_eq!(
        UNIT.matches(EXEC_START).count(),
        1,
        "ExecStart={EXEC_START}"
    );
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("couponsd.service");
    let built = format!("{} serve", env!("CARGO_BIN_EXE_couponsd"));
    std::fs::write(&unit, UNIT.replace(EXEC_START, &built)).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("running systemd-analyze verify");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // It exits 0 on unknown keys and unparsable values, but names them.
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
}

#[test]
fn the_unit_is_sandboxed_and_outlasts_the_drain() {
    let d = directives();
    for (key, value) in [
        ("Type", "exec"),
        ("StateDirectory", "couponsd"),
        ("Environment", "COUPONSD_DATA=/var/lib/couponsd"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("SystemCallFilter", "@system-service"),
        ("Restart", "on-failure"),
        ("KillSignal", "SIGTERM"),
    ] {
        assert!(
            d.get(key)
                .is_some_and(|values| values.iter().any(|v| v == value)),
            "{key}={value} is missing"
        );
    }
    assert!(
        d.contains_key("User") || one(&d, "DynamicUser") == "yes",
        "runs as its own user"
    );
    let files: u64 = one(&d, "LimitNOFILE").parse().unwrap();
    assert!(
        files >= 4096,
        "LimitNOFILE={files}: the connections and the files"
    );
    // systemd then SIGKILLs: the drain must end first, with room to stop
    // the writer and close the files.
    let stop = Duration::from_secs(one(&d, "TimeoutStopSec").parse().unwrap());
    let grace = ServerConfig::new("127.0.0.1:0".parse().unwrap(), "d".into()).shutdown_grace;
    assert!(
        stop >= grace + Duration::from_secs(10),
        "TimeoutStopSec {stop:?} against a drain of {grace:?}"
    );
}

#[test]
fn every_setting_the_unit_names_is_one_couponsd_reads() {
    let help = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["serve", "--help"])
        .output()
        .expect("couponsd serve --help");
    let help = String::from_utf8_lossy(&help.stdout);
    let mut named = 0;
    for word in UNIT.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("COUPONSD_") {
            named += 1;
            assert!(
                help.contains(&format!("env: {word}=")),
                "{word} is no serve setting"
            );
        }
    }
    assert!(named >= 8, "only {named} settings named");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_units_environment_serves_and_stops_on_sigterm_in_time() {
    // The unit's own Environment= lines (but the address and directory).
    let d = directives();
    let stop = Duration::from_secs(one(&d, "TimeoutStopSec").parse().unwrap());
    let mut node = Server::prepare();
    for setting in &d["Environment"] {
        let (key, value) = setting.split_once('=').unwrap();
        if key != "COUPONSD_LISTEN" && key != "COUPONSD_DATA" {
            node.env.push((key.into(), value.into()));
        }
    }
    node.launch(&[]).await;
    node.client().await.ping().await.unwrap();
    let asked = Instant::now();
    let status = node.terminate();
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    assert!(asked.elapsed() < stop, "stopped in {:?}", asked.elapsed());
    assert!(
        node.log().contains("\"level\":\"INFO\""),
        "JSON logs: {}",
        node.log()
    );
}
