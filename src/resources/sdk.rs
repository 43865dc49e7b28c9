//! Small helpers the resource modules share for SDK errors and polling waits, and (in tests)
//! SDK configurations pointed at moto or the sandbox.

use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The error code of an SDK error (`ValidationError`, `NotFoundException`, ...), if the service sent one.
pub fn error_code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

/// A readable one-line rendering of an SDK error: `Code: message`, or, when the service sent no
/// code (connection refused, timeouts, an unreadable answer), the words of the error and its
/// sources, each once, without the debug dump.
pub fn describe_error<E>(err: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => {
            let mut words: Vec<String> = Vec::new();
            let mut cause: Option<&dyn std::error::Error> = Some(err);
            while let Some(current) = cause {
                let text = current.to_string();
                if !text.is_empty() && !words.iter().any(|earlier| earlier.contains(&text)) {
                    words.push(text);
                }
                cause = current.source();
            }
            words.join(": ")
        }
    }
}

/// Shortens the long waits' polling schedule by this factor (0.01 to 1; unset or bad: 1). For
/// `cargo xtask bench deploy`, whose latency model of AWS runs time-scaled: polling once a second
/// for a stack that the model lets take 5.5 s instead of 55 s would cost ten times what it costs
/// against AWS.
pub const WAIT_SCALE_VAR: &str = "CONNECT_RETURNS_WAIT_SCALE";

fn wait_scale() -> f64 {
    static SCALE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *SCALE.get_or_init(|| {
        std::env::var(WAIT_SCALE_VAR)
            .ok()
            .and_then(|text| text.parse::<f64>().ok())
            .filter(|scale| (0.01..=1.0).contains(scale))
            .unwrap_or(1.0)
    })
}

/// Polling schedule for waits: starts short (local stand-ins answer at once), grows by half each
/// time, and is capped so a real service is not hammered.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff { next: first, max }
    }

    /// The default for status polling: 200 ms, growing to 5 s.
    pub fn polling() -> Self {
        Backoff::new(Duration::from_millis(200), Duration::from_secs(5))
    }

    /// For waits of tens of seconds (a stack operation, a Lex build): the same start, capped at
    /// 1 s, so completion is noticed within 1 s at one status read per second (inside the
    /// services' read quotas). The 5 s cap of [`Backoff::polling`] noticed a 55 s stack up to 5 s
    /// late, and a 2 s cap up to 2 s.
    pub fn long_wait() -> Self {
        let scale = wait_scale();
        Backoff::new(
            Duration::from_millis(200).mul_f64(scale),
            Duration::from_secs(1).mul_f64(scale),
        )
    }

    /// Returns the delay to sleep now and advances the schedule.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 3 / 2).min(self.max);
        delay
    }

    /// Sleeps for the next delay.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

/// Human-readable seconds for progress lines (`3.2s`).
pub fn secs(duration: Duration) -> String {
    format!("{:.1}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(300));
        let delays: Vec<u128> = (0..5).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 150, 225, 300, 300]);
    }
}

/// Test helpers: SDK configuration pointed at moto or the sandbox, with dummy credentials.
#[cfg(test)]
pub mod testing {
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_credential_types::Credentials;

    /// Configuration for clients talking to `endpoint` in us-east-1 (HTTPS trusting only moto's
    /// test CA, or plain HTTP).
    pub async fn config_for(endpoint: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
            .http_client(http_client_for(endpoint))
            .load()
            .await
    }

    /// Like [`config_for`], with the CLI's retry policy (8 attempts) and short backoffs, for
    /// tests with injected faults.
    pub async fn config_retrying(endpoint: &str) -> SdkConfig {
        let retry = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(8)
            .with_initial_backoff(std::time::Duration::from_millis(20))
            .with_max_backoff(std::time::Duration::from_millis(200));
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
            .http_client(http_client_for(endpoint))
            .retry_config(retry)
            .load()
            .await
    }

    /// moto's HTTPS trusting only its test CA; the default client for the sandbox's plain HTTP
    /// (which never starts a moto).
    fn http_client_for(endpoint: &str) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        if endpoint.starts_with("https://") {
            testkit::tls::sdk_http_client(testkit::moto())
        } else {
            aws_smithy_http_client::Builder::new().build_http()
        }
    }

    /// Configuration pointed at the shared moto server.
    pub async fn moto() -> SdkConfig {
        config_for(testkit::moto_url()).await
    }

    /// A progress callback that collects lines.
    pub fn collector() -> (
        std::sync::Arc<std::sync::Mutex<Vec<String>>>,
        impl Fn(String) + Send + Sync,
    ) {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = lines.clone();
        (lines, move |line: String| sink.lock().unwrap().push(line))
    }
}
