//! The scratch DynamoDB tables a scenario runs against: created with unique names, read back
//! after each step, deleted at the end.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use returns_lambdas::contract::table;

pub(super) struct Tables {
    pub(super) return_calls: String,
    pub(super) callbacks: String,
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos:x}", std::process::id())
}

pub(super) async fn create_tables(db: &aws_sdk_dynamodb::Client) -> anyhow::Result<Tables> {
    let suffix = unique_suffix();
    let tables = Tables {
        return_calls: format!("simulate-returnCalls-{suffix}"),
        callbacks: format!("simulate-callbacks-{suffix}"),
    };
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    db.create_table()
        .table_name(&tables.return_calls)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(table::RETURN_CALLS_KEY)?)
        .key_schema(key(table::RETURN_CALLS_KEY, KeyType::Hash)?)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot create the scratch table {}: {}",
                tables.return_calls,
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        })?;
    let created = db
        .create_table()
        .table_name(&tables.callbacks)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(table::CALLBACKS_PARTITION_KEY)?)
        .attribute_definitions(attr(table::CALLBACKS_SORT_KEY)?)
        .key_schema(key(table::CALLBACKS_PARTITION_KEY, KeyType::Hash)?)
        .key_schema(key(table::CALLBACKS_SORT_KEY, KeyType::Range)?)
        .send()
        .await;
    if let Err(e) = created {
        let _ = db
            .delete_table()
            .table_name(&tables.return_calls)
            .send()
            .await;
        anyhow::bail!(
            "cannot create the scratch table {}: {}",
            tables.callbacks,
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        );
    }
    Ok(tables)
}

pub(super) async fn delete_tables(db: &aws_sdk_dynamodb::Client, tables: &Tables) {
    for t in [&tables.return_calls, &tables.callbacks] {
        if let Err(e) = db.delete_table().table_name(t).send().await {
            tracing::warn!(table = %t, error = %aws_sdk_dynamodb::error::DisplayErrorContext(e), "scratch table not deleted");
        }
    }
}

pub(super) async fn read_record(
    db: &aws_sdk_dynamodb::Client,
    tables: &Tables,
    number: &str,
    queue: Option<&str>,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let Some(region) = returns_lambdas::phone::region("US") else {
        return Ok(None);
    };
    let Ok(phone) = returns_lambdas::phone::normalize(number, region) else {
        return Ok(None);
    };
    let request = match queue {
        None => db.get_item().table_name(&tables.return_calls).key(
            table::RETURN_CALLS_KEY,
            AttributeValue::S(phone.e164().to_string()),
        ),
        Some(q) => db
            .get_item()
            .table_name(&tables.callbacks)
            .key(
                table::CALLBACKS_PARTITION_KEY,
                AttributeValue::S(phone.e164().to_string()),
            )
            .key(table::CALLBACKS_SORT_KEY, AttributeValue::S(q.to_string())),
    };
    let out = request.consistent_read(true).send().await.map_err(|e| {
        format!(
            "cannot read the record: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        )
    })?;
    Ok(out.item.map(|item| {
        item.into_iter()
            .map(|(k, v)| {
                let v = match v {
                    AttributeValue::S(s) => s,
                    AttributeValue::N(n) => n,
                    AttributeValue::Bool(b) => b.to_string(),
                    other => format!("{other:?}"),
                };
                (k, v)
            })
            .collect()
    }))
}
