//! The deploy lock: two deploys (or a deploy and a destroy) of one deployment must not interleave.
//!
//! Choice: a lock object `locks/<deployment>.lock` in the tool's artifact bucket, created with a
//! conditional write (`If-None-Match: *`), so exactly one of two concurrent runs gets it; the
//! other refuses with exit 2 and says who holds it and since when. It is taken only when the
//! plan changes something (an unchanged re-deploy stays free of mutating calls), and released at
//! the end, failure or not. A lock older than [`STALE_AFTER`] (a killed run) is taken over.
//! Deploy and destroy take it alike (`pipeline.rs`). In addition, a stack in a `*_IN_PROGRESS`
//! state is a conflict in the deploy plan.
//! Before the very first deploy there is no bucket yet; then the stack creation is the guard.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use aws_sdk_s3::error::ProvideErrorMetadata as _;

use crate::error::UserError;

/// A lock this old belongs to a run that died.
pub const STALE_AFTER: Duration = Duration::from_secs(30 * 60);

/// Outside the `<deployment>/` artifact prefix, so removing the artifacts never removes it.
pub fn key(deployment: &str) -> String {
    format!("locks/{deployment}.lock")
}

/// A held lock; release it with [`Lock::release`].
#[derive(Debug)]
pub struct Lock {
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Takes the lock, or refuses when another run holds it. `Ok(None)` when the bucket does not
/// exist yet (first deploy).
pub async fn acquire(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    deployment: &str,
    command: &str,
) -> anyhow::Result<Option<Lock>> {
    let key = key(deployment);
    let holder = format!(
        "{command} pid {} on {} at {}",
        std::process::id(),
        hostname(),
        now()
    );
    for attempt in 0..2 {
        let put = s3
            .put_object()
            .bucket(bucket)
            .key(&key)
            .if_none_match("*")
            .body(holder.clone().into_bytes().into())
            .send()
            .await;
        match put {
            Ok(_) => {
                return Ok(Some(Lock {
                    s3: s3.clone(),
                    bucket: bucket.to_string(),
                    key,
                }));
            }
            Err(err) if err.code() == Some("NoSuchBucket") => return Ok(None),
            Err(err)
                if matches!(
                    err.code(),
                    Some("PreconditionFailed" | "ConditionalRequestConflict")
                ) || err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 412) =>
            {
                let existing = s3.get_object().bucket(bucket).key(&key).send().await;
                let text = match existing {
                    Ok(object) => object
                        .body
                        .collect()
                        .await
                        .map(|data| String::from_utf8_lossy(&data.into_bytes()).to_string())
                        .unwrap_or_default(),
                    Err(_) => continue,
                };
                let since: u64 = text
                    .rsplit(' ')
                    .next()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or_default();
                if attempt == 0
                    && (now().saturating_sub(since) > STALE_AFTER.as_secs()
                        || holder_is_gone(&text))
                {
                    s3.delete_object()
                        .bucket(bucket)
                        .key(&key)
                        .send()
                        .await
                        .context("failed to remove a stale deploy lock")?;
                    continue;
                }
                return Err(UserError::new(format!("another run of deployment {deployment} is in progress ({text})"))
                    .hint("wait for it to finish, then run again; two runs of one deployment never interleave")
                    .hint(format!("if that run was killed, the lock s3://{bucket}/{key} expires after {} minutes, or delete it", STALE_AFTER.as_secs() / 60))
                    .into());
            }
            Err(err) => return Err(err).context("failed to take the deploy lock"),
        }
    }
    anyhow::bail!("could not take the deploy lock s3://{bucket}/{key}")
}

/// True when the holder ran on this machine and its process no longer exists (a killed run).
fn holder_is_gone(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    let pid = words
        .iter()
        .position(|w| *w == "pid")
        .and_then(|i| words.get(i + 1))
        .and_then(|p| p.parse::<u32>().ok());
    let host = words
        .iter()
        .position(|w| *w == "on")
        .and_then(|i| words.get(i + 1));
    match (pid, host) {
        (Some(pid), Some(host)) if *host == hostname() => {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

impl Lock {
    /// Removes the lock. A bucket that destroy already removed has no lock left to release.
    pub async fn release(self) -> anyhow::Result<()> {
        match self
            .s3
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("NoSuchBucket") => Ok(()),
            Err(err) => Err(err).context("failed to release the deploy lock"),
        }
    }
}
