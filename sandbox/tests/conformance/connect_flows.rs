//! Contact flow conformance through aws-sdk-connect: create/describe/list/search/delete, SAVED vs
//! PUBLISHED (and `:$SAVED`), content and metadata updates, and InvalidContactFlowException problems
//! for invalid flow language and unresolved references (queues, flows, Lambdas, Lex bots).
use crate::common::*;
use aws_sdk_connect::types::{ContactFlowState, ContactFlowStatus, ContactFlowType};
use serde_json::json;

fn problems_of(e: &aws_sdk_connect::types::error::InvalidContactFlowException) -> Vec<String> {
    e.problems()
        .iter()
        .map(|p| p.message().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn create_describe_list_update_delete_a_flow() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let content = disconnect_flow();
    let out = c
        .create_contact_flow()
        .instance_id(&s.instance_id)
        .name("my inbound")
        .r#type(ContactFlowType::ContactFlow)
        .description("first")
        .content(&content)
        .tags("app", "returns")
        .send()
        .await
        .expect("create flow");
    let id = out.contact_flow_id().unwrap().to_string();
    assert_eq!(
        out.contact_flow_arn(),
        Some(format!("{}/contact-flow/{id}", s.instance_arn).as_str())
    );
    assert_eq!(out.flow_content_sha256().map(str::len), Some(64));
    let d = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .send()
        .await
        .unwrap();
    let f = d.contact_flow().unwrap();
    assert_eq!(f.name(), Some("my inbound"));
    assert_eq!(f.r#type(), Some(&ContactFlowType::ContactFlow));
    assert_eq!(f.status(), Some(&ContactFlowStatus::Published));
    assert_eq!(f.state(), Some(&ContactFlowState::Active));
    assert_eq!(f.content(), Some(content.as_str()));
    assert_eq!(
        f.tags().unwrap().get("app").map(String::as_str),
        Some("returns")
    );
    // listing filtered by type finds it among the seeded inbound flow
    let l = c
        .list_contact_flows()
        .instance_id(&s.instance_id)
        .contact_flow_types(ContactFlowType::ContactFlow)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = l
        .contact_flow_summary_list()
        .iter()
        .filter_map(|x| x.name())
        .collect();
    assert!(
        names.contains(&"my inbound")
            && names.contains(&"Sample inbound flow (first contact experience)"),
        "{names:?}"
    );
    assert!(
        l.contact_flow_summary_list()
            .iter()
            .all(|x| x.contact_flow_type() == Some(&ContactFlowType::ContactFlow))
    );
    // content update publishes new content
    let (queue_flow, _) = s.flow("Default customer queue");
    let new_content = flow_content(
        "Q",
        json!([
            {"Identifier": "Q", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": s.queue_arn},
             "Transitions": {"NextAction": "Hook", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
            {"Identifier": "Hook", "Type": "UpdateContactEventHooks", "Parameters": {"EventHooks": {"CustomerQueue": queue_flow}},
             "Transitions": {"NextAction": "T", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
            {"Identifier": "T", "Type": "TransferContactToQueue", "Parameters": {},
             "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "QueueAtCapacity"}]}},
            {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]),
    );
    c.update_contact_flow_content()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .content(&new_content)
        .send()
        .await
        .expect("update content");
    let d = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.contact_flow().unwrap().content(),
        Some(new_content.as_str())
    );
    // metadata: rename, describe, archive
    c.update_contact_flow_metadata()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .name("renamed")
        .description("second")
        .contact_flow_state(ContactFlowState::Archived)
        .send()
        .await
        .expect("update metadata");
    let d = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .send()
        .await
        .unwrap();
    let f = d.contact_flow().unwrap();
    assert_eq!(
        (f.name(), f.description(), f.state()),
        (
            Some("renamed"),
            Some("second"),
            Some(&ContactFlowState::Archived)
        )
    );
    // renaming onto an existing name is a duplicate
    let (code, message) = refused(
        c.update_contact_flow_metadata()
            .instance_id(&s.instance_id)
            .contact_flow_id(&id)
            .name("Default outbound")
            .send()
            .await,
    );
    assert_eq!(code, "DuplicateResourceException", "{message}");
    c.delete_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .send()
        .await
        .expect("delete");
    let (code, message) = refused(
        c.describe_contact_flow()
            .instance_id(&s.instance_id)
            .contact_flow_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
    let (code, message) = refused(
        c.delete_contact_flow()
            .instance_id(&s.instance_id)
            .contact_flow_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
}

#[tokio::test]
async fn duplicate_names_and_required_fields() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    // Each case changes one member of a valid CreateContactFlow.
    type Flow =
        aws_sdk_connect::operation::create_contact_flow::builders::CreateContactFlowFluentBuilder;
    let valid = || {
        c.create_contact_flow()
            .instance_id(&s.instance_id)
            .r#type(ContactFlowType::ContactFlow)
            .content(disconnect_flow())
    };
    let cases: &[Refusal<Flow>] = &[
        (
            "a flow with the name of an existing flow is a duplicate",
            |b| {
                b.name("Default agent whisper")
                    .r#type(ContactFlowType::AgentWhisper)
                    .content(end_flow())
            },
            "DuplicateResourceException",
        ),
        (
            "a flow name of 128 characters is refused",
            |b| b.name("n".repeat(128)),
            "InvalidParameterException",
        ),
        (
            "a flow in an unknown instance is not found",
            |b| b.instance_id("not-an-instance").name("x"),
            "ResourceNotFoundException",
        ),
        (
            "a flow of an unknown type is refused",
            |b| {
                b.name("weird type")
                    .r#type(ContactFlowType::from("NOT_A_TYPE"))
            },
            "InvalidParameterException",
        ),
    ];
    check_refusals(valid, cases, |b| b.send()).await;
    // Content missing: the SDK refuses before sending (required member), so send raw JSON without it
    let (status, body, _) = http(
        &sb.connect_url,
        "PUT",
        &format!("/contact-flows/{}", s.instance_id),
        Some(&json!({"Name": "x", "Type": "CONTACT_FLOW"}).to_string()),
        &[("authorization", "test")],
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("InvalidParameterException")),
        "{body}"
    );
}

#[tokio::test]
async fn saved_flows_skip_validation_and_are_addressed_with_saved_suffix() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    // references a queue that does not exist: fine while SAVED
    let draft = flow_content(
        "Q",
        json!([{"Identifier": "Q", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": "no-such-queue"},
                "Transitions": {"NextAction": "Missing"}}]),
    );
    let out = c
        .create_contact_flow()
        .instance_id(&s.instance_id)
        .name("draft")
        .r#type(ContactFlowType::ContactFlow)
        .status(ContactFlowStatus::Saved)
        .content(&draft)
        .send()
        .await
        .expect("saved flows are not validated");
    let id = out.contact_flow_id().unwrap().to_string();
    let (code, message) = refused(
        c.describe_contact_flow()
            .instance_id(&s.instance_id)
            .contact_flow_id(&id)
            .send()
            .await,
    );
    assert_eq!(code, "ContactFlowNotPublishedException", "{message}");
    let saved_id = format!("{id}:$SAVED");
    let d = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&saved_id)
        .send()
        .await
        .expect("describe :$SAVED");
    assert_eq!(
        d.contact_flow().unwrap().status(),
        Some(&ContactFlowStatus::Saved)
    );
    assert_eq!(d.contact_flow().unwrap().content(), Some(draft.as_str()));
    let l = c
        .list_contact_flows()
        .instance_id(&s.instance_id)
        .send()
        .await
        .unwrap();
    let summary = l
        .contact_flow_summary_list()
        .iter()
        .find(|x| x.id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(
        summary.contact_flow_status(),
        Some(&ContactFlowStatus::Saved)
    );
    // publishing the draft as is fails with the problems
    let e = c
        .update_contact_flow_content()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .content(&draft)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_connect::operation::update_contact_flow_content::UpdateContactFlowContentError::InvalidContactFlowException(inv) = e else {
        panic!("expected InvalidContactFlowException, got {e:?}")
    };
    let probs = problems_of(&inv);
    assert!(
        probs.iter().any(|p| p.contains("no-such-queue")),
        "{probs:?}"
    );
    assert!(probs.iter().any(|p| p.contains("\"Missing\"")), "{probs:?}");
    // saving a new draft over :$SAVED keeps it unpublished; publishing valid content works
    c.update_contact_flow_content()
        .instance_id(&s.instance_id)
        .contact_flow_id(&saved_id)
        .content(disconnect_flow())
        .send()
        .await
        .expect("save draft");
    c.update_contact_flow_content()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .content(disconnect_flow())
        .send()
        .await
        .expect("publish");
    let d = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .send()
        .await
        .expect("now published");
    assert_eq!(
        d.contact_flow().unwrap().status(),
        Some(&ContactFlowStatus::Published)
    );
    // a draft saved on top of a published flow is visible through :$SAVED only
    let draft2 = end_flow();
    c.update_contact_flow_content()
        .instance_id(&s.instance_id)
        .contact_flow_id(&saved_id)
        .content(&draft2)
        .send()
        .await
        .unwrap();
    let pub_view = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pub_view.contact_flow().unwrap().content(),
        Some(disconnect_flow().as_str())
    );
    let saved_view = c
        .describe_contact_flow()
        .instance_id(&s.instance_id)
        .contact_flow_id(&saved_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        saved_view.contact_flow().unwrap().content(),
        Some(draft2.as_str())
    );
}

async fn create_err(
    c: &aws_sdk_connect::Client,
    instance: &str,
    ty: ContactFlowType,
    content: String,
) -> Vec<String> {
    let e = c
        .create_contact_flow()
        .instance_id(instance)
        .name(format!("bad-{}", uuid_like()))
        .r#type(ty)
        .content(content)
        .send()
        .await
        .expect_err("invalid flow must be refused")
        .into_service_error();
    match e {
        aws_sdk_connect::operation::create_contact_flow::CreateContactFlowError::InvalidContactFlowException(inv) => {
            let p = problems_of(&inv);
            assert!(!p.is_empty() && p.len() <= 50 && p.iter().all(|m| !m.is_empty() && m.chars().count() <= 256), "{p:?}");
            p
        }
        other => panic!("expected InvalidContactFlowException, got {other:?}"),
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

fn has(p: &[String], needle: &str) -> bool {
    p.iter().any(|m| m.contains(needle))
}

#[tokio::test]
async fn invalid_flow_language_is_refused_with_problems() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let i = s.instance_id.as_str();
    let ty = || ContactFlowType::ContactFlow;
    let p = create_err(&c, i, ty(), "{not json".into()).await;
    assert!(has(&p, "not valid json"), "{p:?}");
    let p = create_err(
        &c,
        i,
        ty(),
        json!({"Version": "2020-01-01", "StartAction": "A", "Actions": [
        {"Identifier": "A", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]})
        .to_string(),
    )
    .await;
    assert!(has(&p, "Version"), "{p:?}");
    let p = create_err(
        &c,
        i,
        ty(),
        flow_content(
            "Nope",
            json!([
        {"Identifier": "A", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]),
        ),
    )
    .await;
    assert!(has(&p, "StartAction \"Nope\""), "{p:?}");
    let p = create_err(&c, i, ty(), flow_content("A", json!([
        {"Identifier": "A", "Type": "MessageParticipant", "Parameters": {"Text": "hi"}, "Transitions": {"NextAction": "A"}},
        {"Identifier": "A", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        {"Identifier": "bad:id", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        {"Identifier": "x".repeat(51), "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}},
        {"Identifier": "constructor", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]))).await;
    assert!(has(&p, "not unique"), "{p:?}");
    assert!(has(&p, "forbidden character ':'"), "{p:?}");
    assert!(has(&p, "1-50 characters"), "{p:?}");
    assert!(has(&p, "reserved"), "{p:?}");
    let p = create_err(&c, i, ty(), flow_content("A", json!([
        {"Identifier": "A", "Type": "TeleportCaller", "Parameters": {}, "Transitions": {"NextAction": "Ghost",
          "Errors": [{"NextAction": "Ghost2", "ErrorType": "NoMatchingError"}],
          "Conditions": [{"NextAction": "A", "Condition": {"Operator": "Resembles", "Operands": ["1"]}}]}}]))).await;
    assert!(has(&p, "unknown type \"TeleportCaller\""), "{p:?}");
    assert!(has(&p, "\"Ghost\""), "{p:?}");
    assert!(has(&p, "\"Ghost2\""), "{p:?}");
    assert!(has(&p, "\"Resembles\""), "{p:?}");
    // references that do not resolve in this instance
    let (whisper, _) = s.flow("Default agent whisper");
    let foreign_queue = "arn:aws:connect:us-east-1:999999999999:instance/other/queue/q1";
    let p = create_err(&c, i, ty(), flow_content("Q", json!([
        {"Identifier": "Q", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": foreign_queue},
         "Transitions": {"NextAction": "H", "Errors": [{"NextAction": "End", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "H", "Type": "UpdateContactEventHooks", "Parameters": {"EventHooks": {"AgentWhisper": "00000000-0000-0000-0000-00000000000f"}},
         "Transitions": {"NextAction": "H2"}},
        {"Identifier": "H2", "Type": "UpdateContactEventHooks", "Parameters": {"EventHooks": {"CustomerQueue": whisper}},
         "Transitions": {"NextAction": "F"}},
        {"Identifier": "F", "Type": "TransferToFlow", "Parameters": {"ContactFlowId": "missing-flow"}, "Transitions": {"NextAction": "End"}},
        {"Identifier": "End", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]))).await;
    assert!(has(&p, foreign_queue), "{p:?}");
    assert!(has(&p, "00000000-0000-0000-0000-00000000000f"), "{p:?}");
    assert!(has(&p, "needs a CUSTOMER_QUEUE flow"), "{p:?}");
    assert!(has(&p, "missing-flow"), "{p:?}");
    // action not allowed in the flow type: Lex input in a whisper flow
    let p = create_err(&c, i, ContactFlowType::AgentWhisper, flow_content("L", json!([
        {"Identifier": "L", "Type": "ConnectParticipantWithLexBot",
         "Parameters": {"Text": "hi", "LexV2Bot": {"AliasArn": "arn:aws:lex:us-east-1:123456789012:bot-alias/B/A"}},
         "Transitions": {"NextAction": "E", "Errors": [{"NextAction": "E", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "E", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {}}]))).await;
    assert!(
        has(&p, "not supported in flows of type AGENT_WHISPER"),
        "{p:?}"
    );
    assert!(has(&p, "not associated"), "{p:?}");
    // at most 50 problems are reported
    let many: Vec<_> = (0..80)
        .map(|n| json!({"Identifier": format!("A{n}"), "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {"NextAction": format!("none{n}")}}))
        .collect();
    let p = create_err(&c, i, ty(), flow_content("A0", json!(many))).await;
    assert_eq!(p.len(), 50);
    // the type of a flow cannot change through metadata: the raw API refuses a Type member
    let (whisper_id, _) = s.flow("Default agent whisper");
    let (status, body, _) = http(
        &sb.connect_url,
        "POST",
        &format!("/contact-flows/{i}/{whisper_id}/metadata"),
        Some(&json!({"Type": "CONTACT_FLOW"}).to_string()),
        &[("authorization", "test")],
    )
    .await;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("InvalidParameterException")),
        "{body}"
    );
}

#[tokio::test]
async fn lambda_reference_needs_association_first() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:returns-lookup";
    let content = flow_content(
        "L",
        json!([
        {"Identifier": "L", "Type": "InvokeLambdaFunction",
         "Parameters": {"LambdaFunctionARN": arn, "InvocationTimeLimitSeconds": "8"},
         "Transitions": {"NextAction": "Bye", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
        {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]),
    );
    let p = create_err(
        &c,
        &s.instance_id,
        ContactFlowType::ContactFlow,
        content.clone(),
    )
    .await;
    assert!(
        has(&p, &format!("lambda function {arn} is not associated")),
        "{p:?}"
    );
    c.associate_lambda_function()
        .instance_id(&s.instance_id)
        .function_arn(arn)
        .send()
        .await
        .expect("associate");
    c.create_contact_flow()
        .instance_id(&s.instance_id)
        .name("with lambda")
        .r#type(ContactFlowType::ContactFlow)
        .content(content)
        .send()
        .await
        .expect("accepted once the lambda is associated");
}

#[tokio::test]
async fn lex_references_need_associated_bots() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let v1 = flow_content(
        "L",
        json!([
        {"Identifier": "L", "Type": "ConnectParticipantWithLexBot",
         "Parameters": {"Text": "yes or no?", "LexBot": {"Name": "ReturnsBot", "Region": "us-east-1", "Alias": "live"}},
         "Transitions": {"NextAction": "Bye", "Conditions": [{"NextAction": "Bye", "Condition": {"Operator": "Equals", "Operands": ["Yes"]}}],
                         "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingCondition"}]}},
        {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}]),
    );
    let p = create_err(&c, &s.instance_id, ContactFlowType::ContactFlow, v1.clone()).await;
    assert!(
        has(&p, "lex bot ReturnsBot in us-east-1 is not associated"),
        "{p:?}"
    );
    // a bot that does not exist in the Lex V1 state cannot be associated
    let (code, message) = refused(
        c.associate_lex_bot()
            .instance_id(&s.instance_id)
            .lex_bot(
                aws_sdk_connect::types::LexBot::builder()
                    .name("ReturnsBot")
                    .lex_region("us-east-1")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException", "{message}");
}

#[tokio::test]
async fn search_and_paginate_flows() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    for n in 0..12 {
        c.create_contact_flow()
            .instance_id(&s.instance_id)
            .name(format!("returns-{n:02}"))
            .r#type(ContactFlowType::AgentWhisper)
            .content(end_flow())
            .send()
            .await
            .unwrap();
    }
    // pages of 5 through the paginator: 9 seeded + 12 created
    let pages: Vec<_> = c
        .list_contact_flows()
        .instance_id(&s.instance_id)
        .max_results(5)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 5);
    let total: usize = pages
        .iter()
        .map(|p| p.as_ref().unwrap().contact_flow_summary_list().len())
        .sum();
    assert_eq!(total, 21);
    let mut names: Vec<String> = pages
        .iter()
        .flat_map(|p| {
            p.as_ref()
                .unwrap()
                .contact_flow_summary_list()
                .iter()
                .map(|x| x.name().unwrap().to_string())
        })
        .collect();
    names.dedup();
    assert_eq!(names.len(), 21, "no duplicates across pages");
    let (code, message) = refused(
        c.list_contact_flows()
            .instance_id(&s.instance_id)
            .next_token("garbage")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    let (code, message) = refused(
        c.list_contact_flows()
            .instance_id(&s.instance_id)
            .max_results(1001)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    // search by name prefix and type
    use aws_sdk_connect::types::{
        ContactFlowSearchCriteria, StringComparisonType, StringCondition,
    };
    let crit = ContactFlowSearchCriteria::builder()
        .string_condition(
            StringCondition::builder()
                .field_name("name")
                .value("returns-0")
                .comparison_type(StringComparisonType::StartsWith)
                .build(),
        )
        .build();
    let r = c
        .search_contact_flows()
        .instance_id(&s.instance_id)
        .search_criteria(crit)
        .max_results(4)
        .send()
        .await
        .unwrap();
    assert_eq!(r.approximate_total_count(), Some(10));
    assert_eq!(r.contact_flows().len(), 4);
    assert!(r.next_token().is_some());
    let crit = ContactFlowSearchCriteria::builder()
        .string_condition(
            StringCondition::builder()
                .field_name("name")
                .value("Default outbound")
                .comparison_type(StringComparisonType::Exact)
                .build(),
        )
        .build();
    let r = c
        .search_contact_flows()
        .instance_id(&s.instance_id)
        .search_criteria(crit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.contact_flows().len(), 1);
    assert_eq!(
        r.contact_flows()[0].r#type(),
        Some(&ContactFlowType::OutboundWhisper)
    );
    // Tag-based access control is not emulated: refused, never ignored.
    let filter = aws_sdk_connect::types::ContactFlowSearchFilter::builder()
        .tag_filter(
            aws_sdk_connect::types::ControlPlaneTagFilter::builder()
                .and_conditions(
                    aws_sdk_connect::types::TagCondition::builder()
                        .tag_key("team")
                        .tag_value("a")
                        .build(),
                )
                .build(),
        )
        .build();
    let (code, message) = refused(
        c.search_contact_flows()
            .instance_id(&s.instance_id)
            .search_filter(filter)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException", "{message}");
    assert!(message.contains("SearchFilter"), "{message}");
}
