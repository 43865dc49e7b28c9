//! Queues: the five IVR queues of the returning-callers solution (created and tagged), and the
//! reading of the pre-existing callback queue (its outbound whisper is [`super::whisper`]'s job).
//!
//! Read: one SearchQueues naming the queues of interest, which returns them whole (settings and
//! tags), instead of a ListQueues and a DescribeQueue per queue.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use aws_sdk_connect::types::QueueSearchCriteria;

use super::{Connect, is_not_found, tags_of};
use crate::resources::{Change, FieldDiff, Ownership, existing_change, owner_tags};

/// A queue as deploy wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub name: String,
    pub description: String,
    pub hours_id: String,
}

/// A queue as it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub hours_id: String,
    pub tags: HashMap<String, String>,
    pub outbound_flow_id: Option<String>,
    pub outbound_caller_id_name: Option<String>,
    pub outbound_caller_id_number_id: Option<String>,
}

/// Reads the standard queues named in `names`: one SearchQueues whose criteria name each of them
/// exactly (one more call per 100 matches).
pub async fn read_named(
    connect: &Connect,
    names: &[String],
) -> anyhow::Result<BTreeMap<String, Current>> {
    let mut out = BTreeMap::new();
    if names.is_empty() {
        return Ok(out);
    }
    let by_name: Vec<QueueSearchCriteria> = names
        .iter()
        .map(|name| {
            QueueSearchCriteria::builder()
                .string_condition(super::exact_name(name))
                .build()
        })
        .collect();
    let mut pages = connect
        .client
        .search_queues()
        .instance_id(&connect.instance_id)
        .search_criteria(
            QueueSearchCriteria::builder()
                .set_or_conditions(Some(by_name))
                .build(),
        )
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to search the instance's queues")?;
        for queue in page.queues() {
            let current = current_of(queue, "");
            // EXACT is case-sensitive in the name we compare; agent queues have no name.
            if names.contains(&current.name) {
                out.insert(current.name.clone(), current);
            }
        }
    }
    Ok(out)
}

/// Describes one queue; `None` when it is gone.
pub async fn describe(connect: &Connect, id: &str) -> anyhow::Result<Option<Current>> {
    let result = connect
        .client
        .describe_queue()
        .instance_id(&connect.instance_id)
        .queue_id(id)
        .send()
        .await;
    let queue = match result {
        Ok(output) => output.queue,
        Err(err) if is_not_found(&err) => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("failed to describe queue {id}")),
    };
    let Some(queue) = queue else { return Ok(None) };
    Ok(Some(current_of(&queue, id)))
}

/// A queue as the API returns it (DescribeQueue or SearchQueues).
fn current_of(queue: &aws_sdk_connect::types::Queue, id: &str) -> Current {
    let outbound = queue.outbound_caller_config();
    Current {
        id: queue.queue_id().unwrap_or(id).to_string(),
        arn: queue.queue_arn().unwrap_or_default().to_string(),
        name: queue.name().unwrap_or_default().to_string(),
        description: queue.description().unwrap_or_default().to_string(),
        hours_id: queue
            .hours_of_operation_id()
            .unwrap_or_default()
            .to_string(),
        tags: tags_of(queue.tags.as_ref()),
        outbound_flow_id: outbound
            .and_then(|config| config.outbound_flow_id())
            .map(str::to_string),
        outbound_caller_id_name: outbound
            .and_then(|config| config.outbound_caller_id_name())
            .map(str::to_string),
        outbound_caller_id_number_id: outbound
            .and_then(|config| config.outbound_caller_id_number_id())
            .map(str::to_string),
    }
}

/// What deploy would do to one queue (pure).
pub fn diff(desired: &Desired, current: Option<&Current>, deployment: &str, adopt: bool) -> Change {
    let Some(current) = current else {
        return Change::Create;
    };
    let ownership = Ownership::of(&current.tags, deployment);
    let mut fields = Vec::new();
    // An adopted queue keeps its own description and hours: we only use it.
    if ownership == Ownership::Ours {
        if current.description != desired.description {
            fields.push(FieldDiff::new(
                "description",
                &current.description,
                &desired.description,
            ));
        }
        if current.hours_id != desired.hours_id {
            fields.push(FieldDiff::new(
                "hours of operation",
                &current.hours_id,
                &desired.hours_id,
            ));
        }
    }
    existing_change(ownership, adopt, "queue", &desired.name, fields)
}

/// The id and ARN of a queue after apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub id: String,
    pub arn: String,
}

