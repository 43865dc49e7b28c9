//! The real `bootstrap` binary under the Lambda Runtime API (a local harness), dispatching on
//! `_HANDLER`, with DynamoDB on moto.

mod common;

use common::*;
use returns_artifact::runtime_api::{Outcome, RuntimeApi};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn spawn(api: &RuntimeApi, handler: &str, extra: &[(&str, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .envs(api.lambda_env(handler))
        .envs(testkit::moto_plain_env())
        .envs(extra.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bootstrap starts")
}

fn reply(api: &RuntimeApi, event: &Value) -> Value {
    match api.invoke(&event.to_string(), Duration::from_secs(30)) {
        Some(Outcome::Response(body)) => serde_json::from_str(&body).expect("json reply"),
        other => panic!("no response: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_serves_each_handler_named_by_handler_env() {
    let fx = fixture_deps().await;
    let tables = [
        ("RETURN_CALLS_TABLE", fx.return_calls.clone()),
        ("CALLBACKS_TABLE", fx.callbacks.clone()),
        (
            "CONNECT_INSTANCE_ID",
            "9d0ee9b4-3b9a-4a34-8bba-7c2f1d1c9d3e".to_string(),
        ),
    ];
    let result = tokio::task::spawn_blocking(move || {
        let run = |handler: &str, events: &[Value]| -> Vec<Value> {
            let api = RuntimeApi::start().unwrap();
            let mut child = spawn(&api, handler, &tables);
            let replies = events.iter().map(|e| reply(&api, e)).collect();
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            let logs = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(
                !logs.contains("4155552671"),
                "a full number reached the logs: {logs}"
            );
            replies
        };
        let time = run("getCurrentTime", &[json!({"anything": true})]);
        let add = run("addCustomerCalls", &[fixture("connect_agent_whisper.json")]);
        let search = run(
            "searchCustomerCalls",
            &[fixture("connect_inbound.json"), json!("malformed")],
        );
        let ctr = run(
            "processCtr",
            &[json!({"Records": [{"kinesis": {"sequenceNumber": "1", "data": "!!"}}]})],
        );
        (time, add, search, ctr)
    })
    .await
    .unwrap();
    let (time, add, search, ctr) = result;
    assert!(
        time[0]["DateTime"].as_str().unwrap().ends_with('Z'),
        "{time:?}"
    );
    assert_eq!(add[0], json!({"stored": "true"}));
    assert_eq!(search[0]["found"], "true");
    assert_eq!(search[0]["customerQueueName"], "Sales");
    assert_eq!(search[1]["found"], "false");
    assert_eq!(search[1]["error"], "malformedEvent");
    assert_eq!(ctr[0], json!({"batchItemFailures": []}));
}

#[test]
fn bootstrap_refuses_to_start_without_its_configuration() {
    for (handler, extra, expected) in [
        ("noSuchHandler", vec![], "unknown handler"),
        ("writeCallback", vec![], "CALLBACKS_TABLE"),
        (
            "stopContact",
            vec![("CALLBACKS_TABLE", "t".to_string())],
            "CONNECT_INSTANCE_ID",
        ),
        (
            "addCustomerCalls",
            vec![
                ("RETURN_CALLS_TABLE", "t".to_string()),
                ("RECORD_TTL_MINUTES", "soon".to_string()),
            ],
            "RECORD_TTL_MINUTES",
        ),
    ] {
        let api = RuntimeApi::start().unwrap();
        let child = spawn(&api, handler, &extra);
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success(), "{handler}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{handler}: {stderr}");
        assert_eq!(api.polls(), 0, "{handler} must not take events");
    }
}
