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
use std::path::PathBuf;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
};
use sha2::{Digest, Sha256};

use super::sdk::describe_error;
use super::{Change, FieldDiff, Progress, conflict, refusal};
use crate::error::UserError;

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

/// One Lambda zip on local disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalArtifact {
    /// Function (or binary) name, e.g. `searchCustomerCalls`.
    pub name: String,
    /// Path of the zip.
    pub path: PathBuf,
    /// Lower-case hex sha256 of the zip.
    pub sha256: String,
    /// The zip's bytes when they are compiled into the binary (a release build); `path` then only
    /// names where they came from.
    pub embedded: Option<&'static [u8]>,
}

impl LocalArtifact {
    /// The zip's bytes: the embedded ones, else the file's.
    pub fn bytes(&self) -> std::io::Result<std::borrow::Cow<'static, [u8]>> {
        match self.embedded {
            Some(bytes) => Ok(std::borrow::Cow::Borrowed(bytes)),
            None => std::fs::read(&self.path).map(std::borrow::Cow::Owned),
        }
    }

    /// The object key for this zip in `deployment`'s prefix.
    pub fn key(&self, deployment: &str) -> String {
        format!(
            "{}lambdas/{}.zip",
            deployment_prefix(deployment),
            self.sha256
        )
    }
}

/// Lower-case hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An artifact check (the glibc check): given the artifact and its zip bytes, why it is refused.
pub type ArtifactCheck<'a> = &'a dyn Fn(&LocalArtifact, &[u8]) -> Result<(), String>;

/// Checks every artifact before anything changes: the zip exists, its hash matches the manifest,
/// and `check` (the glibc check of `returns-artifact`, given the zip's bytes) accepts it.
pub fn preflight(artifacts: &[LocalArtifact], check: ArtifactCheck<'_>) -> Result<(), UserError> {
    for artifact in artifacts {
        let bytes = artifact.bytes().map_err(|err| {
            UserError::new(format!(
                "Lambda artifact {} is missing ({}): {err}",
                artifact.name,
                artifact.path.display()
            ))
            .hint("build the Lambda artifacts first: cargo xtask build-lambdas")
        })?;
        let actual = sha256_hex(&bytes);
        if actual != artifact.sha256 {
            return Err(UserError::new(format!(
                "Lambda artifact {} changed since the manifest was written (sha256 {} found, {} in the manifest)",
                artifact.name,
                &actual[..12],
                &artifact.sha256[..artifact.sha256.len().min(12)]
            ))
            .hint("rebuild: cargo xtask build-lambdas"));
        }
        check(artifact, &bytes).map_err(|why| {
            UserError::new(format!("Lambda artifact {} refused: {why}", artifact.name))
                .hint("build with a pinned glibc: cargo xtask build-lambdas (cargo-zigbuild targets glibc 2.17)")
        })?;
    }
    Ok(())
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

/// True when the bucket exists and is set up as ours (it carries our tag, which goes on last).
async fn is_set_up(s3: &Client, bucket: &str) -> anyhow::Result<bool> {
    match s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(tags) => Ok(tags
            .tag_set()
            .iter()
            .any(|tag| tag.key() == BUCKET_TAG_KEY && tag.value() == BUCKET_TAG_VALUE)),
        Err(err) => {
            let err = err.into_service_error();
            match err.code() {
                Some("NoSuchBucket" | "NoSuchTagSet" | "NoSuchTagSetError") => Ok(false),
                _ => anyhow::bail!("failed to read bucket {bucket}: {}", describe_error(&err)),
            }
        }
    }
}

/// Makes sure the artifact bucket exists and is set up: the lock lives in it, so it is the first
/// thing a deploy or destroy makes. Reads only when it is already there.
pub async fn ensure_bucket(
    s3: &Client,
    bucket: &str,
    region: &str,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    if !is_set_up(s3, bucket).await? {
        return create_bucket(s3, bucket, region, progress).await;
    }
    Ok(())
}

/// The `Sid` of the statement that denies requests without TLS.
pub const TLS_ONLY_SID: &str = "ConnectReturnsDenyInsecureTransport";

