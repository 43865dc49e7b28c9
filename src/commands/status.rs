//! `connect-returns status`: what a deployment has, and whether it matches what deploy would write.

use clap::Args;

use crate::cli::{GlobalArgs, TargetArgs};
use crate::error::Outcome;
use crate::instance::InstanceRef;

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Exit 3 when anything is missing, drifted or unhealthy (for CI gates)
    #[arg(long)]
    pub check: bool,
}

pub async fn run(_global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<Outcome> {
    InstanceRef::parse(args.target.instance.as_deref())?;
    anyhow::bail!("status is not built yet in this version")
}
