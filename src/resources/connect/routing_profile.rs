//! The routing profile of the returning-callers solution: the menu's queues at priority 2 (or
//! `--routing-priority`) on VOICE. Queue configs go at most 10 per call (the API's limit), on
//! create and on update.
//!
//! By default the solution creates its own profile. With `--routing-profile NAME` it adds its
//! queues to an existing one instead (a *borrowed* profile, never ours, never deleted): before
//! the first change deploy records what the profile had for those queues as tags on it
//! (`connect-returns:previous:routing-queues` = `queueId@priority …` or `none`, and
//! `connect-returns:changed-by` = deployment) and the profile's id on the instance; destroy puts
//! that back and removes the tags, as it does for the callback queue's outbound whisper
//! (`borrowed.rs`).
//!
//! Read: one SearchRoutingProfiles by exact name (the whole profile, tags included), then
//! ListRoutingProfileQueues (priorities are only there) when the profile has queues.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use aws_sdk_connect::types::{
    BehaviorType, Channel, CrossChannelBehavior, MediaConcurrency, RoutingProfileQueueConfig,
    RoutingProfileQueueReference, RoutingProfileSearchCriteria,
};

use super::{Connect, is_not_found, tags_of};
use crate::resources::{Change, FieldDiff, Ownership, existing_change, owner_tags};

mod borrowed;

pub use borrowed::{borrowed_tag, restore, restore_change};
use borrowed::{diff_borrowed, record_previous};

/// Priority of every queue in the profile (the blog's setting).
pub const PRIORITY: i32 = 2;
/// The API takes at most this many queue configs per call.
pub const MAX_PER_CALL: usize = 10;

/// The routing profile as deploy wants it. Queues are keyed by name; their ids are known once
/// the queues exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub name: String,
    pub description: String,
    /// Queue name → priority on VOICE.
    pub queues: BTreeMap<String, i32>,
    /// An existing profile the queues are added to (`--routing-profile`): not ours, recorded
    /// and restored, never created or deleted.
    pub borrowed: bool,
}

/// The routing profile as it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub tags: HashMap<String, String>,
    /// Queue name → (queue id, priority) on VOICE.
    pub queues: BTreeMap<String, (String, i32)>,
}

/// Reads the profile named `name`: two calls when it exists and has queues, one otherwise.
pub async fn read(connect: &Connect, name: &str) -> anyhow::Result<Option<Current>> {
    let mut found = None;
    let mut pages = connect
        .client
        .search_routing_profiles()
        .instance_id(&connect.instance_id)
        .search_criteria(
            RoutingProfileSearchCriteria::builder()
                .string_condition(super::exact_name(name))
                .build(),
        )
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| format!("failed to search for routing profile {name}"))?;
        if let Some(profile) = page
            .routing_profiles()
            .iter()
            .find(|profile| profile.name() == Some(name))
        {
            found = Some(profile.clone());
        }
    }
    let Some(profile) = found else {
        return Ok(None);
    };
    complete(connect, profile, name).await
}

/// Reads the profile with id `id` (a borrowed profile found through the instance tag).
pub async fn read_by_id(connect: &Connect, id: &str) -> anyhow::Result<Option<Current>> {
    let described = connect
        .client
        .describe_routing_profile()
        .instance_id(&connect.instance_id)
        .routing_profile_id(id)
        .send()
        .await;
    let profile = match described {
        Ok(output) => output.routing_profile,
        Err(err) if is_not_found(&err) => None,
        Err(err) => {
            return Err(err).with_context(|| format!("failed to describe routing profile {id}"));
        }
    };
    let Some(profile) = profile else {
        return Ok(None);
    };
    let name = profile.name().unwrap_or_default().to_string();
    complete(connect, profile, &name).await
}

