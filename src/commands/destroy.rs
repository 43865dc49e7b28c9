//! `connect-returns destroy`: remove what a deployment created and restore what it changed.

use clap::Args;

use crate::cli::{GlobalArgs, SolutionChoice, TargetArgs};
use crate::deploy::desired::{self, Settings};
use crate::deploy::graph::Ended;
use crate::deploy::plan::{self, PlanItem};
use crate::deploy::{self, destroy};
use crate::error::{Outcome, UserError};
use crate::instance::InstanceRef;
use crate::output::print_result;
use crate::report::Reporter;

#[derive(Debug, Clone, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Keep the DynamoDB tables (and their data)
    #[arg(long)]
    pub keep_data: bool,
    /// Show what would be removed and make no change
    #[arg(long)]
    pub plan: bool,
    /// Remove without asking (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// The JSON document of `destroy` (see docs/output.md).
#[derive(Debug, serde::Serialize)]
pub struct DestroyResult {
    pub command: &'static str,
    pub deployment: String,
    pub instance: String,
    pub solution: SolutionChoice,
    /// `plan`, `nothing-deployed`, `destroyed`, or `incomplete`.
    pub result: &'static str,
    pub plan: Vec<PlanItem>,
    pub steps: Vec<crate::commands::deploy::StepResult>,
    /// What could not be removed: resource, why, and what to do.
    pub left: Vec<Left>,
    pub keep_data: bool,
}

#[derive(Debug, serde::Serialize)]
pub struct Left {
    pub resource: String,
    pub why: String,
    pub what_to_do: String,
}

impl std::fmt::Display for DestroyResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.result {
            "nothing-deployed" => {
                return writeln!(
                    f,
                    "nothing to destroy: no resource of deployment {} in this instance",
                    self.deployment
                );
            }
            "plan" => {
                let title = format!(
                    "destroy plan for deployment {} (nothing changed)",
                    self.deployment
                );
                return write!(
                    f,
                    "{}",
                    plan::render(
                        &plan::Plan {
                            items: self.plan.clone()
                        },
                        &title
                    )
                );
            }
            _ => {}
        }
        writeln!(f, "deployment {}", self.deployment)?;
        for step in &self.steps {
            match &step.error {
                Some(error) => writeln!(f, "  {:<9} {}: {error}", step.outcome, step.label)?,
                None => writeln!(f, "  {:<9} {}", step.outcome, step.label)?,
            }
        }
        if self.left.is_empty() {
            writeln!(
                f,
                "destroyed: nothing of deployment {} is left",
                self.deployment
            )?;
        } else {
            writeln!(f, "left behind:")?;
            for left in &self.left {
                writeln!(f, "  {}: {} ({})", left.resource, left.why, left.what_to_do)?;
            }
        }
        Ok(())
    }
}

fn settings_of(args: &DestroyArgs) -> Settings {
    Settings {
        name: args.target.name.clone(),
        solution: args.target.solution,
        lex: crate::commands::deploy::LexVersion::V2,
        prefix: args.target.prefix.clone().unwrap_or_default(),
        hours: String::new(),
        callback_queue: "BasicQueue".into(),
        ctr_stream: None,
        phone_number: None,
        callback_phone_number: None,
        record_ttl_minutes: 180,
        callback_ttl_hours: 24,
        adopt: false,
    }
}

pub async fn run(global: &GlobalArgs, args: &DestroyArgs) -> anyhow::Result<Outcome> {
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let settings = settings_of(args);
    desired::check(&settings)?;
    if !args.plan {
        deploy::require_yes(args.yes, "destroy")?;
    }
    let reporter = Reporter::from_args(global);
    reporter.phase(format!(
        "reading deployment {} in instance {}",
        settings.name, instance.id
    ));
    let target = deploy::connect(global, &instance, &settings.name).await?;
    let cx = &target.cx;
    let mut found = destroy::read(cx, &settings, target.instance_tags.clone()).await?;
    destroy::read_aws(&target.aws, cx, &settings, &mut found).await?;
    let (region, account) = cx.region_account();
    let plan = destroy::plan_in(&found, &settings, region, account);
    let mut result = DestroyResult {
        command: "destroy",
        deployment: settings.name.clone(),
        instance: cx.instance_arn.clone(),
        solution: settings.solution,
        result: "plan",
        plan: plan.items.clone(),
        steps: Vec::new(),
        left: Vec::new(),
        keep_data: args.keep_data,
    };
    if !plan.items.iter().any(|item| item.change.is_mutation()) {
        result.result = "nothing-deployed";
        print_result(global, &result)?;
        return Ok(Outcome::Success);
    }
    if args.plan {
        print_result(global, &result)?;
        return Ok(Outcome::Success);
    }
    if !args.yes {
        eprint!("{}", plan::render(&plan, "to remove or restore"));
        if !deploy::confirm("destroy these resources?") {
            return Err(UserError::new("destroy cancelled; nothing was changed").into());
        }
    }
    reporter.phase(format!("removing deployment {}", settings.name));
    let outcome = destroy::run(
        &target.aws,
        cx,
        &settings,
        &found,
        &plan,
        args.keep_data,
        &reporter,
    )
    .await?;
    for (step, label, ended) in &outcome.steps {
        let (word, error) = match ended {
            Ended::Done(outcome) => (outcome.word().to_string(), None),
            Ended::Failed(error) => ("failed".to_string(), Some(error.clone())),
            Ended::Skipped(because) => ("skipped".to_string(), Some(because.clone())),
        };
        if let Some(why) = &error {
            result.left.push(Left {
                resource: label.clone(),
                why: why.clone(),
                what_to_do: "fix the cause and run destroy again; it continues from what is left"
                    .into(),
            });
        }
        result.steps.push(crate::commands::deploy::StepResult {
            step: step.clone(),
            label: label.clone(),
            outcome: word,
            error,
        });
    }
    result.result = if outcome.ok() {
        "destroyed"
    } else {
        "incomplete"
    };
    print_result(global, &result)?;
    if outcome.ok() {
        Ok(Outcome::Success)
    } else {
        Err(anyhow::anyhow!(
            "{} resource(s) could not be removed; see the list above",
            result.left.len()
        ))
    }
}
