//! `connect-returns validate`: offline checks of the shipped flows, bot and templates.

use clap::Args;

use crate::cli::{GlobalArgs, SolutionChoice};
use crate::error::Outcome;

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Which solution's assets
    #[arg(long, value_enum, default_value_t = SolutionChoice::All)]
    pub solution: SolutionChoice,
}

pub async fn run(_global: &GlobalArgs, _args: &ValidateArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("validate is not built yet in this version")
}
