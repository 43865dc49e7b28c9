//! The Connect testing language (`Version` 2025-06-21): parsing a test case's `Content` into
//! observations, events and actions, and the structural validation a PUBLISHED test case gets.
//! Problems are reported the way InvalidTestCaseException carries them (`Problems[].message`).
//!
//! Sources: docs.aws.amazon.com/connect/latest/APIReference/testing-language*.html (concepts,
//! observations, events: TestInitiated, TestCompleted, MessageReceived, FlowActionStarted; actions:
//! SendInstruction, OverrideSystemBehavior, TestControl; the example test). Where the pages are silent
//! the stricter reading is taken; each such choice is marked "stricter" and listed in
//! `sandbox/TESTCASES.md`.
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

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

struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, p: impl Into<String>) {
        if self.0.len() < MAX_PROBLEMS {
            let mut s: String = p.into();
            if s.chars().count() > 256 {
                s = s.chars().take(253).collect::<String>() + "...";
            }
            self.0.push(s);
        }
    }
}

fn obj<'a>(v: &'a Value, at: &str, p: &mut Problems) -> Option<&'a Map<String, Value>> {
    match v.as_object() {
        Some(m) => Some(m),
        None => {
            p.push(format!("{at} must be an object"));
            None
        }
    }
}

fn string<'a>(m: &'a Map<String, Value>, key: &str, at: &str, p: &mut Problems) -> Option<&'a str> {
    match m.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::String(_)) => {
            p.push(format!("{at}.{key} must not be empty"));
            None
        }
        Some(_) => {
            p.push(format!("{at}.{key} must be a string"));
            None
        }
        None => {
            p.push(format!("{at}.{key} is required"));
            None
        }
    }
}

fn opt_string<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    at: &str,
    p: &mut Problems,
) -> Option<&'a str> {
    match m.get(key) {
        None | Some(Value::Null) => None,
        Some(_) => string(m, key, at, p),
    }
}

/// Members of `m` not in `known` (stricter: unknown members are refused, not ignored).
fn unknown_members(m: &Map<String, Value>, known: &[&str], at: &str, p: &mut Problems) {
    for k in m.keys() {
        if !known.contains(&k.as_str()) {
            p.push(format!("{at} has an unknown member {k:?}"));
        }
    }
}

