//! Observation: everything deploy, status and destroy need to know about what exists, read
//! with list and search calls (concurrently; the pacer keeps them within the quota). Reading
//! makes no mutating call. [`read`] is what deploy needs; [`Observed`] is the fuller picture
//! status and destroy read ([`read_deployment`] and [`read_aws`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context as _;

use super::desired::Settings;
use crate::assets::Solution;
use crate::aws::Aws;
use crate::error::UserError;
use crate::resources::connect::associations::{self, Bot};
use crate::resources::connect::hours::{self, Hours};
use crate::resources::connect::phone::{self, Claimed};
use crate::resources::connect::whisper;
use crate::resources::connect::{Connect, flows, is_not_found, queues, routing_profile, storage};
use crate::resources::lex::{self, v1 as lexv1, v2 as lexv2};
use crate::resources::{artifacts, stack};

/// What the instance has that a deployment cares about.
#[derive(Debug, Clone, Default)]
pub struct Current {
    pub instance_tags: HashMap<String, String>,
    pub hours: Vec<Hours>,
    /// Our queues and the callback queue, by name.
    pub queues: BTreeMap<String, queues::Current>,
    pub routing_profile: Option<routing_profile::Current>,
    pub flows: BTreeMap<String, flows::Current>,
    pub lambdas: BTreeSet<String>,
    pub bots: BTreeSet<Bot>,
    pub storage: Vec<storage::Current>,
    pub phones: Vec<Claimed>,
    /// The flow each number points at, by number id; read only when this deployment has
    /// pointed a number (its instance tags say so).
    pub phone_flows: Option<HashMap<String, String>>,
}

/// The instance: its ARN and tags. A missing instance is bad input.
pub async fn describe_instance(
    client: &aws_sdk_connect::Client,
    id: &str,
    region: &str,
) -> anyhow::Result<(String, HashMap<String, String>)> {
    let answer = client
        .describe_instance()
        .instance_id(id)
        .customize()
        .config_override(
            aws_sdk_connect::config::Builder::default()
                .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2)),
        )
        .send()
        .await;
    match answer {
        Err(aws_sdk_connect::error::SdkError::DispatchFailure(_)) => Err(UserError::new(format!(
            "cannot reach the Amazon Connect endpoint: {}",
            std::env::var("AWS_ENDPOINT_URL_CONNECT")
                .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
                .unwrap_or_else(|_| format!("connect.{region}.amazonaws.com"))
        ))
        .hint("check the network, a proxy, or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_CONNECT")
        .into()),
        Ok(output) => {
            let instance = output
                .instance
                .context("DescribeInstance returned no instance")?;
            Ok((
                instance.arn().unwrap_or_default().to_string(),
                instance.tags.clone().unwrap_or_default(),
            ))
        }
        Err(err) if is_not_found(&err) => Err(UserError::new(format!(
            "Amazon Connect instance {id} not found in {region}"
        ))
        .hint("check --instance, and --region or AWS_REGION (an instance lives in one Region)")
        .into()),
        Err(err) => {
            Err(err).with_context(|| format!("failed to describe Amazon Connect instance {id}"))
        }
    }
}

/// The queue names a deployment reads: ours (with prefix) and the callback queue.
pub fn queue_names(settings: &Settings) -> Vec<String> {
    let mut names: Vec<String> = settings
        .menu
        .names()
        .map(|name| settings.named(name))
        .collect();
    names.push(settings.callback_queue.clone());
    names
}

/// How much to read: deploy trusts its own routing profile for which queues are ours; status
/// and destroy describe every queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Deploy,
    Full,
}

/// What an earlier run resolved and recorded, so this run need not look it up again.
///
/// Only name → id lookups of things the tool never creates are recalled: the hours of
/// operation. They are trusted only while they still explain what is read: when one of our
/// queues refers to other hours than the recalled ones, the hours are listed after all.
#[derive(Debug, Clone, Default)]
pub struct Recalled {
    pub hours: Option<Hours>,
}

impl Recalled {
    /// What `record` resolved for the same settings (nothing when the names differ).
    pub fn from_record(record: Option<&super::record::Record>, settings: &Settings) -> Recalled {
        let hours = record
            .and_then(|record| record.deployed.hours.as_ref())
            .filter(|hours| hours.name == settings.hours)
            .map(|hours| Hours {
                id: hours.id.clone(),
                arn: hours.arn.clone(),
                name: hours.name.clone(),
            });
        Recalled { hours }
    }
}

/// Reads the current state. `instance_tags` comes from the preflight DescribeInstance.
pub async fn read(
    connect: &Connect,
    settings: &Settings,
    instance_tags: HashMap<String, String>,
    recalled: &Recalled,
) -> anyhow::Result<Current> {
    read_with(connect, settings, instance_tags, Depth::Deploy, recalled).await
}

