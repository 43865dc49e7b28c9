//! The command-line definition (clap). Argument structs of each command live next to the code
//! that consumes them (`commands/*.rs`); this file holds the global flags, the flags every
//! deployment command shares, and the subcommand list.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::aws::AwsOptions;
use crate::commands;
use crate::deploy::model::{self, Intent, LexVersion, SolutionChoice};

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
    long_version = long_version(),
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
CONNECT_RETURNS_<FLAG> environment variable; command-line flags win. The file can also give the\n\
returning-caller menu: [[queues]] entries (name, digit, words, description) and [menu] (intro,\n\
option); prompts in your own words ([prompts.<flow>] \"<action>\" = text or SSML); and the voice\n\
([voice] name, engine); the bot's language ([bot] locale, utterances). See README.md.\n\n\
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
    /// The menu of the config file (`[[queues]]`, `[menu]`), when it gives one.
    #[arg(skip)]
    pub menu: Option<crate::assets::Menu>,
    /// The prompts of the config file (`[prompts.<flow>]`), when it gives them.
    #[arg(skip)]
    pub prompts: Option<crate::assets::Prompts>,
    /// The voice of the config file (`[voice]`), when it gives one.
    #[arg(skip)]
    pub voice: Option<crate::assets::Voice>,
    /// The bot's locale and utterances of the config file (`[bot]`), when it gives them.
    #[arg(skip)]
    pub bot: Option<crate::assets::BotLanguage>,
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
    /// Prove a deployment on its instance with Amazon Connect test cases (no phone call)
    Verify(commands::verify::VerifyArgs),
    /// Print shell completions or the man page
    #[command(subcommand)]
    Generate(commands::generate::GenerateCommand),
    /// Write the shipped flows, bot, scenarios and a commented config into DIR, to edit and use
    /// with --assets DIR
    Init(commands::init::InitArgs),
}

/// Which solution(s) a command acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolutionArg {
    /// Last agent / last queue routing for returning callers
    ReturningCallers,
    /// Cancelled callback management
    Callbacks,
    /// Both
    All,
}

impl From<SolutionArg> for SolutionChoice {
    fn from(arg: SolutionArg) -> SolutionChoice {
        match arg {
            SolutionArg::ReturningCallers => SolutionChoice::ReturningCallers,
            SolutionArg::Callbacks => SolutionChoice::Callbacks,
            SolutionArg::All => SolutionChoice::All,
        }
    }
}

/// The Lex version of the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LexArg {
    /// Amazon Lex V2 (the default)
    V2,
    /// Amazon Lex V1, past end of support since 2025-09-15
    V1,
}

impl From<LexArg> for LexVersion {
    fn from(arg: LexArg) -> LexVersion {
        match arg {
            LexArg::V2 => LexVersion::V2,
            LexArg::V1 => LexVersion::V1,
        }
    }
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
        default_value = model::DEFAULT_NAME,
        env = "CONNECT_RETURNS_NAME",
        value_name = "DEPLOYMENT"
    )]
    pub name: String,
    /// Lambda artifact to deploy instead of the one built into this binary: a manifest written by
    /// `cargo xtask build-lambdas`, or its directory
    #[arg(long, env = "CONNECT_RETURNS_LAMBDA_ARTIFACT", value_name = "PATH")]
    pub lambda_artifact: Option<std::path::PathBuf>,
    /// Use the flows and bot in DIR (written by `connect-returns init DIR`, then edited) instead
    /// of the ones built into this binary; deploy validates them first
    #[arg(long, env = "CONNECT_RETURNS_ASSETS", value_name = "DIR")]
    pub assets: Option<std::path::PathBuf>,
}

impl TargetArgs {
    /// Where deploy and status take the Lambda artifact from.
    pub fn artifact_source(&self) -> crate::artifact_source::ArtifactSource {
        match &self.lambda_artifact {
            Some(path) => crate::artifact_source::ArtifactSource::Path(path.clone()),
            None => crate::artifact_source::ArtifactSource::Auto,
        }
    }
}

/// `--version`: the version, the embedded Lambda artifact's sha256 and the glibc floor. Working
/// them out reads this binary's own ELF, so it is done only when `--version` is asked for.
fn long_version() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        if std::env::args_os().any(|arg| arg == "--version") {
            crate::artifact_source::version_details()
        } else {
            env!("CARGO_PKG_VERSION").to_string()
        }
    });
    TEXT.as_str()
}

fn bounds_help(meaning: &str, bounds: returns_lambdas::contract::Bounds) -> String {
    format!(
        "{meaning}: {} to {} [default: {}]",
        bounds.min, bounds.max, bounds.default
    )
}

