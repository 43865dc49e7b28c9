//! The sandbox's executor of test cases: its own interpreter of the flow-language subset the
//! shipped flows use, walking the PUBLISHED flow a test case's entry point names, with the test
//! case's observations matched against the events the walk produces, in order.
//!
//! It is written independently of the CLI's offline simulator (`src/flow`): the two are meant to
//! cross-check each other, so nothing here is shared with it. Every reading taken where the
//! documentation is silent is listed in `sandbox/TESTCASES.md`.
//!
//! The walk runs without the World lock (a Lambda runner may call the sandbox back, e.g.
//! StopContact): it works on a copy of the instance and of the Lex aliases its flows name, and
//! returns an [`Outcome`] that [`super::testcases`] lands in the World.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Instance;
use super::testlang::{
    ActionKind, Content, Event, Instruction, Matching, Override, Strategy, is_json_path, strip_tags,
};
use crate::lexv2::AliasModel;

/// The environment variable naming the Lambda runner command (see [`run_lambda`]).
pub const LAMBDA_RUNNER_ENV: &str = "CONNECT_RETURNS_SANDBOX_LAMBDA_RUNNER";
/// Flow actions one execution runs at most (a flow loop that never ends is cut here).
const MAX_STEPS: usize = 500;
/// Events kept per observation as "seen while waiting".
const MAX_SEEN: usize = 40;

/// Everything one execution needs, copied out of the World.
pub struct Job {
    pub instance: Instance,
    /// Alias ARN → what the alias serves (or why it cannot answer).
    pub lex: BTreeMap<String, Result<AliasModel, String>>,
    pub content: Content,
    pub flow_id: String,
    pub source_number: Option<String>,
    pub destination_number: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub contact_id: String,
    pub runner: Option<String>,
}

/// An observation's state at the end of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObsStatus {
    Passed,
    Failed,
    /// Still waiting for its event.
    Waiting,
}

/// One observation's result: status, when it was completed, and its record.
#[derive(Debug, Clone)]
pub struct ObsOutcome {
    pub id: String,
    pub status: ObsStatus,
    pub at: Option<OffsetDateTime>,
    pub record: Value,
}

/// How the walk ended.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// A `TestControl` `EndTest` action ran.
    ByTest,
    /// The simulated contact is done (disconnected, or queued) without an EndTest: the execution
    /// times out at the duration limit.
    Exhausted(String),
    /// The sandbox cannot emulate what the flow needs (e.g. a Lambda without runner nor mock).
    Aborted(String),
}

/// A callback contact the flow created (CreateCallbackContact), to be queued in the instance.
#[derive(Debug, Clone)]
pub struct Callback {
    pub queue_id: String,
}

/// What a walk produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub observations: Vec<ObsOutcome>,
    pub end: End,
    pub callbacks: Vec<Callback>,
    /// Every event of the walk, described, in order.
    pub path: Vec<String>,
}

/// An event the walk produced.
#[derive(Debug, Clone)]
enum Seen {
    Initiated,
    Completed,
    /// A prompt: what was played (text, or SSML without tags) and the prompt id if any.
    Message {
        text: String,
        prompt: Option<String>,
    },
    /// A flow action starting, with the resource it names (`ids`: every name of it: id, ARN).
    Action {
        action_type: String,
        identifier: String,
        ids: Vec<String>,
    },
}

impl Seen {
    fn describe(&self) -> String {
        match self {
            Seen::Initiated => "TestInitiated".into(),
            Seen::Completed => "TestCompleted".into(),
            Seen::Message { text, prompt } => match prompt {
                Some(p) => format!("MessageReceived prompt {p}"),
                None => format!("MessageReceived {text:?}"),
            },
            Seen::Action {
                action_type,
                identifier,
                ids,
            } => match ids.last() {
                Some(r) => format!("FlowActionStarted {action_type} {r} (action {identifier:?})"),
                None => format!("FlowActionStarted {action_type} (action {identifier:?})"),
            },
        }
    }
}

fn describe_expected(e: &Event) -> String {
    match e {
        Event::TestInitiated => "TestInitiated".into(),
        Event::TestCompleted => "TestCompleted".into(),
        Event::MessageReceived {
            text,
            ssml,
            prompt_id,
            matching,
        } => {
            let how = match matching {
                Matching::Inclusion => "containing",
                Matching::Similarity => "similar to",
            };
            match (text, ssml, prompt_id) {
                (Some(t), _, _) => format!("MessageReceived {how} {t:?}"),
                (_, Some(s), _) => format!("MessageReceived {how} {:?}", strip_tags(s)),
                (_, _, Some(p)) => format!("MessageReceived prompt {p}"),
                _ => "MessageReceived".into(),
            }
        }
        Event::FlowActionStarted {
            action_type,
            resource,
            agent_id,
        } => match agent_id {
            Some(a) => format!("FlowActionStarted {action_type} {resource} agent {a}"),
            None => format!("FlowActionStarted {action_type} {resource}"),
        },
    }
}

