//! Client-side pacing of Amazon Connect calls.
//!
//! Amazon Connect defines its throttling quotas **per API operation**, per account and Region,
//! shared by every caller there: 2 requests/s with a burst of 5 for most operations, with
//! documented exceptions ([`DOCUMENTED_EXCEPTIONS`]). [`Pacer`] keeps one token bucket per
//! operation (and endpoint), and every Connect HTTP attempt (retries included) passes through it:
//! it wraps the HTTP client of the Connect SDK client, so no call site can forget it. An interceptor
//! ([`OperationTag`]) tells the connector which operation a request belongs to.
//!
//! Three things make it fit a shared account:
//! - **It adapts.** The buckets are shared with other pipelines and people, so pacing at the quota
//!   is no guarantee. A 429 on an operation halves that operation's rate (down to a tenth of the
//!   quota) and empties its bucket; each answered request gives back a twentieth of the quota
//!   (additive increase, multiplicative decrease).
//! - **A new process does not assume a full burst.** The service's bucket outlives the process:
//!   a `status` right after a `deploy` meets the bucket the deploy drained. The pacer writes each
//!   bucket's balance, time and rate to a small state file ([`STATE_VAR`], else
//!   `$XDG_STATE_HOME/connect-returns/connect-pacing.json` or `~/.local/state/…`) and a new process
//!   starts every bucket from that record, refilled for the time since. Only an operation with no
//!   record (or a record older than the time to refill) starts with the full burst; what other
//!   callers spent is covered by the adaptation above and by the share knob.
//! - **A share knob.** [`SHARE_VAR`] (a fraction in (0, 1]) scales every rate and burst, for
//!   accounts where other pipelines use the same quotas.
//!
//! Hand-written rather than `governor`: governor's keyed limiter has one fixed quota for every key
//! and cannot change one key's rate at run time (AIMD), start a key from a given balance (the
//! previous process's record), or give each operation its own documented quota; all three are the
//! point here. What is left — a token bucket with debt — is a dozen lines, tested below.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// The documented default quota of a Connect API operation, per account and Region.
pub const CONNECT_RATE_PER_SECOND: f64 = 2.0;
pub const CONNECT_BURST: f64 = 5.0;

/// Documented exceptions to the default quota: (operation, rate, burst). Contact-level operations
/// (StopContact, UpdateContactAttributes, …) are said to be higher without confirmed figures; they
/// keep the default here, the safer reading.
pub const DOCUMENTED_EXCEPTIONS: &[(&str, f64, f64)] = &[
    ("GetMetricData", 5.0, 8.0),
    ("GetCurrentMetricData", 5.0, 8.0),
];

/// Fraction of each quota this process may use (shared accounts): `CONNECT_RETURNS_CONNECT_SHARE=0.5`.
pub const SHARE_VAR: &str = "CONNECT_RETURNS_CONNECT_SHARE";
/// Where the buckets' state is kept between processes (a file path; empty = not kept).
pub const STATE_VAR: &str = "CONNECT_RETURNS_PACING_STATE";

/// Multiplicative decrease on a 429, and the floor, as fractions of the operation's quota rate.
const DECREASE: f64 = 0.5;
const FLOOR: f64 = 0.1;
/// Additive increase per answered request, as a fraction of the quota rate.
const INCREASE: f64 = 0.05;
/// Room kept between two requests of a drained bucket. The service counts its refill at each
/// request's arrival, and arrival jitters around the moment the pacer let the request go
/// (connection reuse or set-up, the scheduler of a busy runner, the network). Paced at the bare
/// quota, a request that arrives a little early meets an empty bucket and a 429; with this much
/// room it meets a refilled token. The burst is not affected: only a request that has to wait
/// waits this much longer.
pub const JITTER_GUARD: Duration = Duration::from_millis(40);
/// A reduced rate recorded by an earlier process is kept for this long, then forgotten.
const RATE_MEMORY: Duration = Duration::from_secs(60);

