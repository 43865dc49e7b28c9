//! Destroy: record → observe → plan → (confirm) → bucket → lock → observe and plan again → steps
//! → forget. What the deployment record says it was made with decides what is removed.

use serde::Serialize;

use super::{Mode, SCHEMA_VERSION, StepResult};
use crate::deploy::desired::Settings;
use crate::deploy::lock::Outcome;
use crate::deploy::model::SolutionChoice;
use crate::deploy::plan::{Plan, PlanItem};
use crate::deploy::record::{self, Record};
use crate::deploy::{Target, observe};
use crate::error::UserError;
use crate::report::Reporter;

/// The JSON document of `destroy` (see docs/output.md).
#[derive(Debug, Serialize)]
pub struct DestroyReport {
    pub schema_version: u32,
    pub command: &'static str,
    pub deployment: String,
    pub instance: String,
    pub solution: SolutionChoice,
    /// Whether the deployment record told what the deployment was made with.
    pub recorded: bool,
    /// `plan`, `nothing-deployed`, `destroyed`, or `incomplete`.
    pub result: &'static str,
    pub plan: Vec<PlanItem>,
    pub steps: Vec<StepResult>,
    /// What could not be removed: resource, why, and what to do.
    pub left: Vec<Left>,
    pub keep_data: bool,
}

#[derive(Debug, Serialize)]
pub struct Left {
    pub resource: String,
    pub why: String,
    pub what_to_do: String,
}

/// What destroy may do.
#[derive(Debug, Clone, Copy)]
pub struct DestroyOptions {
    pub mode: Mode,
    pub keep_data: bool,
}

