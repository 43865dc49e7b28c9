//! `connect-returns simulate` through the real binary against moto DynamoDB: every scenario the
//! blogs describe passes, a wrong expectation fails with exit 1, and no phone number leaks.

use crate::harness::{on_moto, stderr, stdout};
use serde_json::Value;

const REQUIRED: &[&str] = &[
    "new-caller-sales",
    "new-caller-service",
    "new-caller-repairs",
    "new-caller-installations",
    "new-caller-spare-parts",
    "returning-yes-yes",
    "returning-yes-no",
    "returning-no",
    "returning-lex-no-match",
    "caller-id-withheld",
    "record-expired-not-deleted",
    "search-lambda-error",
    "whisper-refreshes-expiry",
    "callback-first-request",
    "callback-cancel-stopcontact",
    "callback-cancel-agent-hangs-up",
    "callback-keep-no-duplicate",
    "callback-completed",
    "callback-invalid-number",
];

#[test]
fn list_names_every_required_scenario() {
    let out = on_moto(&["simulate", "--list"])
        .output()
        .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for name in REQUIRED {
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{name} "))),
            "{name} missing:\n{text}"
        );
    }
}

#[test]
fn all_scenarios_pass_and_clean_up_their_tables() {
    let child = on_moto(&["simulate", "--all"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    assert!(
        text.contains(&format!("{} passed, 0 failed", shipped_scenario_count())),
        "{text}"
    );
    assert!(!text.contains("FAIL "), "{text}");
    // Full phone numbers never appear (only masked ones).
    assert!(!text.contains("4155552671"), "{text}");
    assert!(text.contains("+******2671"), "{text}");
    // The scratch tables of that run are gone.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let names = rt.block_on(async {
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(testkit::moto_url())
            .http_client(testkit::tls::sdk_http_client(testkit::moto()))
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(conf);
        client
            .list_tables()
            .send()
            .await
            .unwrap()
            .table_names
            .unwrap_or_default()
    });
    let ours: Vec<_> = names
        .iter()
        .filter(|n| n.contains(&format!("-{pid}-")))
        .collect();
    assert!(ours.is_empty(), "left behind: {ours:?}");
}

/// The scenario files shipped in assets/scenarios (each must be built into the binary).
fn shipped_scenario_count() -> usize {
    std::fs::read_dir(crate::harness::root().join("assets/scenarios"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count()
}

#[test]
fn one_scenario_in_json_shows_the_returning_path() {
    let out = on_moto(&["--output", "json", "simulate", "returning-yes-yes"])
        .output()
        .expect("the CLI runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["passed"], 1);
    let second = &doc["scenarios"][0]["steps"][2];
    assert_eq!(second["queue"], "Service");
    assert_eq!(second["priority"], 1);
    assert_eq!(second["whisper"], "returningCallerAgentWhisper");
    assert_eq!(second["runs"][1]["flow"], "returningCallerAgentWhisper");
    assert_eq!(
        second["runs"][1]["lambdas"][0]["function"],
        "addCustomerCalls"
    );
    assert_eq!(second["runs"][1]["lambdas"][0]["result"]["stored"], "true");
    let first = &doc["scenarios"][0]["steps"][0];
    assert_eq!(first["priority"], 5);
    assert_eq!(first["whisper"], "newCallerAgentWhisper");
    assert!(!stdout(&out).contains("4155552671"));
}

#[test]
fn a_wrong_expectation_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        crate::harness::root().join("assets/scenarios/returning-yes-yes.toml"),
    )
    .unwrap();
    let wrong = text.replace("priority = 1\n", "priority = 2\n");
    assert_ne!(text, wrong);
    std::fs::write(dir.path().join("wrong-priority.toml"), wrong).unwrap();
    let out = on_moto(&[
        "simulate",
        "--scenarios",
        dir.path().to_str().unwrap(),
        "wrong-priority",
    ])
    .output()
    .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("MISMATCH: priority: expected 2, got 1"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("1 scenario(s) did not behave as expected: wrong-priority"));
}

#[test]
fn bad_input_exits_2() {
    let out = on_moto(&["simulate", "no-such-scenario"])
        .output()
        .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("hint: run connect-returns simulate --list"));
    let out = on_moto(&["simulate", "callback-completed"])
        .env("AWS_ENDPOINT_URL", "")
        .output()
        .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs a local DynamoDB endpoint"));
}

#[test]
fn callback_json_masks_numbers_and_reports_the_stop() {
    let out = on_moto(&[
        "--output",
        "json",
        "simulate",
        "callback-cancel-stopcontact",
    ])
    .output()
    .expect("the CLI runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        !text.contains("4155552671"),
        "a full phone number leaked:\n{text}"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    let steps = &doc["scenarios"][0]["steps"];
    assert_eq!(steps[0]["callback_created"], true);
    assert_eq!(
        steps[1]["record"]["NextContactId"],
        "cb000000-0000-4000-8000-000000000001"
    );
    assert_eq!(steps[2]["callback_stopped"], true);
    assert_eq!(steps[2]["attributes"]["CallBackCancelHandledBy"], "API");
    assert_eq!(steps[3]["offered"], false);
    let stop = steps[2]["runs"][0]["lambdas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["function"] == "stopContact")
        .unwrap();
    assert_eq!(stop["result"]["stopped"], "true");
}
