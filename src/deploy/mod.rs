//! The engine: deploy, status and destroy of one deployment, knowing nothing of clap or the
//! terminal (`tests/e2e/tidy.rs` enforces it).
//!
//! `model` (settings) → `current` + `upstream::read` (observe) → `desired` (pure) → `plan`
//! (pure diff) → `apply` (graph of steps, run by `graph`) → `record` (what was deployed).
//! `pipeline` strings deploy and destroy together; `status` compares what exists with the
//! record and with what this version would deploy. Preflight refuses bad input before any
//! change.

// By phase: what a deployment is, what exists, what should exist, the difference, the steps
// that close it, and the pipelines that string these together.
pub mod apply;
pub mod desired;
pub mod destroy;
pub mod graph;
pub mod lock;
pub mod model;
pub mod observe;
pub mod pipeline;
pub mod plan;
pub mod preflight;
pub mod record;
pub mod status;
pub mod steps;
pub mod upstream;
pub mod upstream_steps;

use std::collections::BTreeMap;

use crate::aws::{Aws, AwsOptions, Pacing};
use crate::error::UserError;
use crate::instance::InstanceRef;
use crate::resources::connect::Connect;

/// The connection to one instance after preflight: clients loaded, Region checked,
/// credentials found, instance described.
pub struct Target {
    pub aws: Aws,
    pub connect: Connect,
    pub instance_tags: std::collections::HashMap<String, String>,
    /// Where the Lambda artifact comes from (the embedded one unless the command says otherwise).
    pub lambda_artifact: crate::artifact_source::ArtifactSource,
    /// The Lex V2 bot waits for the whole returning-callers stack, not only its role (the older
    /// order; for the benchmark's comparison).
    pub lex_waits_for_stack: bool,
}

/// Loads AWS settings and checks the instance exists. Every failure is bad input (exit 2).
pub async fn connect(
    options: &AwsOptions,
    pacing: Pacing,
    instance: &InstanceRef,
    deployment: &str,
) -> anyhow::Result<Target> {
    let aws = Aws::load(options, pacing).await?;
    instance.check_region(aws.region())?;
    aws.check_credentials().await?;
    let account = aws.caller_account().await?;
    instance.check_account(&account)?;
    let client = aws.connect();
    let (arn, instance_tags) =
        observe::describe_instance(&client, &instance.id, aws.region()).await?;
    let connect = Connect {
        client,
        instance_id: instance.id.clone(),
        instance_arn: arn,
        deployment: deployment.to_string(),
    };
    Ok(Target {
        aws,
        connect,
        instance_tags,
        lambda_artifact: Default::default(),
        lex_waits_for_stack: false,
    })
}

/// Checks that what the settings name exists in the instance (after reading it).
pub fn check_current(
    settings: &desired::Settings,
    current: &observe::Current,
) -> Result<(), UserError> {
    if settings.returning_callers()
        && crate::resources::connect::hours::find(&current.hours, &settings.hours).is_none()
    {
        let known: Vec<&str> = current
            .hours
            .iter()
            .map(|hours| hours.name.as_str())
            .collect();
        return Err(UserError::new(format!(
            "hours of operation {:?} not found in the instance",
            settings.hours
        ))
        .hint(format!("pass --hours with one of: {}", known.join(", "))));
    }
    if settings.callbacks() && !current.queues.contains_key(&settings.callback_queue) {
        return Err(UserError::new(format!("callback queue {:?} not found in the instance", settings.callback_queue))
            .hint("pass --callback-queue with the name of an existing standard queue (the blog uses BasicQueue)"));
    }
    for (flag, number) in [
        ("--phone-number", &settings.phone_number),
        ("--callback-phone-number", &settings.callback_phone_number),
    ] {
        if let Some(number) = number
            && !current
                .phones
                .iter()
                .any(|claimed| &claimed.number == number)
        {
            return Err(UserError::new(format!(
                "{flag} {} is not claimed in the instance",
                crate::resources::connect::phone::masked(number)
            ))
            .hint("claim the number in the Connect console (Channels → Phone numbers) or pass a claimed one"));
        }
    }
    Ok(())
}

/// The ARNs a summary shows, by `kind:name`.
pub fn resource_arns(
    current: &observe::Current,
    settings: &desired::Settings,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, queue) in &current.queues {
        if crate::resources::Ownership::of(&queue.tags, &settings.name).is_ours_or_adopted() {
            out.insert(format!("queue:{name}"), queue.arn.clone());
        }
    }
    if let Some(profile) = &current.routing_profile
        && crate::resources::Ownership::of(&profile.tags, &settings.name).is_ours_or_adopted()
    {
        out.insert(
            format!("routing-profile:{}", profile.name),
            profile.arn.clone(),
        );
    }
    for (name, flow) in &current.flows {
        if crate::resources::Ownership::of(&flow.tags, &settings.name).is_ours_or_adopted() {
            out.insert(format!("flow:{name}"), flow.arn.clone());
        }
    }
    out
}
