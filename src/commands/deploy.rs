//! `connect-returns deploy`: make a deployment match this version's assets and settings.

use clap::{Args, ValueEnum};

use std::collections::BTreeMap;

use crate::cli::{GlobalArgs, SolutionChoice, TargetArgs};
use crate::deploy::desired::{self, Settings};
use crate::deploy::graph::Ended;
use crate::deploy::plan::{self, PlanItem};
use crate::deploy::{self, apply, aws_side, current};
use crate::error::{Outcome, UserError};
use crate::instance::InstanceRef;
use crate::output::print_result;
use crate::report::Reporter;

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Reads what exists (CloudFormation stacks, tagged Connect and Lex resources), shows the\n\
changes, and applies them as a dependency graph, pacing Connect calls at its quota. An\n\
unchanged re-deploy makes no change. Without a terminal, --yes is required."
)]
pub struct DeployArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Lex version of the bot: v2, or v1 (past end of support since 2025-09-15)
    #[arg(long, value_enum, default_value_t = LexVersion::V2, env = "CONNECT_RETURNS_LEX")]
    pub lex: LexVersion,
    /// Minutes a caller counts as returning (DynamoDB TTL of the call record)
    #[arg(
        long,
        default_value_t = 180,
        env = "CONNECT_RETURNS_RECORD_TTL_MINUTES",
        value_name = "N"
    )]
    pub record_ttl_minutes: i64,
    /// Hours a callback record is kept
    #[arg(
        long,
        default_value_t = 24,
        env = "CONNECT_RETURNS_CALLBACK_TTL_HOURS",
        value_name = "N"
    )]
    pub callback_ttl_hours: i64,
    /// Queue whose outbound whisper becomes the callback whisper (restored on destroy)
    #[arg(
        long,
        default_value = "BasicQueue",
        env = "CONNECT_RETURNS_CALLBACK_QUEUE",
        value_name = "NAME"
    )]
    pub callback_queue: String,
    /// Existing Kinesis stream for contact trace records (name or ARN); default: reuse the
    /// instance's, else create one
    #[arg(long, env = "CONNECT_RETURNS_CTR_STREAM", value_name = "NAME|ARN")]
    pub ctr_stream: Option<String>,
    /// Hours of operation of the new queues
    #[arg(
        long,
        default_value = "Basic Hours",
        env = "CONNECT_RETURNS_HOURS",
        value_name = "NAME"
    )]
    pub hours: String,
    /// Claimed phone number to point at repeatCallerFlow (E.164)
    #[arg(long, env = "CONNECT_RETURNS_PHONE_NUMBER", value_name = "+E164")]
    pub phone_number: Option<String>,
    /// Claimed phone number to point at cfSetCallBackflow (E.164)
    #[arg(
        long,
        env = "CONNECT_RETURNS_CALLBACK_PHONE_NUMBER",
        value_name = "+E164"
    )]
    pub callback_phone_number: Option<String>,
    /// Use same-named resources that lack our tag instead of refusing (left in place on destroy)
    #[arg(long)]
    pub adopt: bool,
    /// Show what would change and make no change
    #[arg(long)]
    pub plan: bool,
    /// Apply without asking (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also write the JSON result to this file
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LexVersion {
    V2,
    V1,
}

/// The JSON document of `deploy` (see docs/output.md).
#[derive(Debug, serde::Serialize)]
pub struct DeployResult {
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

/// How one applied step ended.
#[derive(Debug, serde::Serialize)]
pub struct StepResult {
    pub step: String,
    pub label: String,
    /// created, updated, unchanged, adopted, failed, skipped.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl std::fmt::Display for DeployResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let title = match self.result {
            "plan" => format!("plan for deployment {} (nothing applied)", self.deployment),
            _ => format!("deployment {}", self.deployment),
        };
        if self.result == "plan" || self.result == "no-changes" {
            write!(
                f,
                "{}",
                crate::deploy::plan::render(
                    &crate::deploy::plan::Plan {
                        items: self.plan.clone()
                    },
                    &title
                )
            )?;
        } else {
            writeln!(f, "{title}")?;
            for step in &self.steps {
                match &step.error {
                    Some(error) => writeln!(f, "  {:<9} {}: {error}", step.outcome, step.label)?,
                    None => writeln!(f, "  {:<9} {}", step.outcome, step.label)?,
                }
            }
        }
        match self.result {
            "no-changes" => writeln!(f, "no changes: the deployment matches this version")?,
            "applied" => writeln!(
                f,
                "deployed in {:.1} s ({} Connect requests)",
                self.elapsed_seconds, self.connect_requests
            )?,
            "failed" => writeln!(f, "deploy failed; re-run to continue from what exists")?,
            _ => {}
        }
        if !self.resources.is_empty() && self.result != "plan" {
            writeln!(f, "resources:")?;
            for (name, arn) in &self.resources {
                writeln!(f, "  {name:<40} {arn}")?;
            }
        }
        Ok(())
    }
}

