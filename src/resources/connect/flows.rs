//! Contact flows: created published and tagged, in dependency order (the graph orders them);
//! content updated only when it differs after normalising the JSON; deleted on destroy after
//! nothing references them.
//!
//! Read: SearchContactFlows with no criteria returns every flow with content and tags, so all
//! flows cost one call (per 100).

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use aws_sdk_connect::types::{ContactFlowStatus, ContactFlowType};
use serde_json::Value;

use super::{Connect, is_not_found, tags_of};
use crate::resources::{Change, FieldDiff, Ownership, existing_change, owner_tags};

/// A flow as deploy wants it: content with every placeholder resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The solution the flow belongs to, recorded as a tag so destroy `--solution` can tell.
    pub solution: String,
    pub name: String,
    /// The API's type name, e.g. `CONTACT_FLOW`, `AGENT_WHISPER`, `OUTBOUND_WHISPER`.
    pub flow_type: String,
    pub description: String,
    pub content: String,
}

/// Tag naming the solution a flow belongs to.
pub const SOLUTION_TAG: &str = "connect-returns:solution";

/// A flow as it exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub flow_type: String,
    pub content: String,
    pub published: bool,
    pub tags: HashMap<String, String>,
}

/// Every flow of the instance, by name.
pub async fn read_all(connect: &Connect) -> anyhow::Result<BTreeMap<String, Current>> {
    let mut out = BTreeMap::new();
    let mut pages = connect
        .client
        .search_contact_flows()
        .instance_id(&connect.instance_id)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to search contact flows")?;
        for flow in page.contact_flows() {
            let name = flow.name().unwrap_or_default().to_string();
            out.insert(
                name.clone(),
                Current {
                    id: flow.id().unwrap_or_default().to_string(),
                    arn: flow.arn().unwrap_or_default().to_string(),
                    name,
                    flow_type: flow
                        .r#type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    content: flow.content().unwrap_or_default().to_string(),
                    published: flow.status() == Some(&ContactFlowStatus::Published),
                    tags: tags_of(flow.tags.as_ref()),
                },
            );
        }
    }
    Ok(out)
}

/// The JSON with object keys sorted and no insignificant whitespace, pretty-printed so a line
/// diff of two normalised contents is readable. Invalid JSON is returned unchanged.
pub fn normalise(content: &str) -> String {
    fn sort(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key, sort(value)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sort).collect()),
            other => other,
        }
    }
    match serde_json::from_str::<Value>(content) {
        Ok(value) => {
            serde_json::to_string_pretty(&sort(value)).unwrap_or_else(|_| content.to_string())
        }
        Err(_) => content.to_string(),
    }
}

/// A unified diff of two flow contents after normalising, with a few lines of context.
pub fn content_diff(from: &str, to: &str) -> String {
    let (from, to) = (normalise(from), normalise(to));
    similar::TextDiff::from_lines(&from, &to)
        .unified_diff()
        .context_radius(2)
        .header("deployed", "desired")
        .to_string()
}

/// What deploy would do to one flow (pure).
pub fn diff(desired: &Desired, current: Option<&Current>, deployment: &str, adopt: bool) -> Change {
    let Some(current) = current else {
        return Change::Create;
    };
    if current.flow_type != desired.flow_type {
        return Change::Conflict {
            reason: format!(
                "flow {} exists with type {} but must be {} (a flow's type cannot change)",
                desired.name, current.flow_type, desired.flow_type
            ),
            hint: None,
        };
    }
    let ownership = Ownership::of(&current.tags, deployment);
    let mut fields = Vec::new();
    let mut content_diff_text = None;
    if !current.published {
        fields.push(FieldDiff::new("status", "SAVED", "PUBLISHED"));
    }
    if normalise(&current.content) != normalise(&desired.content) {
        fields.push(FieldDiff::new(
            "content",
            "deployed content",
            "desired content",
        ));
        content_diff_text = Some(content_diff(&current.content, &desired.content));
    }
    match existing_change(ownership, adopt, "contact flow", &desired.name, fields) {
        Change::Update { fields, .. } => Change::Update {
            fields,
            content_diff: content_diff_text,
        },
        other => other,
    }
}

/// The id and ARN of a flow after apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub id: String,
    pub arn: String,
}

