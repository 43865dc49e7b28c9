//! The call-path interpreter: runs one flow for one contact over the flow-language subset the six
//! flows use, calling the real Lambda handlers (`returns_lambdas::invoke_connect`) where the flow
//! invokes one, and consuming scripted caller input (DTMF digits, Lex intents or utterances,
//! silence). It records the path, prompts, Lambda calls and where the contact ends.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use returns_lambdas::contract::Function;
use serde_json::{Value, json};

use super::model::{self, Action, Flow};
use crate::assets::{self, BotDefinition, LexRendering, Placeholder};

/// The simulated instance (never a real account: 111122223333 is the documentation account).
pub const INSTANCE_ARN: &str =
    "arn:aws:connect:us-east-1:111122223333:instance/5e1e0000-0000-4000-8000-00000000c0de";
/// Region of the simulated instance.
pub const REGION: &str = "us-east-1";

/// The ARN the simulator resolves a placeholder to.
pub fn resolve(p: &Placeholder, callback_queue: &str) -> String {
    match p {
        Placeholder::Lambda(id) => format!("arn:aws:lambda:{REGION}:111122223333:function:{id}"),
        Placeholder::Queue(name) => queue_arn(name),
        Placeholder::CallbackQueue => queue_arn(callback_queue),
        Placeholder::Flow(name) => format!("{INSTANCE_ARN}/contact-flow/{name}"),
        Placeholder::Lex(bot) => format!("arn:aws:lex:{REGION}:111122223333:bot-alias/{bot}/prod"),
    }
}

/// The simulated ARN of queue `name`.
pub fn queue_arn(name: &str) -> String {
    format!("{INSTANCE_ARN}/queue/{name}")
}

/// The simulated ARN of agent `user`.
pub fn agent_arn(user: &str) -> String {
    format!("{INSTANCE_ARN}/agent/{user}")
}

/// The name at the end of a simulated ARN of `kind` (`queue`, `contact-flow`, `function`).
fn name_in(arn: &str, kind: &str) -> Option<String> {
    let (head, name) = match kind {
        "function" => arn.rsplit_once(":function:")?,
        _ => arn.rsplit_once(&format!("/{kind}/"))?,
    };
    let ours = match kind {
        "function" => head.starts_with("arn:aws:lambda:"),
        _ => head == INSTANCE_ARN,
    };
    (ours && !name.is_empty()).then(|| name.to_string())
}

/// A queue the contact is targeted at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QueueRef {
    /// Queue name.
    pub name: String,
    /// Queue ARN.
    pub arn: String,
}

/// The contact as the flow sees it.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// `$.ContactId`.
    pub contact_id: String,
    /// `$.CustomerEndpoint.Address` (`anonymous` when withheld).
    pub customer_address: String,
    /// `$.Attributes`.
    pub attributes: BTreeMap<String, String>,
    /// `$.External` (the last Lambda result).
    pub external: BTreeMap<String, String>,
    /// `$.Queue`.
    pub queue: Option<QueueRef>,
    /// `$.Agent.UserName` (whisper flows).
    pub agent: Option<String>,
    /// `$.CallbackNumber`.
    pub callback_number: Option<String>,
    /// `$.StoredCustomerInput`.
    pub stored_input: Option<String>,
    /// Set by UpdateContactRoutingBehavior.
    pub priority: Option<i64>,
    /// Event hooks: hook → flow name.
    pub hooks: BTreeMap<String, String>,
    /// `$.Lex.IntentName`.
    pub lex_intent: Option<String>,
}

/// Where a flow run ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "detail")]
pub enum End {
    /// TransferContactToQueue succeeded.
    Queue,
    /// DisconnectParticipant.
    Disconnect,
    /// EndFlowExecution (whispers: the contact continues).
    Finished,
    /// The flow could not go on (missing branch, unknown action, too many steps).
    Stuck(String),
}

impl End {
    /// The short name scenarios compare (`queue`, `disconnect`, `end`, `stuck`).
    pub fn label(&self) -> &'static str {
        match self {
            End::Queue => "queue",
            End::Disconnect => "disconnect",
            End::Finished => "end",
            End::Stuck(_) => "stuck",
        }
    }
}

