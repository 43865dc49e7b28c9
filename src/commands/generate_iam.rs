//! `connect-returns generate iam-policy`: the deployer's least-privilege policy (see
//! `iam_policy.rs`), printed as JSON on stdout.

use clap::Args;

use crate::cli::{LexArg, SolutionArg};
use crate::deploy::model::{self, LexVersion, SolutionChoice};
use crate::error::{Outcome, UserError};
use crate::iam_policy::{self, PolicyRequest};

#[derive(Debug, Clone, Args)]
pub struct IamPolicyArgs {
    /// Which solution(s) the policy deploys [default: all]
    #[arg(long, value_enum)]
    pub solution: Option<SolutionArg>,
    /// Lex version of the bot [default: v2]
    #[arg(long, value_enum)]
    pub lex: Option<LexArg>,
    /// The instance ARN (arn:aws:connect:<region>:<account>:instance/<id>); without it the
    /// policy covers any instance, Region and account
    #[arg(long, value_name = "ARN")]
    pub instance: Option<String>,
    /// Deployment name the policy is scoped to; a trailing `*` covers every name it starts
    /// (e.g. `pr-*` for pull request environments)
    #[arg(long, default_value = model::DEFAULT_NAME, value_name = "DEPLOYMENT")]
    pub name: String,
}

pub fn run(args: &IamPolicyArgs) -> anyhow::Result<Outcome> {
    if let Some(instance) = &args.instance {
        let parts: Vec<&str> = instance.split(':').collect();
        let valid = matches!(parts[..], ["arn", _, "connect", region, account, resource]
            if !region.is_empty() && account.len() == 12 && resource.starts_with("instance/") && resource.len() > 9);
        if !valid {
            return Err(UserError::new(format!(
                "--instance {instance:?} is not an Amazon Connect instance ARN"
            ))
            .hint("give the ARN (arn:aws:connect:<region>:<account>:instance/<id>): the policy needs its Region and account")
            .into());
        }
    }
    let stem = args.name.strip_suffix('*').unwrap_or(&args.name);
    if stem.contains('*') || (stem.is_empty() && args.name.is_empty()) {
        return Err(UserError::new(format!(
            "--name {:?}: only a trailing * is allowed",
            args.name
        ))
        .hint("e.g. --name returnCaller, or --name 'pr-*'")
        .into());
    }
    if !stem.is_empty() {
        crate::resources::stack::stack_name(stem.trim_end_matches('-'), "returning-callers")?;
    }
    let bot = crate::deploy::upstream::bot_spec();
    let request = PolicyRequest {
        solution: args
            .solution
            .map(SolutionChoice::from)
            .unwrap_or(SolutionChoice::All),
        lex: args.lex.map(LexVersion::from).unwrap_or(LexVersion::V2),
        instance_arn: args.instance.clone(),
        name: args.name.clone(),
        bot_name: bot.name.clone(),
        intents: bot.intents.iter().map(|i| i.name.clone()).collect(),
    };
    let policy = iam_policy::policy(&request);
    println!("{}", serde_json::to_string_pretty(&policy)?);
    Ok(Outcome::Success)
}
