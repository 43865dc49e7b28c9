//! Connect test cases through aws-sdk-connect: validation refusals, and a published test case
//! executed against a small published flow (DTMF menu → two queues).
use crate::common::shapes;

use std::time::Duration;

use crate::common::*;
use aws_sdk_connect::types::{
    ContactFlowType, TestCaseEntryPoint, TestCaseEntryPointType, TestCaseExecutionStatus,
    VoiceCallEntryPointParameters,
};
use serde_json::{Value, json};

fn menu_flow(sales: &str, service: &str) -> String {
    flow_content(
        "Menu",
        json!([
            {"Identifier": "Menu", "Type": "GetParticipantInput",
             "Parameters": {"Text": "For Sales press 1. For Service press 2.", "StoreInput": "False", "InputTimeLimitSeconds": "5"},
             "Transitions": {"NextAction": "Bye", "Conditions": [
                {"NextAction": "Sales", "Condition": {"Operator": "Equals", "Operands": ["1"]}},
                {"NextAction": "Service", "Condition": {"Operator": "Equals", "Operands": ["2"]}}],
              "Errors": [{"NextAction": "Bye", "ErrorType": "InputTimeLimitExceeded"},
                         {"NextAction": "Bye", "ErrorType": "NoMatchingCondition"},
                         {"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
            {"Identifier": "Sales", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": sales},
             "Transitions": {"NextAction": "Transfer", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
            {"Identifier": "Service", "Type": "UpdateContactTargetQueue", "Parameters": {"QueueId": service},
             "Transitions": {"NextAction": "Transfer", "Errors": [{"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
            {"Identifier": "Transfer", "Type": "TransferContactToQueue", "Parameters": {},
             "Transitions": {"Errors": [{"NextAction": "Bye", "ErrorType": "QueueAtCapacity"}, {"NextAction": "Bye", "ErrorType": "NoMatchingError"}]}},
            {"Identifier": "Bye", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {}}
        ]),
    )
}

fn content(digit: &str, queue_arn: &str) -> String {
    json!({"Version": "2025-06-21", "Metadata": {}, "Observations": [
        {"Identifier": "menu", "Event": {"Identifier": "e1", "Type": "MessageReceived", "Actor": "System",
            "Properties": {"Text": "For Sales press 1"}, "MatchingCriteria": "Inclusion"},
         "Actions": [{"Identifier": "dtmf", "Type": "SendInstruction", "Parameters": {"ActionType": "SendInstruction",
            "Actor": "Customer", "Instruction": {"Type": "DtmfInput", "Properties": {"Value": digit}}}}],
         "Transitions": {"NextObservations": ["queued"]}},
        {"Identifier": "queued", "Event": {"Identifier": "e2", "Type": "FlowActionStarted", "Actor": "System",
            "Properties": {"ActionType": "TransferContactToQueue", "ActionParameters": {"QueueId": queue_arn}}},
         "Actions": [{"Identifier": "end", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}}]}
    ]})
    .to_string()
}

#[tokio::test]
async fn a_published_test_case_runs_against_the_published_flow() {
    let mut config = quiet_config();
    config.test_case_time_limit = Duration::from_secs(2);
    config.test_case_pace = Duration::from_millis(50);
    let sb = sandbox(config).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let service = c
        .create_queue()
        .instance_id(&s.instance_id)
        .name("Service")
        .hours_of_operation_id(&s.hours_id)
        .send()
        .await
        .expect("queue");
    let service_arn = service.queue_arn().unwrap().to_string();
    let flow = c
        .create_contact_flow()
        .instance_id(&s.instance_id)
        .name("menu")
        .r#type(ContactFlowType::ContactFlow)
        .content(menu_flow(&s.queue_arn, &service_arn))
        .send()
        .await
        .expect("flow");
    let entry = TestCaseEntryPoint::builder()
        .r#type(TestCaseEntryPointType::VoiceCall)
        .voice_call_entry_point_parameters(
            VoiceCallEntryPointParameters::builder()
                .flow_id(flow.contact_flow_id().unwrap())
                .source_phone_number("+12065550100")
                .build(),
        )
        .build();
    // validation refusals
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong version is InvalidTestCase",
            json!({"Version": "2019-10-30", "Observations": []}).to_string(),
            "InvalidTestCaseException",
        ),
        (
            "not json is InvalidTestCase",
            "{".into(),
            "InvalidTestCaseException",
        ),
    ];
    for (expectation, body, code) in cases {
        let (got, message) = refused(
            c.create_test_case()
                .instance_id(&s.instance_id)
                .name(expectation)
                .content(body)
                .entry_point(entry.clone())
                .send()
                .await,
        );
        assert_eq!(got, code, "{expectation}: {message}");
    }
    let run = |digit: &'static str, name: &'static str| {
        let c = c.clone();
        let entry = entry.clone();
        let iid = s.instance_id.clone();
        let queue = s.queue_arn.clone();
        async move {
            let tc = c
                .create_test_case()
                .instance_id(&iid)
                .name(name)
                .content(content(digit, &queue))
                .entry_point(entry)
                .tags("connect-returns:deployment", "t")
                .send()
                .await
                .expect("create test case");
            let tid = tc.test_case_id().unwrap().to_string();
            let ex = c
                .start_test_case_execution()
                .instance_id(&iid)
                .test_case_id(&tid)
                .send()
                .await
                .expect("start");
            assert_eq!(ex.status(), Some(&TestCaseExecutionStatus::Initiated));
            let eid = ex.test_case_execution_id().unwrap().to_string();
            let mut seen = Vec::new();
            for _ in 0..200 {
                let sum = c
                    .get_test_case_execution_summary()
                    .instance_id(&iid)
                    .test_case_id(&tid)
                    .test_case_execution_id(&eid)
                    .send()
                    .await
                    .expect("summary");
                let st = sum.status().unwrap().clone();
                if seen.last() != Some(&st) {
                    seen.push(st.clone());
                }
                if st != TestCaseExecutionStatus::Initiated
                    && st != TestCaseExecutionStatus::InProgress
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            let records = c
                .list_test_case_execution_records()
                .instance_id(&iid)
                .test_case_id(&tid)
                .test_case_execution_id(&eid)
                .send()
                .await
                .expect("records");
            let recs: Vec<Value> = records
                .execution_records()
                .iter()
                .map(|r| serde_json::from_str(r.record().unwrap()).unwrap())
                .collect();
            (seen, recs)
        }
    };
    let (seen, _) = run("1", "digit 1 reaches Sales").await;
    assert!(
        seen.contains(&TestCaseExecutionStatus::InProgress),
        "{seen:?}"
    );
    assert_eq!(
        seen.last(),
        Some(&TestCaseExecutionStatus::Passed),
        "{seen:?}"
    );
    // digit 2 goes to Service: the queue observation fails, saying what was seen
    let (seen, recs) = run("2", "digit 2 is not Sales").await;
    assert_eq!(
        seen.last(),
        Some(&TestCaseExecutionStatus::Failed),
        "{seen:?}"
    );
    let queued = recs
        .iter()
        .find(|r| r["ObservationId"] == "queued")
        .unwrap();
    assert_eq!(queued["Status"], "FAILED", "{queued}");
    assert!(
        queued["SeenWhileWaiting"]
            .to_string()
            .contains(&service_arn),
        "{queued}"
    );
    // a request signed for another Region does not find the test case
    let other = aws_sdk_connect::Client::from_conf(
        aws_sdk_connect::config::Builder::from(&sdk_config(&sb.connect_url, false).await)
            .region(aws_sdk_connect::config::Region::new("eu-west-2"))
            .build(),
    );
    let (code, _) = refused(
        other
            .list_test_cases()
            .instance_id(&s.instance_id)
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn at_most_five_executions_run_at_once_and_the_rest_queue() {
    let mut config = quiet_config();
    config.test_case_time_limit = Duration::from_millis(1500);
    config.test_case_pace = Duration::from_millis(20);
    let sb = sandbox(config).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let flow = c
        .create_contact_flow()
        .instance_id(&s.instance_id)
        .name("menu")
        .r#type(ContactFlowType::ContactFlow)
        .content(menu_flow(&s.queue_arn, &s.queue_arn))
        .send()
        .await
        .expect("flow");
    let entry = TestCaseEntryPoint::builder()
        .r#type(TestCaseEntryPointType::VoiceCall)
        .voice_call_entry_point_parameters(
            VoiceCallEntryPointParameters::builder()
                .flow_id(flow.contact_flow_id().unwrap())
                .build(),
        )
        .build();
    // no EndTest: every execution waits for the time limit
    let never = json!({"Version": "2025-06-21", "Observations": [
        {"Identifier": "never", "Event": {"Identifier": "e", "Type": "MessageReceived", "Actor": "System",
            "Properties": {"Text": "this is never played"}}, "Actions": []}]})
    .to_string();
    let tc = c
        .create_test_case()
        .instance_id(&s.instance_id)
        .name("waits")
        .content(never)
        .entry_point(entry)
        .send()
        .await
        .expect("create");
    let tid = tc.test_case_id().unwrap();
    for _ in 0..7 {
        c.start_test_case_execution()
            .instance_id(&s.instance_id)
            .test_case_id(tid)
            .send()
            .await
            .expect("start");
    }
    let mut max_running = 0;
    let mut saw_queued_while_full = false;
    for _ in 0..200 {
        let l = c
            .list_test_case_executions()
            .instance_id(&s.instance_id)
            .send()
            .await
            .expect("list");
        let count = |st: TestCaseExecutionStatus| {
            l.test_case_executions()
                .iter()
                .filter(|e| e.test_case_execution_status() == Some(&st))
                .count()
        };
        let running = count(TestCaseExecutionStatus::InProgress);
        max_running = max_running.max(running);
        saw_queued_while_full |= running == 5 && count(TestCaseExecutionStatus::Initiated) == 2;
        if count(TestCaseExecutionStatus::Failed) == 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(max_running, 5);
    assert!(saw_queued_while_full);
    let dump = sb.shared().snapshot();
    let execs = &dump["connect"]["instances"][&s.instance_id]["test_executions"];
    let statuses: Vec<&str> = execs
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["FAILED"; 7], "none is left running");
}

/// A two-step test case on the menu flow: digit `digit`, then the transfer to `queue_arn`.
async fn menu_setup(c: &aws_sdk_connect::Client, s: &Seeded) -> (TestCaseEntryPoint, String) {
    let flow = c
        .create_contact_flow()
        .instance_id(&s.instance_id)
        .name("menu")
        .r#type(ContactFlowType::ContactFlow)
        .content(menu_flow(&s.queue_arn, &s.queue_arn))
        .send()
        .await
        .expect("flow");
    let entry = TestCaseEntryPoint::builder()
        .r#type(TestCaseEntryPointType::VoiceCall)
        .voice_call_entry_point_parameters(
            VoiceCallEntryPointParameters::builder()
                .flow_id(flow.contact_flow_id().unwrap())
                .build(),
        )
        .build();
    (entry, flow.contact_flow_id().unwrap().to_string())
}

/// Every test-case operation along one life cycle (create, describe both versions, update, list,
/// search, tag, run, stop, read, delete) answers only members of its model output shape.
#[tokio::test]
async fn every_test_case_operation_answers_in_its_model_shape() {
    let mut config = quiet_config();
    config.test_case_time_limit = Duration::from_secs(2);
    config.test_case_pace = Duration::from_millis(20);
    let sb = sandbox(config).await;
    sb.shared().keep_answers(true);
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let (entry, _) = menu_setup(&c, &s).await;
    let created = c
        .create_test_case()
        .instance_id(&s.instance_id)
        .name("shapes")
        .content(content("1", &s.queue_arn))
        .entry_point(entry.clone())
        .tags("team", "a")
        .send()
        .await
        .expect("create");
    let id = created.test_case_id().unwrap().to_string();
    let arn = created.test_case_arn().unwrap().to_string();
    c.update_test_case()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .content(content("2", &s.queue_arn))
        .status(aws_sdk_connect::types::TestCaseStatus::Saved)
        .send()
        .await
        .expect("update saved");
    let saved = c
        .describe_test_case()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .status(aws_sdk_connect::types::TestCaseStatus::Saved)
        .send()
        .await
        .expect("describe saved");
    assert!(
        saved
            .test_case()
            .unwrap()
            .content()
            .unwrap()
            .contains("\"2\""),
        "the draft holds the update"
    );
    let published = c
        .describe_test_case()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .send()
        .await
        .expect("describe published");
    assert!(
        published
            .test_case()
            .unwrap()
            .content()
            .unwrap()
            .contains("\"1\""),
        "the published version is unchanged by a SAVED update"
    );
    let listed = c
        .list_test_cases()
        .instance_id(&s.instance_id)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.test_case_summary_list().len(), 1);
    let searched = c
        .search_test_cases()
        .instance_id(&s.instance_id)
        .send()
        .await
        .expect("search");
    assert_eq!(
        searched.test_cases()[0]
            .tags()
            .unwrap()
            .get("team")
            .map(String::as_str),
        Some("a")
    );
    c.tag_resource()
        .resource_arn(&arn)
        .tags("stage", "test")
        .send()
        .await
        .expect("tag");
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("tags");
    assert_eq!(
        tags.tags().unwrap().keys().collect::<Vec<_>>(),
        ["stage"],
        "tagged and untagged"
    );
    let run = c
        .start_test_case_execution()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .send()
        .await
        .expect("start");
    let run_id = run.test_case_execution_id().unwrap().to_string();
    // A second execution, stopped while it is queued or running.
    let stopped = c
        .start_test_case_execution()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .send()
        .await
        .expect("start another");
    let stopped_id = stopped.test_case_execution_id().unwrap().to_string();
    c.stop_test_case_execution()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .test_case_execution_id(&stopped_id)
        .send()
        .await
        .expect("stop");
    let (code, _) = refused(
        c.stop_test_case_execution()
            .instance_id(&s.instance_id)
            .test_case_id(&id)
            .test_case_execution_id(&stopped_id)
            .send()
            .await,
    );
    assert_eq!(
        code, "InvalidRequestException",
        "a stopped execution stops once"
    );
    let mut status = TestCaseExecutionStatus::Initiated;
    for _ in 0..200 {
        let summary = c
            .get_test_case_execution_summary()
            .instance_id(&s.instance_id)
            .test_case_id(&id)
            .test_case_execution_id(&run_id)
            .send()
            .await
            .expect("summary");
        status = summary.status().unwrap().clone();
        if !matches!(
            status,
            TestCaseExecutionStatus::Initiated | TestCaseExecutionStatus::InProgress
        ) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, TestCaseExecutionStatus::Passed);
    let executions = c
        .list_test_case_executions()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .send()
        .await
        .expect("list executions");
    let mut statuses: Vec<&str> = executions
        .test_case_executions()
        .iter()
        .map(|e| e.test_case_execution_status().unwrap().as_str())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["PASSED", "STOPPED"]);
    c.list_test_case_execution_records()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .test_case_execution_id(&run_id)
        .send()
        .await
        .expect("records");
    c.delete_test_case()
        .instance_id(&s.instance_id)
        .test_case_id(&id)
        .send()
        .await
        .expect("delete");
    let answers: Vec<(String, String, Value)> = sb
        .shared()
        .answers()
        .into_iter()
        .map(|a| (a.service.name().to_string(), a.operation, a.body))
        .collect();
    let (problems, checked) = shapes::check_answers(&answers);
    assert!(
        problems.is_empty(),
        "answers outside the model:\n{}",
        problems.join("\n")
    );
    // UpdateTestCase, StopTestCaseExecution, DeleteTestCase and the tag writes answer no body.
    for op in [
        "CreateTestCase",
        "DescribeTestCase",
        "ListTestCases",
        "SearchTestCases",
        "StartTestCaseExecution",
        "GetTestCaseExecutionSummary",
        "ListTestCaseExecutions",
        "ListTestCaseExecutionRecords",
        "ListTagsForResource",
    ] {
        assert!(
            checked.contains(&format!("connect {op}")),
            "{op} was checked: {checked:?}"
        );
    }
    let dump = sb.shared().snapshot();
    let instance = &dump["connect"]["instances"][&s.instance_id];
    assert_eq!(instance["test_cases"], serde_json::json!({}), "deleted");
    assert_eq!(
        instance["test_executions"],
        serde_json::json!({}),
        "a deleted test case takes its executions"
    );
}

/// Refusals of malformed requests, each case named by what it expects.
#[tokio::test]
async fn malformed_test_cases_and_executions_are_refused() {
    let sb = sandbox(quiet_config()).await;
    let s = seeded(&sb).await;
    let c = connect_client(&sb).await;
    let (entry, _) = menu_setup(&c, &s).await;
    let valid = content("1", &s.queue_arn);
    let observation = |event: Value, actions: Value| {
        json!({"Version": "2025-06-21", "Observations": [
            {"Identifier": "o", "Event": event, "Actions": actions}]})
        .to_string()
    };
    let message = json!({"Identifier": "e", "Type": "MessageReceived", "Actor": "System", "Properties": {"Text": "x"}});
    let chat = TestCaseEntryPoint::builder()
        .r#type(TestCaseEntryPointType::Chat)
        .build();
    let cases: Vec<(&str, String, TestCaseEntryPoint, &str, &str)> = vec![
        (
            "an unknown member is refused naming it",
            json!({"Version": "2025-06-21", "Observations": [], "Surprise": 1}).to_string(),
            entry.clone(),
            "InvalidTestCaseException",
            "Surprise",
        ),
        (
            "no observation is refused",
            json!({"Version": "2025-06-21", "Observations": []}).to_string(),
            entry.clone(),
            "InvalidTestCaseException",
            "Observations",
        ),
        (
            "a flow action that cannot be observed is refused",
            observation(
                json!({"Identifier": "e", "Type": "FlowActionStarted", "Actor": "System",
             "Properties": {"ActionType": "CreateCallbackContact", "ActionParameters": {}}}),
                json!([]),
            ),
            entry.clone(),
            "InvalidTestCaseException",
            "CreateCallbackContact",
        ),
        (
            "a DTMF key outside the keypad is refused",
            observation(
                message.clone(),
                json!([{"Identifier": "a", "Type": "SendInstruction", "Parameters": {
             "ActionType": "SendInstruction", "Actor": "Customer",
             "Instruction": {"Type": "DtmfInput", "Properties": {"Value": "1x"}}}}]),
            ),
            entry.clone(),
            "InvalidTestCaseException",
            "keypad",
        ),
        (
            "an utterance without a language is refused",
            observation(
                message.clone(),
                json!([{"Identifier": "a", "Type": "SendInstruction", "Parameters": {
             "ActionType": "SendInstruction", "Actor": "Customer",
             "Instruction": {"Type": "TextUtterance", "Properties": {"Text": "yes"}}}}]),
            ),
            entry.clone(),
            "InvalidTestCaseException",
            "LanguageCode",
        ),
        (
            "a substitute Lambda the instance does not have is refused",
            observation(
                message.clone(),
                json!([{"Identifier": "a", "Type": "OverrideSystemBehavior", "Parameters": {
             "ActionType": "OverrideSystemBehavior", "Behavior": {"Type": "FlowAction", "Properties": {
                 "ActionType": "InvokeLambdaFunction",
                 "ActionParameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:f"},
                 "Strategy": {"Type": "SubstituteResource",
                     "SubstituteArn": "arn:aws:lambda:us-east-1:123456789012:function:not-associated"}}}}}]),
            ),
            entry.clone(),
            "InvalidTestCaseException",
            "not-associated",
        ),
        (
            "a chat entry point is refused (not emulated)",
            valid.clone(),
            chat,
            "InvalidParameterException",
            "CHAT",
        ),
    ];
    for (expectation, body, entry_point, code, mentions) in cases {
        let (got, message) = refused(
            c.create_test_case()
                .instance_id(&s.instance_id)
                .name(expectation)
                .content(body)
                .entry_point(entry_point)
                .send()
                .await,
        );
        assert_eq!(got, code, "{expectation}: {message}");
        assert!(message.contains(mentions), "{expectation}: {message}");
    }
    // A SAVED test case does not run; a duplicate name is refused.
    let saved = c
        .create_test_case()
        .instance_id(&s.instance_id)
        .name("draft")
        .content(valid.clone())
        .entry_point(entry.clone())
        .status(aws_sdk_connect::types::TestCaseStatus::Saved)
        .send()
        .await
        .expect("a SAVED test case is stored");
    let (code, message) = refused(
        c.start_test_case_execution()
            .instance_id(&s.instance_id)
            .test_case_id(saved.test_case_id().unwrap())
            .send()
            .await,
    );
    assert_eq!(
        code, "InvalidRequestException",
        "a SAVED test case does not run: {message}"
    );
    let (code, message) = refused(
        c.create_test_case()
            .instance_id(&s.instance_id)
            .name("draft")
            .content(valid)
            .entry_point(entry)
            .send()
            .await,
    );
    assert_eq!(
        code, "DuplicateResourceException",
        "a name is unique: {message}"
    );
}
