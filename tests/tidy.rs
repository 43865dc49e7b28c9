//! Architecture invariants of ARCHITECTURE.md, checked on the source tree (rust-analyzer's
//! "tidy" habit): each one is a test, so CI needs no separate lint step.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file below `dir` (relative to the root) whose name ends with `ext`.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    fn walk(path: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if !matches!(
                    name,
                    "target" | ".venv" | ".venv-checkov" | ".git" | ".tools" | "node_modules"
                ) {
                    walk(&path, ext, out);
                }
            } else if name.ends_with(ext) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), ext, &mut out);
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn rust_sources() -> Vec<PathBuf> {
    ["src", "lambdas", "sandbox", "xtask", "testkit", "tests"]
        .iter()
        .flat_map(|dir| files(dir, ".rs"))
        .collect()
}

#[test]
fn every_rust_file_says_what_it_owns() {
    let missing: Vec<String> = rust_sources()
        .into_iter()
        .filter(|path| !read(path).trim_start().starts_with("//!"))
        .map(|path| rel(&path))
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc: {missing:?}"
    );
}

#[test]
fn aws_clients_are_built_in_one_place() {
    // The CLI builds SDK clients only in src/aws.rs, so endpoint, retry and pacing settings
    // cannot be forgotten at a call site. Test code (`tests.rs` files and everything after a
    // file's first `#[cfg(test)]`) builds its own clients for moto and the sandbox.
    let offenders: Vec<String> = files("src", ".rs")
        .into_iter()
        .filter(|path| !path.ends_with("src/aws.rs") && !path.ends_with("tests.rs"))
        .filter(|path| {
            let text = read(path);
            let product = text.split("#[cfg(test)]").next().unwrap_or_default();
            product
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .any(|line| {
                    line.contains("::Client::new(")
                        || line.contains("::Client::from_conf(")
                        || line.contains("aws_config::defaults(")
                })
        })
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "AWS clients built outside src/aws.rs: {offenders:?}"
    );
}

#[test]
fn xtask_spawns_processes_in_one_place() {
    let offenders: Vec<String> = files("xtask/src", ".rs")
        .into_iter()
        .filter(|path| !path.ends_with("xtask/src/proc.rs"))
        .filter(|path| read(path).contains("Command::new("))
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "xtask files that start processes outside proc.rs: {offenders:?}"
    );
}

#[test]
fn the_cli_starts_no_processes() {
    let offenders: Vec<String> = files("src", ".rs")
        .into_iter()
        .filter(|path| read(path).contains("process::Command"))
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "the CLI must not spawn processes: {offenders:?}"
    );
}

#[test]
fn assets_and_templates_hold_no_literal_arns_or_accounts() {
    let mut offenders = Vec::new();
    for path in files("assets", "")
        .into_iter()
        .chain(files("templates", ""))
    {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            let has_arn = line.match_indices("arn:aws").any(|(at, _)| {
                // `arn:aws:...` built by !Sub with ${AWS::Partition}-style variables is fine;
                // a literal region or 12-digit account is not.
                let rest = &line[at..];
                rest.split(':').nth(4).is_some_and(|account| {
                    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
                })
            });
            if has_arn {
                offenders.push(format!("{}:{}", rel(&path), number + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "literal ARNs with an account id: {offenders:?}"
    );
}

#[test]
fn no_unfinished_markers() {
    let markers = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("#[", "ignore"),
    ];
    let offenders: Vec<String> = rust_sources()
        .into_iter()
        .filter(|path| {
            let text = read(path);
            markers.iter().any(|marker| text.contains(marker))
        })
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "unfinished work marked in: {offenders:?}"
    );
}

#[test]
fn engine_code_never_writes_to_stdout() {
    // stdout carries data only; progress and logs go through the reporter and tracing.
    let offenders: Vec<String> = ["src/deploy", "src/resources"]
        .iter()
        .flat_map(|dir| files(dir, ".rs"))
        .chain([
            root().join("src/report.rs"),
            root().join("src/aws.rs"),
            root().join("src/pacing.rs"),
        ])
        .filter(|path| {
            let text = read(path);
            text.contains("println!(")
                || text.contains("print!(")
                || text.contains("std::io::stdout")
        })
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "stdout written outside output.rs and the commands: {offenders:?}"
    );
}

/// The engine: everything but the command line, the commands, the config file and the terminal.
const ENGINE: &[&str] = &[
    "src/deploy",
    "src/resources",
    "src/flow",
    "src/assets",
    "src/aws.rs",
    "src/report.rs",
    "src/pacing.rs",
    "src/instance.rs",
    "src/artifact_source.rs",
    "src/iam_policy.rs",
];

/// What the engine must not use, with the reason.
const FORBIDDEN_IN_ENGINE: &[(&str, &str)] = &[
    ("crate::cli", "the command line"),
    ("crate::commands", "a command"),
    ("crate::ui", "the terminal side"),
    ("crate::config", "the config file"),
    ("crate::output", "stdout"),
    ("clap::", "clap"),
    ("indicatif", "indicatif"),
    ("std::io::stdin", "stdin"),
    ("std::io::stdout", "stdout"),
    ("println!", "stdout"),
    ("eprintln!", "the terminal"),
    ("eprint!", "the terminal"),
    ("print!(", "stdout"),
];

/// The engine lines of `text` that break the boundary, as `line: what`.
fn boundary_breaks(text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .flat_map(|(n, line)| {
            FORBIDDEN_IN_ENGINE
                .iter()
                .filter(move |(pattern, _)| line.contains(pattern))
                .map(move |(pattern, what)| format!("line {}: {pattern} ({what})", n + 1))
        })
        .collect()
}

#[test]
fn the_engine_knows_nothing_of_the_command_line_or_the_terminal() {
    // ARCHITECTURE.md: the engine takes settings, a reporter and a confirmation callback; only
    // `cli.rs`, `commands/`, `config.rs`, `output.rs` and `ui/` know clap, stdin and stdout.
    let mut offenders = Vec::new();
    for part in ENGINE {
        let paths = if part.ends_with(".rs") {
            vec![root().join(part)]
        } else {
            files(part, ".rs")
        };
        for path in paths {
            for broken in boundary_breaks(&read(&path)) {
                offenders.push(format!("{}: {broken}", rel(&path)));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the engine reaches outside its boundary:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_boundary_rule_catches_a_deliberate_import() {
    assert_eq!(
        boundary_breaks("//! doc\nuse crate::cli::GlobalArgs;\n"),
        vec!["line 2: crate::cli (the command line)".to_string()]
    );
    assert!(boundary_breaks("// use crate::cli in a comment is fine\n").is_empty());
    assert!(boundary_breaks("use crate::deploy::model::Settings;\n").is_empty());
}

#[test]
fn the_terminal_layer_knows_nothing_of_the_command_line() {
    // `ui/` draws progress for the commands; it takes its own options, never clap's arguments.
    let offenders: Vec<String> = files("src/ui", ".rs")
        .into_iter()
        .filter(|path| {
            read(path).lines().any(|line| {
                !line.trim_start().starts_with("//")
                    && (line.contains("crate::cli") || line.contains("crate::commands"))
            })
        })
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "ui files that import the command line: {offenders:?}"
    );
}
