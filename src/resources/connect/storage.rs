//! Contact trace record (CTR) streaming: the callbacks solution needs CTRs on a Kinesis stream.
//! An instance that already streams CTRs to Kinesis keeps its config (reused, never replaced);
//! otherwise deploy associates the stack's stream (or `--ctr-stream`) and records on the
//! instance, as the tag `connect-returns:<deployment>:ctr-association`, that it created that
//! association, so destroy removes only an association it made.
//!
//! Read: one ListInstanceStorageConfigs; the instance tags come with DescribeInstance.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_sdk_connect::types::{
    InstanceStorageConfig, InstanceStorageResourceType, KinesisStreamConfig, StorageType,
};

use super::{Connect, is_not_found};
use crate::resources::{Change, FieldDiff};

/// The instance tag recording an association this deployment created.
pub fn created_tag(deployment: &str) -> String {
    format!("connect-returns:{deployment}:ctr-association")
}

/// Prefix of the record's value while the association is being made.
pub const PENDING: &str = "pending ";

/// The association a record names: its id, or (recorded before the association) the config
/// streaming to the recorded stream. `None` when there is no such config (nothing to remove).
pub fn recorded_association(record: &str, current: &[Current]) -> Option<String> {
    match record.strip_prefix(PENDING) {
        Some(stream) => current
            .iter()
            .find(|config| config.stream_arn.as_deref() == Some(stream))
            .map(|config| config.association_id.clone()),
        None => Some(record.to_string()),
    }
}

/// A CTR storage config of the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub association_id: String,
    /// The Kinesis stream ARN, when the config streams to Kinesis.
    pub stream_arn: Option<String>,
}

/// The instance's CONTACT_TRACE_RECORDS configs.
pub async fn read(connect: &Connect) -> anyhow::Result<Vec<Current>> {
    let mut out = Vec::new();
    let mut pages = connect
        .client
        .list_instance_storage_configs()
        .instance_id(&connect.instance_id)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .max_results(10)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to list the instance's storage configs")?;
        for config in page.storage_configs() {
            out.push(Current {
                association_id: config.association_id().unwrap_or_default().to_string(),
                stream_arn: config
                    .kinesis_stream_config()
                    .map(|kinesis| kinesis.stream_arn().to_string()),
            });
        }
    }
    Ok(out)
}

/// What deploy would do (pure). `wanted` is the stream to associate when none exists (`None`
/// while the stack's stream does not exist yet).
pub fn diff(current: &[Current], wanted: Option<&str>) -> Change {
    if current.iter().any(|config| config.stream_arn.is_some()) {
        return Change::NoOp;
    }
    Change::Update {
        fields: vec![FieldDiff::new(
            "contact trace records",
            "(not streamed)",
            wanted
                .map(str::to_string)
                .unwrap_or_else(|| "the stack's Kinesis stream (to be created)".into()),
        )],
        content_diff: None,
    }
}

/// The stream CTRs go to (existing config first).
pub fn stream_in_use(current: &[Current]) -> Option<&str> {
    current
        .iter()
        .find_map(|config| config.stream_arn.as_deref())
}

/// Associates `stream_arn` for CTRs and records that we did.
pub async fn associate(connect: &Connect, stream_arn: &str) -> anyhow::Result<String> {
    let config = InstanceStorageConfig::builder()
        .storage_type(StorageType::KinesisStream)
        .kinesis_stream_config(
            KinesisStreamConfig::builder()
                .stream_arn(stream_arn)
                .build()?,
        )
        .build()?;
    // Record the intent first: a run killed between the association and the record must still
    // let destroy know the association is ours.
    connect
        .tag(
            &connect.instance_arn,
            HashMap::from([(
                created_tag(&connect.deployment),
                format!("{PENDING}{stream_arn}"),
            )]),
        )
        .await?;
    let output = connect
        .client
        .associate_instance_storage_config()
        .instance_id(&connect.instance_id)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .storage_config(config)
        .send()
        .await
        .context("failed to stream contact trace records to Kinesis")?;
    let id = output.association_id().unwrap_or_default().to_string();
    connect
        .tag(
            &connect.instance_arn,
            HashMap::from([(created_tag(&connect.deployment), id.clone())]),
        )
        .await?;
    Ok(id)
}

/// Removes the association we created and its record.
/// An empty `association_id` only removes the record (the association was never made).
pub async fn disassociate(connect: &Connect, association_id: &str) -> anyhow::Result<()> {
    if association_id.is_empty() {
        return connect
            .untag(
                &connect.instance_arn,
                vec![created_tag(&connect.deployment)],
            )
            .await;
    }
    let result = connect
        .client
        .disassociate_instance_storage_config()
        .instance_id(&connect.instance_id)
        .association_id(association_id)
        .resource_type(InstanceStorageResourceType::ContactTraceRecords)
        .send()
        .await;
    match result {
        Ok(_) => {}
        Err(err) if is_not_found(&err) => {}
        Err(err) => return Err(err).context("failed to stop streaming contact trace records"),
    }
    connect
        .untag(
            &connect.instance_arn,
            vec![created_tag(&connect.deployment)],
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_made_before_the_association_finds_it_by_stream() {
        let configs = vec![Current {
            association_id: "a1".into(),
            stream_arn: Some("arn:s".into()),
        }];
        assert_eq!(
            recorded_association("pending arn:s", &configs),
            Some("a1".into())
        );
        assert_eq!(recorded_association("pending arn:other", &configs), None);
        assert_eq!(recorded_association("a9", &configs), Some("a9".into()));
    }

    #[test]
    fn an_existing_kinesis_config_is_reused() {
        let existing = vec![Current {
            association_id: "a".into(),
            stream_arn: Some("arn:s".into()),
        }];
        assert_eq!(diff(&existing, Some("arn:other")), Change::NoOp);
        assert_eq!(stream_in_use(&existing), Some("arn:s"));
        assert!(matches!(diff(&[], Some("arn:x")), Change::Update { .. }));
    }
}
