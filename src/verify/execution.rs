//! One scenario as a test case: seed, create, run (within the limit of executions at once), read
//! its observation records, and judge them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_connect::types::{
    TestCaseEntryPoint, TestCaseEntryPointType, TestCaseExecutionStatus,
    VoiceCallEntryPointParameters,
};

use super::scenarios::Scenario;
use super::*;
use crate::resources::TAG_DEPLOYMENT as OWNER_TAG;
use crate::resources::connect::Connect;

/// Seeds, creates, runs and reads one scenario. The semaphore is held while its execution
/// runs, so at most [`MAX_RUNNING`] run at once.
pub(super) async fn run_scenario(
    connect: &Connect,
    dynamodb: &aws_sdk_dynamodb::Client,
    plan: &Plan,
    scenario: &Scenario,
    run_id: &str,
    limit: Arc<tokio::sync::Semaphore>,
) -> anyhow::Result<ScenarioResult> {
    seed(dynamodb, plan, scenario).await?;
    let body = content::render(scenario, &plan.deployed).map_err(anyhow::Error::msg)?;
    let entry = TestCaseEntryPoint::builder()
        .r#type(TestCaseEntryPointType::VoiceCall)
        .voice_call_entry_point_parameters(
            VoiceCallEntryPointParameters::builder()
                .flow_id(&plan.entry_flows[&scenario.solution])
                .source_phone_number(scenario.caller())
                .build(),
        )
        .build();
    let short_run: String = run_id.chars().take(8).collect();
    let created = connect
        .client
        .create_test_case()
        .instance_id(&connect.instance_id)
        .name(format!(
            "verify-{}-{}-{short_run}",
            plan.settings.name, scenario.name
        ))
        .description(&scenario.description)
        .content(body)
        .entry_point(entry)
        .tags(OWNER_TAG, &plan.settings.name)
        .tags(RUN_TAG, run_id)
        .send()
        .await
        .with_context(|| {
            format!(
                "failed to create the test case of scenario {}",
                scenario.name
            )
        })?;
    let test_case_id = created
        .test_case_id()
        .context("CreateTestCase returned no id")?
        .to_string();
    let _running = limit.acquire_owned().await?;
    let started = connect
        .client
        .start_test_case_execution()
        .instance_id(&connect.instance_id)
        .test_case_id(&test_case_id)
        .client_token(format!("{run_id}-{}", scenario.name))
        .send()
        .await
        .with_context(|| format!("failed to start scenario {}", scenario.name))?;
    let execution_id = started
        .test_case_execution_id()
        .context("StartTestCaseExecution returned no id")?
        .to_string();
    let deadline = Instant::now() + EXECUTION_LIMIT + Duration::from_secs(60);
    let status = loop {
        let summary = connect
            .client
            .get_test_case_execution_summary()
            .instance_id(&connect.instance_id)
            .test_case_id(&test_case_id)
            .test_case_execution_id(&execution_id)
            .send()
            .await
            .with_context(|| format!("failed to read scenario {}'s execution", scenario.name))?;
        let status = summary
            .status()
            .cloned()
            .unwrap_or(TestCaseExecutionStatus::InProgress);
        if !matches!(
            status,
            TestCaseExecutionStatus::Initiated | TestCaseExecutionStatus::InProgress
        ) {
            break status;
        }
        if Instant::now() >= deadline {
            stop_execution(connect, &test_case_id, &execution_id).await?;
            break TestCaseExecutionStatus::Stopped;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    };
    drop(_running);
    let mut records = Vec::new();
    let mut token = None;
    loop {
        let page = connect
            .client
            .list_test_case_execution_records()
            .instance_id(&connect.instance_id)
            .test_case_id(&test_case_id)
            .test_case_execution_id(&execution_id)
            .set_next_token(token)
            .send()
            .await
            .with_context(|| format!("failed to read scenario {}'s records", scenario.name))?;
        for record in page.execution_records() {
            let text = record.record().unwrap_or_default();
            records.push(
                serde_json::from_str::<serde_json::Value>(text)
                    .unwrap_or_else(|_| serde_json::json!({"Message": text})),
            );
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(judge(scenario, status, &records, test_case_id))
}

/// The verdict from the execution status and its records, in the content's observation order.
pub(super) fn judge(
    scenario: &Scenario,
    status: TestCaseExecutionStatus,
    records: &[serde_json::Value],
    test_case_id: String,
) -> ScenarioResult {
    let by_id = |id: &str| {
        records
            .iter()
            .find(|record| record["ObservationId"].as_str() == Some(id))
    };
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let failed_step = scenario.steps.iter().find(|step| {
        by_id(&step.id).is_none_or(|record| record["Status"].as_str() != Some("PASSED"))
    });
    let mut observed = BTreeMap::new();
    if let Some(last) = scenario.steps.last().and_then(|step| by_id(&step.id))
        && let Some(logged) = last["LoggedData"].as_object()
    {
        for (key, value) in logged {
            observed.insert(key.clone(), text(value));
        }
    }
    let passed = status == TestCaseExecutionStatus::Passed && failed_step.is_none();
    let (failed_observation, expected, seen, message) = match failed_step {
        Some(step) if !passed => {
            let record = by_id(&step.id);
            (
                Some(step.id.clone()),
                record
                    .map(|r| text(&r["Expected"]))
                    .filter(|e| !e.is_empty()),
                record
                    .and_then(|r| r["SeenWhileWaiting"].as_array())
                    .map(|seen| seen.iter().map(text).collect())
                    .unwrap_or_default(),
                record
                    .map(|r| text(&r["Message"]))
                    .filter(|m| !m.is_empty()),
            )
        }
        _ => (None, None, Vec::new(), None),
    };
    ScenarioResult {
        name: scenario.name.clone(),
        solution: scenario.solution.id().to_string(),
        description: scenario.description.clone(),
        passed,
        ends: scenario.ending(),
        test_case_id: Some(test_case_id),
        execution_status: status.as_str().to_string(),
        failed_observation,
        expected,
        seen,
        message,
        observed,
    }
}

pub(super) async fn stop_execution(
    connect: &Connect,
    test_case_id: &str,
    execution_id: &str,
) -> anyhow::Result<()> {
    let answer = connect
        .client
        .stop_test_case_execution()
        .instance_id(&connect.instance_id)
        .test_case_id(test_case_id)
        .test_case_execution_id(execution_id)
        .send()
        .await;
    match answer {
        Ok(_) => Ok(()),
        // It ended meanwhile.
        Err(err)
            if aws_sdk_connect::error::ProvideErrorMetadata::code(&err)
                == Some("InvalidRequestException") =>
        {
            Ok(())
        }
        Err(err) => Err(err).context("failed to stop a test case execution"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_observation_that_did_not_pass_is_reported_with_what_was_seen() {
        let scenario = scenarios::for_experience(&Default::default())
            .into_iter()
            .find(|s| s.name == "new-caller-sales")
            .unwrap();
        let records = vec![
            serde_json::json!({"ObservationId": "looks-up-caller", "Status": "PASSED"}),
            serde_json::json!({"ObservationId": "main-menu", "Status": "PASSED"}),
            serde_json::json!({"ObservationId": "transfer-to-sales", "Status": "FAILED",
                "Expected": "TransferContactToQueue Sales", "SeenWhileWaiting": ["TransferContactToQueue Service"]}),
        ];
        let result = judge(
            &scenario,
            TestCaseExecutionStatus::Failed,
            &records,
            "t".into(),
        );
        assert!(!result.passed);
        assert_eq!(
            result.failed_observation.as_deref(),
            Some("transfer-to-sales")
        );
        assert_eq!(result.seen, ["TransferContactToQueue Service"]);
        let all_passed: Vec<_> = records
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["Status"] = "PASSED".into();
                r
            })
            .collect();
        assert!(
            judge(
                &scenario,
                TestCaseExecutionStatus::Passed,
                &all_passed,
                "t".into()
            )
            .passed
        );
        // A PASSED verdict without a record of every observation is not a pass.
        assert!(
            !judge(
                &scenario,
                TestCaseExecutionStatus::Passed,
                &all_passed[..2],
                "t".into()
            )
            .passed
        );
    }
}
