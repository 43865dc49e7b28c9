//! The cancelled-callback solution deployed on its own: only its stack, flows and settings
//! appear, the returning-caller side stays absent, and a re-deploy changes nothing.

use crate::harness::{Env, items, show, stdout_json};
use serde_json::json;

#[test]
fn the_callbacks_solution_deploys_alone_and_redeploys_as_a_noop() {
    let env = Env::new();
    let out = env.on_instance(&[
        "--output",
        "json",
        "deploy",
        "--yes",
        "--solution",
        "callbacks",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(stdout_json(&out)["result"], json!("applied"));

    let instance = env.instance_state();
    let mut ours: Vec<String> = items(&instance, "flows")
        .into_iter()
        .filter(|flow| flow["tags"]["connect-returns:deployment"] == json!(env.name))
        .map(|flow| flow["name"].as_str().unwrap_or_default().to_string())
        .collect();
    ours.sort();
    assert_eq!(
        ours,
        [
            "cfAgentCallBackWhisperflow",
            "cfOutboundWhisperflow",
            "cfSetCallBackflow"
        ],
        "only the callback flows"
    );
    let whisper_id = items(&instance, "flows")
        .into_iter()
        .find(|flow| flow["name"] == json!("cfOutboundWhisperflow"))
        .map(|flow| flow["id"].clone())
        .unwrap();
    let basic = items(&instance, "queues")
        .into_iter()
        .find(|queue| queue["name"] == json!("BasicQueue"))
        .unwrap();
    assert_eq!(
        basic["outbound_caller_config"]["OutboundFlowId"], whisper_id,
        "outbound whisper set on the callback queue"
    );
    assert!(
        items(&instance, "queues")
            .iter()
            .all(|queue| queue["name"] != json!("Sales")),
        "the returning-caller queues are not created"
    );
    let associated: Vec<String> = items(&instance, "lambdas")
        .iter()
        .filter_map(|arn| arn.as_str().map(str::to_string))
        .collect();
    assert_eq!(
        associated.len(),
        6,
        "the six functions Connect invokes are associated: {associated:?}"
    );
    assert!(
        associated.iter().all(|arn| !arn.ends_with("processCtr")),
        "processCtr is invoked by Kinesis only and is not associated: {associated:?}"
    );
    assert_eq!(
        env.stack_status(&format!("{}-callbacks", env.name))
            .as_deref(),
        Some("CREATE_COMPLETE")
    );
    assert_eq!(
        env.stack_status(&format!("{}-returning-callers", env.name)),
        None
    );

    env.clear_requests();
    let again = env.on_instance(&[
        "--output",
        "json",
        "deploy",
        "--yes",
        "--solution",
        "callbacks",
    ]);
    assert!(again.status.success(), "{}", show(&again));
    assert_eq!(stdout_json(&again)["result"], json!("no-changes"));
    assert_eq!(
        env.mutating(),
        Vec::<String>::new(),
        "an unchanged re-deploy makes no mutating call"
    );
}

/// Every Kinesis stream ARN the instance's state mentions.
fn kinesis_arns(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) if text.starts_with("arn:aws:kinesis:") => {
            out.push(text.clone())
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| kinesis_arns(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| kinesis_arns(v, out)),
        _ => {}
    }
}

#[test]
fn a_ctr_config_on_a_deleted_stream_is_unhealthy_not_nothing_left() {
    let env = Env::new();
    let out = env.on_instance(&["deploy", "--yes", "--solution", "callbacks"]);
    assert!(out.status.success(), "{}", show(&out));
    let mut streams = Vec::new();
    kinesis_arns(&env.instance_state(), &mut streams);
    assert_eq!(
        streams.len(),
        1,
        "the CTR config streams to the stack's stream: {streams:?}"
    );
    crate::harness::delete_kinesis_stream(&streams[0]);
    let out = env.on_instance(&["--output", "json", "status", "--check"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = crate::harness::stdout_json(&out);
    let row = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["kind"] == serde_json::json!("ctr-storage"))
        .cloned()
        .expect("a ctr-storage row");
    assert_eq!(row["healthy"], serde_json::json!(false), "{row}");
    assert!(
        row["detail"].as_str().unwrap().contains("does not exist"),
        "{row}"
    );
    // A deployment that never made the config leaves it alone, and says so.
    env.clear_requests();
    let other = format!("{}x", env.name);
    let out = env.on_instance(&["destroy", "--yes", "--name", &other]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("does not exist") && text.contains("left alone"),
        "{text}"
    );
    assert_eq!(env.mutating(), Vec::<String>::new());
    // moto's DeleteStack fails on a stream that is gone (AWS skips it): put one back by name.
    crate::harness::create_kinesis_stream(streams[0].rsplit('/').next().unwrap());
    let out = env.on_instance(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", show(&out));
}