/// The profile with its VOICE queues (ListRoutingProfileQueues, when it has any).
async fn complete(
    connect: &Connect,
    profile: aws_sdk_connect::types::RoutingProfile,
    name: &str,
) -> anyhow::Result<Option<Current>> {
    let Some(id) = profile.routing_profile_id().map(str::to_string) else {
        return Ok(None);
    };
    let mut queues = BTreeMap::new();
    if profile.number_of_associated_queues() == Some(0) {
        return Ok(Some(current_of(&profile, id, name, queues)));
    }
    let mut pages = connect
        .client
        .list_routing_profile_queues()
        .instance_id(&connect.instance_id)
        .routing_profile_id(&id)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.with_context(|| format!("failed to list the queues of routing profile {name}"))?;
        for item in page.routing_profile_queue_config_summary_list() {
            if item.channel == Channel::Voice {
                queues.insert(
                    item.queue_name.clone(),
                    (item.queue_id.clone(), item.priority),
                );
            }
        }
    }
    Ok(Some(current_of(&profile, id, name, queues)))
}

fn current_of(
    profile: &aws_sdk_connect::types::RoutingProfile,
    id: String,
    name: &str,
    queues: BTreeMap<String, (String, i32)>,
) -> Current {
    Current {
        id,
        arn: profile
            .routing_profile_arn()
            .unwrap_or_default()
            .to_string(),
        name: name.to_string(),
        description: profile.description().unwrap_or_default().to_string(),
        tags: tags_of(profile.tags.as_ref()),
        queues,
    }
}