fn settings_of(args: &DeployArgs) -> Settings {
    Settings {
        name: args.target.name.clone(),
        solution: args.target.solution,
        lex: args.lex,
        prefix: args.target.prefix.clone().unwrap_or_default(),
        hours: args.hours.clone(),
        callback_queue: args.callback_queue.clone(),
        ctr_stream: args.ctr_stream.clone(),
        phone_number: args.phone_number.clone(),
        callback_phone_number: args.callback_phone_number.clone(),
        record_ttl_minutes: args.record_ttl_minutes,
        callback_ttl_hours: args.callback_ttl_hours,
        adopt: args.adopt,
    }
}

pub async fn run(global: &GlobalArgs, args: &DeployArgs) -> anyhow::Result<Outcome> {
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let settings = settings_of(args);
    desired::check(&settings)?;
    // The assets about to be deployed pass the same offline validation as `validate`.
    deploy::preflight::check_shipped_assets(&aws_side::solutions(&settings))?;
    if !args.plan {
        deploy::require_yes(args.yes, "deploy")?;
    }
    let reporter = Reporter::from_args(global);
    if settings.lex == LexVersion::V1 {
        reporter.warn("Lex V1 reached end of support on 2025-09-15; the V1 bot is deployed as the blog did it, but prefer --lex v2");
    }
    reporter.phase(format!(
        "reading deployment {} in instance {}",
        settings.name, instance.id
    ));
    let target = deploy::connect(global, &instance, &settings.name).await?;
    let cx = &target.cx;
    let current = current::read(cx, &settings, target.instance_tags.clone()).await?;
    deploy::check_current(&settings, &current)?;
    // The AWS side: artifacts, stacks, Lex. Preflight first (the local zip), then reads.
    let artifact = aws_side::local_artifact()?;
    if let Some(stream) = &settings.ctr_stream {
        deploy::preflight::check_ctr_stream(&target.aws.kinesis(), stream).await?;
    }
    let (region, account) = cx.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    let mut aws_desired =
        aws_side::desired(&settings, &account, &region, &cx.instance_arn, artifact)?;
    if let Some(stack) = aws_desired
        .stacks
        .get_mut(&crate::assets::Solution::Callbacks)
    {
        // A config this deployment associated (the stack's own stream) is not a pre-existing one.
        let ours =
            current
                .instance_tags
                .contains_key(&crate::resources::connect::storage::created_tag(
                    &settings.name,
                ));
        let existing = crate::resources::connect::storage::stream_in_use(&current.storage)
            .filter(|_| !ours)
            .map(str::to_string);
        let given = settings.ctr_stream.as_ref().map(|stream| {
            if stream.starts_with("arn:") {
                stream.clone()
            } else {
                format!("arn:aws:kinesis:{region}:{account}:stream/{stream}")
            }
        });
        stack.parameters.insert(
            "ExistingCtrStreamArn".into(),
            existing.or(given).unwrap_or_default(),
        );
    }
    let aws_current = aws_side::read(&target.aws, &aws_desired).await?;
    for (solution, stack) in &aws_current.stacks {
        if let Some(stack) = stack
            && stack.busy()
        {
            return Err(UserError::new(format!(
                "stack {} is {}: another deploy or destroy of this deployment is running",
                stack.stack_name, stack.status
            ))
            .hint("wait for it to finish (connect-returns status shows it), then run deploy again")
            .hint(format!(
                "two deploys of one deployment never interleave; the {} stack is the lock",
                solution.id()
            ))
            .into());
        }
    }
    let mut inputs = aws_side::inputs(&aws_current, &region, &account);
    inputs.aws_side = true;
    if settings.lex == LexVersion::V1 {
        aws_side::use_lex_v1(&mut inputs, &region);
    }
    inputs.lambda_ids = aws_side::solutions(&settings)
        .into_iter()
        .flat_map(aws_side::connect_lambda_ids)
        .map(str::to_string)
        .collect();
    inputs.bot_name = settings
        .returning_callers()
        .then(|| crate::assets::bot().name);
    let templates: Vec<_> = desired::flow_templates(&settings);
    let mut plan = plan::compute(&settings, &current, &templates, &inputs);
    let mut items = aws_side::plan(&aws_desired, &aws_current, &settings.name);
    items.append(&mut plan.items);
    plan.items = items;
    let conflicts: Vec<String> = plan
        .conflicts()
        .map(|item| format!("{} {}", item.kind, item.name))
        .collect();
    if !conflicts.is_empty() {
        let reasons: Vec<String> = plan
            .conflicts()
            .filter_map(|item| match &item.change {
                crate::resources::Change::Conflict { reason } => Some(reason.clone()),
                _ => None,
            })
            .collect();
        return Err(UserError::new(format!("{} (nothing was changed)", reasons.join("; ")))
            .hint("pass --adopt to use the existing resources (recorded as adopted and left in place on destroy)")
            .hint("or remove or rename them, or pass --prefix to give this deployment's resources other names")
            .into());
    }
    let mut result = DeployResult {
        command: "deploy",
        deployment: settings.name.clone(),
        instance: cx.instance_arn.clone(),
        solution: settings.solution,
        lex: settings.lex,
        result: "plan",
        plan: plan.items.clone(),
        steps: Vec::new(),
        resources: deploy::resource_arns(&current, &settings),
        connect_requests: 0,
        pacing_wait_seconds: 0.0,
        elapsed_seconds: 0.0,
    };
    let finish = |result: &mut DeployResult| {
        result.connect_requests = target.aws.connect_pacer().requests();
        result.pacing_wait_seconds = target.aws.connect_pacer().waited().as_secs_f64();
        result.elapsed_seconds = reporter.elapsed().as_secs_f64();
    };
    if args.plan {
        finish(&mut result);
        return emit(global, args, &result).map(|()| Outcome::Success);
    }
    if !plan.has_changes() {
        result.result = "no-changes";
        finish(&mut result);
        return emit(global, args, &result).map(|()| Outcome::Success);
    }
    if !args.yes {
        eprint!("{}", crate::deploy::plan::render(&plan, "changes to apply"));
        if !deploy::confirm("apply these changes?") {
            return Err(UserError::new("deploy cancelled; nothing was changed").into());
        }
    }
    let count = plan.changes().count();
    reporter.phase(format!(
        "applying {count} change{}",
        if count == 1 { "" } else { "s" }
    ));
    let lock = crate::deploy::lock::acquire(
        &target.aws.s3(),
        &aws_desired.artifacts.bucket,
        &settings.name,
        "deploy",
    )
    .await?;
    let outcome = apply::run(
        cx,
        &settings,
        &current,
        &templates,
        &inputs,
        &plan,
        Some((&target.aws, &aws_desired, &aws_current)),
        &reporter,
    )
    .await;
    if let Some(lock) = lock {
        lock.release().await?;
    }
    let (outcome, refs) = outcome?;
    for (step, label, ended) in &outcome.steps {
        let (word, error) = match ended {
            Ended::Done(outcome) => (outcome.word().to_string(), None),
            Ended::Failed(error) => ("failed".to_string(), Some(error.clone())),
            Ended::Skipped(because) => ("skipped".to_string(), Some(because.clone())),
        };
        result.steps.push(StepResult {
            step: step.clone(),
            label: label.clone(),
            outcome: word,
            error,
        });
    }
    // The ARNs that matter: what existed, plus what the steps created (no extra reads).
    for ((kind, name), arn) in &refs {
        let ours = match kind.as_str() {
            "queue" => desired::QUEUES
                .iter()
                .any(|queue| settings.named(queue) == *name),
            "flow" => templates
                .iter()
                .any(|template| settings.named(&template.name) == *name),
            "routing-profile" | "lex" => true,
            "lambda" => true,
            _ => false,
        };
        if ours
            && !result.resources.contains_key(&format!("{kind}:{name}"))
            && !(kind == "queue" && name == &settings.callback_queue)
        {
            result
                .resources
                .insert(format!("{kind}:{name}"), arn.clone());
        }
    }
    result.result = if outcome.ok() { "applied" } else { "failed" };
    finish(&mut result);
    emit(global, args, &result)?;
    if outcome.ok() {
        Ok(Outcome::Success)
    } else {
        let failures: Vec<String> = outcome
            .failures()
            .iter()
            .map(|(label, error)| format!("{label}: {error}"))
            .collect();
        Err(anyhow::anyhow!(
            "{} step(s) failed: {}",
            failures.len(),
            failures.join("; ")
        ))
    }
}

fn emit(global: &GlobalArgs, args: &DeployArgs, result: &DeployResult) -> anyhow::Result<()> {
    if let Some(path) = &args.outputs_file {
        let text = serde_json::to_string_pretty(result)?;
        std::fs::write(path, text + "\n")
            .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
    }
    print_result(global, result)
}
