//! One module per command. Each owns its argument struct (`clap::Args`) and a `run` function;
//! the heavy lifting lives in library-like modules that know nothing of clap.

pub mod deploy;
pub mod destroy;
pub mod generate;
pub mod simulate;
pub mod status;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::error::Outcome;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Deploy(args) => deploy::run(&cli.global, args).await,
        Command::Destroy(args) => destroy::run(&cli.global, args).await,
        Command::Status(args) => status::run(&cli.global, args).await,
        Command::Validate(args) => validate::run(&cli.global, args).await,
        Command::Simulate(args) => simulate::run(&cli.global, args).await,
        Command::Generate(command) => generate::run(command),
    }
}