/// Lower case, punctuation dropped, spaces collapsed.
fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn event_matches(e: &Event, seen: &Seen) -> bool {
    match (e, seen) {
        (Event::TestInitiated, Seen::Initiated) | (Event::TestCompleted, Seen::Completed) => true,
        (
            Event::MessageReceived {
                text,
                ssml,
                prompt_id,
                matching,
            },
            Seen::Message {
                text: played,
                prompt,
            },
        ) => {
            if let Some(p) = prompt_id {
                return prompt
                    .as_deref()
                    .is_some_and(|q| q == p || q.rsplit('/').next() == p.rsplit('/').next());
            }
            let want = match (text, ssml) {
                (Some(t), _) => t.clone(),
                (_, Some(s)) => strip_tags(s),
                _ => return false,
            };
            match matching {
                // the observed message contains the text (case-sensitive, the stricter reading)
                Matching::Inclusion => played.contains(&want),
                // semantic similarity cannot be emulated: equality after normalising
                Matching::Similarity => normalise(played) == normalise(&want),
            }
        }
        (
            Event::FlowActionStarted {
                action_type,
                resource,
                agent_id,
            },
            Seen::Action {
                action_type: seen_type,
                ids,
                ..
            },
        ) => action_type == seen_type && agent_id.is_none() && ids.iter().any(|i| i == resource),
        _ => false,
    }
}

struct ObsState {
    status: ObsStatus,
    matches: u32,
    at: Option<OffsetDateTime>,
    matched: Vec<String>,
    seen: Vec<String>,
    actions: Vec<Value>,
    logged: Map<String, Value>,
    message: Option<String>,
}

/// A queue as the contact sees it.
#[derive(Clone)]
struct QueueRef {
    id: String,
    arn: String,
    name: String,
}

struct Exec {
    job: Job,
    obs: Vec<ObsState>,
    /// Observation index → the observations that lead to it.
    preds: Vec<Vec<usize>>,
    pending: VecDeque<Instruction>,
    overrides: Vec<Override>,
    end_test: bool,
    hangup: bool,
    aborted: Option<String>,
    attributes: BTreeMap<String, String>,
    external: Value,
    stored_input: Option<String>,
    callback_number: Option<String>,
    target_queue: Option<QueueRef>,
    lex_intent: Option<String>,
    loops: HashMap<String, u32>,
    callbacks: Vec<Callback>,
    path: Vec<String>,
}

/// Runs one execution to its end.
pub fn run(job: Job) -> Outcome {
    let n = job.content.observations.len();
    let mut preds = vec![Vec::new(); n];
    for (i, o) in job.content.observations.iter().enumerate() {
        for next in &o.next {
            if let Some(j) = job.content.observations.iter().position(|x| &x.id == next) {
                preds[j].push(i);
            }
        }
    }
    let attributes = job.attributes.clone();
    let mut ex = Exec {
        obs: (0..n)
            .map(|_| ObsState {
                status: ObsStatus::Waiting,
                matches: 0,
                at: None,
                matched: Vec::new(),
                seen: Vec::new(),
                actions: Vec::new(),
                logged: Map::new(),
                message: None,
            })
            .collect(),
        preds,
        job,
        pending: VecDeque::new(),
        overrides: Vec::new(),
        end_test: false,
        hangup: false,
        aborted: None,
        attributes,
        external: json!({}),
        stored_input: None,
        callback_number: None,
        target_queue: None,
        lex_intent: None,
        loops: HashMap::new(),
        callbacks: Vec::new(),
        path: Vec::new(),
    };
    ex.emit(Seen::Initiated);
    let mut contact_end = "the test ended before the flow started".to_string();
    if !ex.stopped() {
        contact_end = ex.walk();
    }
    if ex.aborted.is_none() {
        ex.emit(Seen::Completed);
    }
    let end = if let Some(a) = ex.aborted.clone() {
        End::Aborted(a)
    } else if ex.end_test {
        End::ByTest
    } else {
        End::Exhausted(contact_end)
    };
    let abort_note = ex.aborted.clone();
    let observations = ex
        .job
        .content
        .observations
        .iter()
        .zip(ex.obs.iter_mut())
        .map(|(o, s)| {
            if s.status == ObsStatus::Waiting
                && let Some(a) = &abort_note
            {
                s.status = ObsStatus::Failed;
                s.message = Some(a.clone());
            }
            let status = match s.status {
                ObsStatus::Passed => "PASSED",
                ObsStatus::Failed => "FAILED",
                ObsStatus::Waiting => "IN_PROGRESS",
            };
            let mut record = json!({
                "ObservationId": o.id,
                "Expected": describe_expected(&o.event),
                "Status": status,
                "Matched": s.matched,
                "Actions": s.actions,
                "SeenWhileWaiting": s.seen,
            });
            if !s.logged.is_empty() {
                record["LoggedData"] = Value::Object(s.logged.clone());
            }
            if let Some(m) = &s.message {
                record["Message"] = json!(m);
            }
            ObsOutcome {
                id: o.id.clone(),
                status: s.status,
                at: s.at,
                record,
            }
        })
        .collect();
    Outcome {
        observations,
        end,
        callbacks: ex.callbacks,
        path: ex.path,
    }
}

impl Exec {
    fn stopped(&self) -> bool {
        self.end_test || self.hangup || self.aborted.is_some()
    }

    fn active(&self, i: usize) -> bool {
        let o = &self.job.content.observations[i];
        let s = &self.obs[i];
        let open = match o.times {
            Some(n) => s.status == ObsStatus::Waiting && s.matches < n,
            None => s.status != ObsStatus::Failed,
        };
        open && (self.preds[i].is_empty()
            || self.preds[i]
                .iter()
                .any(|p| self.obs[*p].status == ObsStatus::Passed))
    }

