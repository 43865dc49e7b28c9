//! Phone numbers (`--phone-number`, `--callback-phone-number`): a number claimed in the instance
//! pointed at a solution's entry flow. The Connect API has no call that reads a number's flow
//! back, so deploy records what it did as an instance tag
//! `connect-returns:<deployment>:phone:<number id>` = `<flow id we set> <previous flow id|unknown>`
//! (instance tags come with DescribeInstance, so this costs no extra read). Destroy points the
//! number back at the previous flow, or removes the association when the previous flow was not
//! known (a freshly claimed number has none).
//!
//! Read: one ListPhoneNumbersV2.

use std::collections::HashMap;

use anyhow::Context as _;

use super::{Connect, is_not_found};
use crate::resources::{Change, FieldDiff};

/// A number claimed in the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: String,
    pub arn: String,
    pub number: String,
}

/// What the instance tag says this deployment did to a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub flow_id: String,
    pub previous: Option<String>,
}

pub fn record_tag(deployment: &str, phone_id: &str) -> String {
    format!("connect-returns:{deployment}:phone:{phone_id}")
}

pub fn parse_record(value: &str) -> Record {
    let mut parts = value.split(' ');
    let flow_id = parts.next().unwrap_or_default().to_string();
    let previous = parts
        .next()
        .filter(|previous| *previous != "unknown" && !previous.is_empty())
        .map(str::to_string);
    Record { flow_id, previous }
}

/// Every number claimed in the instance.
pub async fn read_claimed(cx: &Connect) -> anyhow::Result<Vec<Claimed>> {
    let mut out = Vec::new();
    let mut pages = cx
        .client
        .list_phone_numbers_v2()
        .instance_id(&cx.instance_id)
        .max_results(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to list the instance's phone numbers")?;
        for item in page.list_phone_numbers_summary_list() {
            out.push(Claimed {
                id: item.phone_number_id().unwrap_or_default().to_string(),
                arn: item.phone_number_arn().unwrap_or_default().to_string(),
                number: item.phone_number().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(out)
}

/// A number for output and logs: country code and last two digits only.
pub fn masked(number: &str) -> String {
    let digits: Vec<char> = number.chars().collect();
    if digits.len() <= 5 {
        return "+***".into();
    }
    let head: String = digits[..3].iter().collect();
    let tail: String = digits[digits.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(digits.len() - 5))
}

/// What deploy would do (pure).
pub fn diff(record: Option<&Record>, flow_id: Option<&str>, flow_name: &str) -> Change {
    match (record, flow_id) {
        (Some(record), Some(flow_id)) if record.flow_id == flow_id => Change::NoOp,
        _ => Change::Update {
            fields: vec![FieldDiff::new(
                "contact flow",
                record
                    .map(|record| record.flow_id.clone())
                    .unwrap_or_else(|| "(as before)".into()),
                flow_id
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("{flow_name} (to be created)")),
            )],
            content_diff: None,
        },
    }
}

/// Points the number at `flow_id`, recording (first) what it did.
pub async fn apply(
    cx: &Connect,
    number: &Claimed,
    flow_id: &str,
    record: Option<&Record>,
) -> anyhow::Result<()> {
    let previous = record
        .and_then(|record| record.previous.clone())
        .unwrap_or_else(|| "unknown".into());
    let tags = HashMap::from([(
        record_tag(&cx.deployment, &number.id),
        format!("{flow_id} {previous}"),
    )]);
    cx.tag(&cx.instance_arn, tags).await?;
    cx.client
        .associate_phone_number_contact_flow()
        .instance_id(&cx.instance_id)
        .phone_number_id(&number.id)
        .contact_flow_id(flow_id)
        .send()
        .await
        .with_context(|| {
            format!(
                "failed to point phone number {} at its flow",
                masked(&number.number)
            )
        })?;
    Ok(())
}

/// Points the number back where it was and removes the record.
pub async fn restore(cx: &Connect, phone_id: &str, record: &Record) -> anyhow::Result<()> {
    let result = match &record.previous {
        Some(previous) => cx
            .client
            .associate_phone_number_contact_flow()
            .instance_id(&cx.instance_id)
            .phone_number_id(phone_id)
            .contact_flow_id(previous)
            .send()
            .await
            .map(|_| ())
            .map_err(anyhow::Error::from),
        None => match cx
            .client
            .disassociate_phone_number_contact_flow()
            .instance_id(&cx.instance_id)
            .phone_number_id(phone_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) if is_not_found(&err) => Ok(()),
            Err(err) => Err(anyhow::Error::from(err)),
        },
    };
    result.context("failed to restore a phone number's flow")?;
    cx.untag(&cx.instance_arn, vec![record_tag(&cx.deployment, phone_id)])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        assert_eq!(
            parse_record("f1 unknown"),
            Record {
                flow_id: "f1".into(),
                previous: None
            }
        );
        assert_eq!(
            parse_record("f1 f0"),
            Record {
                flow_id: "f1".into(),
                previous: Some("f0".into())
            }
        );
    }

    #[test]
    fn numbers_are_masked() {
        assert_eq!(masked("+12065550100"), "+12*******00");
        assert!(!masked("+12065550100").contains("5550"));
    }

    #[test]
    fn recorded_flow_is_noop() {
        let record = Record {
            flow_id: "f1".into(),
            previous: None,
        };
        assert_eq!(diff(Some(&record), Some("f1"), "x"), Change::NoOp);
        assert!(matches!(diff(None, Some("f1"), "x"), Change::Update { .. }));
    }
}
