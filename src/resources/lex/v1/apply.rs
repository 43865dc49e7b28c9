//! Applying a Lex V1 bot: StartImport of the generated zip, a numbered version of each intent,
//! PutBot with BUILD, a bot version, and alias `prod` pointed at it, retrying Lex V1's conflicts
//! and stale checksums.

use std::time::{Duration, Instant};

use aws_sdk_lexmodelbuilding::Client;
use aws_sdk_lexmodelbuilding::error::ProvideErrorMetadata as _;
use aws_sdk_lexmodelbuilding::primitives::Blob;
use aws_sdk_lexmodelbuilding::types::{
    ContentType, ImportStatus, Intent, Locale, MergeStrategy, Message, ProcessBehavior, Prompt,
    ResourceType, Statement, Status, Tag,
};

use super::super::spec::ownership_marker;
use super::import::{import_zip, v1_locale};
use super::{
    ALIAS_NAME, ATTEMPTS, Applied, Current, Desired, END_OF_SUPPORT_WARNING, LATEST, WAIT_LIMIT,
    description, diff, sdk_err,
};
use crate::resources::sdk::{Backoff, secs};
use crate::resources::{Change, Progress, TAG_DEPLOYMENT as DEPLOYMENT_TAG, refusal};

/// Retries `call` while Lex answers ConflictException, or PreconditionFailed (the caller re-reads
/// its checksum on each attempt).
async fn retrying<T, E, F, Fut>(
    what: &str,
    progress: Progress<'_>,
    mut call: F,
) -> anyhow::Result<T>
where
    E: aws_sdk_lexmodelbuilding::error::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut backoff = Backoff::new(Duration::from_millis(300), Duration::from_secs(5));
    for attempt in 1..=ATTEMPTS {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) => {
                let again = matches!(
                    err.code(),
                    Some("ConflictException") | Some("PreconditionFailedException")
                );
                if !again || attempt == ATTEMPTS {
                    return Err(sdk_err(what, err));
                }
                progress(format!(
                    "lex v1: {what}: {} (attempt {attempt}); retrying",
                    err.code().unwrap_or("conflict")
                ));
                backoff.wait().await;
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

async fn bot_checksum(
    lex: &Client,
    name: &str,
    version: &str,
) -> anyhow::Result<(Option<String>, Option<Status>, Option<String>)> {
    let out = lex
        .get_bot()
        .name(name)
        .version_or_alias(version)
        .send()
        .await
        .map_err(|e| sdk_err("read the bot", e.into_service_error()))?;
    Ok((
        out.checksum().map(str::to_string),
        out.status().cloned(),
        out.failure_reason().map(str::to_string),
    ))
}

fn plain(content: &str) -> anyhow::Result<Message> {
    Ok(Message::builder()
        .content_type(ContentType::PlainText)
        .content(content)
        .build()?)
}

/// Imports, builds and versions the bot, and points alias `prod` at the version. A no-op makes no call.
pub async fn apply(
    lex: &Client,
    region: &str,
    desired: &Desired,
    current: Option<&Current>,
    progress: Progress<'_>,
) -> anyhow::Result<Applied> {
    progress(END_OF_SUPPORT_WARNING.to_string());
    let change = diff(desired, current);
    if let Some(refused) = refusal(&change) {
        return Err(refused.into());
    }
    let spec = &desired.spec;
    if let (Change::NoOp, Some(current)) = (&change, current) {
        progress(format!("lex v1: bot {} up to date", spec.name));
        return Ok(Applied {
            bot_name: spec.name.clone(),
            region: region.into(),
            alias: ALIAS_NAME.into(),
            version: current.alias_version.clone().unwrap_or_default(),
            changed: false,
        });
    }

    // 1. Import the definition into $LATEST.
    progress(format!("lex v1: importing bot {}", spec.name));
    let payload = import_zip(spec, &desired.deployment)?;
    let tag = Tag::builder()
        .key(DEPLOYMENT_TAG)
        .value(&desired.deployment)
        .build()?;
    let started = lex
        .start_import()
        .payload(Blob::new(payload))
        .resource_type(ResourceType::Bot)
        .merge_strategy(MergeStrategy::OverwriteLatest)
        .tags(tag)
        .send()
        .await
        .map_err(|e| sdk_err("start the Lex V1 import", e.into_service_error()))?;
    let import_id = started.import_id().unwrap_or_default().to_string();
    let clock = Instant::now();
    let mut backoff = Backoff::polling();
    loop {
        let out = lex
            .get_import()
            .import_id(&import_id)
            .send()
            .await
            .map_err(|e| sdk_err("read the import", e.into_service_error()))?;
        match out.import_status() {
            Some(ImportStatus::Complete) => break,
            Some(ImportStatus::Failed) => {
                return Err(crate::resources::stack::Failure {
                    cause: format!("Lex V1 import of {} failed: {}", spec.name, out.failure_reason().join("; ")),
                    hint: "fix the bot definition in assets/lex (run `connect-returns validate`) and deploy again".into(),
                }
                .into());
            }
            _ if clock.elapsed() > WAIT_LIMIT => anyhow::bail!(
                "Lex V1 import {import_id} not complete after {}",
                secs(WAIT_LIMIT)
            ),
            _ => progress(format!("lex v1: waiting for import {import_id}")),
        }
        backoff.wait().await;
    }

    // 2. A numbered version of each intent (Lex only makes one when $LATEST changed).
    let mut intents = Vec::new();
    for intent in &spec.intents {
        let version = retrying(
            &format!("version intent {}", intent.name),
            progress,
            || async {
                let checksum = lex
                    .get_intent()
                    .name(&intent.name)
                    .version(LATEST)
                    .send()
                    .await?
                    .checksum()
                    .map(str::to_string);
                Ok::<_, aws_sdk_lexmodelbuilding::Error>(
                    lex.create_intent_version()
                        .name(&intent.name)
                        .set_checksum(checksum)
                        .send()
                        .await?,
                )
            },
        )
        .await?
        .version()
        .unwrap_or_default()
        .to_string();
        intents.push(
            Intent::builder()
                .intent_name(&intent.name)
                .intent_version(&version)
                .build()?,
        );
    }

    // 3. PutBot with the intent versions and BUILD, then wait for READY.
    let clarification = Prompt::builder()
        .messages(plain(&spec.clarification_prompt)?)
        .max_attempts(2)
        .build()?;
    let abort = Statement::builder()
        .messages(plain(&spec.abort_statement)?)
        .build()?;
    let bot_description = description(
        &spec.description,
        &desired.deployment,
        Some(&desired.fingerprint()),
    );
    progress(format!("lex v1: building bot {}", spec.name));
    retrying("put the bot", progress, || async {
        let checksum = lex
            .get_bot()
            .name(&spec.name)
            .version_or_alias(LATEST)
            .send()
            .await?
            .checksum()
            .map(str::to_string);
        Ok::<_, aws_sdk_lexmodelbuilding::Error>(
            lex.put_bot()
                .name(&spec.name)
                .description(&bot_description)
                .set_checksum(checksum)
                .locale(Locale::from(v1_locale(&spec.locale).as_str()))
                .child_directed(false)
                .voice_id(&spec.voice_id)
                .idle_session_ttl_in_seconds(spec.idle_session_ttl_seconds)
                .clarification_prompt(clarification.clone())
                .abort_statement(abort.clone())
                .set_intents(Some(intents.clone()))
                .process_behavior(ProcessBehavior::Build)
                .send()
                .await?,
        )
    })
    .await?;
    let clock = Instant::now();
    let mut backoff = Backoff::polling();
    loop {
        let (_, status, reason) = bot_checksum(lex, &spec.name, LATEST).await?;
        match status {
            Some(Status::Ready) => break,
            Some(Status::Failed) => {
                return Err(crate::resources::stack::Failure {
                    cause: format!("Lex V1 bot {} failed to build: {}", spec.name, reason.unwrap_or_default()),
                    hint: "fix the bot definition in assets/lex (run `connect-returns validate`) and deploy again".into(),
                }
                .into());
            }
            _ if clock.elapsed() > WAIT_LIMIT => anyhow::bail!(
                "Lex V1 bot {} not READY after {}",
                spec.name,
                secs(WAIT_LIMIT)
            ),
            other => progress(format!(
                "lex v1: waiting for bot {} to build ({}, {})",
                spec.name,
                other.as_ref().map(|s| s.as_str()).unwrap_or("?"),
                secs(clock.elapsed())
            )),
        }
        backoff.wait().await;
    }

    // 4. A numbered version of the bot, then the alias.
    let version = retrying("create a bot version", progress, || async {
        let checksum = lex
            .get_bot()
            .name(&spec.name)
            .version_or_alias(LATEST)
            .send()
            .await?
            .checksum()
            .map(str::to_string);
        Ok::<_, aws_sdk_lexmodelbuilding::Error>(
            lex.create_bot_version()
                .name(&spec.name)
                .set_checksum(checksum)
                .send()
                .await?,
        )
    })
    .await?
    .version()
    .unwrap_or_default()
    .to_string();
    progress(format!("lex v1: version {version} of {}", spec.name));
    retrying("point the alias", progress, || async {
        let checksum = match lex
            .get_bot_alias()
            .name(ALIAS_NAME)
            .bot_name(&spec.name)
            .send()
            .await
        {
            Ok(alias) => alias.checksum().map(str::to_string),
            Err(err) => {
                let err = aws_sdk_lexmodelbuilding::Error::from(err);
                if err.code() != Some("NotFoundException") {
                    return Err(err);
                }
                None
            }
        };
        Ok::<_, aws_sdk_lexmodelbuilding::Error>(
            lex.put_bot_alias()
                .name(ALIAS_NAME)
                .bot_name(&spec.name)
                .bot_version(&version)
                .set_checksum(checksum)
                .description(ownership_marker(&desired.deployment))
                .send()
                .await?,
        )
    })
    .await?;
    progress(format!("lex v1: alias {ALIAS_NAME} -> version {version}"));
    Ok(Applied {
        bot_name: spec.name.clone(),
        region: region.into(),
        alias: ALIAS_NAME.into(),
        version,
        changed: true,
    })
}
