//! processCtr through `invoke_kinesis` against moto DynamoDB: CTR decoding, the PENDING-only update,
//! poison records and partial batch failures.

mod common;

use base64::Engine as _;
use common::*;
use returns_lambdas::contract;
use returns_lambdas::{Function, invoke_connect, invoke_kinesis};
use serde_json::{Value, json};

const REQUESTER: &str = "7d3c8a52-1b2e-4f6a-9c0d-2e4f6a8b0c1d";
const CALLBACK_CONTACT: &str = "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e";

fn record(sequence: &str, data: &str) -> Value {
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": REQUESTER,
            "sequenceNumber": sequence,
            "data": data,
            "approximateArrivalTimestamp": 1795222812.345
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{sequence}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/processCtr",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/connect-ctr"
    })
}

fn ctr_record(sequence: &str, ctr: &Value) -> Value {
    record(
        sequence,
        &base64::engine::general_purpose::STANDARD.encode(ctr.to_string()),
    )
}

fn event(records: Vec<Value>) -> Value {
    json!({ "Records": records })
}

fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .expect("batchItemFailures array")
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_string())
        .collect()
}

async fn read(fx: &Fixture) -> returns_lambdas::Reply {
    invoke_connect(
        Function::ReadCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_the_callback_contact_id_and_skips_poison_records() {
    let fx = fixture_deps().await;
    let w = invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&w, contract::CREATED), "true");

    let ctr = fixture("ctr_callback_inbound.json");
    let mut unrelated = ctr.clone();
    unrelated["NextContactId"] = Value::Null;
    let mut other_contact = ctr.clone();
    other_contact["ContactId"] = json!("99999999-0000-4000-8000-000000000000");
    other_contact["NextContactId"] = json!("88888888-0000-4000-8000-000000000000");
    let batch = event(vec![
        record(
            "49590338271490256608559692538361571095921575989136588801",
            "!!not base64!!",
        ),
        record(
            "49590338271490256608559692538361571095921575989136588802",
            &base64::engine::general_purpose::STANDARD.encode("{\"ContactId\": "),
        ),
        json!({"kinesis": {"data": "e30="}}),
        json!("not even an object"),
        ctr_record(
            "49590338271490256608559692538361571095921575989136588803",
            &unrelated,
        ),
        ctr_record(
            "49590338271490256608559692538361571095921575989136588804",
            &other_contact,
        ),
        ctr_record(
            "49590338271490256608559692538361571095921575989136588805",
            &ctr,
        ),
    ]);
    let response = invoke_kinesis(batch, &fx.deps).await;
    assert_eq!(
        failures(&response),
        Vec::<String>::new(),
        "poison records are skipped, never retried"
    );

    let r = read(&fx).await;
    assert_eq!(get(&r, contract::CALLBACK_STATUS), "PENDING");
    assert_eq!(get(&r, contract::NEXT_CONTACT_ID), CALLBACK_CONTACT);
    // Stored as a plain string attribute, not a nested map.
    let items = scan(&fx.deps.dynamodb, &fx.callbacks).await;
    assert_eq!(
        items[0][contract::NEXT_CONTACT_ID].as_s().unwrap(),
        CALLBACK_CONTACT
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_pending_callbacks_get_the_contact_id() {
    let fx = fixture_deps().await;
    invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    let mut cancel = fixture("connect_callback_inbound.json");
    set(
        &mut cancel,
        "/Details/ContactData/Attributes/CallBackStatus",
        json!("CANCELLED"),
    );
    let u = invoke_connect(Function::UpdateCallback, cancel, &fx.deps).await;
    assert_eq!(get(&u, contract::UPDATED), "true");

    let response = invoke_kinesis(
        event(vec![ctr_record("1", &fixture("ctr_callback_inbound.json"))]),
        &fx.deps,
    )
    .await;
    assert!(failures(&response).is_empty());
    let r = read(&fx).await;
    assert_eq!(get(&r, contract::CALLBACK_STATUS), "CANCELLED");
    assert_eq!(get(&r, contract::NEXT_CONTACT_ID), "");

    // No record at all (e.g. expired and deleted): nothing is created.
    let mut elsewhere = fixture("ctr_callback_inbound.json");
    elsewhere["Attributes"]["QueueName"] = json!("Repairs");
    let response = invoke_kinesis(event(vec![ctr_record("2", &elsewhere)]), &fx.deps).await;
    assert!(failures(&response).is_empty());
    assert_eq!(scan(&fx.deps.dynamodb, &fx.callbacks).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_reported_per_record() {
    let mut fx = fixture_deps().await;
    fx.deps.config.callbacks_table = Some(testkit::unique("missing-table"));
    let batch = event(vec![
        record("10", "%%%"),
        ctr_record("11", &fixture("ctr_callback_inbound.json")),
        ctr_record("12", &json!({"ContactId": "x", "Attributes": {}})),
    ]);
    let response = invoke_kinesis(batch, &fx.deps).await;
    assert_eq!(
        failures(&response),
        vec!["11".to_string()],
        "only the record whose update failed is retried"
    );

    for not_kinesis in [
        json!(null),
        json!({}),
        json!({"Records": "x"}),
        json!([1, 2]),
    ] {
        let response = invoke_kinesis(not_kinesis, &fx.deps).await;
        assert!(failures(&response).is_empty());
    }
}
