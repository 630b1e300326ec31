//! `serve --config FILE` and `couponsd config check FILE`: every error names
//! its key and exits 2; a flag beats its environment variable, which beats
//! the file, which beats the built-in default; README's example file holds
//! exactly the keys serve has.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::Server;

fn couponsd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(args)
        .env("COUPONSD_LOG", "info")
        .output()
        .expect("running couponsd")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("writing a config file");
    path
}

/// `config check` and `serve --config` both refuse the file, exit 2, and
/// say each of `wanted`; serve does not start.
fn refused(path: &Path, wanted: &[&str]) {
    let path = path.to_str().expect("utf-8 path");
    for args in [
        vec!["config", "check", path],
        vec!["serve", "--listen", "127.0.0.1:0", "--config", path],
    ] {
        let out = couponsd(&args);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        for w in wanted {
            assert!(said.contains(w), "{args:?} should say {w:?}: {said}");
        }
        assert!(!said.contains("store opened"), "{args:?} started: {said}");
    }
}

#[test]
fn every_config_file_error_is_refused_naming_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    refused(
        &write(
            d,
            "unknown.toml",
            "listen = \"127.0.0.1:7878\"\ncolour = \"blue\"\n",
        ),
        &["key `colour`: not a serve setting"],
    );
    refused(
        &write(d, "snake.toml", "hold_ttl_secs = 60\n"),
        &[
            "key `hold_ttl_secs`",
            "spelled as the flags: `hold-ttl-secs`",
        ],
    );
    refused(
        &write(d, "client_flag.toml", "addr = \"127.0.0.1:7878\"\n"),
        &["key `addr`: not a serve setting"],
    );
    refused(
        &write(d, "type.toml", "hold-ttl-secs = \"900\"\n"),
        &["key `hold-ttl-secs`: expects an integer, not a string"],
    );
    refused(
        &write(d, "switch.toml", "join = 1\n"),
        &["key `join`: expects true or false, not an integer"],
    );
    refused(
        &write(d, "array.toml", "listen = [\"127.0.0.1:1\"]\n"),
        &["key `listen`: expects a string", "not an array"],
    );
    refused(
        &write(d, "table.toml", "[listen]\nport = 1\n"),
        &["key `listen`", "not a table"],
    );
    refused(
        &write(d, "log.toml", "log-format = \"yaml\"\n"),
        &["key `log-format`", "'yaml'", "text, json"],
    );
    refused(
        &write(d, "range.toml", "stack-max-codes = 500\n"),
        &["key `stack-max-codes`", "500 is not in 1..=100"],
    );
    refused(
        &write(d, "addr.toml", "listen = \"localhost-ish\"\n"),
        &["key `listen`", "localhost-ish"],
    );
    // Several at once: every one is reported, not only the first.
    refused(
        &write(
            d,
            "many.toml",
            "colour = 1\nmax-batch = -1\nanalytics = \"no\"\n",
        ),
        &["key `colour`", "key `max-batch`", "key `analytics`"],
    );
    // What a value needs of another key, and the settings' own rules.
    refused(
        &write(d, "requires.toml", "tls-cert = \"cert.pem\"\n"),
        &["--tls-key"],
    );
    refused(
        &write(
            d,
            "cluster.toml",
            "join = true\npeers = [\"1=127.0.0.1:7001\"]\n",
        ),
        &["--join and --peers exclude each other"],
    );
    refused(
        &write(d, "syntax.toml", "listen = [\n"),
        &["not valid TOML", "line 1"],
    );
    refused(&d.join("missing.toml"), &["missing.toml", "cannot read it"]);
}

#[test]
fn config_check_accepts_a_good_file_without_starting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "good.toml",
        "listen = \"127.0.0.1:1\"\nhold-ttl-secs = 60\njoin = false\npeers = \"1=127.0.0.1:1\"\n",
    );
    let out = couponsd(&["config", "check", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("ok, 4 keys"), "{}", text(&out));
}

