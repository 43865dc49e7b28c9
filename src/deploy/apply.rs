//! Turns a deploy plan into a dependency graph of steps and runs it. Only resources whose plan
//! entry changes something become steps; every step re-resolves its references and re-diffs at
//! run time (an upstream step may have just created what it names), so a step with nothing left
//! to do makes no call.
//!
//! Each step says what it consumes and produces (`steps::Ref`); the edges follow from that
//! (`steps::for_deploy`): the routing profile after its queues, a flow after the queues and flows
//! it names and the Lambdas and bot it invokes, the outbound whisper and phone numbers after
//! their flows.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::desired::{
    CALLBACK_ENTRY_FLOW, FlowTemplate, OUTBOUND_WHISPER_FLOW, RETURNING_ENTRY_FLOW, Settings,
};
use super::graph::{self, GraphResult};
use super::observe::Current;
use super::plan::{self, Plan, Upstream};
use super::steps::{Node, Ref};
use super::upstream;
use crate::report::{Reporter, StepOutcome};
use crate::resources::Change;
use crate::resources::connect::associations::Bot;
use crate::resources::connect::{
    Connect, associations, flows, phone, queues, routing_profile, storage, whisper,
};

type Key = (String, String);

/// What steps learn and later steps need: ARNs (for flow placeholders) and ids.
#[derive(Debug, Default)]
pub struct RefMap {
    pub refs: BTreeMap<Key, String>,
    pub ids: BTreeMap<Key, String>,
}

/// The shared reference map, for the AWS-side steps that fill it.
pub type SharedRefMap = Arc<Mutex<RefMap>>;

fn shared_refs(shared: &SharedRefMap) -> SharedRefMap {
    shared.clone()
}

fn key(kind: &str, name: &str) -> Key {
    (kind.to_string(), name.to_string())
}

/// The id of the flow `name`, found before the run or learnt from the step that made it.
fn learnt_flow_id(shared: &SharedRefMap, name: &str) -> anyhow::Result<String> {
    let shared = shared.lock().expect("shared state");
    shared
        .ids
        .get(&key("flow", name))
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("flow {name} does not exist"))
}

/// Records what a step learnt of `kind` `name`: its ARN and id.
fn learn(shared: &SharedRefMap, kind: &str, name: &str, arn: String, id: String) {
    let mut shared = shared.lock().expect("shared state");
    shared.refs.insert(key(kind, name), arn);
    shared.ids.insert(key(kind, name), id);
}

/// The reference (an ARN) a step learnt for `kind` `name`, if any yet.
fn learnt_ref(shared: &SharedRefMap, kind: &str, name: &str) -> Option<String> {
    let shared = shared.lock().expect("shared state");
    shared.refs.get(&key(kind, name)).cloned()
}

fn outcome_of(change: &Change) -> StepOutcome {
    match change {
        Change::Create => StepOutcome::Created,
        Change::Adopt => StepOutcome::Adopted,
        Change::NoOp => StepOutcome::Unchanged,
        _ => StepOutcome::Updated,
    }
}

/// What every kind's step builder reads.
#[derive(Clone, Copy)]
struct Run<'a> {
    connect: &'a Connect,
    settings: &'a Settings,
    current: &'a Current,
    templates: &'a [FlowTemplate],
    inputs: &'a Upstream,
    plan: &'a Plan,
    shared: &'a SharedRefMap,
}

/// Builds the graph for `plan` and runs it.
#[allow(clippy::too_many_arguments)] // the graph needs each of these; a struct would only rename them
pub async fn run(
    connect: &Connect,
    settings: &Settings,
    current: &Current,
    templates: &[FlowTemplate],
    inputs: &Upstream,
    plan: &Plan,
    upstream: Option<(
        &crate::aws::Aws,
        &upstream::AwsDesired,
        &upstream::AwsCurrent,
    )>,
    reporter: &Reporter,
) -> anyhow::Result<(GraphResult, BTreeMap<Key, String>)> {
    let mut shared = RefMap {
        refs: plan::known_refs(current, inputs),
        ids: BTreeMap::new(),
    };
    if let Some((_, _, existing)) = upstream {
        for stack in existing.stacks.values().flatten() {
            shared
                .refs
                .extend(upstream::refs_from_outputs(&stack.outputs));
        }
    }
    for (name, queue) in &current.queues {
        shared.ids.insert(key("queue", name), queue.id.clone());
    }
    for (name, flow) in &current.flows {
        shared.ids.insert(key("flow", name), flow.id.clone());
    }
    let shared = Arc::new(Mutex::new(shared));
    let run = Run {
        connect,
        settings,
        current,
        templates,
        inputs,
        plan,
        shared: &shared,
    };
    let mut steps: Vec<Node> = Vec::new();
    queue_steps(&run, &mut steps);
    routing_profile_step(&run, &mut steps);
    flow_steps(&run, &mut steps);
    if let Some((aws, wanted, existing)) = upstream {
        steps.extend(super::upstream_steps::steps(
            aws,
            connect,
            settings,
            wanted,
            existing,
            plan,
            &shared_refs(&shared),
            reporter,
        ));
    }
    lambda_association_steps(&run, &mut steps);
    bot_association_step(&run, &mut steps);
    outbound_whisper_step(&run, &mut steps);
    ctr_storage_step(&run, &mut steps);
    phone_number_steps(&run, &mut steps);
    let result = graph::run(super::steps::for_deploy(steps), reporter).await?;
    let refs = shared.lock().expect("shared state").refs.clone();
    Ok((result, refs))
}