/// What a deployment is made with. deploy applies these (defaults for what is not given);
/// status compares them with what was deployed (the deployment record for what is not given);
/// destroy reads the record and takes only --solution from here.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Deployment settings")]
pub struct DeploymentArgs {
    /// Which solution(s) [default: all]
    #[arg(long, value_enum, env = "CONNECT_RETURNS_SOLUTION")]
    pub solution: Option<SolutionArg>,
    /// Prefix for Connect resource names, to run two deployments in one instance
    #[arg(long, env = "CONNECT_RETURNS_PREFIX", value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Lex version of the bot: v2, or v1 (past end of support since 2025-09-15) [default: v2]
    #[arg(long, value_enum, env = "CONNECT_RETURNS_LEX")]
    pub lex: Option<LexArg>,
    #[arg(
        long,
        env = "CONNECT_RETURNS_RECORD_TTL_MINUTES",
        value_name = "N",
        help = bounds_help("Minutes a caller counts as returning (DynamoDB TTL of the call record)", model::RECORD_TTL_MINUTES)
    )]
    pub record_ttl_minutes: Option<i64>,
    #[arg(
        long,
        env = "CONNECT_RETURNS_CALLBACK_TTL_HOURS",
        value_name = "N",
        help = bounds_help("Hours a callback record is kept", model::CALLBACK_TTL_HOURS)
    )]
    pub callback_ttl_hours: Option<i64>,
    /// Queue whose outbound whisper becomes the callback whisper (restored on destroy) [default: BasicQueue]
    #[arg(long, env = "CONNECT_RETURNS_CALLBACK_QUEUE", value_name = "NAME")]
    pub callback_queue: Option<String>,
    /// Existing Kinesis stream for contact trace records (name or ARN); default: reuse the
    /// instance's, else create one
    #[arg(long, env = "CONNECT_RETURNS_CTR_STREAM", value_name = "NAME|ARN")]
    pub ctr_stream: Option<String>,
    /// Hours of operation of the new queues [default: Basic Hours]
    #[arg(long, env = "CONNECT_RETURNS_HOURS", value_name = "NAME")]
    pub hours: Option<String>,
    /// Claimed phone number to point at repeatCallerFlow (E.164)
    #[arg(long, env = "CONNECT_RETURNS_PHONE_NUMBER", value_name = "+E164")]
    pub phone_number: Option<String>,
    /// Claimed phone number to point at cfSetCallBackflow (E.164)
    #[arg(
        long,
        env = "CONNECT_RETURNS_CALLBACK_PHONE_NUMBER",
        value_name = "+E164"
    )]
    pub callback_phone_number: Option<String>,
    /// IAM role CloudFormation assumes to create, update and delete the stacks, so the deployer
    /// itself needs no rights on the stacks' resources (see `generate iam-policy --help`). It
    /// applies from the next create or change of a stack, and the stacks keep it
    #[arg(
        long,
        env = "CONNECT_RETURNS_CFN_SERVICE_ROLE",
        value_name = "ROLE-ARN"
    )]
    pub cfn_service_role: Option<String>,
    /// Existing routing profile to add the menu's queues to (e.g. "Basic Routing Profile"), so
    /// the agents already on it take the calls; what it had before is recorded on it and
    /// restored by destroy [default: the solution creates its own, returnCallerRoutingProfile]
    #[arg(long, env = "CONNECT_RETURNS_ROUTING_PROFILE", value_name = "NAME")]
    pub routing_profile: Option<String>,
    /// Priority of the menu's queues on VOICE in the routing profile: 1 (first) to 99 [default: 2]
    #[arg(long, env = "CONNECT_RETURNS_ROUTING_PRIORITY", value_name = "N")]
    pub routing_priority: Option<i64>,
}

impl DeploymentArgs {
    /// The settings these flags and the config file's menu ask for (`None` where not given).
    pub fn intent(&self, global: &GlobalArgs) -> Intent {
        Intent {
            solution: self.solution.map(Into::into),
            lex: self.lex.map(Into::into),
            prefix: self.prefix.clone(),
            hours: self.hours.clone(),
            callback_queue: self.callback_queue.clone(),
            ctr_stream: self.ctr_stream.clone(),
            phone_number: self.phone_number.clone(),
            callback_phone_number: self.callback_phone_number.clone(),
            record_ttl_minutes: self.record_ttl_minutes,
            callback_ttl_hours: self.callback_ttl_hours,
            cfn_service_role: self.cfn_service_role.clone(),
            menu: global.menu.clone(),
            prompts: global.prompts.clone(),
            voice: global.voice.clone(),
            bot: global.bot.clone(),
            assets: None,
            routing_profile: self.routing_profile.clone(),
            routing_priority: self.routing_priority,
        }
    }
}

impl GlobalArgs {
    /// The call experience validate and simulate check: the config file's, else the blog's.
    pub fn experience(&self) -> crate::assets::CallExperience {
        crate::assets::CallExperience {
            menu: self.menu.clone().unwrap_or_default(),
            prompts: self.prompts.clone().unwrap_or_default(),
            voice: self.voice.clone().unwrap_or_default(),
            bot: self.bot.clone().unwrap_or_default(),
        }
    }

    /// The AWS settings the engine loads clients with.
    pub fn aws_options(&self) -> AwsOptions {
        AwsOptions {
            profile: self.profile.clone(),
            region: self.region.clone(),
        }
    }
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
