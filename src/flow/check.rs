//! Offline checks of one flow against what it references: structure (start, identifiers,
//! transitions, reachability, required error branches, action types per flow type, parameter
//! kinds), placeholders, literal ARNs, every `$.External.<key>` read against the keys the Lambda
//! that ran last returns, Lambda parameters against the handler contract, and Lex intents against
//! the bot. Every problem is reported, each with its action identifier.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::model::{self, Action, Flow};
use crate::assets::placeholder::{self, Placeholder};
use crate::assets::{Solution, flow_type};

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

/// Characters an identifier may not contain.
const FORBIDDEN_ID_CHARS: &[char] = &[
    '%', ':', '(', '\\', '/', ')', '=', '$', ',', ';', '[', ']', '{', '}',
];
/// Identifiers the service reserves.
const RESERVED_IDS: &[&str] = &[
    "__proto__",
    "constructor",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "prototype",
];

const ALL_TYPES: &[&str] = &[
    flow_type::CONTACT_FLOW,
    flow_type::AGENT_WHISPER,
    flow_type::OUTBOUND_WHISPER,
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "CUSTOMER_WHISPER",
    "AGENT_HOLD",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
];
const INBOUND: &[&str] = &[flow_type::CONTACT_FLOW, "AGENT_TRANSFER", "QUEUE_TRANSFER"];
const WHISPERS: &[&str] = &[
    flow_type::AGENT_WHISPER,
    "CUSTOMER_WHISPER",
    flow_type::OUTBOUND_WHISPER,
    "CUSTOMER_QUEUE",
    "CUSTOMER_HOLD",
    "AGENT_HOLD",
];
const INTERACTIVE: &[&str] = &[
    flow_type::CONTACT_FLOW,
    "CUSTOMER_QUEUE",
    "AGENT_TRANSFER",
    "QUEUE_TRANSFER",
];

/// What the checker knows about an action type: where it may appear and which branches it needs.
struct TypeRule {
    allowed_in: &'static [&'static str],
    /// Ends the flow: no transitions at all.
    terminal: bool,
    /// Needs `NextAction`.
    next: bool,
    /// Error branches it must have.
    errors: &'static [&'static str],
}

fn rule(action_type: &str) -> Option<TypeRule> {
    let r = |allowed_in, terminal, next, errors| {
        Some(TypeRule {
            allowed_in,
            terminal,
            next,
            errors,
        })
    };
    match action_type {
        "InvokeLambdaFunction" => r(ALL_TYPES, false, true, &["NoMatchingError"]),
        "ConnectParticipantWithLexBot" => r(
            INTERACTIVE,
            false,
            false,
            &["NoMatchingCondition", "NoMatchingError"],
        ),
        "GetParticipantInput" => r(
            INTERACTIVE,
            false,
            false,
            &["InputTimeLimitExceeded", "NoMatchingError"],
        ),
        "Compare" => r(ALL_TYPES, false, false, &["NoMatchingCondition"]),
        "UpdateContactAttributes" => r(ALL_TYPES, false, true, &["NoMatchingError"]),
        "UpdateContactTargetQueue" => r(INBOUND, false, true, &["NoMatchingError"]),
        "UpdateContactRoutingBehavior" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
            ],
            false,
            true,
            &[],
        ),
        "UpdateContactEventHooks" => r(ALL_TYPES, false, true, &["NoMatchingError"]),
        "TransferContactToQueue" => r(
            INBOUND,
            false,
            false,
            &["QueueAtCapacity", "NoMatchingError"],
        ),
        "CreateCallbackContact" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
            ],
            false,
            true,
            &["NoMatchingError"],
        ),
        "UpdateContactCallbackNumber" => r(
            INTERACTIVE,
            false,
            true,
            &["InvalidCallbackNumber", "CallbackNumberNotDialable"],
        ),
        "MessageParticipant" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
                flow_type::AGENT_WHISPER,
                "CUSTOMER_WHISPER",
                flow_type::OUTBOUND_WHISPER,
            ],
            false,
            true,
            &["NoMatchingError"],
        ),
        "Loop" => r(ALL_TYPES, false, false, &[]),
        "UpdateFlowLoggingBehavior" | "UpdateContactTextToSpeechVoice" => {
            r(ALL_TYPES, false, true, &[])
        }
        "DisconnectParticipant" => r(
            &[
                flow_type::CONTACT_FLOW,
                "CUSTOMER_QUEUE",
                "AGENT_TRANSFER",
                "QUEUE_TRANSFER",
                "CUSTOMER_HOLD",
            ],
            true,
            false,
            &[],
        ),
        "EndFlowExecution" => r(WHISPERS, true, false, &[]),
        _ => None,
    }
}

