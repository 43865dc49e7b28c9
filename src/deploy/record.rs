//! The deployment record: what a deployment was made with, readable back from AWS so `status`
//! and `destroy` on an empty CI runner need only the instance and the name.
//!
//! One JSON object per deployment in the tool's artifact bucket, `records/<deployment>.json`
//! (outside the `<deployment>/` artifact prefix, so pruning artifacts never removes it). It holds
//! the settings, the tool version, the fingerprint of the shipped assets, and a fingerprint of
//! each asset-derived resource as written (flow contents, stack templates and parameters, the
//! bot definition), and the hours of operation the settings' name resolved to, so a later run
//! need not list them again. With it, `status` can tell *drifted* (what exists differs from what was
//! deployed) from *outdated* (what was deployed differs from what this version would deploy).
//!
//! Written after a deploy whose steps all succeeded (and by an unchanged deploy when it is
//! missing or stale); removed by a destroy that leaves nothing behind. A deployment without a
//! record (made by an older version) is still read: then every difference counts as drift.

use std::collections::BTreeMap;

use anyhow::Context as _;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::model::Settings;
use crate::assets::{self, Solution};

/// The record format's version; a record of a newer format is refused rather than misread.
pub const RECORD_FORMAT: u32 = 1;

/// What one deployment was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Record {
    pub format: u32,
    /// `connect-returns` version that wrote the record.
    pub tool_version: String,
    /// [`assets_fingerprint`] of the version that wrote it.
    pub assets_fingerprint: String,
    pub instance_arn: String,
    pub settings: Settings,
    pub deployed: Deployed,
}

/// Fingerprints of the asset-derived resources as they were written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Deployed {
    /// Flow name (prefixed) → sha256 of its normalised content.
    pub flows: BTreeMap<String, String>,
    /// Stack name → its template and parameters.
    pub stacks: BTreeMap<String, StackPrint>,
    /// The bot definition's fingerprint (V2 or V1, as deployed).
    pub bot: Option<String>,
    /// The hours of operation the settings named, as resolved then: a later run with the same
    /// name uses it instead of listing the instance's hours again (see `observe::Recalled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<RecordedHours>,
}

/// An hours-of-operation record as a deploy resolved it by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RecordedHours {
    pub name: String,
    pub id: String,
    pub arn: String,
}

/// A stack as deployed: the sha256 of its template and its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct StackPrint {
    pub template_sha256: String,
    pub parameters: BTreeMap<String, String>,
}

impl StackPrint {
    pub fn of(template_body: &str, parameters: &BTreeMap<String, String>) -> StackPrint {
        StackPrint {
            template_sha256: sha256(template_body.as_bytes()),
            parameters: parameters.clone(),
        }
    }

    /// The fields that differ from `other`, as `(field, self, other)`.
    pub fn differences(&self, other: &StackPrint) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        if self.template_sha256 != other.template_sha256 {
            out.push((
                "template".to_string(),
                short(&self.template_sha256),
                short(&other.template_sha256),
            ));
        }
        let keys: std::collections::BTreeSet<&String> = self
            .parameters
            .keys()
            .chain(other.parameters.keys())
            .collect();
        for key in keys {
            let (a, b) = (self.parameters.get(key), other.parameters.get(key));
            // NoEcho parameters come back masked and cannot be compared.
            if a != b
                && a.map(String::as_str) != Some("****")
                && b.map(String::as_str) != Some("****")
            {
                let text = |v: Option<&String>| v.cloned().unwrap_or_else(|| "(unset)".into());
                out.push((format!("parameter {key}"), text(a), text(b)));
            }
        }
        out
    }
}

fn short(sha: &str) -> String {
    format!("sha256 {}", &sha[..sha.len().min(12)])
}

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The fingerprint of a flow's content: sha256 of its normalised JSON, so key order and
/// whitespace do not count.
pub fn flow_print(content: &str) -> String {
    sha256(crate::resources::connect::flows::normalise(content).as_bytes())
}