    /// One event: the first active observation (in content order) that waits for it takes it and
    /// runs its actions; every other active, unmatched observation notes it as seen.
    fn emit(&mut self, seen: Seen) {
        let text = seen.describe();
        self.path.push(text.clone());
        let n = self.obs.len();
        let mut taken = None;
        for i in 0..n {
            if !self.active(i) {
                continue;
            }
            if taken.is_none() && event_matches(&self.job.content.observations[i].event, &seen) {
                taken = Some(i);
            } else if self.obs[i].status == ObsStatus::Waiting && self.obs[i].seen.len() < MAX_SEEN
            {
                self.obs[i].seen.push(text.clone());
            }
        }
        let Some(i) = taken else { return };
        let now = OffsetDateTime::now_utc();
        {
            let s = &mut self.obs[i];
            s.matches += 1;
            s.matched.push(text);
            s.at = Some(now);
        }
        let failed = self.run_actions(i);
        let times = self.job.content.observations[i].times;
        let s = &mut self.obs[i];
        if failed {
            s.status = ObsStatus::Failed;
        } else if s.status != ObsStatus::Failed && times.is_none_or(|t| s.matches >= t) {
            s.status = ObsStatus::Passed;
        }
    }

    /// Runs an observation's actions from the first, following `NextAction` (else list order).
    /// Returns whether an assertion failed.
    fn run_actions(&mut self, i: usize) -> bool {
        let actions = self.job.content.observations[i].actions.clone();
        let mut failed = false;
        let mut at = if actions.is_empty() { None } else { Some(0) };
        let mut steps = 0;
        while let Some(k) = at {
            steps += 1;
            if steps > actions.len() {
                break;
            }
            let a = &actions[k];
            let (kind, result) = match &a.kind {
                ActionKind::Send(ins) => {
                    if *ins == Instruction::Disconnect {
                        self.hangup = true;
                    } else {
                        self.pending.push_back(ins.clone());
                    }
                    ("SendInstruction", format!("{ins:?}"))
                }
                ActionKind::Override(o) => {
                    self.overrides.push(o.clone());
                    (
                        "OverrideSystemBehavior",
                        format!("{} {}", o.action_type, o.resource),
                    )
                }
                ActionKind::EndTest => {
                    self.end_test = true;
                    ("TestControl", "EndTest".to_string())
                }
                ActionKind::LogData(ex) => {
                    for (k, path) in ex {
                        let v = self.lookup(path).unwrap_or_default();
                        self.obs[i].logged.insert(k.clone(), json!(v));
                    }
                    ("TestControl", "LogData".to_string())
                }
                ActionKind::Assert { namespace, operand } => {
                    let actual = self.lookup(namespace).unwrap_or_default();
                    if &actual == operand {
                        ("Assert", format!("{namespace} equals {operand:?}"))
                    } else {
                        failed = true;
                        let m = format!("{namespace} is {actual:?}, expected {operand:?}");
                        self.obs[i].message = Some(m.clone());
                        ("Assert", format!("FAILED: {m}"))
                    }
                }
            };
            self.obs[i]
                .actions
                .push(json!({"Identifier": a.id, "Type": kind, "Result": result}));
            at = match &a.next {
                Some(n) => actions.iter().position(|x| &x.id == n),
                None if k + 1 < actions.len() => Some(k + 1),
                None => None,
            };
        }
        failed
    }

    // ---------- contact data ----------

    fn queue_json(&self) -> Value {
        match &self.target_queue {
            Some(q) => json!({"ARN": q.arn, "Name": q.name}),
            None => Value::Null,
        }
    }

