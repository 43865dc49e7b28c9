//! The AWS side of a deploy: the Lambda artifacts in the artifact bucket, one CloudFormation
//! stack per solution, and the Lex bot (resource kinds in `resources::{artifacts, stack, lex}`).
//! This module reads them, turns their diffs into plan items, and adds their steps to the graph;
//! their outputs (Lambda ARNs, the bot alias ARN, the CTR stream) feed the Connect steps through
//! the shared reference map. The Lambda artifact itself is read and checked in
//! `lambda_artifact.rs`.

use std::collections::BTreeMap;

use anyhow::Context as _;

use super::desired::Settings;
use super::plan::{PlanItem, Upstream};
use crate::assets::{self, Solution};
use crate::aws::Aws;
use crate::error::UserError;
use crate::resources::connect::associations::Bot;
use crate::resources::lex::{self, v1 as lexv1, v2 as lexv2};
use crate::resources::{artifacts, stack};

mod lambda_artifact;

pub use lambda_artifact::{ARTIFACT, local_artifact};

/// The solutions the settings choose.
pub fn solutions(settings: &Settings) -> Vec<Solution> {
    Solution::ALL
        .into_iter()
        .filter(|solution| match solution {
            Solution::ReturningCallers => settings.returning_callers(),
            Solution::Callbacks => settings.callbacks(),
        })
        .collect()
}

/// What the AWS side has now.
#[derive(Debug, Clone)]
pub struct AwsCurrent {
    pub bucket: Option<artifacts::Current>,
    pub stacks: BTreeMap<Solution, Option<stack::Current>>,
    pub bot: Option<lexv2::Current>,
    /// The Lex V1 bot, with `--lex v1`.
    pub bot_v1: Option<lexv1::Current>,
}

/// What the AWS side should be (the Lex role is known once the stack has run).
#[derive(Debug, Clone)]
pub struct AwsDesired {
    pub artifacts: artifacts::Desired,
    pub stacks: BTreeMap<Solution, stack::Desired>,
    pub bot: Option<lex::BotSpec>,
    /// With `--lex v1`: the bot is imported into Lex V1 instead of built in V2.
    pub lex_v1: bool,
    /// The Lex V2 bot waits for the whole returning-callers stack instead of only its role: the
    /// older, slower order, kept so the benchmark can measure both in one run.
    pub lex_waits_for_stack: bool,
}

/// The logical id of the Lex V2 bot's role in the returning-callers template.
pub const LEX_ROLE_RESOURCE: &str = "LexBotRole";

