//! The deploy pipeline: observe → desire → plan → (confirm) → lock → steps → record.
//!
//! The command hands in the settings, whether only to plan, and a confirmation callback; it gets
//! back a [`DeployReport`] to render. Nothing here reads the terminal or writes to stdout.

use std::collections::BTreeMap;

use serde::Serialize;

use super::desired::{self, FlowTemplate, Settings};
use super::graph::{Ended, GraphResult};
use super::lock::Outcome;
use super::model::{LexVersion, SolutionChoice};
use super::plan::{self, Plan, PlanItem, Upstream};
use super::record::{self, Deployed, Record, StackPrint};
use super::{Target, apply, observe, upstream};
use crate::error::UserError;
use crate::report::Reporter;
use crate::resources::artifacts;

/// The JSON document of `deploy` (see docs/output.md).
#[derive(Debug, Serialize)]
pub struct DeployReport {
    pub schema_version: u32,
    pub command: &'static str,
    pub deployment: String,
    pub instance: String,
    pub solution: SolutionChoice,
    pub lex: LexVersion,
    /// `plan` (nothing applied), `no-changes`, `applied`, or `failed`.
    pub result: &'static str,
    pub plan: Vec<PlanItem>,
    pub steps: Vec<StepResult>,
    /// ARNs of the deployment's resources, by `kind:name`.
    pub resources: BTreeMap<String, String>,
    /// Connect requests sent (attempts, retries included) and seconds spent waiting on the pacer.
    pub connect_requests: u64,
    pub pacing_wait_seconds: f64,
    pub elapsed_seconds: f64,
}

/// Version of the deploy and destroy JSON documents.
pub const SCHEMA_VERSION: u32 = 1;

/// How one applied step ended.
#[derive(Debug, Serialize)]
pub struct StepResult {
    pub step: String,
    pub label: String,
    /// created, updated, unchanged, adopted, deleted, restored, kept, failed, skipped.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepResult {
    /// One result per step of a graph run.
    pub fn all(result: &GraphResult) -> Vec<StepResult> {
        result
            .steps
            .iter()
            .map(|(step, label, ended)| {
                let (outcome, error) = match ended {
                    Ended::Done(outcome) => (outcome.word().to_string(), None),
                    Ended::Failed(error) => ("failed".to_string(), Some(error.clone())),
                    Ended::Skipped(because) => ("skipped".to_string(), Some(because.clone())),
                };
                StepResult {
                    step: step.clone(),
                    label: label.clone(),
                    outcome,
                    error,
                }
            })
            .collect()
    }
}

/// What the deploy may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--plan`: read and diff, change nothing.
    PlanOnly,
    /// Apply after the confirmation callback agrees; wait at most `lock_timeout` for another
    /// run of the deployment to finish (zero: refuse at once).
    Apply { lock_timeout: std::time::Duration },
}

/// A deployment made before records existed, or by another version, gets its record now.
async fn write_record_if_stale(
    target: &Target,
    settings: &Settings,
    prepared: &Prepared,
    previous: Option<&Record>,
) -> anyhow::Result<()> {
    let mut refs = plan::known_refs(&prepared.current, &prepared.inputs);
    for stack in prepared.aws_current.stacks.values().flatten() {
        refs.extend(upstream::refs_from_outputs(&stack.outputs));
    }
    let record = record_of(
        target,
        settings,
        &prepared.aws_desired,
        &prepared.templates,
        &refs,
        &prepared.inputs,
        &prepared.current,
    );
    if previous != Some(&record) {
        record::write(
            &target.aws.s3(),
            &prepared.aws_desired.artifacts.bucket,
            &record,
        )
        .await?;
    }
    Ok(())
}

/// Everything a deploy knows before it changes anything: what exists, what should, and the plan.
struct Prepared {
    current: observe::Current,
    aws_desired: upstream::AwsDesired,
    aws_current: upstream::AwsCurrent,
    inputs: Upstream,
    templates: Vec<FlowTemplate>,
    plan: Plan,
    /// This deployment's bots under an earlier name, and the plan items that remove them.
    earlier: observe::Observed,
    retire: Vec<PlanItem>,
}

/// Observes and plans (reads only). A conflict is bad input.
async fn prepare(
    target: &Target,
    settings: &Settings,
    instance_tags: std::collections::HashMap<String, String>,
    artifact: &artifacts::LocalArtifact,
    recalled: &observe::Recalled,
) -> anyhow::Result<Prepared> {
    let current = observe::read(&target.connect, settings, instance_tags, recalled).await?;
    prepare_with(target, settings, current, artifact).await
}

