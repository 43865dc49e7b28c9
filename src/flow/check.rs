//! Offline checks of one flow against what it references: structure (start, identifiers,
//! transitions, reachability, required error branches, action types per flow type, parameter
//! kinds), placeholders, literal ARNs, every `$.External.<key>` read against the keys the Lambda
//! that ran last returns, Lambda parameters against the handler contract, and Lex intents against
//! the bot. Every problem is reported, each with its action identifier.
//!
//! This file holds what the checks share (the catalog, the problem, the report) and their order;
//! `rules.rs` holds the data tables, and `structure`, `placeholders`, `parameters` and `reads` one
//! kind of check each.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{self, Flow};
use crate::assets::Solution;

mod parameters;
mod placeholders;
mod reads;
mod rules;
mod structure;

/// What a flow may reference: functions (from the handler contract), queues, flows, the bot.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Lambda functions by id.
    pub lambdas: BTreeMap<String, LambdaSpec>,
    /// Queue names `${queue:..}` may name.
    pub queues: BTreeSet<String>,
    /// Flow name → (flow type, solution).
    pub flows: BTreeMap<String, (String, Solution)>,
    /// The bot name `${lex:..}` may name.
    pub bot_name: String,
    /// Intent names of the bot (case-sensitive, as flows compare them).
    pub intents: BTreeSet<String>,
}

/// What the handler contract says about one function.
#[derive(Debug, Clone)]
pub struct LambdaSpec {
    /// The solution it belongs to.
    pub solution: Solution,
    /// `Details.Parameters` names it reads, with "required".
    pub parameters: Vec<(String, bool)>,
    /// Contact attributes it reads.
    pub contact_attributes: Vec<String>,
    /// Keys it returns.
    pub returns: BTreeSet<String>,
    /// False for functions flows must not invoke.
    pub invoked_by_connect: bool,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Problem {
    /// The file, relative to the assets root (e.g. `flows/repeatCallerFlow.json`).
    pub file: String,
    /// The line of the file the problem is on (files of an assets directory only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The action identifier (or resource / intent name), when the problem is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// What is wrong.
    pub message: String,
}

struct Report<'a> {
    file: &'a str,
    out: Vec<Problem>,
}

impl Report<'_> {
    fn at(&mut self, action: &str, message: impl Into<String>) {
        self.out.push(Problem {
            file: self.file.to_string(),
            line: None,
            action: Some(action.to_string()),
            message: message.into(),
        });
    }
    fn flow(&mut self, message: impl Into<String>) {
        self.out.push(Problem {
            file: self.file.to_string(),
            line: None,
            action: None,
            message: message.into(),
        });
    }
}

/// Whether `s` contains a literal ARN (`arn:aws…:<service>:`).
pub fn has_literal_arn(s: &str) -> bool {
    s.match_indices("arn:").any(|(i, _)| {
        let rest = &s[i + 4..];
        let partition: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-')
            .collect();
        partition.starts_with("aws") && rest[partition.len()..].starts_with(':')
    })
}

