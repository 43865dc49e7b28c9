//! Flow-language validation for PUBLISHED contact flows: document shape, identifiers, transitions,
//! known action types, actions allowed per flow type, and every reference (queues, flows, Lambdas,
//! Lex bots) resolving inside the instance. Returns the `problems` of InvalidContactFlowException.
use std::collections::HashSet;

use serde_json::Value;

use super::Instance;

/// The only flow-language version.
pub const FLOW_VERSION: &str = "2019-10-30";
/// Maximum actions in one flow.
pub const MAX_ACTIONS: usize = 250;
/// Maximum problems reported (the exception allows 1–50).
pub const MAX_PROBLEMS: usize = 50;

const FORBIDDEN_ID_CHARS: &[char] = &[
    '%', ':', '(', '\\', '/', ')', '=', '$', ',', ';', '[', ']', '{', '}',
];
const RESERVED_IDS: &[&str] = &[
    "__proto__",
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

const INBOUND_AND_TRANSFER: &[&str] = &["CONTACT_FLOW", "AGENT_TRANSFER", "QUEUE_TRANSFER"];

/// Flow types an action may appear in (`None`: all types).
fn allowed_types(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "UpdateContactTargetQueue" | "TransferContactToQueue" => INBOUND_AND_TRANSFER,
        "UpdateContactRoutingBehavior" | "CreateCallbackContact" => &[
            "CONTACT_FLOW",
            "CUSTOMER_QUEUE",
            "AGENT_TRANSFER",
            "QUEUE_TRANSFER",
        ],
        "DequeueContactAndTransferToQueue" => &["CUSTOMER_QUEUE"],
        "EndFlowExecution" => &[
            "AGENT_WHISPER",
            "CUSTOMER_WHISPER",
            "OUTBOUND_WHISPER",
            "CUSTOMER_QUEUE",
            "CUSTOMER_HOLD",
            "AGENT_HOLD",
        ],
        "ConnectParticipantWithLexBot" | "GetParticipantInput" | "UpdateContactCallbackNumber" => {
            &[
                "CONTACT_FLOW",
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
            ]
        }
        "MessageParticipant" => &[
            "CONTACT_FLOW",
            "CUSTOMER_QUEUE",
            "AGENT_TRANSFER",
            "QUEUE_TRANSFER",
            "AGENT_WHISPER",
            "CUSTOMER_WHISPER",
            "OUTBOUND_WHISPER",
        ],
        "MessageParticipantIteratively" => &["CUSTOMER_QUEUE", "CUSTOMER_HOLD", "AGENT_HOLD"],
        _ => return None,
    })
}

/// Action types this sandbox knows.
pub const KNOWN_ACTIONS: &[&str] = &[
    "InvokeLambdaFunction",
    "ConnectParticipantWithLexBot",
    "UpdateContactTargetQueue",
    "UpdateContactRoutingBehavior",
    "UpdateContactEventHooks",
    "TransferContactToQueue",
    "DequeueContactAndTransferToQueue",
    "MessageParticipant",
    "MessageParticipantIteratively",
    "GetParticipantInput",
    "Compare",
    "UpdateContactAttributes",
    "UpdateContactCallbackNumber",
    "CreateCallbackContact",
    "DisconnectParticipant",
    "EndFlowExecution",
    "UpdateFlowLoggingBehavior",
    "UpdateContactTextToSpeechVoice",
    "UpdateContactRecordingBehavior",
    "Loop",
    "TransferToFlow",
    "CheckHoursOfOperation",
    "CheckMetricData",
    "TransferParticipantToThirdParty",
    "DistributeByPercentage",
    "Wait",
    "UpdateContactData",
];

const EVENT_HOOKS: &[(&str, Option<&str>)] = &[
    ("AgentWhisper", Some("AGENT_WHISPER")),
    ("CustomerWhisper", Some("CUSTOMER_WHISPER")),
    ("CustomerQueue", Some("CUSTOMER_QUEUE")),
    ("CustomerHold", Some("CUSTOMER_HOLD")),
    ("AgentHold", Some("AGENT_HOLD")),
    ("CustomerRemaining", None),
    ("DefaultAgentUI", None),
    ("DisconnectAgentUI", None),
    ("PauseContact", None),
    ("ResumeContact", None),
];

const OPERATORS: &[&str] = &[
    "Equals",
    "TextStartsWith",
    "TextEndsWith",
    "TextContains",
    "NumberGreaterThan",
    "NumberGreaterOrEqualTo",
    "NumberLessThan",
    "NumberLessOrEqualTo",
];

struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, msg: String) {
        if self.0.len() < MAX_PROBLEMS {
            let mut m: String = msg.chars().take(256).collect();
            if m.is_empty() {
                m.push_str("invalid flow");
            }
            self.0.push(m);
        }
    }
}

fn is_path(s: &str) -> bool {
    s.starts_with("$.")
}

/// A static integer parameter (flows carry numbers as strings).
fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Validates flow content for publishing in `inst` as a flow of `flow_type`; empty = valid.
pub fn validate_flow(content: &str, flow_type: &str, inst: &Instance) -> Vec<String> {
    let mut p = Problems(Vec::new());
    let doc: Value = match serde_json::from_str(content) {
        Ok(v) => v,
        Err(e) => {
            p.push(format!("content is not valid json: {e}"));
            return p.0;
        }
    };
    let Some(obj) = doc.as_object() else {
        p.push("content must be a json object".into());
        return p.0;
    };
    match obj.get("Version").and_then(Value::as_str) {
        Some(FLOW_VERSION) => {}
        Some(v) => p.push(format!(
            "unsupported Version {v:?}: the only supported version is {FLOW_VERSION}"
        )),
        None => p.push(format!("Version is required and must be {FLOW_VERSION}")),
    }
    if let Some(m) = obj.get("Metadata")
        && !m.is_object()
    {
        p.push("Metadata must be an object".into());
    }
    let Some(actions) = obj.get("Actions").and_then(Value::as_array) else {
        p.push("Actions is required and must be a list".into());
        return p.0;
    };
    if actions.is_empty() {
        p.push("Actions must contain at least one action".into());
    }
    if actions.len() > MAX_ACTIONS {
        p.push(format!(
            "a flow may have at most {MAX_ACTIONS} actions, found {}",
            actions.len()
        ));
    }
    // identifiers first, so transitions can be checked against the full set
    let mut ids: HashSet<&str> = HashSet::new();
    for (i, a) in actions.iter().enumerate() {
        match a.get("Identifier").and_then(Value::as_str) {
            None => p.push(format!("action #{} has no Identifier", i + 1)),
            Some(id) => {
                if id.is_empty() || id.chars().count() > 50 {
                    p.push(format!("action identifier {id:?} must be 1-50 characters"));
                }
                if let Some(c) = id.chars().find(|c| FORBIDDEN_ID_CHARS.contains(c)) {
                    p.push(format!(
                        "action identifier {id:?} contains the forbidden character {c:?}"
                    ));
                }
                if RESERVED_IDS.contains(&id) {
                    p.push(format!("action identifier {id:?} is a reserved name"));
                }
                if !ids.insert(id) {
                    p.push(format!("action identifier {id:?} is not unique"));
                }
            }
        }
    }
    match obj.get("StartAction").and_then(Value::as_str) {
        None => p.push("StartAction is required".into()),
        Some(s) if !ids.contains(s) => {
            p.push(format!("StartAction {s:?} does not match any action"))
        }
        Some(_) => {}
    }
    for a in actions {
        let id = a.get("Identifier").and_then(Value::as_str).unwrap_or("?");
        let ty = a.get("Type").and_then(Value::as_str).unwrap_or("");
        if ty.is_empty() {
            p.push(format!("action {id:?} has no Type"));
        } else if !KNOWN_ACTIONS.contains(&ty) {
            p.push(format!("action {id:?} has unknown type {ty:?}"));
        } else if let Some(allowed) = allowed_types(ty)
            && !allowed.contains(&flow_type)
        {
            p.push(format!(
                "action {id:?}: {ty} is not supported in flows of type {flow_type}"
            ));
        }
        let params = a
            .get("Parameters")
            .cloned()
            .unwrap_or(Value::Object(Default::default()));
        if !params.is_object() {
            p.push(format!("action {id:?}: Parameters must be an object"));
        }
        check_transitions(&mut p, id, a.get("Transitions"), &ids);
        check_parameters(&mut p, id, ty, &params, inst);
    }
    p.0
}

