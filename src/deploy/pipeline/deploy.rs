//! Deploy: observe → desire → plan → (confirm) → bucket → lock → observe and plan again → steps
//! → record. Only the plan made under the lock is applied.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Mode, SCHEMA_VERSION, StepResult};
use crate::deploy::desired::{self, FlowTemplate, Settings};
use crate::deploy::lock::Outcome;
use crate::deploy::model::{LexVersion, SolutionChoice};
use crate::deploy::plan::{self, Plan, PlanItem, Upstream};
use crate::deploy::record::{self, Deployed, Record, StackPrint};
use crate::deploy::{Target, apply, observe, upstream};
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
    crate::deploy::check_current(settings, &current)?;
    let artifact = artifact.clone();
    if let Some(stream) = &settings.ctr_stream {
        crate::deploy::preflight::check_ctr_stream(&target.aws.kinesis(), stream).await?;
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
    let retire = crate::deploy::destroy::earlier_bots_removal(&earlier, &region, &account);
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
        crate::deploy::lock::witness(&s3, &bucket, &settings.name),
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
        resources: crate::deploy::resource_arns(&first.current, settings),
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
    let lock = crate::deploy::lock::acquire(
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
        let retired = crate::deploy::destroy::run(
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
