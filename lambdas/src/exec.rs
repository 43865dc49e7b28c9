//! The I/O layer of the Connect-invoked handlers: carries out a validated [`Plan`] against DynamoDB
//! and Amazon Connect and maps every outcome, including failures, to a contract reply.

use crate::contract::{self, Function, error, reason};
use crate::plan::{Plan, error_reply, reply};
use crate::records::{Callback, ReturnCall, attr};
use crate::{CallbackStatus, Deps, Reply, clock};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn store_error<E>(function: Function, err: &aws_sdk_dynamodb::error::SdkError<E>) -> Reply
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    tracing::error!(function = %function, error = %DisplayErrorContext(err), "dynamodb request failed");
    let code = err.code().unwrap_or("unreachable");
    error_reply(
        function,
        error::STORE_ERROR,
        &format!("dynamodb request failed: {code}"),
    )
}

fn table<'a>(
    function: Function,
    name: &'a Option<String>,
    var: &'static str,
) -> Result<&'a str, Reply> {
    name.as_deref().ok_or_else(|| {
        tracing::error!(function = %function, var, "environment variable not set");
        error_reply(
            function,
            error::CONFIG_MISSING,
            &format!("environment variable {var} is not set"),
        )
    })
}

fn callback_key(phone: &str, queue: &str) -> Item {
    HashMap::from([
        (attr::CALLBACKS_PARTITION_KEY.to_string(), s(phone)),
        (attr::CALLBACKS_SORT_KEY.to_string(), s(queue)),
    ])
}

/// Carries out `plan` for `function` at `now`.
pub async fn execute(function: Function, plan: Plan, deps: &Deps, now: i64) -> Reply {
    let result = match plan {
        Plan::Done(r) => Ok(r),
        Plan::Search { phone } => search(function, deps, now, phone.e164(), &phone.masked()).await,
        Plan::Add {
            phone,
            queue_name,
            queue_arn,
            agent_name,
            agent_arn,
            contact_id,
        } => {
            let record = ReturnCall {
                phone_number: phone.e164().to_string(),
                queue_name,
                queue_arn,
                agent_name,
                agent_arn,
                contact_id,
                updated_at: now,
                expiry_time: now + i64::from(deps.config.record_ttl_minutes) * 60,
            };
            add(function, deps, record, &phone.masked()).await
        }
        Plan::Write {
            phone,
            queue_name,
            queue_arn,
            contact_id,
        } => {
            let record = Callback {
                phone_number: phone.e164().to_string(),
                queue_name,
                queue_arn,
                contact_id,
                next_contact_id: None,
                status: contract::PENDING.to_string(),
                created_at: now,
                updated_at: now,
                expiry_time: now + i64::from(deps.config.callback_ttl_hours) * 3600,
            };
            write(function, deps, now, record, &phone.masked()).await
        }
        Plan::Read { phone, queue_name } => {
            read(
                function,
                deps,
                now,
                phone.e164(),
                &queue_name,
                &phone.masked(),
            )
            .await
        }
        Plan::Update {
            phone,
            queue_name,
            to,
        } => {
            update(
                function,
                deps,
                now,
                phone.e164(),
                &queue_name,
                to,
                &phone.masked(),
            )
            .await
        }
        Plan::Stop { contact_id } => stop(function, deps, &contact_id).await,
    };
    result.unwrap_or_else(|r| r)
}

async fn search(
    function: Function,
    deps: &Deps,
    now: i64,
    e164: &str,
    masked: &str,
) -> Result<Reply, Reply> {
    let table = table(
        function,
        &deps.config.return_calls_table,
        contract::env::RETURN_CALLS_TABLE,
    )?;
    let out = deps
        .dynamodb
        .get_item()
        .table_name(table)
        .key(attr::RETURN_CALLS_KEY, s(e164))
        .send()
        .await
        .map_err(|e| store_error(function, &e))?;
    let not_found = || reply(function, &[(contract::FOUND, contract::FALSE)]);
    let Some(item) = out.item else {
        tracing::info!(function = %function, caller = masked, "no record: new caller");
        return Ok(not_found());
    };
    let record: ReturnCall = match serde_dynamo::from_item(item) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(function = %function, caller = masked, error = %e, "unreadable record ignored");
            return Ok(not_found());
        }
    };
    if record.expiry_time <= now {
        // DynamoDB TTL deletes late (up to ~48 h): an expired record is a new caller.
        tracing::info!(function = %function, caller = masked, expired_for_s = now - record.expiry_time, "expired record ignored");
        return Ok(not_found());
    }
    tracing::info!(function = %function, caller = masked, queue = %record.queue_name, "returning caller");
    Ok(reply(
        function,
        &[
            (contract::FOUND, contract::TRUE),
            (contract::CUSTOMER_QUEUE_NAME, &record.queue_name),
            (contract::CUSTOMER_QUEUE_ARN, &record.queue_arn),
            (contract::AGENT_NAME, &record.agent_name),
            (contract::AGENT_ARN, &record.agent_arn),
        ],
    ))
}