fn check_transitions(p: &mut Problems, id: &str, t: Option<&Value>, ids: &HashSet<&str>) {
    let Some(t) = t else {
        p.push(format!(
            "action {id:?} has no Transitions (use {{}} for a terminal action)"
        ));
        return;
    };
    let Some(t) = t.as_object() else {
        p.push(format!("action {id:?}: Transitions must be an object"));
        return;
    };
    let target = |p: &mut Problems, what: &str, v: Option<&Value>| match v.and_then(Value::as_str) {
        None => p.push(format!("action {id:?}: {what} has no NextAction")),
        Some(n) if !ids.contains(n) => p.push(format!(
            "action {id:?}: {what} goes to {n:?}, which is not an action of this flow"
        )),
        Some(_) => {}
    };
    if let Some(n) = t.get("NextAction") {
        target(p, "NextAction", Some(n));
    }
    if let Some(errs) = t.get("Errors") {
        match errs.as_array() {
            None => p.push(format!("action {id:?}: Transitions.Errors must be a list")),
            Some(errs) => {
                for e in errs {
                    let et = e.get("ErrorType").and_then(Value::as_str).unwrap_or("");
                    if et.is_empty() {
                        p.push(format!(
                            "action {id:?}: an error transition has no ErrorType"
                        ));
                    }
                    target(p, &format!("error {et}"), e.get("NextAction"));
                }
            }
        }
    }
    if let Some(conds) = t.get("Conditions") {
        match conds.as_array() {
            None => p.push(format!(
                "action {id:?}: Transitions.Conditions must be a list"
            )),
            Some(conds) => {
                for c in conds {
                    target(p, "a condition", c.get("NextAction"));
                    let op = c
                        .pointer("/Condition/Operator")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    if !OPERATORS.contains(&op) {
                        p.push(format!(
                            "action {id:?}: condition operator {op:?} is not supported"
                        ));
                    }
                    if !c
                        .pointer("/Condition/Operands")
                        .is_some_and(Value::is_array)
                    {
                        p.push(format!("action {id:?}: condition has no Operands list"));
                    }
                }
            }
        }
    }
}

fn queue_known(inst: &Instance, r: &str) -> bool {
    if r.starts_with("arn:") {
        inst.queues.values().any(|q| q.arn == r)
    } else {
        inst.queues.contains_key(r)
    }
}

/// The type of the flow a reference names, if it is a flow of this instance.
fn flow_type_of<'a>(inst: &'a Instance, r: &str) -> Option<&'a str> {
    let f = if r.starts_with("arn:") {
        inst.flows.values().find(|f| f.arn == r)
    } else {
        inst.flows.get(r)
    };
    f.map(|f| f.flow_type.as_str())
}

