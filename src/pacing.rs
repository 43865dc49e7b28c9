//! Client-side pacing of Amazon Connect calls.
//!
//! Amazon Connect allows 2 requests per second with a burst of 5, per account and Region, shared
//! by every caller. A deploy that ignored this would meet throttling storms. [`Pacer`] is a token
//! bucket that every Connect HTTP attempt (retries included) passes through: it wraps the HTTP
//! client of the Connect SDK client, so no call site can forget it.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The documented default quota of the Connect API, per account and Region.
pub const CONNECT_RATE_PER_SECOND: f64 = 2.0;
pub const CONNECT_BURST: f64 = 5.0;

/// A token bucket: `acquire` waits until a request may be sent.
#[derive(Debug)]
pub struct Pacer {
    rate: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
    waited_micros: AtomicU64,
    requests: AtomicU64,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl Pacer {
    /// A pacer with `rate` tokens per second and room for `burst`. A rate of 0 disables pacing.
    pub fn new(rate: f64, burst: f64) -> Self {
        Pacer {
            rate,
            burst: burst.max(1.0),
            bucket: Mutex::new(Bucket {
                tokens: burst.max(1.0),
                updated: Instant::now(),
            }),
            waited_micros: AtomicU64::new(0),
            requests: AtomicU64::new(0),
        }
    }

    /// Waits for one token. Waiters are served in arrival order (the mutex is fair).
    pub async fn acquire(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if self.rate <= 0.0 {
            return;
        }
        let wait = {
            let mut bucket = self.bucket.lock().await;
            let now = Instant::now();
            let elapsed = now.duration_since(bucket.updated).as_secs_f64();
            bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
            bucket.updated = now;
            // Take the token now, even if that makes the balance negative: later callers then
            // wait behind this one.
            bucket.tokens -= 1.0;
            if bucket.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-bucket.tokens / self.rate)
            }
        };
        if !wait.is_zero() {
            self.waited_micros
                .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
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
}

/// Wraps an HTTP client so that every request first takes a token from `pacer`.
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
        HttpConnectorFuture::new(async move {
            pacer.acquire().await;
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_passes_then_the_rate_applies() {
        let pacer = Pacer::new(2.0, 5.0);
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
        // Four more at 2 per second take two seconds of (virtual) time.
        let elapsed = start.elapsed().as_secs_f64();
        assert!((elapsed - 2.0).abs() < 0.01, "elapsed {elapsed}");
        assert_eq!(pacer.requests(), 9);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_never_exceed_the_rate() {
        let pacer = Arc::new(Pacer::new(2.0, 5.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..25)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    pacer.acquire().await;
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
        assert!(
            (last - 10.0).abs() < 0.01,
            "25 requests need 10 s after the burst, got {last}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn zero_rate_disables_pacing() {
        let pacer = Pacer::new(0.0, 5.0);
        let start = Instant::now();
        for _ in 0..100 {
            pacer.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