/// [`prepare`] with the instance's state already read: reads the AWS side and plans.
async fn prepare_with(
    target: &Target,
    settings: &Settings,
    current: observe::Current,
    artifact: &artifacts::LocalArtifact,
) -> anyhow::Result<Prepared> {
    let connect = &target.connect;
    super::check_current(settings, &current)?;
    let artifact = artifact.clone();
    if let Some(stream) = &settings.ctr_stream {
        super::preflight::check_ctr_stream(&target.aws.kinesis(), stream).await?;
    }
    let (region, account) = connect.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    let mut aws_desired =
        upstream::desired(settings, &account, &region, &connect.instance_arn, artifact)?;
    aws_desired.lex_waits_for_stack = target.lex_waits_for_stack;
    upstream::set_ctr_stream_parameter(&mut aws_desired, settings, &current, &region, &account);
    let (aws_current, earlier_bots) = tokio::try_join!(
        upstream::read(&target.aws, &aws_desired),
        observe::read_earlier_bots(&target.aws, settings),
    )?;
    let inputs = upstream::connect_inputs(&aws_current, settings, &region, &account);
    let templates: Vec<FlowTemplate> = desired::flow_templates(settings);
    let mut plan = plan::compute(settings, &current, &templates, &inputs);
    let mut items = upstream::plan(&aws_desired, &aws_current, &settings.name);
    items.append(&mut plan.items);
    // Bots an earlier release named otherwise go once the flows use the deployment's own.
    let earlier = observe::Observed {
        current: current.clone(),
        earlier_bots,
        ..observe::Observed::default()
    };
    let retire = super::destroy::earlier_bots_removal(&earlier, &region, &account);
    items.extend(retire.iter().cloned());
    plan.items = items;
    refuse_conflicts(&plan)?;
    Ok(Prepared {
        current,
        aws_desired,
        aws_current,
        inputs,
        templates,
        plan,
        earlier,
        retire,
    })
}

