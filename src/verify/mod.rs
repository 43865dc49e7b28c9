//! `verify`: proves a deployment on its own instance, without a phone, with Amazon Connect test
//! cases. Knows nothing of clap or the terminal: it takes the connected [`Target`], the
//! deployment's name and a [`Request`], and returns a [`VerifyReport`].
//!
//! For each scenario ([`scenarios`]): seed what the call path needs in DynamoDB under the
//! scenario's reserved number, write the path as a test case ([`content`]) against the deployed
//! entry flow, run it (at most [`MAX_RUNNING`] at once, each watched for at most
//! [`EXECUTION_LIMIT`]; every request through the paced Connect client), and read back each
//! observation's record. Afterwards every test case this run made (found by its run tag, so
//! also one whose create was in flight when the run was interrupted) and every record under a
//! reserved number is deleted. A run first removes what an earlier, killed run left behind: test
//! cases carrying the deployment's tag and [`RUN_TAG`], records under the reserved numbers.
//!
//! The whole run holds the deployment's lock (`deploy/lock.rs`, the one deploy and destroy
//! take), so that removal never reaches the test cases of another verify still running, and no
//! deploy or destroy changes the flows under a run. A second run waits up to
//! [`Request::lock_timeout`], then is refused like a second deploy; the lock of a killed run is
//! taken over, and its leftovers removed.

pub mod content;
mod execution;
mod plan;
mod records;
pub mod scenarios;
mod sweep;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::deploy::Target;
use crate::deploy::lock;
use crate::error::UserError;
use crate::report::Reporter;
use crate::resources::artifacts;
use execution::{run_scenario, stop_execution};
use plan::{Plan, read_plan};
use records::{delete_records, every_reserved_number, numbers_of, seed};
use sweep::sweep;

/// The Regions where Amazon Connect runs test cases.
pub const TEST_CASE_REGIONS: [&str; 11] = [
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

/// The tag every test case `verify` makes carries, valued with the run's id (next to the
/// deployment's owner tag). A test case with both is a leftover once its run is gone.
pub const RUN_TAG: &str = "connect-returns:verify-run";

/// Executions running at once: the service's limit per account and Region.
pub const MAX_RUNNING: usize = 5;

/// How long one execution may run (the service's limit); `verify` stops one that has no
/// verdict a minute after it.
pub const EXECUTION_LIMIT: Duration = Duration::from_secs(300);

/// How often an execution's summary is read while it runs.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What one invocation asks for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Scenario names; empty = every scenario of the deployed solutions.
    pub scenarios: Vec<String>,
    /// Leave the test cases (not the records) for inspection.
    pub keep: bool,
    /// How long to wait when another run of the deployment holds its lock (zero: refuse at once).
    pub lock_timeout: Duration,
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The JSON document's version (`docs/schema/verify.json`).
    pub schema_version: u32,
    pub command: &'static str,
    pub deployment: String,
    pub instance: String,
    pub scenarios: Vec<ScenarioResult>,
    pub passed: usize,
    pub failed: usize,
    pub cleanup: Cleanup,
}

impl VerifyReport {
    pub fn all_passed(&self) -> bool {
        self.failed == 0
    }
}

/// One scenario's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub solution: String,
    pub description: String,
    pub passed: bool,
    /// Where the test stops (at the transfer: the contact is never offered to an agent).
    pub ends: String,
    /// The test case's id, when `--keep` left it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_case_id: Option<String>,
    /// The execution's final status (PASSED, FAILED, STOPPED, …).
    pub execution_status: String,
    /// The first observation that did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_observation: Option<String>,
    /// What that observation waited for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// What was seen instead while it waited.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seen: Vec<String>,
    /// The service's explanation, if it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the test logged at its end (e.g. the queue the contact was transferred to).
    pub observed: BTreeMap<String, String>,
}

/// What verify removed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cleanup {
    /// Test cases an earlier, interrupted run had left (found by tag) and removed now.
    pub leftover_test_cases: usize,
    /// Records under the reserved numbers an earlier run had left and removed now.
    pub leftover_records: usize,
    /// Test cases this run made and deleted.
    pub test_cases_deleted: usize,
    /// Test cases left with `--keep`.
    pub test_cases_kept: usize,
    /// Records this run seeded or caused, deleted.
    pub records_deleted: usize,
}

/// The run was interrupted; what it made is gone (the error a Ctrl-C ends with).
#[derive(Debug, thiserror::Error)]
#[error(
    "verify was interrupted: removed the {test_cases} test case(s) and {records} record(s) it had made"
)]
pub struct Interrupted {
    pub test_cases: usize,
    pub records: usize,
}

/// A Region without test cases is bad input.
pub fn check_region(region: &str) -> Result<(), UserError> {
    if TEST_CASE_REGIONS.contains(&region) {
        return Ok(());
    }
    Err(UserError::new(format!(
        "Amazon Connect test cases are not available in {region}"
    ))
    .hint(format!(
        "verify runs where the service runs test cases: {}",
        TEST_CASE_REGIONS.join(", ")
    )))
}