    /// The value of one JSONPath in the contact's data (`None`: not set).
    fn lookup(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix("$.")?;
        let (head, tail) = match rest.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (rest, None),
        };
        match (head, tail) {
            ("Attributes", Some(k)) => self.attributes.get(k).cloned(),
            ("External", Some(k)) => {
                let mut v = &self.external;
                for part in k.split('.') {
                    v = v.get(part)?;
                }
                Some(match v {
                    Value::String(s) => s.clone(),
                    Value::Null => return None,
                    other => other.to_string(),
                })
            }
            ("StoredCustomerInput", None) => self.stored_input.clone(),
            ("CallbackNumber", None) => self.callback_number.clone(),
            ("ContactId", None) | ("InitialContactId", None) => Some(self.job.contact_id.clone()),
            ("Channel", None) => Some("VOICE".into()),
            ("InitiationMethod", None) => Some("INBOUND".into()),
            ("InstanceARN", None) => Some(self.job.instance.arn.clone()),
            ("LanguageCode", None) => Some("en-US".into()),
            ("CustomerEndpoint", Some("Address")) => self.job.source_number.clone(),
            ("SystemEndpoint", Some("Address")) => self.job.destination_number.clone(),
            ("Queue", Some("Name")) => self.target_queue.as_ref().map(|q| q.name.clone()),
            ("Queue", Some("ARN")) => self.target_queue.as_ref().map(|q| q.arn.clone()),
            ("Lex", Some("IntentName")) => self.lex_intent.clone(),
            _ => None,
        }
    }

    /// A "static or single JSONPath" value; a path that is not set reads as empty.
    fn value(&self, v: &Value) -> String {
        let s = match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if is_json_path(&s) {
            self.lookup(&s).unwrap_or_default()
        } else {
            s
        }
    }

    /// A "dynamic" text: every `$.Path` in it replaced by its value (empty when not set).
    fn dynamic(&self, v: &Value) -> String {
        let s = match v {
            Value::String(s) => s.as_str(),
            _ => return self.value(v),
        };
        let mut out = String::new();
        let mut rest = s;
        while let Some(at) = rest.find("$.") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let len = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-'))
                .unwrap_or(after.len());
            let mut token = &after[..len];
            while token.ends_with('.') {
                token = &token[..token.len() - 1];
            }
            if token.is_empty() {
                out.push_str("$.");
                rest = after;
                continue;
            }
            out.push_str(&self.lookup(&format!("$.{token}")).unwrap_or_default());
            rest = &after[token.len()..];
        }
        out.push_str(rest);
        out
    }

    fn find_queue(&self, id_or_arn: &str) -> Option<QueueRef> {
        let inst = &self.job.instance;
        let id = id_or_arn.rsplit('/').next().unwrap_or(id_or_arn);
        let q = inst.queues.get(id)?;
        if id_or_arn.starts_with("arn:") && id_or_arn != q.arn {
            return None;
        }
        Some(QueueRef {
            id: q.id.clone(),
            arn: q.arn.clone(),
            name: q.name.clone(),
        })
    }

    fn override_for(&self, action_type: &str, names: &[String]) -> Option<Strategy> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.action_type == action_type && names.contains(&o.resource))
            .map(|o| o.strategy.clone())
    }

    // ---------- the flow walk ----------

    /// Walks the entry flow; returns how the contact ended.
    fn walk(&mut self) -> String {
        let mut flow_id = self.job.flow_id.clone();
        let mut doc = match self.flow_doc(&flow_id) {
            Ok(d) => d,
            Err(e) => {
                self.aborted = Some(e);
                return String::new();
            }
        };
        let mut current = doc
            .get("StartAction")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for _ in 0..MAX_STEPS {
            let Some(action) = doc
                .get("Actions")
                .and_then(Value::as_array)
                .and_then(|a| {
                    a.iter()
                        .find(|x| x.get("Identifier").and_then(Value::as_str) == Some(&current))
                })
                .cloned()
            else {
                self.aborted = Some(format!(
                    "flow {flow_id}: no action {current:?} (the flow changed during the test?)"
                ));
                return String::new();
            };
            let step = self.step(&action);
            if self.aborted.is_some() {
                return String::new();
            }
            if self.hangup {
                return "the customer disconnected".into();
            }
            if self.end_test {
                return "the test ended".into();
            }
            match step {
                Step::Next(n) => current = n,
                Step::Flow(f) => {
                    flow_id = f;
                    doc = match self.flow_doc(&flow_id) {
                        Ok(d) => d,
                        Err(e) => {
                            self.aborted = Some(e);
                            return String::new();
                        }
                    };
                    current = doc
                        .get("StartAction")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                }
                Step::End(why) => return why,
            }
        }
        self.aborted = Some(format!(
            "the flow ran more than {MAX_STEPS} actions without ending"
        ));
        String::new()
    }

    fn flow_doc(&self, id: &str) -> Result<Value, String> {
        let f = self
            .job
            .instance
            .flows
            .get(id)
            .ok_or_else(|| format!("flow {id} does not exist"))?;
        let content = f
            .published
            .as_deref()
            .ok_or_else(|| format!("flow {id} is not published"))?;
        serde_json::from_str(content).map_err(|e| format!("flow {id}: {e}"))
    }

    fn step(&mut self, a: &Value) -> Step {
        let id = a
            .get("Identifier")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = a
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let p = a.get("Parameters").cloned().unwrap_or(json!({}));
        let t = a.get("Transitions").cloned().unwrap_or(json!({}));
        // the resource the action names, for FlowActionStarted and overrides
        let ids: Vec<String> = match kind.as_str() {
            "InvokeLambdaFunction" => vec![self.dynamic(&p["LambdaFunctionARN"])],
            "ConnectParticipantWithLexBot" => match p.pointer("/LexV2Bot/AliasArn") {
                Some(v) => vec![self.value(v)],
                None => Vec::new(),
            },
            "CheckHoursOfOperation" => {
                let v = self.value(&p["HoursOfOperationId"]);
                match self.hours_names(&v) {
                    Some(n) => n,
                    None => vec![v],
                }
            }
            "TransferContactToQueue" => self
                .target_queue
                .as_ref()
                .map(|q| vec![q.id.clone(), q.arn.clone()])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        self.emit(Seen::Action {
            action_type: kind.clone(),
            identifier: id.clone(),
            ids: ids.clone(),
        });
        if self.stopped() {
            return Step::End(String::new());
        }
        let next = || {
            t.get("NextAction")
                .and_then(Value::as_str)
                .map(|s| Step::Next(s.to_string()))
                .unwrap_or_else(|| Step::End(format!("action {id:?} has no next action")))
        };
        match kind.as_str() {
            "UpdateFlowLoggingBehavior"
            | "UpdateContactTextToSpeechVoice"
            | "UpdateContactRoutingBehavior"
            | "UpdateContactEventHooks" => next(),
            "MessageParticipant" => {
                self.play(&p);
                next()
            }
            "UpdateContactAttributes" => {
                if let Some(m) = p.get("Attributes").and_then(Value::as_object) {
                    for (k, v) in m {
                        let v = self.dynamic(v);
                        self.attributes.insert(k.clone(), v);
                    }
                }
                next()
            }
            "Compare" => {
                let v = self.value(&p["ComparisonValue"]);
                self.branch(&id, &t, &v)
            }
            "Loop" => {
                let max: u32 = self.value(&p["LoopCount"]).trim().parse().unwrap_or(0);
                let c = self.loops.entry(id.clone()).or_insert(0);
                let outcome = if *c < max {
                    *c += 1;
                    "ContinueLooping"
                } else {
                    *c = 0;
                    "DoneLooping"
                };
                self.branch(&id, &t, outcome)
            }
            "UpdateContactTargetQueue" => {
                if p.get("AgentId").is_some() {
                    return self.error(&id, &t, "NoMatchingError");
                }
                let v = self.value(&p["QueueId"]);
                match self.find_queue(&v) {
                    Some(q) => {
                        self.target_queue = Some(q);
                        next()
                    }
                    None => self.error(&id, &t, "NoMatchingError"),
                }
            }
            "TransferContactToQueue" => self.transfer(&id, &t, &ids),
            "GetParticipantInput" => self.get_input(&id, &p, &t),
            "ConnectParticipantWithLexBot" => self.lex(&id, &p, &t, &ids),
            "InvokeLambdaFunction" => self.invoke(&id, &p, &t, &ids),
            "CheckHoursOfOperation" => self.hours(&id, &p, &t, &ids),
            "UpdateContactCallbackNumber" => {
                let v = self.value(&p["CallbackNumber"]);
                if e164(&v) {
                    self.callback_number = Some(v);
                    next()
                } else {
                    self.error(&id, &t, "InvalidCallbackNumber")
                }
            }
            "CreateCallbackContact" => {
                let queue = match p.get("QueueId") {
                    Some(q) => self.find_queue(&self.value(q)),
                    None => self.target_queue.clone(),
                };
                match queue {
                    Some(q) => {
                        let number = self
                            .callback_number
                            .clone()
                            .or_else(|| self.job.source_number.clone())
                            .unwrap_or_default();
                        self.path
                            .push(format!("callback to {number} queued in {}", q.name));
                        self.callbacks.push(Callback { queue_id: q.id });
                        next()
                    }
                    None => self.error(&id, &t, "NoMatchingError"),
                }
            }
            "TransferToFlow" => {
                let v = self.value(&p["ContactFlowId"]);
                let fid = v.rsplit('/').next().unwrap_or(&v).to_string();
                match self.job.instance.flows.get(&fid) {
                    Some(f) if f.published.is_some() => Step::Flow(fid),
                    _ => self.error(&id, &t, "NoMatchingError"),
                }
            }
            "DisconnectParticipant" => Step::End("the flow disconnected the contact".into()),
            "EndFlowExecution" => Step::End("the flow ended".into()),
            other => {
                self.aborted = Some(format!(
                    "action {id:?}: the sandbox's executor does not emulate {other}"
                ));
                Step::End(String::new())
            }
        }
    }

    fn play(&mut self, p: &Value) {
        let (text, prompt) = if let Some(t) = p.get("Text") {
            (self.dynamic(t), None)
        } else if let Some(s) = p.get("SSML") {
            (strip_tags(&self.dynamic(s)), None)
        } else if let Some(id) = p.get("PromptId") {
            (String::new(), Some(self.value(id)))
        } else {
            return;
        };
        self.emit(Seen::Message { text, prompt });
    }

    /// The error branch `e`, else the `NoMatchingError` branch.
    fn error(&mut self, id: &str, t: &Value, e: &str) -> Step {
        let errors = t
            .get("Errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let find = |want: &str| {
            errors.iter().find_map(|x| {
                (x.get("ErrorType").and_then(Value::as_str) == Some(want))
                    .then(|| x.get("NextAction").and_then(Value::as_str))
                    .flatten()
                    .map(str::to_string)
            })
        };
        match find(e).or_else(|| find("NoMatchingError")) {
            Some(n) => {
                self.path.push(format!("action {id:?} took the {e} branch"));
                Step::Next(n)
            }
            None => Step::End(format!(
                "action {id:?} failed with {e} and has no branch for it"
            )),
        }
    }

    /// The first condition that holds for `value`, else the `NoMatchingCondition` branch, else
    /// the default next action.
    fn branch(&mut self, id: &str, t: &Value, value: &str) -> Step {
        if let Some(conds) = t.get("Conditions").and_then(Value::as_array) {
            for c in conds {
                let op = c
                    .pointer("/Condition/Operator")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let operand = c
                    .pointer("/Condition/Operands/0")
                    .map(|v| self.value(v))
                    .unwrap_or_default();
                if condition_holds(op, value, &operand)
                    && let Some(n) = c.get("NextAction").and_then(Value::as_str)
                {
                    return Step::Next(n.to_string());
                }
            }
            let has = t.get("Errors").and_then(Value::as_array).is_some_and(|e| {
                e.iter().any(|x| {
                    x.get("ErrorType").and_then(Value::as_str) == Some("NoMatchingCondition")
                })
            });
            if has {
                return self.error(id, t, "NoMatchingCondition");
            }
        }
        match t.get("NextAction").and_then(Value::as_str) {
            Some(n) => Step::Next(n.to_string()),
            None => Step::End(format!("action {id:?}: no condition holds for {value:?}")),
        }
    }

    fn transfer(&mut self, id: &str, t: &Value, ids: &[String]) -> Step {
        let Some(mut q) = self.target_queue.clone() else {
            return self.error(id, t, "NoMatchingError");
        };
        match self.override_for("TransferContactToQueue", ids) {
            Some(Strategy::Error(e)) => return self.error(id, t, &e),
            Some(Strategy::Substitute(arn)) => match self.find_queue(&arn) {
                Some(sub) => {
                    self.path
                        .push(format!("queue {} substituted by {}", q.name, sub.name));
                    q = sub;
                }
                None => return self.error(id, t, "NoMatchingError"),
            },
            _ => {}
        }
        let inst = &self.job.instance;
        if let Some(max) = inst.queues.get(&q.id).and_then(|x| x.max_contacts) {
            let queued = inst
                .contacts
                .values()
                .filter(|c| c.state == "QUEUED" && c.queue_id.as_deref() == Some(q.id.as_str()))
                .count() as i64;
            if queued >= max {
                return self.error(id, t, "QueueAtCapacity");
            }
        }
        Step::End(format!("the contact was queued in {}", q.name))
    }

    fn get_input(&mut self, id: &str, p: &Value, t: &Value) -> Step {
        self.play(p);
        if self.stopped() {
            return Step::End(String::new());
        }
        let store = self.value(&p["StoreInput"]).eq_ignore_ascii_case("true");
        let digits = match self.pending.pop_front() {
            None => {
                self.path
                    .push(format!("action {id:?}: no DTMF input was sent"));
                return self.error(id, t, "InputTimeLimitExceeded");
            }
            Some(Instruction::Dtmf(d)) => d,
            Some(Instruction::Utterance { text, .. }) => {
                // GetParticipantInput reads DTMF only: speech is not input here
                self.path.push(format!(
                    "action {id:?}: the utterance {text:?} is not DTMF input"
                ));
                return self.error(id, t, "InputTimeLimitExceeded");
            }
            Some(Instruction::Disconnect) => {
                self.hangup = true;
                return Step::End(String::new());
            }
        };
        if !store {
            let first: String = digits.chars().take(1).collect();
            return self.branch(id, t, &first);
        }
        let terminator = p
            .pointer("/DTMFConfiguration/InputTerminationSequence")
            .and_then(Value::as_str)
            .unwrap_or("#");
        let entered = digits
            .strip_suffix(terminator)
            .unwrap_or(&digits)
            .to_string();
        match stored_input(&entered, p) {
            Ok(v) => {
                self.stored_input = Some(v);
                match t.get("NextAction").and_then(Value::as_str) {
                    Some(n) => Step::Next(n.to_string()),
                    None => Step::End(format!("action {id:?} has no next action")),
                }
            }
            Err(e) => self.error(id, t, e),
        }
    }

    fn lex(&mut self, id: &str, p: &Value, t: &Value, ids: &[String]) -> Step {
        self.play(p);
        if self.stopped() {
            return Step::End(String::new());
        }
        let Some(mut alias) = ids.first().cloned() else {
            self.path.push(format!(
                "action {id:?}: Lex V1 bots are not emulated by the executor"
            ));
            return self.error(id, t, "NoMatchingError");
        };
        match self.override_for("ConnectParticipantWithLexBot", ids) {
            Some(Strategy::Error(e)) => {
                let e = if e == "TimeLimitExceeded" {
                    "InputTimeLimitExceeded".to_string()
                } else {
                    e
                };
                return self.error(id, t, &e);
            }
            Some(Strategy::Result { loaded_data, .. }) => {
                let intent = loaded_data
                    .as_ref()
                    .and_then(|d| d.get("IntentName"))
                    .and_then(Value::as_str)
                    .unwrap_or("FallbackIntent")
                    .to_string();
                self.lex_intent = Some(intent.clone());
                return self.branch(id, t, &intent);
            }
            Some(Strategy::Substitute(arn)) => alias = arn,
            None => {}
        }
        let (text, language) = match self.pending.pop_front() {
            None => {
                self.path
                    .push(format!("action {id:?}: no utterance was sent"));
                return self.error(id, t, "InputTimeLimitExceeded");
            }
            Some(Instruction::Disconnect) => {
                self.hangup = true;
                return Step::End(String::new());
            }
            Some(Instruction::Dtmf(d)) => (d, "en-US".to_string()),
            Some(Instruction::Utterance { text, language }) => (text, language),
        };
        let locale = language.replace('-', "_");
        let model = match self.job.lex.get(&alias) {
            Some(Ok(m)) => m.clone(),
            Some(Err(e)) => {
                self.path.push(format!("action {id:?}: {e}"));
                return self.error(id, t, "NoMatchingError");
            }
            None => {
                self.path
                    .push(format!("action {id:?}: no Lex V2 bot alias {alias}"));
                return self.error(id, t, "NoMatchingError");
            }
        };
        let Some(intents) = model.locales.get(&locale) else {
            self.path.push(format!(
                "action {id:?}: the bot alias serves no built, enabled locale {locale}"
            ));
            return self.error(id, t, "NoMatchingError");
        };
        let said = normalise(&text);
        let intent = intents
            .iter()
            .find(|(_, utterances)| {
                utterances
                    .iter()
                    .filter(|u| !u.contains('{'))
                    .any(|u| normalise(u) == said)
            })
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| "FallbackIntent".into());
        self.path
            .push(format!("Lex matched {text:?} to intent {intent}"));
        self.lex_intent = Some(intent.clone());
        self.branch(id, t, &intent)
    }

    fn invoke(&mut self, id: &str, p: &Value, t: &Value, ids: &[String]) -> Step {
        let mut arn = ids.first().cloned().unwrap_or_default();
        let strict_map = p
            .pointer("/ResponseValidation/ResponseType")
            .and_then(Value::as_str)
            != Some("JSON");
        let response = match self.override_for("InvokeLambdaFunction", ids) {
            Some(Strategy::Error(e)) => return self.error(id, t, &e),
            Some(Strategy::Result { loaded_data, .. }) => {
                Ok(loaded_data.unwrap_or_else(|| json!({})))
            }
            other => {
                if let Some(Strategy::Substitute(s)) = other {
                    self.path.push(format!("Lambda {arn} substituted by {s}"));
                    arn = s;
                }
                let Some(runner) = self.job.runner.clone() else {
                    self.aborted = Some(format!(
                        "action {id:?} invokes {arn}: the sandbox has no Lambda runner \
                         ({LAMBDA_RUNNER_ENV} is not set) and the test case declares no \
                         OverrideSystemBehavior MockResponse for it"
                    ));
                    return Step::End(String::new());
                };
                let secs: u64 = self
                    .value(&p["InvocationTimeLimitSeconds"])
                    .trim()
                    .parse()
                    .unwrap_or(8);
                let event = self.lambda_event(p);
                run_lambda(&runner, &arn, &event, Duration::from_secs(secs.clamp(1, 8)))
            }
        };
        let response = match response {
            Ok(v) => v,
            Err(e) => {
                self.path.push(format!("Lambda {arn} failed: {e}"));
                return self.error(id, t, "NoMatchingError");
            }
        };
        let flat = response
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string));
        if !response.is_object() || (strict_map && !flat) {
            self.path.push(format!(
                "Lambda {arn} answered {response}, which is not a {}",
                if strict_map {
                    "flat map of strings (STRING_MAP)"
                } else {
                    "JSON object"
                }
            ));
            return self.error(id, t, "NoMatchingError");
        }
        self.external = response;
        match t.get("NextAction").and_then(Value::as_str) {
            Some(n) => Step::Next(n.to_string()),
            None => Step::End(format!("action {id:?} has no next action")),
        }
    }

    /// The event Connect sends a Lambda function from a flow.
    fn lambda_event(&self, p: &Value) -> Value {
        let mut params = Map::new();
        if let Some(m) = p
            .get("LambdaInvocationAttributes")
            .and_then(Value::as_object)
        {
            for (k, v) in m {
                params.insert(k.clone(), json!(self.dynamic(v)));
            }
        }
        let endpoint = |n: &Option<String>| match n {
            Some(a) => json!({"Address": a, "Type": "TELEPHONE_NUMBER"}),
            None => Value::Null,
        };
        json!({
            "Name": "ContactFlowEvent",
            "Details": {
                "ContactData": {
                    "Attributes": self.attributes,
                    "Channel": "VOICE",
                    "ContactId": self.job.contact_id,
                    "InitialContactId": self.job.contact_id,
                    "PreviousContactId": self.job.contact_id,
                    "InitiationMethod": "INBOUND",
                    "InstanceARN": self.job.instance.arn,
                    "LanguageCode": "en-US",
                    "CustomerEndpoint": endpoint(&self.job.source_number),
                    "SystemEndpoint": endpoint(&self.job.destination_number),
                    "Queue": self.queue_json(),
                    "MediaStreams": {"Customer": {"Audio": null}},
                },
                "Parameters": params,
            }
        })
    }

    fn hours_names(&self, id_or_arn: &str) -> Option<Vec<String>> {
        let id = id_or_arn.rsplit('/').next().unwrap_or(id_or_arn);
        let h = self.job.instance.hours.get(id)?;
        Some(vec![h.id.clone(), h.arn.clone()])
    }

    fn hours(&mut self, id: &str, p: &Value, t: &Value, ids: &[String]) -> Step {
        let mut hours_id = self.value(&p["HoursOfOperationId"]);
        match self.override_for("CheckHoursOfOperation", ids) {
            Some(Strategy::Error(e)) => return self.error(id, t, &e),
            Some(Strategy::Result { value, .. }) => {
                let open = value.as_deref() == Some("InHours");
                return self.branch(id, t, if open { "True" } else { "False" });
            }
            Some(Strategy::Substitute(arn)) => hours_id = arn,
            None => {}
        }
        let key = hours_id.rsplit('/').next().unwrap_or(&hours_id).to_string();
        let Some(h) = self.job.instance.hours.get(&key) else {
            return self.error(id, t, "NoMatchingError");
        };
        if h.time_zone != "UTC" {
            self.path.push(format!(
                "action {id:?}: hours in time zone {} are not emulated (UTC only)",
                h.time_zone
            ));
            return self.error(id, t, "NoMatchingError");
        }
        let now = OffsetDateTime::now_utc();
        let day = now.weekday().to_string().to_uppercase();
        let minute = i64::from(now.hour()) * 60 + i64::from(now.minute());
        let open = h.config.as_array().is_some_and(|days| {
            days.iter().any(|d| {
                let at = |k: &str| {
                    d.pointer(&format!("/{k}/Hours"))
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                        * 60
                        + d.pointer(&format!("/{k}/Minutes"))
                            .and_then(Value::as_i64)
                            .unwrap_or(0)
                };
                let (start, end) = (at("StartTime"), at("EndTime"));
                d.get("Day").and_then(Value::as_str) == Some(day.as_str())
                    && (start == end || (start <= minute && minute < end))
            })
        });
        self.branch(id, t, if open { "True" } else { "False" })
    }
}

