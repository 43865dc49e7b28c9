//! `connect-returns deploy`: make a deployment match this version's assets and settings.
//!
//! Translates the flags into [`Settings`], hands them to the engine's deploy pipeline with a
//! confirmation callback, and renders the report.

use clap::Args;

use crate::cli::{DeploymentArgs, GlobalArgs, TargetArgs};
use crate::deploy::desired::{self, Settings};
use crate::deploy::model::LexVersion;
use crate::deploy::pipeline::{self, DeployReport, Mode};
use crate::deploy::{self, upstream};
use crate::error::{Outcome, UserError};
use crate::instance::InstanceRef;
use crate::output::print_result;
use crate::ui;

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Reads what exists (CloudFormation stacks, tagged Connect and Lex resources), shows the\n\
changes, and applies them as a dependency graph, pacing Connect calls at its quota. An\n\
unchanged re-deploy makes no change. Without a terminal, --yes is required.\n\n\
Settings not given take their defaults (deploy does what it is told, like the config file says).\n\
What the deployment was made with is recorded in the artifact bucket, so status and destroy\n\
on another machine need only --instance and --name."
)]
pub struct DeployArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Use same-named resources that lack our tag instead of refusing (left in place on destroy)
    #[arg(long)]
    pub adopt: bool,
    /// Show what would change and make no change
    #[arg(long)]
    pub plan: bool,
    /// Apply without asking (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Wait up to this many seconds when another run of the deployment holds its lock
    /// (0, the default: refuse at once, naming the holder)
    #[arg(long, value_name = "SECONDS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub lock_timeout: u64,
    /// Also write the JSON result to this file
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<std::path::PathBuf>,
    /// Build the Lex bot only after the whole returning-callers stack, not as soon as its role
    /// is ready (the older, slower order; `cargo xtask bench deploy` measures both)
    #[arg(long, hide = true)]
    pub lex_after_stack: bool,
}

impl DeployArgs {
    /// The settings this invocation deploys: what the flags give, defaults for the rest.
    pub fn settings(&self, global: &GlobalArgs) -> Settings {
        Settings {
            adopt: self.adopt,
            assets: self
                .target
                .assets
                .as_deref()
                .map(crate::assets::dir_fingerprint),
            ..self.deployment.intent(global).resolve(&self.target.name)
        }
    }
}

impl std::fmt::Display for DeployReport {
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

pub async fn run(global: &GlobalArgs, args: &DeployArgs) -> anyhow::Result<Outcome> {
    // First: every later step reads the flows and bot of this run.
    super::init::use_assets(args.target.assets.as_ref())?;
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let settings = args.settings(global);
    desired::check(&settings)?;
    if let Some(path) = &args.outputs_file {
        check_writable(path)?;
    }
    // The assets about to be deployed pass the same offline validation as `validate`.
    match &args.target.assets {
        Some(dir) => deploy::preflight::check_assets_in(
            dir,
            &upstream::solutions(&settings),
            &settings.experience(),
        )?,
        None => deploy::preflight::check_shipped_assets(
            &upstream::solutions(&settings),
            &settings.experience(),
        )?,
    }
    if !args.plan {
        ui::confirm::require_yes(args.yes, "deploy")?;
    }
    let reporter = ui::progress::reporter(ui::progress::ProgressStyleChoice {
        quiet: global.quiet,
        no_progress: global.no_progress,
    });
    if settings.lex == LexVersion::V1 {
        reporter.warn("Lex V1 reached end of support on 2025-09-15; the V1 bot is deployed as the blog did it, but prefer --lex v2");
    }
    let mut target = super::open_target(global, &instance, &settings.name, &reporter).await?;
    target.lambda_artifact = args.target.artifact_source();
    target.lex_waits_for_stack = args.lex_after_stack;
    let mode = if args.plan {
        Mode::PlanOnly
    } else {
        Mode::Apply {
            lock_timeout: std::time::Duration::from_secs(args.lock_timeout),
        }
    };
    let confirm = ui::confirm::asker(args.yes, "changes to apply", "apply these changes?");
    let report = pipeline::deploy(&target, &settings, mode, &confirm, &reporter).await?;
    emit(global, args, &report)?;
    if report.result != "failed" {
        return Ok(Outcome::Success);
    }
    let failures: Vec<String> = report
        .steps
        .iter()
        .filter(|step| step.outcome == "failed")
        .map(|step| {
            format!(
                "{}: {}",
                step.label,
                step.error.as_deref().unwrap_or_default()
            )
        })
        .collect();
    Err(anyhow::anyhow!(
        "{} step(s) failed: {}",
        failures.len(),
        failures.join("; ")
    ))
}

fn emit(global: &GlobalArgs, args: &DeployArgs, report: &DeployReport) -> anyhow::Result<()> {
    if let Some(path) = &args.outputs_file {
        let text = serde_json::to_string_pretty(report)?;
        std::fs::write(path, text + "\n").map_err(|err| {
            UserError::new(format!("cannot write {}: {err}", path.display()))
                .hint("pass --outputs-file a path in an existing, writable directory")
        })?;
    }
    print_result(global, report)
}

/// `--outputs-file` must be writable before anything changes: its directory exists, and the file,
/// when it exists, is not read-only. Nothing is created here.
fn check_writable(path: &std::path::Path) -> Result<(), UserError> {
    let hint = "pass --outputs-file a path in an existing, writable directory";
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let refuse = |why: String| {
        UserError::new(format!(
            "cannot write --outputs-file {}: {why}",
            path.display()
        ))
        .hint(hint)
    };
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() && !meta.permissions().readonly() => {}
        Ok(meta) if meta.is_dir() => return Err(refuse(format!("{} is read-only", dir.display()))),
        Ok(_) => return Err(refuse(format!("{} is not a directory", dir.display()))),
        Err(err) => return Err(refuse(format!("{}: {err}", dir.display()))),
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(refuse("it is a directory".into())),
        Ok(meta) if meta.permissions().readonly() => Err(refuse("the file is read-only".into())),
        _ => Ok(()),
    }
}
