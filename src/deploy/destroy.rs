//! Destroy: remove what a deployment created and put back what it changed, in a safe order, as
//! a dependency graph.
//!
//! Only resources carrying `connect-returns:deployment=<name>` are deleted. Adopted resources
//! lose their adoption tag and stay. Pre-existing settings we changed (the callback queue's
//! outbound whisper, phone-number flows) are restored from the values recorded at deploy time;
//! a CTR storage association is removed only when the instance tag says we created it.
//!
//! Order: the reverse of deploy, derived from what each removal's resource consumed and
//! produced (`steps::for_destroy`): phone numbers and the outbound whisper are restored before
//! their flows go, a flow after every flow that references it, the routing profile before its
//! queues, associations after the flows that invoke them, stacks after everything that used
//! their Lambdas, stream or role, the artifacts last.

use std::collections::{BTreeMap, HashMap};

use super::desired::Settings;
use super::graph::{self, GraphResult};
use super::observe::{EarlierBot, Observed};
use super::plan::{Plan, PlanItem};
use super::steps::{Node, Ref};
use crate::assets::Solution;
use crate::aws::Aws;
use crate::report::{Reporter, StepOutcome};
use crate::resources::connect::flows::SOLUTION_TAG;
use crate::resources::connect::{Connect, flows, phone, queues, routing_profile, storage, whisper};
use crate::resources::{Change, FieldDiff, Ownership, TAG_ADOPTED};
use crate::resources::{artifacts, lexv1, lexv2, stack};

/// The Lambda ARNs of our stacks that are associated with the instance.
fn our_lambda_associations(found: &Observed) -> Vec<(Solution, String)> {
    let mut out = Vec::new();
    for (solution, (_, stack)) in &found.stacks {
        let Some(stack) = stack else { continue };
        for id in super::upstream::lambda_ids(*solution) {
            if let Some(arn) =
                crate::assets::lambda_output(id).and_then(|output| stack.outputs.get(output))
                && found.current.lambdas.contains(arn)
            {
                out.push((*solution, arn.clone()));
            }
        }
    }
    out
}

/// Our bot's alias ARN when it is associated with the instance. A same-named bot of another
/// deployment (or of nobody) is not ours: its association stays.
fn our_bot_association(
    found: &Observed,
    bot: &lexv2::Current,
    cx_region: &str,
    cx_account: &str,
) -> Option<String> {
    let alias = bot.alias.as_ref()?;
    let arn = lexv2::alias_arn(cx_region, cx_account, &bot.bot_id, &alias.alias_id);
    found
        .current
        .bots
        .contains(&crate::resources::connect::associations::Bot::V2 {
            alias_arn: arn.clone(),
        })
        .then_some(arn)
}

/// Removing a Lex V1 bot of ours: its association (when the instance has it), then the bot.
fn lex_v1_removal(found: &Observed, name: &str, region: &str) -> Vec<PlanItem> {
    let mut items = Vec::new();
    let bot = crate::resources::connect::associations::Bot::V1 {
        name: name.to_string(),
        region: region.to_string(),
    };
    if found.current.bots.contains(&bot) {
        items.push(PlanItem::new("bot-association-v1", name, Change::Delete));
    }
    items.push(PlanItem::new("lex-bot-v1", name, Change::Delete));
    items
}

/// Removing the bots an earlier release made for this deployment under another name (read only
/// when their ownership marker names this deployment).
pub fn earlier_bots_removal(found: &Observed, region: &str, account: &str) -> Vec<PlanItem> {
    let mut items = Vec::new();
    for earlier in &found.earlier_bots {
        match earlier {
            EarlierBot::V2 { name, bot } => {
                if let Some(arn) = our_bot_association(found, bot, region, account) {
                    items.push(PlanItem::new("bot-association", arn, Change::Delete));
                }
                items.push(PlanItem::new("lex-bot", name, Change::Delete));
            }
            EarlierBot::V1 { spec } => items.extend(lex_v1_removal(found, &spec.name, region)),
        }
    }
    items
}

