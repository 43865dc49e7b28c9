//! The deploy pipeline (`deploy.rs`) and the destroy pipeline (`destroy.rs`), start to end.
//!
//! The command hands in the settings, whether only to plan, and a confirmation callback; it gets
//! back a [`DeployReport`] or a [`DestroyReport`] to render. Nothing here reads the terminal or
//! writes to stdout.

use serde::Serialize;

use super::graph::{Ended, GraphResult};

mod deploy;
mod destroy;

pub use deploy::{DeployReport, deploy};
pub use destroy::{DestroyOptions, DestroyReport, destroy};

/// Version of the deploy and destroy JSON documents.
pub const SCHEMA_VERSION: u32 = 1;

/// How one applied step ended.
#[derive(Debug, Serialize)]
pub struct StepResult {
    pub step: String,
    pub label: String,
    /// created, updated, unchanged, adopted, deleted, restored, kept, failed, skipped.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl StepResult {
    /// One result per step of a graph run.
    pub fn all(result: &GraphResult) -> Vec<StepResult> {
        result
            .steps
            .iter()
            .map(|(step, label, ended)| {
                let (outcome, error) = match ended {
                    Ended::Done(outcome) => (outcome.word().to_string(), None),
                    Ended::Failed(error) => ("failed".to_string(), Some(error.clone())),
                    Ended::Skipped(because) => ("skipped".to_string(), Some(because.clone())),
                };
                StepResult {
                    step: step.clone(),
                    label: label.clone(),
                    outcome,
                    error,
                }
            })
            .collect()
    }
}

/// What the deploy may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--plan`: read and diff, change nothing.
    PlanOnly,
    /// Apply after the confirmation callback agrees; wait at most `lock_timeout` for another
    /// run of the deployment to finish (zero: refuse at once).
    Apply { lock_timeout: std::time::Duration },
}
