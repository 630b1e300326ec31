//! `serve --config FILE` (or COUPONSD_CONFIG) and `config check FILE`: a TOML
//! file of serve settings.
//!
//! The keys are not a hand-kept list: they are the long names of the `serve`
//! command's own arguments (`hold-ttl-secs = 900` for `--hold-ttl-secs 900`),
//! so a flag added to `ServeArgs` is a key with no code here. Each value is
//! checked by the argument's own clap value parser, then given to clap as that
//! argument's default: a flag, then its environment variable, then the file,
//! then the built-in default decide, in that order.

use std::any::TypeId;
use std::ffi::OsString;
use std::path::Path;

use clap::{ArgAction, CommandFactory};

use super::args::Cli;

/// Arguments of `serve` that are not settings a file may hold.
const NOT_KEYS: [&str; 3] = ["config", "help", "version"];

/// One problem of a config file; all but the first two name their key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read it: {0}")]
    Unreadable(std::io::Error),
    #[error("not valid TOML: {0}")]
    NotToml(String),
    #[error("key `{key}`: not a serve setting{hint}")]
    UnknownKey { key: String, hint: String },
    #[error("key `{key}`: expects {expects}, not {found}")]
    WrongType {
        key: String,
        expects: String,
        found: &'static str,
    },
    #[error("key `{key}`: {message}")]
    BadValue { key: String, message: String },
    /// The settings together: a flag that needs another, a cluster setting
    /// that contradicts another (found once every value parses).
    #[error("{0}")]
    Settings(String),
}

/// One key of the file: the argument it sets and its values as on the
/// command line.
#[derive(Debug, Clone)]
pub struct Setting {
    arg_id: String,
    long: String,
    values: Vec<String>,
}

/// What a key's TOML value must be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A switch (`--join`): true or false.
    Switch,
    Bool,
    Integer,
    Text,
}

/// The `serve` command as clap sees it, before any file is applied.
pub fn serve_command() -> clap::Command {
    // The derive always defines `serve`: its absence is a bug of this file.
    Cli::command()
        .find_subcommand("serve")
        .cloned()
        .expect("the CLI has a serve command")
}

/// Every key a config file may hold, in the order `serve --help` shows them.
pub fn keys() -> Vec<String> {
    serve_command()
        .get_arguments()
        .filter(|a| is_key(a))
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

fn is_key(arg: &clap::Arg) -> bool {
    !arg.is_hide_set() && arg.get_long().is_some_and(|l| !NOT_KEYS.contains(&l))
}

/// Reads and checks a config file: every problem found, or its settings.
pub fn load(path: &Path) -> Result<Vec<Setting>, Vec<ConfigFileError>> {
    let text = std::fs::read_to_string(path).map_err(|e| vec![ConfigFileError::Unreadable(e)])?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| vec![ConfigFileError::NotToml(one_line(&e.to_string()))])?;
    let serve = serve_command();
    let checker = without_env(serve.clone());
    let mut settings = Vec::new();
    let mut errors = Vec::new();
    for (key, value) in &table {
        let Some(arg) = serve
            .get_arguments()
            .find(|a| is_key(a) && a.get_long() == Some(key.as_str()))
        else {
            errors.push(unknown_key(key));
            continue;
        };
        match setting(arg, key, value).and_then(|s| check_value(&checker, &s).map(|()| s)) {
            Ok(s) => settings.push(s),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Defaults escape clap's `requires` and `conflicts_with`: judge them
    // here, as if the file's keys were all given as flags.
    let mut argv: Vec<OsString> = vec!["serve".into()];
    for s in &settings {
        argv.extend(flag_form(&checker, s));
    }
    checker
        .try_get_matches_from(argv)
        .map_err(|e| vec![ConfigFileError::Settings(clap_message(&e))])?;
    Ok(settings)
}

/// A setting as it would be written on the command line.
fn flag_form(checker: &clap::Command, s: &Setting) -> Vec<OsString> {
    let switch = checker
        .get_arguments()
        .find(|a| a.get_id() == s.arg_id.as_str())
        .is_some_and(|a| kind(a) == Kind::Switch);
    if switch {
        // A switch takes no value: present when true.
        return match s.values.first().map(String::as_str) {
            Some("true") => vec![format!("--{}", s.long).into()],
            _ => Vec::new(),
        };
    }
    s.values
        .iter()
        .map(|v| format!("--{}={v}", s.long).into())
        .collect()
}

/// `serve` with the file's settings as its arguments' defaults.
pub fn with_defaults(mut serve: clap::Command, settings: &[Setting]) -> clap::Command {
    for s in settings {
        let values = s.values.clone();
        serve = serve.mut_arg(&s.arg_id, |a| a.default_values(values));
    }
    serve
}

/// The `serve` arguments a file gives, with no environment variable read:
/// what `config check` judges, the file alone.
pub fn file_only_args(settings: &[Setting]) -> Result<super::args::ServeArgs, ConfigFileError> {
    use clap::FromArgMatches;
    let serve = with_defaults(without_env(serve_command()), settings);
    let matches = serve
        .try_get_matches_from(["serve"])
        .map_err(|e| ConfigFileError::Settings(clap_message(&e)))?;
    super::args::ServeArgs::from_arg_matches(&matches)
        .map_err(|e| ConfigFileError::Settings(clap_message(&e)))
}

fn without_env(serve: clap::Command) -> clap::Command {
    serve.mut_args(|a| a.env(None))
}

fn unknown_key(key: &str) -> ConfigFileError {
    let kebab = key.replace('_', "-");
    let hint = if kebab != key && keys().contains(&kebab) {
        format!(" (keys are spelled as the flags: `{kebab}`)")
    } else {
        " (keys are serve's flags without `--`: see `couponsd serve --help`)".to_string()
    };
    ConfigFileError::UnknownKey {
        key: key.to_string(),
        hint,
    }
}

fn kind(arg: &clap::Arg) -> Kind {
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        return Kind::Switch;
    }
    let parsed = arg.get_value_parser().type_id();
    let integers = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i8>(),
        TypeId::of::<i16>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
    ];
    if parsed == TypeId::of::<bool>() {
        Kind::Bool
    } else if integers.iter().any(|t| parsed == *t) {
        Kind::Integer
    } else {
        Kind::Text
    }
}

