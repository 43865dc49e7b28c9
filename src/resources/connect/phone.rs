//! Phone numbers (`--phone-number`, `--callback-phone-number`): a number claimed in the instance
//! pointed at a solution's entry flow. Before the first change of a number, deploy reads the
//! flow it points at (ListFlowAssociations, VOICE_PHONE_NUMBER) and records what it does as an
//! instance tag `connect-returns:<deployment>:phone:<number id>` =
//! `<flow id we set> <previous flow id|none|unknown>` (instance tags come with DescribeInstance,
//! so later runs cost no extra read). Destroy points the number back at the previous flow, or
//! removes the association when the number had none (`none`; `unknown` is what older records say).
//!
//! Read: one ListPhoneNumbersV2; ListFlowAssociations only when a number is first pointed.

use std::collections::HashMap;

use anyhow::Context as _;

use aws_sdk_connect::types::ListFlowAssociationResourceType;

use super::{Connect, id_from_arn, is_not_found};
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
        .filter(|previous| !matches!(*previous, "unknown" | "none" | ""))
        .map(str::to_string);
    Record { flow_id, previous }
}

/// Every number claimed in the instance.
pub async fn read_claimed(connect: &Connect) -> anyhow::Result<Vec<Claimed>> {
    let mut out = Vec::new();
    let mut pages = connect
        .client
        .list_phone_numbers_v2()
        .instance_id(&connect.instance_id)
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

/// The id of the flow the number points at now, `None` when it has none.
pub async fn read_flow(connect: &Connect, number: &Claimed) -> anyhow::Result<Option<String>> {
    let mut pages = connect
        .client
        .list_flow_associations()
        .instance_id(&connect.instance_id)
        .resource_type(ListFlowAssociationResourceType::VoicePhoneNumber)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.with_context(|| {
            format!(
                "failed to read the flow of phone number {}",
                masked(&number.number)
            )
        })?;
        for summary in page.flow_association_summary_list() {
            let resource = summary.resource_id().unwrap_or_default();
            if resource == number.arn || resource == number.id {
                return Ok(summary.flow_id().map(|flow| id_from_arn(flow).to_string()));
            }
        }
    }
    Ok(None)
}

/// The flow every number of the instance points at, by number id (one paginated
/// ListFlowAssociations). Read when the deployment has pointed numbers, so a number re-pointed
/// by someone else is seen.
pub async fn read_flows(connect: &Connect) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    let mut pages = connect
        .client
        .list_flow_associations()
        .instance_id(&connect.instance_id)
        .resource_type(ListFlowAssociationResourceType::VoicePhoneNumber)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("failed to read which flows the phone numbers point at")?;
        for summary in page.flow_association_summary_list() {
            if let (Some(resource), Some(flow)) = (summary.resource_id(), summary.flow_id()) {
                out.insert(
                    id_from_arn(resource).to_string(),
                    id_from_arn(flow).to_string(),
                );
            }
        }
    }
    Ok(out)
}

/// True when the number no longer points at the flow this deployment set (someone re-pointed
/// it). Unknown (`None`) when the associations were not read.
pub fn repointed(record: &Record, phone_id: &str, flows: Option<&HashMap<String, String>>) -> bool {
    flows.is_some_and(|flows| flows.get(phone_id) != Some(&record.flow_id))
}

/// The previous-flow part of a record: `none` when the number had no flow.
pub fn previous_token(previous: Option<&str>) -> String {
    previous.unwrap_or("none").to_string()
}

/// Points the number at `flow_id`, recording (first) what it did. A number without a record is
/// read first, so destroy can put back the flow it pointed at.
pub async fn apply(
    connect: &Connect,
    number: &Claimed,
    flow_id: &str,
    record: Option<&Record>,
) -> anyhow::Result<()> {
    let previous = match record {
        Some(record) => record.previous.clone().unwrap_or_else(|| "none".into()),
        None => {
            let now = read_flow(connect, number).await?;
            // Already ours without a record (a lost tag): nothing earlier is known.
            previous_token(now.as_deref().filter(|now| *now != flow_id))
        }
    };
    let tags = HashMap::from([(
        record_tag(&connect.deployment, &number.id),
        format!("{flow_id} {previous}"),
    )]);
    connect.tag(&connect.instance_arn, tags).await?;
    connect
        .client
        .associate_phone_number_contact_flow()
        .instance_id(&connect.instance_id)
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
pub async fn restore(connect: &Connect, phone_id: &str, record: &Record) -> anyhow::Result<()> {
    let result = match &record.previous {
        Some(previous) => connect
            .client
            .associate_phone_number_contact_flow()
            .instance_id(&connect.instance_id)
            .phone_number_id(phone_id)
            .contact_flow_id(previous)
            .send()
            .await
            .map(|_| ())
            .map_err(anyhow::Error::from),
        None => match connect
            .client
            .disassociate_phone_number_contact_flow()
            .instance_id(&connect.instance_id)
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
    forget(connect, phone_id).await
}

/// Removes this deployment's record of a number and leaves the number as it is (someone
/// pointed it elsewhere since: that association is theirs).
pub async fn forget(connect: &Connect, phone_id: &str) -> anyhow::Result<()> {
    connect
        .untag(
            &connect.instance_arn,
            vec![record_tag(&connect.deployment, phone_id)],
        )
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
        assert_eq!(parse_record("f1 none").previous, None);
        assert_eq!(
            parse_record(&format!("f1 {}", previous_token(None))).previous,
            None
        );
        assert_eq!(
            parse_record(&format!("f1 {}", previous_token(Some("f0")))).previous,
            Some("f0".into())
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
