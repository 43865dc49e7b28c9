//! Amazon Connect resource kinds: one submodule per kind (hours lookup, queues, routing profile,
//! contact flows, Lambda and bot associations, the callback queue's outbound whisper, CTR
//! storage, phone numbers). This file holds the context they share and error classification.
//!
//! Reads use list and search calls where the API has them, so an unchanged re-deploy stays within
//! a small, fixed number of reads. Every call goes through the paced Connect client of
//! [`crate::aws`].

use std::collections::HashMap;

use aws_sdk_connect::error::ProvideErrorMetadata;

pub mod associations;
pub mod flows;
pub mod hours;
pub mod phone;
pub mod queues;
pub mod routing_profile;
pub mod storage;
pub mod whisper;

/// What every Connect call needs: the client, the instance and the deployment name.
#[derive(Debug, Clone)]
pub struct Connect {
    pub client: aws_sdk_connect::Client,
    pub instance_id: String,
    pub instance_arn: String,
    pub deployment: String,
}

impl Connect {
    /// The Region and account of the instance, from its ARN.
    pub fn region_account(&self) -> (&str, &str) {
        let mut parts = self.instance_arn.split(':');
        let region = parts.nth(3).unwrap_or_default();
        let account = parts.next().unwrap_or_default();
        (region, account)
    }

    /// Tags a resource (TagResource).
    pub async fn tag(&self, arn: &str, tags: HashMap<String, String>) -> anyhow::Result<()> {
        use anyhow::Context as _;
        self.client
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags))
            .send()
            .await
            .with_context(|| format!("failed to tag {arn}"))?;
        Ok(())
    }

    /// Removes tags from a resource (UntagResource).
    pub async fn untag(&self, arn: &str, keys: Vec<String>) -> anyhow::Result<()> {
        use anyhow::Context as _;
        self.client
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys))
            .send()
            .await
            .with_context(|| format!("failed to untag {arn}"))?;
        Ok(())
    }
}

/// The error code of an SDK error (e.g. `ResourceNotFoundException`), if the service sent one.
pub fn error_code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

/// A search condition naming a resource exactly (SearchQueues, SearchRoutingProfiles).
pub fn exact_name(name: &str) -> aws_sdk_connect::types::StringCondition {
    aws_sdk_connect::types::StringCondition::builder()
        .field_name("name")
        .value(name)
        .comparison_type(aws_sdk_connect::types::StringComparisonType::Exact)
        .build()
}

/// True for "it is not there" answers, which a delete treats as done.
pub fn is_not_found<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(
        error_code(err),
        Some("ResourceNotFoundException" | "ContactFlowNotPublishedException")
    )
}

/// True for "it is already there" answers of create and associate calls.
pub fn is_conflict<E: ProvideErrorMetadata>(err: &E) -> bool {
    matches!(
        error_code(err),
        Some("DuplicateResourceException" | "ResourceConflictException")
    )
}

/// A tag map from the SDK's optional map.
pub fn tags_of(tags: Option<&HashMap<String, String>>) -> HashMap<String, String> {
    tags.cloned().unwrap_or_default()
}

/// The last path segment of an ARN (`…/queue/<id>` → `<id>`).
pub fn id_from_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