/// Queues.
fn queue_steps(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        settings,
        current,
        plan,
        shared,
        ..
    } = *run;
    let hours_id = crate::resources::connect::hours::find(&current.hours, &settings.hours)
        .map(|h| h.id.clone())
        .unwrap_or_default();

    for desired_queue in plan::desired_queues(settings, &hours_id) {
        let Some(item) = plan.changing("queue", &desired_queue.name) else {
            continue;
        };
        let (connect, shared, change) = (connect.clone(), shared.clone(), item.change.clone());
        let existing = current.queues.get(&desired_queue.name).cloned();
        let produces = vec![Ref::Queue(desired_queue.name.clone())];
        steps.push(Node::new(
            item.id(),
            format!("queue {}", desired_queue.name),
            vec![],
            produces,
            move || async move {
                let applied =
                    queues::apply(&connect, &desired_queue, existing.as_ref(), &change).await?;
                learn(
                    &shared,
                    "queue",
                    &desired_queue.name,
                    applied.arn,
                    applied.id,
                );
                Ok(outcome_of(&change))
            },
        ));
    }
}

/// The routing profile, after its queues.
fn routing_profile_step(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        settings,
        current,
        plan,
        shared,
        ..
    } = *run;
    if let Some(profile) = plan::desired_routing_profile(settings)
        && let Some(item) = plan.changing("routing-profile", &profile.name)
    {
        let consumes: Vec<Ref> = profile.queues.keys().cloned().map(Ref::Queue).collect();
        let produces = vec![Ref::RoutingProfile(profile.name.clone())];
        let (connect, shared, change) = (connect.clone(), shared.clone(), item.change.clone());
        let existing = current.routing_profile.clone();
        steps.push(Node::new(
            item.id(),
            format!("routing profile {}", profile.name),
            consumes,
            produces,
            move || async move {
                let queue_ids: BTreeMap<String, String> = {
                    let shared = shared.lock().expect("shared state");
                    shared
                        .ids
                        .iter()
                        .filter(|((kind, _), _)| kind == "queue")
                        .map(|((_, name), id)| (name.clone(), id.clone()))
                        .collect()
                };
                let arn = routing_profile::apply(
                    &connect,
                    &profile,
                    existing.as_ref(),
                    &change,
                    &queue_ids,
                )
                .await?;
                shared
                    .lock()
                    .expect("shared state")
                    .refs
                    .insert(key("routing-profile", &profile.name), arn);
                Ok(outcome_of(&change))
            },
        ));
    }
}

/// Flows, after what they name.
fn flow_steps(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        settings,
        current,
        templates,
        inputs,
        plan,
        shared,
        ..
    } = *run;
    for template in templates {
        let name = settings.named(&template.name);
        let Some(item) = plan.changing("flow", &name) else {
            continue;
        };
        let consumes = super::steps::flow_consumes(template, settings);
        let produces = vec![Ref::Flow(name.clone())];
        let (connect, shared, template, settings_c, inputs_c) = (
            connect.clone(),
            shared.clone(),
            template.clone(),
            settings.clone(),
            inputs.clone(),
        );
        let existing = current.flows.get(&name).cloned();
        let label = format!("flow {name}");
        steps.push(Node::new(
            item.id(),
            label,
            consumes,
            produces,
            move || async move {
                let known = shared.lock().expect("shared state").refs.clone();
                let (wanted, missing) =
                    plan::desired_flow_with_missing(&template, &settings_c, &known, &inputs_c);
                if !missing.is_empty() {
                    let names: Vec<String> = missing
                        .iter()
                        .map(|(kind, name)| format!("{kind} {name}"))
                        .collect();
                    anyhow::bail!("unresolved references: {}", names.join(", "));
                }
                let change = flows::diff(
                    &wanted,
                    existing.as_ref(),
                    &settings_c.name,
                    settings_c.adopt,
                );
                if let Change::Conflict { reason, .. } = &change {
                    anyhow::bail!("{reason}");
                }
                if !change.is_mutation() {
                    return Ok(StepOutcome::Unchanged);
                }
                let applied = flows::apply(&connect, &wanted, existing.as_ref(), &change).await?;
                learn(&shared, "flow", &wanted.name, applied.arn, applied.id);
                Ok(outcome_of(&change))
            },
        ));
    }
}