pub(super) fn queue_list(queues: impl Iterator<Item = (String, i32)>) -> String {
    let items: Vec<String> = queues
        .map(|(name, priority)| format!("{name}@{priority}"))
        .collect();
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

/// What deploy would do (pure).
pub fn diff(desired: &Desired, current: Option<&Current>, deployment: &str, adopt: bool) -> Change {
    if desired.borrowed {
        return diff_borrowed(desired, current, deployment);
    }
    let Some(current) = current else {
        return Change::Create;
    };
    let ownership = Ownership::of(&current.tags, deployment);
    let mut fields = Vec::new();
    if ownership == Ownership::Ours && current.description != desired.description {
        fields.push(FieldDiff::new(
            "description",
            &current.description,
            &desired.description,
        ));
    }
    let have: BTreeMap<String, i32> = current
        .queues
        .iter()
        .map(|(name, (_, priority))| (name.clone(), *priority))
        .collect();
    // Only our queues count: queues someone else added to the profile stay.
    let relevant: BTreeMap<String, i32> = have
        .iter()
        .filter(|(name, _)| desired.queues.contains_key(*name))
        .map(|(n, p)| (n.clone(), *p))
        .collect();
    if relevant != desired.queues {
        fields.push(FieldDiff::new(
            "queues (VOICE)",
            queue_list(relevant.into_iter()),
            queue_list(desired.queues.clone().into_iter()),
        ));
    }
    existing_change(ownership, adopt, "routing profile", &desired.name, fields)
}

/// Our queues' entries on the profile (name → priority).
pub(super) fn relevant(desired: &Desired, current: &Current) -> BTreeMap<String, i32> {
    current
        .queues
        .iter()
        .filter(|(name, _)| desired.queues.contains_key(*name))
        .map(|(name, (_, priority))| (name.clone(), *priority))
        .collect()
}

pub(super) fn queue_config(
    queue_id: &str,
    priority: i32,
) -> anyhow::Result<RoutingProfileQueueConfig> {
    let reference = RoutingProfileQueueReference::builder()
        .queue_id(queue_id)
        .channel(Channel::Voice)
        .build()?;
    Ok(RoutingProfileQueueConfig::builder()
        .queue_reference(reference)
        .priority(priority)
        .delay(0)
        .build()?)
}

/// Applies `change`. `queue_ids` maps queue names to ids (all queues exist by now).
pub async fn apply(
    connect: &Connect,
    desired: &Desired,
    current: Option<&Current>,
    change: &Change,
    queue_ids: &BTreeMap<String, String>,
) -> anyhow::Result<String> {
    let id_of = |name: &str| {
        queue_ids
            .get(name)
            .cloned()
            .with_context(|| format!("queue {name} has no id"))
    };
    match (change, current) {
        (Change::Create, _) => {
            let configs: Vec<RoutingProfileQueueConfig> = desired
                .queues
                .iter()
                .map(|(name, priority)| queue_config(&id_of(name)?, *priority))
                .collect::<anyhow::Result<_>>()?;
            let default_queue = desired
                .queues
                .keys()
                .next()
                .map(|name| id_of(name))
                .transpose()?
                .context("a routing profile needs a queue")?;
            let voice = MediaConcurrency::builder()
                .channel(Channel::Voice)
                .concurrency(1)
                .cross_channel_behavior(
                    CrossChannelBehavior::builder()
                        .behavior_type(BehaviorType::RouteCurrentChannelOnly)
                        .build()?,
                )
                .build()?;
            let mut chunks = configs.chunks(MAX_PER_CALL);
            let first = chunks.next().map(<[_]>::to_vec);
            let output = connect
                .client
                .create_routing_profile()
                .instance_id(&connect.instance_id)
                .name(&desired.name)
                .description(&desired.description)
                .default_outbound_queue_id(default_queue)
                .media_concurrencies(voice)
                .set_queue_configs(first)
                .set_tags(Some(owner_tags(&connect.deployment)))
                .send()
                .await;
            let output = match output {
                Ok(output) => output,
                // A retried create whose first attempt landed: finish it as an update.
                Err(err) if super::is_conflict(&err) => {
                    let Some(existing) = read(connect, &desired.name).await? else {
                        anyhow::bail!("routing profile {} vanished", desired.name)
                    };
                    if Ownership::of(&existing.tags, &connect.deployment) != Ownership::Ours {
                        anyhow::bail!(
                            "a routing profile named {} appeared that this deployment did not create",
                            desired.name
                        );
                    }
                    let change = diff(desired, Some(&existing), &connect.deployment, false);
                    return Box::pin(apply(connect, desired, Some(&existing), &change, queue_ids))
                        .await;
                }
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("failed to create routing profile {}", desired.name)
                    });
                }
            };
            let id = output.routing_profile_id().unwrap_or_default().to_string();
            for chunk in chunks {
                associate(connect, &id, chunk.to_vec()).await?;
            }
            Ok(output.routing_profile_arn().unwrap_or_default().to_string())
        }
        (Change::Update { fields, .. }, Some(current)) => {
            if desired.borrowed {
                record_previous(connect, desired, current).await?;
            }
            if fields.iter().any(|field| field.field == "description") {
                connect
                    .client
                    .update_routing_profile_name()
                    .instance_id(&connect.instance_id)
                    .routing_profile_id(&current.id)
                    .description(&desired.description)
                    .send()
                    .await
                    .with_context(|| {
                        format!("failed to update routing profile {}", desired.name)
                    })?;
            }
            let mut missing = Vec::new();
            let mut reprioritise = Vec::new();
            for (name, priority) in &desired.queues {
                match current.queues.get(name) {
                    None => missing.push(queue_config(&id_of(name)?, *priority)?),
                    Some((id, have)) if have != priority => {
                        reprioritise.push(queue_config(id, *priority)?)
                    }
                    Some(_) => {}
                }
            }
            for chunk in missing.chunks(MAX_PER_CALL) {
                associate(connect, &current.id, chunk.to_vec()).await?;
            }
            for chunk in reprioritise.chunks(MAX_PER_CALL) {
                connect
                    .client
                    .update_routing_profile_queues()
                    .instance_id(&connect.instance_id)
                    .routing_profile_id(&current.id)
                    .set_queue_configs(Some(chunk.to_vec()))
                    .send()
                    .await
                    .with_context(|| {
                        format!(
                            "failed to update the queues of routing profile {}",
                            desired.name
                        )
                    })?;
            }
            Ok(current.arn.clone())
        }
        (Change::Adopt, Some(current)) => {
            connect
                .tag(
                    &current.arn,
                    HashMap::from([(
                        crate::resources::TAG_ADOPTED.to_string(),
                        connect.deployment.clone(),
                    )]),
                )
                .await?;
            Ok(current.arn.clone())
        }
        (_, Some(current)) => Ok(current.arn.clone()),
        (_, None) => anyhow::bail!("routing profile {} does not exist", desired.name),
    }
}

