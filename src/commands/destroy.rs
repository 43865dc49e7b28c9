//! `connect-returns destroy`: remove what a deployment created and restore what it changed.
//!
//! What the deployment was made with comes from its record; this command only picks the
//! deployment (and optionally one solution), confirms, and renders the report.

use clap::Args;

use crate::cli::{DeploymentArgs, GlobalArgs, TargetArgs};
use crate::deploy::pipeline::{self, DestroyOptions, DestroyReport, Mode};
use crate::deploy::{desired, plan};
use crate::error::Outcome;
use crate::instance::InstanceRef;
use crate::output::print_result;
use crate::ui;

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "What the deployment was made with (solutions, Lex version, prefix, queues) is read from\n\
its record in the artifact bucket, so only --instance and --name are needed; --solution narrows\n\
it to one solution. The other deployment settings are accepted (so one config file serves\n\
deploy, status and destroy) and not used. Without a terminal, --yes is required."
)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Keep the DynamoDB tables (and their data)
    #[arg(long)]
    pub keep_data: bool,
    /// Show what would be removed and make no change
    #[arg(long)]
    pub plan: bool,
    /// Wait up to this many seconds when another run of the deployment holds its lock
    /// (0, the default: refuse at once, naming the holder)
    #[arg(long, value_name = "SECONDS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub lock_timeout: u64,
    /// Remove without asking (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

impl std::fmt::Display for DestroyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.result {
            "nothing-deployed" => {
                writeln!(
                    f,
                    "nothing to destroy: no resource of deployment {} in this instance",
                    self.deployment
                )?;
                if !self.left.is_empty() {
                    writeln!(
                        f,
                        "but not healthy, and not proven this deployment's (left alone):"
                    )?;
                    for left in &self.left {
                        writeln!(f, "  {}: {} ({})", left.resource, left.why, left.what_to_do)?;
                    }
                }
                return Ok(());
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

pub async fn run(global: &GlobalArgs, args: &DestroyArgs) -> anyhow::Result<Outcome> {
    // First: every later step reads the flows and bot of this run.
    super::init::use_assets(args.target.assets.as_ref())?;
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let intent = args.deployment.intent(global);
    desired::check(&intent.resolve(&args.target.name))?;
    if !args.plan {
        ui::confirm::require_yes(args.yes, "destroy")?;
    }
    let reporter = ui::progress::reporter(ui::progress::ProgressStyleChoice {
        quiet: global.quiet,
        no_progress: global.no_progress,
    });
    let mut target = super::open_target(global, &instance, &args.target.name, &reporter).await?;
    target.lambda_artifact = args.target.artifact_source();
    let options = DestroyOptions {
        mode: if args.plan {
            Mode::PlanOnly
        } else {
            Mode::Apply {
                lock_timeout: std::time::Duration::from_secs(args.lock_timeout),
            }
        },
        keep_data: args.keep_data,
    };
    let confirm = ui::confirm::asker(args.yes, "to remove or restore", "destroy these resources?");
    let report = pipeline::destroy(
        &target,
        &args.target.name,
        intent.solution,
        options,
        &confirm,
        &reporter,
    )
    .await?;
    print_result(global, &report)?;
    if report.result != "incomplete" {
        return Ok(Outcome::Success);
    }
    Err(anyhow::anyhow!(
        "{} resource(s) could not be removed; see the list above",
        report.left.len()
    ))
}
