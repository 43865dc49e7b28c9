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
use crate::resources::lex::{v1 as lexv1, v2 as lexv2};
use crate::resources::{artifacts, stack};

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
        let existing = current.stacks.get(solution).cloned().flatten();
        let created = existing.is_none();
        // The Lex V2 bot needs only the role inside the returning-callers stack: a step of its
        // own stands for it, done as soon as the stack's events show the role complete, so the
        // bot builds while the stack's Lambdas are still being made.
        let role = match solution {
            Solution::Callbacks => {
                produces.push(Ref::CtrStream);
                None
            }
            Solution::ReturningCallers
                if desired.bot.is_some() && !desired.lex_v1 && !desired.lex_waits_for_stack =>
            {
                let known = existing
                    .as_ref()
                    .is_some_and(|stack| stack.outputs.contains_key("LexBotRoleARN"));
                let (role, node) = role_step(&wanted.stack_name, known, created);
                steps.push(node);
                Some(role)
            }
            Solution::ReturningCallers => {
                produces.push(Ref::LexRole);
                None
            }
        };
        let (cfn, wanted, shared) = (aws.cloudformation(), wanted.clone(), shared.clone());
        let progress = reporter.progress_for(id.clone());
        let (instance_arn, account_id) = (connect.instance_arn.clone(), account.clone());
        steps.push(Node::new(
            id,
            format!("stack {}", wanted.stack_name),
            vec![Ref::Artifacts],
            produces,
            move || async move {
                let done = |logical: &str, physical: &str| {
                    if let Some(role) = &role
                        && logical == upstream::LEX_ROLE_RESOURCE
                    {
                        let arn = upstream::role_arn(&instance_arn, &account_id, physical);
                        shared
                            .lock()
                            .expect("shared state")
                            .refs
                            .insert(("role".to_string(), "lex".to_string()), arn);
                        role.ready();
                    }
                };
                let applied =
                    stack::apply(&cfn, &wanted, existing.as_ref(), &*progress, &done).await?;
                let mut shared = shared.lock().expect("shared state");
                shared
                    .refs
                    .extend(upstream::refs_from_outputs(&applied.outputs));
                drop(shared);
                if let Some(role) = &role {
                    role.ready();
                }
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

/// What the stack step tells when the Lex role inside it is ready (its CREATE_COMPLETE event, or
/// the stack's end). Dropped untold, the role's step fails.
struct RoleReady {
    sender: std::sync::Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl RoleReady {
    fn ready(&self) {
        if let Some(sender) = self.sender.lock().expect("role watch").take() {
            let _ = sender.send(());
        }
    }
}

/// The Lex role inside the returning-callers stack as a step of its own, producing
/// [`Ref::LexRole`], and the handle the stack step tells. `known`: the stack already has the
/// role (an update), so the step is done at once.
fn role_step(stack_name: &str, known: bool, created: bool) -> (RoleReady, Node) {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let watch = RoleReady {
        sender: std::sync::Mutex::new(Some(sender)),
    };
    if known {
        watch.ready();
    }
    let stack = stack_name.to_string();
    let node = Node::new(
        format!("lex-role:{stack_name}"),
        format!("Lex bot role in stack {stack_name}"),
        vec![],
        vec![Ref::LexRole],
        move || async move {
            receiver.await.map_err(|_| {
                anyhow::anyhow!("stack {stack} ended before its Lex bot role was ready")
            })?;
            Ok(if created {
                StepOutcome::Created
            } else {
                StepOutcome::Unchanged
            })
        },
    );
    (watch, node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::graph::{self, Ended};

    #[tokio::test]
    async fn the_role_step_ends_when_told_and_fails_when_the_stack_step_ends_untold() {
        let (told, node) = role_step("s", false, true);
        told.ready();
        let result = graph::run(
            super::super::steps::for_deploy(vec![node]),
            &Reporter::silent(),
        )
        .await
        .unwrap();
        assert!(result.ok(), "{:?}", result.steps);

        let (untold, node) = role_step("s", false, true);
        drop(untold);
        let result = graph::run(
            super::super::steps::for_deploy(vec![node]),
            &Reporter::silent(),
        )
        .await
        .unwrap();
        match &result.steps[0].2 {
            Ended::Failed(error) => assert!(
                error.contains("stack s ended before its Lex bot role was ready"),
                "{error}"
            ),
            other => panic!("{other:?}"),
        }

        // An update: the stack has the role already, so nothing needs telling.
        let (_kept, node) = role_step("s", true, false);
        let result = graph::run(
            super::super::steps::for_deploy(vec![node]),
            &Reporter::silent(),
        )
        .await
        .unwrap();
        assert_eq!(result.steps[0].2, Ended::Done(StepOutcome::Unchanged));
    }
}
