//! `connect-returns simulate`: offline call-path simulation of the flows.

use clap::Args;

use crate::cli::GlobalArgs;
use crate::error::Outcome;

#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Scenario to run (see --list)
    #[arg(required_unless_present = "all")]
    pub scenario: Option<String>,
    /// Run every scenario
    #[arg(long)]
    pub all: bool,
}

pub async fn run(_global: &GlobalArgs, _args: &SimulateArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("simulate is not built yet in this version")
}
