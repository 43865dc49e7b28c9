//! The deploy lock: two deploys (or a deploy and a destroy) of one deployment must not interleave.
//!
//! Choice: a lock object `locks/<deployment>.lock` in the tool's artifact bucket, created with a
//! conditional write (`If-None-Match: *`), so exactly one of two concurrent runs gets it; the
//! other waits up to `--lock-timeout`, then refuses with exit 2 and says who holds it and since
//! when. It is taken only when the plan changes something (an unchanged re-deploy stays free of
//! mutating calls), before the first change: the bucket is made first when it does not exist yet,
//! so the very first deploy is locked too. The run then reads and plans again under the lock
//! (`pipeline.rs`) unless the last-run marker proves that no run changed it since the first read,
//! and releases it at the end, failure or not. A lock older than [`STALE_AFTER`],
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

/// The last run that changed the deployment under the lock writes its run id here when it
/// releases the lock (a complete destroy removes it). Two readings of it, one before a run reads
/// the deployment and one after it took the lock, tell whether any run changed the deployment in
/// between: every run that changes something holds the lock, and one that died holding it is
/// taken over (which [`Lock::quiet_since`] counts as a change).
pub fn last_run_key(deployment: &str) -> String {
    format!("locks/{deployment}.last-run")
}

/// What [`witness`] saw before the run read the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    last_run: Option<String>,
}

/// Reads the last-run marker (one GetObject; none when the bucket or the marker is missing).
pub async fn witness(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    deployment: &str,
) -> anyhow::Result<Witness> {
    let key = last_run_key(deployment);
    match s3.get_object().bucket(bucket).key(&key).send().await {
        Ok(object) => {
            let data = object
                .body
                .collect()
                .await
                .context("failed to read the last-run marker")?;
            Ok(Witness {
                last_run: Some(String::from_utf8_lossy(&data.into_bytes()).into_owned()),
            })
        }
        Err(err) => {
            let err = err.into_service_error();
            match err.code() {
                Some("NoSuchKey" | "NoSuchBucket") => Ok(Witness { last_run: None }),
                _ => Err(anyhow::anyhow!(
                    "failed to read s3://{bucket}/{key}: {}",
                    crate::resources::sdk::describe_error(&err)
                )),
            }
        }
    }
}

/// Removes the last-run marker of a deployment that is gone (its record removed too).
pub async fn forget_last_run(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    deployment: &str,
) -> anyhow::Result<()> {
    match s3
        .delete_object()
        .bucket(bucket)
        .key(last_run_key(deployment))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err) if err.code() == Some("NoSuchBucket") => Ok(()),
        Err(err) => Err(err).context("failed to remove the last-run marker"),
    }
}

/// What a run did while it held the lock, for [`Lock::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was changed (the plan under the lock was empty, or it was cancelled).
    Unchanged,
    /// Something was changed, or may have been (a failed step).
    Changed,
    /// The deployment was removed completely: its marker goes too.
    Removed,
}