/// The share knob from the environment: `Ok(1.0)` when unset.
pub fn share_from_env() -> Result<f64, String> {
    match std::env::var(SHARE_VAR) {
        Err(_) => Ok(1.0),
        Ok(value) => match value.trim().parse::<f64>() {
            Ok(share) if share > 0.0 && share <= 1.0 => Ok(share),
            _ => Err(format!(
                "{SHARE_VAR} must be a fraction greater than 0 and at most 1, got {value:?}"
            )),
        },
    }
}

/// The state file: [`STATE_VAR`] if set (empty turns it off), else under the XDG state directory.
pub fn state_file_from_env() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(STATE_VAR) {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".local/state"))
        })?;
    Some(base.join("connect-returns/connect-pacing.json"))
}

/// Per-operation token buckets with adaptive rates: `acquire` waits until a request may be sent.
#[derive(Debug)]
pub struct Pacer {
    /// Default rate and burst (already scaled by the share); 0 rate = pacing off.
    rate: f64,
    burst: f64,
    /// `rate / documented default`, applied to the documented exceptions.
    scale: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
    state_file: Option<PathBuf>,
    /// Records read from the state file at start, by bucket key.
    recorded: HashMap<String, Record>,
    waited_micros: AtomicU64,
    requests: AtomicU64,
    throttled: AtomicU64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    /// Current (adapted) rate and the quota rate it recovers to.
    rate: f64,
    ceiling: f64,
    burst: f64,
}