/// Removes what the deployment created and restores what it changed. The deployment record
/// says what it was made with; `only` narrows it to one solution.
pub async fn destroy(
    target: &Target,
    name: &str,
    only: Option<SolutionChoice>,
    options: DestroyOptions,
    confirm: &dyn Fn(&Plan) -> bool,
    reporter: &Reporter,
) -> anyhow::Result<DestroyReport> {
    let connect = &target.connect;
    let (region, account) = connect.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    let bucket = crate::resources::artifacts::bucket_name(&account, &region);
    let s3 = target.aws.s3();
    let witnessed = crate::deploy::lock::witness(&s3, &bucket, name).await?;
    let record = record::read(&s3, &bucket, name)
        .await?
        .filter(|record| record.instance_arn == connect.instance_arn);
    let mut settings = match &record {
        Some(record) => Settings {
            name: name.to_string(),
            ..record.settings.clone()
        },
        None => Settings::defaults(name),
    };
    let recorded_solution = settings.solution;
    if let Some(only) = only {
        match only.narrowed_to(recorded_solution) {
            Some(solution) => settings.solution = solution,
            None => {
                return Err(UserError::new(format!(
                    "deployment {name} was made with --solution {}; it has no {} to destroy",
                    recorded_solution.id(),
                    only.id()
                ))
                .hint(format!(
                    "pass --solution {} or all, or leave --solution out",
                    recorded_solution.id()
                ))
                .into());
            }
        }
    }
    let recalled = observe::Recalled::from_record(record.as_ref(), &settings);
    let (first_found, mut plan) =
        observe_for_destroy(target, &settings, target.instance_tags.clone(), &recalled).await?;
    let mut report = DestroyReport {
        schema_version: SCHEMA_VERSION,
        command: "destroy",
        deployment: name.to_string(),
        instance: connect.instance_arn.clone(),
        solution: settings.solution,
        recorded: record.is_some(),
        result: "plan",
        plan: plan.items.clone(),
        steps: Vec::new(),
        left: Vec::new(),
        keep_data: options.keep_data,
    };
    let lock_timeout = match options.mode {
        Mode::Apply { lock_timeout } => Some(lock_timeout),
        Mode::PlanOnly => None,
    };
    // A CTR config on a deleted stream that no record proves ours is reported, never touched.
    for (association, stream) in &first_found.dead_ctr_streams {
        if first_found.ctr_association.as_deref() != Some(association.as_str()) {
            report.left.push(Left {
                resource: format!("contact trace records config {association}"),
                why: format!("it streams to {stream}, which does not exist, and no record says this deployment made it"),
                what_to_do: format!(
                    "if nothing else uses it: aws connect disassociate-instance-storage-config --instance-id {} --association-id {association} --resource-type CONTACT_TRACE_RECORDS",
                    connect.instance_id
                ),
            });
        }
    }
    if !plan.has_changes() {
        report.result = "nothing-deployed";
        if lock_timeout.is_some() && record.is_some() && settings.solution == recorded_solution {
            // A record whose resources are all gone (removed by hand) goes too.
            record::delete(&s3, &bucket, name).await?;
            crate::deploy::lock::forget_last_run(&s3, &bucket, name).await?;
            crate::resources::artifacts::delete_bucket_if_empty(&s3, &bucket, &|_| {}).await?;
        }
        return Ok(report);
    }
    let Some(lock_timeout) = lock_timeout else {
        return Ok(report);
    };
    if !confirm(&plan) {
        return Err(UserError::new("destroy cancelled; nothing was changed").into());
    }
    reporter.phase(format!("removing deployment {name}"));
    // The same lock deploy takes, in a bucket that exists before it: a destroy never interleaves
    // with a deploy of this deployment. Under the lock the deployment is read again.
    crate::resources::artifacts::ensure_bucket(
        &s3,
        &bucket,
        &region,
        &*reporter.progress_for("artifacts"),
    )
    .await?;
    let lock = crate::deploy::lock::acquire(
        &s3,
        &bucket,
        name,
        "destroy",
        lock_timeout,
        &*reporter.progress_for("lock"),
    )
    .await?;
    // As in deploy: read again under the lock unless no run can have changed anything since.
    let again = match lock.quiet_since(&witnessed).await {
        Ok(true) => Ok((first_found.clone(), plan.clone())),
        Ok(false) => {
            match observe::describe_instance(&connect.client, &connect.instance_id, &region).await {
                Ok((_, tags)) => observe_for_destroy(target, &settings, tags, &recalled).await,
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    };
    let found = match again {
        Ok((now_found, now_plan)) => {
            if now_plan != plan {
                reporter
                    .phase("the deployment changed while this run waited; the plan was made again");
                if now_plan.has_changes() && !confirm(&now_plan) {
                    lock.release(Outcome::Unchanged).await?;
                    return Err(UserError::new("destroy cancelled; nothing was changed").into());
                }
                report.plan = now_plan.items.clone();
            }
            plan = now_plan;
            if !plan.has_changes() {
                lock.release(Outcome::Unchanged).await?;
                report.result = "nothing-deployed";
                return Ok(report);
            }
            now_found
        }
        Err(err) => {
            lock.release(Outcome::Unchanged).await?;
            return Err(err);
        }
    };
    let outcome = crate::deploy::destroy::run(
        &target.aws,
        connect,
        &settings,
        &found,
        &plan,
        options.keep_data,
        reporter,
    )
    .await;
    let finished = match &outcome {
        Ok(result) if result.ok() => {
            Some(forget(&s3, &bucket, record.as_ref(), &settings, recorded_solution).await)
        }
        _ => None,
    };
    // A deployment removed whole leaves no marker either (so its bucket can go).
    let removed_whole = matches!(&finished, Some(Ok(_))) && settings.solution == recorded_solution;
    lock.release(if removed_whole {
        Outcome::Removed
    } else {
        Outcome::Changed
    })
    .await?;
    let outcome = outcome?;
    if let Some(finished) = finished {
        finished?;
        if settings.solution == recorded_solution {
            let progress = reporter.progress_for("artifacts");
            crate::resources::artifacts::delete_bucket_if_empty(&s3, &bucket, &*progress).await?;
        }
    }
    report.steps = StepResult::all(&outcome);
    for step in &report.steps {
        if let Some(why) = &step.error {
            report.left.push(Left {
                resource: step.label.clone(),
                why: why.clone(),
                what_to_do: "fix the cause and run destroy again; it continues from what is left"
                    .into(),
            });
        }
    }
    report.result = if outcome.ok() {
        "destroyed"
    } else {
        "incomplete"
    };
    Ok(report)
}

/// What the deployment has and the plan that removes it (reads only).
async fn observe_for_destroy(
    target: &Target,
    settings: &Settings,
    instance_tags: std::collections::HashMap<String, String>,
    recalled: &observe::Recalled,
) -> anyhow::Result<(observe::Observed, Plan)> {
    let connect = &target.connect;
    let (region, account) = connect.region_account();
    let mut found = observe::read_deployment(connect, settings, instance_tags, recalled).await?;
    observe::read_aws(&target.aws, connect, settings, &mut found).await?;
    let plan = crate::deploy::destroy::plan_in(&found, settings, region, account);
    Ok((found, plan))
}

/// After a complete destroy: the record goes, or, when one solution of two was destroyed, it
/// keeps the other.
async fn forget(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    record: Option<&Record>,
    destroyed: &Settings,
    recorded_solution: SolutionChoice,
) -> anyhow::Result<()> {
    let remaining = match (recorded_solution, destroyed.solution) {
        (SolutionChoice::All, SolutionChoice::ReturningCallers) => Some(SolutionChoice::Callbacks),
        (SolutionChoice::All, SolutionChoice::Callbacks) => Some(SolutionChoice::ReturningCallers),
        _ => None,
    };
    match (record, remaining) {
        (Some(record), Some(solution)) => {
            let mut record = record.clone();
            record.settings.solution = solution;
            record::write(s3, bucket, &record).await
        }
        _ => record::delete(s3, bucket, &destroyed.name).await,
    }
}
