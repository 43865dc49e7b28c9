//! The deploy lock: two deploys (or a deploy and a destroy) of one deployment must not interleave.
//!
//! Choice: a lock object `locks/<deployment>.lock` in the tool's artifact bucket, created with a
//! conditional write (`If-None-Match: *`), so exactly one of two concurrent runs gets it; the
//! other waits up to `--lock-timeout`, then refuses with exit 2 and says who holds it and since
//! when. It is taken only when the plan changes something (an unchanged re-deploy stays free of
//! mutating calls), before the first change: the bucket is made first when it does not exist yet,
//! so the very first deploy is locked too. The run then reads and plans again under the lock
//! (`pipeline.rs`), and releases it at the end, failure or not. A lock older than [`STALE_AFTER`],
//! or whose process on this machine is gone (a killed run), is taken over. Deploy and destroy take
//! it alike.

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

/// What one attempt to take the lock found.
enum Attempt {
    Taken(Lock),
    /// Another run holds it: its holder text.
    Held(String),
}

/// Takes the lock. When another run holds it: waits up to `timeout` (saying so every few
/// seconds), then refuses with exit 2, naming the holder and how to recover a lock whose run died.
pub async fn acquire(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    deployment: &str,
    command: &str,
    timeout: Duration,
    progress: crate::resources::Progress<'_>,
) -> anyhow::Result<Lock> {
    let started = std::time::Instant::now();
    let mut said = None::<std::time::Instant>;
    loop {
        let text = match attempt(s3, bucket, deployment, command).await? {
            Attempt::Taken(lock) => return Ok(lock),
            Attempt::Held(text) => text,
        };
        let waited = started.elapsed();
        if waited >= timeout {
            let key = key(deployment);
            let mut error = UserError::new(format!(
                "another run of deployment {deployment} holds its lock ({text})"
            ));
            error = if timeout.is_zero() {
                error.hint("wait for it to finish and run again, or pass --lock-timeout 600 to wait up to 10 minutes")
            } else {
                error.hint(format!(
                    "it was still running after {} s; pass a longer --lock-timeout or run again later",
                    timeout.as_secs()
                ))
            };
            return Err(error
                .hint(format!(
                    "if that run was killed, its lock is taken over after {} minutes (at once on the machine it ran on), or remove it: aws s3 rm s3://{bucket}/{key}",
                    STALE_AFTER.as_secs() / 60
                ))
                .into());
        }
        if said.is_none_or(|at| at.elapsed() >= Duration::from_secs(5)) {
            progress(format!(
                "waiting for the lock of deployment {deployment}, held by {text} ({} s of at most {} s)",
                waited.as_secs(),
                timeout.as_secs()
            ));
            said = Some(std::time::Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// One conditional write of the lock object; a lock whose holder died is removed and retried.
async fn attempt(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    deployment: &str,
    command: &str,
) -> anyhow::Result<Attempt> {
    let key = key(deployment);
    let holder = format!(
        "{command} pid {} on {} at {}",
        std::process::id(),
        hostname(),
        now()
    );
    for _ in 0..2 {
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
                return Ok(Attempt::Taken(Lock {
                    s3: s3.clone(),
                    bucket: bucket.to_string(),
                    key,
                }));
            }
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
                    // Released between the two calls: try again.
                    Err(_) => continue,
                };
                let since: u64 = text
                    .rsplit(' ')
                    .next()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or_default();
                if now().saturating_sub(since) > STALE_AFTER.as_secs() || holder_is_gone(&text) {
                    s3.delete_object()
                        .bucket(bucket)
                        .key(&key)
                        .send()
                        .await
                        .context("failed to remove a stale deploy lock")?;
                    continue;
                }
                return Ok(Attempt::Held(text));
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
