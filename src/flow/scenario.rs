//! Scenarios (TOML files in `assets/scenarios/`) and their runner: a sequence of calls, contact
//! trace records, callback offers and clock moves against scratch DynamoDB tables, each with the
//! outcome it must have. Phone numbers are masked in everything this module reports.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use base64::Engine as _;
use returns_lambdas::contract::{self, table};
use serde::{Deserialize, Serialize};

use super::fake_connect::FakeConnect;
use super::sim::{self, Contact, CreatedCallback, End, Run};
use crate::assets::{self, BotDefinition, Solution};

/// A scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What it shows.
    pub description: String,
    /// `returning-callers` or `callbacks`.
    pub solution: String,
    /// Start time (RFC 3339); default 2026-11-21T09:00:00Z.
    #[serde(default)]
    pub start: Option<String>,
    /// RECORD_TTL_MINUTES for the handlers (default: the contract default).
    #[serde(default)]
    pub record_ttl_minutes: Option<u32>,
    /// The queue callbacks wait in (default BasicQueue).
    #[serde(default)]
    pub callback_queue: Option<String>,
    /// The steps, in order.
    pub steps: Vec<StepSpec>,
}

/// One step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct StepSpec {
    /// `call`, `ctr`, `offer_callback` or `advance`.
    pub kind: String,
    /// A name other steps refer to (`of`).
    #[serde(default)]
    pub label: Option<String>,
    /// call: the flow (default: the solution's inbound flow).
    #[serde(default)]
    pub flow: Option<String>,
    /// call: caller id in E.164, or `anonymous`.
    #[serde(default)]
    pub caller: Option<String>,
    /// call: caller input in order: digits (`2`, `2065550123#`), `lex:Yes`, `say:not really`, `timeout`.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// call: functions whose invocation fails (error or timeout branch).
    #[serde(default)]
    pub fail: Vec<String>,
    /// call: the queue reports it is at capacity.
    #[serde(default)]
    pub queue_full: bool,
    /// call / offer_callback: the agent who answers (runs the agent whisper).
    #[serde(default)]
    pub agent: Option<String>,
    /// ctr / offer_callback: the label of the call that requested the callback.
    #[serde(default)]
    pub of: Option<String>,
    /// offer_callback: the agent hangs up after the whisper instead of letting Connect dial.
    #[serde(default)]
    pub agent_hangs_up: bool,
    /// advance: minutes to move the clock.
    #[serde(default)]
    pub minutes: Option<i64>,
    /// What must be true afterwards.
    #[serde(default)]
    pub expect: Expect,
}

/// Expected outcome of a step; every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Expect {
    /// `queue`, `disconnect`, `end` (of the step's main flow).
    pub ends: Option<String>,
    /// The queue the contact was transferred to.
    pub queue: Option<String>,
    /// Effective priority (5 when never set).
    pub priority: Option<i64>,
    /// The AgentWhisper flow set on the contact.
    pub whisper: Option<String>,
    /// Whether a callback was created.
    pub callback_created: Option<bool>,
    /// Whether StopContact removed the callback.
    pub callback_stopped: Option<bool>,
    /// offer_callback: whether the callback reached an agent at all.
    pub offered: Option<bool>,
    /// offer_callback: whether Connect dialled the customer (outbound whisper ran).
    pub dialled: Option<bool>,
    /// Contact attributes that must have these values.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// Actions that must be on the path (any flow of the step).
    #[serde(default)]
    pub path_includes: Vec<String>,
    /// Actions that must not be on the path.
    #[serde(default)]
    pub path_excludes: Vec<String>,
    /// Text that some prompt must contain.
    #[serde(default)]
    pub prompts_include: Vec<String>,
    /// Functions that must have been invoked.
    #[serde(default)]
    pub lambdas_called: Vec<String>,
    /// Functions that must not have been invoked.
    #[serde(default)]
    pub lambdas_not_called: Vec<String>,
    /// The DynamoDB record of this caller / callback afterwards: attribute → value
    /// (`"<absent>"` for an attribute that must not exist).
    #[serde(default)]
    pub record: BTreeMap<String, String>,
    /// Whether the record must exist.
    pub record_exists: Option<bool>,
}

