//! The outbound whisper flow of the pre-existing callback queue (`--callback-queue`, BasicQueue
//! by default, as in the blog). Before changing it, deploy records the previous value as tags on
//! the queue (`connect-returns:previous:outbound-whisper` = flow id or `none`, and
//! `connect-returns:changed-by` = deployment); destroy puts that value back and removes the tags.
//! The queue itself is never ours and never deleted.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_sdk_connect::types::OutboundCallerConfig;

use super::Connect;
use super::queues::Current as Queue;
use crate::resources::{Change, FieldDiff, TAG_CHANGED_BY, TAG_PREVIOUS_PREFIX};

/// The tag holding the previous outbound whisper flow id.
pub fn previous_tag() -> String {
    format!("{TAG_PREVIOUS_PREFIX}outbound-whisper")
}

const NONE: &str = "none";

/// The instance tag naming the queue whose whisper this deployment changed, so destroy finds it
/// without reading every queue.
pub fn queue_tag(deployment: &str) -> String {
    format!("connect-returns:{deployment}:whisper-queue")
}

/// What deploy would do to the queue's outbound whisper (pure). `flow_id` is `None` while the
/// whisper flow does not exist yet (a plan before the first deploy).
pub fn diff(queue: &Queue, flow_id: Option<&str>, flow_name: &str, deployment: &str) -> Change {
    if let Some(owner) = queue.tags.get(TAG_CHANGED_BY)
        && owner != deployment
    {
        return Change::Conflict {
            reason: format!(
                "queue {}'s outbound whisper is managed by deployment {owner}",
                queue.name
            ),
            hint: None,
        };
    }
    if flow_id.is_some() && queue.outbound_flow_id.as_deref() == flow_id {
        return Change::NoOp;
    }
    Change::Update {
        fields: vec![FieldDiff::new(
            "outbound whisper flow",
            queue
                .outbound_flow_id
                .clone()
                .unwrap_or_else(|| "(none)".into()),
            flow_id
                .map(str::to_string)
                .unwrap_or_else(|| format!("{flow_name} (to be created)")),
        )],
        content_diff: None,
    }
}

fn config(queue: &Queue, flow_id: Option<&str>) -> OutboundCallerConfig {
    OutboundCallerConfig::builder()
        .set_outbound_caller_id_name(queue.outbound_caller_id_name.clone())
        .set_outbound_caller_id_number_id(queue.outbound_caller_id_number_id.clone())
        .set_outbound_flow_id(flow_id.map(str::to_string))
        .build()
}

/// Records the previous value (once) and sets the whisper flow.
pub async fn apply(connect: &Connect, queue: &Queue, flow_id: &str) -> anyhow::Result<()> {
    if queue.outbound_flow_id.as_deref() == Some(flow_id) {
        return Ok(());
    }
    if !queue.tags.contains_key(&previous_tag()) {
        let previous = queue
            .outbound_flow_id
            .clone()
            .unwrap_or_else(|| NONE.into());
        let tags = HashMap::from([
            (previous_tag(), previous),
            (TAG_CHANGED_BY.to_string(), connect.deployment.clone()),
        ]);
        // The instance record first: destroy finds the queue through it, so a run killed after
        // either tag still leaves everything destroy needs to restore.
        connect
            .tag(
                &connect.instance_arn,
                HashMap::from([(queue_tag(&connect.deployment), queue.id.clone())]),
            )
            .await?;
        connect.tag(&queue.arn, tags).await?;
    }
    connect
        .client
        .update_queue_outbound_caller_config()
        .instance_id(&connect.instance_id)
        .queue_id(&queue.id)
        .outbound_caller_config(config(queue, Some(flow_id)))
        .send()
        .await
        .with_context(|| {
            format!(
                "failed to set the outbound whisper flow of queue {}",
                queue.name
            )
        })?;
    Ok(())
}

/// What destroy would do (pure): restore when this deployment changed it.
pub fn restore_change(queue: &Queue, deployment: &str) -> Change {
    if queue.tags.get(TAG_CHANGED_BY).map(String::as_str) != Some(deployment) {
        return Change::NoOp;
    }
    let previous = queue
        .tags
        .get(&previous_tag())
        .cloned()
        .unwrap_or_else(|| NONE.into());
    Change::Restore {
        fields: vec![FieldDiff::new(
            "outbound whisper flow",
            queue
                .outbound_flow_id
                .clone()
                .unwrap_or_else(|| "(none)".into()),
            if previous == NONE {
                "(none)".to_string()
            } else {
                previous
            },
        )],
    }
}

/// Puts the recorded previous whisper back and removes our tags.
pub async fn restore(connect: &Connect, queue: &Queue) -> anyhow::Result<()> {
    if queue.tags.get(TAG_CHANGED_BY) != Some(&connect.deployment) {
        // Killed before the queue was touched: only the instance record is left.
        return connect
            .untag(&connect.instance_arn, vec![queue_tag(&connect.deployment)])
            .await;
    }
    let previous = queue
        .tags
        .get(&previous_tag())
        .cloned()
        .unwrap_or_else(|| NONE.into());
    let previous = (previous != NONE).then_some(previous);
    if queue.outbound_flow_id != previous {
        connect
            .client
            .update_queue_outbound_caller_config()
            .instance_id(&connect.instance_id)
            .queue_id(&queue.id)
            .outbound_caller_config(config(queue, previous.as_deref()))
            .send()
            .await
            .with_context(|| {
                format!(
                    "failed to restore the outbound whisper flow of queue {}",
                    queue.name
                )
            })?;
    }
    connect
        .untag(&queue.arn, vec![previous_tag(), TAG_CHANGED_BY.to_string()])
        .await?;
    connect
        .untag(&connect.instance_arn, vec![queue_tag(&connect.deployment)])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(flow: Option<&str>, tags: &[(&str, &str)]) -> Queue {
        Queue {
            id: "q".into(),
            arn: "arn:q".into(),
            name: "BasicQueue".into(),
            description: String::new(),
            hours_id: "h".into(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            outbound_flow_id: flow.map(str::to_string),
            outbound_caller_id_name: None,
            outbound_caller_id_number_id: None,
        }
    }

    #[test]
    fn set_whisper_is_noop_and_other_is_update() {
        assert_eq!(
            diff(&queue(Some("f1"), &[]), Some("f1"), "w", "d"),
            Change::NoOp
        );
        assert!(matches!(
            diff(&queue(None, &[]), Some("f1"), "w", "d"),
            Change::Update { .. }
        ));
        assert!(matches!(
            diff(&queue(None, &[]), None, "w", "d"),
            Change::Update { .. }
        ));
    }

    #[test]
    fn another_deployments_whisper_conflicts() {
        assert!(matches!(
            diff(
                &queue(Some("x"), &[(TAG_CHANGED_BY, "other")]),
                Some("f1"),
                "w",
                "d"
            ),
            Change::Conflict { .. }
        ));
    }

    #[test]
    fn restore_only_what_we_changed() {
        assert_eq!(restore_change(&queue(Some("f1"), &[]), "d"), Change::NoOp);
        let tagged = queue(
            Some("f1"),
            &[
                (TAG_CHANGED_BY, "d"),
                ("connect-returns:previous:outbound-whisper", "f0"),
            ],
        );
        let Change::Restore { fields } = restore_change(&tagged, "d") else {
            panic!()
        };
        assert_eq!(fields[0].to, "f0");
    }
}
