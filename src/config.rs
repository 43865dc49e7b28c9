//! Layered settings: command-line flags, then `CONNECT_RETURNS_*` environment variables, then the
//! config file (`connect-returns.toml`, with per-environment `[env.NAME]` tables), then defaults.
//!
//! The config file is applied by re-parsing: every key of the file that the command line and the
//! environment left unset becomes a `--key=value` argument. So the file can hold exactly the flags
//! `--help` documents, validated by clap the same way, and nothing else: an unknown key is bad
//! input (exit 2), never silently ignored.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::assets::{Menu, MenuQueue};
use crate::cli::Cli;
use crate::error::UserError;

/// The file read when `--config` is not given, if it exists in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "connect-returns.toml";

/// Parses the command line with the environment and the config file layered under it.
pub fn parse_layered(argv: Vec<OsString>) -> anyhow::Result<Cli> {
    let command = Cli::command();
    let first = command.clone().try_get_matches_from(&argv)?;
    let explicit = first.get_one::<PathBuf>("config").cloned();
    let env_name = first.get_one::<String>("env").cloned();
    let path = match &explicit {
        Some(path) => Some(path.clone()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|path| path.exists()),
    };
    let Some(path) = path else {
        if let Some(name) = env_name {
            return Err(UserError::new(format!("--env {name} given but there is no config file"))
                .hint(format!("create {DEFAULT_CONFIG_FILE} with an [env.{name}] table, or pass --config FILE"))
                .into());
        }
        return Ok(Cli::from_arg_matches(&first)?);
    };
    let mut settings = load(&path, env_name.as_deref())?;
    let menu = take_menu(&mut settings, &path)?;
    let prompts = take_table::<crate::assets::Prompts>(
        &mut settings,
        "prompts",
        &path,
        "write [prompts.<flow>] tables of \"<action>\" = \"<words or <speak>SSML</speak>>\"",
    )?;
    let bot = take_table::<crate::assets::BotLanguage>(
        &mut settings,
        "bot",
        &path,
        "write [bot] with locale = \"es_US\" and optionally [bot.utterances] Yes = [\"…\"], No = [\"…\"]",
    )?;
    let voice = take_table::<crate::assets::Voice>(
        &mut settings,
        "voice",
        &path,
        "write [voice] with name = \"Matthew\" and optionally engine = \"neural\"",
    )?;
    let extra = extra_args(&command, &first, &settings, &path)?;
    let mut argv = argv;
    argv.extend(extra);
    let matches = command.try_get_matches_from(&argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    cli.global.menu = menu;
    cli.global.prompts = prompts;
    cli.global.voice = voice;
    cli.global.bot = bot;
    Ok(cli)
}

/// Takes the table `key` out of the file's settings and reads it as `T` (not a flag).
fn take_table<T: serde::de::DeserializeOwned>(
    settings: &mut toml::Table,
    key: &str,
    path: &Path,
    hint: &str,
) -> anyhow::Result<Option<T>> {
    let Some(value) = settings.remove(key) else {
        return Ok(None);
    };
    value.try_into::<T>().map(Some).map_err(|err| {
        let detail = err.to_string();
        UserError::new(format!(
            "config file {}: [{key}]: {}",
            path.display(),
            detail.lines().next().unwrap_or_default()
        ))
        .hint(hint.to_string())
        .into()
    })
}

/// The wording keys of the `[menu]` table.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MenuWording {
    #[serde(default)]
    intro: String,
    #[serde(default)]
    option: Option<String>,
}

