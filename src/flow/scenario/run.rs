//! The scenario runner: each step's calls through the simulator, with the real handler code from
//! `lambdas/` against the scratch tables, contact trace records, callback offers and clock moves,
//! and each step's outcome compared with what it expects.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use base64::Engine as _;
use returns_lambdas::contract;

use super::compare::compare;
use super::report::mask;
use super::tables::{Tables, create_tables, delete_tables, read_record};
use super::{Scenario, ScenarioOutcome, StepOutcome};
use crate::assets::{self, BotDefinition, Solution};
use crate::flow::fake_connect::FakeConnect;
use crate::flow::sim::{self, Contact, CreatedCallback, End, Run};

/// Where the scratch tables live and how to reach them.
pub struct Backend {
    /// DynamoDB client (pointed at moto or another local endpoint).
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// Connect client factory endpoint (the StopContact stand-in).
    pub region: String,
    /// Credentials for the clients.
    pub credentials: aws_credential_types::Credentials,
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
) -> Result<crate::flow::model::Flow, String> {
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
