//! searchCustomerCalls and addCustomerCalls through `invoke_connect` against moto DynamoDB.

mod common;

use common::*;
use returns_lambdas::contract::{self, error};
use returns_lambdas::{Function, invoke_connect};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_caller_is_found_until_the_record_expires() {
    let fx = fixture_deps().await;
    let added = invoke_connect(
        Function::AddCustomerCalls,
        fixture("connect_agent_whisper.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&added, contract::STORED), "true", "{added:?}");

    let found = invoke_connect(
        Function::SearchCustomerCalls,
        fixture("connect_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&found, contract::FOUND), "true", "{found:?}");
    assert_eq!(get(&found, contract::CUSTOMER_QUEUE_NAME), "Sales");
    assert!(
        get(&found, contract::CUSTOMER_QUEUE_ARN)
            .ends_with("/queue/2b1b3b9e-7a3f-4c4d-9d4b-3c1b5a6e7f80")
    );
    assert_eq!(get(&found, contract::AGENT_NAME), "jdoe");
    assert!(get(&found, contract::AGENT_ARN).contains("/agent/"));
    assert!(!found.contains_key(contract::ERROR));

    // The record is keyed by E.164 with the TTL attribute at now + 180 minutes.
    let items = scan(&fx.deps.dynamodb, &fx.return_calls).await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0][contract::table::RETURN_CALLS_KEY].as_s().unwrap(),
        CALLER
    );
    assert_eq!(
        items[0][contract::table::TTL_ATTRIBUTE].as_n().unwrap(),
        &(NOW + 180 * 60).to_string()
    );

    // A caller who formats the number differently is the same caller.
    let mut local = fixture("connect_inbound.json");
    set(
        &mut local,
        "/Details/ContactData/CustomerEndpoint/Address",
        json!("(415) 555-2671"),
    );
    let again = invoke_connect(Function::SearchCustomerCalls, local, &fx.deps).await;
    assert_eq!(get(&again, contract::FOUND), "true");

    // One second before expiry: still live. At expiry: ignored although DynamoDB has not deleted it.
    fx.deps.clock.set(NOW + 180 * 60 - 1);
    let live = invoke_connect(
        Function::SearchCustomerCalls,
        fixture("connect_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&live, contract::FOUND), "true");
    fx.deps.clock.set(NOW + 180 * 60);
    let expired = invoke_connect(
        Function::SearchCustomerCalls,
        fixture("connect_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(
        expired,
        returns_lambdas::plan::reply(Function::SearchCustomerCalls, &[(contract::FOUND, "false")])
    );
    assert_eq!(
        scan(&fx.deps.dynamodb, &fx.return_calls).await.len(),
        1,
        "expired but still present"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_agent_wins_and_the_ttl_comes_from_config() {
    let mut fx = fixture_deps().await;
    fx.deps.config.record_ttl_minutes = 5;
    invoke_connect(
        Function::AddCustomerCalls,
        fixture("connect_agent_whisper.json"),
        &fx.deps,
    )
    .await;
    let mut second = fixture("connect_agent_whisper.json");
    set(
        &mut second,
        "/Details/Parameters/agentName",
        json!("asmith"),
    );
    set(
        &mut second,
        "/Details/Parameters/customerQueueName",
        json!("Repairs"),
    );
    fx.deps.clock.advance(60);
    let added = invoke_connect(Function::AddCustomerCalls, second, &fx.deps).await;
    assert_eq!(get(&added, contract::STORED), "true");
    let found = invoke_connect(
        Function::SearchCustomerCalls,
        fixture("connect_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&found, contract::AGENT_NAME), "asmith");
    assert_eq!(get(&found, contract::CUSTOMER_QUEUE_NAME), "Repairs");
    let items = scan(&fx.deps.dynamodb, &fx.return_calls).await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0][contract::table::TTL_ATTRIBUTE].as_n().unwrap(),
        &(NOW + 60 + 5 * 60).to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_and_invalid_caller_ids_are_new_callers() {
    let fx = fixture_deps().await;
    invoke_connect(
        Function::AddCustomerCalls,
        fixture("connect_agent_whisper.json"),
        &fx.deps,
    )
    .await;
    for address in [
        json!("anonymous"),
        json!("Restricted"),
        json!(""),
        json!("12"),
        json!(null),
        json!("+266696687"),
    ] {
        let mut event = fixture("connect_inbound.json");
        set(
            &mut event,
            "/Details/ContactData/CustomerEndpoint/Address",
            address.clone(),
        );
        let reply = invoke_connect(Function::SearchCustomerCalls, event, &fx.deps).await;
        assert_eq!(get(&reply, contract::FOUND), "false", "{address}");
        assert!(!reply.contains_key(contract::ERROR), "{address}: {reply:?}");
    }
    // Nothing is recorded for a withheld number either.
    let mut event = fixture("connect_agent_whisper.json");
    set(
        &mut event,
        "/Details/ContactData/CustomerEndpoint/Address",
        json!("anonymous"),
    );
    let reply = invoke_connect(Function::AddCustomerCalls, event, &fx.deps).await;
    assert_eq!(get(&reply, contract::STORED), "false");
    assert_eq!(get(&reply, contract::ERROR), error::INVALID_PHONE_NUMBER);
    assert_eq!(scan(&fx.deps.dynamodb, &fx.return_calls).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_parameters_are_defined_errors() {
    let fx = fixture_deps().await;
    for name in [
        contract::CUSTOMER_QUEUE_NAME,
        contract::CUSTOMER_QUEUE_ARN,
        contract::AGENT_NAME,
        contract::AGENT_ARN,
    ] {
        let mut event = fixture("connect_agent_whisper.json");
        remove(&mut event, &format!("/Details/Parameters/{name}"));
        let reply = invoke_connect(Function::AddCustomerCalls, event, &fx.deps).await;
        assert_eq!(get(&reply, contract::STORED), "false");
        assert_eq!(get(&reply, contract::ERROR), error::MISSING_PARAMETER);
        assert!(get(&reply, contract::ERROR_DETAIL).contains(name));
        // Blank counts as missing.
        let mut event = fixture("connect_agent_whisper.json");
        set(
            &mut event,
            &format!("/Details/Parameters/{name}"),
            json!("  "),
        );
        let reply = invoke_connect(Function::AddCustomerCalls, event, &fx.deps).await;
        assert_eq!(get(&reply, contract::ERROR), error::MISSING_PARAMETER);
    }
    assert!(scan(&fx.deps.dynamodb, &fx.return_calls).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_failures_and_missing_config_are_defined_errors() {
    let mut fx = fixture_deps().await;
    fx.deps.config.return_calls_table = Some(testkit::unique("no-such-table"));
    let reply = invoke_connect(
        Function::SearchCustomerCalls,
        fixture("connect_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&reply, contract::FOUND), "false");
    assert_eq!(get(&reply, contract::ERROR), error::STORE_ERROR);
    assert!(
        get(&reply, contract::ERROR_DETAIL).contains("ResourceNotFoundException"),
        "{reply:?}"
    );
    let reply = invoke_connect(
        Function::AddCustomerCalls,
        fixture("connect_agent_whisper.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&reply, contract::STORED), "false");
    assert_eq!(get(&reply, contract::ERROR), error::STORE_ERROR);

    fx.deps.config.return_calls_table = None;
    let reply = invoke_connect(
        Function::SearchCustomerCalls,
        fixture("connect_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&reply, contract::ERROR), error::CONFIG_MISSING);
    assert!(get(&reply, contract::ERROR_DETAIL).contains(contract::env::RETURN_CALLS_TABLE));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_get_a_defined_error_from_every_handler() {
    let fx = fixture_deps().await;
    let bad = [
        json!(null),
        json!(42),
        json!("Details"),
        json!([]),
        json!({}),
        json!({"Details": {}}),
        json!({"Details": {"ContactData": {"Attributes": {"CallbackNumber": 5}}}}),
        json!({"Details": {"ContactData": {"CustomerEndpoint": null, "SystemEndpoint": null}, "Parameters": {"a": 1}}}),
    ];
    for function in Function::ALL {
        for event in &bad {
            let reply = invoke_connect(function, event.clone(), &fx.deps).await;
            if function == Function::GetCurrentTime {
                assert!(reply.contains_key(contract::DATE_TIME));
                continue;
            }
            let expected = if function == Function::ProcessCtr {
                error::WRONG_FUNCTION
            } else {
                error::MALFORMED_EVENT
            };
            assert_eq!(get(&reply, contract::ERROR), expected, "{function} {event}");
            if function.invoked_by_connect() {
                for key in reply.keys() {
                    assert!(
                        function.returns().contains(&key.as_str()),
                        "{function} returned {key}"
                    );
                }
            }
        }
    }
}