async fn add(
    function: Function,
    deps: &Deps,
    record: ReturnCall,
    masked: &str,
) -> Result<Reply, Reply> {
    let table = table(
        function,
        &deps.config.return_calls_table,
        contract::env::RETURN_CALLS_TABLE,
    )?;
    let item: Item = serde_dynamo::to_item(&record)
        .map_err(|_| error_reply(function, error::STORE_ERROR, "record could not be encoded"))?;
    deps.dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await
        .map_err(|e| store_error(function, &e))?;
    tracing::info!(function = %function, caller = masked, queue = %record.queue_name, expiry = record.expiry_time, "caller recorded");
    Ok(reply(function, &[(contract::STORED, contract::TRUE)]))
}

async fn write(
    function: Function,
    deps: &Deps,
    now: i64,
    record: Callback,
    masked: &str,
) -> Result<Reply, Reply> {
    let table = table(
        function,
        &deps.config.callbacks_table,
        contract::env::CALLBACKS_TABLE,
    )?;
    let item: Item = serde_dynamo::to_item(&record)
        .map_err(|_| error_reply(function, error::STORE_ERROR, "record could not be encoded"))?;
    // Exactly one live PENDING record per number and queue: the put only succeeds when there is no
    // record, or it is no longer pending, or it has expired (TTL deletes late).
    let result = deps
        .dynamodb
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk) OR #st <> :pending OR #exp <= :now")
        .expression_attribute_names("#pk", attr::CALLBACKS_PARTITION_KEY)
        .expression_attribute_names("#st", attr::STATUS)
        .expression_attribute_names("#exp", attr::TTL_ATTRIBUTE)
        .expression_attribute_values(":pending", s(contract::PENDING))
        .expression_attribute_values(":now", n(now))
        .send()
        .await;
    match result {
        Ok(_) => {
            tracing::info!(function = %function, caller = masked, queue = %record.queue_name, "callback recorded as pending");
            Ok(reply(
                function,
                &[
                    (contract::CALLBACK_STATUS, contract::PENDING),
                    (contract::CREATED, contract::TRUE),
                    (contract::ALREADY_PENDING, contract::FALSE),
                ],
            ))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_conditional_check_failed_exception()) =>
        {
            tracing::info!(function = %function, caller = masked, queue = %record.queue_name, "a callback is already pending");
            Ok(reply(
                function,
                &[
                    (contract::CALLBACK_STATUS, contract::PENDING),
                    (contract::CREATED, contract::FALSE),
                    (contract::ALREADY_PENDING, contract::TRUE),
                ],
            ))
        }
        Err(e) => Err(store_error(function, &e)),
    }
}

/// Reads a live callback record (None when absent, expired or unreadable).
async fn get_callback(
    function: Function,
    deps: &Deps,
    table: &str,
    now: i64,
    e164: &str,
    queue: &str,
) -> Result<Option<Callback>, Reply> {
    let out = deps
        .dynamodb
        .get_item()
        .table_name(table)
        .set_key(Some(callback_key(e164, queue)))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| store_error(function, &e))?;
    Ok(live_callback(function, out.item, now))
}

fn live_callback(function: Function, item: Option<Item>, now: i64) -> Option<Callback> {
    let record: Callback = match serde_dynamo::from_item(item?) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(function = %function, error = %e, "unreadable callback record ignored");
            return None;
        }
    };
    (record.expiry_time > now).then_some(record)
}

async fn read(
    function: Function,
    deps: &Deps,
    now: i64,
    e164: &str,
    queue: &str,
    masked: &str,
) -> Result<Reply, Reply> {
    let table = table(
        function,
        &deps.config.callbacks_table,
        contract::env::CALLBACKS_TABLE,
    )?;
    match get_callback(function, deps, table, now, e164, queue).await? {
        None => {
            tracing::info!(function = %function, caller = masked, queue, "no live callback");
            Ok(reply(
                function,
                &[
                    (contract::CALLBACK_STATUS, contract::NOT_FOUND),
                    (contract::NEXT_CONTACT_ID, ""),
                    (contract::DATE, ""),
                    (contract::TIME, ""),
                ],
            ))
        }
        Some(record) => {
            let when = clock::render(record.created_at);
            tracing::info!(function = %function, caller = masked, queue, status = %record.status, "callback found");
            Ok(reply(
                function,
                &[
                    (contract::CALLBACK_STATUS, &record.status),
                    (
                        contract::NEXT_CONTACT_ID,
                        record.next_contact_id.as_deref().unwrap_or_default(),
                    ),
                    (contract::DATE, &when.date),
                    (contract::TIME, &when.time),
                ],
            ))
        }
    }
}