fn flow_solution(flow: &flows::Current) -> Option<&str> {
    flow.tags.get(SOLUTION_TAG).map(String::as_str)
}

fn wanted_solution(settings: &Settings, solution: Option<&str>) -> bool {
    match solution {
        Some("returning-callers") => settings.returning_callers(),
        Some("callbacks") => settings.callbacks(),
        _ => settings.returning_callers() && settings.callbacks(),
    }
}

/// Our flows of the chosen solutions, by name.
fn our_flows<'a>(
    found: &'a Observed,
    settings: &Settings,
) -> BTreeMap<&'a str, &'a flows::Current> {
    found
        .current
        .flows
        .iter()
        .filter(|(_, flow)| {
            Ownership::of(&flow.tags, &settings.name) == Ownership::Ours
                && wanted_solution(settings, flow_solution(flow))
        })
        .map(|(name, flow)| (name.as_str(), flow))
        .collect()
}

/// The destroy plan without instance coordinates (tests).
#[cfg(test)]
pub fn plan(found: &Observed, settings: &Settings) -> Plan {
    plan_in(found, settings, "", "")
}

pub fn plan_in(found: &Observed, settings: &Settings, region: &str, account: &str) -> Plan {
    let deployment = &settings.name;
    let mut items = Vec::new();
    let flows_by_id: HashMap<&str, &flows::Current> = found
        .current
        .flows
        .values()
        .map(|flow| (flow.id.as_str(), flow))
        .collect();
    for (id, record) in &found.phones {
        let solution = flows_by_id
            .get(record.flow_id.as_str())
            .and_then(|flow| flow_solution(flow));
        if !wanted_solution(settings, solution) {
            continue;
        }
        if phone::repointed(record, id, found.current.phone_flows.as_ref()) {
            items.push(PlanItem::new(
                "phone-number",
                id,
                Change::Restore {
                    fields: vec![FieldDiff::new(
                        "contact flow",
                        "another flow (pointed there after this deployment)",
                        "left as it is; only this deployment's record of the number goes",
                    )],
                },
            ));
            continue;
        }
        let to = record
            .previous
            .clone()
            .unwrap_or_else(|| "(no flow)".into());
        items.push(PlanItem::new(
            "phone-number",
            id,
            Change::Restore {
                fields: vec![FieldDiff::new("contact flow", &record.flow_id, to)],
            },
        ));
    }
    if settings.callbacks()
        && let Some(queue) = &found.whisper_queue
    {
        let change = match whisper::restore_change(queue, deployment) {
            // Only the instance record exists (a run killed before it changed the queue).
            Change::NoOp => Change::Restore {
                fields: vec![FieldDiff::new(
                    "record",
                    "whisper queue recorded",
                    "(removed)",
                )],
            },
            change => change,
        };
        items.push(PlanItem::new("outbound-whisper", &queue.name, change));
    }
    for name in our_flows(found, settings).keys() {
        items.push(PlanItem::new("flow", *name, Change::Delete));
    }
    if settings.returning_callers()
        && let Some(profile) = &found.borrowed_profile
    {
        items.push(PlanItem::new(
            "routing-profile",
            &profile.name,
            routing_profile::restore_change(profile, deployment, &our_queue_names(settings)),
        ));
    }
    if settings.returning_callers() {
        if let Some(profile) = &found.current.routing_profile
            && found
                .borrowed_profile
                .as_ref()
                .is_none_or(|borrowed| borrowed.id != profile.id)
        {
            match Ownership::of(&profile.tags, deployment) {
                Ownership::Ours => items.push(PlanItem::new(
                    "routing-profile",
                    &profile.name,
                    Change::Delete,
                )),
                Ownership::Adopted => items.push(PlanItem::new(
                    "routing-profile",
                    &profile.name,
                    adopted_change(),
                )),
                Ownership::Foreign => {}
            }
        }
        for (name, queue) in &found.current.queues {
            if found
                .whisper_queue
                .as_ref()
                .is_some_and(|whisper| whisper.id == queue.id)
                || name == &settings.callback_queue
            {
                continue;
            }
            match Ownership::of(&queue.tags, deployment) {
                Ownership::Ours => items.push(PlanItem::new("queue", name, Change::Delete)),
                Ownership::Adopted => items.push(PlanItem::new("queue", name, adopted_change())),
                Ownership::Foreign => {}
            }
        }
    }
    if settings.callbacks()
        && let Some(association) = &found.ctr_association
    {
        items.push(PlanItem::new("ctr-storage", association, Change::Delete));
    }
    for (_, arn) in our_lambda_associations(found) {
        items.push(PlanItem::new("lambda-association", arn, Change::Delete));
    }
    if let Some((name, bot)) = &found.bot {
        if bot.deployment.as_deref() == Some(deployment.as_str()) {
            if let Some(arn) = our_bot_association(found, bot, region, account) {
                items.push(PlanItem::new("bot-association", arn, Change::Delete));
            }
            items.push(PlanItem::new("lex-bot", name, Change::Delete));
        } else {
            items.push(PlanItem::new(
                "lex-bot",
                name,
                Change::Keep {
                    reason: "not created by this deployment".into(),
                },
            ));
        }
    }
    if let Some(v1) = &found.bot_v1
        && v1.deployment.as_deref() == Some(deployment.as_str())
    {
        items.extend(lex_v1_removal(
            found,
            &super::upstream::bot_spec_v1(settings).name,
            region,
        ));
    }
    items.extend(earlier_bots_removal(found, region, account));
    for (name, stack) in found.stacks.values() {
        let Some(stack) = stack else { continue };
        match stack::delete_change(Some(stack), deployment) {
            crate::resources::Change::Conflict { reason, .. } => {
                items.push(PlanItem::new("stack", name, Change::Keep { reason }))
            }
            _ => items.push(PlanItem::new("stack", name, Change::Delete)),
        }
    }
    if let Some(bucket) = &found.bucket {
        items.push(PlanItem::new("artifacts", bucket, Change::Delete));
    }
    Plan { items }
}

