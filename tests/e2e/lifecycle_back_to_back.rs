//! End-to-end: a whole life cycle of seven commands run back to back, as a CI job would, against a
//! sandbox that enforces the Connect quotas per operation, with the CLI's pacer at its default.
//! No 429 may reach the CLI (the sandbox's request log shows every answer), the no-op re-deploy
//! right after `status` makes no mutating call, and every JSON answer the sandbox gave on the way
//! has only members of its output shape in the service models.

use std::time::Duration;

use crate::harness::{Env, show, stdout_json};
use connect_returns_sandbox::{Config, QuotaConfig};
use serde_json::{Value, json};

#[test]
fn seven_commands_back_to_back_meet_no_throttle() {
    let mut env = Env::with_config(Config {
        quota: QuotaConfig::default(),
        lex_build_duration: Duration::from_millis(50),
        ..Config::default()
    });
    assert!(env.running.shared().quota().enabled, "the quota is on");
    // The CLI's pacer at its default (the harness turns it off for behaviour tests), with
    // its state file in a directory of this test.
    let state = tempfile::tempdir().expect("temp dir");
    env.extra_env
        .retain(|(key, _)| key != "CONNECT_RETURNS_CONNECT_PACING");
    env.extra_env.push((
        "CONNECT_RETURNS_PACING_STATE".into(),
        state
            .path()
            .join("connect-pacing.json")
            .to_string_lossy()
            .to_string(),
    ));
    env.running.shared().keep_answers(true);
    env.clear_requests();

    let commands: [&[&str]; 7] = [
        &["--output", "json", "deploy", "--yes"],
        &["--output", "json", "status"],
        &["--output", "json", "deploy", "--yes"],
        &["--output", "json", "destroy", "--yes"],
        &["--output", "json", "deploy", "--yes", "--lex", "v1"],
        &["--output", "json", "status"],
        &["--output", "json", "destroy", "--yes"],
    ];
    let mut per_command = Vec::new();
    for (n, args) in commands.iter().enumerate() {
        let before = env.requests().len();
        let out = env.on_instance(args);
        assert!(
            out.status.success(),
            "command {} ({args:?}) failed: {}",
            n + 1,
            show(&out)
        );
        let log = env.requests();
        let mine = &log[before..];
        let throttled: Vec<String> = mine
            .iter()
            .filter(|e| e["status"] == json!(429))
            .map(|e| e["operation"].as_str().unwrap_or_default().to_string())
            .collect();
        let mutating = mine.iter().filter(|e| e["mutating"] == json!(true)).count();
        per_command.push((args.join(" "), mine.len(), mutating, throttled));
        if n == 2 {
            assert_eq!(
                stdout_json(&out)["result"],
                json!("no-changes"),
                "{}",
                show(&out)
            );
        }
    }
    let summary = per_command
        .iter()
        .map(|(c, total, m, t)| format!("{c}: {total} requests, {m} mutating, 429s {t:?}"))
        .collect::<Vec<_>>()
        .join("\n");
    let log = env.requests();
    let connect = log
        .iter()
        .filter(|e| e["service"] == json!("connect"))
        .count();
    assert!(connect > 40, "the life cycle talks to Connect: {summary}");
    let throttled: Vec<&Value> = log.iter().filter(|e| e["status"] == json!(429)).collect();
    assert!(
        throttled.is_empty(),
        "429s reached the CLI:\n{summary}\n{throttled:#?}"
    );
    assert_eq!(
        per_command[2].2, 0,
        "the no-op re-deploy right after status mutates nothing: {summary}"
    );
    // the pacer kept its buckets between the processes
    assert!(state.path().join("connect-pacing.json").exists());

    // every answer on the way, against the models
    let answers: Vec<(String, String, Value)> = env
        .running
        .shared()
        .answers()
        .into_iter()
        .map(|a| (a.service.name().to_string(), a.operation, a.body))
        .collect();
    let (problems, checked) = crate::harness::shapes::check_answers(&answers);
    assert!(
        problems.is_empty(),
        "answers outside the models:\n{}",
        problems.join("\n")
    );
    for service in ["connect", "lexv2", "lexv1"] {
        assert!(
            checked.iter().any(|op| op.starts_with(service)),
            "{service} answers were checked: {checked:?}"
        );
    }
    println!(
        "{summary}\nchecked {} operations: {checked:?}",
        checked.len()
    );
}