enum Step {
    Next(String),
    Flow(String),
    End(String),
}

fn condition_holds(op: &str, value: &str, operand: &str) -> bool {
    let num = |s: &str| s.trim().parse::<f64>().ok();
    match op {
        "Equals" => value == operand,
        "TextStartsWith" => value.starts_with(operand),
        "TextEndsWith" => value.ends_with(operand),
        "TextContains" => value.contains(operand),
        "NumberGreaterThan" => matches!((num(value), num(operand)), (Some(a), Some(b)) if a > b),
        "NumberGreaterOrEqualTo" => {
            matches!((num(value), num(operand)), (Some(a), Some(b)) if a >= b)
        }
        "NumberLessThan" => matches!((num(value), num(operand)), (Some(a), Some(b)) if a < b),
        "NumberLessOrEqualTo" => {
            matches!((num(value), num(operand)), (Some(a), Some(b)) if a <= b)
        }
        _ => false,
    }
}

fn e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// What `GetParticipantInput` with `StoreInput` stores for the digits entered, or its error.
/// Phone numbers are stored in E.164 (`Local` numbers get the country's code; only `US`, `CA`
/// and the other +1 countries are emulated).
fn stored_input(entered: &str, p: &Value) -> Result<String, &'static str> {
    if entered.is_empty() || !entered.chars().all(|c| c.is_ascii_digit()) {
        return Err("InvalidPhoneNumber");
    }
    if let Some(v) = p.pointer("/InputValidation/PhoneNumberValidation") {
        let format = v.get("NumberFormat").and_then(Value::as_str).unwrap_or("");
        return match format {
            "Local" => {
                let country = v.get("CountryCode").and_then(Value::as_str).unwrap_or("");
                if !["US", "CA", "PR", "GU", "VI", "AS", "MP"].contains(&country) {
                    return Err("InvalidPhoneNumber");
                }
                let b = entered.as_bytes();
                // NANP: area code and exchange start with 2-9
                if b.len() == 10 && b[0] >= b'2' && b[3] >= b'2' {
                    Ok(format!("+1{entered}"))
                } else {
                    Err("InvalidPhoneNumber")
                }
            }
            "E164" => {
                let n = format!("+{entered}");
                if e164(&n) {
                    Ok(n)
                } else {
                    Err("InvalidPhoneNumber")
                }
            }
            _ => Err("InvalidPhoneNumber"),
        };
    }
    if let Some(max) = p
        .pointer("/InputValidation/CustomValidation/MaximumLength")
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        && entered.len() as u64 > max
    {
        return Err("NoMatchingError");
    }
    Ok(entered.to_string())
}

