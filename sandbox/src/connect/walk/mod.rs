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

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::Instance;
use super::testlang::{ActionKind, Content, Instruction, Override};
use crate::lexv2::AliasModel;

mod blocks;
mod conditions;
mod contact;
mod events;
mod flow;
mod lambda;
use conditions::*;
use events::*;
pub use lambda::*;
#[cfg(test)]
mod tests;

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
}

enum Step {
    Next(String),
    Flow(String),
    End(String),
}