/// Event hooks and the flow type the referenced flow must have.
const EVENT_HOOKS: &[(&str, &str)] = &[
    ("AgentWhisper", flow_type::AGENT_WHISPER),
    ("CustomerWhisper", "CUSTOMER_WHISPER"),
    ("CustomerQueue", "CUSTOMER_QUEUE"),
    ("CustomerHold", "CUSTOMER_HOLD"),
    ("AgentHold", "AGENT_HOLD"),
];

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

fn is_single_path(s: &str) -> bool {
    s.starts_with("$.") && model::json_paths(s).first().is_some_and(|p| p == s)
}

fn static_int(action: &Action, key: &str) -> Option<Result<i64, String>> {
    let v = action.parameters.get(key)?;
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Some(Err(format!("{key} must be a whole number"))),
    };
    if text.contains("$.") {
        return Some(Err(format!("{key} must be static, not a json path")));
    }
    Some(
        text.trim()
            .parse::<i64>()
            .map_err(|_| format!("{key} must be a whole number, got {text:?}")),
    )
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

/// The single placeholder a parameter must consist of.
fn sole_placeholder(value: &str) -> Option<Placeholder> {
    let found = placeholder::scan(value);
    match found.as_slice() {
        [one] if one.text == value => one.parsed.clone().ok(),
        _ => None,
    }
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
    check_identifiers(&mut r, &flow);
    check_transitions(&mut r, &flow, flow_type);
    for action in &flow.actions {
        check_parameters(&mut r, action, flow_type, solution, catalog);
    }
    check_external_reads(&mut r, &flow, catalog);
    check_attribute_reads(&mut r, &flow, catalog);
    r.out
}

fn check_identifiers(r: &mut Report<'_>, flow: &Flow) {
    let mut seen = BTreeSet::new();
    for a in &flow.actions {
        if a.id.is_empty() || a.id.chars().count() > 50 {
            r.at(&a.id, "identifier must be 1-50 characters");
        }
        if let Some(c) = a.id.chars().find(|c| FORBIDDEN_ID_CHARS.contains(c)) {
            r.at(
                &a.id,
                format!("identifier contains the forbidden character {c:?}"),
            );
        }
        if RESERVED_IDS.contains(&a.id.as_str()) {
            r.at(&a.id, "identifier is a reserved name");
        }
        if !seen.insert(a.id.as_str()) {
            r.at(&a.id, "identifier is not unique");
        }
    }
}