/// One Lambda invocation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LambdaCall {
    /// Function id.
    pub function: String,
    /// The reply (empty when the invocation failed).
    pub result: BTreeMap<String, String>,
    /// True when the invocation was made to fail (scenario fault injection).
    pub failed: bool,
}

/// A callback contact created by CreateCallbackContact.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CreatedCallback {
    /// Its contact id.
    pub contact_id: String,
    /// The number to dial (E.164).
    #[serde(skip)]
    pub number: String,
    /// The queue it waits in.
    pub queue: QueueRef,
    /// Attributes copied from the requesting contact.
    #[serde(skip)]
    pub attributes: BTreeMap<String, String>,
    /// Event hooks copied from the requesting contact (AgentWhisper).
    pub hooks: BTreeMap<String, String>,
}

/// What one flow run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Run {
    /// The flow.
    pub flow: String,
    /// Action identifiers in the order taken.
    pub path: Vec<String>,
    /// Text played (dynamic parts filled in).
    pub prompts: Vec<String>,
    /// Lambda calls in order.
    pub lambdas: Vec<LambdaCall>,
    /// Where it ended.
    pub end: End,
    /// A callback created in this run.
    pub callback: Option<CreatedCallback>,
}

/// Everything a run needs besides the contact: handler dependencies, caller input, faults.
pub struct Runtime<'a> {
    /// Handler dependencies (DynamoDB, Connect, config, clock).
    pub deps: &'a returns_lambdas::Deps,
    /// The bot (utterance matching).
    pub bot: &'a BotDefinition,
    /// Scripted caller input, consumed by input blocks in order.
    pub inputs: VecDeque<String>,
    /// Functions whose invocation fails (error / timeout branch).
    pub failing: BTreeSet<String>,
    /// TransferContactToQueue reports the queue at capacity.
    pub queue_full: bool,
    /// Source of callback contact ids.
    pub next_id: &'a mut u32,
}

/// Steps after which a run is declared stuck.
const MAX_STEPS: usize = 300;

/// Parses the flow `name` (rendered with the simulator's ARNs, exactly as deploy renders it).
pub fn load(name: &str, source: &str, callback_queue: &str) -> Result<Flow, String> {
    let resolver = |p: &Placeholder| Some(resolve(p, callback_queue));
    let rendered = assets::render_source(name, source, &resolver, &LexRendering::V2)
        .map_err(|e| e.to_string())?;
    let doc: Value = serde_json::from_str(&rendered).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    let flow = Flow::parse(&doc, &mut problems);
    match problems.first() {
        Some((_, m)) => Err(format!("flow {name}: {m}")),
        None => Ok(flow),
    }
}

impl Contact {
    /// The value of one `$.` path ("" when absent).
    pub fn lookup(&self, path: &str) -> String {
        let get = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
        if let Some(k) = path.strip_prefix("$.External.") {
            return get(&self.external, k);
        }
        if let Some(k) = path.strip_prefix("$.Attributes.") {
            return get(&self.attributes, k);
        }
        match path {
            "$.Queue.Name" => self
                .queue
                .as_ref()
                .map(|q| q.name.clone())
                .unwrap_or_default(),
            "$.Queue.ARN" => self
                .queue
                .as_ref()
                .map(|q| q.arn.clone())
                .unwrap_or_default(),
            "$.Agent.UserName" => self.agent.clone().unwrap_or_default(),
            "$.Agent.ARN" => self.agent.as_deref().map(agent_arn).unwrap_or_default(),
            "$.CustomerEndpoint.Address" => self.customer_address.clone(),
            "$.ContactId" => self.contact_id.clone(),
            "$.CallbackNumber" => self.callback_number.clone().unwrap_or_default(),
            "$.StoredCustomerInput" => self.stored_input.clone().unwrap_or_default(),
            "$.Lex.IntentName" => self.lex_intent.clone().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Fills every `$.` path in `text`.
    pub fn eval(&self, text: &str) -> String {
        let mut out = text.to_string();
        let mut paths = model::json_paths(text);
        // Longest first, so `$.Queue.ARN` is not clobbered by a shorter prefix.
        paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for p in paths {
            out = out.replace(&p, &self.lookup(&p));
        }
        out
    }

    /// The Connect Lambda event for this contact.
    pub fn event(&self, parameters: &BTreeMap<String, String>) -> Value {
        json!({
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": self.attributes,
                    "Channel": "VOICE",
                    "ContactId": self.contact_id,
                    "CustomerEndpoint": { "Address": self.customer_address, "Type": "TELEPHONE_NUMBER" },
                    "InitialContactId": self.contact_id,
                    "InitiationMethod": if self.callback_number.is_some() && self.agent.is_some() { "CALLBACK" } else { "INBOUND" },
                    "InstanceARN": INSTANCE_ARN,
                    "PreviousContactId": self.contact_id,
                    "Queue": self.queue.as_ref().map(|q| json!({ "Name": q.name, "ARN": q.arn })),
                    "SystemEndpoint": { "Address": "+18005550199", "Type": "TELEPHONE_NUMBER" },
                },
                "Parameters": parameters,
            }
        })
    }
}

