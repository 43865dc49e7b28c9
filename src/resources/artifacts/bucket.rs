//! The artifact bucket itself: created encrypted, with public access blocked, owner-enforced
//! ownership and the TLS-only bucket policy, and tagged as ours last, so a tagged bucket is a
//! set-up one.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging,
};

use super::{BUCKET_TAG_KEY, BUCKET_TAG_VALUE};
use crate::resources::Progress;
use crate::resources::sdk::describe_error;

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
pub(super) async fn read_policy(s3: &Client, bucket: &str) -> anyhow::Result<Option<String>> {
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
pub(super) async fn ensure_tls_only(
    s3: &Client,
    bucket: &str,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
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

pub(super) async fn create_bucket(
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