/// The outcome of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepOutcome {
    /// 1-based step number.
    pub step: usize,
    /// Step kind.
    pub kind: String,
    /// Label, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Flow runs (the main flow, then whispers).
    pub runs: Vec<Run>,
    /// Where the main flow ended.
    pub ends: Option<String>,
    /// Queue at the end.
    pub queue: Option<String>,
    /// Effective priority.
    pub priority: Option<i64>,
    /// AgentWhisper hook.
    pub whisper: Option<String>,
    /// A callback was created.
    pub callback_created: bool,
    /// StopContact removed the callback.
    pub callback_stopped: bool,
    /// offer_callback: reached an agent.
    pub offered: Option<bool>,
    /// offer_callback: customer dialled.
    pub dialled: Option<bool>,
    /// Contact attributes at the end (phone numbers masked).
    pub attributes: BTreeMap<String, String>,
    /// The record afterwards (phone numbers masked).
    pub record: Option<BTreeMap<String, String>>,
    /// Notes (e.g. processCtr results).
    pub notes: Vec<String>,
    /// Expectations that failed.
    pub mismatches: Vec<String>,
}

/// The outcome of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioOutcome {
    /// Scenario name (file stem).
    pub name: String,
    /// Description.
    pub description: String,
    /// True when every expectation held.
    pub passed: bool,
    /// Steps.
    pub steps: Vec<StepOutcome>,
    /// A failure that stopped the scenario (setup, unknown label, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Masks a phone number, keeping the last four digits (`+*******2671`).
fn mask_digits(value: &str) -> String {
    let digits: Vec<char> = value.chars().filter(char::is_ascii_digit).collect();
    let keep: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("+{}{keep}", "*".repeat(digits.len().saturating_sub(4)))
}

/// Masks `value` when it is a phone number: an E.164 value, or any value of a key that names a
/// phone number (`CallbackNumber`, `PhoneNumber`, `TenDigitPhoneNumber`, …).
pub fn mask(key: &str, value: &str) -> String {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let e164 = value.starts_with('+') && digits >= 7;
    let lower = key.to_ascii_lowercase();
    let phone_key = lower.contains("phone") || lower.contains("callbacknumber");
    if (e164 || phone_key) && digits >= 4 {
        mask_digits(value)
    } else {
        value.to_string()
    }
}

impl fmt::Display for ScenarioOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} {} — {}",
            if self.passed { "PASS" } else { "FAIL" },
            self.name,
            self.description
        )?;
        if let Some(e) = &self.error {
            writeln!(f, "  error: {e}")?;
        }
        for s in &self.steps {
            let label = s
                .label
                .as_deref()
                .map(|l| format!(" {l:?}"))
                .unwrap_or_default();
            writeln!(f, "  step {} {}{label}", s.step, s.kind)?;
            for run in &s.runs {
                writeln!(f, "    {}: {}", run.flow, run.path.join(" → "))?;
                for call in &run.lambdas {
                    let result: Vec<String> = call
                        .result
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    let status = if call.failed {
                        "failed (injected)".to_string()
                    } else {
                        result.join(", ")
                    };
                    writeln!(f, "      λ {}: {status}", call.function)?;
                }
                writeln!(f, "      ended: {}", run.end.label())?;
            }
            let mut facts = Vec::new();
            if let Some(q) = &s.queue {
                facts.push(format!("queue {q}"));
            }
            if let Some(p) = s.priority {
                facts.push(format!("priority {p}"));
            }
            if let Some(w) = &s.whisper {
                facts.push(format!("whisper {w}"));
            }
            if s.callback_created {
                facts.push("callback created".to_string());
            }
            if s.callback_stopped {
                facts.push("callback stopped (StopContact)".to_string());
            }
            if let Some(o) = s.offered {
                facts.push(format!("offered to agent: {o}"));
            }
            if let Some(d) = s.dialled {
                facts.push(format!("customer dialled: {d}"));
            }
            if !facts.is_empty() {
                writeln!(f, "    outcome: {}", facts.join(", "))?;
            }
            if !s.attributes.is_empty() {
                let a: Vec<String> = s
                    .attributes
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                writeln!(f, "    attributes: {}", a.join(", "))?;
            }
            if let Some(r) = &s.record {
                let a: Vec<String> = r.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(
                    f,
                    "    record: {}",
                    if a.is_empty() {
                        "none".to_string()
                    } else {
                        a.join(", ")
                    }
                )?;
            }
            for n in &s.notes {
                writeln!(f, "    note: {n}")?;
            }
            for m in &s.mismatches {
                writeln!(f, "    MISMATCH: {m}")?;
            }
        }
        Ok(())
    }
}