fn normalize(raw: &str, country: &str) -> Option<String> {
    let region = returns_lambdas::phone::region(country)?;
    returns_lambdas::phone::normalize(raw, region)
        .ok()
        .map(|p| p.e164().to_string())
}

/// What an input block heard.
enum Heard {
    Silence,
    Text(String),
}

impl Runtime<'_> {
    fn hear(&mut self) -> Heard {
        match self.inputs.pop_front() {
            None => Heard::Silence,
            Some(s) if s == "timeout" || s == "silence" => Heard::Silence,
            Some(s) => Heard::Text(s),
        }
    }

    /// The intent a Lex input resolves to (None: no match / fallback).
    fn intent(&self, heard: &str) -> Option<String> {
        if let Some(intent) = heard.strip_prefix("lex:") {
            return self
                .bot
                .intents
                .iter()
                .find(|i| i.name == intent)
                .map(|i| i.name.clone());
        }
        let said = heard.strip_prefix("say:").unwrap_or(heard);
        let clean = |s: &str| {
            s.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || c.is_whitespace() || *c == '\'')
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let said = clean(said);
        self.bot
            .intents
            .iter()
            .find(|i| i.utterances.iter().any(|u| clean(u) == said))
            .map(|i| i.name.clone())
    }
}

/// Runs `flow` for `contact` until it ends.
pub async fn run(flow_name: &str, flow: &Flow, contact: &mut Contact, rt: &mut Runtime<'_>) -> Run {
    let mut out = Run {
        flow: flow_name.to_string(),
        path: Vec::new(),
        prompts: Vec::new(),
        lambdas: Vec::new(),
        end: End::Stuck("no StartAction".to_string()),
        callback: None,
    };
    let mut loops: BTreeMap<String, i64> = BTreeMap::new();
    let mut current = flow.start.clone();
    for _ in 0..MAX_STEPS {
        let Some(id) = current.take() else { return out };
        let Some(action) = flow.action(&id) else {
            out.end = End::Stuck(format!("no action {id:?}"));
            return out;
        };
        out.path.push(id.clone());
        match step(action, contact, rt, &mut out, &mut loops).await {
            Step::Go(branch) => match branch {
                Some(next) => current = Some(next),
                None => {
                    out.end = End::Stuck(format!("{id:?} has no branch for what happened"));
                    return out;
                }
            },
            Step::End(end) => {
                out.end = end;
                return out;
            }
        }
    }
    out.end = End::Stuck(format!("did not end after {MAX_STEPS} actions"));
    out
}

enum Step {
    Go(Option<String>),
    End(End),
}

fn go(v: Option<&str>) -> Step {
    Step::Go(v.map(str::to_string))
}