/// The statement that denies every request to `bucket` and its objects not made over TLS.
pub fn tls_only_statement(bucket: &str) -> serde_json::Value {
    serde_json::json!({
        "Sid": TLS_ONLY_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
}

/// `policy` (a bucket policy document, or none) with the TLS-only statement added, or put back
/// as we write it when its `Sid` was edited; `None` when it already holds it. Other statements
/// are kept as they are.
pub fn with_tls_only(policy: Option<&str>, bucket: &str) -> anyhow::Result<Option<String>> {
    let mut document = match policy {
        Some(text) => serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| anyhow::anyhow!("bucket {bucket} has a policy that is not JSON: {e}"))?,
        None => serde_json::json!({"Version": "2012-10-17", "Statement": []}),
    };
    let statements = match document.get_mut("Statement") {
        Some(serde_json::Value::Array(list)) => list,
        Some(single @ serde_json::Value::Object(_)) => {
            *single = serde_json::Value::Array(vec![single.take()]);
            single.as_array_mut().expect("just made an array")
        }
        _ => anyhow::bail!("bucket {bucket} has a policy without statements"),
    };
    let ours = tls_only_statement(bucket);
    let is_ours =
        |st: &serde_json::Value| st.get("Sid").and_then(|s| s.as_str()) == Some(TLS_ONLY_SID);
    if statements.contains(&ours) {
        return Ok(None);
    }
    statements.retain(|st| !is_ours(st));
    statements.push(ours);
    Ok(Some(document.to_string()))
}

/// The bucket's policy document, `None` when it has none.
async fn read_policy(s3: &Client, bucket: &str) -> anyhow::Result<Option<String>> {
    match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => Ok(out.policy),
        Err(err) => {
            let err = err.into_service_error();
            if err.code() == Some("NoSuchBucketPolicy") {
                return Ok(None);
            }
            anyhow::bail!(
                "failed to read the policy of bucket {bucket}: {}",
                describe_error(&err)
            )
        }
    }
}

/// Adds the TLS-only statement to the bucket's policy, keeping the other statements (read again
/// right before the write, so a statement added a moment ago is not lost).
async fn ensure_tls_only(s3: &Client, bucket: &str, progress: Progress<'_>) -> anyhow::Result<()> {
    let current = read_policy(s3, bucket).await?;
    let Some(policy) = with_tls_only(current.as_deref(), bucket)? else {
        return Ok(());
    };
    progress(format!(
        "artifacts: bucket {bucket}: denying requests without TLS"
    ));
    put_policy(s3, bucket, policy).await
}

async fn put_policy(s3: &Client, bucket: &str, policy: String) -> anyhow::Result<()> {
    s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy)
        .send()
        .await
        .map_err(|err| {
            anyhow::anyhow!(
                "failed to deny requests without TLS on bucket {bucket}: {}",
                describe_error(&err.into_service_error())
            )
        })?;
    Ok(())
}

/// Bucket-owner ownership enforced (no ACLs), and requests without TLS denied.
async fn harden(s3: &Client, bucket: &str) -> anyhow::Result<()> {
    let fail =
        |what: &str, err: String| anyhow::anyhow!("failed to {what} on bucket {bucket}: {err}");
    s3.put_bucket_ownership_controls()
        .bucket(bucket)
        .ownership_controls(
            aws_sdk_s3::types::OwnershipControls::builder()
                .rules(
                    aws_sdk_s3::types::OwnershipControlsRule::builder()
                        .object_ownership(aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced)
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .map_err(|err| {
            fail(
                "enforce bucket-owner ownership",
                describe_error(&err.into_service_error()),
            )
        })?;
    let policy = with_tls_only(None, bucket)?.expect("a new policy lacks the statement");
    put_policy(s3, bucket, policy).await
}

async fn create_bucket(
    s3: &Client,
    bucket: &str,
    region: &str,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    progress(format!("artifacts: creating bucket {bucket}"));
    let mut create = s3
        .create_bucket()
        .bucket(bucket)
        .object_ownership(aws_sdk_s3::types::ObjectOwnership::BucketOwnerEnforced);
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    if let Err(err) = create.send().await {
        let err = err.into_service_error();
        // A concurrent deploy may have created it a moment ago: that is fine.
        if err.code() != Some("BucketAlreadyOwnedByYou") {
            anyhow::bail!("failed to create bucket {bucket}: {}", describe_error(&err));
        }
    }
    let fail =
        |what: &str, err: String| anyhow::anyhow!("failed to {what} on bucket {bucket}: {err}");
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|err| {
            fail(
                "block public access",
                describe_error(&err.into_service_error()),
            )
        })?;
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()?;
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(by_default)
                        .bucket_key_enabled(true)
                        .build(),
                )
                .build()?,
        )
        .send()
        .await
        .map_err(|err| fail("set encryption", describe_error(&err.into_service_error())))?;
    harden(s3, bucket).await?;
    // The tag goes last: a bucket carries it only once fully set up.
    s3.put_bucket_tagging()
        .bucket(bucket)
        .tagging(
            Tagging::builder()
                .tag_set(
                    Tag::builder()
                        .key(BUCKET_TAG_KEY)
                        .value(BUCKET_TAG_VALUE)
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .map_err(|err| fail("tag", describe_error(&err.into_service_error())))?;
    Ok(())
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

async fn delete_keys(s3: &Client, bucket: &str, keys: &[String]) -> anyhow::Result<()> {
    for chunk in keys.chunks(1000) {
        let objects = chunk
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()?;
        let out = s3
            .delete_objects()
            .bucket(bucket)
            .delete(
                Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()?,
            )
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "failed to delete artifacts in {bucket}: {}",
                    describe_error(&err.into_service_error())
                )
            })?;
        if let Some(first) = out.errors().first() {
            anyhow::bail!(
                "failed to delete {} from {bucket}: {}",
                first.key().unwrap_or("?"),
                first.message().or(first.code()).unwrap_or("unknown error")
            );
        }
    }
    Ok(())
}