/// The scenarios built into the binary: (name, TOML).
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "new-caller-sales",
        include_str!("../../assets/scenarios/new-caller-sales.toml"),
    ),
    (
        "new-caller-service",
        include_str!("../../assets/scenarios/new-caller-service.toml"),
    ),
    (
        "new-caller-repairs",
        include_str!("../../assets/scenarios/new-caller-repairs.toml"),
    ),
    (
        "new-caller-installations",
        include_str!("../../assets/scenarios/new-caller-installations.toml"),
    ),
    (
        "new-caller-spare-parts",
        include_str!("../../assets/scenarios/new-caller-spare-parts.toml"),
    ),
    (
        "returning-yes-yes",
        include_str!("../../assets/scenarios/returning-yes-yes.toml"),
    ),
    (
        "returning-yes-no",
        include_str!("../../assets/scenarios/returning-yes-no.toml"),
    ),
    (
        "returning-no",
        include_str!("../../assets/scenarios/returning-no.toml"),
    ),
    (
        "returning-lex-no-match",
        include_str!("../../assets/scenarios/returning-lex-no-match.toml"),
    ),
    (
        "caller-id-withheld",
        include_str!("../../assets/scenarios/caller-id-withheld.toml"),
    ),
    (
        "record-expired-not-deleted",
        include_str!("../../assets/scenarios/record-expired-not-deleted.toml"),
    ),
    (
        "search-lambda-error",
        include_str!("../../assets/scenarios/search-lambda-error.toml"),
    ),
    (
        "whisper-refreshes-expiry",
        include_str!("../../assets/scenarios/whisper-refreshes-expiry.toml"),
    ),
    (
        "menu-no-input",
        include_str!("../../assets/scenarios/menu-no-input.toml"),
    ),
    (
        "callback-first-request",
        include_str!("../../assets/scenarios/callback-first-request.toml"),
    ),
    (
        "callback-cancel-stopcontact",
        include_str!("../../assets/scenarios/callback-cancel-stopcontact.toml"),
    ),
    (
        "callback-cancel-agent-hangs-up",
        include_str!("../../assets/scenarios/callback-cancel-agent-hangs-up.toml"),
    ),
    (
        "callback-keep-no-duplicate",
        include_str!("../../assets/scenarios/callback-keep-no-duplicate.toml"),
    ),
    (
        "callback-completed",
        include_str!("../../assets/scenarios/callback-completed.toml"),
    ),
    (
        "callback-invalid-number",
        include_str!("../../assets/scenarios/callback-invalid-number.toml"),
    ),
];

/// Parses a scenario file.
pub fn parse(text: &str) -> Result<Scenario, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// Where the scratch tables live and how to reach them.
pub struct Backend {
    /// DynamoDB client (pointed at moto or another local endpoint).
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Connect client factory endpoint (the StopContact stand-in).
    pub region: String,
    /// Credentials for the clients.
    pub credentials: aws_credential_types::Credentials,
}