/// The menu's queue names as this deployment names them.
fn our_queue_names(settings: &Settings) -> Vec<String> {
    settings
        .menu
        .names()
        .map(|name| settings.named(name))
        .collect()
}

fn adopted_change() -> Change {
    Change::Restore {
        fields: vec![FieldDiff::new(
            "tag connect-returns:adopted",
            "this deployment",
            "(removed; the resource stays)",
        )],
    }
}

/// Runs the destroy plan as a graph.
pub async fn run(
    aws: &Aws,
    connect: &Connect,
    settings: &Settings,
    found: &Observed,
    plan: &Plan,
    keep_data: bool,
    reporter: &Reporter,
) -> anyhow::Result<GraphResult> {
    let run = Removal {
        aws,
        connect,
        settings,
        found,
        keep_data,
        reporter,
    };
    let mut steps: Vec<Node> = Vec::new();
    for item in &plan.items {
        match item.kind.as_str() {
            "phone-number" => restore_phone_number(&run, item, &mut steps),
            "outbound-whisper" => restore_outbound_whisper(&run, item, &mut steps),
            "flow" => remove_flow(&run, item, &mut steps),
            "routing-profile" => remove_routing_profile(&run, item, &mut steps),
            "queue" => remove_queue(&run, item, &mut steps),
            "ctr-storage" => remove_ctr_storage(&run, item, &mut steps),
            "lambda-association" if item.change == Change::Delete => {
                remove_lambda_association(&run, item, &mut steps)
            }
            "bot-association" if item.change == Change::Delete => {
                remove_bot_association(&run, item, &mut steps)
            }
            "bot-association-v1" => remove_bot_association_v1(&run, item, &mut steps),
            "lex-bot-v1" => remove_lex_bot_v1(&run, item, &mut steps),
            "lex-bot" if item.change == Change::Delete => remove_lex_bot(&run, item, &mut steps),
            "stack" if item.change == Change::Delete => remove_stack(&run, item, &mut steps),
            "artifacts" => remove_artifacts(&run, item, &mut steps),
            _ => {}
        }
    }
    graph::run(super::steps::for_destroy(steps), reporter).await
}