/// Applies `change` to one queue.
pub async fn apply(
    connect: &Connect,
    desired: &Desired,
    current: Option<&Current>,
    change: &Change,
) -> anyhow::Result<Applied> {
    match (change, current) {
        (Change::Create, _) => {
            let output = connect
                .client
                .create_queue()
                .instance_id(&connect.instance_id)
                .name(&desired.name)
                .description(&desired.description)
                .hours_of_operation_id(&desired.hours_id)
                .set_tags(Some(owner_tags(&connect.deployment)))
                .send()
                .await;
            let output = match output {
                Ok(output) => output,
                // A retried create whose first attempt landed: use the queue if it is ours.
                Err(err) if super::is_conflict(&err) => {
                    return adopt_own_duplicate(connect, &desired.name).await;
                }
                Err(err) => {
                    return Err(err)
                        .with_context(|| format!("failed to create queue {}", desired.name));
                }
            };
            Ok(Applied {
                id: output.queue_id().unwrap_or_default().to_string(),
                arn: output.queue_arn().unwrap_or_default().to_string(),
            })
        }
        (Change::Update { fields, .. }, Some(current)) => {
            for field in fields {
                match field.field.as_str() {
                    "description" => {
                        connect
                            .client
                            .update_queue_name()
                            .instance_id(&connect.instance_id)
                            .queue_id(&current.id)
                            .description(&desired.description)
                            .send()
                            .await
                            .with_context(|| format!("failed to update queue {}", desired.name))?;
                    }
                    "hours of operation" => {
                        connect
                            .client
                            .update_queue_hours_of_operation()
                            .instance_id(&connect.instance_id)
                            .queue_id(&current.id)
                            .hours_of_operation_id(&desired.hours_id)
                            .send()
                            .await
                            .with_context(|| format!("failed to update queue {}", desired.name))?;
                    }
                    _ => {}
                }
            }
            Ok(Applied {
                id: current.id.clone(),
                arn: current.arn.clone(),
            })
        }
        (Change::Adopt, Some(current)) => {
            let tags = HashMap::from([(
                crate::resources::TAG_ADOPTED.to_string(),
                connect.deployment.clone(),
            )]);
            connect.tag(&current.arn, tags).await?;
            Ok(Applied {
                id: current.id.clone(),
                arn: current.arn.clone(),
            })
        }
        (_, Some(current)) => Ok(Applied {
            id: current.id.clone(),
            arn: current.arn.clone(),
        }),
        (_, None) => anyhow::bail!("queue {} does not exist", desired.name),
    }
}

async fn adopt_own_duplicate(connect: &Connect, name: &str) -> anyhow::Result<Applied> {
    let found = read_named(connect, &[name.to_string()]).await?;
    match found.get(name) {
        Some(queue) if Ownership::of(&queue.tags, &connect.deployment) == Ownership::Ours => {
            Ok(Applied {
                id: queue.id.clone(),
                arn: queue.arn.clone(),
            })
        }
        _ => anyhow::bail!("a queue named {name} appeared that this deployment did not create"),
    }
}

/// Deletes a queue we created; a queue already gone is success.
pub async fn delete(connect: &Connect, current: &Current) -> anyhow::Result<()> {
    match connect
        .client
        .delete_queue()
        .instance_id(&connect.instance_id)
        .queue_id(&current.id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if is_not_found(&err) => Ok(()),
        Err(err) => Err(err).with_context(|| format!("failed to delete queue {}", current.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired() -> Desired {
        Desired {
            name: "Sales".into(),
            description: "Sales queue".into(),
            hours_id: "h1".into(),
        }
    }

    fn current(tags: HashMap<String, String>) -> Current {
        Current {
            id: "q1".into(),
            arn: "arn:q1".into(),
            name: "Sales".into(),
            description: "Sales queue".into(),
            hours_id: "h1".into(),
            tags,
            outbound_flow_id: None,
            outbound_caller_id_name: None,
            outbound_caller_id_number_id: None,
        }
    }

    #[test]
    fn missing_is_create_same_is_noop() {
        assert_eq!(diff(&desired(), None, "d", false), Change::Create);
        assert_eq!(
            diff(&desired(), Some(&current(owner_tags("d"))), "d", false),
            Change::NoOp
        );
    }

    #[test]
    fn changed_fields_are_listed() {
        let mut queue = current(owner_tags("d"));
        queue.hours_id = "h2".into();
        let Change::Update { fields, .. } = diff(&desired(), Some(&queue), "d", false) else {
            panic!("not an update")
        };
        assert_eq!(
            fields,
            vec![FieldDiff::new("hours of operation", "h2", "h1")]
        );
    }

    #[test]
    fn untagged_queue_conflicts_unless_adopted() {
        assert!(matches!(
            diff(&desired(), Some(&current(HashMap::new())), "d", false),
            Change::Conflict { .. }
        ));
        assert_eq!(
            diff(&desired(), Some(&current(HashMap::new())), "d", true),
            Change::Adopt
        );
    }
}