struct Tables {
    return_calls: String,
    callbacks: String,
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos:x}", std::process::id())
}

async fn create_tables(db: &aws_sdk_dynamodb::Client) -> anyhow::Result<Tables> {
    let suffix = unique_suffix();
    let tables = Tables {
        return_calls: format!("simulate-returnCalls-{suffix}"),
        callbacks: format!("simulate-callbacks-{suffix}"),
    };
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    db.create_table()
        .table_name(&tables.return_calls)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(table::RETURN_CALLS_KEY)?)
        .key_schema(key(table::RETURN_CALLS_KEY, KeyType::Hash)?)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot create the scratch table {}: {}",
                tables.return_calls,
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        })?;
    let created = db
        .create_table()
        .table_name(&tables.callbacks)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(table::CALLBACKS_PARTITION_KEY)?)
        .attribute_definitions(attr(table::CALLBACKS_SORT_KEY)?)
        .key_schema(key(table::CALLBACKS_PARTITION_KEY, KeyType::Hash)?)
        .key_schema(key(table::CALLBACKS_SORT_KEY, KeyType::Range)?)
        .send()
        .await;
    if let Err(e) = created {
        let _ = db
            .delete_table()
            .table_name(&tables.return_calls)
            .send()
            .await;
        anyhow::bail!(
            "cannot create the scratch table {}: {}",
            tables.callbacks,
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        );
    }
    Ok(tables)
}

async fn delete_tables(db: &aws_sdk_dynamodb::Client, tables: &Tables) {
    for t in [&tables.return_calls, &tables.callbacks] {
        if let Err(e) = db.delete_table().table_name(t).send().await {
            tracing::warn!(table = %t, error = %aws_sdk_dynamodb::error::DisplayErrorContext(e), "scratch table not deleted");
        }
    }
}

fn parse_time(s: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("start {s:?} is not an RFC 3339 time: {e}"))
}

/// A finished call the later steps refer to.
struct Call {
    contact: Contact,
    callback: Option<CreatedCallback>,
}

/// Runs one scenario against `backend`.
pub async fn run(
    name: &str,
    scenario: &Scenario,
    backend: &Backend,
    bot: &BotDefinition,
    experience: &assets::CallExperience,
) -> ScenarioOutcome {
    let mut outcome = ScenarioOutcome {
        name: name.to_string(),
        description: scenario.description.clone(),
        passed: false,
        steps: Vec::new(),
        error: None,
    };
    let tables = match create_tables(&backend.dynamodb).await {
        Ok(t) => t,
        Err(e) => {
            outcome.error = Some(e.to_string());
            return outcome;
        }
    };
    let result = run_steps(scenario, backend, bot, experience, &tables, &mut outcome).await;
    delete_tables(&backend.dynamodb, &tables).await;
    if let Err(e) = result {
        outcome.error = Some(e);
    }
    outcome.passed =
        outcome.error.is_none() && outcome.steps.iter().all(|s| s.mismatches.is_empty());
    outcome
}

