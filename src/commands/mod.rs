//! One module per command. Each owns its argument struct (`clap::Args`) and a `run` function;
//! the heavy lifting lives in library-like modules that know nothing of clap.

pub mod deploy;
pub mod destroy;
pub mod generate;
pub mod generate_iam;
pub mod init;
pub mod simulate;
pub mod status;
pub mod validate;
pub mod verify;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::deploy::Target;
use crate::error::Outcome;
use crate::instance::InstanceRef;
use crate::report::Reporter;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Deploy(args) => deploy::run(&cli.global, args).await,
        Command::Destroy(args) => destroy::run(&cli.global, args).await,
        Command::Status(args) => status::run(&cli.global, args).await,
        Command::Validate(args) => validate::run(&cli.global, args).await,
        Command::Simulate(args) => simulate::run(&cli.global, args).await,
        Command::Verify(args) => verify::run(&cli.global, args).await,
        Command::Generate(command) => generate::run(command),
        Command::Init(args) => init::run(&cli.global, args),
    }
}

/// Connects to the deployment's instance the way every deployment command does: AWS settings
/// from the global flags, the Connect pacing, the instance described (bad input when missing).
pub async fn open_target(
    global: &GlobalArgs,
    instance: &InstanceRef,
    name: &str,
    reporter: &Reporter,
) -> anyhow::Result<Target> {
    reporter.phase(format!(
        "reading deployment {name} in instance {}",
        instance.id
    ));
    crate::deploy::connect(
        &global.aws_options(),
        crate::config::pacing_from_env(),
        instance,
        name,
    )
    .await
}
