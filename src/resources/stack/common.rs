//! The shape shared by the AWS-side resource modules (artifacts, stack, Lex V2, Lex V1): the
//! `Change` a pure diff returns, its field diffs, the progress callback type, the ownership tag,
//! and small helpers for SDK errors and polling waits.
//!
//! These live here until `resources/mod.rs` owns them; the engine can re-export them from there.

use std::fmt;
use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Tag key that marks what a deployment created: `connect-returns:deployment=<name>`.
pub const DEPLOYMENT_TAG: &str = crate::resources::TAG_DEPLOYMENT;

/// Progress callback: one human-readable line per event (the engine maps it onto its reporter).
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// One changed field, as shown by `--plan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl FieldDiff {
    pub fn new(
        field: impl Into<String>,
        before: impl Into<String>,
        after: impl Into<String>,
    ) -> Self {
        FieldDiff {
            field: field.into(),
            before: before.into(),
            after: after.into(),
        }
    }
}

impl fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} -> {}", self.field, self.before, self.after)
    }
}

/// What applying the desired state to one resource would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    NoOp,
    Create,
    Update {
        fields: Vec<FieldDiff>,
    },
    /// The resource cannot be changed by this deployment (not ours, busy, ...).
    Conflict {
        reason: String,
        hint: String,
    },
}

impl Change {
    /// Whether applying this change makes any mutating call.
    pub fn mutates(&self) -> bool {
        matches!(self, Change::Create | Change::Update { .. })
    }
}

impl Change {
    /// An update from a field list, or no-op when nothing differs.
    pub fn from_fields(fields: Vec<FieldDiff>) -> Change {
        if fields.is_empty() {
            Change::NoOp
        } else {
            Change::Update { fields }
        }
    }
}

/// A conflict with what to do about it.
pub fn conflict(reason: impl Into<String>, hint: impl Into<String>) -> Change {
    Change::Conflict {
        reason: reason.into(),
        hint: hint.into(),
    }
}

/// The refusal a conflict becomes when applying: bad input (exit 2) with its hint.
pub fn refusal(change: &Change) -> Option<crate::error::UserError> {
    match change {
        Change::Conflict { reason, hint } => {
            Some(crate::error::UserError::new(reason.clone()).hint(hint.clone()))
        }
        _ => None,
    }
}

/// The error code of an SDK error (`ValidationError`, `NotFoundException`, ...), if the service sent one.
pub fn error_code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}

/// A readable one-line rendering of an SDK error: `Code: message`, or the full error context
/// when the service sent no code (connection refused, timeouts, ...).
pub fn describe_error<E>(err: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => aws_smithy_types::error::display::DisplayErrorContext(err).to_string(),
    }
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

    #[test]
    fn change_labels_and_mutation() {
        assert!(!Change::NoOp.mutates());
        assert!(Change::Create.mutates());
        assert!(Change::Update { fields: vec![] }.mutates());
        assert!(
            !Change::Conflict {
                reason: "r".into(),
                hint: "h".into()
            }
            .mutates()
        );
    }

    #[test]
    fn conflicts_become_refusals_with_their_hint() {
        let err = refusal(&conflict("bucket x is not ours", "rename it")).unwrap();
        assert_eq!(
            (err.message.as_str(), err.hints.as_slice()),
            ("bucket x is not ours", &["rename it".to_string()][..])
        );
        assert!(refusal(&Change::NoOp).is_none());
        assert_eq!(Change::from_fields(vec![]), Change::NoOp);
    }

    #[test]
    fn field_diff_renders_before_and_after() {
        assert_eq!(
            FieldDiff::new("template", "a", "b").to_string(),
            "template: a -> b"
        );
    }
}

/// Test helpers: SDK configuration pointed at moto or the sandbox, with dummy credentials.
#[cfg(test)]
pub mod testing {
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use aws_credential_types::Credentials;

    /// Configuration for clients talking to `endpoint` in us-east-1.
    pub async fn config_for(endpoint: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
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
            .retry_config(retry)
            .load()
            .await
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