async fn run_steps(
    scenario: &Scenario,
    backend: &Backend,
    bot: &BotDefinition,
    experience: &assets::CallExperience,
    tables: &Tables,
    outcome: &mut ScenarioOutcome,
) -> Result<(), String> {
    let solution = Solution::from_id(&scenario.solution)
        .ok_or_else(|| format!("unknown solution {:?}", scenario.solution))?;
    let start = parse_time(scenario.start.as_deref().unwrap_or("2026-11-21T09:00:00Z"))?;
    let callback_queue = scenario
        .callback_queue
        .clone()
        .unwrap_or_else(|| assets::DEFAULT_CALLBACK_QUEUE.to_string());
    let fake = FakeConnect::start()
        .await
        .map_err(|e| format!("cannot start the StopContact stand-in: {e}"))?;
    let deps = returns_lambdas::Deps {
        dynamodb: backend.dynamodb.clone(),
        connect: crate::aws::local::connect(
            &fake.url,
            &backend.region,
            backend.credentials.clone(),
        ),
        config: returns_lambdas::Config {
            return_calls_table: Some(tables.return_calls.clone()),
            record_ttl_minutes: scenario
                .record_ttl_minutes
                .unwrap_or(contract::DEFAULT_RECORD_TTL_MINUTES),
            callbacks_table: Some(tables.callbacks.clone()),
            callback_ttl_hours: contract::DEFAULT_CALLBACK_TTL_HOURS,
            instance_id: sim::INSTANCE_ARN.rsplit('/').next().map(str::to_string),
        },
        clock: returns_lambdas::Clock::fixed(start),
    };
    let mut calls: BTreeMap<String, Call> = BTreeMap::new();
    let mut next_id = 0u32;
    let mut contact_no = 0u32;
    for (i, spec) in scenario.steps.iter().enumerate() {
        let mut step = StepOutcome {
            step: i + 1,
            kind: spec.kind.clone(),
            label: spec.label.clone(),
            runs: Vec::new(),
            ends: None,
            queue: None,
            priority: None,
            whisper: None,
            callback_created: false,
            callback_stopped: false,
            offered: None,
            dialled: None,
            attributes: BTreeMap::new(),
            record: None,
            notes: Vec::new(),
            mismatches: Vec::new(),
        };
        // The record key this step's `record` expectation reads.
        let mut record_key: Option<(String, Option<String>)> = None;
        match spec.kind.as_str() {
            "advance" => {
                let minutes = spec.minutes.ok_or("an advance step needs minutes")?;
                deps.clock.advance(minutes * 60);
                step.notes.push(format!("clock moved {minutes} minutes"));
            }
            "call" => {
                contact_no += 1;
                let flow_name = spec.flow.clone().unwrap_or_else(|| match solution {
                    Solution::ReturningCallers => "repeatCallerFlow".to_string(),
                    Solution::Callbacks => "cfSetCallBackflow".to_string(),
                });
                let caller = spec
                    .caller
                    .clone()
                    .unwrap_or_else(|| "anonymous".to_string());
                let mut contact = Contact {
                    contact_id: format!("c0000000-0000-4000-8000-{contact_no:012}"),
                    customer_address: caller.clone(),
                    ..Contact::default()
                };
                let mut rt = sim::Runtime {
                    deps: &deps,
                    bot,
                    inputs: spec.inputs.iter().cloned().collect::<VecDeque<_>>(),
                    failing: spec.fail.iter().cloned().collect::<BTreeSet<_>>(),
                    queue_full: spec.queue_full,
                    next_id: &mut next_id,
                };
                let flow = load_flow(&flow_name, &callback_queue, experience)?;
                let stopped_before = fake.stopped_count();
                let run = sim::run(&flow_name, &flow, &mut contact, &mut rt).await;
                step.callback_stopped = fake.stopped_count() > stopped_before;
                step.ends = Some(run.end.label().to_string());
                let callback = run.callback.clone();
                if let Some(cb) = &callback {
                    fake.enqueue(&cb.contact_id);
                    step.callback_created = true;
                }
                let ended_in_queue = run.end == End::Queue;
                step.runs.push(masked(run));
                if let (true, Some(agent)) = (ended_in_queue, &spec.agent)
                    && let Some(whisper) = contact.hooks.get("AgentWhisper").cloned()
                {
                    let mut w = contact.clone();
                    w.agent = Some(agent.clone());
                    w.external.clear();
                    let wflow = load_flow(&whisper, &callback_queue, experience)?;
                    let run = sim::run(&whisper, &wflow, &mut w, &mut rt).await;
                    step.runs.push(masked(run));
                }
                record_key = Some(match solution {
                    Solution::ReturningCallers => (caller.clone(), None),
                    Solution::Callbacks => (
                        contact
                            .callback_number
                            .clone()
                            .or(contact.attributes.get(contract::CALLBACK_NUMBER).cloned())
                            .unwrap_or_default(),
                        Some(callback_queue.clone()),
                    ),
                });
                fill_contact_facts(&mut step, &contact);
                if let Some(label) = &spec.label {
                    calls.insert(label.clone(), Call { contact, callback });
                }
            }
            "ctr" => {
                let of = spec
                    .of
                    .as_deref()
                    .ok_or("a ctr step needs of = <call label>")?;
                let call = calls
                    .get(of)
                    .ok_or_else(|| format!("no call labelled {of:?}"))?;
                let event = ctr_event(call, start);
                let reply = returns_lambdas::invoke_kinesis(event, &deps).await;
                let failures = reply
                    .get("batchItemFailures")
                    .and_then(|v| v.as_array())
                    .map(Vec::len)
                    .unwrap_or(0);
                step.notes.push(format!(
                    "processCtr ran on the CTR of {of:?}: {failures} batch item failure(s)"
                ));
                if let Some(cb) = &call.callback {
                    record_key = Some((cb.number.clone(), Some(cb.queue.name.clone())));
                }
            }
            "offer_callback" => {
                let of = spec
                    .of
                    .as_deref()
                    .ok_or("an offer_callback step needs of = <call label>")?;
                let call = calls
                    .get(of)
                    .ok_or_else(|| format!("no call labelled {of:?}"))?;
                let cb = call
                    .callback
                    .clone()
                    .ok_or_else(|| format!("call {of:?} created no callback"))?;
                record_key = Some((cb.number.clone(), Some(cb.queue.name.clone())));
                step.callback_stopped = fake.was_stopped(&cb.contact_id);
                if !fake.dequeue(&cb.contact_id) {
                    step.offered = Some(false);
                    step.dialled = Some(false);
                    step.notes.push(
                        "the callback is no longer queued; no agent is offered it".to_string(),
                    );
                } else {
                    step.offered = Some(true);
                    let agent = spec.agent.clone().unwrap_or_else(|| "agent".to_string());
                    let mut contact = Contact {
                        contact_id: cb.contact_id.clone(),
                        customer_address: cb.number.clone(),
                        attributes: cb.attributes.clone(),
                        queue: Some(cb.queue.clone()),
                        agent: Some(agent),
                        callback_number: Some(cb.number.clone()),
                        hooks: cb.hooks.clone(),
                        ..Contact::default()
                    };
                    let mut rt = sim::Runtime {
                        deps: &deps,
                        bot,
                        inputs: VecDeque::new(),
                        failing: spec.fail.iter().cloned().collect(),
                        queue_full: false,
                        next_id: &mut next_id,
                    };
                    if let Some(whisper) = cb.hooks.get("AgentWhisper") {
                        let wflow = load_flow(whisper, &callback_queue, experience)?;
                        let run = sim::run(whisper, &wflow, &mut contact, &mut rt).await;
                        step.ends = Some(run.end.label().to_string());
                        step.runs.push(masked(run));
                    }
                    if spec.agent_hangs_up {
                        step.dialled = Some(false);
                    } else {
                        // The callback queue's outbound whisper runs when the customer answers.
                        step.dialled = Some(true);
                        let outbound = "cfOutboundWhisperflow";
                        let oflow = load_flow(outbound, &callback_queue, experience)?;
                        contact.external.clear();
                        let run = sim::run(outbound, &oflow, &mut contact, &mut rt).await;
                        step.runs.push(masked(run));
                    }
                    fill_contact_facts(&mut step, &contact);
                }
            }
            other => {
                return Err(format!(
                    "step {}: unknown kind {other:?} (call, ctr, offer_callback, advance)",
                    i + 1
                ));
            }
        }
        if let Some((number, queue)) = record_key {
            let record = read_record(&backend.dynamodb, tables, &number, queue.as_deref()).await?;
            step.record = Some(
                record
                    .as_ref()
                    .map(|r| r.iter().map(|(k, v)| (k.clone(), mask(k, v))).collect())
                    .unwrap_or_default(),
            );
            step.mismatches = compare(&spec.expect, &step, record.as_ref());
        } else {
            step.mismatches = compare(&spec.expect, &step, None);
            if !spec.expect.record.is_empty() || spec.expect.record_exists.is_some() {
                step.mismatches
                    .push("this step has no record to check".to_string());
            }
        }
        outcome.steps.push(step);
    }
    Ok(())
}

