//! The callback handlers through `invoke_connect` against moto DynamoDB, and stopContact against the
//! Connect sandbox.

mod common;

use common::*;
use returns_lambdas::contract::{self, error, reason};
use returns_lambdas::{Function, Reply, invoke_connect};
use serde_json::{Value, json};

fn with_status(status: &str) -> Value {
    let mut e = fixture("connect_callback_inbound.json");
    set(
        &mut e,
        "/Details/ContactData/Attributes/CallBackStatus",
        json!(status),
    );
    e
}

async fn update(fx: &Fixture, status: &str) -> Reply {
    invoke_connect(Function::UpdateCallback, with_status(status), &fx.deps).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_10_digit_phone_normalises_with_a_phone_library() {
    let fx = fixture_deps().await;
    let call = |entered: Option<&str>, country: Option<&str>| {
        let mut e = fixture("connect_callback_inbound.json");
        remove(&mut e, "/Details/Parameters/enteredPhoneNumber");
        if let Some(v) = entered {
            set(&mut e, "/Details/Parameters/enteredPhoneNumber", json!(v));
        }
        if let Some(c) = country {
            set(&mut e, "/Details/Parameters/countryCode", json!(c));
        }
        invoke_connect(Function::Get10DigitPhone, e, &fx.deps)
    };
    let r = call(Some("+1 415-555-2671"), None).await;
    assert_eq!(get(&r, contract::IS_EMPTY), "No");
    assert_eq!(get(&r, contract::IS_VALID), "true");
    assert_eq!(get(&r, contract::TEN_DIGIT_PHONE_NUMBER), "4155552671");
    assert_eq!(get(&r, contract::E164_PHONE_NUMBER), CALLER);
    let r = call(Some("4155552671"), None).await;
    assert_eq!(get(&r, contract::E164_PHONE_NUMBER), CALLER);
    let r = call(Some("020 7183 8750"), Some("GB")).await;
    assert_eq!(get(&r, contract::E164_PHONE_NUMBER), "+442071838750");
    for empty in [None, Some(""), Some("   ")] {
        let r = call(empty, None).await;
        assert_eq!(get(&r, contract::IS_EMPTY), "Yes", "{empty:?}");
        assert!(!r.contains_key(contract::ERROR));
    }
    let r = call(Some("12345"), None).await;
    assert_eq!(get(&r, contract::IS_EMPTY), "No");
    assert_eq!(get(&r, contract::IS_VALID), "false");
    assert_eq!(get(&r, contract::ERROR), error::INVALID_PHONE_NUMBER);
    let r = call(Some("4155552671"), Some("Narnia")).await;
    assert_eq!(get(&r, contract::ERROR), error::INVALID_VALUE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_current_time_returns_the_names_the_flows_read() {
    let fx = fixture_deps().await;
    let r = invoke_connect(
        Function::GetCurrentTime,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&r, contract::DATE_TIME), "2026-11-21T01:00:00Z");
    assert_eq!(get(&r, contract::DATE), "2026-11-21");
    assert_eq!(get(&r, contract::TIME), "01:00:00");
    assert_eq!(get(&r, contract::EPOCH_SECONDS), NOW.to_string());
    let keys: Vec<&str> = r.keys().map(String::as_str).collect();
    let mut expected = Function::GetCurrentTime.returns().to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_then_read_then_a_second_write_learns_one_is_pending() {
    let fx = fixture_deps().await;
    let read = invoke_connect(
        Function::ReadCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&read, contract::CALLBACK_STATUS), contract::NOT_FOUND);
    assert_eq!(get(&read, contract::NEXT_CONTACT_ID), "");

    let w = invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(
        (
            get(&w, contract::CALLBACK_STATUS),
            get(&w, contract::CREATED),
            get(&w, contract::ALREADY_PENDING)
        ),
        ("PENDING", "true", "false")
    );

    fx.deps.clock.advance(90);
    let read = invoke_connect(
        Function::ReadCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&read, contract::CALLBACK_STATUS), "PENDING");
    assert_eq!(get(&read, contract::NEXT_CONTACT_ID), "");
    assert_eq!(get(&read, contract::DATE), "2026-11-21");
    assert_eq!(
        get(&read, contract::TIME),
        "01:00:00",
        "time of the request, not of the read"
    );

    let w2 = invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(
        (
            get(&w2, contract::CALLBACK_STATUS),
            get(&w2, contract::CREATED),
            get(&w2, contract::ALREADY_PENDING)
        ),
        ("PENDING", "false", "true")
    );

    let items = scan(&fx.deps.dynamodb, &fx.callbacks).await;
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(
        item[contract::table::CALLBACKS_PARTITION_KEY]
            .as_s()
            .unwrap(),
        CALLER
    );
    assert_eq!(
        item[contract::table::CALLBACKS_SORT_KEY].as_s().unwrap(),
        "BasicQueue"
    );
    assert_eq!(
        item[contract::table::TTL_ATTRIBUTE].as_n().unwrap(),
        &(NOW + 24 * 3600).to_string()
    );
    assert_eq!(item[contract::CALLBACK_STATUS].as_s().unwrap(), "PENDING");

    // Another queue is another callback.
    let mut other = fixture("connect_callback_inbound.json");
    set(
        &mut other,
        "/Details/ContactData/Queue/Name",
        json!("Repairs"),
    );
    let w3 = invoke_connect(Function::WriteCallback, other, &fx.deps).await;
    assert_eq!(get(&w3, contract::CREATED), "true");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_create_exactly_one_pending_callback() {
    let url = tokio::task::spawn_blocking(serial_moto_url).await.unwrap();
    let mut fx = fixture_deps().await;
    fx.deps.dynamodb = aws_env(&[("AWS_ENDPOINT_URL_DYNAMODB", url.to_string())]).dynamodb();
    create_table(
        &fx.deps.dynamodb,
        &fx.callbacks,
        contract::table::CALLBACKS_PARTITION_KEY,
        Some(contract::table::CALLBACKS_SORT_KEY),
    )
    .await;
    for round in 0..3 {
        let mut event = fixture("connect_callback_inbound.json");
        set(
            &mut event,
            "/Details/ContactData/Queue/Name",
            json!(format!("Race{round}")),
        );
        let calls = (0..16).map(|_| {
            let deps = fx.deps.clone();
            let event = event.clone();
            tokio::spawn(async move { invoke_connect(Function::WriteCallback, event, &deps).await })
        });
        let replies: Vec<Reply> = futures::future::join_all(calls)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        let created = replies
            .iter()
            .filter(|r| r.get(contract::CREATED).map(String::as_str) == Some("true"))
            .count();
        let pending = replies
            .iter()
            .filter(|r| r.get(contract::ALREADY_PENDING).map(String::as_str) == Some("true"))
            .count();
        assert_eq!((created, pending), (1, 15), "round {round}: {replies:?}");
    }
    let items = scan(&fx.deps.dynamodb, &fx.callbacks).await;
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i[contract::CALLBACK_STATUS].as_s().unwrap() == "PENDING")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_follow_the_transition_table_and_report_refusals() {
    let fx = fixture_deps().await;
    // Nothing to update yet.
    let r = update(&fx, "CANCELLED").await;
    assert_eq!(
        (
            get(&r, contract::UPDATED),
            get(&r, contract::REASON),
            get(&r, contract::CALLBACK_STATUS)
        ),
        ("false", reason::NOT_FOUND, contract::NOT_FOUND)
    );

    invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    // PENDING -> CANCELLED_OFFERED is not allowed.
    let r = update(&fx, "CANCELLED_OFFERED").await;
    assert_eq!(
        (
            get(&r, contract::UPDATED),
            get(&r, contract::REASON),
            get(&r, contract::CALLBACK_STATUS)
        ),
        ("false", reason::TRANSITION_REFUSED, "PENDING")
    );
    // PENDING -> CANCELLED.
    let r = update(&fx, "CANCELLED").await;
    assert_eq!(
        (
            get(&r, contract::UPDATED),
            get(&r, contract::CALLBACK_STATUS)
        ),
        ("true", "CANCELLED")
    );
    assert!(!r.contains_key(contract::REASON));
    // CANCELLED -> CANCELLED is refused (a second cancel changes nothing).
    let r = update(&fx, "CANCELLED").await;
    assert_eq!(
        (
            get(&r, contract::UPDATED),
            get(&r, contract::REASON),
            get(&r, contract::CALLBACK_STATUS)
        ),
        ("false", reason::TRANSITION_REFUSED, "CANCELLED")
    );
    // CANCELLED -> CANCELLED_OFFERED (the outbound whisper met a cancelled callback).
    let r = update(&fx, "CANCELLED_OFFERED").await;
    assert_eq!(
        (
            get(&r, contract::UPDATED),
            get(&r, contract::CALLBACK_STATUS)
        ),
        ("true", "CANCELLED_OFFERED")
    );
    // CANCELLED_OFFERED -> COMPLETED is refused.
    let r = update(&fx, "COMPLETED").await;
    assert_eq!(
        (
            get(&r, contract::REASON),
            get(&r, contract::CALLBACK_STATUS)
        ),
        (reason::TRANSITION_REFUSED, "CANCELLED_OFFERED")
    );
    // PENDING is never a target; unknown statuses are invalid.
    for bad in ["PENDING", "pending", "DONE"] {
        let r = update(&fx, bad).await;
        assert_eq!(
            (get(&r, contract::UPDATED), get(&r, contract::ERROR)),
            ("false", error::INVALID_VALUE),
            "{bad}"
        );
    }
    let mut no_status = fixture("connect_callback_inbound.json");
    remove(
        &mut no_status,
        "/Details/ContactData/Attributes/CallBackStatus",
    );
    let r = invoke_connect(Function::UpdateCallback, no_status, &fx.deps).await;
    assert_eq!(get(&r, contract::ERROR), error::MISSING_ATTRIBUTE);

    let items = scan(&fx.deps.dynamodb, &fx.callbacks).await;
    assert_eq!(
        items[0][contract::CALLBACK_STATUS].as_s().unwrap(),
        "CANCELLED_OFFERED"
    );

    // A closed callback does not block a new request.
    let w = invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&w, contract::CREATED), "true");
    let r = update(&fx, "COMPLETED").await;
    assert_eq!(
        (
            get(&r, contract::UPDATED),
            get(&r, contract::CALLBACK_STATUS)
        ),
        ("true", "COMPLETED")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_callback_is_not_found_and_can_be_replaced() {
    let fx = fixture_deps().await;
    invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    fx.deps.clock.advance(24 * 3600);
    let read = invoke_connect(
        Function::ReadCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(get(&read, contract::CALLBACK_STATUS), contract::NOT_FOUND);
    let r = update(&fx, "CANCELLED").await;
    assert_eq!(
        (get(&r, contract::UPDATED), get(&r, contract::REASON)),
        ("false", reason::NOT_FOUND)
    );
    assert_eq!(
        scan(&fx.deps.dynamodb, &fx.callbacks).await.len(),
        1,
        "expired but present"
    );
    let w = invoke_connect(
        Function::WriteCallback,
        fixture("connect_callback_inbound.json"),
        &fx.deps,
    )
    .await;
    assert_eq!(
        get(&w, contract::CREATED),
        "true",
        "an expired PENDING record does not block a new one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_handlers_reject_missing_and_invalid_numbers() {
    let fx = fixture_deps().await;
    for function in [
        Function::WriteCallback,
        Function::ReadCallback,
        Function::UpdateCallback,
    ] {
        let mut e = with_status("CANCELLED");
        remove(&mut e, "/Details/ContactData/Attributes/CallbackNumber");
        let r = invoke_connect(function, e, &fx.deps).await;
        assert_eq!(
            get(&r, contract::ERROR),
            error::MISSING_ATTRIBUTE,
            "{function}"
        );
        assert!(get(&r, contract::ERROR_DETAIL).contains(contract::CALLBACK_NUMBER));
        let mut e = with_status("CANCELLED");
        set(
            &mut e,
            "/Details/ContactData/Attributes/CallbackNumber",
            json!("anonymous"),
        );
        let r = invoke_connect(function, e, &fx.deps).await;
        assert_eq!(
            get(&r, contract::ERROR),
            error::INVALID_PHONE_NUMBER,
            "{function}"
        );
        assert!(!format!("{r:?}").contains("4155552671"));
        let mut e = with_status("CANCELLED");
        set(&mut e, "/Details/ContactData/Queue", json!(null));
        let r = invoke_connect(function, e, &fx.deps).await;
        assert_eq!(
            get(&r, contract::ERROR),
            error::MALFORMED_EVENT,
            "{function}"
        );
    }
    let w = {
        let mut e = fixture("connect_callback_inbound.json");
        remove(&mut e, "/Details/ContactData/ContactId");
        invoke_connect(Function::WriteCallback, e, &fx.deps).await
    };
    assert_eq!(
        (get(&w, contract::CREATED), get(&w, contract::ERROR)),
        ("false", error::MALFORMED_EVENT)
    );
    assert!(scan(&fx.deps.dynamodb, &fx.callbacks).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_contact_stops_a_queued_callback_and_reports_not_found() {
    let sandbox = connect_returns_sandbox::start(connect_returns_sandbox::Config::default())
        .await
        .expect("sandbox starts");
    let url = sandbox
        .url(connect_returns_sandbox::Service::Connect)
        .to_string();
    let port = testkit::port_of(&url);
    let (status, seeded) = tokio::task::spawn_blocking(move || {
        testkit::http_request(port, "POST", "/__sandbox/seed", Some("{}"))
    })
    .await
    .unwrap()
    .expect("seed answers");
    assert_eq!(status, 200, "{seeded}");
    let seeded: Value = serde_json::from_str(&seeded).unwrap();
    let instance = seeded["instance"]["id"].as_str().unwrap().to_string();
    let body = json!({ "instance_id": instance }).to_string();
    let (status, contact) = tokio::task::spawn_blocking(move || {
        testkit::http_request(port, "POST", "/__sandbox/contacts", Some(&body))
    })
    .await
    .unwrap()
    .expect("contacts answers");
    assert_eq!(status, 200, "{contact}");
    let contact: Value = serde_json::from_str(&contact).unwrap();
    let contact_id = contact["contact_id"].as_str().unwrap().to_string();

    let aws = aws_env(&[("AWS_ENDPOINT_URL_CONNECT", url.clone())]);
    let mut fx = fixture_deps().await;
    fx.deps.connect = aws.connect();
    fx.deps.config.instance_id = Some(instance.clone());
    let event = |id: Option<&str>| {
        let mut e = fixture("connect_callback_inbound.json");
        if let Some(id) = id {
            set(
                &mut e,
                "/Details/ContactData/Attributes/NextContactId",
                json!(id),
            );
        }
        e
    };
    let r = invoke_connect(Function::StopContact, event(Some(&contact_id)), &fx.deps).await;
    assert_eq!(
        r,
        returns_lambdas::plan::reply(Function::StopContact, &[(contract::STOPPED, "true")])
    );
    // Stopped (or already connected): Connect no longer finds it.
    let r = invoke_connect(Function::StopContact, event(Some(&contact_id)), &fx.deps).await;
    assert_eq!(
        (get(&r, contract::STOPPED), get(&r, contract::REASON)),
        ("false", reason::CONTACT_NOT_FOUND)
    );
    assert!(!r.contains_key(contract::ERROR));
    let r = invoke_connect(
        Function::StopContact,
        event(Some("7f0c1a2b-0000-4000-8000-000000000000")),
        &fx.deps,
    )
    .await;
    assert_eq!(
        (get(&r, contract::STOPPED), get(&r, contract::REASON)),
        ("false", reason::CONTACT_NOT_FOUND)
    );
    // The CTR has not arrived yet: nothing to stop, the agent whisper handles it.
    for missing in [None, Some(""), Some("inprogress")] {
        let r = invoke_connect(Function::StopContact, event(missing), &fx.deps).await;
        assert_eq!(
            (get(&r, contract::STOPPED), get(&r, contract::REASON)),
            ("false", reason::NO_CONTACT_ID),
            "{missing:?}"
        );
    }
    let r = invoke_connect(
        Function::StopContact,
        event(Some("{\"S\":\"x\"}")),
        &fx.deps,
    )
    .await;
    assert_eq!(
        (get(&r, contract::STOPPED), get(&r, contract::ERROR)),
        ("false", error::INVALID_VALUE)
    );
    // A wrong instance is a Connect failure, not "not found".
    fx.deps.config.instance_id = Some("00000000-0000-4000-8000-000000000000".into());
    let r = invoke_connect(Function::StopContact, event(Some(&contact_id)), &fx.deps).await;
    assert_eq!(
        (
            get(&r, contract::STOPPED),
            get(&r, contract::REASON),
            get(&r, contract::ERROR)
        ),
        ("false", reason::FAILED, error::CONNECT_ERROR)
    );
    fx.deps.config.instance_id = None;
    let r = invoke_connect(Function::StopContact, event(Some(&contact_id)), &fx.deps).await;
    assert_eq!(get(&r, contract::ERROR), error::CONFIG_MISSING);
    drop(sandbox);
}