/// One bucket as the state file keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Record {
    tokens: f64,
    /// Seconds since the Unix epoch when `tokens` was the balance.
    at: f64,
    rate: f64,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn read_records(path: &Path) -> HashMap<String, Record> {
    std::fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

impl Pacer {
    /// A pacer with `rate` tokens per second and room for `burst` for each operation without a
    /// documented exception, scaled by the share knob from the environment, and keeping its state
    /// in the state file from the environment. A rate of 0 disables pacing.
    pub fn new(rate: f64, burst: f64) -> Self {
        let share = share_from_env().unwrap_or_else(|err| {
            tracing::warn!("{err}; using the whole quota");
            1.0
        });
        Pacer::with(
            rate * share,
            (burst * share).max(1.0),
            state_file_from_env(),
        )
    }

    /// A pacer with explicit settings (no environment).
    pub fn with(rate: f64, burst: f64, state_file: Option<PathBuf>) -> Self {
        let state_file = state_file.filter(|_| rate > 0.0);
        let recorded = state_file.as_deref().map(read_records).unwrap_or_default();
        Pacer {
            rate,
            burst: burst.max(1.0),
            scale: rate / CONNECT_RATE_PER_SECOND,
            buckets: Mutex::new(HashMap::new()),
            state_file,
            recorded,
            waited_micros: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }
    }

    /// Rate and burst of one operation's bucket.
    fn quota_of(&self, operation: &str) -> (f64, f64) {
        match DOCUMENTED_EXCEPTIONS
            .iter()
            .find(|(op, _, _)| *op == operation)
        {
            Some((_, rate, burst)) => (
                rate * self.scale,
                (burst * self.burst / CONNECT_BURST).max(1.0),
            ),
            None => (self.rate, self.burst),
        }
    }

    fn new_bucket(&self, key: &str, operation: &str, now: Instant) -> Bucket {
        let (ceiling, burst) = self.quota_of(operation);
        let mut bucket = Bucket {
            tokens: burst,
            updated: now,
            rate: ceiling,
            ceiling,
            burst,
        };
        if let Some(record) = self.recorded.get(key) {
            let elapsed = (unix_now() - record.at).max(0.0);
            if elapsed < RATE_MEMORY.as_secs_f64() {
                bucket.rate = record.rate.clamp(ceiling * FLOOR, ceiling);
            }
            bucket.tokens = (record.tokens + elapsed * bucket.rate).min(burst);
        }
        bucket
    }

    /// Waits for one token of the unnamed operation (tests).
    #[cfg(test)]
    pub async fn acquire(&self) {
        self.acquire_for("", "").await;
    }

    /// Waits for one token of `operation` on the endpoint `endpoint`.
    pub async fn acquire_for(&self, endpoint: &str, operation: &str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if self.rate <= 0.0 {
            return;
        }
        let key = format!("{endpoint} {operation}");
        let wait = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let bucket = buckets
                .entry(key.clone())
                .or_insert_with(|| self.new_bucket(&key, operation, now));
            let elapsed = now.duration_since(bucket.updated).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * bucket.rate).min(bucket.burst);
            bucket.updated = now;
            // Take the token now, even if that makes the balance negative: later callers then
            // wait behind this one.
            bucket.tokens -= 1.0;
            let wait = if bucket.tokens >= 0.0 {
                Duration::ZERO
            } else {
                // Drained: this request waits for its token and the guard after it.
                bucket.tokens -= JITTER_GUARD.as_secs_f64() * bucket.rate;
                Duration::from_secs_f64(-bucket.tokens / bucket.rate)
            };
            self.save(&buckets, now);
            wait
        };
        if !wait.is_zero() {
            self.waited_micros
                .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    /// The service answered a request of `operation`: `throttled` when it was a 429.
    pub fn answered(&self, endpoint: &str, operation: &str, throttled: bool) {
        if self.rate <= 0.0 {
            return;
        }
        if throttled {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
        let key = format!("{endpoint} {operation}");
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let Some(bucket) = buckets.get_mut(&key) else {
            return;
        };
        if throttled {
            bucket.rate = (bucket.rate * DECREASE).max(bucket.ceiling * FLOOR);
            // The service's bucket is empty: so is ours (debts already taken stay).
            let elapsed = now.duration_since(bucket.updated).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * bucket.rate).min(0.0);
            bucket.updated = now;
            tracing::debug!(operation, rate = bucket.rate, "throttled: slowing down");
            self.save(&buckets, now);
        } else if bucket.rate < bucket.ceiling {
            bucket.rate = (bucket.rate + bucket.ceiling * INCREASE).min(bucket.ceiling);
        }
    }

    /// Writes every bucket (and the records of buckets this process did not use) to the state file.
    fn save(&self, buckets: &HashMap<String, Bucket>, now: Instant) {
        let Some(path) = &self.state_file else {
            return;
        };
        let wall = unix_now();
        let mut records: HashMap<&str, Record> = self
            .recorded
            .iter()
            .filter(|(_, r)| wall - r.at < 3600.0)
            .map(|(k, r)| (k.as_str(), r.clone()))
            .collect();
        for (key, bucket) in buckets {
            records.insert(
                key,
                Record {
                    tokens: bucket.tokens,
                    at: wall - now.duration_since(bucket.updated).as_secs_f64(),
                    rate: bucket.rate,
                },
            );
        }
        let write = || -> std::io::Result<()> {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, serde_json::to_vec(&records).unwrap_or_default())?;
            std::fs::rename(&tmp, path)
        };
        if let Err(err) = write() {
            tracing::debug!("cannot keep the pacing state in {}: {err}", path.display());
        }
    }

    /// Total time requests spent waiting for a token.
    pub fn waited(&self) -> Duration {
        Duration::from_micros(self.waited_micros.load(Ordering::Relaxed))
    }

    /// How many requests (attempts) went through.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// How many answers were 429s (for the deploy result once it reports them).
    #[cfg(test)]
    pub fn throttled(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
    }

    /// The current rate of one operation's bucket.
    #[cfg(test)]
    pub fn rate_of(&self, endpoint: &str, operation: &str) -> Option<f64> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .get(&format!("{endpoint} {operation}"))
            .map(|b| b.rate)
    }
}

/// The operation a request belongs to, put on the request by [`OperationTag`].
#[derive(Debug, Clone)]
struct OperationName(String);

/// Interceptor that names each request's operation for the pacer (from the SDK's operation
/// metadata). Register it on the client the pacer wraps.
#[derive(Debug, Clone, Copy, Default)]
pub struct OperationTag;

impl Intercept for OperationTag {
    fn name(&self) -> &'static str {
        "connect-returns pacing operation tag"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let name = OperationName(metadata.name().to_string());
            context.request_mut().add_extension(name);
        }
        Ok(())
    }
}