async fn update(
    function: Function,
    deps: &Deps,
    now: i64,
    e164: &str,
    queue: &str,
    to: CallbackStatus,
    masked: &str,
) -> Result<Reply, Reply> {
    let table = table(
        function,
        &deps.config.callbacks_table,
        contract::env::CALLBACKS_TABLE,
    )?;
    let from = to.allowed_from();
    let placeholders: Vec<String> = (0..from.len()).map(|i| format!(":from{i}")).collect();
    let condition = format!(
        "attribute_exists(#pk) AND #exp > :now AND #st IN ({})",
        placeholders.join(", ")
    );
    let mut request = deps
        .dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(callback_key(e164, queue)))
        .update_expression("SET #st = :to, #upd = :now")
        .condition_expression(condition)
        .expression_attribute_names("#pk", attr::CALLBACKS_PARTITION_KEY)
        .expression_attribute_names("#st", attr::STATUS)
        .expression_attribute_names("#exp", attr::TTL_ATTRIBUTE)
        .expression_attribute_names("#upd", attr::UPDATED_AT)
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":now", n(now))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    for (p, st) in placeholders.iter().zip(&from) {
        request = request.expression_attribute_values(p, s(st.as_str()));
    }
    match request.send().await {
        Ok(_) => {
            tracing::info!(function = %function, caller = masked, queue, to = %to, "callback status changed");
            Ok(reply(
                function,
                &[
                    (contract::CALLBACK_STATUS, to.as_str()),
                    (contract::UPDATED, contract::TRUE),
                ],
            ))
        }
        Err(e) => {
            let Some(ccf) = e.as_service_error().and_then(|se| match se {
                aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c) => Some(c),
                _ => None,
            }) else {
                return Err(store_error(function, &e));
            };
            // The old item tells why; fall back to a consistent read when the service did not return it.
            let current = match ccf.item.clone() {
                Some(item) => live_callback(function, Some(item), now),
                None => get_callback(function, deps, table, now, e164, queue).await?,
            };
            match current {
                None => {
                    tracing::info!(function = %function, caller = masked, queue, to = %to, "no live callback to update");
                    Ok(reply(
                        function,
                        &[
                            (contract::CALLBACK_STATUS, contract::NOT_FOUND),
                            (contract::UPDATED, contract::FALSE),
                            (contract::REASON, reason::NOT_FOUND),
                        ],
                    ))
                }
                Some(record) => {
                    tracing::info!(function = %function, caller = masked, queue, from = %record.status, to = %to, "transition refused");
                    Ok(reply(
                        function,
                        &[
                            (contract::CALLBACK_STATUS, &record.status),
                            (contract::UPDATED, contract::FALSE),
                            (contract::REASON, reason::TRANSITION_REFUSED),
                        ],
                    ))
                }
            }
        }
    }
}

async fn stop(function: Function, deps: &Deps, contact_id: &str) -> Result<Reply, Reply> {
    let Some(instance) = deps.config.instance_id.as_deref() else {
        tracing::error!(function = %function, var = contract::env::CONNECT_INSTANCE_ID, "environment variable not set");
        return Err(error_reply(
            function,
            error::CONFIG_MISSING,
            &format!(
                "environment variable {} is not set",
                contract::env::CONNECT_INSTANCE_ID
            ),
        ));
    };
    let result = deps
        .connect
        .stop_contact()
        .instance_id(instance)
        .contact_id(contact_id)
        .send()
        .await;
    match result {
        Ok(_) => {
            tracing::info!(function = %function, contact_id, "queued callback stopped");
            Ok(reply(function, &[(contract::STOPPED, contract::TRUE)]))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_contact_not_found_exception()) =>
        {
            tracing::info!(function = %function, contact_id, "contact not found: already connected or gone");
            Ok(reply(
                function,
                &[
                    (contract::STOPPED, contract::FALSE),
                    (contract::REASON, reason::CONTACT_NOT_FOUND),
                ],
            ))
        }
        Err(e) => {
            use aws_sdk_connect::error::ProvideErrorMetadata as _;
            tracing::error!(function = %function, contact_id, error = %aws_sdk_connect::error::DisplayErrorContext(&e), "stop contact failed");
            let code = e.code().unwrap_or("unreachable");
            let mut r = error_reply(
                function,
                error::CONNECT_ERROR,
                &format!("stop contact failed: {code}"),
            );
            r.insert(contract::REASON.to_string(), reason::FAILED.to_string());
            Err(r)
        }
    }
}
