//! Deploy: desired state, plan, and the dependency graph that applies it (issue 5).
//!
//! `desired` (pure: assets + settings) → `current` (list/search reads) → `plan` (pure diff) →
//! `apply` (graph of steps, `graph` runs it). Preflight refuses bad input before any change:
//! everything that can be checked is checked before the first mutating call.

pub mod apply;
pub mod aws_side;
pub mod aws_side_steps;
pub mod current;
pub mod desired;
pub mod destroy;
pub mod graph;
pub mod lock;
pub mod plan;
pub mod preflight;

use std::collections::BTreeMap;
use std::io::IsTerminal as _;

use crate::aws::{Aws, Pacing};
use crate::cli::GlobalArgs;
use crate::error::UserError;
use crate::instance::InstanceRef;
use crate::resources::connect::Connect;

/// Hidden knob for tests and benchmarks: `CONNECT_RETURNS_CONNECT_PACING=<rate>[,<burst>]`
/// (rate 0 turns pacing off).
pub const PACING_VAR: &str = "CONNECT_RETURNS_CONNECT_PACING";

/// The pacing the commands use: 98 % of the documented quota rate (2/s), burst 5. Pacing at
/// exactly the quota lets network jitter bring two requests closer than the service's refill
/// interval, which it answers with a 429 (measured in the benchmark: about one per deploy); the
/// 2 % margin removed them there at about 2 % of wall time.
pub fn pacing_from_env() -> Pacing {
    let quota = Pacing::default();
    let mut pacing = Pacing {
        rate_per_second: quota.rate_per_second * 0.98,
        burst: quota.burst,
    };
    if let Ok(value) = std::env::var(PACING_VAR) {
        let mut parts = value.split(',').map(str::trim);
        if let Some(rate) = parts.next().and_then(|rate| rate.parse().ok()) {
            pacing.rate_per_second = rate;
        }
        if let Some(burst) = parts.next().and_then(|burst| burst.parse().ok()) {
            pacing.burst = burst;
        }
    }
    pacing
}

/// Refuses a mutating run without a terminal unless `--yes` was given.
pub fn require_yes(yes: bool, command: &str) -> Result<(), UserError> {
    if yes || std::io::stdin().is_terminal() {
        return Ok(());
    }
    Err(UserError::new(format!(
        "{command} changes AWS resources and there is no terminal to confirm on"
    ))
    .hint(format!(
        "pass --yes to {command} without asking, or --plan to only see what would change"
    )))
}

/// Asks on the terminal; `true` to go on.
pub fn confirm(question: &str) -> bool {
    use std::io::{BufRead as _, Write as _};
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question} [y/N] ");
    let _ = stderr.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

/// The connection to one instance after preflight: clients loaded, Region checked,
/// credentials found, instance described.
pub struct Target {
    pub aws: Aws,
    pub cx: Connect,
    pub instance_tags: std::collections::HashMap<String, String>,
}

/// Loads AWS settings and checks the instance exists. Every failure is bad input (exit 2).
pub async fn connect(
    global: &GlobalArgs,
    instance: &InstanceRef,
    deployment: &str,
) -> anyhow::Result<Target> {
    let aws = Aws::load(global, pacing_from_env()).await?;
    instance.check_region(aws.region())?;
    aws.check_credentials().await?;
    let client = aws.connect();
    let (arn, instance_tags) =
        current::describe_instance(&client, &instance.id, aws.region()).await?;
    let cx = Connect {
        client,
        instance_id: instance.id.clone(),
        instance_arn: arn,
        deployment: deployment.to_string(),
    };
    Ok(Target {
        aws,
        cx,
        instance_tags,
    })
}

/// Checks that what the settings name exists in the instance (after reading it).
pub fn check_current(
    settings: &desired::Settings,
    current: &current::Current,
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
    current: &current::Current,
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