pub async fn read_with(
    connect: &Connect,
    settings: &Settings,
    instance_tags: HashMap<String, String>,
    depth: Depth,
    recalled: &Recalled,
) -> anyhow::Result<Current> {
    let names = queue_names(settings);
    let profile_name = super::plan::routing_profile_name(settings);
    let want_phones = settings.phone_number.is_some() || settings.callback_phone_number.is_some();
    let record_prefix = format!("connect-returns:{}:phone:", settings.name);
    let pointed_numbers = instance_tags
        .keys()
        .any(|key| key.starts_with(&record_prefix));
    let want_v1 = settings.lex == super::model::LexVersion::V1;
    let queues_and_profile = async {
        tokio::try_join!(
            queues::read_named(connect, &names),
            routing_profile::read(connect, &profile_name)
        )
    };
    let (hours, (queues, routing_profile), flows, lambdas, bots, storage, phones, phone_flows) = tokio::try_join!(
        async {
            // Only the returning-caller queues name hours of operation.
            match &recalled.hours {
                _ if !settings.returning_callers() => Ok(Vec::new()),
                Some(hours) => Ok(vec![hours.clone()]),
                None => hours::read_all(connect).await,
            }
        },
        queues_and_profile,
        flows::read_all(connect),
        associations::read_lambdas(connect),
        async {
            // A V2 deployment never has a V1 bot to look for; a V1 deployment's V2 bot (of the
            // version before it) is looked for in `read_aws`, only when that bot exists.
            associations::read_bots(connect, want_v1).await
        },
        async {
            if settings.callbacks() || depth == Depth::Full {
                storage::read(connect).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if want_phones {
                phone::read_claimed(connect).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if pointed_numbers {
                phone::read_flows(connect).await.map(Some)
            } else {
                Ok(None)
            }
        },
    )?;
    let hours = match &recalled.hours {
        Some(recalled_hours)
            if settings.menu.names().any(|name| {
                queues
                    .get(&settings.named(name))
                    .is_some_and(|queue| queue.hours_id != recalled_hours.id)
            }) =>
        {
            hours::read_all(connect).await?
        }
        _ => hours,
    };
    Ok(Current {
        instance_tags,
        hours,
        queues,
        routing_profile,
        flows,
        lambdas,
        bots,
        storage,
        phones,
        phone_flows,
    })
}

/// Everything status and destroy need to know about a deployment, read without a mutating
/// call: the instance in full depth, the records our changes left on it, and the AWS side.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub current: Current,
    /// The queue whose outbound whisper we changed (from the instance tag).
    pub whisper_queue: Option<queues::Current>,
    /// The existing routing profile we added our queues to (from the instance tag).
    pub borrowed_profile: Option<routing_profile::Current>,
    /// Phone numbers we pointed: (number id, record).
    pub phones: Vec<(String, phone::Record)>,
    /// The CTR association we created.
    pub ctr_association: Option<String>,
    /// The AWS side: stacks by solution, the Lex bot, the artifact bucket name.
    pub stacks: BTreeMap<Solution, (String, Option<stack::Current>)>,
    pub bot: Option<(String, lexv2::Current)>,
    pub bot_v1: Option<lexv1::Current>,
    /// Bots an earlier release made for this deployment under the shipped name (proven ours by
    /// their ownership marker); deploy and destroy remove them.
    pub earlier_bots: Vec<EarlierBot>,
    pub bucket: Option<String>,
    /// The artifact bucket as S3 reports it (shared by every deployment in the account and
    /// Region), `None` when it does not exist.
    pub artifacts: Option<artifacts::Current>,
    /// CTR configs of the instance whose Kinesis stream no longer exists: (association, stream).
    pub dead_ctr_streams: Vec<(String, String)>,
}

/// A bot this deployment had under an earlier name.
#[derive(Debug, Clone)]
pub enum EarlierBot {
    V2 { name: String, bot: lexv2::Current },
    V1 { spec: lex::BotSpec },
}

impl EarlierBot {
    pub fn name(&self) -> &str {
        match self {
            EarlierBot::V2 { name, .. } => name,
            EarlierBot::V1 { spec } => &spec.name,
        }
    }
}

/// The bots an earlier release named differently for this deployment, when they are provably
/// its own (their description's ownership marker names it).
pub async fn read_earlier_bots(aws: &Aws, settings: &Settings) -> anyhow::Result<Vec<EarlierBot>> {
    use super::model::LexVersion;
    let mut out = Vec::new();
    if !settings.returning_callers() {
        return Ok(out);
    }
    if let Some(spec) = super::upstream::earlier_bot_spec(settings, LexVersion::V2)
        && let Some(bot) = lexv2::read(&aws.lexv2(), &spec.name).await?
        && bot.deployment.as_deref() == Some(settings.name.as_str())
    {
        out.push(EarlierBot::V2 {
            name: spec.name,
            bot,
        });
    }
    // Only a Lex V1 deployment has a V1 bot (its Lex version comes from the record).
    if settings.lex == LexVersion::V1
        && let Some(spec) = super::upstream::earlier_bot_spec(settings, LexVersion::V1)
        && lexv1::owner(&aws.lexv1(), &spec.name).await?.as_deref() == Some(settings.name.as_str())
    {
        out.push(EarlierBot::V1 { spec });
    }
    Ok(out)
}

/// Reads what the deployment has.
pub async fn read_deployment(
    connect: &Connect,
    settings: &Settings,
    instance_tags: HashMap<String, String>,
    recalled: &Recalled,
) -> anyhow::Result<Observed> {
    let current = read_with(
        connect,
        settings,
        instance_tags.clone(),
        Depth::Full,
        recalled,
    )
    .await?;
    let whisper_queue = match instance_tags.get(&whisper::queue_tag(&settings.name)) {
        Some(id) => match current.queues.values().find(|queue| &queue.id == id) {
            Some(queue) => Some(queue.clone()),
            None => queues::describe(connect, id).await?,
        },
        None => None,
    };
    let borrowed_profile = match instance_tags.get(&routing_profile::borrowed_tag(&settings.name)) {
        Some(id) => match current
            .routing_profile
            .as_ref()
            .filter(|profile| &profile.id == id)
        {
            Some(profile) => Some(profile.clone()),
            None => routing_profile::read_by_id(connect, id).await?,
        },
        None => None,
    };
    let prefix = format!("connect-returns:{}:phone:", settings.name);
    let phones = instance_tags
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix(&prefix)
                .map(|id| (id.to_string(), phone::parse_record(value)))
        })
        .collect();
    // The record may predate the association (a killed run): then nothing or the config for the
    // recorded stream is ours; either way the record goes.
    let ctr_association = instance_tags
        .get(&storage::created_tag(&settings.name))
        .map(|record| storage::recorded_association(record, &current.storage).unwrap_or_default());
    Ok(Observed {
        current,
        whisper_queue,
        borrowed_profile,
        phones,
        ctr_association,
        ..Observed::default()
    })
}