/// Runs the Lambda runner for one invocation.
///
/// The contract: the runner value is split on whitespace into a program and its first
/// arguments (no shell). The sandbox starts it with one more argument, the function ARN, and
/// the environment variables `CONNECT_RETURNS_SANDBOX_FUNCTION_ARN` (the ARN again) and
/// `CONNECT_RETURNS_SANDBOX_TIMEOUT_MS` (the flow's InvocationTimeLimitSeconds); it writes the
/// Connect event (`{"Name": "ContactFlowEvent", "Details": {"ContactData", "Parameters"}}`) as
/// one JSON document on stdin and closes it. The runner answers with the function's response as
/// one JSON document on stdout and exits 0. A non-zero exit, an answer that is not JSON, or no
/// answer within the time limit (the process is killed) is a failed invocation: the flow takes
/// its error branch. stderr is passed through to the sandbox's stderr.
pub fn run_lambda(
    runner: &str,
    arn: &str,
    event: &Value,
    limit: Duration,
) -> Result<Value, String> {
    let mut parts = runner.split_whitespace();
    let program = parts.next().ok_or("the Lambda runner command is empty")?;
    let mut child = Command::new(program)
        .args(parts)
        .arg(arn)
        .env("CONNECT_RETURNS_SANDBOX_FUNCTION_ARN", arn)
        .env(
            "CONNECT_RETURNS_SANDBOX_TIMEOUT_MS",
            limit.as_millis().to_string(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start the Lambda runner {program:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // a runner that exits without reading is not an error here; its exit status decides
        let _ = stdin.write_all(event.to_string().as_bytes());
    }
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no answer within {} s (InvocationTimeLimitSeconds)",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for the Lambda runner: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("the Lambda runner exited with {status}"));
    }
    serde_json::from_slice(&out).map_err(|e| {
        format!(
            "the Lambda runner's answer is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&out)
                .chars()
                .take(200)
                .collect::<String>()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_text_and_conditions() {
        assert!(condition_holds("Equals", "1", "1"));
        assert!(!condition_holds("Equals", "1", "2"));
        assert!(condition_holds("NumberLessThan", "2", "10"));
        assert!(!condition_holds("NumberLessThan", "x", "10"));
        assert_eq!(normalise("Yes, please!"), "yes please");
        assert!(e164("+12065550100") && !e164("2065550100") && !e164("+0123"));
    }

    #[test]
    fn stored_phone_numbers_are_e164() {
        let p = json!({"InputValidation": {"PhoneNumberValidation": {"NumberFormat": "Local", "CountryCode": "US"}}});
        assert_eq!(stored_input("2065550100", &p), Ok("+12065550100".into()));
        assert_eq!(stored_input("12345", &p), Err("InvalidPhoneNumber"));
        assert_eq!(stored_input("1065550100", &p), Err("InvalidPhoneNumber"));
    }

    #[test]
    fn the_runner_contract() {
        let event = json!({"Name": "ContactFlowEvent"});
        // `cat` echoes the event back: a JSON answer
        let v = run_lambda("cat", "arn:x", &event, Duration::from_secs(2));
        assert!(
            v.is_err(),
            "cat gets the ARN as a file argument and fails: {v:?}"
        );
        let v = run_lambda("sh -c cat", "arn:x", &event, Duration::from_secs(2)).unwrap();
        assert_eq!(v, event);
        let e = run_lambda("tail -f /dev/null", "arn:x", &event, Duration::from_secs(1));
        assert!(e.unwrap_err().contains("no answer within 1 s"));
        let e = run_lambda("false", "arn:x", &event, Duration::from_secs(1)).unwrap_err();
        assert!(e.contains("exited"), "{e}");
    }
}