/// Deletes the deployment's zips that `keep` does not name: older builds, once the stacks point at
/// the new keys. `current` is what [`read`] returned before the upload. Returns how many went.
// Not wired into deploy yet: superseded zips stay under the deployment's prefix until destroy.
#[allow(dead_code)]
pub async fn prune(
    s3: &Client,
    current: &Current,
    keep: &[String],
    progress: Progress<'_>,
) -> anyhow::Result<usize> {
    if current.ownership != Ownership::Ours {
        return Ok(0);
    }
    let stale: Vec<String> = current
        .keys
        .iter()
        .filter(|k| !keep.contains(k))
        .cloned()
        .collect();
    if stale.is_empty() {
        return Ok(0);
    }
    delete_keys(s3, &current.bucket, &stale).await?;
    progress(format!(
        "artifacts: removed {} superseded zip(s)",
        stale.len()
    ));
    Ok(stale.len())
}

/// What `delete` removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Deleted {
    pub objects: usize,
    pub bucket_deleted: bool,
}

/// Deletes everything under the deployment's prefix, then the bucket when it is empty and ours.
/// Idempotent: a missing bucket is success. Never touches a bucket without the tool's tag.
pub async fn delete(
    s3: &Client,
    bucket: &str,
    deployment: &str,
    progress: Progress<'_>,
) -> anyhow::Result<Deleted> {
    let Some(current) = read(s3, bucket, deployment).await? else {
        progress(format!("artifacts: bucket {bucket} already absent"));
        return Ok(Deleted::default());
    };
    if current.ownership != Ownership::Ours {
        progress(format!(
            "artifacts: bucket {bucket} is not the tool's; left alone"
        ));
        return Ok(Deleted::default());
    }
    let keys: Vec<String> = current.keys.into_iter().collect();
    delete_keys(s3, bucket, &keys).await?;
    if !keys.is_empty() {
        progress(format!(
            "artifacts: deleted {} object(s) of deployment {deployment}",
            keys.len()
        ));
    }
    let bucket_deleted = delete_bucket_if_empty(s3, bucket, progress).await?;
    Ok(Deleted {
        objects: keys.len(),
        bucket_deleted,
    })
}

/// Deletes the bucket when nothing is left in it (other deployments' artifacts, records or
/// locks keep it). Returns whether it is gone.
pub async fn delete_bucket_if_empty(
    s3: &Client,
    bucket: &str,
    progress: Progress<'_>,
) -> anyhow::Result<bool> {
    let left = match s3.list_objects_v2().bucket(bucket).max_keys(1).send().await {
        Ok(left) => left,
        Err(err) => {
            let err = err.into_service_error();
            if err.code() == Some("NoSuchBucket") {
                return Ok(true);
            }
            anyhow::bail!("failed to list bucket {bucket}: {}", describe_error(&err));
        }
    };
    let mut bucket_deleted = false;
    if left.contents().is_empty() {
        match s3.delete_bucket().bucket(bucket).send().await {
            Ok(_) => {
                progress(format!("artifacts: deleted bucket {bucket}"));
                bucket_deleted = true;
            }
            Err(err) => {
                let err = err.into_service_error();
                match err.code() {
                    Some("NoSuchBucket") => bucket_deleted = true,
                    // Another deployment uploaded meanwhile: keep the bucket for it.
                    Some("BucketNotEmpty") => progress(format!(
                        "artifacts: bucket {bucket} still in use by another deployment; kept"
                    )),
                    _ => {
                        anyhow::bail!("failed to delete bucket {bucket}: {}", describe_error(&err))
                    }
                }
            }
        }
    } else {
        progress(format!(
            "artifacts: bucket {bucket} holds other deployments' artifacts; kept"
        ));
    }
    Ok(bucket_deleted)
}

#[cfg(test)]
mod tests;
