//! The deploy pipeline: observe → desire → plan → (confirm) → lock → steps → record.
//!
//! The command hands in the settings, whether only to plan, and a confirmation callback; it gets
//! back a [`DeployReport`] to render. Nothing here reads the terminal or writes to stdout.

use std::collections::BTreeMap;

use serde::Serialize;

use super::desired::{self, FlowTemplate, Settings};
use super::graph::{Ended, GraphResult};
use super::model::{LexVersion, SolutionChoice};
use super::plan::{self, Plan, PlanItem, Upstream};
use super::record::{self, Deployed, Record, StackPrint};
use super::{Target, apply, observe, upstream};
use crate::error::UserError;
use crate::report::Reporter;

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
    /// Apply after the confirmation callback agrees.
    Apply,
}

/// Deploys `settings` into the target. A conflict or a refused confirmation is a [`UserError`]
/// (nothing changed); step failures come back in the report with `result = "failed"`.
pub async fn deploy(
    target: &Target,
    settings: &Settings,
    mode: Mode,
    confirm: &dyn Fn(&Plan) -> bool,
    reporter: &Reporter,
) -> anyhow::Result<DeployReport> {
    let connect = &target.connect;
    let current = observe::read(connect, settings, target.instance_tags.clone()).await?;
    super::check_current(settings, &current)?;
    let artifact = upstream::local_artifact(&target.lambda_artifact)?;
    if let Some(stream) = &settings.ctr_stream {
        super::preflight::check_ctr_stream(&target.aws.kinesis(), stream).await?;
    }
    let (region, account) = connect.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    let mut aws_desired =
        upstream::desired(settings, &account, &region, &connect.instance_arn, artifact)?;
    upstream::set_ctr_stream_parameter(&mut aws_desired, settings, &current, &region, &account);
    let aws_current = upstream::read(&target.aws, &aws_desired).await?;
    let inputs = upstream::connect_inputs(&aws_current, settings, &region, &account);
    let templates: Vec<FlowTemplate> = desired::flow_templates(settings);
    let mut plan = plan::compute(settings, &current, &templates, &inputs);
    let mut items = upstream::plan(&aws_desired, &aws_current, &settings.name);
    items.append(&mut plan.items);
    plan.items = items;
    refuse_conflicts(&plan)?;
    let previous = record::read(
        &target.aws.s3(),
        &aws_desired.artifacts.bucket,
        &settings.name,
    )
    .await
    .ok()
    .flatten();
    let mut report = DeployReport {
        schema_version: SCHEMA_VERSION,
        command: "deploy",
        deployment: settings.name.clone(),
        instance: connect.instance_arn.clone(),
        solution: settings.solution,
        lex: settings.lex,
        result: "plan",
        plan: plan.items.clone(),
        steps: Vec::new(),
        resources: super::resource_arns(&current, settings),
        connect_requests: 0,
        pacing_wait_seconds: 0.0,
        elapsed_seconds: 0.0,
    };
    let finish = |report: &mut DeployReport| {
        report.connect_requests = target.aws.connect_pacer().requests();
        report.pacing_wait_seconds = target.aws.connect_pacer().waited().as_secs_f64();
        report.elapsed_seconds = reporter.elapsed().as_secs_f64();
    };
    if mode == Mode::PlanOnly {
        finish(&mut report);
        return Ok(report);
    }
    if !plan.has_changes() {
        report.result = "no-changes";
        // A deployment made before records existed, or by another version, gets its record now.
        let mut refs = plan::known_refs(&current, &inputs);
        for stack in aws_current.stacks.values().flatten() {
            refs.extend(upstream::refs_from_outputs(&stack.outputs));
        }
        let record = record_of(target, settings, &aws_desired, &templates, &refs, &inputs);
        if previous.as_ref() != Some(&record) {
            record::write(&target.aws.s3(), &aws_desired.artifacts.bucket, &record).await?;
        }
        finish(&mut report);
        return Ok(report);
    }
    if !confirm(&plan) {
        return Err(UserError::new("deploy cancelled; nothing was changed").into());
    }
    let count = plan.changes().count();
    reporter.phase(format!(
        "applying {count} change{}",
        if count == 1 { "" } else { "s" }
    ));
    let lock = super::lock::acquire(
        &target.aws.s3(),
        &aws_desired.artifacts.bucket,
        &settings.name,
        "deploy",
    )
    .await?;
    let outcome = apply::run(
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
    let written = match &outcome {
        Ok((result, refs)) if result.ok() => {
            let record = record_of(target, settings, &aws_desired, &templates, refs, &inputs);
            Some(record::write(&target.aws.s3(), &aws_desired.artifacts.bucket, &record).await)
        }
        _ => None,
    };
    if let Some(lock) = lock {
        lock.release().await?;
    }
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
            "queue" => desired::QUEUES
                .iter()
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
) -> Record {
    let mut deployed = Deployed::default();
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
        LexVersion::V1 => crate::resources::lexv1::fingerprint(spec),
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
    let mut found =
        super::observe::read_deployment(connect, &settings, target.instance_tags.clone()).await?;
    super::observe::read_aws(&target.aws, connect, &settings, &mut found).await?;
    let plan = super::destroy::plan_in(&found, &settings, &region, &account);
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
    let anything = plan.items.iter().any(|item| item.change.is_mutation());
    if !anything {
        report.result = "nothing-deployed";
        if options.mode == Mode::Apply && record.is_some() && settings.solution == recorded_solution
        {
            // A record whose resources are all gone (removed by hand) goes too.
            record::delete(&s3, &bucket, name).await?;
            crate::resources::artifacts::delete_bucket_if_empty(&s3, &bucket, &|_| {}).await?;
        }
        return Ok(report);
    }
    if options.mode == Mode::PlanOnly {
        return Ok(report);
    }
    if !confirm(&plan) {
        return Err(UserError::new("destroy cancelled; nothing was changed").into());
    }
    reporter.phase(format!("removing deployment {name}"));
    // The same lock deploy takes: a destroy never interleaves with a deploy of this deployment.
    let lock = super::lock::acquire(&s3, &bucket, name, "destroy").await?;
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
    if let Some(lock) = lock {
        lock.release().await?;
    }
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