/// What every kind's removal step reads.
#[derive(Clone, Copy)]
struct Removal<'a> {
    aws: &'a Aws,
    connect: &'a Connect,
    settings: &'a Settings,
    found: &'a Observed,
    keep_data: bool,
    reporter: &'a Reporter,
}

impl Removal<'_> {
    /// The name of the flow with id `flow_id`.
    fn flow_name_of(&self, flow_id: &str) -> Option<String> {
        self.found
            .current
            .flows
            .values()
            .find(|flow| flow.id == flow_id)
            .map(|flow| flow.name.clone())
    }
}

/// A phone number goes back to the flow it had.
fn restore_phone_number(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, found, .. } = *run;
    let flow_name_of = |flow_id: &str| run.flow_name_of(flow_id);
    let id = item.id();
    let Some((phone_id, record)) = found
        .phones
        .iter()
        .find(|(phone_id, _)| phone_id == &item.name)
        .cloned()
    else {
        return;
    };
    let consumes: Vec<Ref> = flow_name_of(&record.flow_id)
        .map(Ref::Flow)
        .into_iter()
        .collect();
    let connect = connect.clone();
    let keep = phone::repointed(&record, &phone_id, found.current.phone_flows.as_ref());
    steps.push(Node::new(
        id,
        format!("phone number {}", item.name),
        consumes,
        vec![Ref::PhoneNumber(item.name.clone())],
        move || async move {
            if keep {
                phone::forget(&connect, &phone_id).await?;
                return Ok(StepOutcome::Kept);
            }
            phone::restore(&connect, &phone_id, &record).await?;
            Ok(StepOutcome::Restored)
        },
    ));
}

/// The callback queue gets its outbound whisper back.
fn restore_outbound_whisper(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        connect,
        settings,
        found,
        ..
    } = *run;
    let id = item.id();
    let Some(queue) = found.whisper_queue.clone() else {
        return;
    };
    let consumes = vec![Ref::Flow(
        settings.named(super::desired::OUTBOUND_WHISPER_FLOW),
    )];
    let connect = connect.clone();
    steps.push(Node::new(
        id,
        format!("outbound whisper of queue {}", queue.name),
        consumes,
        vec![Ref::OutboundWhisper(queue.name.clone())],
        move || async move {
            whisper::restore(&connect, &queue).await?;
            Ok(StepOutcome::Restored)
        },
    ));
}

