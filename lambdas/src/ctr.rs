//! processCtr: reads contact trace records from the Kinesis stream Connect streams CTRs to and, for
//! the contact that requested a callback, records the queued callback's contact id (the CTR's
//! `NextContactId`, a plain string) on the callback record while it is still PENDING.
//!
//! Partial batch failures: a record whose update failed for a transient reason (DynamoDB error) is
//! returned in `batchItemFailures` so Lambda retries it; an undecodable ("poison") record is logged
//! and skipped, because retrying it could never succeed and would block the shard.

use crate::contract::{self, Function};
use crate::phone;
use crate::records::attr;
use crate::{Deps, clock};
use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What one Kinesis record means for the callbacks table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// Not decodable; skipped (never retried).
    Poison {
        /// Its sequence number, if it had one.
        sequence: Option<String>,
        /// Why (no phone numbers).
        why: String,
    },
    /// A valid CTR that carries nothing for the callbacks table.
    Ignored {
        /// Its sequence number.
        sequence: String,
    },
    /// Record `next_contact_id` on the callback requested by `contact_id`.
    Update {
        /// Its sequence number (reported on failure).
        sequence: String,
        /// Callback number, E.164.
        phone: String,
        /// Masked callback number for logs.
        masked: String,
        /// Queue name.
        queue_name: String,
        /// The contact that requested the callback.
        contact_id: String,
        /// The queued callback contact.
        next_contact_id: String,
    },
}

#[derive(Debug, Deserialize)]
struct Ctr {
    #[serde(rename = "ContactId", default)]
    contact_id: Option<String>,
    #[serde(rename = "NextContactId", default)]
    next_contact_id: Option<String>,
    #[serde(rename = "Attributes", default)]
    attributes: Option<HashMap<String, Value>>,
    #[serde(rename = "Queue", default)]
    queue: Option<CtrQueue>,
}

#[derive(Debug, Deserialize)]
struct CtrQueue {
    #[serde(rename = "Name", default)]
    name: Option<String>,
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 1024)
}

/// Decodes one raw Kinesis record (pure; used by [`process`] and the property tests).
pub fn decode(raw: &Value) -> Decoded {
    let sequence = raw
        .pointer("/kinesis/sequenceNumber")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let poison = |why: &str| Decoded::Poison {
        sequence: sequence.clone(),
        why: why.to_string(),
    };
    let Some(seq) = sequence.clone() else {
        return poison("record has no sequence number");
    };
    let record = match KinesisEventRecord::deserialize(raw) {
        Ok(r) => r,
        Err(_) => return poison("not a kinesis record with base64 data"),
    };
    let ctr: Ctr = match serde_json::from_slice(&record.kinesis.data.0) {
        Ok(c) => c,
        Err(_) => return poison("data is not a contact trace record"),
    };
    let ignored = Decoded::Ignored {
        sequence: seq.clone(),
    };
    let attrs = ctr.attributes.unwrap_or_default();
    let Some(next) = ctr
        .next_contact_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 256)
    else {
        return ignored;
    };
    let Some(contact_id) = ctr
        .contact_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 256)
    else {
        return ignored;
    };
    let Some(number) = text(attrs.get(contract::CALLBACK_NUMBER)) else {
        return ignored;
    };
    let queue_name = text(attrs.get(contract::QUEUE_NAME)).or_else(|| {
        ctr.queue
            .as_ref()
            .and_then(|q| q.name.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 1024)
    });
    let Some(queue_name) = queue_name else {
        return ignored;
    };
    let phone = match phone::normalize(number, phone::HOME_REGION) {
        Ok(p) => p,
        Err(_) => return poison("callback number in the ctr is not a valid phone number"),
    };
    Decoded::Update {
        sequence: seq,
        masked: phone.masked(),
        phone: phone.e164().to_string(),
        queue_name: queue_name.to_string(),
        contact_id: contact_id.to_string(),
        next_contact_id: next.to_string(),
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

/// Processes a Kinesis event; returns the KinesisEventResponse JSON.
pub async fn process(event: &Value, deps: &Deps) -> Value {
    let function = Function::ProcessCtr;
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        tracing::error!(function = %function, "event has no Records array; nothing to do");
        return json!({ "batchItemFailures": [] });
    };
    let mut failures: Vec<Value> = Vec::new();
    let (mut updated, mut ignored, mut poison, mut stale) = (0u32, 0u32, 0u32, 0u32);
    for raw in records {
        match decode(raw) {
            Decoded::Poison { sequence, why } => {
                poison += 1;
                tracing::warn!(function = %function, sequence = sequence.as_deref().unwrap_or("<none>"), why, "poison record skipped");
            }
            Decoded::Ignored { .. } => ignored += 1,
            Decoded::Update {
                sequence,
                phone,
                masked,
                queue_name,
                contact_id,
                next_contact_id,
            } => {
                let Some(table) = deps.config.callbacks_table.as_deref() else {
                    tracing::error!(function = %function, var = contract::env::CALLBACKS_TABLE, "environment variable not set");
                    failures.push(json!({ "itemIdentifier": sequence }));
                    continue;
                };
                let now = deps.clock.now();
                let result = deps
                    .dynamodb
                    .update_item()
                    .table_name(table)
                    .key(attr::CALLBACKS_PARTITION_KEY, s(&phone))
                    .key(attr::CALLBACKS_SORT_KEY, s(&queue_name))
                    .update_expression("SET #next = :next, #upd = :now")
                    .condition_expression("#st = :pending AND #cid = :cid AND #exp > :now")
                    .expression_attribute_names("#next", attr::NEXT_CONTACT_ID)
                    .expression_attribute_names("#upd", attr::UPDATED_AT)
                    .expression_attribute_names("#st", attr::STATUS)
                    .expression_attribute_names("#cid", attr::CONTACT_ID)
                    .expression_attribute_names("#exp", attr::TTL_ATTRIBUTE)
                    .expression_attribute_values(":next", s(&next_contact_id))
                    .expression_attribute_values(":pending", s(contract::PENDING))
                    .expression_attribute_values(":cid", s(&contact_id))
                    .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
                    .send()
                    .await;
                match result {
                    Ok(_) => {
                        updated += 1;
                        tracing::info!(function = %function, caller = masked, queue = queue_name, next_contact_id, at = %clock::render(now).date_time, "callback contact id recorded");
                    }
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
                    {
                        stale += 1;
                        tracing::info!(function = %function, caller = masked, queue = queue_name, "no pending callback from this contact; ctr ignored");
                    }
                    Err(e) => {
                        tracing::error!(function = %function, sequence, error = %DisplayErrorContext(&e), "update failed; record will be retried");
                        failures.push(json!({ "itemIdentifier": sequence }));
                    }
                }
            }
        }
    }
    tracing::info!(function = %function, records = records.len(), updated, ignored, stale, poison, failed = failures.len(), "batch done");
    json!({ "batchItemFailures": failures })
}