/// The ```toml block of README.md's "Config file" section.
fn readme_example() -> String {
    let readme = include_str!("../README.md");
    let section = readme
        .split("\n## Config file")
        .nth(1)
        .expect("README.md has a Config file section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .expect("the section has a ```toml example");
    block.split("\n```").next().unwrap_or_default().to_string()
}

#[test]
fn readme_example_holds_every_serve_setting_and_passes_config_check() {
    let example: toml::Table = readme_example().parse().expect("README example is TOML");
    let mut in_readme: Vec<String> = example.keys().cloned().collect();
    let mut in_serve = couponsd::cli::config_file::keys();
    in_readme.sort();
    in_serve.sort();
    assert_eq!(
        in_readme, in_serve,
        "README's example file and serve's flags differ"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "example.toml", &readme_example());
    let out = couponsd(&["config", "check", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Whether the server's log is JSON lines (rather than text).
fn logs_json(server: &Server) -> bool {
    let log = server.log();
    let first = log.lines().next().unwrap_or_default();
    first.starts_with('{')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_beats_environment_beats_file_beats_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "json.toml", "log-format = \"json\"\n");
    let file = file.to_str().expect("utf-8");

    // Default: text.
    let mut server = Server::prepare();
    server.launch(&[]).await;
    assert!(!logs_json(&server), "{}", server.log());
    drop(server);

    // File over default: json.
    let mut server = Server::prepare();
    server.launch(&["--config", file]).await;
    assert!(logs_json(&server), "{}", server.log());
    drop(server);

    // The file named by COUPONSD_CONFIG alone: json.
    let mut server = Server::prepare();
    server.env = vec![("COUPONSD_CONFIG".into(), file.into())];
    server.launch(&[]).await;
    assert!(logs_json(&server), "{}", server.log());
    drop(server);

    // Environment over file: text.
    let mut server = Server::prepare();
    server.env = vec![("COUPONSD_LOG_FORMAT".into(), "text".into())];
    server.launch(&["--config", file]).await;
    assert!(!logs_json(&server), "{}", server.log());
    drop(server);

    // Flag over environment (and file): json again, with the file saying text.
    let text_file = write(dir.path(), "text.toml", "log-format = \"text\"\n");
    let mut server = Server::prepare();
    server.env = vec![("COUPONSD_LOG_FORMAT".into(), "text".into())];
    server
        .launch(&[
            "--config",
            text_file.to_str().expect("utf-8"),
            "--log-format",
            "json",
        ])
        .await;
    assert!(logs_json(&server), "{}", server.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_runs_from_its_file_alone() {
    // Address, data directory and the default hold TTL all from the file.
    let dir = tempfile::tempdir().expect("temp dir");
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = probe.local_addr().expect("its address").to_string();
    drop(probe);
    let data = dir.path().join("from-file-data");
    let file = write(
        dir.path(),
        "node.toml",
        &format!(
            "listen = \"{addr}\"\ndata = \"{}\"\nhold-ttl-secs = 7\n",
            data.display()
        ),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(["serve", "--config", file.to_str().expect("utf-8")])
        .env_remove("COUPONSD_LISTEN")
        .env_remove("COUPONSD_DATA")
        .env_remove("COUPONSD_HOLD_TTL_SECS")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting couponsd");
    let mut up = false;
    for _ in 0..100 {
        let (status, _, _) = common::couponsd_cli(&addr, &["ping"]);
        if status == 0 {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server from the file never answered on {addr}");
    assert!(data.exists(), "the data directory of the file was not used");

    // The file's hold TTL is the default of a reserve without --ttl-secs.
    let (status, _, out) = common::couponsd_cli(
        &addr,
        &[
            "coupon",
            "create",
            "--code",
            "FILETTL",
            "--percent",
            "10",
            "--currency",
            "USD",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let (status, hold, out) = common::couponsd_cli(
        &addr,
        &[
            "reserve",
            "--code",
            "FILETTL",
            "--order",
            "o-1",
            "--amount",
            "100.00",
            "--currency",
            "USD",
            "--json",
        ],
    );
    assert_eq!(status, 0, "{out}");
    let _ = child.kill();
    let _ = child.wait();
    let at = |field: &str| -> i64 {
        hold[field]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map_or(0, |t| t.as_millisecond())
    };
    let ttl_ms = at("hold_expires_at") - at("created_at");
    assert!(
        (6_000..=8_000).contains(&ttl_ms),
        "hold TTL {ttl_ms} ms: {hold}"
    );
}
