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
    /// The CloudFormation service role the deployments use (`deploy --cfn-service-role`): the
    /// deployer's policy then passes that role instead of holding rights on the stacks' roles,
    /// functions, tables, log groups and stream
    #[arg(long, value_name = "ROLE-ARN", conflicts_with = "role")]
    pub cfn_service_role: Option<String>,
    /// Whose policy to print: the deployer's (who runs deploy, status, destroy and verify), or the
    /// CloudFormation service role's (trusting cloudformation.amazonaws.com)
    #[arg(long = "for", id = "role", value_enum, default_value = "deployer")]
    pub for_role: PolicyFor,
}

/// Whose policy `generate iam-policy` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyFor {
    /// Who runs deploy, status, destroy and verify
    Deployer,
    /// The role CloudFormation assumes with `deploy --cfn-service-role`
    CfnServiceRole,
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
    if let Some(role) = &args.cfn_service_role
        && !crate::deploy::desired::is_role_arn(role)
    {
        return Err(UserError::new(format!(
            "--cfn-service-role {role:?} is not an IAM role ARN"
        ))
        .hint("give the role's ARN, e.g. arn:aws:iam::123456789012:role/connect-returns-cloudformation")
        .into());
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
    let lex = args.lex.map(LexVersion::from).unwrap_or(LexVersion::V2);
    let (bot_name, intents) = bot_names(&args.name, stem, lex);
    let request = PolicyRequest {
        solution: args
            .solution
            .map(SolutionChoice::from)
            .unwrap_or(SolutionChoice::All),
        lex,
        instance_arn: args.instance.clone(),
        name: args.name.clone(),
        bot_name,
        intents,
        cfn_service_role: args.cfn_service_role.clone(),
    };
    let policy = match args.for_role {
        PolicyFor::Deployer => iam_policy::policy(&request),
        PolicyFor::CfnServiceRole => iam_policy::cfn_service_role_policy(&request),
    };
    println!("{}", serde_json::to_string_pretty(&policy)?);
    Ok(Outcome::Success)
}

/// The bot and (Lex V1) intent names the deployment uses, as IAM resource patterns: a name with a
/// trailing `*` covers every deployment it matches (`pr-*` → `pr-*Concierge`).
fn bot_names(name: &str, stem: &str, lex: LexVersion) -> (String, Vec<String>) {
    use crate::deploy::model::{BOT_NAME_SUFFIX, bot_name_v1, bot_name_v2, intent_name_v1};
    let shipped = crate::assets::bot();
    let wildcard = name.ends_with('*');
    match (lex, wildcard) {
        (LexVersion::V2, false) => (bot_name_v2(name), Vec::new()),
        (LexVersion::V2, true) => (format!("{stem}*{BOT_NAME_SUFFIX}"), Vec::new()),
        (LexVersion::V1, false) => (
            bot_name_v1(name),
            shipped
                .intents
                .iter()
                .map(|intent| intent_name_v1(name, &intent.name))
                .collect(),
        ),
        (LexVersion::V1, true) => {
            let letters: String = stem
                .chars()
                .map(|c| if c == '-' { '_' } else { c })
                .filter(|c| c.is_ascii_alphabetic() || *c == '_')
                .collect();
            let bot = format!("{letters}*{BOT_NAME_SUFFIX}");
            let intents = shipped
                .intents
                .iter()
                .map(|intent| format!("{bot}_{}", intent.name))
                .collect();
            (bot, intents)
        }
    }
}