/// Lambda associations, after the stacks that make the functions.
fn lambda_association_steps(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        inputs,
        plan,
        shared,
        ..
    } = *run;
    for id in &inputs.lambda_ids {
        let Some(item) = plan.changing("lambda-association", id) else {
            continue;
        };
        let (connect, shared, id) = (connect.clone(), shared.clone(), id.clone());
        steps.push(Node::new(
            item.id(),
            format!("Lambda association {id}"),
            vec![Ref::Lambda(id.clone())],
            vec![Ref::LambdaAssociated(id.clone())],
            move || async move {
                let arn = {
                    let shared = shared.lock().expect("shared state");
                    upstream::require(&shared.refs, "lambda", &id)?.clone()
                };
                associations::associate_lambda(&connect, &arn).await?;
                Ok(StepOutcome::Created)
            },
        ));
    }
}

/// The bot association, after the bot alias.
fn bot_association_step(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        inputs,
        plan,
        shared,
        ..
    } = *run;
    if let Some(name) = &inputs.bot_name
        && let Some(item) = plan.changing("bot-association", name)
    {
        let (connect, shared, name) = (connect.clone(), shared.clone(), name.clone());
        let v1 = match &inputs.bot {
            Some(bot @ Bot::V1 { .. }) => Some(bot.clone()),
            _ => None,
        };
        steps.push(Node::new(
            item.id(),
            format!("bot association {name}"),
            vec![Ref::LexAlias(name.clone())],
            vec![Ref::BotAssociated(name.clone())],
            move || async move {
                let bot = match v1 {
                    Some(bot) => bot,
                    None => {
                        let shared = shared.lock().expect("shared state");
                        Bot::V2 {
                            alias_arn: upstream::require(&shared.refs, "lex", &name)?.clone(),
                        }
                    }
                };
                associations::associate_bot(&connect, &bot).await?;
                Ok(StepOutcome::Created)
            },
        ));
    }
}

/// The callback queue's outbound whisper, after its flow.
fn outbound_whisper_step(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        settings,
        current,
        plan,
        shared,
        ..
    } = *run;
    if let Some(item) = plan.changing("outbound-whisper", &settings.callback_queue)
        && let Some(queue) = current.queues.get(&settings.callback_queue).cloned()
    {
        let flow_name = settings.named(OUTBOUND_WHISPER_FLOW);
        let (connect, shared) = (connect.clone(), shared.clone());
        steps.push(Node::new(
            item.id(),
            format!("outbound whisper of queue {}", queue.name),
            vec![Ref::Flow(flow_name.clone())],
            vec![Ref::OutboundWhisper(queue.name.clone())],
            move || async move {
                let flow_id = learnt_flow_id(&shared, &flow_name)?;
                whisper::apply(&connect, &queue, &flow_id).await?;
                Ok(StepOutcome::Updated)
            },
        ));
    }
}

/// Contact trace records to the stream, after the stack that makes it.
fn ctr_storage_step(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        inputs,
        plan,
        shared,
        ..
    } = *run;
    if let Some(item) = plan.changing("ctr-storage", "CONTACT_TRACE_RECORDS") {
        let wanted = inputs.ctr_stream.clone();
        let (connect, shared) = (connect.clone(), shared.clone());
        steps.push(Node::new(
            item.id(),
            "contact trace records to Kinesis",
            vec![Ref::CtrStream],
            vec![Ref::CtrStorage],
            move || async move {
                let from_stack = learnt_ref(&shared, "ctr", "stream");
                let wanted = wanted.or(from_stack).ok_or_else(|| {
                    anyhow::anyhow!("no Kinesis stream for contact trace records")
                })?;
                storage::associate(&connect, &wanted).await?;
                Ok(StepOutcome::Created)
            },
        ));
    }
}

/// Phone numbers, after their entry flows.
fn phone_number_steps(run: &Run<'_>, steps: &mut Vec<Node>) {
    let Run {
        connect,
        settings,
        current,
        plan,
        shared,
        ..
    } = *run;
    for (number, entry) in plan::phone_targets(settings) {
        let masked = phone::masked(&number);
        let Some(item) = plan.changing("phone-number", &masked) else {
            continue;
        };
        let Some(claimed) = current
            .phones
            .iter()
            .find(|claimed| claimed.number == number)
            .cloned()
        else {
            continue;
        };
        let entry_name = settings.named(if entry == RETURNING_ENTRY_FLOW {
            RETURNING_ENTRY_FLOW
        } else {
            CALLBACK_ENTRY_FLOW
        });
        let record = current
            .instance_tags
            .get(&phone::record_tag(&settings.name, &claimed.id))
            .map(|value| phone::parse_record(value));
        let (connect, shared) = (connect.clone(), shared.clone());
        steps.push(Node::new(
            item.id(),
            format!("phone number {masked}"),
            vec![Ref::Flow(entry_name.clone())],
            vec![Ref::PhoneNumber(masked.clone())],
            move || async move {
                let flow_id = learnt_flow_id(&shared, &entry_name)?;
                phone::apply(&connect, &claimed, &flow_id, record.as_ref()).await?;
                Ok(StepOutcome::Updated)
            },
        ));
    }
}
