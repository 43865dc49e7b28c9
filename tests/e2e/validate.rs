//! `connect-returns validate` through the real binary: clean on the shipped assets, and each kind
//! of breakage in a copy is reported with its file and action identifier, exit 2.

use crate::harness::{action, copy_assets, edit_json, offline, stderr, stdout};
use serde_json::{Value, json};

fn problems(out: &std::process::Output) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("json report: {e}\n{}", stdout(out)));
    doc["problems"].as_array().cloned().unwrap_or_default()
}

fn has(problems: &[Value], file: &str, action: Option<&str>, needle: &str) -> bool {
    problems.iter().any(|p| {
        p["file"] == file
            && action.is_none_or(|a| p["action"] == a)
            && p["message"].as_str().is_some_and(|m| m.contains(needle))
    })
}

fn validate_copy(dir: &tempfile::TempDir) -> std::process::Output {
    offline(&[
        "--output",
        "json",
        "validate",
        "--assets",
        dir.path().to_str().unwrap(),
    ])
    .output()
    .expect("the CLI runs")
}

/// `validate --assets` of `dir` refuses it (exit 2, with a hint) and reports every one of
/// `expected`: (file, action, words of the message).
fn assert_reports(dir: &tempfile::TempDir, expected: &[(&str, &str, &str)]) {
    let out = validate_copy(dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    let p = problems(&out);
    for (file, action, words) in expected {
        assert!(
            has(&p, file, Some(action), words),
            "{file} {action:?}: {words:?} not among {p:#?}"
        );
    }
}

#[test]
fn shipped_assets_are_valid_in_text_and_json() {
    let out = offline(&["validate"]).output().expect("the CLI runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("ok: 9 files checked"),
        "{}",
        stdout(&out)
    );
    let out = offline(&["--output", "json", "validate", "--solution", "callbacks"])
        .output()
        .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(
        doc["checked"].as_array().unwrap().len(),
        5,
        "3 flows, the bot, 1 template"
    );
}

#[test]
fn an_unchanged_copy_is_valid() {
    let dir = copy_assets();
    let out = validate_copy(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_dangling_transition_is_reported() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/repeatCallerFlow.json"), |d| {
        action(d, "Set top priority")["Transitions"]["NextAction"] = json!("Nowhere");
    });
    assert_reports(
        &dir,
        &[
            (
                "flows/repeatCallerFlow.json",
                "Set top priority",
                "\"Nowhere\", which is not an action",
            ),
            // The whisper setting is now unreachable, and says so.
            (
                "flows/repeatCallerFlow.json",
                "Set returning whisper",
                "not reachable",
            ),
        ],
    );
}

#[test]
fn an_attribute_no_handler_returns_is_reported() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/repeatCallerFlow.json"), |d| {
        action(d, "Returning caller?")["Parameters"]["ComparisonValue"] =
            json!("$.External.isReturning");
    });
    assert_reports(
        &dir,
        &[(
            "flows/repeatCallerFlow.json",
            "Returning caller?",
            "searchCustomerCalls never returns",
        )],
    );
}

#[test]
fn the_public_samples_datetime_bug_is_reported() {
    // The callback sample reads $.External.DateTime after a Lambda that does not return it.
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/cfOutboundWhisperflow.json"), |d| {
        action(d, "Mark completed")["Parameters"]["Attributes"]["cbCompletedDate"] =
            json!("$.External.DateTime");
    });
    assert_reports(
        &dir,
        &[(
            "flows/cfOutboundWhisperflow.json",
            "Mark completed",
            "$.External.DateTime, which readCallback never returns",
        )],
    );
}

#[test]
fn an_intent_the_bot_lacks_is_reported() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/repeatCallerFlow.json"), |d| {
        action(d, "Ask same matter")["Transitions"]["Conditions"][0]["Condition"]["Operands"] =
            json!(["Affirm"]);
    });
    assert_reports(
        &dir,
        &[(
            "flows/repeatCallerFlow.json",
            "Ask same matter",
            "intent \"Affirm\"",
        )],
    );
    // And the other way round: renaming the bot's intent breaks the flows that branch on it.
    let dir = copy_assets();
    edit_json(&dir.path().join("lex/returnCallerConcierge.json"), |d| {
        d["intents"][1]["name"] = json!("Nope");
    });
    assert_reports(
        &dir,
        &[(
            "flows/repeatCallerFlow.json",
            "Ask same department",
            "intent \"No\"",
        )],
    );
}

#[test]
fn unknown_placeholders_are_reported() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/newCallerAgentWhisper.json"), |d| {
        action(d, "Record caller")["Parameters"]["LambdaFunctionARN"] =
            json!("${lamda:addCustomerCalls}");
    });
    edit_json(&dir.path().join("flows/repeatCallerFlow.json"), |d| {
        action(d, "Queue Sales")["Parameters"]["QueueId"] = json!("${queue:Marketing}");
    });
    assert_reports(
        &dir,
        &[
            (
                "flows/newCallerAgentWhisper.json",
                "Record caller",
                "unknown placeholder ${lamda:addCustomerCalls}",
            ),
            (
                "flows/repeatCallerFlow.json",
                "Queue Sales",
                "${queue:Marketing} names no queue",
            ),
        ],
    );
}

