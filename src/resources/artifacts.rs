//! Resource kind `artifacts`: the tool-owned artifact bucket and the Lambda zips in it.
//!
//! - One bucket per account and Region, `connect-returns-<account>-<region>` (like a bootstrap
//!   bucket), created encrypted (SSE-S3, bucket key on), with every public access blocked and tagged
//!   `connect-returns:bucket=artifacts`, bucket-owner ownership enforced (no ACLs), and a bucket
//!   policy that denies every request not made over TLS (`aws:SecureTransport` false), as CDK's
//!   and SAM's bootstrap buckets do. A same-named bucket without that tag is a conflict. A bucket
//!   of ours that lacks the TLS-only statement (made by an older version, or the policy removed by
//!   hand) gets it back on the next deploy; statements someone else added are kept.
//! - Zips are keyed by content hash under the deployment's prefix: `<deployment>/lambdas/<sha256>.zip`,
//!   so unchanged code is never re-uploaded and one deployment's destroy never removes another's code.
//!   Presence is read with one ListObjectsV2 of the prefix (one call instead of a HeadObject per zip).
//! - The deploy preflight (`deploy::upstream::local_artifact`) reads the manifest `cargo xtask
//!   build-lambdas` writes; [`preflight`] re-hashes each zip and runs the glibc check it is given
//!   before anything is uploaded (refusal = `UserError`, exit 2).
//! - `delete` removes the deployment's prefix, then the bucket when it is empty and ours.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use super::sdk::describe_error;
use super::{Change, FieldDiff, Progress, conflict, refusal};

mod bucket;
mod delete;
mod local;

pub use bucket::ensure_bucket;
use bucket::{create_bucket, ensure_tls_only, read_policy, with_tls_only};
pub use delete::{delete, delete_bucket_if_empty};
pub use local::{LocalArtifact, preflight, sha256_hex};

/// Tag that marks the bucket as the tool's artifact bucket.
pub const BUCKET_TAG_KEY: &str = "connect-returns:bucket";
pub const BUCKET_TAG_VALUE: &str = "artifacts";

/// The artifact bucket's name for an account and Region.
pub fn bucket_name(account: &str, region: &str) -> String {
    format!("connect-returns-{account}-{region}").to_ascii_lowercase()
}

/// The key prefix a deployment's objects live under.
pub fn deployment_prefix(deployment: &str) -> String {
    format!("{deployment}/")
}

/// What should be in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub bucket: String,
    pub region: String,
    pub deployment: String,
    pub artifacts: Vec<LocalArtifact>,
}

impl Desired {
    pub fn new(
        account: &str,
        region: &str,
        deployment: &str,
        artifacts: Vec<LocalArtifact>,
    ) -> Desired {
        Desired {
            bucket: bucket_name(account, region),
            region: region.into(),
            deployment: deployment.into(),
            artifacts,
        }
    }
}

/// Whose bucket it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Tagged as the tool's artifact bucket.
    Ours,
    /// Exists in this account without the tag.
    Untagged,
    /// The name is taken by another account (bucket names are global).
    Foreign,
}

/// The bucket as S3 reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub bucket: String,
    pub ownership: Ownership,
    /// Keys present under the deployment's prefix.
    pub keys: BTreeSet<String>,
    /// The bucket policy holds the TLS-only statement as we write it.
    pub tls_only: bool,
}

/// Reads the bucket (GetBucketTagging, then one ListObjectsV2 of the deployment's prefix and
/// GetBucketPolicy). `None` when the bucket does not exist.
pub async fn read(s3: &Client, bucket: &str, deployment: &str) -> anyhow::Result<Option<Current>> {
    let ownership = match s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => {
            let ours = out
                .tag_set()
                .iter()
                .any(|t| t.key() == BUCKET_TAG_KEY && t.value() == BUCKET_TAG_VALUE);
            if ours {
                Ownership::Ours
            } else {
                Ownership::Untagged
            }
        }
        Err(err) => {
            let err = err.into_service_error();
            match err.code() {
                Some("NoSuchBucket") => return Ok(None),
                Some("NoSuchTagSet") => Ownership::Untagged,
                Some("AccessDenied") | Some("AllAccessDisabled") => Ownership::Foreign,
                _ => anyhow::bail!(
                    "failed to read the tags of bucket {bucket}: {}",
                    describe_error(&err)
                ),
            }
        }
    };
    let (keys, tls_only) = if ownership == Ownership::Foreign {
        (BTreeSet::new(), false)
    } else {
        let keys = list_keys(s3, bucket, &deployment_prefix(deployment)).await?;
        let policy = read_policy(s3, bucket).await?;
        (keys, with_tls_only(policy.as_deref(), bucket)?.is_none())
    };
    Ok(Some(Current {
        bucket: bucket.into(),
        ownership,
        keys,
        tls_only,
    }))
}