fn check_transitions(r: &mut Report<'_>, flow: &Flow, flow_type: &str) {
    let ids: BTreeSet<&str> = flow.actions.iter().map(|a| a.id.as_str()).collect();
    match flow.start.as_deref() {
        None => r.flow("StartAction is missing"),
        Some(s) if !ids.contains(s) => {
            r.flow(format!("StartAction {s:?} is not an action of this flow"))
        }
        Some(_) => {}
    }
    for a in &flow.actions {
        for (label, target) in a.targets() {
            if !ids.contains(target) {
                r.at(
                    &a.id,
                    format!("{label} goes to {target:?}, which is not an action of this flow"),
                );
            }
        }
        let Some(rule) = rule(&a.action_type) else {
            r.at(
                &a.id,
                format!("action type {:?} is not one this tool knows", a.action_type),
            );
            continue;
        };
        if !rule.allowed_in.contains(&flow_type) {
            r.at(
                &a.id,
                format!("{} is not allowed in {flow_type} flows", a.action_type),
            );
        }
        if rule.terminal {
            if !a.targets().is_empty() {
                r.at(
                    &a.id,
                    format!(
                        "{} ends the flow and must have no transitions",
                        a.action_type
                    ),
                );
            }
            continue;
        }
        if rule.next && a.next.is_none() {
            r.at(&a.id, "has no NextAction");
        }
        for e in rule.errors {
            if a.on_error(e).is_none() {
                r.at(&a.id, format!("has no {e} error branch"));
            }
        }
        match a.action_type.as_str() {
            "Compare" | "ConnectParticipantWithLexBot" if a.conditions.is_empty() => {
                r.at(&a.id, "has no conditions");
            }
            "GetParticipantInput" => {
                let stores = a.param("StoreInput") == Some("True");
                if stores {
                    if a.next.is_none() {
                        r.at(&a.id, "stores input but has no NextAction");
                    }
                } else {
                    if a.conditions.is_empty() {
                        r.at(&a.id, "a menu needs conditions for its digits");
                    }
                    if a.on_error("NoMatchingCondition").is_none() {
                        r.at(&a.id, "has no NoMatchingCondition error branch");
                    }
                }
            }
            "Loop" => {
                for label in ["ContinueLooping", "DoneLooping"] {
                    if a.on_equals(label).is_none() {
                        r.at(&a.id, format!("Loop has no {label} condition"));
                    }
                }
            }
            _ => {}
        }
        for c in &a.conditions {
            let known = [
                "Equals",
                "TextStartsWith",
                "TextEndsWith",
                "TextContains",
                "NumberGreaterThan",
                "NumberGreaterOrEqualTo",
                "NumberLessThan",
                "NumberLessOrEqualTo",
            ];
            if !known.contains(&c.operator.as_str()) {
                r.at(
                    &a.id,
                    format!("condition operator {:?} is not supported", c.operator),
                );
            }
            if c.operands.len() != 1 {
                r.at(&a.id, "a condition needs exactly one operand");
            }
        }
    }
    // Reachability from the start action.
    if let Some(start) = flow.start.as_deref().filter(|s| ids.contains(s)) {
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(id) = queue.pop_front() {
            if let Some(a) = flow.action(id) {
                for (_, t) in a.targets() {
                    if ids.contains(t) && seen.insert(t) {
                        queue.push_back(t);
                    }
                }
            }
        }
        for a in &flow.actions {
            if !seen.contains(a.id.as_str()) {
                r.at(&a.id, "is not reachable from StartAction");
            }
        }
    }
}

fn check_placeholders_in(
    r: &mut Report<'_>,
    action: &Action,
    solution: Solution,
    catalog: &Catalog,
) {
    for (at, s) in model::strings(&action.parameters) {
        if has_literal_arn(s) {
            r.at(&action.id, format!("Parameters{at} holds a literal ARN; use a placeholder such as ${{lambda:..}} or ${{queue:..}}"));
        }
        for found in placeholder::scan(s) {
            match found.parsed {
                Err(why) => r.at(
                    &action.id,
                    format!("unknown placeholder {}: {why}", found.text),
                ),
                Ok(p) => check_placeholder(r, &action.id, &p, solution, catalog),
            }
        }
    }
}

fn check_placeholder(
    r: &mut Report<'_>,
    id: &str,
    p: &Placeholder,
    solution: Solution,
    catalog: &Catalog,
) {
    match p {
        Placeholder::Lambda(name) => match catalog.lambdas.get(name) {
            None => r.at(id, format!("{p} names no function of the handler contract")),
            Some(spec) if !spec.invoked_by_connect => {
                r.at(id, format!("{p} is not invoked by contact flows"))
            }
            Some(spec) if spec.solution != solution => r.at(
                id,
                format!(
                    "{p} belongs to the {} solution, this flow to {solution}",
                    spec.solution
                ),
            ),
            Some(_) => {}
        },
        Placeholder::Queue(name) => {
            if !catalog.queues.contains(name) {
                r.at(id, format!("{p} names no queue this tool creates"));
            }
        }
        Placeholder::CallbackQueue => {
            if solution != Solution::Callbacks {
                r.at(
                    id,
                    format!("{p} is only resolved for the callbacks solution"),
                );
            }
        }
        Placeholder::Flow(name) => match catalog.flows.get(name) {
            None => r.at(id, format!("{p} names no shipped flow")),
            Some((_, s)) if *s != solution => r.at(id, format!("{p} belongs to the {s} solution")),
            Some(_) => {}
        },
        Placeholder::Lex(name) => {
            if *name != catalog.bot_name {
                r.at(
                    id,
                    format!("{p} names no bot; the bot is {}", catalog.bot_name),
                );
            }
        }
    }
}

