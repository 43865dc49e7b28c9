//! The command-line surface: help text, exit codes for bad input, and the layering of flags,
//! `CONNECT_RETURNS_*` environment variables and `connect-returns.toml`.
//!
//! Every child process here is pointed at a closed loopback port for all AWS endpoints, so a
//! test that got past the input checks by mistake fails fast instead of reaching anything.

use crate::harness::{offline, stderr, stdout};

const INSTANCE: &str = "1a2b3c4d-1234-5678-9abc-1234567890ab";

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn help_lists_every_command_and_the_exit_codes() {
    let dir = tempdir();
    let output = offline(&["--help"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for command in [
        "deploy", "destroy", "status", "validate", "simulate", "generate",
    ] {
        assert!(
            text.contains(command),
            "--help does not mention {command}:\n{text}"
        );
    }
    assert!(text.contains("Exit codes: 0 success, 1 failure while applying, 2 bad input"));
    assert!(text.contains("AWS_ENDPOINT_URL"));
}

#[test]
fn each_subcommand_has_help_that_names_its_flags() {
    let dir = tempdir();
    for (command, flags) in [
        (
            "deploy",
            &[
                "--instance",
                "--solution",
                "--lex",
                "--record-ttl-minutes",
                "--plan",
                "--yes",
                "--adopt",
            ][..],
        ),
        (
            "destroy",
            &["--instance", "--keep-data", "--plan", "--yes"][..],
        ),
        ("status", &["--instance", "--check"][..]),
        ("validate", &["--solution"][..]),
    ] {
        let output = offline(&[command, "--help"])
            .current_dir(dir.path())
            .output()
            .expect("the CLI runs");
        assert_eq!(output.status.code(), Some(0), "{command} --help");
        let text = stdout(&output);
        for flag in flags {
            assert!(
                text.contains(flag),
                "`{command} --help` does not document {flag}:\n{text}"
            );
        }
    }
}

#[test]
fn a_missing_instance_is_bad_input_with_a_hint() {
    let dir = tempdir();
    for command in ["deploy", "destroy", "status"] {
        let output = offline(
            &[command, "--yes"]
                .iter()
                .copied()
                .filter(|arg| command != "status" || *arg != "--yes")
                .collect::<Vec<_>>(),
        )
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&output)
        );
        let text = stderr(&output);
        assert!(
            text.starts_with("error: --instance is required\n"),
            "{command}: {text}"
        );
        assert!(text.contains("\nhint: "), "{command}: {text}");
        assert!(stdout(&output).is_empty(), "stdout carries data only");
    }
}

#[test]
fn a_malformed_instance_is_bad_input() {
    let dir = tempdir();
    let output = offline(&["status", "--instance", "not-an-instance"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("neither an instance id nor an ARN"));
}

#[test]
fn unknown_values_are_usage_errors() {
    let dir = tempdir();
    for args in [
        &["deploy", "--solution", "both"][..],
        &["deploy", "--lex", "v3"][..],
        &["frobnicate"][..],
    ] {
        let output = offline(args)
            .current_dir(dir.path())
            .output()
            .expect("the CLI runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn the_config_file_supplies_flags() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("connect-returns.toml"),
        "instance = \"from-the-file\"\n",
    )
    .unwrap();
    let output = offline(&["status"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("\"from-the-file\" is neither an instance id"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn flags_win_over_the_environment_and_the_file() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("connect-returns.toml"),
        "instance = \"from-the-file\"\n",
    )
    .unwrap();
    // The flag's value is valid, so the run gets past the input checks and stops at the closed
    // endpoint: the file's bad value was not used.
    let output = offline(&["status", "--instance", INSTANCE])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert!(
        stderr(&output).contains("cannot reach the AWS STS endpoint"),
        "{}",
        stderr(&output)
    );
    assert!(
        !stderr(&output).contains("from-the-file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn environment_tables_override_the_top_level() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("connect-returns.toml"),
        format!("instance = \"{INSTANCE}\"\n\n[env.prod]\ninstance = \"prod-value\"\n"),
    )
    .unwrap();
    let output = offline(&["--env", "prod", "status"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("\"prod-value\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn config_mistakes_are_bad_input_with_hints() {
    let cases: [(&str, &[&str], &str); 5] = [
        ("instance = \n", &["status"], "is not valid TOML"),
        ("instanse = \"x\"\n", &["status"], "unknown key `instanse`"),
        (
            "record-ttl-minutes = \"many\"\n",
            &["deploy", "--instance", INSTANCE],
            "record-ttl-minutes",
        ),
        (
            "plan = \"yes\"\n",
            &["deploy", "--instance", INSTANCE],
            "`plan` must be true or false",
        ),
        (
            "[env.dev]\nregion = \"eu-west-1\"\n",
            &["--env", "prod", "status"],
            "unknown environment `prod`",
        ),
    ];
    for (file, args, expected) in cases {
        let dir = tempdir();
        std::fs::write(dir.path().join("connect-returns.toml"), file).unwrap();
        let output = offline(args)
            .current_dir(dir.path())
            .output()
            .expect("the CLI runs");
        assert_eq!(
            output.status.code(),
            Some(2),
            "{file:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{file:?}: expected {expected:?} in {}",
            stderr(&output)
        );
    }
}

#[test]
fn an_explicit_missing_config_file_is_bad_input() {
    let dir = tempdir();
    let output = offline(&["--config", "nope.toml", "status"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read config file nope.toml"));
    assert!(stderr(&output).contains("hint: "));
}

#[test]
fn env_without_a_config_file_is_bad_input() {
    let dir = tempdir();
    let output = offline(&["--env", "prod", "status"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("there is no config file"));
}

#[test]
fn completions_and_man_page_are_generated() {
    let dir = tempdir();
    let bash = offline(&["generate", "completions", "bash"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(bash.status.code(), Some(0));
    assert!(stdout(&bash).contains("connect-returns"));
    assert!(stdout(&bash).contains("--record-ttl-minutes"));
    let man = offline(&["generate", "man"])
        .current_dir(dir.path())
        .output()
        .expect("the CLI runs");
    assert_eq!(man.status.code(), Some(0));
    assert!(stdout(&man).contains(".TH connect-returns"));
}