async fn list_keys(s3: &Client, bucket: &str, prefix: &str) -> anyhow::Result<BTreeSet<String>> {
    let mut keys = BTreeSet::new();
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "failed to list bucket {bucket}: {}",
                    describe_error(&err.into_service_error())
                )
            })?;
        keys.extend(
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
        token = out.next_continuation_token().map(str::to_string);
        if token.is_none() || out.is_truncated() != Some(true) {
            return Ok(keys);
        }
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Pure: what applying `desired` would do.
pub fn diff(desired: &Desired, current: Option<&Current>) -> Change {
    let Some(current) = current else {
        return Change::Create;
    };
    match current.ownership {
        Ownership::Ours => {}
        Ownership::Untagged => {
            return conflict(
                format!(
                    "bucket {} exists but is not connect-returns' artifact bucket (no {BUCKET_TAG_KEY} tag)",
                    current.bucket
                ),
                format!(
                    "if it is a leftover of this tool, tag it {BUCKET_TAG_KEY}={BUCKET_TAG_VALUE}; otherwise delete or rename it"
                ),
            );
        }
        Ownership::Foreign => {
            return conflict(
                format!(
                    "bucket name {} is taken by another AWS account",
                    current.bucket
                ),
                "bucket names are global; ask the owner, or deploy from the account that owns it",
            );
        }
    }
    let mut fields: Vec<FieldDiff> = Vec::new();
    if !current.tls_only {
        fields.push(FieldDiff::new(
            "bucket policy",
            "(allows requests without TLS)",
            "denies requests without TLS",
        ));
    }
    fields.extend(
        desired
            .artifacts
            .iter()
            .filter(|a| !current.keys.contains(&a.key(&desired.deployment)))
            .map(|a| {
                FieldDiff::new(
                    format!("lambda zip {}", a.name),
                    "(not uploaded)",
                    format!("sha256 {}", short(&a.sha256)),
                )
            }),
    );
    if fields.is_empty() {
        Change::NoOp
    } else {
        Change::from_fields(fields)
    }
}

/// Where the artifacts are, for the stack parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub bucket: String,
    /// Artifact name → object key.
    pub keys: BTreeMap<String, String>,
    /// How many zips were uploaded now.
    pub uploaded: usize,
}

/// Creates the bucket if needed and uploads the zips that are not there yet. Returns the keys the
/// stack parameters need. A no-op makes no call.
pub async fn apply(
    s3: &Client,
    desired: &Desired,
    current: Option<&Current>,
    progress: Progress<'_>,
) -> anyhow::Result<Uploaded> {
    if let Some(refused) = refusal(&diff(desired, current)) {
        return Err(refused.into());
    }
    match current {
        None => create_bucket(s3, &desired.bucket, &desired.region, progress).await?,
        Some(current) if !current.tls_only => {
            ensure_tls_only(s3, &desired.bucket, progress).await?;
        }
        Some(_) => {}
    }
    let present = current.map(|c| c.keys.clone()).unwrap_or_default();
    let mut keys = BTreeMap::new();
    let mut uploaded = 0;
    for artifact in &desired.artifacts {
        let key = artifact.key(&desired.deployment);
        if present.contains(&key) {
            progress(format!(
                "artifacts: {} unchanged (sha256 {})",
                artifact.name,
                short(&artifact.sha256)
            ));
        } else {
            let bytes = artifact.bytes().map_err(|err| {
                anyhow::anyhow!(
                    "cannot read Lambda artifact {}: {err}",
                    artifact.path.display()
                )
            })?;
            if sha256_hex(&bytes) != artifact.sha256 {
                anyhow::bail!(
                    "Lambda artifact {} changed on disk during the deploy",
                    artifact.name
                );
            }
            progress(format!(
                "artifacts: uploading {} ({} bytes, sha256 {})",
                artifact.name,
                bytes.len(),
                short(&artifact.sha256)
            ));
            s3.put_object()
                .bucket(&desired.bucket)
                .key(&key)
                .body(ByteStream::from(bytes.into_owned()))
                .content_type("application/zip")
                .server_side_encryption(ServerSideEncryption::Aes256)
                .metadata("sha256", &artifact.sha256)
                .metadata("deployment", &desired.deployment)
                .send()
                .await
                .map_err(|err| {
                    anyhow::anyhow!(
                        "failed to upload {}: {}",
                        artifact.name,
                        describe_error(&err.into_service_error())
                    )
                })?;
            uploaded += 1;
        }
        keys.insert(artifact.name.clone(), key);
    }
    Ok(Uploaded {
        bucket: desired.bucket.clone(),
        keys,
        uploaded,
    })
}

/// What `delete` removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deleted {
    pub objects: usize,
    pub bucket_deleted: bool,
}

#[cfg(test)]
mod tests;