#[test]
fn a_lex_block_in_a_whisper_flow_is_reported() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/newCallerAgentWhisper.json"), |d| {
        d["Actions"].as_array_mut().unwrap().push(json!({
            "Identifier": "Ask agent",
            "Type": "ConnectParticipantWithLexBot",
            "Parameters": { "Text": "Ready?", "LexV2Bot": { "AliasArn": "${lex:returnCallerConcierge}" } },
            "Transitions": {
                "NextAction": "End whisper",
                "Conditions": [{ "NextAction": "End whisper", "Condition": { "Operator": "Equals", "Operands": ["Yes"] } }],
                "Errors": [
                    { "NextAction": "End whisper", "ErrorType": "NoMatchingCondition" },
                    { "NextAction": "End whisper", "ErrorType": "NoMatchingError" }
                ]
            }
        }));
        action(d, "Whisper new caller")["Transitions"]["NextAction"] = json!("Ask agent");
    });
    assert_reports(
        &dir,
        &[(
            "flows/newCallerAgentWhisper.json",
            "Ask agent",
            "ConnectParticipantWithLexBot is not allowed in AGENT_WHISPER flows",
        )],
    );
}

#[test]
fn a_literal_arn_is_reported() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/cfSetCallBackflow.json"), |d| {
        action(d, "Set callback queue")["Parameters"]["QueueId"] = json!(
            "arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555/queue/66666666"
        );
    });
    assert_reports(
        &dir,
        &[(
            "flows/cfSetCallBackflow.json",
            "Set callback queue",
            "literal ARN",
        )],
    );
}

#[test]
fn every_problem_is_reported_at_once_in_text() {
    let dir = copy_assets();
    edit_json(&dir.path().join("flows/cfSetCallBackflow.json"), |d| {
        action(d, "Create callback")["Parameters"]["MaximumConnectionAttempts"] = json!("0");
        action(d, "Save callback state")["Parameters"]["Attributes"]["NextContactId"] =
            json!("$.External.NextContactId.M.S.S");
    });
    std::fs::remove_file(dir.path().join("flows/cfOutboundWhisperflow.json")).unwrap();
    let out = offline(&[
        "validate",
        "--solution",
        "callbacks",
        "--assets",
        dir.path().to_str().unwrap(),
    ])
    .output()
    .expect("the CLI runs");
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    // Each problem of a directory's file names its line: `file:line: "action": message`.
    let at_a_line = |file: &str, rest: &str| {
        text.lines().any(|line| {
            line.strip_prefix(file)
                .and_then(|tail| tail.strip_prefix(':'))
                .and_then(|tail| tail.split_once(": "))
                .is_some_and(|(number, message)| {
                    number.parse::<usize>().is_ok() && message.starts_with(rest)
                })
        })
    };
    assert!(
        at_a_line(
            "flows/cfSetCallBackflow.json",
            "\"Create callback\": MaximumConnectionAttempts must be at least 1"
        ),
        "{text}"
    );
    assert!(
        at_a_line(
            "flows/cfSetCallBackflow.json",
            "\"Save callback state\": reads $.External.NextContactId.M.S.S"
        ),
        "{text}"
    );
    assert!(
        text.contains("flows/cfOutboundWhisperflow.json: file is missing"),
        "{text}"
    );
    assert!(
        stderr(&out).starts_with("error: validation found 3 problem(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_template_number_passed_by_ref_is_reported() {
    let dir = copy_assets();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    for f in ["returning-callers.yaml", "callbacks.yaml"] {
        let text =
            std::fs::read_to_string(crate::harness::root().join("templates").join(f)).unwrap();
        let text = text.replace(
            "RECORD_TTL_MINUTES: !Sub \"${RecordTTL}\"",
            "RECORD_TTL_MINUTES: !Ref RecordTTL",
        );
        std::fs::write(dir.path().join("templates").join(f), text).unwrap();
    }
    assert_reports(
        &dir,
        &[(
            "templates/returning-callers.yaml",
            "AddCustomerCallsFunction",
            "Number parameter RecordTTL through !Ref",
        )],
    );
}

#[test]
fn a_template_range_that_disagrees_with_the_setting_is_reported() {
    let dir = copy_assets();
    std::fs::create_dir_all(dir.path().join("templates")).unwrap();
    for f in ["returning-callers.yaml", "callbacks.yaml"] {
        let text =
            std::fs::read_to_string(crate::harness::root().join("templates").join(f)).unwrap();
        // The old, wider maxima: a year in minutes and in hours.
        let text = text
            .replace("    MaxValue: 10080", "    MaxValue: 525600")
            .replace("    MaxValue: 720", "    MaxValue: 8760");
        std::fs::write(dir.path().join("templates").join(f), text).unwrap();
    }
    assert_reports(
        &dir,
        &[
            (
                "templates/returning-callers.yaml",
                "RecordTTL",
                "MaxValue is 525600",
            ),
            (
                "templates/callbacks.yaml",
                "CallbackTTLHours",
                "MaxValue is 8760",
            ),
        ],
    );
}
