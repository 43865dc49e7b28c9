//! The Connect testing language (`Version` 2025-06-21): parsing a test case's `Content` into
//! observations, events and actions, and the structural validation a PUBLISHED test case gets.
//! Problems are reported the way InvalidTestCaseException carries them (`Problems[].message`).
//!
//! Sources: docs.aws.amazon.com/connect/latest/APIReference/testing-language*.html (concepts,
//! observations, events: TestInitiated, TestCompleted, MessageReceived, FlowActionStarted; actions:
//! SendInstruction, OverrideSystemBehavior, TestControl; the example test). Where the pages are silent
//! the stricter reading is taken; each such choice is marked "stricter" and listed in
//! `sandbox/TESTCASES.md`.
use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

mod actions;
mod members;
mod observations;
pub use actions::*;
use members::*;
use observations::*;
#[cfg(test)]
mod tests;

/// The only testing-language version the service documents.
pub const TEST_VERSION: &str = "2025-06-21";
/// Problems reported at most (the exception's list is bounded like the flow one).
const MAX_PROBLEMS: usize = 50;

/// Flow actions an observation can wait for with `FlowActionStarted` (the four documented
/// variants), with the parameter that names the resource.
pub const OBSERVABLE_ACTIONS: &[(&str, &str)] = &[
    ("InvokeLambdaFunction", "LambdaFunctionARN"),
    ("CheckHoursOfOperation", "HoursOfOperationId"),
    ("TransferContactToQueue", "QueueId"),
    ("ConnectParticipantWithLexBot", "LexV2Bot.AliasArn"),
];

/// Flow actions `OverrideSystemBehavior` can change, with the parameter that names the resource.
pub const OVERRIDABLE_ACTIONS: &[(&str, &str)] = &[
    ("InvokeLambdaFunction", "LambdaFunctionARN"),
    ("CheckHoursOfOperation", "HoursOfOperationId"),
    ("ConnectParticipantWithLexBot", "LexV2Bot.AliasArn"),
    ("TransferContactToQueue", "QueueId"),
    ("DequeueAndTransferToQueue", "QueueId"),
];

/// A parsed, valid test case content.
#[derive(Debug, Clone)]
pub struct Content {
    pub observations: Vec<Observation>,
}

/// One observation (an "interaction group"): an event to wait for and actions to take.
#[derive(Debug, Clone)]
pub struct Observation {
    pub id: String,
    pub event: Event,
    pub actions: Vec<Action>,
    /// `Usage`: how many matches complete it (`EXACTLY n`, default 1); `None` = `ANY`.
    pub times: Option<u32>,
    pub next: Vec<String>,
}

/// How a MessageReceived event compares the message played with the expected one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Matching {
    /// The played text contains the expected text.
    Inclusion,
    /// Semantic similarity; emulated as equality after normalising case, spaces and punctuation.
    Similarity,
}

/// The event an observation waits for.
#[derive(Debug, Clone)]
pub enum Event {
    TestInitiated,
    TestCompleted,
    /// A prompt played: exactly one of text, SSML, prompt id (media is refused by the executor).
    MessageReceived {
        text: Option<String>,
        ssml: Option<String>,
        prompt_id: Option<String>,
        matching: Matching,
    },
    /// A flow action starting: its type and the resource parameter that must match.
    FlowActionStarted {
        action_type: String,
        resource: String,
        agent_id: Option<String>,
    },
}

/// What the customer sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Instruction {
    Dtmf(String),
    Utterance { text: String, language: String },
    Disconnect,
}

/// How an overridden flow action behaves.
#[derive(Debug, Clone)]
pub enum Strategy {
    Substitute(String),
    /// `MockResponse` `ExecutionResult`: `LoadedData` (serialized JSON) or `Value`.
    Result {
        loaded_data: Option<Value>,
        value: Option<String>,
    },
    /// `MockResponse` `Error`: the error the flow action takes.
    Error(String),
}

/// An `OverrideSystemBehavior` of one flow action's resource.
#[derive(Debug, Clone)]
pub struct Override {
    pub action_type: String,
    pub resource: String,
    pub strategy: Strategy,
}

/// One action of an observation.
#[derive(Debug, Clone)]
pub enum ActionKind {
    Send(Instruction),
    Override(Override),
    EndTest,
    LogData(BTreeMap<String, String>),
    /// `Assert` (shown in the documented example): `Namespace` compared with `Operand`.
    Assert {
        namespace: String,
        operand: String,
    },
}

#[derive(Debug, Clone)]
pub struct Action {
    pub id: String,
    pub kind: ActionKind,
    /// `Transitions.NextAction` (empty = none).
    pub next: Option<String>,
}

/// Parses `content` as a PUBLISHED test case: either the content or every problem found.
pub fn parse(content: &str) -> Result<Content, Vec<String>> {
    let mut p = Problems(Vec::new());
    let doc: Value = match serde_json::from_str(content) {
        Ok(v) => v,
        Err(e) => return Err(vec![format!("content is not valid json: {e}")]),
    };
    let Some(top) = obj(&doc, "content", &mut p) else {
        return Err(p.0);
    };
    unknown_members(
        top,
        &["Version", "Metadata", "Observations"],
        "content",
        &mut p,
    );
    match top.get("Version").and_then(Value::as_str) {
        Some(TEST_VERSION) => {}
        Some(v) => p.push(format!(
            "unsupported Version {v:?}: the testing language version is {TEST_VERSION}"
        )),
        None => p.push(format!("Version is required and must be {TEST_VERSION}")),
    }
    if let Some(m) = top.get("Metadata")
        && !m.is_object()
    {
        p.push("Metadata must be an object");
    }
    let observations = match top.get("Observations") {
        Some(Value::Array(a)) if !a.is_empty() => a.as_slice(),
        Some(Value::Array(_)) => {
            p.push("Observations must contain at least one observation");
            &[]
        }
        Some(_) => {
            p.push("Observations must be a list");
            &[]
        }
        None => {
            p.push("Observations is required");
            &[]
        }
    };
    let mut out = Vec::new();
    let mut obs_ids = HashSet::new();
    let mut action_ids = HashSet::new();
    for (i, o) in observations.iter().enumerate() {
        let at = format!("Observations[{i}]");
        if let Some(parsed) = observation(o, &at, &mut action_ids, &mut p) {
            if !obs_ids.insert(parsed.id.clone()) {
                p.push(format!(
                    "{at}: observation Identifier {:?} is not unique",
                    parsed.id
                ));
            }
            out.push(parsed);
        }
    }
    for o in &out {
        for n in &o.next {
            if !obs_ids.contains(n) {
                p.push(format!(
                    "observation {:?}: NextObservations names {n:?}, which is not an observation",
                    o.id
                ));
            } else if n == &o.id {
                p.push(format!(
                    "observation {:?}: NextObservations names the observation itself",
                    o.id
                ));
            }
        }
    }
    if p.0.is_empty() {
        Ok(Content { observations: out })
    } else {
        Err(p.0)
    }
}