/// A flow goes after every flow and restore that uses it.
fn remove_flow(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        connect,
        settings,
        found,
        ..
    } = *run;
    let id = item.id();
    let Some(flow) = found.current.flows.get(&item.name).cloned() else {
        return;
    };
    let consumes = flow_consumes(found, settings, &flow);
    let connect = connect.clone();
    steps.push(Node::new(
        id,
        format!("flow {}", item.name),
        consumes,
        vec![Ref::Flow(item.name.clone())],
        move || async move {
            flows::delete(&connect, &flow).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// A borrowed routing profile gets back what it had for our queues, before they go.
fn restore_routing_profile(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        connect,
        settings,
        found,
        ..
    } = *run;
    let Some(profile) = found.borrowed_profile.clone() else {
        return;
    };
    let ours = our_queue_names(settings);
    let consumes: Vec<Ref> = ours.iter().cloned().map(Ref::Queue).collect();
    let connect = connect.clone();
    steps.push(Node::new(
        item.id(),
        format!("routing profile {}", item.name),
        consumes,
        vec![Ref::RoutingProfile(item.name.clone())],
        move || async move {
            routing_profile::restore(&connect, &profile, &ours).await?;
            Ok(StepOutcome::Restored)
        },
    ));
}

/// The routing profile goes (or loses its adoption tag).
fn remove_routing_profile(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, found, .. } = *run;
    if found
        .borrowed_profile
        .as_ref()
        .is_some_and(|borrowed| borrowed.name == item.name)
    {
        return restore_routing_profile(run, item, steps);
    }
    let id = item.id();
    let Some(profile) = found.current.routing_profile.clone() else {
        return;
    };
    let consumes: Vec<Ref> = profile.queues.keys().cloned().map(Ref::Queue).collect();
    let connect = connect.clone();
    let change = item.change.clone();
    steps.push(Node::new(
        id,
        format!("routing profile {}", item.name),
        consumes,
        vec![Ref::RoutingProfile(item.name.clone())],
        move || async move {
            if change == Change::Delete {
                routing_profile::delete(&connect, &profile).await?;
                Ok(StepOutcome::Deleted)
            } else {
                connect
                    .untag(&profile.arn, vec![TAG_ADOPTED.to_string()])
                    .await?;
                Ok(StepOutcome::Kept)
            }
        },
    ));
}

/// A queue goes (or loses its adoption tag) after what names it.
fn remove_queue(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, found, .. } = *run;
    let id = item.id();
    let Some(queue) = found.current.queues.get(&item.name).cloned() else {
        return;
    };
    let connect = connect.clone();
    let change = item.change.clone();
    steps.push(Node::new(
        id,
        format!("queue {}", item.name),
        vec![],
        vec![Ref::Queue(item.name.clone())],
        move || async move {
            if change == Change::Delete {
                queues::delete(&connect, &queue).await?;
                Ok(StepOutcome::Deleted)
            } else {
                connect
                    .untag(&queue.arn, vec![TAG_ADOPTED.to_string()])
                    .await?;
                Ok(StepOutcome::Kept)
            }
        },
    ));
}

