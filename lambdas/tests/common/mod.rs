//! Shared test fixtures for the handler tests: moto-backed Deps, unique tables, event fixtures.
#![allow(dead_code)]

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use returns_lambdas::contract::table;
use returns_lambdas::sdk::AwsEnv;
use returns_lambdas::{Clock, Config, Deps};
use serde_json::Value;

/// 2026-11-21T01:00:00Z
pub const NOW: i64 = 1_795_222_800;
/// The caller number of every fixture.
pub const CALLER: &str = "+14155552671";

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists"))
        .expect("fixture is json")
}

/// Sets `pointer` (JSON pointer) in `event` to `value`, creating the last key.
pub fn set(event: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer with a key");
    let target = event.pointer_mut(parent).expect("parent exists");
    target
        .as_object_mut()
        .expect("object")
        .insert(key.to_string(), value);
}

/// Removes `pointer` from `event`.
pub fn remove(event: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer with a key");
    event
        .pointer_mut(parent)
        .expect("parent exists")
        .as_object_mut()
        .expect("object")
        .remove(key);
}

pub fn aws_env(extra: &[(&str, String)]) -> AwsEnv {
    let mut vars: Vec<(String, String)> = testkit::moto_plain_env();
    for (k, v) in extra {
        vars.push((k.to_string(), v.clone()));
    }
    AwsEnv::from_lookup(|k| {
        vars.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    })
    .expect("aws env")
}

pub struct Fixture {
    pub deps: Deps,
    pub return_calls: String,
    pub callbacks: String,
}

/// Deps against moto with two fresh tables and a fixed clock at [`NOW`].
pub async fn fixture_deps() -> Fixture {
    let aws = aws_env(&[]);
    let dynamodb = aws.dynamodb();
    let return_calls = testkit::unique("returnCalls");
    let callbacks = testkit::unique("callbacks");
    create_table(&dynamodb, &return_calls, table::RETURN_CALLS_KEY, None).await;
    create_table(
        &dynamodb,
        &callbacks,
        table::CALLBACKS_PARTITION_KEY,
        Some(table::CALLBACKS_SORT_KEY),
    )
    .await;
    let config = Config {
        return_calls_table: Some(return_calls.clone()),
        callbacks_table: Some(callbacks.clone()),
        instance_id: Some("9d0ee9b4-3b9a-4a34-8bba-7c2f1d1c9d3e".into()),
        ..Config::default()
    };
    Fixture {
        deps: Deps {
            dynamodb,
            connect: aws.connect(),
            config,
            clock: Clock::fixed(NOW),
        },
        return_calls,
        callbacks,
    }
}

pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    hash: &str,
    range: Option<&str>,
) {
    let mut req = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(hash)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(hash)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        );
    if let Some(range) = range {
        req = req
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(range)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(range)
                    .key_type(KeyType::Range)
                    .build()
                    .unwrap(),
            );
    }
    req.send().await.expect("create table");
}

/// Every item of a table (scan).
pub async fn scan(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    client
        .scan()
        .table_name(name)
        .consistent_read(true)
        .send()
        .await
        .expect("scan")
        .items
        .unwrap_or_default()
}

pub fn get<'a>(reply: &'a returns_lambdas::Reply, key: &str) -> &'a str {
    reply
        .get(key)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("reply has no {key}: {reply:?}"))
}

/// A second moto server that handles one request at a time, started once per test binary.
///
/// The shared moto runs threaded and its DynamoDB conditional writes are not atomic under
/// concurrent requests (measured: two "created" out of 16), while real DynamoDB serialises writes
/// to one item. This server gives the race test DynamoDB's guarantee, so it tests our conditional
/// write and not moto's threading. The concurrency still comes from the handlers.
pub fn serial_moto_url() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let port = testkit::free_port();
        let script = "import os, subprocess, sys, time\n\
            parent = os.getppid()\n\
            code = 'import sys, moto.server as m\\norig = m.run_simple\\nm.run_simple = lambda *a, **k: orig(*a, **dict(k, threaded=False))\\nm.main(sys.argv[1:])'\n\
            child = subprocess.Popen([sys.executable, '-c', code] + sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
            while child.poll() is None:\n\
            \x20   if os.getppid() != parent:\n\
            \x20       child.terminate(); break\n\
            \x20   time.sleep(0.3)\n";
        // The watchdog ends with this test binary; nobody waits for it.
        #[allow(clippy::zombie_processes)]
        std::process::Command::new(testkit::venv_bin("python"))
            .arg("-c")
            .arg(script)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("start serial moto");
        testkit::wait_until_answers(port, "/moto-api/", std::time::Duration::from_secs(30));
        format!("http://127.0.0.1:{port}")
    })
}