/// One fingerprint of everything this version ships and deploys: flows, the bot, templates.
pub fn assets_fingerprint() -> String {
    let mut hasher = Sha256::new();
    for flow in assets::flows() {
        hasher.update(flow.name.as_bytes());
        hasher.update([0]);
        hasher.update(flow.source.as_bytes());
        hasher.update([0]);
    }
    hasher.update(serde_json::to_vec(&assets::bot()).unwrap_or_default());
    for solution in Solution::ALL {
        hasher.update([0]);
        hasher.update(assets::template(solution).as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The object key of `deployment`'s record.
pub fn key(deployment: &str) -> String {
    format!("records/{deployment}.json")
}

/// Reads the record; `None` when the bucket or the record does not exist.
pub async fn read(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    deployment: &str,
) -> anyhow::Result<Option<Record>> {
    let key = key(deployment);
    let object = match s3.get_object().bucket(bucket).key(&key).send().await {
        Ok(object) => object,
        Err(err) if matches!(err.code(), Some("NoSuchKey" | "NoSuchBucket")) => return Ok(None),
        Err(err)
            if err
                .raw_response()
                .is_some_and(|r| r.status().as_u16() == 404) =>
        {
            return Ok(None);
        }
        Err(err) => {
            return Err(err).with_context(|| format!("failed to read s3://{bucket}/{key}"));
        }
    };
    let bytes = object
        .body
        .collect()
        .await
        .with_context(|| format!("failed to read s3://{bucket}/{key}"))?
        .into_bytes();
    let record: Record = serde_json::from_slice(&bytes)
        .with_context(|| format!("the deployment record s3://{bucket}/{key} is not readable"))?;
    if record.format > RECORD_FORMAT {
        anyhow::bail!(
            "the deployment record s3://{bucket}/{key} was written by connect-returns {} in a newer format; upgrade connect-returns",
            record.tool_version
        );
    }
    Ok(Some(record))
}

/// Writes the record (server-side encrypted like every object in the bucket).
pub async fn write(s3: &aws_sdk_s3::Client, bucket: &str, record: &Record) -> anyhow::Result<()> {
    let key = key(&record.settings.name);
    let body = serde_json::to_vec_pretty(record)?;
    s3.put_object()
        .bucket(bucket)
        .key(&key)
        .content_type("application/json")
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
        .body(body.into())
        .send()
        .await
        .with_context(|| format!("failed to write the deployment record s3://{bucket}/{key}"))?;
    Ok(())
}

/// Removes the record; a missing one is success.
pub async fn delete(s3: &aws_sdk_s3::Client, bucket: &str, deployment: &str) -> anyhow::Result<()> {
    let key = key(deployment);
    match s3.delete_object().bucket(bucket).key(&key).send().await {
        Ok(_) => Ok(()),
        Err(err) if matches!(err.code(), Some("NoSuchKey" | "NoSuchBucket")) => Ok(()),
        Err(err) => Err(err).with_context(|| format!("failed to remove s3://{bucket}/{key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_prints_ignore_key_order_and_whitespace() {
        assert_eq!(
            flow_print(r#"{"a":1,"b":2}"#),
            flow_print("{ \"b\": 2,\n \"a\": 1 }")
        );
        assert_ne!(flow_print(r#"{"a":1}"#), flow_print(r#"{"a":2}"#));
    }

    #[test]
    fn stack_prints_name_what_differs_but_not_masked_values() {
        let a = StackPrint::of(
            "t",
            &BTreeMap::from([
                ("RecordTTL".into(), "120".into()),
                ("Secret".into(), "****".into()),
            ]),
        );
        let b = StackPrint::of(
            "t",
            &BTreeMap::from([
                ("RecordTTL".into(), "60".into()),
                ("Secret".into(), "x".into()),
            ]),
        );
        assert_eq!(
            a.differences(&b),
            vec![(
                "parameter RecordTTL".to_string(),
                "120".to_string(),
                "60".to_string()
            )]
        );
        assert_eq!(
            StackPrint::of("t2", &BTreeMap::new())
                .differences(&StackPrint::of("t", &BTreeMap::new()))
                .len(),
            1
        );
    }

    #[test]
    fn the_record_format_round_trips() {
        let record = Record {
            format: RECORD_FORMAT,
            tool_version: "0.1.0".into(),
            assets_fingerprint: assets_fingerprint(),
            instance_arn: "arn:aws:connect:us-east-1:111122223333:instance/x".into(),
            settings: super::super::model::tests::example(),
            deployed: Deployed::default(),
        };
        let text = serde_json::to_string(&record).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&text).unwrap(), record);
        assert_eq!(
            assets_fingerprint(),
            record.assets_fingerprint,
            "stable within one build"
        );
    }
}
