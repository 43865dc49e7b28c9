//! Deleting a Lex V1 bot in the order Lex requires: alias, bot, wait until gone, then its
//! intents and the custom slot types they used, each only when it is this deployment's.

use std::time::{Duration, Instant};

use aws_sdk_lexmodelbuilding::Client;

use super::super::spec::{BotSpec, owner_of};
use super::{ALIAS_NAME, Deleted, LATEST, WAIT_LIMIT, is_not_found, sdk_err};
use crate::resources::Progress;
use crate::resources::sdk::{Backoff, secs};

/// Deletes with retries while Lex says the resource is in use or busy; NotFound is success.
async fn delete_retrying<E, F, Fut>(
    what: &str,
    progress: Progress<'_>,
    mut call: F,
) -> anyhow::Result<bool>
where
    E: aws_sdk_lexmodelbuilding::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
{
    let clock = Instant::now();
    let mut backoff = Backoff::new(Duration::from_millis(300), Duration::from_secs(10));
    loop {
        match call().await {
            Ok(()) => return Ok(true),
            Err(err) if err.code() == Some("NotFoundException") => return Ok(false),
            Err(err)
                if matches!(
                    err.code(),
                    Some("ResourceInUseException") | Some("ConflictException")
                ) && clock.elapsed() < WAIT_LIMIT =>
            {
                progress(format!(
                    "lex v1: {what}: {}; retrying",
                    err.message().unwrap_or("in use")
                ));
                backoff.wait().await;
            }
            Err(err) => return Err(sdk_err(what, err)),
        }
    }
}

/// Deletes alias, bot, intents and custom slot types, in the order Lex requires. Idempotent; a
/// bot this deployment does not own is left alone. Disassociate it from Connect first.
pub async fn delete(
    lex: &Client,
    spec: &BotSpec,
    deployment: &str,
    progress: Progress<'_>,
) -> anyhow::Result<Deleted> {
    let name = &spec.name;
    let latest = match lex
        .get_bot()
        .name(name)
        .version_or_alias(LATEST)
        .send()
        .await
    {
        Ok(out) => Some(out),
        Err(err) => {
            let err = err.into_service_error();
            if !is_not_found(&err) {
                return Err(sdk_err(&format!("read Lex V1 bot {name}"), err));
            }
            None
        }
    };
    let mut intent_names: Vec<String> = spec.intents.iter().map(|i| i.name.clone()).collect();
    if let Some(latest) = &latest {
        let owner = latest.description().and_then(owner_of).map(str::to_string);
        if owner.as_deref() != Some(deployment) {
            progress(format!(
                "lex v1: bot {name} is not this deployment's; left alone"
            ));
            return Ok(Deleted::NotOurs { owner });
        }
        for intent in latest.intents() {
            if !intent_names.iter().any(|n| n == intent.intent_name()) {
                intent_names.push(intent.intent_name().to_string());
            }
        }
        progress(format!("lex v1: deleting alias {ALIAS_NAME} of {name}"));
        delete_retrying("delete the alias", progress, || async {
            lex.delete_bot_alias()
                .name(ALIAS_NAME)
                .bot_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(aws_sdk_lexmodelbuilding::Error::from)
        })
        .await?;
        progress(format!("lex v1: deleting bot {name}"));
        delete_retrying("delete the bot", progress, || async {
            lex.delete_bot()
                .name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(aws_sdk_lexmodelbuilding::Error::from)
        })
        .await?;
        // DeleteBot is asynchronous: wait until the bot is gone so its intents can go.
        let clock = Instant::now();
        let mut backoff = Backoff::polling();
        loop {
            match lex
                .get_bot()
                .name(name)
                .version_or_alias(LATEST)
                .send()
                .await
            {
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_not_found_exception()) =>
                {
                    break;
                }
                Err(err) => return Err(sdk_err("read the bot", err.into_service_error())),
                Ok(_) if clock.elapsed() > WAIT_LIMIT => {
                    anyhow::bail!("Lex V1 bot {name} still exists after {}", secs(WAIT_LIMIT))
                }
                Ok(_) => progress(format!("lex v1: waiting for bot {name} to be deleted")),
            }
            backoff.wait().await;
        }
    }
    let mut deleted_intents = Vec::new();
    let mut slot_types = Vec::new();
    for intent in &intent_names {
        let found = match lex.get_intent().name(intent).version(LATEST).send().await {
            Ok(found) => found,
            Err(err) => {
                let err = err.into_service_error();
                if is_not_found(&err) {
                    continue;
                }
                return Err(sdk_err(&format!("read intent {intent}"), err));
            }
        };
        // Only intents we made: V1 intent names are account-wide.
        if found.description().and_then(owner_of) != Some(deployment) {
            progress(format!(
                "lex v1: intent {intent} is not this deployment's; left alone"
            ));
            continue;
        }
        for slot in found.slots() {
            if let Some(kind) = slot.slot_type().filter(|t| !t.starts_with("AMAZON."))
                && !slot_types.iter().any(|s| s == kind)
            {
                slot_types.push(kind.to_string());
            }
        }
        progress(format!("lex v1: deleting intent {intent}"));
        if delete_retrying(&format!("delete intent {intent}"), progress, || async {
            lex.delete_intent()
                .name(intent)
                .send()
                .await
                .map(|_| ())
                .map_err(aws_sdk_lexmodelbuilding::Error::from)
        })
        .await?
        {
            deleted_intents.push(intent.clone());
        }
    }
    let mut deleted_slot_types = Vec::new();
    for slot_type in &slot_types {
        progress(format!("lex v1: deleting slot type {slot_type}"));
        if delete_retrying(
            &format!("delete slot type {slot_type}"),
            progress,
            || async {
                lex.delete_slot_type()
                    .name(slot_type)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(aws_sdk_lexmodelbuilding::Error::from)
            },
        )
        .await?
        {
            deleted_slot_types.push(slot_type.clone());
        }
    }
    if latest.is_none() && deleted_intents.is_empty() && deleted_slot_types.is_empty() {
        progress(format!("lex v1: bot {name} already absent"));
        return Ok(Deleted::Absent);
    }
    progress(format!("lex v1: deleted bot {name}"));
    Ok(Deleted::Removed {
        intents: deleted_intents,
        slot_types: deleted_slot_types,
    })
}
