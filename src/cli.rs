//! The command-line definition (clap). Argument structs of each command live next to the code
//! that consumes them (`commands/*.rs`); this file holds the global flags, the flags every
//! deployment command shares, and the subcommand list.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands;

/// Deploy, inspect and tear down the Amazon Connect "returning callers" (last agent / last queue
/// routing) and "cancelled callbacks" solutions in one command each.
///
/// Reads what exists from AWS (no local state file), changes only what differs, and undoes all of
/// it on destroy. AWS settings come from the standard chain (profiles, SSO, environment);
/// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured.
#[derive(Debug, Parser)]
#[command(
    name = "connect-returns",
    version,
    propagate_version = true,
    max_term_width = 100
)]
#[command(after_help = "Examples:\n  \
    connect-returns validate\n  \
    connect-returns deploy --instance 1a2b3c4d-... --plan\n  \
    connect-returns deploy --instance 1a2b3c4d-... --yes\n  \
    connect-returns status --instance 1a2b3c4d-... --check\n  \
    connect-returns destroy --instance 1a2b3c4d-... --yes\n\n\
Every flag can also come from connect-returns.toml (per-environment tables picked with --env) or a\n\
CONNECT_RETURNS_<FLAG> environment variable; command-line flags win.\n\n\
Exit codes: 0 success, 1 failure while applying, 2 bad input (nothing changed), 3 drift found by status --check.")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// AWS profile to use (default: the standard credential chain)
    #[arg(
        long,
        global = true,
        env = "CONNECT_RETURNS_PROFILE",
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// AWS Region (default: from the profile or AWS_REGION)
    #[arg(
        long,
        global = true,
        env = "CONNECT_RETURNS_REGION",
        value_name = "REGION"
    )]
    pub region: Option<String>,
    /// What stdout carries: a human summary, or one JSON document
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text, env = "CONNECT_RETURNS_OUTPUT")]
    pub output: OutputFormat,
    /// More log detail on stderr (-v, -vv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Plain log lines instead of spinners, even on a terminal
    #[arg(long, global = true, env = "CONNECT_RETURNS_NO_PROGRESS", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_progress: bool,
    /// Config file (default: ./connect-returns.toml when present)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "CONNECT_RETURNS_CONFIG"
    )]
    pub config: Option<std::path::PathBuf>,
    /// Environment table of the config file to use ([env.NAME])
    #[arg(long, global = true, value_name = "NAME", env = "CONNECT_RETURNS_ENV")]
    pub env: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update a deployment so it matches this version's assets and settings
    Deploy(commands::deploy::DeployArgs),
    /// Remove everything a deployment created and restore what it changed
    Destroy(commands::destroy::DestroyArgs),
    /// Show each resource of a deployment: present, ours, in sync, healthy
    Status(commands::status::StatusArgs),
    /// Check the shipped flows, bot and templates offline (no AWS calls)
    Validate(commands::validate::ValidateArgs),
    /// Run the call paths of the flows offline and compare with the expected outcomes
    Simulate(commands::simulate::SimulateArgs),
    /// Print shell completions or the man page
    #[command(subcommand)]
    Generate(commands::generate::GenerateCommand),
}

/// Which solution(s) a command acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolutionChoice {
    /// Last agent / last queue routing for returning callers
    ReturningCallers,
    /// Cancelled callback management
    Callbacks,
    /// Both
    All,
}

/// The flags that pick a deployment, shared by deploy, destroy and status.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Amazon Connect instance: its id (UUID) or ARN
    #[arg(long, env = "CONNECT_RETURNS_INSTANCE", value_name = "ID|ARN")]
    pub instance: Option<String>,
    /// Deployment name: names the stacks and tags every resource (letters, digits, hyphens)
    #[arg(
        long,
        default_value = "returnCaller",
        env = "CONNECT_RETURNS_NAME",
        value_name = "DEPLOYMENT"
    )]
    pub name: String,
    /// Which solution(s)
    #[arg(long, value_enum, default_value_t = SolutionChoice::All, env = "CONNECT_RETURNS_SOLUTION")]
    pub solution: SolutionChoice,
    /// Prefix for Connect resource names, to run two deployments in one instance
    #[arg(long, env = "CONNECT_RETURNS_PREFIX", value_name = "PREFIX")]
    pub prefix: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
