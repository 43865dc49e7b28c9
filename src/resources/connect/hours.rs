//! Hours of operation: looked up by name (`--hours`, default "Basic Hours"), never created.

use anyhow::Context as _;

use super::Connect;

/// An hours-of-operation record found in the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hours {
    pub id: String,
    pub arn: String,
    pub name: String,
}

/// Every hours record of the instance (one paginated list call).
pub async fn read_all(connect: &Connect) -> anyhow::Result<Vec<Hours>> {
    let mut out = Vec::new();
    let mut pages = connect
        .client
        .list_hours_of_operations()
        .instance_id(&connect.instance_id)
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to list hours of operation")?;
        for item in page.hours_of_operation_summary_list() {
            out.push(Hours {
                id: item.id().unwrap_or_default().to_string(),
                arn: item.arn().unwrap_or_default().to_string(),
                name: item.name().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(out)
}

/// The record named `name`, if any (pure).
pub fn find<'a>(all: &'a [Hours], name: &str) -> Option<&'a Hours> {
    all.iter().find(|hours| hours.name == name)
}