/// Checks one flow. `file` names it in problems; `solution` is the solution it ships with.
pub fn check_flow(
    file: &str,
    flow_type: &str,
    solution: Solution,
    source: &str,
    catalog: &Catalog,
) -> Vec<Problem> {
    let mut r = Report {
        file,
        out: Vec::new(),
    };
    let doc: Value = match serde_json::from_str(source) {
        Ok(v) => v,
        Err(e) => {
            r.flow(format!("not valid json: {e}"));
            return r.out;
        }
    };
    let mut shape = Vec::new();
    let flow = Flow::parse(&doc, &mut shape);
    for (action, message) in shape {
        match action {
            Some(a) => r.at(&a, message),
            None => r.flow(message),
        }
    }
    if flow.version.as_deref() != Some(model::VERSION) {
        r.flow(format!("Version must be {:?}", model::VERSION));
    }
    if let Some(meta) = doc.get("Metadata") {
        for (at, s) in model::strings(meta) {
            if has_literal_arn(s) {
                r.flow(format!(
                    "Metadata{at} holds a literal ARN; keep Metadata to positions"
                ));
            }
        }
    }
    structure::check_identifiers(&mut r, &flow);
    structure::check_transitions(&mut r, &flow, flow_type);
    for action in &flow.actions {
        parameters::check_parameters(&mut r, action, flow_type, solution, catalog);
    }
    reads::check_external_reads(&mut r, &flow, catalog);
    reads::check_attribute_reads(&mut r, &flow, catalog);
    r.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::{self, flow_type, lex};
    use serde_json::json;

    fn check(flow_type: &str, actions: Value) -> Vec<Problem> {
        let doc = json!({ "Version": "2019-10-30", "StartAction": "A", "Actions": actions });
        let catalog = crate::flow::validate::catalog(&lex::bot(), &crate::assets::Menu::blogs());
        check_flow(
            "f.json",
            flow_type,
            Solution::ReturningCallers,
            &doc.to_string(),
            &catalog,
        )
    }

    fn has(problems: &[Problem], action: &str, needle: &str) -> bool {
        problems
            .iter()
            .any(|p| p.action.as_deref() == Some(action) && p.message.contains(needle))
    }

    #[test]
    fn shipped_flows_are_clean() {
        let catalog = crate::flow::validate::catalog(&lex::bot(), &crate::assets::Menu::blogs());
        for f in assets::flows() {
            let p = check_flow(f.name, f.flow_type, f.solution, f.source, &catalog);
            assert!(p.is_empty(), "{}: {p:#?}", f.name);
        }
    }

    #[test]
    fn structure_problems_are_each_reported() {
        let p = check(
            flow_type::CONTACT_FLOW,
            json!([
                { "Identifier": "A", "Type": "UpdateContactRoutingBehavior", "Parameters": { "QueuePriority": "0" },
                  "Transitions": { "NextAction": "B" } },
                { "Identifier": "B", "Type": "MessageParticipant", "Parameters": { "Text": "hi" },
                  "Transitions": { "NextAction": "C" } },
                { "Identifier": "C", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {} },
                { "Identifier": "Lost:1", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {} },
                { "Identifier": "C", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {} }
            ]),
        );
        assert!(
            has(&p, "A", "QueuePriority must be greater than 0"),
            "{p:#?}"
        );
        assert!(
            has(&p, "B", "has no NoMatchingError error branch"),
            "{p:#?}"
        );
        assert!(has(&p, "Lost:1", "forbidden character ':'"), "{p:#?}");
        assert!(has(&p, "Lost:1", "not reachable"), "{p:#?}");
        assert!(has(&p, "C", "not unique"), "{p:#?}");
        assert!(
            has(
                &p,
                "C",
                "EndFlowExecution is not allowed in CONTACT_FLOW flows"
            ),
            "{p:#?}"
        );
    }

    #[test]
    fn a_whisper_hook_must_name_a_whisper_flow() {
        let p = check(
            flow_type::CONTACT_FLOW,
            json!([
                { "Identifier": "A", "Type": "UpdateContactEventHooks",
                  "Parameters": { "EventHooks": { "AgentWhisper": "${flow:repeatCallerFlow}" } },
                  "Transitions": { "NextAction": "B", "Errors": [{ "NextAction": "B", "ErrorType": "NoMatchingError" }] } },
                { "Identifier": "B", "Type": "DisconnectParticipant", "Parameters": {}, "Transitions": {} }
            ]),
        );
        assert!(
            has(
                &p,
                "A",
                "needs a AGENT_WHISPER flow, repeatCallerFlow is CONTACT_FLOW"
            ),
            "{p:#?}"
        );
    }

    #[test]
    fn lambda_parameters_and_results_follow_the_contract() {
        let p = check(
            flow_type::AGENT_WHISPER,
            json!([
                { "Identifier": "A", "Type": "InvokeLambdaFunction",
                  "Parameters": { "LambdaFunctionARN": "${lambda:addCustomerCalls}", "InvocationTimeLimitSeconds": "9",
                                  "LambdaInvocationAttributes": { "customerQueueName": "$.Queue.Name", "queue": "$.Queue.ARN" } },
                  "Transitions": { "NextAction": "B", "Errors": [{ "NextAction": "B", "ErrorType": "NoMatchingError" }] } },
                { "Identifier": "B", "Type": "Compare", "Parameters": { "ComparisonValue": "$.External.found" },
                  "Transitions": { "NextAction": "C",
                                   "Conditions": [{ "NextAction": "C", "Condition": { "Operator": "Equals", "Operands": ["true"] } }],
                                   "Errors": [{ "NextAction": "C", "ErrorType": "NoMatchingCondition" }] } },
                { "Identifier": "C", "Type": "EndFlowExecution", "Parameters": {}, "Transitions": {} }
            ]),
        );
        assert!(
            has(&p, "A", "InvocationTimeLimitSeconds must be 1-8"),
            "{p:#?}"
        );
        assert!(
            has(
                &p,
                "A",
                "passes parameter queue that addCustomerCalls does not read"
            ),
            "{p:#?}"
        );
        assert!(
            has(&p, "A", "addCustomerCalls needs the parameter agentARN"),
            "{p:#?}"
        );
        // B is reached after success (result of addCustomerCalls, which has no `found`) and after
        // the error branch (no result at all): both are reported.
        assert!(
            has(
                &p,
                "B",
                "$.External.found, which addCustomerCalls never returns"
            ),
            "{p:#?}"
        );
        assert!(has(&p, "B", "no Lambda result is there"), "{p:#?}");
    }

    #[test]
    fn literal_arns_are_detected() {
        assert!(has_literal_arn(
            "arn:aws:lambda:us-east-1:123456789012:function:x"
        ));
        assert!(has_literal_arn("prefix arn:aws-us-gov:connect:x"));
        assert!(!has_literal_arn("${lambda:x}"));
        assert!(!has_literal_arn("learn:awsome"));
    }
}
