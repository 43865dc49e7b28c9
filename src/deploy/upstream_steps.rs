//! Graph steps of the AWS side: upload the Lambda zip, create or update each solution's stack
//! (streaming its events as progress), and build the Lex V2 bot with its `prod` alias. Each puts
//! what it produced (Lambda ARNs, CTR stream, Lex role and alias ARN) into the shared map.

use super::apply::SharedRefMap;
use super::desired::Settings;
use super::plan::Plan;
use super::steps::{Node, Ref};
use super::upstream::{self, AwsCurrent, AwsDesired};
use crate::assets::Solution;
use crate::aws::Aws;
use crate::report::{Reporter, StepOutcome};
use crate::resources::connect::Connect;
use crate::resources::{artifacts, lexv1, lexv2, stack};

/// The AWS-side steps whose plan entry changes something.
#[allow(clippy::too_many_arguments)] // each input is used; a struct would only rename them
pub fn steps(
    aws: &Aws,
    connect: &Connect,
    settings: &Settings,
    desired: &AwsDesired,
    current: &AwsCurrent,
    plan: &Plan,
    shared: &SharedRefMap,
    reporter: &Reporter,
) -> Vec<Node> {
    let mut steps = Vec::new();
    let (region, account) = connect.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    let artifacts_id = format!("artifacts:{}", desired.artifacts.bucket);
    let artifacts_in_graph = plan
        .get("artifacts", &desired.artifacts.bucket)
        .is_some_and(|item| item.change.is_mutation());
    if artifacts_in_graph {
        let (s3, wanted, existing) = (aws.s3(), desired.artifacts.clone(), current.bucket.clone());
        let progress = reporter.progress_for(artifacts_id.clone());
        steps.push(Node::new(
            artifacts_id.clone(),
            "Lambda artifacts",
            vec![],
            vec![Ref::Artifacts],
            move || async move {
                // Another deployment's destroy may remove the shared bucket (once empty) between
                // our read and our upload: read again and create it once more.
                let uploaded =
                    match artifacts::apply(&s3, &wanted, existing.as_ref(), &*progress).await {
                        Ok(uploaded) => uploaded,
                        Err(err) if format!("{err:#}").contains("NoSuchBucket") => {
                            let again =
                                artifacts::read(&s3, &wanted.bucket, &wanted.deployment).await?;
                            artifacts::apply(&s3, &wanted, again.as_ref(), &*progress).await?
                        }
                        Err(err) => return Err(err),
                    };
                Ok(if uploaded.uploaded > 0 {
                    StepOutcome::Updated
                } else {
                    StepOutcome::Unchanged
                })
            },
        ));
    }
    for (solution, wanted) in &desired.stacks {
        let id = format!("stack:{}", wanted.stack_name);
        if !plan
            .get("stack", &wanted.stack_name)
            .is_some_and(|item| item.change.is_mutation())
        {
            continue;
        }
        let mut produces: Vec<Ref> = upstream::lambda_ids(*solution)
            .into_iter()
            .map(|id| Ref::Lambda(id.to_string()))
            .collect();
        produces.push(match solution {
            Solution::Callbacks => Ref::CtrStream,
            Solution::ReturningCallers => Ref::LexRole,
        });
        let (cfn, wanted, existing, shared) = (
            aws.cloudformation(),
            wanted.clone(),
            current.stacks.get(solution).cloned().flatten(),
            shared.clone(),
        );
        let progress = reporter.progress_for(id.clone());
        let created = existing.is_none();
        steps.push(Node::new(
            id,
            format!("stack {}", wanted.stack_name),
            vec![Ref::Artifacts],
            produces,
            move || async move {
                let applied = stack::apply(&cfn, &wanted, existing.as_ref(), &*progress).await?;
                let mut shared = shared.lock().expect("shared state");
                shared
                    .refs
                    .extend(upstream::refs_from_outputs(&applied.outputs));
                Ok(match (created, applied.changed) {
                    (true, _) => StepOutcome::Created,
                    (false, true) => StepOutcome::Updated,
                    (false, false) => StepOutcome::Unchanged,
                })
            },
        ));
    }
    if let Some(spec) = &desired.bot
        && desired.lex_v1
        && plan
            .get("lex-bot", &spec.name)
            .is_some_and(|item| item.change.is_mutation())
    {
        let id = format!("lex-bot:{}", spec.name);
        let (lex, wanted, existing) = (
            aws.lexv1(),
            lexv1::Desired {
                spec: spec.clone(),
                deployment: settings.name.clone(),
            },
            current.bot_v1.clone(),
        );
        let progress = reporter.progress_for(id.clone());
        let region = region.clone();
        steps.push(Node::new(
            id,
            format!("Lex V1 bot {}", spec.name),
            vec![],
            vec![Ref::LexAlias(spec.name.clone())],
            move || async move {
                lexv1::apply(&lex, &region, &wanted, existing.as_ref(), &*progress).await?;
                Ok(if existing.is_none() {
                    StepOutcome::Created
                } else {
                    StepOutcome::Updated
                })
            },
        ));
    } else if let Some(spec) = &desired.bot
        && plan
            .get("lex-bot", &spec.name)
            .is_some_and(|item| item.change.is_mutation())
    {
        let id = format!("lex-bot:{}", spec.name);
        let (lex, spec, existing, shared, deployment) = (
            aws.lexv2(),
            spec.clone(),
            current.bot.clone(),
            shared.clone(),
            settings.name.clone(),
        );
        let progress = reporter.progress_for(id.clone());
        let (region, account) = (region.clone(), account.clone());
        let alias = vec![Ref::LexAlias(spec.name.clone())];
        steps.push(Node::new(
            id,
            format!("Lex bot {}", spec.name),
            vec![Ref::LexRole],
            alias,
            move || async move {
                let role = {
                    let shared = shared.lock().expect("shared state");
                    upstream::require(&shared.refs, "role", "lex")?.clone()
                };
                let wanted = upstream::lex_desired(&spec, &deployment, Some(&role));
                let applied: lexv2::Applied = lexv2::apply(
                    &lex,
                    &region,
                    &account,
                    &wanted,
                    existing.as_ref(),
                    &*progress,
                )
                .await?;
                shared
                    .lock()
                    .expect("shared state")
                    .refs
                    .insert(("lex".to_string(), spec.name.clone()), applied.alias_arn);
                Ok(if existing.is_none() {
                    StepOutcome::Created
                } else {
                    StepOutcome::Updated
                })
            },
        ));
    }
    steps
}
