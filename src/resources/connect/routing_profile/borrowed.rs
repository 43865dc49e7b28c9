//! A borrowed routing profile (`--routing-profile NAME`): an existing profile our queues are
//! added to. Before the first change deploy records, as tags on it, what it had for those queues
//! and which deployment changed it, and the profile's id on the instance; destroy puts the
//! entries back and removes the tags.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use aws_sdk_connect::types::{Channel, RoutingProfileQueueConfig, RoutingProfileQueueReference};

use super::{Current, Desired, MAX_PER_CALL, associate, queue_config, queue_list, relevant};
use crate::resources::connect::Connect;
use crate::resources::{Change, FieldDiff, TAG_CHANGED_BY, TAG_PREVIOUS_PREFIX};

/// The tag on a borrowed profile holding its VOICE entries of our queues before the deploy.
pub fn previous_tag() -> String {
    format!("{TAG_PREVIOUS_PREFIX}routing-queues")
}

/// The instance tag holding the id of the profile a deployment borrowed, so destroy finds it
/// without a record (a deploy killed part-way).
pub fn borrowed_tag(deployment: &str) -> String {
    format!("connect-returns:{deployment}:routing-profile")
}

const NONE: &str = "none";
/// Longest tag value Amazon Connect accepts.
const MAX_TAG_VALUE: usize = 256;

pub(super) fn diff_borrowed(
    desired: &Desired,
    current: Option<&Current>,
    deployment: &str,
) -> Change {
    let Some(current) = current else {
        return Change::Conflict {
            reason: format!("routing profile {} does not exist", desired.name),
            hint: Some("give the exact name of an existing routing profile (Users → Routing profiles in the Connect console), or leave --routing-profile out to create the solution's own".into()),
        };
    };
    if let Some(owner) = current.tags.get(TAG_CHANGED_BY)
        && owner != deployment
    {
        return Change::Conflict {
            reason: format!(
                "routing profile {} already holds the queues of deployment {owner}",
                desired.name
            ),
            hint: Some("give each deployment its own routing profile, or destroy the other deployment first".into()),
        };
    }
    let relevant = relevant(desired, current);
    if relevant == desired.queues {
        return Change::NoOp;
    }
    Change::Update {
        fields: vec![FieldDiff::new(
            "queues (VOICE)",
            queue_list(relevant.into_iter()),
            queue_list(desired.queues.clone().into_iter()),
        )],
        content_diff: None,
    }
}

/// Records, once, what a borrowed profile had for our queues: the instance tag first (destroy
/// finds the profile through it, so a run killed after either tag leaves what destroy needs).
pub(super) async fn record_previous(
    connect: &Connect,
    desired: &Desired,
    current: &Current,
) -> anyhow::Result<()> {
    if current.tags.contains_key(&previous_tag()) {
        return Ok(());
    }
    let before: Vec<String> = desired
        .queues
        .keys()
        .filter_map(|name| current.queues.get(name))
        .map(|(id, priority)| format!("{id}@{priority}"))
        .collect();
    let value = if before.is_empty() {
        NONE.to_string()
    } else {
        before.join(" ")
    };
    if value.len() > MAX_TAG_VALUE {
        anyhow::bail!(
            "routing profile {} already has {} of the menu's queues; their priorities do not fit in one tag to restore later",
            current.name,
            before.len()
        );
    }
    connect
        .tag(
            &connect.instance_arn,
            HashMap::from([(borrowed_tag(&connect.deployment), current.id.clone())]),
        )
        .await?;
    connect
        .tag(
            &current.arn,
            HashMap::from([
                (previous_tag(), value),
                (TAG_CHANGED_BY.to_string(), connect.deployment.clone()),
            ]),
        )
        .await
}

/// The recorded entries: queue id → priority.
fn previous_of(current: &Current) -> BTreeMap<String, i32> {
    current
        .tags
        .get(&previous_tag())
        .map(String::as_str)
        .unwrap_or(NONE)
        .split(' ')
        .filter_map(|entry| {
            let (id, priority) = entry.split_once('@')?;
            Some((id.to_string(), priority.parse().ok()?))
        })
        .collect()
}

/// What destroy would do to a borrowed profile (pure): our queues (`ours`, by name) back to
/// what was recorded.
pub fn restore_change(current: &Current, deployment: &str, ours: &[String]) -> Change {
    if current.tags.get(TAG_CHANGED_BY).map(String::as_str) != Some(deployment) {
        // Only the instance record exists (a run killed before it changed the profile).
        return Change::Restore {
            fields: vec![FieldDiff::new(
                "record",
                "routing profile recorded",
                "(removed)",
            )],
        };
    }
    let previous = previous_of(current);
    let name_of = |id: &str| {
        current
            .queues
            .iter()
            .find(|(_, (queue_id, _))| queue_id == id)
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let now = current
        .queues
        .iter()
        .filter(|(name, (id, _))| ours.contains(name) || previous.contains_key(id))
        .map(|(name, (_, priority))| (name.clone(), *priority));
    let before = previous
        .iter()
        .map(|(id, priority)| (name_of(id), *priority));
    Change::Restore {
        fields: vec![FieldDiff::new(
            "queues (VOICE)",
            queue_list(now),
            queue_list(before),
        )],
    }
}

/// Puts a borrowed profile back as recorded: our queues that were not on it leave, the ones
/// that were get their priority back; then our tags go.
pub async fn restore(connect: &Connect, current: &Current, ours: &[String]) -> anyhow::Result<()> {
    if current.tags.get(TAG_CHANGED_BY) == Some(&connect.deployment) {
        let previous = previous_of(current);
        let mut leave = Vec::new();
        let mut back = Vec::new();
        for (name, (id, priority)) in &current.queues {
            match previous.get(id) {
                Some(before) if before != priority => back.push(queue_config(id, *before)?),
                Some(_) => {}
                None if ours.contains(name) => leave.push(
                    RoutingProfileQueueReference::builder()
                        .queue_id(id)
                        .channel(Channel::Voice)
                        .build()?,
                ),
                None => {}
            }
        }
        let present: Vec<&String> = current.queues.values().map(|(id, _)| id).collect();
        let missing: Vec<RoutingProfileQueueConfig> = previous
            .iter()
            .filter(|(id, _)| !present.contains(id))
            .map(|(id, priority)| queue_config(id, *priority))
            .collect::<anyhow::Result<_>>()?;
        for chunk in leave.chunks(MAX_PER_CALL) {
            connect
                .client
                .disassociate_routing_profile_queues()
                .instance_id(&connect.instance_id)
                .routing_profile_id(&current.id)
                .set_queue_references(Some(chunk.to_vec()))
                .send()
                .await
                .with_context(|| {
                    format!(
                        "failed to take our queues off routing profile {}",
                        current.name
                    )
                })?;
        }
        for chunk in back.chunks(MAX_PER_CALL) {
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
                        "failed to restore the priorities on routing profile {}",
                        current.name
                    )
                })?;
        }
        for chunk in missing.chunks(MAX_PER_CALL) {
            associate(connect, &current.id, chunk.to_vec()).await?;
        }
        connect
            .untag(
                &current.arn,
                vec![previous_tag(), TAG_CHANGED_BY.to_string()],
            )
            .await?;
    }
    connect
        .untag(
            &connect.instance_arn,
            vec![borrowed_tag(&connect.deployment)],
        )
        .await
}
