//! Removing artifacts: a deployment's zips (all on destroy, superseded ones by `prune`), and the
//! bucket once nothing is left in it.

use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::{Current, Deleted, Ownership, read};
use crate::resources::Progress;
use crate::resources::sdk::describe_error;

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
