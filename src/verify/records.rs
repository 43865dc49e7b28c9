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
pub(super) async fn delete_records(
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
