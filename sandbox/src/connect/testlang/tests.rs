//! Unit tests of the testing language: parsing and the problems a PUBLISHED test case gets.
use serde_json::json;

use super::*;

fn doc(observations: Value) -> String {
    json!({"Version": TEST_VERSION, "Metadata": {}, "Observations": observations}).to_string()
}

#[test]
fn the_documented_shapes_parse() {
    let c = doc(json!([
        {"Identifier": "start", "Event": {"Identifier": "e1", "Type": "TestInitiated", "Actor": "System", "Properties": {}},
         "Usage": {"Type": "EXACTLY"},
         "Actions": [{"Identifier": "o1", "Type": "OverrideSystemBehavior", "Parameters": {"ActionType": "OverrideSystemBehavior",
            "Behavior": {"Type": "FlowAction", "Properties": {"ActionType": "InvokeLambdaFunction",
              "ActionParameters": {"LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:f"},
              "Strategy": {"Type": "MockResponse", "Response": {"Type": "ExecutionResult", "ExecutionResult": {"LoadedData": "{\"found\":\"false\"}"}}}}}},
            "Transitions": {"NextAction": ""}}],
         "Transitions": {"NextObservations": ["menu"]}},
        {"Identifier": "menu", "Event": {"Identifier": "e2", "Type": "MessageReceived", "Actor": "System", "Properties": {"Text": "press 1"}, "MatchingCriteria": "Inclusion"},
         "Actions": [{"Identifier": "d", "Type": "SendInstruction", "Parameters": {"ActionType": "SendInstruction", "Actor": "Customer",
            "Instruction": {"Type": "DtmfInput", "Properties": {"Value": 1}}}, "Transitions": {"NextAction": "log"}},
            {"Identifier": "log", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "LogData", "Properties": {"Expressions": {"q": "$.Queue.Name"}}}}}],
         "Transitions": {"NextObservations": ["queue"]}},
        {"Identifier": "queue", "Event": {"Identifier": "e3", "Type": "FlowActionStarted", "Actor": "System",
            "Properties": {"ActionType": "TransferContactToQueue", "ActionParameters": {"QueueId": "q"}}},
         "Actions": [{"Identifier": "end", "Type": "TestControl", "Parameters": {"ActionType": "TestControl", "Command": {"Type": "EndTest"}}}]}
    ]));
    let parsed = parse(&c).expect("valid");
    assert_eq!(parsed.observations.len(), 3);
    assert!(matches!(
        parsed.observations[1].actions[0].kind,
        ActionKind::Send(Instruction::Dtmf(ref d)) if d == "1"
    ));
}

#[test]
fn structure_problems_are_named() {
    let problems =
        parse(&json!({"Version": "2019-10-30", "Observations": []}).to_string()).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("Version")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("at least one")),
        "{problems:?}"
    );
    let problems = parse(&doc(json!([
        {"Identifier": "a", "Event": {"Identifier": "e", "Type": "FlowActionStarted", "Actor": "System",
          "Properties": {"ActionType": "DisconnectParticipant", "ActionParameters": {}}}, "Actions": []},
        {"Identifier": "b", "Event": {"Identifier": "e2", "Type": "TestInitiated", "Actor": "System", "Properties": {}},
         "Actions": [], "Transitions": {"NextObservations": ["missing"]}}
    ])))
    .unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("cannot be observed")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("\"missing\"")),
        "{problems:?}"
    );
}
