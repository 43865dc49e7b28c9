//! `connect-returns destroy`: remove what a deployment created and restore what it changed.

use clap::Args;

use crate::cli::{GlobalArgs, TargetArgs};
use crate::error::Outcome;
use crate::instance::InstanceRef;

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

pub async fn run(_global: &GlobalArgs, args: &DestroyArgs) -> anyhow::Result<Outcome> {
    InstanceRef::parse(args.target.instance.as_deref())?;
    anyhow::bail!("destroy is not built yet in this version")
}