/// Applies `change` to one flow. Create publishes (which validates); an update replaces the
/// content (UpdateContactFlowContent publishes it).
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
                .create_contact_flow()
                .instance_id(&connect.instance_id)
                .name(&desired.name)
                .r#type(ContactFlowType::from(desired.flow_type.as_str()))
                .description(&desired.description)
                .content(&desired.content)
                .status(ContactFlowStatus::Published)
                .set_tags(Some({
                    let mut tags = owner_tags(&connect.deployment);
                    tags.insert(SOLUTION_TAG.to_string(), desired.solution.clone());
                    tags
                }))
                .send()
                .await;
            let output = match output {
                Ok(output) => output,
                // A retried create whose first attempt landed: use the flow if it is ours.
                Err(err) if super::is_conflict(&err) => {
                    let all = read_all(connect).await?;
                    return match all.get(&desired.name) {
                        Some(flow)
                            if Ownership::of(&flow.tags, &connect.deployment)
                                == Ownership::Ours =>
                        {
                            if normalise(&flow.content) != normalise(&desired.content)
                                || !flow.published
                            {
                                let change = Change::Update {
                                    fields: vec![],
                                    content_diff: None,
                                };
                                return Box::pin(apply(connect, desired, Some(flow), &change))
                                    .await;
                            }
                            Ok(Applied {
                                id: flow.id.clone(),
                                arn: flow.arn.clone(),
                            })
                        }
                        _ => anyhow::bail!(
                            "a contact flow named {} appeared that this deployment did not create",
                            desired.name
                        ),
                    };
                }
                Err(err) => return Err(flow_error(err, &desired.name, "create")),
            };
            Ok(Applied {
                id: output.contact_flow_id().unwrap_or_default().to_string(),
                arn: output.contact_flow_arn().unwrap_or_default().to_string(),
            })
        }
        (Change::Update { .. }, Some(current)) => {
            connect
                .client
                .update_contact_flow_content()
                .instance_id(&connect.instance_id)
                .contact_flow_id(&current.id)
                .content(&desired.content)
                .send()
                .await
                .map_err(|err| flow_error(err, &desired.name, "update"))?;
            Ok(Applied {
                id: current.id.clone(),
                arn: current.arn.clone(),
            })
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
            Ok(Applied {
                id: current.id.clone(),
                arn: current.arn.clone(),
            })
        }
        (_, Some(current)) => Ok(Applied {
            id: current.id.clone(),
            arn: current.arn.clone(),
        }),
        (_, None) => anyhow::bail!("contact flow {} does not exist", desired.name),
    }
}

/// Turns an InvalidContactFlowException into a message listing its problems.
fn flow_error<E>(err: aws_sdk_connect::error::SdkError<E>, name: &str, verb: &str) -> anyhow::Error
where
    E: aws_sdk_connect::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = match err.as_service_error() {
        Some(service) if service.code() == Some("InvalidContactFlowException") => {
            format!(
                "the service refused the content: {}",
                service.message().unwrap_or("invalid flow")
            )
        }
        _ => String::new(),
    };
    let err = anyhow::Error::new(err);
    if detail.is_empty() {
        err.context(format!("failed to {verb} contact flow {name}"))
    } else {
        err.context(format!("failed to {verb} contact flow {name}: {detail}"))
    }
}

/// Deletes a flow we created; a flow already gone is success.
pub async fn delete(connect: &Connect, current: &Current) -> anyhow::Result<()> {
    match connect
        .client
        .delete_contact_flow()
        .instance_id(&connect.instance_id)
        .contact_flow_id(&current.id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if is_not_found(&err) => Ok(()),
        Err(err) => {
            Err(err).with_context(|| format!("failed to delete contact flow {}", current.name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(content: &str) -> Desired {
        Desired {
            solution: "callbacks".into(),
            name: "f".into(),
            flow_type: "CONTACT_FLOW".into(),
            description: String::new(),
            content: content.into(),
        }
    }

    fn current(content: &str) -> Current {
        Current {
            id: "id".into(),
            arn: "arn".into(),
            name: "f".into(),
            flow_type: "CONTACT_FLOW".into(),
            content: content.into(),
            published: true,
            tags: owner_tags("d"),
        }
    }

    #[test]
    fn key_order_and_whitespace_do_not_count() {
        let a = r#"{"Version":"2019-10-30","StartAction":"x","Actions":[{"Identifier":"x","Type":"DisconnectParticipant"}]}"#;
        let b = "{\n \"StartAction\": \"x\", \"Actions\": [ {\"Type\":\"DisconnectParticipant\",\"Identifier\":\"x\"} ],\n\"Version\":\"2019-10-30\"}";
        assert_eq!(
            diff(&desired(a), Some(&current(b)), "d", false),
            Change::NoOp
        );
    }

    #[test]
    fn a_content_change_is_an_update_with_a_readable_diff() {
        let change = diff(
            &desired(r#"{"a":1,"b":2}"#),
            Some(&current(r#"{"a":1,"b":3}"#)),
            "d",
            false,
        );
        let Change::Update {
            content_diff: Some(text),
            ..
        } = change
        else {
            panic!("no diff")
        };
        assert!(text.contains("-  \"b\": 3"), "{text}");
        assert!(text.contains("+  \"b\": 2"), "{text}");
    }

    #[test]
    fn a_type_change_is_a_conflict() {
        let mut flow = current("{}");
        flow.flow_type = "AGENT_WHISPER".into();
        assert!(matches!(
            diff(&desired("{}"), Some(&flow), "d", false),
            Change::Conflict { .. }
        ));
    }

    #[test]
    fn an_unpublished_flow_is_updated() {
        let mut flow = current("{}");
        flow.published = false;
        assert!(matches!(
            diff(&desired("{}"), Some(&flow), "d", false),
            Change::Update { .. }
        ));
    }
}