fn must_equal(m: &Map<String, Value>, key: &str, want: &str, at: &str, p: &mut Problems) {
    if let Some(v) = string(m, key, at, p)
        && v != want
    {
        p.push(format!("{at}.{key} must be {want:?}, got {v:?}"));
    }
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

fn observation(
    v: &Value,
    at: &str,
    action_ids: &mut HashSet<String>,
    p: &mut Problems,
) -> Option<Observation> {
    let m = obj(v, at, p)?;
    unknown_members(
        m,
        &["Identifier", "Event", "Actions", "Usage", "Transitions"],
        at,
        p,
    );
    let id = string(m, "Identifier", at, p)
        .unwrap_or_default()
        .to_string();
    let event = match m.get("Event") {
        Some(e) => event(e, &format!("{at}.Event"), p),
        None => {
            p.push(format!("{at}.Event is required"));
            None
        }
    };
    let mut actions = Vec::new();
    match m.get("Actions") {
        None => p.push(format!("{at}.Actions is required")),
        Some(Value::Array(list)) => {
            for (j, a) in list.iter().enumerate() {
                let aat = format!("{at}.Actions[{j}]");
                if let Some(a) = action(a, &aat, p) {
                    if !action_ids.insert(a.id.clone()) {
                        // stricter: action identifiers are unique across the whole test case
                        p.push(format!("{aat}: action Identifier {:?} is not unique", a.id));
                    }
                    actions.push(a);
                }
            }
        }
        Some(_) => p.push(format!("{at}.Actions must be a list")),
    }
    let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
    for a in &actions {
        if let Some(n) = &a.next
            && !ids.contains(&n.as_str())
        {
            p.push(format!(
                "{at}: action {:?} has NextAction {n:?}, which is not an action of this observation",
                a.id
            ));
        }
    }
    if chain_cycles(&actions) {
        p.push(format!(
            "{at}: the actions' NextAction transitions form a cycle"
        ));
    }
    let times = match m.get("Usage") {
        None => Some(1),
        Some(u) => usage(u, &format!("{at}.Usage"), p),
    };
    let mut next = Vec::new();
    if let Some(t) = m.get("Transitions")
        && let Some(t) = obj(t, &format!("{at}.Transitions"), p)
    {
        unknown_members(t, &["NextObservations"], &format!("{at}.Transitions"), p);
        match t.get("NextObservations") {
            None => {}
            Some(Value::Array(list)) => {
                for n in list {
                    match n.as_str() {
                        Some(s) if !s.is_empty() => next.push(s.to_string()),
                        _ => p.push(format!(
                            "{at}.Transitions.NextObservations must hold observation identifiers"
                        )),
                    }
                }
            }
            Some(_) => p.push(format!("{at}.Transitions.NextObservations must be a list")),
        }
    }
    Some(Observation {
        id,
        event: event?,
        actions,
        times,
        next,
    })
}

fn chain_cycles(actions: &[Action]) -> bool {
    let next: HashMap<&str, &str> = actions
        .iter()
        .filter_map(|a| a.next.as_deref().map(|n| (a.id.as_str(), n)))
        .collect();
    for a in actions {
        let mut seen = HashSet::new();
        let mut at = a.id.as_str();
        while let Some(n) = next.get(at) {
            if !seen.insert(at) {
                return true;
            }
            at = n;
        }
    }
    false
}

/// `Usage`: `{Type: EXACTLY, Times?}` (Times ≥ 1, default 1) or `{Type: ANY}`.
fn usage(v: &Value, at: &str, p: &mut Problems) -> Option<u32> {
    let m = obj(v, at, p)?;
    unknown_members(m, &["Type", "Times"], at, p);
    let times = match m.get("Times") {
        None => None,
        Some(t) => match t
            .as_u64()
            .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
        {
            Some(n) if (1..=100).contains(&n) => Some(n as u32),
            _ => {
                p.push(format!("{at}.Times must be a whole number from 1 to 100"));
                None
            }
        },
    };
    match string(m, "Type", at, p) {
        Some("EXACTLY") => Some(times.unwrap_or(1)),
        Some("ANY") => {
            if times.is_some() {
                p.push(format!("{at}.Times applies to EXACTLY only"));
            }
            None
        }
        Some(other) => {
            p.push(format!("{at}.Type must be EXACTLY or ANY, got {other:?}"));
            Some(1)
        }
        None => Some(1),
    }
}

fn event(v: &Value, at: &str, p: &mut Problems) -> Option<Event> {
    let m = obj(v, at, p)?;
    unknown_members(
        m,
        &[
            "Identifier",
            "Type",
            "Actor",
            "Properties",
            "MatchingCriteria",
        ],
        at,
        p,
    );
    // stricter: the pages say the API must give the event an Identifier
    string(m, "Identifier", at, p);
    must_equal(m, "Actor", "System", at, p);
    let props_at = format!("{at}.Properties");
    let props = match m.get("Properties") {
        Some(v) => obj(v, &props_at, p),
        None => {
            p.push(format!("{props_at} is required"));
            None
        }
    };
    let kind = string(m, "Type", at, p)?;
    if kind != "MessageReceived" && m.contains_key("MatchingCriteria") {
        p.push(format!(
            "{at}.MatchingCriteria applies to MessageReceived only"
        ));
    }
    match kind {
        "TestInitiated" | "TestCompleted" => {
            if let Some(props) = props
                && !props.is_empty()
            {
                p.push(format!("{props_at} must be an empty object for {kind}"));
            }
            Some(if kind == "TestInitiated" {
                Event::TestInitiated
            } else {
                Event::TestCompleted
            })
        }
        "MessageReceived" => message_event(m, props?, at, p),
        "FlowActionStarted" => {
            let props = props?;
            unknown_members(props, &["ActionType", "ActionParameters"], &props_at, p);
            let action_type = string(props, "ActionType", &props_at, p)?.to_string();
            let Some((_, key)) = OBSERVABLE_ACTIONS.iter().find(|(t, _)| *t == action_type) else {
                p.push(format!(
                    "{props_at}.ActionType {action_type:?} cannot be observed: FlowActionStarted observes {}",
                    OBSERVABLE_ACTIONS
                        .iter()
                        .map(|(t, _)| *t)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                return None;
            };
            let params_at = format!("{props_at}.ActionParameters");
            let params = obj(
                props.get("ActionParameters").unwrap_or(&Value::Null),
                &params_at,
                p,
            )?;
            let mut known = vec![key.split('.').next().unwrap_or(key)];
            if action_type == "TransferContactToQueue" {
                known.push("AgentId");
            }
            unknown_members(params, &known, &params_at, p);
            let resource = nested_string(params, key, &params_at, p)?;
            let agent_id = if action_type == "TransferContactToQueue" {
                opt_string(params, "AgentId", &params_at, p).map(str::to_string)
            } else {
                None
            };
            Some(Event::FlowActionStarted {
                action_type,
                resource,
                agent_id,
            })
        }
        other => {
            p.push(format!(
                "{at}.Type {other:?} is not an event: TestInitiated, TestCompleted, MessageReceived or FlowActionStarted"
            ));
            None
        }
    }
}

/// A required string at a dotted path (`LexV2Bot.AliasArn`).
fn nested_string(m: &Map<String, Value>, path: &str, at: &str, p: &mut Problems) -> Option<String> {
    match path.split_once('.') {
        None => string(m, path, at, p).map(str::to_string),
        Some((head, rest)) => {
            let inner_at = format!("{at}.{head}");
            let inner = obj(m.get(head).unwrap_or(&Value::Null), &inner_at, p)?;
            unknown_members(inner, &[rest], &inner_at, p);
            nested_string(inner, rest, &inner_at, p)
        }
    }
}

fn message_event(
    m: &Map<String, Value>,
    props: &Map<String, Value>,
    at: &str,
    p: &mut Problems,
) -> Option<Event> {
    let props_at = format!("{at}.Properties");
    unknown_members(
        props,
        &["PromptId", "Text", "SSML", "Media", "MatchingCriteria"],
        &props_at,
        p,
    );
    let text = opt_string(props, "Text", &props_at, p).map(str::to_string);
    let ssml = opt_string(props, "SSML", &props_at, p).map(str::to_string);
    let prompt_id = opt_string(props, "PromptId", &props_at, p).map(str::to_string);
    let given = [
        text.is_some(),
        ssml.is_some(),
        prompt_id.is_some(),
        props.contains_key("Media"),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if given != 1 {
        p.push(format!(
            "{props_at} must give exactly one of PromptId, Text, SSML or Media"
        ));
    }
    if props.contains_key("Media") {
        // media played from S3 cannot be compared by the sandbox
        p.push(format!("{props_at}.Media is not emulated by the sandbox"));
    }
    // The reference page puts MatchingCriteria in Properties ({Type}), the example on the event
    // (a string): both are read; giving both is refused.
    let raw = match (props.get("MatchingCriteria"), m.get("MatchingCriteria")) {
        (Some(_), Some(_)) => {
            p.push(format!("{at}: MatchingCriteria is given twice"));
            None
        }
        (Some(v), None) | (None, Some(v)) => Some(v),
        (None, None) => None,
    };
    let matching = match raw {
        None => Matching::Inclusion,
        Some(v) => {
            let s = v
                .as_str()
                .or_else(|| v.get("Type").and_then(Value::as_str))
                .unwrap_or("");
            match s {
                "Inclusion" => Matching::Inclusion,
                "Similarity" => Matching::Similarity,
                other => {
                    p.push(format!(
                        "{at}: MatchingCriteria must be Similarity or Inclusion, got {other:?}"
                    ));
                    Matching::Inclusion
                }
            }
        }
    };
    Some(Event::MessageReceived {
        text,
        ssml,
        prompt_id,
        matching,
    })
}

fn action(v: &Value, at: &str, p: &mut Problems) -> Option<Action> {
    let m = obj(v, at, p)?;
    unknown_members(
        m,
        &["Identifier", "Type", "Actor", "Parameters", "Transitions"],
        at,
        p,
    );
    let id = string(m, "Identifier", at, p)?.to_string();
    let kind = string(m, "Type", at, p)?.to_string();
    let params_at = format!("{at}.Parameters");
    let params = obj(m.get("Parameters").unwrap_or(&Value::Null), &params_at, p)?;
    let mut next = None;
    if let Some(t) = m.get("Transitions")
        && let Some(t) = obj(t, &format!("{at}.Transitions"), p)
    {
        unknown_members(t, &["NextAction"], &format!("{at}.Transitions"), p);
        match t.get("NextAction") {
            None => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) => next = Some(s.clone()),
            Some(_) => p.push(format!("{at}.Transitions.NextAction must be a string")),
        }
    }
    if kind != "Assert" {
        // every documented action repeats its type as Parameters.ActionType
        must_equal(params, "ActionType", &kind, &params_at, p);
    }
    let kind = match kind.as_str() {
        "SendInstruction" => {
            if let Some(a) = m.get("Actor")
                && a.as_str() != Some("Customer")
            {
                p.push(format!("{at}.Actor must be \"Customer\""));
            }
            unknown_members(
                params,
                &["ActionType", "Actor", "Instruction"],
                &params_at,
                p,
            );
            must_equal(params, "Actor", "Customer", &params_at, p);
            ActionKind::Send(instruction(params, &params_at, p)?)
        }
        "OverrideSystemBehavior" => {
            unknown_members(params, &["ActionType", "Behavior"], &params_at, p);
            ActionKind::Override(override_behavior(params, &params_at, p)?)
        }
        "TestControl" => {
            unknown_members(params, &["ActionType", "Command"], &params_at, p);
            let cat = format!("{params_at}.Command");
            let c = obj(params.get("Command").unwrap_or(&Value::Null), &cat, p)?;
            match string(c, "Type", &cat, p)? {
                "EndTest" => {
                    unknown_members(c, &["Type"], &cat, p);
                    ActionKind::EndTest
                }
                "LogData" => {
                    unknown_members(c, &["Type", "Properties"], &cat, p);
                    let pat = format!("{cat}.Properties");
                    let props = obj(c.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
                    unknown_members(props, &["Expressions"], &pat, p);
                    let eat = format!("{pat}.Expressions");
                    let ex = obj(props.get("Expressions").unwrap_or(&Value::Null), &eat, p)?;
                    if ex.is_empty() {
                        p.push(format!("{eat} must hold at least one expression"));
                    }
                    let mut out = BTreeMap::new();
                    for (k, v) in ex {
                        match v.as_str() {
                            Some(path) if is_json_path(path) => {
                                out.insert(k.clone(), path.to_string());
                            }
                            _ => {
                                p.push(format!("{eat}.{k} must be a JSONPath such as $.Queue.Name"))
                            }
                        }
                    }
                    ActionKind::LogData(out)
                }
                other => {
                    p.push(format!(
                        "{cat}.Type must be EndTest or LogData, got {other:?}"
                    ));
                    return None;
                }
            }
        }
        "Assert" => {
            unknown_members(params, &["Namespace", "Operator", "Operand"], &params_at, p);
            let namespace = string(params, "Namespace", &params_at, p)?.to_string();
            if !is_json_path(&namespace) {
                p.push(format!(
                    "{params_at}.Namespace must be a JSONPath such as $.Queue.Name"
                ));
            }
            // stricter: Equals is the only operator the documentation shows
            must_equal(params, "Operator", "Equals", &params_at, p);
            let operand = match params.get("Operand") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    p.push(format!("{params_at}.Operand is required (a string)"));
                    return None;
                }
            };
            ActionKind::Assert { namespace, operand }
        }
        other => {
            p.push(format!(
                "{at}.Type {other:?} is not an action: SendInstruction, OverrideSystemBehavior, TestControl or Assert"
            ));
            return None;
        }
    };
    Some(Action { id, kind, next })
}

/// Whether `s` is one JSONPath (`$.` followed by a path).
pub fn is_json_path(s: &str) -> bool {
    s.len() > 2
        && s.starts_with("$.")
        && s[2..]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
}

fn instruction(params: &Map<String, Value>, at: &str, p: &mut Problems) -> Option<Instruction> {
    let iat = format!("{at}.Instruction");
    let ins = obj(params.get("Instruction").unwrap_or(&Value::Null), &iat, p)?;
    let kind = string(ins, "Type", &iat, p)?;
    let pat = format!("{iat}.Properties");
    match kind {
        "DtmfInput" => {
            unknown_members(ins, &["Type", "Properties"], &iat, p);
            let props = obj(ins.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
            unknown_members(props, &["Value"], &pat, p);
            // "String or number representing the DTMF input"
            let value = match props.get("Value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) if n.is_u64() => n.to_string(),
                _ => {
                    p.push(format!(
                        "{pat}.Value is required: DTMF keys as a string or a number"
                    ));
                    return None;
                }
            };
            if value.is_empty()
                || value.len() > 64
                || !value
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
            {
                p.push(format!(
                    "{pat}.Value must be 1-64 keypad keys (0-9, * and #), got {value:?}"
                ));
            }
            Some(Instruction::Dtmf(value))
        }
        "TextUtterance" => {
            unknown_members(ins, &["Type", "Properties"], &iat, p);
            let props = obj(ins.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
            unknown_members(props, &["Text", "SSML", "LanguageCode"], &pat, p);
            let text = opt_string(props, "Text", &pat, p);
            let ssml = opt_string(props, "SSML", &pat, p);
            // stricter: LanguageCode is listed without "optional"
            let language = string(props, "LanguageCode", &pat, p)?.to_string();
            if !language_code(&language) {
                p.push(format!(
                    "{pat}.LanguageCode must look like en-US, got {language:?}"
                ));
            }
            let text = match (text, ssml) {
                (Some(t), None) => t.to_string(),
                (None, Some(s)) => strip_tags(s),
                _ => {
                    p.push(format!("{pat} must give exactly one of Text or SSML"));
                    return None;
                }
            };
            Some(Instruction::Utterance { text, language })
        }
        "Disconnect" => {
            unknown_members(ins, &["Type"], &iat, p);
            Some(Instruction::Disconnect)
        }
        other => {
            p.push(format!(
                "{iat}.Type must be DtmfInput, TextUtterance or Disconnect, got {other:?}"
            ));
            None
        }
    }
}

fn language_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[0].is_ascii_lowercase()
        && b[1].is_ascii_lowercase()
        && b[2] == b'-'
        && b[3].is_ascii_uppercase()
        && b[4].is_ascii_uppercase()
}

/// SSML without its tags (what a listener hears).
pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn override_behavior(params: &Map<String, Value>, at: &str, p: &mut Problems) -> Option<Override> {
    let bat = format!("{at}.Behavior");
    let b = obj(params.get("Behavior").unwrap_or(&Value::Null), &bat, p)?;
    unknown_members(b, &["Type", "Properties"], &bat, p);
    must_equal(b, "Type", "FlowAction", &bat, p);
    let pat = format!("{bat}.Properties");
    let props = obj(b.get("Properties").unwrap_or(&Value::Null), &pat, p)?;
    unknown_members(
        props,
        &["ActionType", "ActionParameters", "Strategy"],
        &pat,
        p,
    );
    let action_type = string(props, "ActionType", &pat, p)?.to_string();
    let Some((_, key)) = OVERRIDABLE_ACTIONS.iter().find(|(t, _)| *t == action_type) else {
        p.push(format!(
            "{pat}.ActionType {action_type:?} cannot be overridden: {}",
            OVERRIDABLE_ACTIONS
                .iter()
                .map(|(t, _)| *t)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return None;
    };
    let apat = format!("{pat}.ActionParameters");
    let ap = obj(
        props.get("ActionParameters").unwrap_or(&Value::Null),
        &apat,
        p,
    )?;
    unknown_members(ap, &[key.split('.').next().unwrap_or(key)], &apat, p);
    let resource = nested_string(ap, key, &apat, p)?;
    let sat = format!("{pat}.Strategy");
    let s = obj(props.get("Strategy").unwrap_or(&Value::Null), &sat, p)?;
    let strategy = match string(s, "Type", &sat, p)? {
        "SubstituteResource" => {
            unknown_members(s, &["Type", "SubstituteArn"], &sat, p);
            Strategy::Substitute(string(s, "SubstituteArn", &sat, p)?.to_string())
        }
        "MockResponse" => {
            unknown_members(s, &["Type", "Response"], &sat, p);
            mock_response(&action_type, s, &sat, p)?
        }
        other => {
            p.push(format!(
                "{sat}.Type must be SubstituteResource or MockResponse, got {other:?}"
            ));
            return None;
        }
    };
    Some(Override {
        action_type,
        resource,
        strategy,
    })
}

/// The error values each overridable action's `MockResponse` may give.
fn error_values(action_type: &str) -> &'static [&'static str] {
    match action_type {
        "InvokeLambdaFunction" | "ConnectParticipantWithLexBot" => {
            &["TimeLimitExceeded", "NoMatchingError"]
        }
        "CheckHoursOfOperation" => &["NoMatchingError"],
        _ => &["QueueAtCapacity", "NoMatchingError"],
    }
}

fn mock_response(
    action_type: &str,
    s: &Map<String, Value>,
    at: &str,
    p: &mut Problems,
) -> Option<Strategy> {
    let rat = format!("{at}.Response");
    let r = obj(s.get("Response").unwrap_or(&Value::Null), &rat, p)?;
    let delay_ok = |m: &Map<String, Value>, at: &str, p: &mut Problems| {
        if let Some(d) = m.get("DelaySeconds")
            && !d.as_f64().is_some_and(|d| (0.0..=300.0).contains(&d))
        {
            p.push(format!(
                "{at}.DelaySeconds must be a number of seconds (0-300)"
            ));
        }
    };
    match string(r, "Type", &rat, p)? {
        "ExecutionResult" => {
            unknown_members(r, &["Type", "ExecutionResult"], &rat, p);
            let eat = format!("{rat}.ExecutionResult");
            let e = obj(r.get("ExecutionResult").unwrap_or(&Value::Null), &eat, p)?;
            match action_type {
                "InvokeLambdaFunction" | "ConnectParticipantWithLexBot" => {
                    unknown_members(e, &["DelaySeconds", "LoadedData"], &eat, p);
                    delay_ok(e, &eat, p);
                    let raw = string(e, "LoadedData", &eat, p)?;
                    match serde_json::from_str::<Value>(raw) {
                        Ok(v @ Value::Object(_)) => Some(Strategy::Result {
                            loaded_data: Some(v),
                            value: None,
                        }),
                        _ => {
                            p.push(format!("{eat}.LoadedData must be a serialized JSON object"));
                            None
                        }
                    }
                }
                "CheckHoursOfOperation" => {
                    unknown_members(e, &["Value"], &eat, p);
                    let v = string(e, "Value", &eat, p)?;
                    if v != "InHours" && v != "OutOfHours" {
                        p.push(format!(
                            "{eat}.Value must be InHours or OutOfHours, got {v:?}"
                        ));
                    }
                    Some(Strategy::Result {
                        loaded_data: None,
                        value: Some(v.to_string()),
                    })
                }
                _ => {
                    p.push(format!(
                        "{rat}.Type: {action_type} can only be mocked with an Error response"
                    ));
                    None
                }
            }
        }
        "Error" => {
            unknown_members(r, &["Type", "Error"], &rat, p);
            let eat = format!("{rat}.Error");
            let e = obj(r.get("Error").unwrap_or(&Value::Null), &eat, p)?;
            unknown_members(e, &["DelaySeconds", "Value"], &eat, p);
            delay_ok(e, &eat, p);
            let v = string(e, "Value", &eat, p)?;
            let allowed = error_values(action_type);
            if !allowed.contains(&v) {
                p.push(format!(
                    "{eat}.Value for {action_type} must be one of {}, got {v:?}",
                    allowed.join(", ")
                ));
            }
            Some(Strategy::Error(v.to_string()))
        }
        other => {
            p.push(format!(
                "{rat}.Type must be ExecutionResult or Error, got {other:?}"
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