fn check_parameters(
    r: &mut Report<'_>,
    a: &Action,
    flow_type: &str,
    solution: Solution,
    catalog: &Catalog,
) {
    check_placeholders_in(r, a, solution, catalog);
    let id = a.id.as_str();
    match a.action_type.as_str() {
        "InvokeLambdaFunction" => {
            let function = match a.param("LambdaFunctionARN").map(sole_placeholder) {
                Some(Some(Placeholder::Lambda(name))) => Some(name),
                _ => {
                    r.at(
                        id,
                        "LambdaFunctionARN must be exactly one ${lambda:<function id>} placeholder",
                    );
                    None
                }
            };
            match static_int(a, "InvocationTimeLimitSeconds") {
                Some(Ok(n)) if (1..=8).contains(&n) => {}
                Some(Ok(n)) => r.at(
                    id,
                    format!("InvocationTimeLimitSeconds must be 1-8, got {n}"),
                ),
                Some(Err(e)) => r.at(id, e),
                None => r.at(id, "InvocationTimeLimitSeconds is missing"),
            }
            let given: BTreeSet<String> = a
                .parameters
                .get("LambdaInvocationAttributes")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            if let Some(spec) = function.as_deref().and_then(|f| catalog.lambdas.get(f)) {
                let function = function.as_deref().unwrap_or_default();
                for key in &given {
                    if !spec.parameters.iter().any(|(p, _)| p == key) {
                        r.at(
                            id,
                            format!("passes parameter {key} that {function} does not read"),
                        );
                    }
                }
                for (p, required) in &spec.parameters {
                    if *required && !given.contains(p) {
                        r.at(id, format!("{function} needs the parameter {p}"));
                    }
                }
            }
        }
        "UpdateContactTargetQueue" => match (a.param("QueueId"), a.param("AgentId")) {
            (Some(q), None) => {
                let ok = is_single_path(q)
                    || matches!(
                        sole_placeholder(q),
                        Some(Placeholder::Queue(_) | Placeholder::CallbackQueue)
                    );
                if !ok {
                    r.at(id, "QueueId must be a ${queue:..} / ${callbackQueue} placeholder or one json path");
                }
            }
            (None, Some(agent)) if is_single_path(agent) => {}
            _ => r.at(id, "exactly one of QueueId or AgentId is required"),
        },
        "UpdateContactRoutingBehavior" => match static_int(a, "QueuePriority") {
            Some(Ok(n)) if n > 0 => {}
            Some(Ok(n)) => r.at(id, format!("QueuePriority must be greater than 0, got {n}")),
            Some(Err(e)) => r.at(id, e),
            None => {
                if a.parameters.get("QueueTimeAdjustmentSeconds").is_none() {
                    r.at(
                        id,
                        "QueuePriority or QueueTimeAdjustmentSeconds is required",
                    );
                }
            }
        },
        "UpdateContactEventHooks" => {
            let hooks = a.parameters.get("EventHooks").and_then(Value::as_object);
            match hooks {
                Some(h) if h.len() == 1 => {
                    for (key, v) in h {
                        let Some(&(_, want)) = EVENT_HOOKS.iter().find(|(k, _)| k == key) else {
                            r.at(id, format!("event hook {key} is not one this tool uses"));
                            continue;
                        };
                        match v.as_str().and_then(sole_placeholder) {
                            Some(Placeholder::Flow(name)) => {
                                if let Some((t, _)) = catalog.flows.get(&name)
                                    && t != want
                                {
                                    r.at(
                                        id,
                                        format!(
                                            "event hook {key} needs a {want} flow, {name} is {t}"
                                        ),
                                    );
                                }
                            }
                            _ => r.at(
                                id,
                                format!("event hook {key} must be one ${{flow:..}} placeholder"),
                            ),
                        }
                    }
                }
                _ => r.at(id, "EventHooks must have exactly one entry"),
            }
        }
        "CreateCallbackContact" => {
            for (key, min) in [
                ("InitialCallDelaySeconds", 0),
                ("MaximumConnectionAttempts", 1),
                ("RetryDelaySeconds", 0),
            ] {
                match static_int(a, key) {
                    Some(Ok(n)) if n >= min => {}
                    Some(Ok(n)) => r.at(id, format!("{key} must be at least {min}, got {n}")),
                    Some(Err(e)) => r.at(id, e),
                    None if key == "MaximumConnectionAttempts" => {
                        r.at(id, "MaximumConnectionAttempts is required and must be > 0")
                    }
                    None => {}
                }
            }
        }
        "ConnectParticipantWithLexBot" => {
            if a.parameters.get("LexBot").is_some() {
                r.at(id, "write the Lex block as LexV2Bot with ${lex:..}; deploy renders the V1 LexBot shape");
            }
            match a
                .parameters
                .pointer("/LexV2Bot/AliasArn")
                .and_then(Value::as_str)
                .map(sole_placeholder)
            {
                Some(Some(Placeholder::Lex(_))) => {}
                _ => r.at(id, "LexV2Bot.AliasArn must be one ${lex:<bot>} placeholder"),
            }
            for c in &a.conditions {
                if c.operator != "Equals" {
                    r.at(
                        id,
                        format!("Lex results only support Equals, not {}", c.operator),
                    );
                }
                for intent in &c.operands {
                    if !catalog.intents.contains(intent) {
                        r.at(
                            id,
                            format!(
                                "branches on intent {intent:?}, which the bot {} does not have",
                                catalog.bot_name
                            ),
                        );
                    }
                }
            }
            let _ = flow_type;
        }
        "GetParticipantInput" => {
            match a.param("StoreInput") {
                Some("True") | Some("False") => {}
                _ => r.at(id, "StoreInput must be \"True\" or \"False\""),
            }
            match static_int(a, "InputTimeLimitSeconds") {
                Some(Ok(n)) if n > 0 => {}
                Some(Ok(n)) => r.at(
                    id,
                    format!("InputTimeLimitSeconds must be positive, got {n}"),
                ),
                Some(Err(e)) => r.at(id, e),
                None => r.at(id, "InputTimeLimitSeconds is missing"),
            }
            if a.param("StoreInput") == Some("False") {
                for c in &a.conditions {
                    let digit = c.operands.iter().all(|o| {
                        o.len() == 1
                            && (o.chars().all(|ch| ch.is_ascii_digit()) || o == "*" || o == "#")
                    });
                    if c.operator != "Equals" || !digit {
                        r.at(id, "menu conditions must be Equals a single digit, * or #");
                    }
                }
            }
            if a.parameters
                .pointer("/InputValidation/PhoneNumberValidation")
                .is_some()
                && a.on_error("InvalidPhoneNumber").is_none()
            {
                r.at(
                    id,
                    "validates a phone number but has no InvalidPhoneNumber error branch",
                );
            }
        }
        "Compare" => match a.param("ComparisonValue") {
            Some(v) if is_single_path(v) => {}
            _ => r.at(id, "ComparisonValue must be one json path"),
        },
        "UpdateContactCallbackNumber" => match a.param("CallbackNumber") {
            Some(v) if is_single_path(v) => {}
            _ => r.at(id, "CallbackNumber must be one json path"),
        },
        "MessageParticipant" => {
            let n = ["Text", "SSML", "PromptId"]
                .iter()
                .filter(|k| a.parameters.get(**k).is_some())
                .count();
            if n != 1 {
                r.at(id, "exactly one of Text, SSML or PromptId is required");
            }
        }
        "Loop" => match static_int(a, "LoopCount") {
            Some(Ok(n)) if n >= 1 => {}
            _ => r.at(id, "LoopCount must be a whole number of at least 1"),
        },
        "UpdateContactAttributes" => {
            match a.parameters.get("Attributes").and_then(Value::as_object) {
                Some(m) if !m.is_empty() && m.values().all(Value::is_string) => {}
                _ => r.at(id, "Attributes must be a non-empty map of strings"),
            }
        }
        _ => {}
    }
}

