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
pub mod scenarios;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_connect::types::{
    TestCaseEntryPoint, TestCaseEntryPointType, TestCaseExecutionStatus,
    VoiceCallEntryPointParameters,
};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;

use crate::assets::Solution;
use crate::deploy::Target;
use crate::deploy::model::Settings;
use crate::deploy::{lock, record};
use crate::error::UserError;
use crate::report::Reporter;
use crate::resources::TAG_DEPLOYMENT as OWNER_TAG;
use crate::resources::connect::{Connect, flows, queues};
use crate::resources::{artifacts, stack};
use returns_lambdas::records::{Callback, ReturnCall};
use scenarios::{Deployed, Scenario, Seed};

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

/// Everything a run works with, read once.
struct Plan {
    settings: Settings,
    deployed: Deployed,
    /// Entry flow id by solution.
    entry_flows: BTreeMap<Solution, String>,
    /// Table name by solution.
    tables: BTreeMap<Solution, String>,
    /// Queue name (as deployed) by shipped name.
    queue_names: BTreeMap<String, String>,
    scenarios: Vec<Scenario>,
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
    let leftover_records = delete_records(&dynamodb, &plan, &scenarios::all()).await?;
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
    let records_deleted = delete_records(&dynamodb, &plan, &plan.scenarios).await?;
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

/// Reads what the scenarios need: the record's settings, the entry flows, queues, Lambda ARNs
/// and tables. A deployment that lacks one is bad input (nothing was changed yet).
async fn read_plan(
    target: &Target,
    name: &str,
    request: &Request,
    region: &str,
    account: &str,
    reporter: &Reporter,
) -> anyhow::Result<Plan> {
    let connect = &target.connect;
    let bucket = artifacts::bucket_name(account, region);
    let record = record::read(&target.aws.s3(), &bucket, name)
        .await?
        .filter(|record| record.instance_arn == connect.instance_arn);
    let Some(record) = record else {
        return Err(UserError::new(format!(
            "no deployment {name} in instance {}: verify proves what deploy made",
            connect.instance_id
        ))
        .hint("run `connect-returns deploy` first, or pass the --name it was deployed with")
        .into());
    };
    let settings = Settings {
        name: name.to_string(),
        ..record.settings
    };
    let solutions: Vec<Solution> = Solution::ALL
        .into_iter()
        .filter(|solution| match solution {
            Solution::ReturningCallers => settings.returning_callers(),
            Solution::Callbacks => settings.callbacks(),
        })
        .collect();
    let every = scenarios::all();
    let chosen: Vec<Scenario> = if request.scenarios.is_empty() {
        every
            .iter()
            .filter(|s| solutions.contains(&s.solution))
            .cloned()
            .collect()
    } else {
        let mut chosen = Vec::new();
        for wanted in &request.scenarios {
            let Some(scenario) = every.iter().find(|s| s.name == wanted) else {
                let names: Vec<&str> = every.iter().map(|s| s.name).collect();
                return Err(UserError::new(format!("unknown scenario {wanted:?}"))
                    .hint(format!("pass --scenario with one of: {}", names.join(", ")))
                    .into());
            };
            if !solutions.contains(&scenario.solution) {
                return Err(UserError::new(format!(
                    "scenario {wanted} is a {} path, which deployment {name} does not have",
                    scenario.solution.id()
                ))
                .hint("deploy that solution, or leave the scenario out")
                .into());
            }
            if !chosen.iter().any(|s: &Scenario| s.name == scenario.name) {
                chosen.push(scenario.clone());
            }
        }
        chosen
    };
    reporter.phase(format!(
        "reading deployment {name}'s flows, queues and stacks"
    ));
    let names = crate::deploy::observe::queue_names(&settings);
    let (flows, queues, stacks) = tokio::try_join!(
        flows::read_all(connect),
        queues::read_named(connect, &names),
        async {
            let cfn = target.aws.cloudformation();
            let mut out = BTreeMap::new();
            for solution in &solutions {
                let stack_name = stack::stack_name(name, solution.id())?;
                if let Some(current) = stack::read(&cfn, &stack_name).await? {
                    out.insert(*solution, current);
                }
            }
            anyhow::Ok(out)
        }
    )?;
    let mut deployed = Deployed {
        callback_queue: settings.callback_queue.clone(),
        ..Deployed::default()
    };
    let mut queue_names = BTreeMap::new();
    for shipped in settings
        .menu
        .names()
        .map(|queue| queue.to_string())
        .chain([settings.callback_queue.clone()])
    {
        let deployed_name = if shipped == settings.callback_queue {
            shipped.clone()
        } else {
            settings.named(&shipped)
        };
        if let Some(queue) = queues.get(&deployed_name) {
            deployed
                .queue_arns
                .insert(shipped.clone(), queue.arn.clone());
            queue_names.insert(shipped, deployed_name);
        }
    }
    let mut entry_flows = BTreeMap::new();
    let mut tables = BTreeMap::new();
    for solution in &solutions {
        let (flow, table_output) = match solution {
            Solution::ReturningCallers => ("repeatCallerFlow", "ReturnCallsTableName"),
            Solution::Callbacks => ("cfSetCallBackflow", "CallbacksTableName"),
        };
        let flow_name = settings.named(flow);
        match flows.get(&flow_name) {
            Some(found) if found.published => {
                entry_flows.insert(*solution, found.id.clone());
            }
            _ => {
                return Err(UserError::new(format!(
                    "deployment {name} has no published flow {flow_name}"
                ))
                .hint("run `connect-returns deploy` to restore it, then verify again")
                .into());
            }
        }
        let Some(stack) = stacks.get(solution) else {
            return Err(UserError::new(format!(
                "deployment {name} has no {} stack",
                solution.id()
            ))
            .hint("run `connect-returns deploy` to restore it, then verify again")
            .into());
        };
        if let Some(table) = stack.outputs.get(table_output) {
            tables.insert(*solution, table.clone());
        }
        for function in returns_lambdas::contract::Function::ALL.map(|f| f.id()) {
            if let Some(arn) =
                crate::assets::lambda_output(function).and_then(|output| stack.outputs.get(output))
            {
                deployed
                    .lambda_arns
                    .insert(function.to_string(), arn.clone());
            }
        }
    }
    // Every scenario's content must render against what exists, before anything is made.
    for scenario in &chosen {
        content::render(scenario, &deployed).map_err(|lack| {
            UserError::new(format!("scenario {} cannot run: {lack}", scenario.name))
                .hint("run `connect-returns deploy` to restore the deployment, then verify again")
        })?;
        if !tables.contains_key(&scenario.solution) {
            return Err(UserError::new(format!(
                "scenario {} cannot run: the {} stack names no table",
                scenario.name,
                scenario.solution.id()
            ))
            .hint("run `connect-returns deploy` to restore the deployment, then verify again")
            .into());
        }
    }
    Ok(Plan {
        settings,
        deployed,
        entry_flows,
        tables,
        queue_names,
        scenarios: chosen,
    })
}

/// Seeds, creates, runs and reads one scenario. The semaphore is held while its execution
/// runs, so at most [`MAX_RUNNING`] run at once.
async fn run_scenario(
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
        .description(scenario.description)
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
fn judge(
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
        by_id(step.id).is_none_or(|record| record["Status"].as_str() != Some("PASSED"))
    });
    let mut observed = BTreeMap::new();
    if let Some(last) = scenario.steps.last().and_then(|step| by_id(step.id))
        && let Some(logged) = last["LoggedData"].as_object()
    {
        for (key, value) in logged {
            observed.insert(key.clone(), text(value));
        }
    }
    let passed = status == TestCaseExecutionStatus::Passed && failed_step.is_none();
    let (failed_observation, expected, seen, message) = match failed_step {
        Some(step) if !passed => {
            let record = by_id(step.id);
            (
                Some(step.id.to_string()),
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
        name: scenario.name.to_string(),
        solution: scenario.solution.id().to_string(),
        description: scenario.description.to_string(),
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

async fn stop_execution(
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

/// Deletes the verify test cases of deployment `name` (of run `run_id` only, when given):
/// running executions are stopped first. Returns how many were deleted.
async fn sweep(connect: &Connect, name: &str, run_id: Option<&str>) -> anyhow::Result<usize> {
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

/// Writes what `scenario` needs before the call (a record under its reserved number).
async fn seed(
    dynamodb: &aws_sdk_dynamodb::Client,
    plan: &Plan,
    scenario: &Scenario,
) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let table = &plan.tables[&scenario.solution];
    let item: HashMap<String, AttributeValue> = match &scenario.seed {
        Seed::Nothing => return Ok(()),
        Seed::LastCall { queue } => serde_dynamo::to_item(ReturnCall {
            phone_number: scenario.caller(),
            queue_name: plan.queue_names.get(*queue).cloned().unwrap_or_default(),
            queue_arn: plan
                .deployed
                .queue_arns
                .get(*queue)
                .cloned()
                .unwrap_or_default(),
            agent_name: "verify".to_string(),
            agent_arn: String::new(),
            contact_id: String::new(),
            updated_at: now,
            expiry_time: now + 3600,
        })?,
        Seed::PendingCallback => serde_dynamo::to_item(Callback {
            phone_number: scenario.caller(),
            queue_name: plan.deployed.callback_queue.clone(),
            queue_arn: plan
                .deployed
                .queue_arns
                .get(&plan.deployed.callback_queue)
                .cloned()
                .unwrap_or_default(),
            contact_id: String::new(),
            next_contact_id: None,
            status: "PENDING".to_string(),
            created_at: now,
            updated_at: now,
            expiry_time: now + 3600,
        })?,
    };
    dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .with_context(|| format!("failed to seed scenario {}'s record", scenario.name))?;
    Ok(())
}

/// Deletes every record under the reserved numbers of `scenarios`; how many existed.
async fn delete_records(
    dynamodb: &aws_sdk_dynamodb::Client,
    plan: &Plan,
    scenarios: &[Scenario],
) -> anyhow::Result<usize> {
    use returns_lambdas::contract::table as attr;
    let mut deleted = 0;
    for scenario in scenarios {
        let Some(table) = plan.tables.get(&scenario.solution) else {
            continue;
        };
        let mut key = HashMap::new();
        match scenario.solution {
            Solution::ReturningCallers => {
                key.insert(
                    attr::RETURN_CALLS_KEY.to_string(),
                    AttributeValue::S(scenario.caller()),
                );
            }
            Solution::Callbacks => {
                key.insert(
                    attr::CALLBACKS_PARTITION_KEY.to_string(),
                    AttributeValue::S(scenario.caller()),
                );
                key.insert(
                    attr::CALLBACKS_SORT_KEY.to_string(),
                    AttributeValue::S(plan.deployed.callback_queue.clone()),
                );
            }
        }
        let old = dynamodb
            .delete_item()
            .table_name(table)
            .set_key(Some(key))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .with_context(|| format!("failed to delete scenario {}'s record", scenario.name))?;
        if old.attributes().is_some_and(|item| !item.is_empty()) {
            deleted += 1;
        }
    }
    Ok(deleted)
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

    #[test]
    fn the_first_observation_that_did_not_pass_is_reported_with_what_was_seen() {
        let scenario = scenarios::all()
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