/// The ARN of an IAM role (the template gives it no path) in the partition of `instance_arn`.
pub fn role_arn(instance_arn: &str, account: &str, role_name: &str) -> String {
    let partition = instance_arn.split(':').nth(1).unwrap_or("aws");
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// The deployment's Lex V2 bot: the shipped definition under the deployment's bot name.
pub fn bot_spec(settings: &Settings) -> lex::BotSpec {
    let mut spec = lex::BotSpec::from_definition(&bot_definition(settings));
    spec.name = super::model::bot_name_v2(&settings.name);
    spec
}

/// The deployment's Lex V1 bot: in V1 the intents, too, are account-and-Region resources, so
/// they carry the deployment's name as well.
pub fn bot_spec_v1(settings: &Settings) -> lex::BotSpec {
    let mut spec = lex::BotSpec::from_definition(&bot_definition(settings));
    spec.name = super::model::bot_name_v1(&settings.name);
    for intent in &mut spec.intents {
        intent.name = super::model::intent_name_v1(&settings.name, &intent.name);
    }
    spec
}

/// The bot in the deployment's locale (checked before any request: `desired::check`).
fn bot_definition(settings: &Settings) -> assets::BotDefinition {
    settings
        .experience()
        .bot_definition()
        .unwrap_or_else(|_| assets::bot())
}

/// The bot of this deployment's Lex version.
pub fn bot_spec_for(settings: &Settings) -> lex::BotSpec {
    match settings.lex {
        super::model::LexVersion::V2 => bot_spec(settings),
        super::model::LexVersion::V1 => bot_spec_v1(settings),
    }
}

/// The bot an earlier release made for this deployment under the shipped name, when that is not
/// the deployment's name now: deploy and destroy remove it once it is provably this deployment's.
pub fn earlier_bot_spec(
    settings: &Settings,
    lex: super::model::LexVersion,
) -> Option<lex::BotSpec> {
    let shipped = lex::BotSpec::from_definition(&assets::bot());
    let now = match lex {
        super::model::LexVersion::V2 => super::model::bot_name_v2(&settings.name),
        super::model::LexVersion::V1 => super::model::bot_name_v1(&settings.name),
    };
    (shipped.name != now).then_some(shipped)
}

/// Desired AWS-side state (pure apart from the already-read local artifact).
pub fn desired(
    settings: &Settings,
    account: &str,
    region: &str,
    instance_arn: &str,
    artifact: artifacts::LocalArtifact,
) -> Result<AwsDesired, UserError> {
    let key = artifact.key(&settings.name);
    let artifacts = artifacts::Desired::new(account, region, &settings.name, vec![artifact]);
    let mut stacks = BTreeMap::new();
    for solution in solutions(settings) {
        let mut parameters = BTreeMap::from([
            ("ConnectInstanceARN".to_string(), instance_arn.to_string()),
            ("ArtifactBucket".to_string(), artifacts.bucket.clone()),
            ("ArtifactKey".to_string(), key.clone()),
        ]);
        match solution {
            Solution::ReturningCallers => {
                parameters.insert(
                    assets::RECORD_TTL_PARAMETER.into(),
                    settings.record_ttl_minutes.to_string(),
                );
            }
            Solution::Callbacks => {
                parameters.insert(
                    assets::CALLBACK_TTL_PARAMETER.into(),
                    settings.callback_ttl_hours.to_string(),
                );
            }
        }
        let mut stack = stack::Desired::new(
            &settings.name,
            solution.id(),
            assets::template(solution),
            parameters,
        )?;
        stack.service_role = settings.cfn_service_role.clone();
        stacks.insert(solution, stack);
    }
    let bot = settings.returning_callers().then(|| bot_spec_for(settings));
    let lex_v1 = settings.lex == super::model::LexVersion::V1;
    Ok(AwsDesired {
        artifacts,
        stacks,
        bot,
        lex_v1,
        lex_waits_for_stack: false,
    })
}

/// Reads the AWS side (S3, CloudFormation, Lex: no mutating call).
pub async fn read(aws: &Aws, desired: &AwsDesired) -> anyhow::Result<AwsCurrent> {
    // Bucket, stacks and bot are independent: read them at once.
    let (s3, cfn) = (aws.s3(), aws.cloudformation());
    let bucket = artifacts::read(
        &s3,
        &desired.artifacts.bucket,
        &desired.artifacts.deployment,
    );
    let stacks = futures::future::try_join_all(desired.stacks.iter().map(|(solution, wanted)| {
        let cfn = cfn.clone();
        async move { anyhow::Ok((*solution, stack::read(&cfn, &wanted.stack_name).await?)) }
    }));
    let bots = async {
        anyhow::Ok(match &desired.bot {
            Some(spec) if desired.lex_v1 => (None, lexv1::read(&aws.lexv1(), spec).await?),
            Some(spec) => (lexv2::read(&aws.lexv2(), &spec.name).await?, None),
            None => (None, None),
        })
    };
    let (bucket, stacks, (bot, bot_v1)) = tokio::try_join!(bucket, stacks, bots)?;
    Ok(AwsCurrent {
        bucket,
        stacks: stacks.into_iter().collect(),
        bot,
        bot_v1,
    })
}

/// The lex desired state with the role the stack output gives (or a placeholder for the plan).
pub fn lex_desired(
    spec: &lex::BotSpec,
    deployment: &str,
    role_arn: Option<&str>,
) -> lexv2::Desired {
    lexv2::Desired {
        spec: spec.clone(),
        deployment: deployment.to_string(),
        role_arn: role_arn
            .unwrap_or("(the stack's LexBotRoleARN)")
            .to_string(),
    }
}

/// Plan items of the AWS side (pure).
pub fn plan(desired: &AwsDesired, current: &AwsCurrent, deployment: &str) -> Vec<PlanItem> {
    let mut items = vec![PlanItem::new(
        "artifacts",
        &desired.artifacts.bucket,
        artifacts::diff(&desired.artifacts, current.bucket.as_ref()),
    )];
    for (solution, wanted) in &desired.stacks {
        let existing = current.stacks.get(solution).and_then(Option::as_ref);
        items.push(PlanItem::new(
            "stack",
            &wanted.stack_name,
            stack::diff(wanted, existing),
        ));
    }
    if let Some(spec) = &desired.bot
        && desired.lex_v1
    {
        let wanted = lexv1::Desired {
            spec: spec.clone(),
            deployment: deployment.to_string(),
        };
        items.push(PlanItem::new(
            "lex-bot",
            &spec.name,
            lexv1::diff(&wanted, current.bot_v1.as_ref()),
        ));
    } else if let Some(spec) = &desired.bot {
        let role = current
            .stacks
            .get(&Solution::ReturningCallers)
            .and_then(Option::as_ref)
            .and_then(|s| s.outputs.get("LexBotRoleARN"))
            .cloned();
        items.push(PlanItem::new(
            "lex-bot",
            &spec.name,
            lexv2::diff(
                &lex_desired(spec, deployment, role.as_deref()),
                current.bot.as_ref(),
            ),
        ));
    }
    items
}

/// Upstream for the Connect side from what the AWS side has now.
pub fn inputs(current: &AwsCurrent, settings: &Settings, region: &str, account: &str) -> Upstream {
    let mut inputs = Upstream::default();
    for stack in current.stacks.values().flatten() {
        for id in returns_lambdas::contract::Function::ALL.map(|function| function.id()) {
            if let Some(arn) =
                assets::lambda_output(id).and_then(|output| stack.outputs.get(output))
            {
                inputs.lambdas.insert(id.to_string(), arn.clone());
            }
        }
        if let Some(stream) = stack
            .outputs
            .get("CtrStreamARN")
            .filter(|arn| !arn.is_empty())
        {
            inputs.ctr_stream = Some(stream.clone());
        }
    }
    if let Some(bot) = &current.bot
        && let Some(alias) = &bot.alias
    {
        let arn = lexv2::alias_arn(region, account, &bot.bot_id, &alias.alias_id);
        inputs.lex.insert(bot_spec(settings).name, arn.clone());
        inputs.bot = Some(Bot::V2 { alias_arn: arn });
    }
    inputs.lex_rendering = Some(assets::LexRendering::V2);
    inputs
}

/// Everything the Connect side needs from the AWS side for `settings`: stack outputs, the bot,
/// how flows name it, and which functions and bot to associate.
pub fn connect_inputs(
    current: &AwsCurrent,
    settings: &Settings,
    region: &str,
    account: &str,
) -> Upstream {
    let mut inputs = inputs(current, settings, region, account);
    inputs.upstream = true;
    // A stream given by name is named by ARN towards Connect.
    if let Some(given) = &settings.ctr_stream {
        inputs.ctr_stream = Some(stream_arn(given, region, account));
    }
    if settings.lex == super::model::LexVersion::V1 {
        use_lex_v1(&mut inputs, settings, region);
    }
    inputs.lambda_ids = solutions(settings)
        .into_iter()
        .flat_map(connect_lambda_ids)
        .map(str::to_string)
        .collect();
    inputs.bot_name = settings.returning_callers().then(|| settings.bot_name());
    inputs
}

/// The callbacks stack's `ExistingCtrStreamArn`: the instance's pre-existing CTR stream (a
/// config this deployment associated is not pre-existing), else `--ctr-stream`, else empty (the
/// stack makes one).
pub fn set_ctr_stream_parameter(
    desired: &mut AwsDesired,
    settings: &Settings,
    current: &super::observe::Current,
    region: &str,
    account: &str,
) {
    let Some(stack) = desired.stacks.get_mut(&Solution::Callbacks) else {
        return;
    };
    let ours =
        current
            .instance_tags
            .contains_key(&crate::resources::connect::storage::created_tag(
                &settings.name,
            ));
    let existing = crate::resources::connect::storage::stream_in_use(&current.storage)
        .filter(|_| !ours)
        .map(str::to_string);
    let given = settings
        .ctr_stream
        .as_ref()
        .map(|stream| stream_arn(stream, region, account));
    stack.parameters.insert(
        CTR_STREAM_PARAMETER.into(),
        existing.or(given).unwrap_or_default(),
    );
}

/// A Kinesis stream's ARN from `--ctr-stream` (a name or an ARN).
pub fn stream_arn(stream: &str, region: &str, account: &str) -> String {
    if stream.starts_with("arn:") {
        stream.to_string()
    } else {
        format!("arn:aws:kinesis:{region}:{account}:stream/{stream}")
    }
}

/// The callbacks template's parameter naming a pre-existing CTR stream.
pub const CTR_STREAM_PARAMETER: &str = "ExistingCtrStreamArn";

/// Upstream for `--lex v1`: flows name the bot by name, Region and alias.
pub fn use_lex_v1(inputs: &mut Upstream, settings: &Settings, region: &str) {
    let spec = bot_spec_v1(settings);
    let name = spec.name.clone();
    inputs.lex_rendering = Some(assets::LexRendering::V1 {
        bot_name: name.clone(),
        intents: assets::bot()
            .intents
            .iter()
            .zip(&spec.intents)
            .map(|(shipped, ours)| (shipped.name.clone(), ours.name.clone()))
            .filter(|(shipped, ours)| shipped != ours)
            .collect(),
        region: region.to_string(),
        alias: "prod".into(),
    });
    inputs.bot = Some(Bot::V1 {
        name,
        region: region.to_string(),
    });
}

/// The Lambda function ids a solution's stack provides, from the handler contract.
pub fn lambda_ids(solution: Solution) -> Vec<&'static str> {
    contract_functions(solution)
        .map(|function| function.id())
        .collect()
}