/// The CTR storage config we created goes.
fn remove_ctr_storage(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, .. } = *run;
    let id = item.id();
    let association = item.name.clone();
    let connect = connect.clone();
    steps.push(Node::new(
        id,
        "contact trace records association",
        vec![Ref::CtrStream],
        vec![Ref::CtrStorage],
        move || async move {
            storage::disassociate(&connect, &association).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// A Lambda association goes after the flows that invoke it.
fn remove_lambda_association(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, found, .. } = *run;
    let id = item.id();
    let (connect, arn) = (connect.clone(), item.name.clone());
    let function: Vec<String> = function_id_of(found, &arn).into_iter().collect();
    steps.push(Node::new(
        id,
        format!(
            "Lambda association {}",
            crate::resources::connect::id_from_arn(&arn)
                .rsplit(':')
                .next()
                .unwrap_or_default()
        ),
        function.iter().cloned().map(Ref::Lambda).collect(),
        function.into_iter().map(Ref::LambdaAssociated).collect(),
        move || async move {
            crate::resources::connect::associations::disassociate_lambda(&connect, &arn).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// The Lex V2 bot association goes after the flows.
fn remove_bot_association(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, found, .. } = *run;
    let id = item.id();
    let (connect, arn) = (connect.clone(), item.name.clone());
    // The alias ARN names the bot by id: `…:bot-alias/<bot id>/<alias id>`.
    let bot_id = arn.split('/').nth(1).unwrap_or_default();
    let name = found
        .bot
        .iter()
        .map(|(name, bot)| (name.as_str(), bot))
        .chain(
            found
                .earlier_bots
                .iter()
                .filter_map(|earlier| match earlier {
                    EarlierBot::V2 { name, bot } => Some((name.as_str(), bot)),
                    EarlierBot::V1 { .. } => None,
                }),
        )
        .find(|(_, bot)| bot.bot_id == bot_id)
        .map(|(name, _)| name.to_string())
        .unwrap_or_else(|| arn.clone());
    steps.push(Node::new(
        id,
        format!("bot association {name}"),
        vec![Ref::LexAlias(name.clone())],
        vec![Ref::BotAssociated(name)],
        move || async move {
            crate::resources::connect::associations::disassociate_bot(
                &connect,
                &crate::resources::connect::associations::Bot::V2 { alias_arn: arn },
            )
            .await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// The Lex V1 bot association goes after the flows.
fn remove_bot_association_v1(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal { connect, .. } = *run;
    let id = item.id();
    let (connect, bot) = (
        connect.clone(),
        crate::resources::connect::associations::Bot::V1 {
            name: item.name.clone(),
            region: connect.region_account().0.to_string(),
        },
    );
    steps.push(Node::new(
        id,
        "bot association (Lex V1)",
        vec![Ref::LexAlias(item.name.clone())],
        vec![Ref::BotAssociated(item.name.clone())],
        move || async move {
            crate::resources::connect::associations::disassociate_bot(&connect, &bot).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// The Lex V1 bot goes after its association.
fn remove_lex_bot_v1(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        aws,
        settings,
        reporter,
        ..
    } = *run;
    let id = item.id();
    let (lex, deployment) = (aws.lexv1(), settings.name.clone());
    // The deployment's bot, or one an earlier release named otherwise.
    let spec = run
        .found
        .earlier_bots
        .iter()
        .find_map(|earlier| match earlier {
            EarlierBot::V1 { spec } if spec.name == item.name => Some(spec.clone()),
            _ => None,
        })
        .unwrap_or_else(|| super::upstream::bot_spec_v1(settings));
    let progress = reporter.progress_for(id.clone());
    steps.push(Node::new(
        id,
        format!("Lex V1 bot {}", item.name),
        vec![],
        vec![Ref::LexAlias(item.name.clone())],
        move || async move {
            lexv1::delete(&lex, &spec, &deployment, &*progress).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// The Lex V2 bot goes after its association.
fn remove_lex_bot(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        aws,
        settings,
        reporter,
        ..
    } = *run;
    let id = item.id();
    let (lex, name, deployment) = (aws.lexv2(), item.name.clone(), settings.name.clone());
    let progress = reporter.progress_for(id.clone());
    steps.push(Node::new(
        id,
        format!("Lex bot {name}"),
        vec![Ref::LexRole],
        vec![Ref::LexAlias(name.clone())],
        move || async move {
            lexv2::delete(&lex, &name, &deployment, &*progress).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// A stack goes after everything that used its Lambdas, stream or role.
fn remove_stack(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        aws,
        settings,
        found,
        keep_data,
        reporter,
        ..
    } = *run;
    let id = item.id();
    let produces = found
        .stacks
        .iter()
        .find(|(_, (name, _))| *name == item.name)
        .map(|(solution, _)| stack_produces(*solution))
        .unwrap_or_default();
    let (cfn, name, deployment) = (
        aws.cloudformation(),
        item.name.clone(),
        settings.name.clone(),
    );
    let progress = reporter.progress_for(id.clone());
    steps.push(Node::new(
        id,
        format!("stack {name}"),
        vec![Ref::Artifacts],
        produces,
        move || async move {
            let deleted = stack::delete(&cfn, &name, &deployment, keep_data, &*progress).await?;
            if !deleted.retained.is_empty() {
                let tables: Vec<String> = deleted
                    .retained
                    .iter()
                    .map(|table| table.physical_id.clone())
                    .collect();
                progress(format!("kept tables (--keep-data): {}", tables.join(", ")));
                return Ok(StepOutcome::Kept);
            }
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// The artifacts go after the stacks that ran them.
fn remove_artifacts(run: &Removal<'_>, item: &PlanItem, steps: &mut Vec<Node>) {
    let Removal {
        aws,
        settings,
        reporter,
        ..
    } = *run;
    let id = item.id();
    let (s3, bucket, deployment) = (aws.s3(), item.name.clone(), settings.name.clone());
    let progress = reporter.progress_for(id.clone());
    steps.push(Node::new(
        id,
        "Lambda artifacts",
        vec![],
        vec![Ref::Artifacts],
        move || async move {
            artifacts::delete(&s3, &bucket, &deployment, &*progress).await?;
            Ok(StepOutcome::Deleted)
        },
    ));
}

/// What a solution's stack produced at deploy time: its Lambdas, and the CTR stream or the Lex
/// role.
fn stack_produces(solution: Solution) -> Vec<Ref> {
    let mut out: Vec<Ref> = super::upstream::lambda_ids(solution)
        .into_iter()
        .map(|id| Ref::Lambda(id.to_string()))
        .collect();
    out.push(match solution {
        Solution::Callbacks => Ref::CtrStream,
        Solution::ReturningCallers => Ref::LexRole,
    });
    out
}

/// The function id of one of our stacks' Lambda ARNs.
fn function_id_of(found: &Observed, arn: &str) -> Option<String> {
    found.stacks.iter().find_map(|(solution, (_, stack))| {
        let stack = stack.as_ref()?;
        super::upstream::lambda_ids(*solution)
            .into_iter()
            .find(|id| {
                crate::assets::lambda_output(id).and_then(|output| stack.outputs.get(output))
                    == Some(&arn.to_string())
            })
            .map(str::to_string)
    })
}

/// What a deployed flow consumes: what its shipped template names, and the flows and queues
/// whose ARN or id its content holds (a flow of another version may name others).
fn flow_consumes(found: &Observed, settings: &Settings, flow: &flows::Current) -> Vec<Ref> {
    let mut out: Vec<Ref> = super::desired::flow_templates(settings)
        .iter()
        .find(|template| settings.named(&template.name) == flow.name)
        .map(|template| super::steps::flow_consumes(template, settings))
        .unwrap_or_default();
    for other in found.current.flows.values() {
        if other.name != flow.name
            && (flow.content.contains(&other.arn) || flow.content.contains(&other.id))
        {
            out.push(Ref::Flow(other.name.clone()));
        }
    }
    for (name, queue) in &found.current.queues {
        if flow.content.contains(&queue.arn) || flow.content.contains(&queue.id) {
            out.push(Ref::Queue(name.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::model::SolutionChoice;
    use crate::resources::owner_tags;

    fn settings(solution: SolutionChoice) -> Settings {
        Settings {
            solution,
            ..crate::deploy::model::Settings::defaults("d")
        }
    }

    fn flow(name: &str, solution: &str, tags: HashMap<String, String>) -> flows::Current {
        let mut tags = tags;
        tags.insert(SOLUTION_TAG.into(), solution.into());
        flows::Current {
            id: format!("id-{name}"),
            arn: format!("arn-{name}"),
            name: name.into(),
            flow_type: "CONTACT_FLOW".into(),
            content: "{}".into(),
            published: true,
            tags,
        }
    }

    #[test]
    fn only_our_flows_of_the_chosen_solution_are_deleted() {
        let mut found = Observed::default();
        found
            .current
            .flows
            .insert("a".into(), flow("a", "callbacks", owner_tags("d")));
        found
            .current
            .flows
            .insert("b".into(), flow("b", "returning-callers", owner_tags("d")));
        found
            .current
            .flows
            .insert("c".into(), flow("c", "callbacks", HashMap::new()));
        found
            .current
            .flows
            .insert("e".into(), flow("e", "callbacks", owner_tags("other")));
        let plan = plan(&found, &settings(SolutionChoice::Callbacks));
        let names: Vec<&str> = plan.items.iter().map(|item| item.name.as_str()).collect();
        assert_eq!(names, vec!["a"]);
        let all = super::plan(&found, &settings(SolutionChoice::All));
        assert_eq!(all.items.len(), 2);
    }

    #[test]
    fn nothing_of_ours_means_an_empty_plan() {
        assert!(
            plan(&Observed::default(), &settings(SolutionChoice::All))
                .items
                .is_empty()
        );
    }
}
