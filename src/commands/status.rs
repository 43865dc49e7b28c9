//! `connect-returns status`: what a deployment has, and whether it drifted or is outdated.
//!
//! Translates the flags into an intent, asks the engine (`deploy::status`), renders the report,
//! and maps `--check` / `--check-outdated` to exit 3.

use clap::Args;

use crate::cli::{DeploymentArgs, GlobalArgs, TargetArgs};
use crate::deploy::status::StatusReport;
use crate::deploy::{self, desired};
use crate::error::Outcome;
use crate::instance::InstanceRef;
use crate::output::print_result;
use crate::resources::Ownership;
use crate::ui;

#[derive(Debug, Clone, Args)]
#[command(after_help = "Each resource is compared twice:\n  \
drifted   what exists differs from what was deployed (someone changed it out of band);\n  \
outdated  what was deployed differs from what this version, with these settings, would deploy.\n\n\
What the deployment was made with is read back from its record in the artifact bucket, so only\n\
--instance and --name are needed. A deployment setting given here (flag, environment, config file)\n\
is an intent: status reports where the deployment differs from it as outdated.\n\n\
--check exits 3 on a missing, drifted or unhealthy resource; --check-outdated also on outdated\n\
ones and outdated settings. Both make no change.")]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Exit 3 when anything is missing, drifted or unhealthy (for CI gates)
    #[arg(long)]
    pub check: bool,
    /// Like --check, and also exit 3 when anything is outdated (a deploy would change it)
    #[arg(long)]
    pub check_outdated: bool,
}

impl std::fmt::Display for StatusReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.deployed {
            return writeln!(
                f,
                "nothing deployed: no resource of deployment {} in instance {}",
                self.deployment, self.instance
            );
        }
        writeln!(f, "deployment {} in {}", self.deployment, self.instance)?;
        writeln!(
            f,
            "{:<18} {:<30} {:<8} {:<8} {:<9} {:<9} DETAIL",
            "KIND", "NAME", "PRESENT", "OWNER", "SYNC", "HEALTH"
        )?;
        for row in &self.resources {
            let owner = match row.ownership {
                Some(Ownership::Ours) => "ours",
                Some(Ownership::Adopted) => "adopted",
                Some(Ownership::Foreign) => "foreign",
                None => "-",
            };
            let sync = match (row.in_sync, row.drifted, row.outdated) {
                (None, _, _) => "unchecked",
                (Some(_), true, _) => "DRIFTED",
                (Some(_), false, true) => "OUTDATED",
                (Some(_), false, false) => "in sync",
            };
            writeln!(
                f,
                "{:<18} {:<30} {:<8} {:<8} {:<9} {:<9} {}",
                row.kind,
                row.name,
                if row.present { "yes" } else { "MISSING" },
                owner,
                if row.present { sync } else { "-" },
                if row.healthy { "healthy" } else { "UNHEALTHY" },
                row.detail
            )?;
        }
        for change in &self.outdated_settings {
            writeln!(
                f,
                "setting {}: deployed {}, intended {} (outdated)",
                change.setting, change.deployed, change.intended
            )?;
        }
        match &self.record {
            Some(record) if record.assets_fingerprint != record.current_assets_fingerprint => {
                writeln!(
                    f,
                    "deployed by connect-returns {} with other assets than this version ships",
                    record.tool_version
                )?
            }
            Some(_) => {}
            None => writeln!(
                f,
                "no deployment record (made by an older version): every difference counts as drift; a deploy writes one"
            )?,
        }
        let s = &self.summary;
        writeln!(
            f,
            "{} in sync, {} drifted, {} outdated, {} missing, {} unhealthy{}",
            s.in_sync,
            s.drifted,
            s.outdated,
            s.missing,
            s.unhealthy,
            if s.unchecked > 0 {
                format!(", {} unchecked", s.unchecked)
            } else {
                String::new()
            }
        )
    }
}

pub async fn run(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<Outcome> {
    // First: every later step reads the flows and bot of this run.
    super::init::use_assets(args.target.assets.as_ref())?;
    let instance = InstanceRef::parse(args.target.instance.as_deref())?;
    let mut intent = args.deployment.intent(global);
    intent.assets = args
        .target
        .assets
        .as_deref()
        .map(crate::assets::dir_fingerprint);
    // The intent is checked like a deploy's settings (what is not given is checked as default).
    desired::check(&intent.resolve(&args.target.name))?;
    let reporter = ui::progress::reporter(ui::progress::ProgressStyleChoice {
        quiet: global.quiet,
        no_progress: global.no_progress,
    });
    let mut target = super::open_target(global, &instance, &args.target.name, &reporter).await?;
    target.lambda_artifact = args.target.artifact_source();
    let report = deploy::status::inspect(&target, &args.target.name, &intent, &reporter).await?;
    print_result(global, &report)?;
    let failed = (args.check && !report.ok) || (args.check_outdated && !report.up_to_date);
    Ok(if failed {
        Outcome::Drift
    } else {
        Outcome::Success
    })
}