/// Reads the AWS side of the deployment (CloudFormation, Lex, S3).
pub async fn read_aws(
    aws: &Aws,
    connect: &Connect,
    settings: &Settings,
    found: &mut Observed,
) -> anyhow::Result<()> {
    for solution in super::upstream::solutions(settings) {
        let name = stack::stack_name(&settings.name, solution.id())?;
        let current = stack::read(&aws.cloudformation(), &name).await?;
        found.stacks.insert(solution, (name, current));
    }
    if settings.returning_callers() {
        let name = super::upstream::bot_spec(settings).name;
        if let Some(bot) = lexv2::read(&aws.lexv2(), &name).await? {
            found.bot = Some((name, bot));
        }
        // Only a Lex V1 deployment has a V1 bot (its Lex version comes from the record).
        if settings.lex == super::model::LexVersion::V1 {
            found.bot_v1 =
                lexv1::read(&aws.lexv1(), &super::upstream::bot_spec_v1(settings)).await?;
        }
        found.earlier_bots = read_earlier_bots(aws, settings).await?;
        // The V2 bots a V2 deploy of this deployment left (under today's name or an earlier
        // one): their associations, if any, are ours to show and remove.
        let v2_bot_left = found.bot.is_some()
            || found
                .earlier_bots
                .iter()
                .any(|bot| matches!(bot, EarlierBot::V2 { .. }));
        if settings.lex == super::model::LexVersion::V1 && v2_bot_left {
            let v2 = associations::read_bots(connect, false).await?;
            found.current.bots.extend(v2);
        }
    }
    if settings.callbacks() {
        for config in &found.current.storage {
            if let Some(stream) = &config.stream_arn
                && !super::preflight::stream_exists(&aws.kinesis(), stream).await?
            {
                found
                    .dead_ctr_streams
                    .push((config.association_id.clone(), stream.clone()));
            }
        }
    }
    let (region, account) = connect.region_account();
    let bucket = artifacts::bucket_name(account, region);
    found.artifacts = artifacts::read(&aws.s3(), &bucket, &settings.name).await?;
    if settings.returning_callers()
        && settings.callbacks()
        && found
            .artifacts
            .as_ref()
            .is_some_and(|current| !current.keys.is_empty())
    {
        found.bucket = Some(bucket);
    }
    Ok(())
}