/// The functions Amazon Connect invokes, which deploy associates with the instance; processCtr
/// is invoked by Kinesis only and needs no association.
pub fn connect_lambda_ids(solution: Solution) -> Vec<&'static str> {
    contract_functions(solution)
        .filter(|function| function.invoked_by_connect())
        .map(|function| function.id())
        .collect()
}

fn contract_functions(
    solution: Solution,
) -> impl Iterator<Item = returns_lambdas::contract::Function> {
    returns_lambdas::contract::Function::ALL
        .into_iter()
        .filter(move |function| function.solution().id() == solution.id())
}

/// Outputs of a stack into the reference map.
pub fn refs_from_outputs(outputs: &BTreeMap<String, String>) -> Vec<((String, String), String)> {
    let mut out = Vec::new();
    for solution in Solution::ALL {
        for id in lambda_ids(solution) {
            if let Some(arn) = assets::lambda_output(id).and_then(|output| outputs.get(output)) {
                out.push((("lambda".to_string(), id.to_string()), arn.clone()));
            }
        }
    }
    if let Some(stream) = outputs.get("CtrStreamARN").filter(|arn| !arn.is_empty()) {
        out.push((("ctr".to_string(), "stream".to_string()), stream.clone()));
    }
    if let Some(role) = outputs.get("LexBotRoleARN") {
        out.push((("role".to_string(), "lex".to_string()), role.clone()));
    }
    out
}

/// The stack's output for the Lex role, for error messages.
pub fn require<'a>(
    map: &'a BTreeMap<(String, String), String>,
    kind: &str,
    name: &str,
) -> anyhow::Result<&'a String> {
    map.get(&(kind.to_string(), name.to_string()))
        .with_context(|| format!("no {kind} {name} (the step that makes it did not complete)"))
}