/// Deploys `settings` into the target. A conflict or a refused confirmation is a [`UserError`]
/// (nothing changed); step failures come back in the report with `result = "failed"`.
///
/// Locking: the plan is made and confirmed without the lock (a no-op or cancelled deploy writes
/// nothing). Before the first change the artifact bucket is made sure of and the lock taken; then
/// the deployment is read and planned again under the lock, because another run may have changed
/// it since. Only that second plan is applied.
pub async fn deploy(
    target: &Target,
    settings: &Settings,
    mode: Mode,
    confirm: &dyn Fn(&Plan) -> bool,
    reporter: &Reporter,
) -> anyhow::Result<DeployReport> {
    let connect = &target.connect;
    // Checked once (hashing the zip is the slowest local step), before the first request.
    let artifact = upstream::local_artifact(&target.lambda_artifact)?;
    let (region, account) = connect.region_account();
    let bucket = crate::resources::artifacts::bucket_name(account, region);
    let s3 = target.aws.s3();
    let (witnessed, previous) = tokio::join!(
        super::lock::witness(&s3, &bucket, &settings.name),
        record::read(&s3, &bucket, &settings.name),
    );
    let witnessed = witnessed?;
    // An unreadable record only costs the lookups it would have saved.
    let previous = previous.ok().flatten();
    if let Some(previous) = previous
        .as_ref()
        .filter(|record| record.instance_arn == connect.instance_arn)
    {
        refuse_dropped_queues(&previous.settings, settings)?;
    }
    let recalled = observe::Recalled::from_record(
        previous
            .as_ref()
            .filter(|record| record.instance_arn == connect.instance_arn),
        settings,
    );
    let first = prepare(
        target,
        settings,
        target.instance_tags.clone(),
        &artifact,
        &recalled,
    )
    .await?;
    let mut report = DeployReport {
        schema_version: SCHEMA_VERSION,
        command: "deploy",
        deployment: settings.name.clone(),
        instance: connect.instance_arn.clone(),
        solution: settings.solution,
        lex: settings.lex,
        result: "plan",
        plan: first.plan.items.clone(),
        steps: Vec::new(),
        resources: super::resource_arns(&first.current, settings),
        connect_requests: 0,
        pacing_wait_seconds: 0.0,
        elapsed_seconds: 0.0,
    };
    let finish = |report: &mut DeployReport| {
        report.connect_requests = target.aws.connect_pacer().requests();
        report.pacing_wait_seconds = target.aws.connect_pacer().waited().as_secs_f64();
        report.elapsed_seconds = reporter.elapsed().as_secs_f64();
    };
    let lock_timeout = match mode {
        Mode::PlanOnly => {
            finish(&mut report);
            return Ok(report);
        }
        Mode::Apply { lock_timeout } => lock_timeout,
    };
    if !first.plan.has_changes() {
        report.result = "no-changes";
        write_record_if_stale(target, settings, &first, previous.as_ref()).await?;
        finish(&mut report);
        return Ok(report);
    }
    if !confirm(&first.plan) {
        return Err(UserError::new("deploy cancelled; nothing was changed").into());
    }
    crate::resources::artifacts::ensure_bucket(
        &s3,
        &bucket,
        connect.region_account().0,
        &*reporter.progress_for("artifacts"),
    )
    .await?;
    let lock = super::lock::acquire(
        &s3,
        &bucket,
        &settings.name,
        "deploy",
        lock_timeout,
        &*reporter.progress_for("lock"),
    )
    .await?;
    // Under the lock: what another run did meanwhile is seen before anything is applied. When
    // no run can have changed the deployment since the first read, the instance is not read
    // again (only the AWS side, which this run may just have changed by making the bucket).
    let prepared = match lock.quiet_since(&witnessed).await {
        Ok(true) => prepare_with(target, settings, first.current.clone(), &artifact).await,
        Ok(false) => {
            let fresh_tags = observe::describe_instance(
                &connect.client,
                &connect.instance_id,
                connect.region_account().0,
            )
            .await
            .map(|(_, tags)| tags);
            match fresh_tags {
                Ok(tags) => prepare(target, settings, tags, &artifact, &recalled).await,
                Err(err) => Err(err),
            }
        }
        Err(err) => Err(err),
    };
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(err) => {
            lock.release(Outcome::Unchanged).await?;
            return Err(err);
        }
    };
    if !prepared.plan.has_changes() {
        lock.release(Outcome::Unchanged).await?;
        report.result = "no-changes";
        report.plan = prepared.plan.items.clone();
        finish(&mut report);
        return Ok(report);
    }
    // This run made the artifact bucket itself just now (ensure_bucket): that is not a change by
    // someone else, so it does not count as one.
    if !prepared.plan.same_apart_from(&first.plan, "artifacts") {
        reporter.phase("the deployment changed while this run waited; the plan was made again");
        if !confirm(&prepared.plan) {
            lock.release(Outcome::Unchanged).await?;
            return Err(UserError::new("deploy cancelled; nothing was changed").into());
        }
        report.plan = prepared.plan.items.clone();
    }
    let Prepared {
        current,
        aws_desired,
        aws_current,
        inputs,
        templates,
        plan,
        earlier,
        retire,
    } = prepared;
    let count = plan.changes().count();
    reporter.phase(format!(
        "applying {count} change{}",
        if count == 1 { "" } else { "s" }
    ));
    let mut outcome = apply::run(
        connect,
        settings,
        &current,
        &templates,
        &inputs,
        &plan,
        Some((&target.aws, &aws_desired, &aws_current)),
        reporter,
    )
    .await;
    if let Ok((result, _)) = &mut outcome
        && result.ok()
        && !retire.is_empty()
    {
        for bot in &earlier.earlier_bots {
            reporter.phase(format!(
                "removing Lex bot {}, this deployment's bot under an earlier name",
                bot.name()
            ));
        }
        let retired = super::destroy::run(
            &target.aws,
            connect,
            settings,
            &earlier,
            &Plan { items: retire },
            false,
            reporter,
        )
        .await;
        match retired {
            Ok(retired) => result.steps.extend(retired.steps),
            Err(err) => outcome = Err(err),
        }
    }
    let written = match &outcome {
        Ok((result, refs)) if result.ok() => {
            let record = record_of(
                target,
                settings,
                &aws_desired,
                &templates,
                refs,
                &inputs,
                &current,
            );
            Some(record::write(&target.aws.s3(), &aws_desired.artifacts.bucket, &record).await)
        }
        _ => None,
    };
    lock.release(Outcome::Changed).await?;
    let (outcome, refs) = outcome?;
    if let Some(written) = written {
        written?;
    }
    report.steps = StepResult::all(&outcome);
    report
        .resources
        .extend(created_arns(settings, &templates, &refs, &report.resources));
    report.result = if outcome.ok() { "applied" } else { "failed" };
    finish(&mut report);
    Ok(report)
}

