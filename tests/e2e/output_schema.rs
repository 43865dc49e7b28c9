//! The published schemas (`docs/schema/`) are valid JSON Schemas that carry their version and
//! refuse what docs/output.md does not describe. (Every document the end-to-end tests produce is
//! validated through `crate::harness::stdout_json`.)

use crate::harness::check_schema;
use serde_json::json;

fn deploy_plan() -> serde_json::Value {
    json!({
        "schema_version": 1, "command": "deploy", "deployment": "returnCaller",
        "instance": "arn:aws:connect:us-east-1:123456789012:instance/1a2b",
        "solution": "all", "lex": "v2", "result": "plan",
        "plan": [
            {"kind": "queue", "name": "Sales", "action": "create"},
            {"kind": "flow", "name": "repeatCallerFlow", "action": "update",
             "fields": [{"field": "content", "from": "a", "to": "b"}], "content_diff": "--- a"},
            {"kind": "stack", "name": "s", "action": "conflict", "reason": "busy", "hint": "wait"}
        ],
        "steps": [], "resources": {}, "connect_requests": 3, "pacing_wait_seconds": 0.0,
        "elapsed_seconds": 1.5
    })
}

#[test]
fn a_documented_document_validates() {
    check_schema(&deploy_plan()).unwrap();
}

#[test]
fn undocumented_or_missing_fields_and_other_versions_are_refused() {
    let mut extra = deploy_plan();
    extra["surprise"] = json!(true);
    assert!(check_schema(&extra).unwrap_err().contains("surprise"));

    let mut missing = deploy_plan();
    missing.as_object_mut().unwrap().remove("resources");
    assert!(check_schema(&missing).unwrap_err().contains("resources"));

    let mut version = deploy_plan();
    version["schema_version"] = json!(2);
    assert!(check_schema(&version).is_err());

    let mut action = deploy_plan();
    action["plan"][0]["action"] = json!("replace");
    assert!(check_schema(&action).is_err());

    let mut update = deploy_plan();
    update["plan"][1].as_object_mut().unwrap().remove("fields");
    assert!(check_schema(&update).is_err(), "an update lists its fields");

    let unknown = json!({"command": "simulate"});
    assert!(
        check_schema(&unknown)
            .unwrap_err()
            .contains("no published schema")
    );
}

#[test]
fn every_schema_names_its_version() {
    for (command, version) in [("deploy", 1), ("destroy", 1), ("status", 2)] {
        let schema = crate::harness::schema_of(command).unwrap();
        assert_eq!(
            schema["properties"]["schema_version"]["const"],
            json!(version),
            "{command}"
        );
        assert_eq!(schema["properties"]["command"]["const"], json!(command));
        assert!(schema["$id"].as_str().unwrap().ends_with(command));
    }
}