pub(super) async fn associate(
    connect: &Connect,
    profile_id: &str,
    configs: Vec<RoutingProfileQueueConfig>,
) -> anyhow::Result<()> {
    connect
        .client
        .associate_routing_profile_queues()
        .instance_id(&connect.instance_id)
        .routing_profile_id(profile_id)
        .set_queue_configs(Some(configs))
        .send()
        .await
        .context("failed to add queues to the routing profile")?;
    Ok(())
}

/// Empties the profile (10 queues per call) and deletes it; a profile already gone is success.
pub async fn delete(connect: &Connect, current: &Current) -> anyhow::Result<()> {
    let references: Vec<RoutingProfileQueueReference> = current
        .queues
        .values()
        .map(|(id, _)| {
            RoutingProfileQueueReference::builder()
                .queue_id(id)
                .channel(Channel::Voice)
                .build()
        })
        .collect::<Result<_, _>>()?;
    for chunk in references.chunks(MAX_PER_CALL) {
        let result = connect
            .client
            .disassociate_routing_profile_queues()
            .instance_id(&connect.instance_id)
            .routing_profile_id(&current.id)
            .set_queue_references(Some(chunk.to_vec()))
            .send()
            .await;
        match result {
            Ok(_) => {}
            Err(err) if is_not_found(&err) => return Ok(()),
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("failed to empty routing profile {}", current.name));
            }
        }
    }
    match connect
        .client
        .delete_routing_profile()
        .instance_id(&connect.instance_id)
        .routing_profile_id(&current.id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if is_not_found(&err) => Ok(()),
        Err(err) => {
            Err(err).with_context(|| format!("failed to delete routing profile {}", current.name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Desired {
        Desired {
            name: "rp".into(),
            description: "d".into(),
            queues: ["Sales", "Service"]
                .iter()
                .map(|name| (name.to_string(), PRIORITY))
                .collect(),
            borrowed: false,
        }
    }

    fn current(queues: &[(&str, i32)]) -> Current {
        Current {
            id: "rp1".into(),
            arn: "arn:rp1".into(),
            name: "rp".into(),
            description: "d".into(),
            tags: owner_tags("x"),
            queues: queues
                .iter()
                .map(|(name, priority)| (name.to_string(), (format!("id-{name}"), *priority)))
                .collect(),
        }
    }

    #[test]
    fn same_queues_and_priorities_is_noop() {
        assert_eq!(
            diff(
                &desired(),
                Some(&current(&[("Sales", 2), ("Service", 2)])),
                "x",
                false
            ),
            Change::NoOp
        );
    }

    #[test]
    fn a_missing_queue_or_wrong_priority_is_an_update() {
        let Change::Update { fields, .. } =
            diff(&desired(), Some(&current(&[("Sales", 1)])), "x", false)
        else {
            panic!()
        };
        assert_eq!(fields[0].from, "Sales@1");
        assert_eq!(fields[0].to, "Sales@2, Service@2");
    }

    #[test]
    fn foreign_queues_in_the_profile_are_left_alone() {
        assert_eq!(
            diff(
                &desired(),
                Some(&current(&[("Sales", 2), ("Service", 2), ("Other", 5)])),
                "x",
                false
            ),
            Change::NoOp
        );
    }
}