/// A held lock; release it with [`Lock::release`].
#[derive(Debug)]
pub struct Lock {
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    deployment: String,
    /// The lock was free at the first attempt: this run neither waited for another run nor
    /// took over the lock of one that died.
    first_try: bool,
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
    let mut first_try = true;
    loop {
        let text = match attempt(s3, bucket, deployment, command).await? {
            Attempt::Taken(mut lock) => {
                lock.first_try &= first_try;
                return Ok(lock);
            }
            Attempt::Held(text) => text,
        };
        first_try = false;
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
    for try_number in 0..2 {
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
                    deployment: deployment.to_string(),
                    // A second try follows a stale lock removed, or one released meanwhile.
                    first_try: try_number == 0,
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
    /// True when no run can have changed the deployment since `before` was taken: the lock was
    /// free at once and the last-run marker is what it was (one GetObject).
    pub async fn quiet_since(&self, before: &Witness) -> anyhow::Result<bool> {
        if !self.first_try {
            return Ok(false);
        }
        Ok(witness(&self.s3, &self.bucket, &self.deployment).await? == *before)
    }

    /// Removes the lock, first recording what this run did (see [`last_run_key`]). A bucket that
    /// destroy already removed has no lock left to release.
    pub async fn release(self, outcome: Outcome) -> anyhow::Result<()> {
        let marker = last_run_key(&self.deployment);
        let marked = match outcome {
            Outcome::Unchanged => Ok(()),
            Outcome::Changed => {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                let run = format!("pid {} on {} at {nanos} ns", std::process::id(), hostname());
                self.s3
                    .put_object()
                    .bucket(&self.bucket)
                    .key(&marker)
                    .body(run.into_bytes().into())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.into_service_error().code().map(str::to_string))
            }
            Outcome::Removed => self
                .s3
                .delete_object()
                .bucket(&self.bucket)
                .key(&marker)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| e.into_service_error().code().map(str::to_string)),
        };
        match marked {
            Ok(()) => {}
            Err(Some(code)) if code == "NoSuchBucket" => {}
            Err(code) => anyhow::bail!(
                "failed to record the run in s3://{}/{marker} ({})",
                self.bucket,
                code.unwrap_or_else(|| "no error code".into())
            ),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::sdk::testing;

    async fn bucket() -> (aws_sdk_s3::Client, String) {
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&testing::moto().await)
                .force_path_style(true)
                .build(),
        );
        let bucket = testkit::unique("lock").to_ascii_lowercase();
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        (s3, bucket)
    }

    async fn take(s3: &aws_sdk_s3::Client, bucket: &str) -> Lock {
        acquire(s3, bucket, "dep", "deploy", Duration::from_secs(5), &|_| {})
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_run_between_the_first_read_and_the_lock_is_seen() {
        let (s3, bucket) = bucket().await;
        // Nothing happened in between: quiet.
        let before = witness(&s3, &bucket, "dep").await.unwrap();
        let lock = take(&s3, &bucket).await;
        assert!(lock.quiet_since(&before).await.unwrap());
        lock.release(Outcome::Changed).await.unwrap();

        // Another run took the lock, changed something and released it: not quiet.
        let before = witness(&s3, &bucket, "dep").await.unwrap();
        take(&s3, &bucket)
            .await
            .release(Outcome::Changed)
            .await
            .unwrap();
        let lock = take(&s3, &bucket).await;
        assert!(!lock.quiet_since(&before).await.unwrap());
        lock.release(Outcome::Unchanged).await.unwrap();

        // A run that changed nothing leaves the marker as it was.
        let before = witness(&s3, &bucket, "dep").await.unwrap();
        take(&s3, &bucket)
            .await
            .release(Outcome::Unchanged)
            .await
            .unwrap();
        let lock = take(&s3, &bucket).await;
        assert!(lock.quiet_since(&before).await.unwrap());
        // A complete destroy removes the marker: that differs from what was seen before.
        lock.release(Outcome::Removed).await.unwrap();
        assert_ne!(witness(&s3, &bucket, "dep").await.unwrap(), before);
    }

    #[tokio::test]
    async fn a_lock_taken_over_from_a_dead_run_is_never_quiet() {
        let (s3, bucket) = bucket().await;
        let before = witness(&s3, &bucket, "dep").await.unwrap();
        // A run that died holding the lock (its pid does not exist on this machine).
        s3.put_object()
            .bucket(&bucket)
            .key(key("dep"))
            .body(
                format!("deploy pid 4194304 on {} at {}", hostname(), now())
                    .into_bytes()
                    .into(),
            )
            .send()
            .await
            .unwrap();
        let lock = take(&s3, &bucket).await;
        assert!(
            !lock.quiet_since(&before).await.unwrap(),
            "the dead run may have changed things"
        );
        lock.release(Outcome::Unchanged).await.unwrap();
    }
}
