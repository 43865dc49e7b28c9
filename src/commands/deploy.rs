//! `connect-returns deploy`: make a deployment match this version's assets and settings.

use clap::{Args, ValueEnum};

use crate::cli::{GlobalArgs, TargetArgs};
use crate::error::Outcome;
use crate::instance::InstanceRef;

#[derive(Debug, Clone, Args)]
#[command(after_help = "Reads what exists (CloudFormation stacks, tagged Connect and Lex resources), shows the\n\
changes, and applies them as a dependency graph, pacing Connect calls at its quota. An\n\
unchanged re-deploy makes no change. Without a terminal, --yes is required.")]
pub struct DeployArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Lex version of the bot: v2, or v1 (past end of support since 2025-09-15)
    #[arg(long, value_enum, default_value_t = LexVersion::V2, env = "CONNECT_RETURNS_LEX")]
    pub lex: LexVersion,
    /// Minutes a caller counts as returning (DynamoDB TTL of the call record)
    #[arg(long, default_value_t = 180, env = "CONNECT_RETURNS_RECORD_TTL_MINUTES", value_name = "N")]
    pub record_ttl_minutes: i64,
    /// Hours a callback record is kept
    #[arg(long, default_value_t = 24, env = "CONNECT_RETURNS_CALLBACK_TTL_HOURS", value_name = "N")]
    pub callback_ttl_hours: i64,
    /// Queue whose outbound whisper becomes the callback whisper (restored on destroy)
    #[arg(long, default_value = "BasicQueue", env = "CONNECT_RETURNS_CALLBACK_QUEUE", value_name = "NAME")]
    pub callback_queue: String,
    /// Existing Kinesis stream for contact trace records (name or ARN); default: reuse the
    /// instance's, else create one
    #[arg(long, env = "CONNECT_RETURNS_CTR_STREAM", value_name = "NAME|ARN")]
    pub ctr_stream: Option<String>,
    /// Hours of operation of the new queues
    #[arg(long, default_value = "Basic Hours", env = "CONNECT_RETURNS_HOURS", value_name = "NAME")]
    pub hours: String,
    /// Claimed phone number to point at repeatCallerFlow (E.164)
    #[arg(long, env = "CONNECT_RETURNS_PHONE_NUMBER", value_name = "+E164")]
    pub phone_number: Option<String>,
    /// Claimed phone number to point at cfSetCallBackflow (E.164)
    #[arg(long, env = "CONNECT_RETURNS_CALLBACK_PHONE_NUMBER", value_name = "+E164")]
    pub callback_phone_number: Option<String>,
    /// Use same-named resources that lack our tag instead of refusing (left in place on destroy)
    #[arg(long)]
    pub adopt: bool,
    /// Show what would change and make no change
    #[arg(long)]
    pub plan: bool,
    /// Apply without asking (required without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also write the JSON result to this file
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LexVersion {
    V2,
    V1,
}

pub async fn run(_global: &GlobalArgs, args: &DeployArgs) -> anyhow::Result<Outcome> {
    InstanceRef::parse(args.target.instance.as_deref())?;
    anyhow::bail!("deploy is not built yet in this version")
}
