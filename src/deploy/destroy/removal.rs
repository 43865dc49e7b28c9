//! The removal step of each kind of resource in a destroy plan, and the graph they run in.

use super::plan::our_queue_names;
use crate::assets::Solution;
use crate::aws::Aws;
use crate::deploy::desired::Settings;
use crate::deploy::graph::{self, GraphResult};
use crate::deploy::observe::{EarlierBot, Observed};
use crate::deploy::plan::{Plan, PlanItem};
use crate::deploy::steps::{Node, Ref};
use crate::report::{Reporter, StepOutcome};
use crate::resources::connect::{Connect, flows, phone, queues, routing_profile, storage, whisper};
use crate::resources::{Change, TAG_ADOPTED};
use crate::resources::{artifacts, lexv1, lexv2, stack};

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
    graph::run(crate::deploy::steps::for_destroy(steps), reporter).await
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
        settings.named(crate::deploy::desired::OUTBOUND_WHISPER_FLOW),
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
        .unwrap_or_else(|| crate::deploy::upstream::bot_spec_v1(settings));
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
    let mut out: Vec<Ref> = crate::deploy::upstream::lambda_ids(solution)
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
        crate::deploy::upstream::lambda_ids(*solution)
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
    let mut out: Vec<Ref> = crate::deploy::desired::flow_templates(settings)
        .iter()
        .find(|template| settings.named(&template.name) == flow.name)
        .map(|template| crate::deploy::steps::flow_consumes(template, settings))
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