/// The bucket key of a request: the operation named by [`OperationTag`]; without it, the method
/// and first path segment (coarser, so several operations may share a bucket — slower, never
/// over the quota, since one operation always maps to one key).
fn operation_of(request: &HttpRequest) -> String {
    if let Some(OperationName(name)) = request.extension::<OperationName>() {
        return name.clone();
    }
    let path = request.uri().split("://").nth(1).unwrap_or(request.uri());
    let segment = path.split('/').nth(1).unwrap_or("");
    let segment = segment.split('?').next().unwrap_or("");
    format!("{} /{segment}", request.method())
}

/// The endpoint part of the bucket key: scheme and authority of the request.
fn endpoint_of(request: &HttpRequest) -> String {
    let uri = request.uri();
    match uri.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or("")),
        None => String::new(),
    }
}

/// Wraps an HTTP client so that every request first takes a token from `pacer`, and every answer
/// feeds the pacer's adaptation.
pub fn paced_http_client(inner: SharedHttpClient, pacer: Arc<Pacer>) -> SharedHttpClient {
    SharedHttpClient::new(PacedClient { inner, pacer })
}

#[derive(Debug)]
struct PacedClient {
    inner: SharedHttpClient,
    pacer: Arc<Pacer>,
}

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pacer: self.pacer.clone(),
        })
    }
}

struct PacedConnector {
    inner: SharedHttpConnector,
    pacer: Arc<Pacer>,
}