/// The argument takes several values: a TOML array (or one value).
fn is_list(arg: &clap::Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append) || arg.get_value_delimiter().is_some()
}

fn expects(arg: &clap::Arg) -> String {
    let one = match kind(arg) {
        Kind::Switch | Kind::Bool => "true or false".to_string(),
        Kind::Integer => "an integer".to_string(),
        Kind::Text => match arg.get_value_parser().possible_values() {
            Some(values) => {
                let names: Vec<String> = values.map(|v| format!("\"{}\"", v.get_name())).collect();
                format!("one of {}", names.join(", "))
            }
            None => match arg.get_value_names().and_then(|n| n.first()) {
                Some(name) => format!("a string ({name})"),
                None => "a string".to_string(),
            },
        },
    };
    if is_list(arg) {
        format!("{one}, or an array of them")
    } else {
        one
    }
}

fn type_name(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// A key's TOML value as command-line values, if it has the argument's type.
fn setting(arg: &clap::Arg, key: &str, value: &toml::Value) -> Result<Setting, ConfigFileError> {
    let wrong = |found| ConfigFileError::WrongType {
        key: key.to_string(),
        expects: expects(arg),
        found,
    };
    let scalar = |v: &toml::Value| match (kind(arg), v) {
        (Kind::Switch | Kind::Bool, toml::Value::Boolean(b)) => Ok(b.to_string()),
        (Kind::Integer, toml::Value::Integer(i)) => Ok(i.to_string()),
        (Kind::Text, toml::Value::String(s)) => Ok(s.clone()),
        _ => Err(wrong(type_name(v))),
    };
    let values = match value {
        toml::Value::Array(items) if is_list(arg) => {
            items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?
        }
        other => vec![scalar(other)?],
    };
    Ok(Setting {
        arg_id: arg.get_id().to_string(),
        long: key.to_string(),
        values,
    })
}

/// Runs the setting's values through its argument's own value parser, as if
/// given on the command line (and no other argument).
fn check_value(checker: &clap::Command, s: &Setting) -> Result<(), ConfigFileError> {
    let mut argv: Vec<OsString> = vec!["serve".into()];
    argv.extend(flag_form(checker, s));
    match checker.clone().try_get_matches_from(argv) {
        Ok(_) => Ok(()),
        // Only this value is judged here; what it needs of other keys is
        // judged with the whole file (in `load`).
        Err(e) if e.kind() == clap::error::ErrorKind::MissingRequiredArgument => Ok(()),
        Err(e) => Err(ConfigFileError::BadValue {
            key: s.long.clone(),
            message: clap_message(&e),
        }),
    }
}

/// A clap error on one line, without its "error:" and usage hints.
fn clap_message(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let lines: Vec<&str> = rendered
        .lines()
        .map(|l| l.trim().trim_start_matches("error: "))
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more"))
        .collect();
    lines.join(" ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `couponsd config check FILE`: 0 when `serve --config FILE` would accept
/// it (environment aside), 2 with each problem on stderr.
pub fn check(path: &Path) -> std::process::ExitCode {
    let errors = match load(path) {
        Ok(settings) => match file_only_args(&settings)
            .and_then(|args| super::serve::check(&args).map_err(ConfigFileError::Settings))
        {
            Ok(()) => {
                println!("{}: ok, {} keys", path.display(), settings.len());
                return std::process::ExitCode::SUCCESS;
            }
            Err(e) => vec![e],
        },
        Err(errors) => errors,
    };
    for e in errors {
        eprintln!("couponsd: {}: {e}", path.display());
    }
    std::process::ExitCode::from(2)
}
