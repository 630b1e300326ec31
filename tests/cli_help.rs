//! The command line's own description: every flag of every command has help,
//! and `serve --help` shows serve's flags and tells what the code does.

use std::process::{Command, Output};

/// Every argument without help text, as "couponsd VERB ... --flag".
fn undocumented(command: &clap::Command, path: &str, found: &mut Vec<String>) {
    for arg in command.get_arguments() {
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        if !builtin && !arg.is_hide_set() && arg.get_help().is_none() {
            let name = arg
                .get_long()
                .map(|l| format!("--{l}"))
                .unwrap_or_else(|| arg.get_id().to_string());
            found.push(format!("{path} {name}"));
        }
    }
    for sub in command.get_subcommands() {
        undocumented(sub, &format!("{path} {}", sub.get_name()), found);
    }
}

#[test]
fn every_flag_of_every_command_has_help() {
    let mut found = Vec::new();
    undocumented(&couponsd::cli::command(), "couponsd", &mut found);
    assert!(
        found.is_empty(),
        "flags without help:\n{}",
        found.join("\n")
    );
}

fn couponsd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_couponsd"))
        .args(args)
        .output()
        .expect("running couponsd")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn serve_help_shows_serve_flags_only_and_what_the_code_does() {
    let out = couponsd(&["serve", "--help"]);
    let help = text(&out);
    assert_eq!(out.status.code(), Some(0), "{help}");
    for client_flag in ["--addr", "--token ", "--json", "--ca ", "--cert "] {
        assert!(
            !help.contains(client_flag),
            "serve --help shows {client_flag}: {help}"
        );
    }
    assert!(
        help.contains("--listen") && help.contains("--config"),
        "{help}"
    );
    // The checkpointer's threshold is the larger of --checkpoint-records
    // and 1/32 of the state's entries (src/writer/checkpointer.rs).
    assert!(help.contains("1/32 of the state's entries"), "{help}");
    assert!(!help.contains("eighth"), "{help}");
}

#[test]
fn client_flags_on_serve_are_usage_errors() {
    for args in [
        &["serve", "--addr", "127.0.0.1:1"][..],
        &["--json", "serve"][..],
        &["serve", "--token", "secret-secret"][..],
    ] {
        let out = couponsd(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains("flag of the client commands"),
            "{}",
            text(&out)
        );
    }
}

/// A closed port: any attempt to connect fails, so a usage error reported
/// instead shows that the command judged its flags before connecting.
fn closed_port() -> String {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = probe.local_addr().expect("its address").to_string();
    drop(probe);
    addr
}

#[test]
fn usage_errors_exit_2_before_contacting_the_server() {
    let addr = closed_port();
    let cart = [
        "--code",
        "SUMMER20",
        "--amount",
        "150.00",
        "--currency",
        "USD",
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["redeem"], "redeem needs --order"),
        (vec!["reserve"], "reserve needs --order"),
        (vec!["redeem", "--order", ""], "redeem needs --order"),
        (
            vec![
                "validate",
                "--code",
                "X",
                "--amount",
                "ten",
                "--currency",
                "USD",
            ],
            "\"ten\" is not a decimal amount",
        ),
        (vec!["bench", "--op", "redeme"], "invalid value 'redeme'"),
        (
            vec!["campaign", "export", "--id", "1", "--format", "xml"],
            "invalid value 'xml'",
        ),
        (
            vec!["fraud", "outcome", "--redemption", "1", "--label", "maybe"],
            "invalid value",
        ),
    ];
    for (verb, wanted) in cases {
        let mut args = vec!["--addr", addr.as_str()];
        args.extend(&verb);
        if verb[0] == "redeem" || verb[0] == "reserve" {
            args.extend(cart);
        }
        let out = couponsd(&args);
        let said = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains(wanted),
            "{args:?} should say {wanted:?}: {said}"
        );
        assert!(
            !said.contains("cannot reach"),
            "{args:?} tried the server: {said}"
        );
    }
    // A well-formed command to a closed port names the address it tried.
    let out = couponsd(&["--addr", addr.as_str(), "info"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("cannot reach the server at {addr}")),
        "{said}"
    );
}