async fn step(
    a: &Action,
    contact: &mut Contact,
    rt: &mut Runtime<'_>,
    out: &mut Run,
    loops: &mut BTreeMap<String, i64>,
) -> Step {
    let next = a.next.as_deref();
    match a.action_type.as_str() {
        "UpdateFlowLoggingBehavior" | "UpdateContactTextToSpeechVoice" => go(next),
        "MessageParticipant" => {
            let text = a.param("Text").or(a.param("SSML")).unwrap_or_default();
            out.prompts.push(contact.eval(text));
            go(next)
        }
        "UpdateContactAttributes" => {
            if let Some(map) = a.parameters.get("Attributes").and_then(Value::as_object) {
                let updates: Vec<(String, String)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), contact.eval(v.as_str().unwrap_or_default())))
                    .collect();
                contact.attributes.extend(updates);
            }
            go(next)
        }
        "InvokeLambdaFunction" => {
            let arn = a.param("LambdaFunctionARN").unwrap_or_default();
            let Some(function) = name_in(arn, "function").and_then(|id| Function::from_id(&id))
            else {
                return go(a.on_error("NoMatchingError"));
            };
            let params: BTreeMap<String, String> = a
                .parameters
                .get("LambdaInvocationAttributes")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), contact.eval(v.as_str().unwrap_or_default())))
                        .collect()
                })
                .unwrap_or_default();
            if rt.failing.contains(function.id()) {
                contact.external.clear();
                out.lambdas.push(LambdaCall {
                    function: function.id().to_string(),
                    result: BTreeMap::new(),
                    failed: true,
                });
                return go(a.on_error("NoMatchingError"));
            }
            let reply =
                returns_lambdas::invoke_connect(function, contact.event(&params), rt.deps).await;
            contact.external = reply.clone().into_iter().collect();
            out.lambdas.push(LambdaCall {
                function: function.id().to_string(),
                result: reply.into_iter().collect(),
                failed: false,
            });
            go(next)
        }
        "Compare" => {
            let value = contact.eval(a.param("ComparisonValue").unwrap_or_default());
            let hit = a.conditions.iter().find(|c| {
                let operand = c.operands.first().map(String::as_str).unwrap_or_default();
                let num = |f: fn(f64, f64) -> bool| match (
                    value.trim().parse::<f64>(),
                    operand.trim().parse::<f64>(),
                ) {
                    (Ok(x), Ok(y)) => f(x, y),
                    _ => false,
                };
                match c.operator.as_str() {
                    "Equals" => value == operand,
                    "TextStartsWith" => value.starts_with(operand),
                    "TextEndsWith" => value.ends_with(operand),
                    "TextContains" => value.contains(operand),
                    "NumberGreaterThan" => num(|x, y| x > y),
                    "NumberGreaterOrEqualTo" => num(|x, y| x >= y),
                    "NumberLessThan" => num(|x, y| x < y),
                    "NumberLessOrEqualTo" => num(|x, y| x <= y),
                    _ => false,
                }
            });
            match hit {
                Some(c) => go(Some(&c.next)),
                None => go(a.on_error("NoMatchingCondition")),
            }
        }
        "ConnectParticipantWithLexBot" => {
            out.prompts
                .push(contact.eval(a.param("Text").or(a.param("SSML")).unwrap_or_default()));
            match rt.hear() {
                Heard::Silence => go(a
                    .on_error("InputTimeLimitExceeded")
                    .or(a.on_error("NoMatchingError"))),
                Heard::Text(t) => match rt.intent(&t) {
                    Some(intent) => {
                        contact.lex_intent = Some(intent.clone());
                        go(a.on_equals(&intent).or(a.on_error("NoMatchingCondition")))
                    }
                    None => {
                        contact.lex_intent = Some("FallbackIntent".to_string());
                        go(a.on_error("NoMatchingCondition"))
                    }
                },
            }
        }
        "GetParticipantInput" => {
            out.prompts
                .push(contact.eval(a.param("Text").or(a.param("SSML")).unwrap_or_default()));
            let heard = rt.hear();
            let Heard::Text(t) = heard else {
                return go(a.on_error("InputTimeLimitExceeded"));
            };
            let digits = t
                .strip_prefix("dtmf:")
                .unwrap_or(&t)
                .trim_end_matches('#')
                .to_string();
            if a.param("StoreInput") == Some("True") {
                if !digits.chars().all(|c| c.is_ascii_digit() || c == '+') || digits.is_empty() {
                    return go(a.on_error("NoMatchingError"));
                }
                if let Some(v) = a
                    .parameters
                    .pointer("/InputValidation/PhoneNumberValidation")
                {
                    let country = v.get("CountryCode").and_then(Value::as_str).unwrap_or("US");
                    match normalize(&digits, country) {
                        Some(e164) => contact.stored_input = Some(e164),
                        None => return go(a.on_error("InvalidPhoneNumber")),
                    }
                } else {
                    contact.stored_input = Some(digits);
                }
                go(next)
            } else {
                go(a.on_equals(&digits).or(a.on_error("NoMatchingCondition")))
            }
        }
        "UpdateContactTargetQueue" => {
            let arn = contact.eval(a.param("QueueId").unwrap_or_default());
            match name_in(&arn, "queue") {
                Some(name) => {
                    contact.queue = Some(QueueRef { name, arn });
                    go(next)
                }
                None => go(a.on_error("NoMatchingError")),
            }
        }
        "UpdateContactRoutingBehavior" => {
            contact.priority = a.param("QueuePriority").and_then(|p| p.trim().parse().ok());
            go(next)
        }
        "UpdateContactEventHooks" => {
            let hooks = a.parameters.get("EventHooks").and_then(Value::as_object);
            for (hook, v) in hooks.into_iter().flatten() {
                match v.as_str().and_then(|arn| name_in(arn, "contact-flow")) {
                    Some(flow) => {
                        contact.hooks.insert(hook.clone(), flow);
                    }
                    None => return go(a.on_error("NoMatchingError")),
                }
            }
            go(next)
        }
        "TransferContactToQueue" => {
            if contact.queue.is_none() {
                go(a.on_error("NoMatchingError"))
            } else if rt.queue_full {
                go(a.on_error("QueueAtCapacity"))
            } else {
                Step::End(End::Queue)
            }
        }
        "UpdateContactCallbackNumber" => {
            let v = contact.eval(a.param("CallbackNumber").unwrap_or_default());
            match normalize(&v, "US") {
                Some(e164) => {
                    contact.callback_number = Some(e164);
                    go(next)
                }
                None => go(a.on_error("InvalidCallbackNumber")),
            }
        }
        "CreateCallbackContact" => {
            let (Some(number), Some(queue)) =
                (contact.callback_number.clone(), contact.queue.clone())
            else {
                return go(a.on_error("NoMatchingError"));
            };
            let attempts: i64 = a
                .param("MaximumConnectionAttempts")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            if attempts < 1 {
                return go(a.on_error("NoMatchingError"));
            }
            *rt.next_id += 1;
            out.callback = Some(CreatedCallback {
                contact_id: format!("cb000000-0000-4000-8000-{:012}", *rt.next_id),
                number,
                queue,
                attributes: contact.attributes.clone(),
                hooks: contact.hooks.clone(),
            });
            go(next)
        }
        "Loop" => {
            let limit: i64 = a
                .param("LoopCount")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            let count = loops.entry(a.id.clone()).or_insert(0);
            if *count < limit {
                *count += 1;
                go(a.on_equals("ContinueLooping"))
            } else {
                *count = 0;
                go(a.on_equals("DoneLooping"))
            }
        }
        "DisconnectParticipant" => Step::End(End::Disconnect),
        "EndFlowExecution" => Step::End(End::Finished),
        other => Step::End(End::Stuck(format!("the simulator does not run {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_map_back_to_names() {
        let q = resolve(&Placeholder::Queue("Spare_Parts".into()), "BasicQueue");
        assert_eq!(name_in(&q, "queue").as_deref(), Some("Spare_Parts"));
        let f = resolve(&Placeholder::Flow("x".into()), "BasicQueue");
        assert_eq!(name_in(&f, "contact-flow").as_deref(), Some("x"));
        let l = resolve(&Placeholder::Lambda("readCallback".into()), "BasicQueue");
        assert_eq!(name_in(&l, "function").as_deref(), Some("readCallback"));
        assert_eq!(
            name_in(
                "arn:aws:connect:eu-west-1:999999999999:instance/x/queue/Sales",
                "queue"
            ),
            None
        );
        assert_eq!(name_in("", "queue"), None);
    }

    #[test]
    fn eval_fills_paths_in_text() {
        let mut c = Contact {
            queue: Some(QueueRef {
                name: "Sales".into(),
                arn: queue_arn("Sales"),
            }),
            ..Contact::default()
        };
        c.attributes.insert("x".into(), "1".into());
        assert_eq!(c.eval("to $.Queue.Name ($.Attributes.x)"), "to Sales (1)");
        assert_eq!(c.eval("$.Queue.ARN"), queue_arn("Sales"));
        assert_eq!(c.eval("$.External.none"), "");
    }

    #[test]
    fn every_shipped_flow_loads() {
        for f in assets::flows() {
            load(f.name, f.source, "BasicQueue").unwrap();
        }
    }
}