/// A shipped flow as the simulator runs it: shaped by the call experience.
fn load_flow(
    name: &str,
    callback_queue: &str,
    experience: &assets::CallExperience,
) -> Result<super::model::Flow, String> {
    let asset = assets::flow(name).ok_or_else(|| format!("no shipped flow named {name:?}"))?;
    let source = experience.apply(asset.name, asset.source)?;
    sim::load(asset.name, &source, callback_queue)
}

/// The run with every phone number in Lambda results masked (what gets printed).
fn masked(mut run: Run) -> Run {
    for call in &mut run.lambdas {
        call.result = call
            .result
            .iter()
            .map(|(k, v)| (k.clone(), mask(k, v)))
            .collect();
    }
    run
}

fn fill_contact_facts(step: &mut StepOutcome, contact: &Contact) {
    step.queue = contact.queue.as_ref().map(|q| q.name.clone());
    step.priority = Some(contact.priority.unwrap_or(5));
    step.whisper = contact.hooks.get("AgentWhisper").cloned();
    step.attributes = contact
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), mask(k, v)))
        .collect();
}

/// The Kinesis event carrying the CTR of the call that requested the callback.
fn ctr_event(call: &Call, start: i64) -> serde_json::Value {
    let ctr = serde_json::json!({
        "ContactId": call.contact.contact_id,
        "NextContactId": call.callback.as_ref().map(|c| c.contact_id.clone()),
        "InitiationMethod": "INBOUND",
        "Channel": "VOICE",
        "Attributes": call.contact.attributes,
        "Queue": call.contact.queue.as_ref().map(|q| serde_json::json!({ "Name": q.name, "ARN": q.arn })),
    });
    let data = base64::engine::general_purpose::STANDARD.encode(ctr.to_string());
    serde_json::json!({
        "Records": [{
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": call.contact.contact_id,
                "sequenceNumber": format!("4959{:020}", start),
                "data": data,
                "approximateArrivalTimestamp": start as f64,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": format!("shardId-000000000000:4959{start:020}"),
            "eventName": "aws:kinesis:record",
            "awsRegion": sim::REGION,
        }]
    })
}