/// The function an InvokeLambdaFunction action calls.
fn invoked(a: &Action) -> Option<String> {
    if a.action_type != "InvokeLambdaFunction" {
        return None;
    }
    match a.param("LambdaFunctionARN").and_then(sole_placeholder) {
        Some(Placeholder::Lambda(name)) => Some(name),
        _ => None,
    }
}

/// Every `$.<path>` an action reads (parameters and condition operands are not paths).
fn reads(a: &Action) -> Vec<String> {
    model::strings(&a.parameters)
        .into_iter()
        .flat_map(|(_, s)| model::json_paths(s))
        .collect()
}

/// `$.External.<key>` must come from the Lambda that ran last on every path to the read.
fn check_external_reads(r: &mut Report<'_>, flow: &Flow, catalog: &Catalog) {
    // State on entry to each action: the set of "last successful Lambda" (None = no result).
    let mut entry: BTreeMap<&str, BTreeSet<Option<String>>> = BTreeMap::new();
    let Some(start) = flow.start.as_deref() else {
        return;
    };
    entry.entry(start).or_default().insert(None);
    let mut work = VecDeque::from([start]);
    while let Some(id) = work.pop_front() {
        let Some(a) = flow.action(id) else { continue };
        let state = entry.get(id).cloned().unwrap_or_default();
        let called = invoked(a);
        for (label, target) in a.targets() {
            let out: BTreeSet<Option<String>> = match &called {
                // After a failed or timed-out call there is no usable result.
                Some(_) if label.starts_with("error") => BTreeSet::from([None]),
                Some(f) => BTreeSet::from([Some(f.clone())]),
                None => state.clone(),
            };
            let slot = entry.entry(target).or_default();
            let before = slot.len();
            slot.extend(out);
            if slot.len() != before {
                work.push_back(target);
            }
        }
    }
    for a in &flow.actions {
        let state = entry.get(a.id.as_str()).cloned().unwrap_or_default();
        for path in reads(a) {
            let Some(key) = path.strip_prefix("$.External.") else {
                continue;
            };
            for last in &state {
                match last {
                    None => r.at(&a.id, format!("reads {path}, but on some path no Lambda result is there (none ran, or it failed)")),
                    Some(f) => {
                        if let Some(spec) = catalog.lambdas.get(f)
                            && !spec.returns.contains(key)
                        {
                            r.at(&a.id, format!("reads {path}, which {f} never returns"));
                        }
                    }
                }
            }
        }
    }
}

/// `$.Attributes.<name>` must be set in this flow; the contact attributes a Lambda reads likewise.
fn check_attribute_reads(r: &mut Report<'_>, flow: &Flow, catalog: &Catalog) {
    let set: BTreeSet<&str> = flow
        .actions
        .iter()
        .filter(|a| a.action_type == "UpdateContactAttributes")
        .filter_map(|a| a.parameters.get("Attributes").and_then(Value::as_object))
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    for a in &flow.actions {
        for path in reads(a) {
            if let Some(name) = path.strip_prefix("$.Attributes.")
                && !set.contains(name)
            {
                r.at(
                    &a.id,
                    format!("reads {path}, which no action of this flow sets"),
                );
            }
        }
        if let Some(f) = invoked(a)
            && let Some(spec) = catalog.lambdas.get(&f)
        {
            for attr in &spec.contact_attributes {
                if !set.contains(attr.as_str()) {
                    r.at(&a.id, format!("{f} reads the contact attribute {attr}, which no action of this flow sets"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::{self, lex};
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