/// Takes the menu out of the file's settings: `[[queues]]` (name, digit, words, description)
/// and `[menu]` (intro, option). Neither is a flag; `None` when the file gives neither. The
/// menu's own checks (keys, duplicates, names) run where it is used.
fn take_menu(settings: &mut toml::Table, path: &Path) -> anyhow::Result<Option<Menu>> {
    let queues = settings.remove("queues");
    let wording = settings.remove("menu");
    if queues.is_none() && wording.is_none() {
        return Ok(None);
    }
    let bad = |what: String| {
        UserError::new(format!("config file {}: {what}", path.display()))
            .hint("write each queue as [[queues]] with name = \"…\", digit = 1, and optionally words and description; the wording as [menu] with intro and option")
    };
    let mut menu = Menu::blogs();
    if let Some(queues) = queues {
        let toml::Value::Array(entries) = queues else {
            return Err(bad("`queues` must be a list of [[queues]] tables".into()).into());
        };
        menu.queues = entries
            .into_iter()
            .enumerate()
            .map(|(i, mut entry)| {
                if let Some(digit) = entry.get_mut("digit")
                    && let toml::Value::Integer(number) = digit
                {
                    *digit = toml::Value::String(number.to_string());
                }
                entry.try_into::<MenuQueue>().map_err(|err| {
                    let detail = err.to_string();
                    bad(format!(
                        "queue entry {}: {}",
                        i + 1,
                        detail.lines().next().unwrap_or_default()
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(wording) = wording {
        let wording: MenuWording = wording.try_into().map_err(|err: toml::de::Error| {
            let detail = err.to_string();
            bad(format!(
                "[menu]: {}",
                detail.lines().next().unwrap_or_default()
            ))
        })?;
        menu.intro = wording.intro;
        if let Some(option) = wording.option {
            menu.option = option;
        }
    }
    Ok(Some(menu))
}

/// Reads the config file and merges the chosen `[env.NAME]` table over its top-level keys.
fn load(path: &Path, env_name: Option<&str>) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        UserError::new(format!("cannot read config file {}: {err}", path.display()))
            .hint("pass an existing file with --config, or remove the flag")
    })?;
    let mut table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        let first_line = err
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        UserError::new(format!(
            "config file {} is not valid TOML: {first_line}",
            path.display()
        ))
        .hint("fix the file; keys are the long flag names, e.g. instance = \"…\"")
    })?;
    let envs = match table.remove("env") {
        None => toml::Table::new(),
        Some(toml::Value::Table(envs)) => envs,
        Some(_) => {
            return Err(UserError::new(format!(
                "config file {}: `env` must be a table of tables",
                path.display()
            ))
            .hint("write per-environment settings as [env.NAME]")
            .into());
        }
    };
    if let Some(name) = env_name {
        match envs.get(name) {
            Some(toml::Value::Table(overrides)) => {
                for (key, value) in overrides {
                    table.insert(key.clone(), value.clone());
                }
            }
            _ => {
                let known: Vec<&str> = envs.keys().map(String::as_str).collect();
                return Err(UserError::new(format!(
                    "unknown environment `{name}` in {}",
                    path.display()
                ))
                .hint(if known.is_empty() {
                    format!("add an [env.{name}] table to the file")
                } else {
                    format!("known environments: {}", known.join(", "))
                })
                .into());
            }
        }
    }
    Ok(table)
}

/// Turns the settings the command line and environment did not give into extra arguments.
fn extra_args(
    command: &clap::Command,
    matches: &ArgMatches,
    settings: &toml::Table,
    path: &Path,
) -> anyhow::Result<Vec<OsString>> {
    let (sub_name, sub_matches) = matches.subcommand().context("no subcommand")?;
    let sub = command
        .find_subcommand(sub_name)
        .context("unknown subcommand")?;
    let mut extra = Vec::new();
    for (key, value) in settings {
        if matches!(key.as_str(), "config" | "env") {
            return Err(UserError::new(format!(
                "`{key}` cannot be set inside the config file {}",
                path.display()
            ))
            .hint(format!("pass --{key} on the command line"))
            .into());
        }
        let (arg, from) = match find_arg(sub, key) {
            Some(arg) => (arg, sub_matches),
            None => match find_arg(command, key) {
                Some(arg) => (arg, matches),
                None if known_anywhere(command, key) => continue,
                None => {
                    return Err(UserError::new(format!("unknown key `{key}` in config file {}", path.display()))
                        .hint("keys are the long flag names of `connect-returns <command> --help`, e.g. record-ttl-minutes")
                        .into());
                }
            },
        };
        let id = arg.get_id().as_str();
        if matches!(
            from.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        ) {
            continue;
        }
        let takes_value = arg.get_action().takes_values();
        push_value(&mut extra, key, value, takes_value, path)?;
    }
    Ok(extra)
}

fn find_arg<'a>(command: &'a clap::Command, key: &str) -> Option<&'a clap::Arg> {
    command
        .get_arguments()
        .find(|arg| arg.get_long() == Some(key))
}

/// True when some other subcommand has this flag: the key is valid, just not for this command.
fn known_anywhere(command: &clap::Command, key: &str) -> bool {
    command
        .get_subcommands()
        .any(|sub| find_arg(sub, key).is_some())
}

fn push_value(
    extra: &mut Vec<OsString>,
    key: &str,
    value: &toml::Value,
    takes_value: bool,
    path: &Path,
) -> anyhow::Result<()> {
    let wrong_type = |expected: &str| {
        UserError::new(format!(
            "config file {}: `{key}` must be {expected}",
            path.display()
        ))
        .hint(format!(
            "see `connect-returns --help` for what --{key} takes"
        ))
    };
    match value {
        toml::Value::Boolean(flag) if !takes_value => {
            if *flag {
                extra.push(format!("--{key}").into());
            }
        }
        toml::Value::Boolean(_) => return Err(wrong_type("a value, not true/false").into()),
        _ if !takes_value => return Err(wrong_type("true or false").into()),
        toml::Value::String(text) => extra.push(format!("--{key}={text}").into()),
        toml::Value::Integer(number) => extra.push(format!("--{key}={number}").into()),
        toml::Value::Float(number) => extra.push(format!("--{key}={number}").into()),
        toml::Value::Array(items) => {
            for item in items {
                push_value(extra, key, item, takes_value, path)?;
            }
        }
        _ => return Err(wrong_type("a string, number or list").into()),
    }
    Ok(())
}

/// Hidden knob for tests and benchmarks: `CONNECT_RETURNS_CONNECT_PACING=<rate>[,<burst>]`
/// (rate 0 turns pacing off).
pub const PACING_VAR: &str = "CONNECT_RETURNS_CONNECT_PACING";

/// The pacing the commands use: the documented quota (2/s, burst 5). Jitter in when requests
/// arrive is covered by the pacer's guard between paced requests (`pacing::JITTER_GUARD`), not by
/// a lower rate.
pub fn pacing_from_env() -> crate::aws::Pacing {
    let mut pacing = crate::aws::Pacing::default();
    if let Ok(value) = std::env::var(PACING_VAR) {
        let mut parts = value.split(',').map(str::trim);
        if let Some(rate) = parts.next().and_then(|rate| rate.parse().ok()) {
            pacing.rate_per_second = rate;
        }
        if let Some(burst) = parts.next().and_then(|burst| burst.parse().ok()) {
            pacing.burst = burst;
        }
    }
    pacing
}
