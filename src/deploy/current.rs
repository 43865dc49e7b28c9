//! Current state: everything deploy, status and destroy need to know about the instance, read
//! with list and search calls (concurrently; the pacer keeps them within the quota). Reading
//! makes no mutating call.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Context as _;

use super::desired::{QUEUES, ROUTING_PROFILE, Settings};
use crate::error::UserError;
use crate::resources::connect::associations::{self, Bot};
use crate::resources::connect::hours::{self, Hours};
use crate::resources::connect::phone::{self, Claimed};
use crate::resources::connect::{Connect, flows, is_not_found, queues, routing_profile, storage};

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
}

/// The instance: its ARN and tags. A missing instance is bad input.
pub async fn describe_instance(
    client: &aws_sdk_connect::Client,
    id: &str,
    region: &str,
) -> anyhow::Result<(String, HashMap<String, String>)> {
    match client.describe_instance().instance_id(id).send().await {
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
    let mut names: Vec<String> = QUEUES.iter().map(|name| settings.named(name)).collect();
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

/// Reads the current state. `instance_tags` comes from the preflight DescribeInstance.
pub async fn read(
    cx: &Connect,
    settings: &Settings,
    instance_tags: HashMap<String, String>,
) -> anyhow::Result<Current> {
    read_with(cx, settings, instance_tags, Depth::Deploy).await
}

pub async fn read_with(
    cx: &Connect,
    settings: &Settings,
    instance_tags: HashMap<String, String>,
    depth: Depth,
) -> anyhow::Result<Current> {
    let names = queue_names(settings);
    let profile_name = settings.named(ROUTING_PROFILE);
    let want_phones = settings.phone_number.is_some() || settings.callback_phone_number.is_some();
    let want_v1 = settings.lex == super::model::LexVersion::V1;
    let queues_and_profile = async {
        let profile = routing_profile::read(cx, &profile_name).await?;
        let mut known = std::collections::BTreeMap::new();
        if depth == Depth::Deploy
            && let Some(profile) = &profile
            && crate::resources::Ownership::of(&profile.tags, &settings.name)
                == crate::resources::Ownership::Ours
        {
            for (name, (id, _)) in &profile.queues {
                if name != &settings.callback_queue {
                    known.insert(name.clone(), id.clone());
                }
            }
        }
        let queues = queues::read_named_except(cx, &names, &known).await?;
        anyhow::Ok((queues, profile))
    };
    let (hours, (queues, routing_profile), flows, lambdas, bots, storage, phones) = tokio::try_join!(
        hours::read_all(cx),
        queues_and_profile,
        flows::read_all(cx),
        associations::read_lambdas(cx),
        async {
            let mut bots = associations::read_bots(cx, want_v1).await?;
            if depth == Depth::Full {
                bots.extend(associations::read_bots(cx, !want_v1).await?);
            }
            anyhow::Ok(bots)
        },
        async {
            if settings.callbacks() || depth == Depth::Full {
                storage::read(cx).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if want_phones {
                phone::read_claimed(cx).await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
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
    })
}