async fn read_record(
    db: &aws_sdk_dynamodb::Client,
    tables: &Tables,
    number: &str,
    queue: Option<&str>,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let Some(region) = returns_lambdas::phone::region("US") else {
        return Ok(None);
    };
    let Ok(phone) = returns_lambdas::phone::normalize(number, region) else {
        return Ok(None);
    };
    let request = match queue {
        None => db.get_item().table_name(&tables.return_calls).key(
            table::RETURN_CALLS_KEY,
            AttributeValue::S(phone.e164().to_string()),
        ),
        Some(q) => db
            .get_item()
            .table_name(&tables.callbacks)
            .key(
                table::CALLBACKS_PARTITION_KEY,
                AttributeValue::S(phone.e164().to_string()),
            )
            .key(table::CALLBACKS_SORT_KEY, AttributeValue::S(q.to_string())),
    };
    let out = request.consistent_read(true).send().await.map_err(|e| {
        format!(
            "cannot read the record: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        )
    })?;
    Ok(out.item.map(|item| {
        item.into_iter()
            .map(|(k, v)| {
                let v = match v {
                    AttributeValue::S(s) => s,
                    AttributeValue::N(n) => n,
                    AttributeValue::Bool(b) => b.to_string(),
                    other => format!("{other:?}"),
                };
                (k, v)
            })
            .collect()
    }))
}

fn compare(
    expect: &Expect,
    step: &StepOutcome,
    record: Option<&BTreeMap<String, String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, want: String, got: String| {
        if want != got {
            out.push(format!("{what}: expected {want}, got {got}"));
        }
    };
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_string());
    if let Some(e) = &expect.ends {
        check("ends", e.clone(), show(&step.ends));
    }
    if let Some(q) = &expect.queue {
        let transferred = step.ends.as_deref() == Some("queue");
        check(
            "queue",
            q.clone(),
            if transferred {
                show(&step.queue)
            } else {
                "not transferred".to_string()
            },
        );
    }
    if let Some(p) = expect.priority {
        check(
            "priority",
            p.to_string(),
            step.priority
                .map(|p| p.to_string())
                .unwrap_or_else(|| "none".into()),
        );
    }
    if let Some(w) = &expect.whisper {
        check("whisper", w.clone(), show(&step.whisper));
    }
    if let Some(c) = expect.callback_created {
        check(
            "callback created",
            c.to_string(),
            step.callback_created.to_string(),
        );
    }
    if let Some(c) = expect.callback_stopped {
        check(
            "callback stopped",
            c.to_string(),
            step.callback_stopped.to_string(),
        );
    }
    if let Some(o) = expect.offered {
        check(
            "offered",
            o.to_string(),
            step.offered
                .map(|o| o.to_string())
                .unwrap_or_else(|| "none".into()),
        );
    }
    if let Some(d) = expect.dialled {
        check(
            "dialled",
            d.to_string(),
            step.dialled
                .map(|o| o.to_string())
                .unwrap_or_else(|| "none".into()),
        );
    }
    for (k, v) in &expect.attributes {
        check(
            &format!("attribute {k}"),
            mask(k, v),
            step.attributes
                .get(k)
                .cloned()
                .unwrap_or_else(|| "<absent>".into()),
        );
    }
    let path: Vec<&str> = step
        .runs
        .iter()
        .flat_map(|r| r.path.iter().map(String::as_str))
        .collect();
    for p in &expect.path_includes {
        if !path.contains(&p.as_str()) {
            out.push(format!("path does not include {p:?}"));
        }
    }
    for p in &expect.path_excludes {
        if path.contains(&p.as_str()) {
            out.push(format!("path includes {p:?}"));
        }
    }
    let prompts: Vec<&str> = step
        .runs
        .iter()
        .flat_map(|r| r.prompts.iter().map(String::as_str))
        .collect();
    for t in &expect.prompts_include {
        if !prompts.iter().any(|p| p.contains(t.as_str())) {
            out.push(format!("no prompt contains {t:?}"));
        }
    }
    let called: Vec<&str> = step
        .runs
        .iter()
        .flat_map(|r| r.lambdas.iter().map(|l| l.function.as_str()))
        .collect();
    for l in &expect.lambdas_called {
        if !called.contains(&l.as_str()) {
            out.push(format!("{l} was not invoked"));
        }
    }
    for l in &expect.lambdas_not_called {
        if called.contains(&l.as_str()) {
            out.push(format!("{l} was invoked"));
        }
    }
    if let Some(e) = expect.record_exists
        && e != record.is_some()
    {
        out.push(format!(
            "record exists: expected {e}, got {}",
            record.is_some()
        ));
    }
    for (k, v) in &expect.record {
        let got = record
            .and_then(|r| r.get(k))
            .cloned()
            .unwrap_or_else(|| "<absent>".into());
        if got != *v {
            out.push(format!(
                "record {k}: expected {}, got {}",
                mask(k, v),
                mask(k, &got)
            ));
        }
    }
    for run in &step.runs {
        if let End::Stuck(why) = &run.end {
            out.push(format!("{} got stuck: {why}", run.flow));
        }
    }
    out
}