/// A plan with a conflict changes nothing: bad input, with the hints each conflict carries.
fn refuse_conflicts(plan: &Plan) -> Result<(), UserError> {
    let conflicts: Vec<(&str, Option<&str>)> = plan
        .conflicts()
        .filter_map(|item| match &item.change {
            crate::resources::Change::Conflict { reason, hint } => {
                Some((reason.as_str(), hint.as_deref()))
            }
            _ => None,
        })
        .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    let reasons: Vec<&str> = conflicts.iter().map(|(reason, _)| *reason).collect();
    let mut error = UserError::new(format!("{} (nothing was changed)", reasons.join("; ")));
    let mut hints: Vec<&str> = conflicts.iter().filter_map(|(_, hint)| *hint).collect();
    hints.dedup();
    for hint in hints {
        error = error.hint(hint);
    }
    if conflicts.iter().any(|(_, hint)| hint.is_none()) {
        error = error
            .hint("pass --adopt to use the existing resources (recorded as adopted and left in place on destroy)")
            .hint("or remove or rename them, or pass --prefix to give this deployment's resources other names");
    }
    Err(error)
}

/// Refuses a deploy whose menu leaves out a queue the recorded deployment created: deploy never
/// deletes a queue (agents and reports may still use it), and destroy only removes the queues of
/// the recorded menu, so the queue would be left behind.
fn refuse_dropped_queues(recorded: &Settings, settings: &Settings) -> Result<(), UserError> {
    let same_names = recorded.prefix == settings.prefix;
    if !same_names || !recorded.returning_callers() || !settings.returning_callers() {
        return Ok(());
    }
    let kept: Vec<String> = settings
        .menu
        .names()
        .map(|name| settings.named(name))
        .collect();
    let dropped: Vec<String> = recorded
        .menu
        .names()
        .map(|name| recorded.named(name))
        .filter(|name| !kept.contains(name))
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    Err(UserError::new(format!(
        "the menu leaves out {} queue(s) deployment {} created: {}",
        dropped.len(),
        settings.name,
        dropped.join(", ")
    ))
    .hint("keep them in [[queues]] (a new key is fine), or run `connect-returns destroy` first and deploy the new menu after"))
}

/// The ARNs the steps created that the summary shows (no extra reads).
fn created_arns(
    settings: &Settings,
    templates: &[FlowTemplate],
    refs: &BTreeMap<(String, String), String>,
    known: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for ((kind, name), arn) in refs {
        let ours = match kind.as_str() {
            "queue" => settings
                .menu
                .names()
                .any(|queue| settings.named(queue) == *name),
            "flow" => templates
                .iter()
                .any(|template| settings.named(&template.name) == *name),
            "routing-profile" | "lex" | "lambda" => true,
            _ => false,
        };
        let id = format!("{kind}:{name}");
        if ours
            && !known.contains_key(&id)
            && !(kind == "queue" && name == &settings.callback_queue)
        {
            out.insert(id, arn.clone());
        }
    }
    out
}

/// The record of what this run deployed: the settings and the fingerprints of what was written.
fn record_of(
    target: &Target,
    settings: &Settings,
    aws_desired: &upstream::AwsDesired,
    templates: &[FlowTemplate],
    refs: &BTreeMap<(String, String), String>,
    inputs: &Upstream,
    current: &observe::Current,
) -> Record {
    let mut deployed = Deployed::default();
    if settings.returning_callers() {
        deployed.hours = crate::resources::connect::hours::find(&current.hours, &settings.hours)
            .map(|hours| record::RecordedHours {
                name: hours.name.clone(),
                id: hours.id.clone(),
                arn: hours.arn.clone(),
            });
    }
    for template in templates {
        let (flow, missing) = plan::desired_flow_with_missing(template, settings, refs, inputs);
        if missing.is_empty() {
            deployed
                .flows
                .insert(flow.name.clone(), record::flow_print(&flow.content));
        }
    }
    for stack in aws_desired.stacks.values() {
        deployed.stacks.insert(
            stack.stack_name.clone(),
            StackPrint::of(&stack.template_body, &stack.parameters),
        );
    }
    deployed.bot = aws_desired.bot.as_ref().map(|spec| match settings.lex {
        LexVersion::V1 => crate::resources::lex::v1::fingerprint(spec),
        LexVersion::V2 => spec.fingerprint_v2(),
    });
    Record {
        format: record::RECORD_FORMAT,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        assets_fingerprint: record::assets_fingerprint(),
        instance_arn: target.connect.instance_arn.clone(),
        settings: settings.clone(),
        deployed,
    }
}

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
    let witnessed = super::lock::witness(&s3, &bucket, name).await?;
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
            super::lock::forget_last_run(&s3, &bucket, name).await?;
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
    let lock = super::lock::acquire(
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
    let outcome = super::destroy::run(
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
    let plan = super::destroy::plan_in(&found, settings, region, account);
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
