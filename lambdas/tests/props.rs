//! Generated-input tests: ≥ 10,000 arbitrary events per handler through the pure parsing and
//! validation layer (no I/O per case). No panic, and every finished reply is a flat map of strings
//! whose keys are in the function's contract.

use proptest::prelude::*;
use returns_lambdas::contract::{self, Function};
use returns_lambdas::ctr::{Decoded, decode};
use returns_lambdas::plan::{Plan, plan};
use serde_json::{Map, Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("Details".to_string()),
                    Just("ContactData".to_string()),
                    Just("Parameters".to_string()),
                    Just("Attributes".to_string()),
                    ".{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Phone-ish strings: real numbers, withheld markers, junk, huge.
fn arb_phone() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("+14155552671".to_string()),
        Just("anonymous".to_string()),
        Just("Restricted".to_string()),
        "\\+?[0-9 ()-]{0,20}",
        ".{0,30}",
        "[0-9]{200,300}",
    ]
}

fn known_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Function::ALL
        .iter()
        .flat_map(|f| f.parameters().iter().map(|p| p.name))
        .collect();
    names.extend(
        Function::ALL
            .iter()
            .flat_map(|f| f.contact_attributes().iter().copied()),
    );
    names.extend([contract::NEXT_CONTACT_ID, contract::CALLBACK_STATUS]);
    names
}

fn arb_string_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => arb_phone().prop_map(Value::String),
        2 => prop::sample::select(vec!["PENDING", "CANCELLED", "COMPLETED", "CANCELLED_OFFERED", "NotFound", "inprogress", "GB", "US", ""]).prop_map(|s| json!(s)),
        1 => arb_json(),
    ]
}

fn arb_map() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop_oneof![
            prop::sample::select(known_names()).prop_map(String::from),
            ".{0,6}"
        ],
        arb_string_value(),
        0..6,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Connect-shaped events with arbitrary contents.
fn arb_connect_event() -> impl Strategy<Value = Value> {
    (
        arb_phone(),
        arb_map(),
        arb_map(),
        prop::option::of((".{0,20}", ".{0,40}")),
        prop::option::of(".{0,40}"),
        arb_json(),
    )
        .prop_map(|(address, params, attrs, queue, contact_id, extra)| {
            json!({
                "Details": {
                    "ContactData": {
                        "Attributes": attrs,
                        "Channel": "VOICE",
                        "ContactId": contact_id,
                        "CustomerEndpoint": {"Address": address, "Type": "TELEPHONE_NUMBER"},
                        "Queue": queue.map(|(n, a)| json!({"Name": n, "ARN": a})),
                        "SystemEndpoint": {"Address": "+18005550199", "Type": "TELEPHONE_NUMBER"},
                        "Extra": extra
                    },
                    "Parameters": params
                },
                "Name": "ContactFlowEvent"
            })
        })
}

fn arb_event() -> impl Strategy<Value = Value> {
    prop_oneof![3 => arb_connect_event(), 1 => arb_json()]
}

fn check(function: Function, event: &Value, now: i64) -> Result<(), TestCaseError> {
    match plan(function, event, now) {
        Plan::Done(reply) => {
            // A flat map of strings, as Connect's STRING_MAP needs.
            let as_json = serde_json::to_value(&reply).unwrap();
            prop_assert!(as_json.as_object().unwrap().values().all(Value::is_string));
            for key in reply.keys() {
                prop_assert!(
                    function.returns().contains(&key.as_str()),
                    "{} returned {}",
                    function,
                    key
                );
            }
            prop_assert!(!reply.is_empty());
        }
        Plan::Search { phone }
        | Plan::Add { phone, .. }
        | Plan::Write { phone, .. }
        | Plan::Read { phone, .. }
        | Plan::Update { phone, .. } => {
            prop_assert!(
                phone.e164().starts_with('+')
                    && phone.e164()[1..].chars().all(|c| c.is_ascii_digit())
            );
        }
        Plan::Stop { contact_id } => prop_assert!(!contact_id.is_empty()),
    }
    Ok(())
}

macro_rules! per_function {
    ($($name:ident => $function:expr),* $(,)?) => {$(
        proptest! {
            #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]
            #[test]
            fn $name(event in arb_event(), now in prop_oneof![Just(1_795_222_800i64), any::<i64>()]) {
                check($function, &event, now)?;
            }
        }
    )*};
}

per_function! {
    search_customer_calls_never_panics => Function::SearchCustomerCalls,
    add_customer_calls_never_panics => Function::AddCustomerCalls,
    get_10_digit_phone_never_panics => Function::Get10DigitPhone,
    get_current_time_never_panics => Function::GetCurrentTime,
    write_callback_never_panics => Function::WriteCallback,
    read_callback_never_panics => Function::ReadCallback,
    update_callback_never_panics => Function::UpdateCallback,
    stop_contact_never_panics => Function::StopContact,
}

fn arb_kinesis_record() -> impl Strategy<Value = Value> {
    let ctr = (
        arb_phone(),
        prop::option::of(".{0,40}"),
        prop::option::of(".{0,40}"),
        arb_map(),
    )
        .prop_map(|(number, cid, next, mut attrs)| {
            attrs
                .as_object_mut()
                .unwrap()
                .insert(contract::CALLBACK_NUMBER.into(), json!(number));
            json!({"ContactId": cid, "NextContactId": next, "Attributes": attrs})
        });
    let data = prop_oneof![
        ctr.prop_map(|c| base64_encode(c.to_string().as_bytes())),
        arb_json().prop_map(|j| base64_encode(j.to_string().as_bytes())),
        ".{0,40}",
    ];
    prop_oneof![
        3 => (data, prop::option::of("[0-9]{1,56}")).prop_map(|(d, seq)| json!({"kinesis": {"data": d, "sequenceNumber": seq, "approximateArrivalTimestamp": 1.5, "partitionKey": "k"}})),
        1 => arb_json(),
    ]
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn process_ctr_decoding_never_panics(record in arb_kinesis_record()) {
        match decode(&record) {
            Decoded::Update { phone, sequence, next_contact_id, .. } => {
                prop_assert!(phone.starts_with('+'));
                prop_assert!(!sequence.is_empty() && !next_contact_id.is_empty());
            }
            Decoded::Ignored { sequence } => prop_assert!(!sequence.is_empty()),
            Decoded::Poison { .. } => {}
        }
    }
}

#[test]
fn the_generators_reach_the_deep_paths() {
    // Guard against a generator that only ever produces malformed events.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut planned = 0;
    for _ in 0..2000 {
        let event = arb_connect_event().new_tree(&mut runner).unwrap().current();
        if !matches!(
            plan(Function::SearchCustomerCalls, &event, 0),
            Plan::Done(_)
        ) {
            planned += 1;
        }
    }
    assert!(planned > 100, "only {planned} events reached the lookup");
}