fn check_parameters(p: &mut Problems, id: &str, ty: &str, params: &Value, inst: &Instance) {
    let s = |k: &str| params.get(k).and_then(Value::as_str);
    match ty {
        "InvokeLambdaFunction" => {
            match s("LambdaFunctionARN") {
                None => p.push(format!("action {id:?}: LambdaFunctionARN is required")),
                Some(arn) if is_path(arn) => {}
                Some(arn) => {
                    if !arn.starts_with("arn:aws:lambda:") {
                        p.push(format!(
                            "action {id:?}: LambdaFunctionARN {arn:?} is not a lambda function arn"
                        ));
                    } else if !inst.lambdas.iter().any(|l| l == arn) {
                        p.push(format!("action {id:?}: lambda function {arn} is not associated with this instance"));
                    }
                    if let Some(t) = params.get("InvocationTimeLimitSeconds")
                        && !as_int(t).is_some_and(|n| (1..=8).contains(&n))
                    {
                        p.push(format!("action {id:?}: InvocationTimeLimitSeconds must be an integer from 1 to 8"));
                    }
                }
            }
        }
        "UpdateContactTargetQueue"
        | "CreateCallbackContact"
        | "DequeueContactAndTransferToQueue" => {
            let q = s("QueueId");
            let agent = s("AgentId");
            if ty != "CreateCallbackContact" && q.is_none() && agent.is_none() {
                p.push(format!("action {id:?}: QueueId or AgentId is required"));
            }
            if q.is_some() && agent.is_some() {
                p.push(format!(
                    "action {id:?}: QueueId and AgentId are mutually exclusive"
                ));
            }
            if let Some(q) = q
                && !is_path(q)
                && !queue_known(inst, q)
            {
                p.push(format!(
                    "action {id:?}: queue {q} does not exist in this instance"
                ));
            }
            if ty == "CreateCallbackContact" {
                for k in [
                    "InitialCallDelaySeconds",
                    "MaximumConnectionAttempts",
                    "RetryDelaySeconds",
                ] {
                    if let Some(v) = params.get(k)
                        && as_int(v).is_none_or(|n| n < 0)
                    {
                        p.push(format!("action {id:?}: {k} must be a non-negative integer"));
                    }
                }
            }
        }
        "UpdateContactRoutingBehavior" => {
            let prio = params.get("QueuePriority");
            let adj = params.get("QueueTimeAdjustmentSeconds");
            if prio.is_some() && adj.is_some() {
                p.push(format!("action {id:?}: QueuePriority and QueueTimeAdjustmentSeconds are mutually exclusive"));
            }
            if let Some(v) = prio
                && as_int(v).is_none_or(|n| n <= 0)
            {
                p.push(format!(
                    "action {id:?}: QueuePriority must be an integer greater than 0"
                ));
            }
        }
        "UpdateContactEventHooks" => {
            let Some(hooks) = params.get("EventHooks").and_then(Value::as_object) else {
                p.push(format!("action {id:?}: EventHooks is required"));
                return;
            };
            if hooks.len() != 1 {
                p.push(format!(
                    "action {id:?}: EventHooks must have exactly one entry, found {}",
                    hooks.len()
                ));
            }
            for (k, v) in hooks {
                let Some(&(_, want)) = EVENT_HOOKS.iter().find(|(n, _)| n == k) else {
                    p.push(format!("action {id:?}: unknown event hook {k:?}"));
                    continue;
                };
                let Some(r) = v.as_str() else {
                    p.push(format!(
                        "action {id:?}: event hook {k} must be a flow id or arn"
                    ));
                    continue;
                };
                if is_path(r) {
                    continue;
                }
                match flow_type_of(inst, r) {
                    None => p.push(format!(
                        "action {id:?}: flow {r} (event hook {k}) does not exist in this instance"
                    )),
                    Some(t) => {
                        if let Some(want) = want
                            && t != want
                        {
                            p.push(format!(
                                "action {id:?}: event hook {k} needs a {want} flow, {r} is {t}"
                            ));
                        }
                    }
                }
            }
        }
        "TransferToFlow" => match s("ContactFlowId") {
            None => p.push(format!("action {id:?}: ContactFlowId is required")),
            Some(r) if is_path(r) => {}
            Some(r) => {
                if flow_type_of(inst, r).is_none() {
                    p.push(format!(
                        "action {id:?}: flow {r} does not exist in this instance"
                    ));
                }
            }
        },
        "ConnectParticipantWithLexBot" => {
            let v2 = params.get("LexV2Bot");
            let v1 = params.get("LexBot");
            match (v1, v2) {
                (Some(_), Some(_)) => p.push(format!(
                    "action {id:?}: LexBot and LexV2Bot are mutually exclusive"
                )),
                (None, None) => p.push(format!("action {id:?}: LexV2Bot or LexBot is required")),
                (None, Some(b)) => match b.get("AliasArn").and_then(Value::as_str) {
                    None => p.push(format!("action {id:?}: LexV2Bot.AliasArn is required")),
                    Some(a) if is_path(a) => {}
                    Some(a) => {
                        if !inst.lex_v2_aliases.iter().any(|x| x == a) {
                            p.push(format!("action {id:?}: lex v2 bot alias {a} is not associated with this instance"));
                        }
                    }
                },
                (Some(b), None) => {
                    let name = b.get("Name").and_then(Value::as_str).unwrap_or("");
                    let region = b.get("Region").and_then(Value::as_str).unwrap_or("");
                    let alias = b.get("Alias").and_then(Value::as_str).unwrap_or("");
                    if name.is_empty() || region.is_empty() || alias.is_empty() {
                        p.push(format!(
                            "action {id:?}: LexBot needs Name, Region and Alias"
                        ));
                    } else if !inst
                        .lex_bots
                        .iter()
                        .any(|x| x.name == name && x.region == region)
                    {
                        p.push(format!("action {id:?}: lex bot {name} in {region} is not associated with this instance"));
                    }
                }
            }
        }
        "MessageParticipant" => {
            let n = ["Text", "SSML", "PromptId", "Media"]
                .iter()
                .filter(|k| params.get(**k).is_some())
                .count();
            if n != 1 {
                p.push(format!(
                    "action {id:?}: exactly one of Text, SSML or PromptId is required"
                ));
            }
        }
        "Compare" if s("ComparisonValue").is_none() => {
            p.push(format!("action {id:?}: ComparisonValue is required"));
        }
        "UpdateContactCallbackNumber" => match s("CallbackNumber") {
            Some(v) if is_path(v) => {}
            _ => p.push(format!(
                "action {id:?}: CallbackNumber must be a single json path"
            )),
        },
        "UpdateContactAttributes" if !params.get("Attributes").is_some_and(Value::is_object) => {
            p.push(format!("action {id:?}: Attributes must be a map"));
        }
        _ => {}
    }
}
