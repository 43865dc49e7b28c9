//! The removal of the test cases `verify` made, found by tag: those of this run at its end,
//! and those an earlier, killed run left.

use anyhow::Context as _;
use aws_sdk_connect::types::TestCaseExecutionStatus;

use super::*;
use crate::resources::TAG_DEPLOYMENT as OWNER_TAG;
use crate::resources::connect::Connect;

/// Deletes the verify test cases of deployment `name` (of run `run_id` only, when given):
/// running executions are stopped first. Returns how many were deleted.
pub(super) async fn sweep(
    connect: &Connect,
    name: &str,
    run_id: Option<&str>,
) -> anyhow::Result<usize> {
    let mut ours = Vec::new();
    let mut token = None;
    loop {
        let page = connect
            .client
            .search_test_cases()
            .instance_id(&connect.instance_id)
            .set_next_token(token)
            .send()
            .await
            .context("failed to search the instance's test cases")?;
        for test_case in page.test_cases() {
            let tags = test_case.tags().cloned().unwrap_or_default();
            let of_deployment = tags.get(OWNER_TAG).map(String::as_str) == Some(name);
            let of_run = match (run_id, tags.get(RUN_TAG)) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(wanted), Some(run)) => run == wanted,
            };
            if of_deployment
                && of_run
                && let Some(id) = test_case.id()
            {
                ours.push(id.to_string());
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    for test_case_id in &ours {
        let executions = connect
            .client
            .list_test_case_executions()
            .instance_id(&connect.instance_id)
            .test_case_id(test_case_id)
            .send()
            .await
            .context("failed to list a test case's executions")?;
        for execution in executions.test_case_executions() {
            if matches!(
                execution.test_case_execution_status(),
                Some(TestCaseExecutionStatus::Initiated | TestCaseExecutionStatus::InProgress)
            ) && let Some(execution_id) = execution.test_case_execution_id()
            {
                stop_execution(connect, test_case_id, execution_id).await?;
            }
        }
        connect
            .client
            .delete_test_case()
            .instance_id(&connect.instance_id)
            .test_case_id(test_case_id)
            .send()
            .await
            .context("failed to delete a test case verify made")?;
    }
    Ok(ours.len())
}