/// Runs the scenarios against the deployment. `interrupted` resolving (Ctrl-C) stops the run;
/// what it made is removed and the result is [`Interrupted`].
pub async fn run(
    target: &Target,
    name: &str,
    request: &Request,
    reporter: &Reporter,
    interrupted: impl Future<Output = ()>,
) -> anyhow::Result<VerifyReport> {
    let connect = &target.connect;
    let (region, account) = connect.region_account();
    let (region, account) = (region.to_string(), account.to_string());
    check_region(&region)?;
    let s3 = target.aws.s3();
    let bucket = artifacts::bucket_name(&account, &region);
    let witnessed = lock::witness(&s3, &bucket, name).await?;
    // Bad input is refused before the lock is taken: nothing is written then.
    let plan = read_plan(target, name, request, &region, &account, reporter).await?;
    let held = lock::acquire(
        &s3,
        &bucket,
        name,
        "verify",
        request.lock_timeout,
        &*reporter.progress_for("lock"),
    )
    .await?;
    // A run that changed the deployment while this one waited: read it again.
    let plan = match held.quiet_since(&witnessed).await {
        Ok(true) => Ok(plan),
        Ok(false) => read_plan(target, name, request, &region, &account, reporter).await,
        Err(err) => Err(err),
    };
    let report = match plan {
        Ok(plan) => run_locked(target, name, request, reporter, interrupted, plan).await,
        Err(err) => Err(err),
    };
    // Verify changes nothing of the deployment: the last-run marker stays as it was.
    let released = held.release(lock::Outcome::Unchanged).await;
    let report = report?;
    released?;
    Ok(report)
}

/// [`run`] under the deployment's lock, with what it read.
async fn run_locked(
    target: &Target,
    name: &str,
    request: &Request,
    reporter: &Reporter,
    interrupted: impl Future<Output = ()>,
    plan: Plan,
) -> anyhow::Result<VerifyReport> {
    let connect = &target.connect;
    let dynamodb = target.aws.dynamodb();
    reporter.phase("removing what an earlier verify left behind");
    let leftover_test_cases = sweep(connect, name, None).await?;
    let leftover_records = delete_records(&dynamodb, &plan, &every_reserved_number()).await?;
    let run_id = uuid::Uuid::new_v4().to_string();
    reporter.phase(format!(
        "running {} scenario(s), at most {MAX_RUNNING} at once",
        plan.scenarios.len()
    ));
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_RUNNING));
    let work = futures::future::join_all(plan.scenarios.iter().map(|scenario| {
        let limit = limit.clone();
        let plan = &plan;
        let dynamodb = &dynamodb;
        let run_id = &run_id;
        async move {
            let result = run_scenario(connect, dynamodb, plan, scenario, run_id, limit).await;
            match &result {
                Ok(result) if result.passed => reporter.phase(format!("{}: passed", scenario.name)),
                Ok(_) => reporter.warn(format!("{}: FAILED", scenario.name)),
                Err(_) => {}
            }
            result
        }
    }));
    let outcome = tokio::select! {
        results = work => Some(results),
        () = interrupted => None,
    };
    reporter.phase("removing the test cases and records this run made");
    let keep = request.keep && outcome.is_some();
    let test_cases_deleted = if keep {
        0
    } else {
        sweep(connect, name, Some(&run_id)).await?
    };
    let records_deleted = delete_records(&dynamodb, &plan, &numbers_of(&plan.scenarios)).await?;
    let Some(results) = outcome else {
        return Err(Interrupted {
            test_cases: test_cases_deleted,
            records: records_deleted,
        }
        .into());
    };
    let mut scenarios_out = Vec::new();
    for result in results {
        let mut result = result?;
        if !keep {
            result.test_case_id = None;
        }
        scenarios_out.push(result);
    }
    let passed = scenarios_out.iter().filter(|s| s.passed).count();
    Ok(VerifyReport {
        schema_version: 1,
        command: "verify",
        deployment: name.to_string(),
        instance: connect.instance_id.clone(),
        failed: scenarios_out.len() - passed,
        passed,
        cleanup: Cleanup {
            leftover_test_cases,
            leftover_records,
            test_cases_deleted,
            test_cases_kept: if keep { scenarios_out.len() } else { 0 },
            records_deleted,
        },
        scenarios: scenarios_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_without_test_cases_is_refused_naming_those_with_them() {
        assert!(check_region("eu-west-2").is_ok());
        let refusal = check_region("eu-west-1").unwrap_err();
        assert_eq!(
            refusal.message,
            "Amazon Connect test cases are not available in eu-west-1"
        );
        assert!(refusal.hints[0].contains("us-east-1"), "{refusal:?}");
        assert!(refusal.hints[0].contains("af-south-1"), "{refusal:?}");
    }
}
