//! Architecture invariants of ARCHITECTURE.md, checked on the source tree (rust-analyzer's
//! "tidy" habit): each one is a test, so CI needs no separate lint step.

use std::path::{Path, PathBuf};

use crate::harness::root;

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

/// `text` without its test code: each item marked `#[cfg(test)]` (a `mod tests { … }`, a helper
/// function, an `impl`, a `use`) is cut out, up to its closing brace or semicolon. What follows
/// such an item is product code again.
fn product_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        rest = &rest[item_end(rest)..];
    }
    out.push_str(rest);
    out
}

/// Where the item starting in `text` ends: after the brace that closes its first block, or after
/// its `;` when it has none. Strings, characters and comments do not count.
fn item_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'r' if bytes.get(i + 1) == Some(&b'#') || bytes.get(i + 1) == Some(&b'"') => {
                // A raw string: r"…" or r#"…"#.
                let hashes = bytes[i + 1..].iter().take_while(|b| **b == b'#').count();
                if bytes.get(i + 1 + hashes) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let body = i + 2 + hashes;
                    i = text[body..]
                        .find(&close)
                        .map_or(bytes.len(), |end| body + end + close.len() - 1);
                }
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') && bytes.get(i + 3) == Some(&b'\'') => i += 3,
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Production files stay small enough to read in one sitting: at most this many lines of product
/// code (test items cut out, see [`product_code`]) in `src/` and `lambdas/`, and in the emulator.
const MOST_PRODUCT_LINES: usize = 600;
const MOST_SANDBOX_LINES: usize = 700;

#[test]
fn production_files_hold_one_concept_of_readable_size() {
    let mut over = Vec::new();
    for (dir, most) in [
        ("src", MOST_PRODUCT_LINES),
        ("lambdas/src", MOST_PRODUCT_LINES),
        ("lambdas/artifact/src", MOST_PRODUCT_LINES),
        ("sandbox/src", MOST_SANDBOX_LINES),
    ] {
        for path in files(dir, ".rs") {
            // A `tests.rs` beside its module holds that module's tests.
            if path.ends_with("tests.rs") {
                continue;
            }
            let lines = product_code(&read(&path)).lines().count();
            if lines > most {
                over.push(format!("{} ({lines} > {most})", rel(&path)));
            }
        }
    }
    assert!(over.is_empty(), "files to split at their seams: {over:?}");
}

/// Lines of `text`'s product code that build an AWS SDK client.
fn client_builds(text: &str) -> Vec<String> {
    product_code(text)
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| {
            line.contains("::Client::new(")
                || line.contains("::Client::from_conf(")
                || line.contains("aws_config::defaults(")
        })
        .map(|line| line.trim().to_string())
        .collect()
}

#[test]
fn aws_clients_are_built_in_one_place() {
    // The CLI builds SDK clients only in src/aws.rs, so endpoint, retry and pacing settings
    // cannot be forgotten at a call site. Test code (`tests.rs` files and the items marked
    // `#[cfg(test)]`) builds its own clients for moto and the sandbox.
    let offenders: Vec<String> = files("src", ".rs")
        .into_iter()
        .filter(|path| !path.ends_with("src/aws.rs") && !path.ends_with("tests.rs"))
        .flat_map(|path| {
            client_builds(&read(&path))
                .into_iter()
                .map(move |line| format!("{}: {line}", rel(&path)))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "AWS clients built outside src/aws.rs:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn only_items_marked_for_tests_are_exempt() {
    let text = r##"//! a module
#[cfg(test)]
fn fixture() -> aws_sdk_s3::Client {
    let text = "}";
    let raw = r#"{"#;
    let brace = '{';
    aws_sdk_s3::Client::new(&config())
}

pub fn product() {
    let s3 = aws_sdk_s3::Client::new(&shared);
}

#[cfg(test)]
mod tests {
    fn more() { aws_sdk_connect::Client::from_conf(conf) }
}
"##;
    assert_eq!(
        client_builds(text),
        vec!["let s3 = aws_sdk_s3::Client::new(&shared);".to_string()]
    );
    assert_eq!(
        product_code("a\n#[cfg(test)]\nuse x::y;\nb\n"),
        "a\n\nb\n",
        "a marked `use` ends at its semicolon"
    );
}

/// The word for a tracker entry followed by its number (a space or `#` between them),
/// case-insensitive.
fn issue_references(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let word = concat!("iss", "ue");
    let mut out = Vec::new();
    for (at, _) in lower.match_indices(word) {
        let after = lower[at + word.len()..].trim_start_matches([' ', '#']);
        let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
        if before_ok && after.starts_with(|c: char| c.is_ascii_digit()) {
            let line = text[..at].matches('\n').count() + 1;
            let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
            out.push(format!("line {line}: {}", text[at..end].trim()));
        }
    }
    out
}

#[test]
fn code_and_docs_speak_of_the_product_not_of_issue_numbers() {
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in [
        "src",
        "lambdas",
        "sandbox",
        "testkit",
        "xtask",
        "tests",
        "docs",
        "templates",
        "assets",
        ".ci",
        ".github",
    ] {
        for ext in [
            ".rs", ".md", ".py", ".toml", ".yaml", ".yml", ".json", ".sh",
        ] {
            paths.extend(files(dir, ext));
        }
    }
    for file in [
        "README.md",
        "ARCHITECTURE.md",
        "BENCHMARKS.md",
        "Cargo.toml",
    ] {
        paths.push(root().join(file));
    }
    paths.retain(|path| path.exists());
    let offenders: Vec<String> = paths
        .iter()
        .flat_map(|path| {
            issue_references(&read(path))
                .into_iter()
                .map(move |found| format!("{}: {found}", rel(path)))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "references to issue numbers (say what the code does instead):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_issue_rule_catches_a_deliberate_reference() {
    let word = concat!("Iss", "ue");
    assert_eq!(
        issue_references(&format!("//! x\n// ({word} 5) fixed here\n")),
        vec![format!("line 2: {word} 5) fixed here")]
    );
    assert_eq!(issue_references(&format!("// {word} #12\n")).len(), 1);
    assert!(issue_references(&format!("// an {word} with the bucket\n// {word}s 3\n")).is_empty());
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
fn the_end_to_end_tests_start_the_cli_and_build_sdk_configs_only_through_the_harness() {
    let markers = ["CARGO_BIN_EXE_", "aws_config::defaults("];
    let offenders: Vec<String> = files("tests", ".rs")
        .into_iter()
        .filter(|path| !rel(path).starts_with("tests/e2e/harness/"))
        // This file's fixtures quote the code other rules forbid.
        .filter(|path| !path.ends_with("tests/e2e/tidy.rs"))
        .filter(|path| {
            let text = read(path);
            markers.iter().any(|marker| text.contains(marker))
        })
        .map(|path| rel(&path))
        .collect();
    assert!(
        offenders.is_empty(),
        "tests that start the CLI or build an SDK config outside tests/e2e/harness/: {offenders:?}"
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
    let offenders: Vec<String> = ["src/deploy", "src/resources", "src/verify"]
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
    "src/verify",
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
