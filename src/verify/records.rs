//! The test records: what a scenario needs seeded under its reserved number, and their
//! removal.

use std::collections::HashMap;

use anyhow::Context as _;
use aws_sdk_dynamodb::types::AttributeValue;

use super::scenarios::{Scenario, Seed};
use super::*;
use crate::assets::Solution;
use returns_lambdas::records::{Callback, ReturnCall};

/// Writes what `scenario` needs before the call (a record under its reserved number).
pub(super) async fn seed(
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
            queue_name: plan.queue_names.get(queue).cloned().unwrap_or_default(),
            queue_arn: plan
                .deployed
                .queue_arns
                .get(queue)
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

/// The reserved number of each of `scenarios`, by solution (what [`delete_records`] takes).
pub(super) fn numbers_of(scenarios: &[Scenario]) -> Vec<(Solution, String)> {
    scenarios
        .iter()
        .map(|scenario| (scenario.solution, scenario.caller()))
        .collect()
}

/// Every reserved number any scenario can have, by solution: what an earlier run may have left.
pub(super) fn every_reserved_number() -> Vec<(Solution, String)> {
    Solution::ALL
        .into_iter()
        .flat_map(|solution| {
            super::scenarios::reserved_numbers(solution)
                .into_iter()
                .map(move |number| (solution, number))
        })
        .collect()
}

/// Deletes every record under `numbers` (reserved numbers, by solution); how many existed.
pub(super) async fn delete_records(
    dynamodb: &aws_sdk_dynamodb::Client,
    plan: &Plan,
    numbers: &[(Solution, String)],
) -> anyhow::Result<usize> {
    use returns_lambdas::contract::table as attr;
    let mut deleted = 0;
    for (solution, number) in numbers {
        let Some(table) = plan.tables.get(solution) else {
            continue;
        };
        let mut key = HashMap::new();
        match solution {
            Solution::ReturningCallers => {
                key.insert(
                    attr::RETURN_CALLS_KEY.to_string(),
                    AttributeValue::S(number.clone()),
                );
            }
            Solution::Callbacks => {
                key.insert(
                    attr::CALLBACKS_PARTITION_KEY.to_string(),
                    AttributeValue::S(number.clone()),
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
            .with_context(|| format!("failed to delete the test record in {table}"))?;
        if old.attributes().is_some_and(|item| !item.is_empty()) {
            deleted += 1;
        }
    }
    Ok(deleted)
}
