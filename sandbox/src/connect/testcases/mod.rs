//! Connect test cases (flow testing without a phone): Create/Describe/Update/Delete/List/Search
//! TestCase, Start/Stop TestCaseExecution, GetTestCaseExecutionSummary, ListTestCaseExecutions,
//! ListTestCaseExecutionRecords. URIs, members and constraints are those of aws-sdk-connect
//! 1.220.0 (and the same model in botocore); validation of `Content` is in `testlang`, the
//! executor in `walk`. Strictness choices are listed in `sandbox/TESTCASES.md`.
//!
//! Executions are scheduled by [`drive`], a background task of the running sandbox: at most
//! [`MAX_RUNNING`] IN_PROGRESS per account and Region, the rest INITIATED (queued) up to
//! [`MAX_QUEUED`] in all; the walk runs outside the World lock and its outcome is landed back.
//!
//! This module holds the limits and the stored shapes; `checks` what creating or updating a
//! test case checks, `cases` and `executions` the operations, `scheduling` the background task.
use serde::Serialize;
use serde_json::Value;

use super::Tags;

mod cases;
mod checks;
mod executions;
mod scheduling;
pub(super) use cases::*;
use checks::*;
pub(super) use executions::*;
pub use scheduling::*;

/// Executions IN_PROGRESS at once, per account and Region (documented: 5 concurrent tests).
pub const MAX_RUNNING: usize = 5;
/// Executions accepted at once, running ones included (documented: 100 in the queue).
pub const MAX_QUEUED: usize = 100;
/// The Regions where Amazon Connect test cases exist.
pub const TEST_CASE_REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-south-1",
    "af-south-1",
];
const MAX_CONTENT: usize = 256_000;

/// One version of a test case (the published one, or the saved draft).
#[derive(Debug, Clone, Serialize)]
pub struct TestCaseVersion {
    pub content: String,
    pub entry_point: Option<Value>,
    pub initialization_data: Option<String>,
}

/// A test case: metadata plus a published version and/or a saved draft.
#[derive(Debug, Clone, Serialize)]
pub struct TestCase {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub published: Option<TestCaseVersion>,
    pub saved: Option<TestCaseVersion>,
    pub last_modified: f64,
    pub last_modified_region: String,
    pub tags: Tags,
}

/// One record of an execution: an observation's result.
#[derive(Debug, Clone, Serialize)]
pub struct ExecutionRecord {
    pub observation_id: String,
    pub status: String,
    pub timestamp: f64,
    pub record: Value,
}

/// One execution of a published test case.
#[derive(Debug, Clone, Serialize)]
pub struct Execution {
    pub id: String,
    pub test_case_id: String,
    pub test_case_name: String,
    /// INITIATED | IN_PROGRESS | PASSED | FAILED | STOPPED.
    pub status: String,
    pub start_time: f64,
    pub end_time: Option<f64>,
    /// When it went IN_PROGRESS.
    pub running_since: Option<f64>,
    pub client_token: Option<String>,
    pub tags: Tags,
    pub total_observations: usize,
    pub records: Vec<ExecutionRecord>,
    /// The status it takes, and when (set once the walk landed).
    pub verdict: Option<(String, f64)>,
    /// What the walk saw, in order.
    pub path: Vec<String>,
    /// The simulated contact.
    pub contact_id: String,
    /// The published version that runs (copied at start: later edits do not change it).
    #[serde(skip)]
    pub version: Option<TestCaseVersion>,
}