impl fmt::Debug for PacedConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacedConnector").finish_non_exhaustive()
    }
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let pacer = self.pacer.clone();
        let operation = operation_of(&request);
        let endpoint = endpoint_of(&request);
        HttpConnectorFuture::new(async move {
            pacer.acquire_for(&endpoint, &operation).await;
            let response = inner.call(request).await;
            if let Ok(response) = &response {
                pacer.answered(&endpoint, &operation, response.status().as_u16() == 429);
            }
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(rate: f64, burst: f64) -> Pacer {
        Pacer::with(rate, burst, None)
    }

    #[tokio::test(start_paused = true)]
    async fn burst_passes_then_the_rate_applies() {
        let pacer = pacer(2.0, 5.0);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::ZERO,
            "the burst of 5 is immediate"
        );
        for _ in 0..4 {
            pacer.acquire().await;
        }
        // Four more at 2 per second take two seconds of (virtual) time, plus the jitter guard
        // after each.
        let elapsed = start.elapsed().as_secs_f64();
        let expected = 2.0 + 4.0 * JITTER_GUARD.as_secs_f64();
        assert!((elapsed - expected).abs() < 0.01, "elapsed {elapsed}");
        assert_eq!(pacer.requests(), 9);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_never_exceed_the_rate() {
        let pacer = Arc::new(pacer(2.0, 5.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    pacer.acquire_for("e", "ListQueues").await;
                    Instant::now()
                })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.unwrap().duration_since(start).as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        // In any window of one second at most burst + rate requests start.
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|other| **other < t + 1.0 - 1e-9)
                .count();
            assert!(
                in_window <= 7,
                "{in_window} requests in the second after {t}"
            );
        }
        let last = *times.last().unwrap();
        let expected = 10.0 + 20.0 * JITTER_GUARD.as_secs_f64();
        assert!(
            (last - expected).abs() < 0.01,
            "25 requests need 10 s after the burst (and a guard each), got {last}"
        );
        // Paced requests are never closer than the refill interval plus the guard.
        for pair in times[5..].windows(2) {
            assert!(
                pair[1] - pair[0] >= 0.5 + JITTER_GUARD.as_secs_f64() - 1e-6,
                "paced requests {pair:?} are closer than the refill interval and the guard"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn operations_have_their_own_buckets() {
        let pacer = pacer(2.0, 5.0);
        let start = Instant::now();
        for op in ["CreateQueue", "CreateContactFlow", "DescribeQueue"] {
            for _ in 0..5 {
                pacer.acquire_for("e", op).await;
            }
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "three bursts of 5 at once");
        // the same operation on another endpoint (Region) is another bucket too
        for _ in 0..5 {
            pacer.acquire_for("other", "CreateQueue").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.acquire_for("e", "CreateQueue").await;
        let elapsed = start.elapsed().as_secs_f64();
        let expected = 0.5 + JITTER_GUARD.as_secs_f64();
        assert!(
            (elapsed - expected).abs() < 0.01,
            "the 6th waits: {elapsed}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn documented_exceptions_get_their_quota() {
        let pacer = pacer(2.0, 5.0);
        let start = Instant::now();
        for _ in 0..8 {
            pacer.acquire_for("e", "GetMetricData").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "burst 8");
        pacer.acquire_for("e", "GetMetricData").await;
        let elapsed = start.elapsed().as_secs_f64();
        let expected = 0.2 + JITTER_GUARD.as_secs_f64();
        assert!((elapsed - expected).abs() < 0.01, "5/s: {elapsed}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_slows_that_operation_and_answers_restore_it() {
        let pacer = pacer(2.0, 5.0);
        for _ in 0..5 {
            pacer.acquire_for("e", "ListQueues").await;
            pacer.acquire_for("e", "ListBots").await;
        }
        pacer.answered("e", "ListQueues", true);
        assert_eq!(pacer.rate_of("e", "ListQueues"), Some(1.0));
        assert_eq!(pacer.rate_of("e", "ListBots"), Some(2.0), "untouched");
        assert_eq!(pacer.throttled(), 1);
        // the bucket is empty and refills at the halved rate
        let start = Instant::now();
        pacer.acquire_for("e", "ListQueues").await;
        let elapsed = start.elapsed().as_secs_f64();
        let expected = 1.0 + JITTER_GUARD.as_secs_f64();
        assert!(
            (elapsed - expected).abs() < 0.01,
            "1/s after the 429: {elapsed}"
        );
        for _ in 0..20 {
            pacer.answered("e", "ListQueues", true);
        }
        assert_eq!(
            pacer.rate_of("e", "ListQueues"),
            Some(0.2),
            "floor: a tenth"
        );
        for _ in 0..100 {
            pacer.answered("e", "ListQueues", false);
        }
        assert_eq!(
            pacer.rate_of("e", "ListQueues"),
            Some(2.0),
            "back to the quota"
        );
    }

    #[tokio::test]
    async fn a_new_process_starts_from_what_the_last_one_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/pacing.json");
        let first = Pacer::with(2.0, 5.0, Some(file.clone()));
        for _ in 0..5 {
            first.acquire_for("e", "DescribeQueue").await;
        }
        first.acquire_for("e", "ListQueues").await;
        drop(first);
        // the next process: DescribeQueue's bucket is (nearly) empty, ListQueues' has 4 left
        let second = Pacer::with(2.0, 5.0, Some(file.clone()));
        // What the pacer made each request wait (not the wall clock, which a busy machine
        // stretches).
        for _ in 0..4 {
            second.acquire_for("e", "ListQueues").await;
        }
        assert_eq!(second.waited(), Duration::ZERO, "ListQueues had 4 left");
        second.acquire_for("e", "DescribeQueue").await;
        let waited = second.waited();
        assert!(
            waited > Duration::from_millis(300),
            "the drained bucket makes it wait: {waited:?}"
        );
        // an operation without a record starts with the full burst
        for _ in 0..5 {
            second.acquire_for("e", "CreateQueue").await;
        }
        assert_eq!(second.waited(), waited, "CreateQueue had its burst");
    }

    #[test]
    fn a_request_without_a_tag_falls_back_to_method_and_first_segment() {
        let request = HttpRequest::get("http://127.0.0.1:5/contact-flows/i-1/f-2?x=1").unwrap();
        assert_eq!(operation_of(&request), "GET /contact-flows");
        assert_eq!(endpoint_of(&request), "http://127.0.0.1:5");
        let mut request = request;
        request.add_extension(OperationName("DescribeContactFlow".into()));
        assert_eq!(operation_of(&request), "DescribeContactFlow");
    }

    #[tokio::test(start_paused = true)]
    async fn zero_rate_disables_pacing() {
        let pacer = pacer(0.0, 5.0);
        let start = Instant::now();
        for _ in 0..100 {
            pacer.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
