//! Resource kind `lexv1` (`--lex v1`): the bot as the blog built it, through the Lex V1
//! model-building API, which reached end of support on 2025-09-15 (every apply says so).
//!
//! Apply: StartImport of a zip generated from the bot definition (OVERWRITE_LATEST) → GetImport
//! until COMPLETE → CreateIntentVersion per intent → PutBot (processBehavior BUILD, the intent
//! versions, the bot's checksum; a 412 re-reads the checksum and retries) → GetBot until READY →
//! CreateBotVersion → PutBotAlias `prod` (with its checksum when it exists).
//!
//! - Ownership and change detection: the bot's and each intent's description carries
//!   `connect-returns deployment=<name>`; the bot's description also carries
//!   `connect-returns sha256:<fingerprint>` of the whole definition, and a numbered version keeps
//!   the description it was made from, so the alias's version says which definition it serves.
//!   An unchanged re-deploy reads three things (GetBot $LATEST, GetBotAlias, GetBot <version>).
//! - Intents are account-wide in V1: a same-named intent we did not create is a conflict.
//! - ConflictException (409, "try again") is retried with backoff; the SDK already retries 429.
//! - Delete in the order Lex requires: alias, bot (ResourceInUse → retry), wait until gone, then
//!   intents, then custom slot types they used (ResourceInUse → retry). NotFound is success.

// The V1 client marks every operation deprecated: using it is this module's purpose.
#![allow(deprecated)]

use std::time::{Duration, Instant};

use aws_sdk_lexmodelbuilding::Client;
use aws_sdk_lexmodelbuilding::error::ProvideErrorMetadata as _;
use aws_sdk_lexmodelbuilding::primitives::Blob;
use aws_sdk_lexmodelbuilding::types::{
    ContentType, ImportStatus, Intent, Locale, MergeStrategy, Message, ProcessBehavior, Prompt,
    ResourceType, Statement, Status, Tag,
};
use serde_json::json;

use sha2::{Digest, Sha256};

use super::lexv2::{BotSpec, owner_of, ownership_marker};
use super::sdk::{Backoff, describe_error, secs};
use super::{Change, FieldDiff, Progress, TAG_DEPLOYMENT as DEPLOYMENT_TAG, conflict, refusal};

/// The alias the flows use.
pub const ALIAS_NAME: &str = "prod";
const LATEST: &str = "$LATEST";
/// Longest wait for one Lex state change.
const WAIT_LIMIT: Duration = Duration::from_secs(15 * 60);
/// Attempts for calls Lex V1 answers with ConflictException or a stale checksum (412).
const ATTEMPTS: u32 = 8;
/// Lex V1's description limit.
const DESCRIPTION_MAX: usize = 200;

/// The warning every V1 deploy prints.
pub const END_OF_SUPPORT_WARNING: &str = "warning: Amazon Lex V1 reached end of support on 2025-09-15; AWS no longer serves V1 bots. Use --lex v2 (the default)";

/// sha256 (hex) of the whole definition as V1 uses it.
pub fn fingerprint(spec: &BotSpec) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(spec).unwrap_or_default()))
}

fn fingerprint_marker(fingerprint: &str) -> String {
    format!("connect-returns sha256:{fingerprint}")
}

/// A description with our markers, the human part shortened so the whole fits V1's 200 characters.
pub fn description(human: &str, deployment: &str, fingerprint: Option<&str>) -> String {
    let mut markers = ownership_marker(deployment);
    if let Some(fingerprint) = fingerprint {
        markers.push_str(&format!("; {}", fingerprint_marker(fingerprint)));
    }
    let room = DESCRIPTION_MAX.saturating_sub(markers.len() + 3);
    let human: String = human.chars().take(room).collect();
    format!("{human} ({markers})")
}

/// The fingerprint in a description written by [`description`].
pub fn fingerprint_in(description: &str) -> Option<&str> {
    let rest = description.split("connect-returns sha256:").nth(1)?;
    Some(
        rest.split(|c: char| !c.is_ascii_hexdigit())
            .next()
            .unwrap_or(rest),
    )
}

/// V1 locale from the V2 locale id (`en_US` → `en-US`).
pub fn v1_locale(locale: &str) -> String {
    locale.replace('_', "-")
}

/// The import document (Amazon Lex export format, schema 1.0) for the bot definition.
pub fn import_document(spec: &BotSpec, deployment: &str) -> serde_json::Value {
    let fp = fingerprint(spec);
    let intents: Vec<_> = spec
        .intents
        .iter()
        .map(|intent| {
            json!({
                "name": intent.name,
                "version": "1",
                "description": description(&intent.description, deployment, None),
                "fulfillmentActivity": {"type": "ReturnIntent"},
                "sampleUtterances": intent.utterances,
                "slots": [],
            })
        })
        .collect();
    json!({
        "metadata": {"schemaVersion": "1.0", "importType": "LEX", "importFormat": "JSON"},
        "resource": {
            "name": spec.name,
            "version": "1",
            "description": description(&spec.description, deployment, Some(&fp)),
            "intents": intents,
            "slotTypes": [],
            "voiceId": spec.voice_id,
            "childDirected": false,
            "locale": v1_locale(&spec.locale),
            "idleSessionTTLInSeconds": spec.idle_session_ttl_seconds,
            "detectSentiment": false,
            "clarificationPrompt": {
                "messages": [{"contentType": "PlainText", "content": spec.clarification_prompt}],
                "maxAttempts": 2
            },
            "abortStatement": {"messages": [{"contentType": "PlainText", "content": spec.abort_statement}]}
        }
    })
}

/// The StartImport payload: a zip holding exactly one JSON file, byte-for-byte reproducible.
pub fn import_zip(spec: &BotSpec, deployment: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let body = serde_json::to_vec_pretty(&import_document(spec, deployment))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file(format!("{}_Export.json", spec.name), options)?;
    zip.write_all(&body)?;
    Ok(zip.finish()?.into_inner())
}

/// What the bot should be.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub spec: BotSpec,
    pub deployment: String,
}

impl Desired {
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.spec)
    }
}

/// The bot as Lex V1 reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// Owner from `$LATEST`'s description.
    pub deployment: Option<String>,
    pub latest_status: String,
    /// The version alias `prod` points at, if the alias exists.
    pub alias_version: Option<String>,
    /// Fingerprint of that version.
    pub alias_fingerprint: Option<String>,
    /// Same-named intents that exist without our marker (only checked when the bot is absent).
    pub foreign_intents: Vec<String>,
}

fn is_not_found<E: aws_sdk_lexmodelbuilding::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("NotFoundException")
}

fn sdk_err<E: aws_sdk_lexmodelbuilding::error::ProvideErrorMetadata + std::error::Error>(
    what: &str,
    err: E,
) -> anyhow::Error {
    anyhow::anyhow!("failed to {what}: {}", describe_error(&err))
}

/// The deployment that owns bot `name` (from `$LATEST`'s description marker); `None` when the
/// bot does not exist or carries no marker.
pub async fn owner(lex: &Client, name: &str) -> anyhow::Result<Option<String>> {
    match lex
        .get_bot()
        .name(name)
        .version_or_alias(LATEST)
        .send()
        .await
    {
        Ok(bot) => Ok(bot.description().and_then(owner_of).map(str::to_string)),
        Err(err) => {
            let err = err.into_service_error();
            if is_not_found(&err) {
                Ok(None)
            } else {
                Err(sdk_err(&format!("read Lex V1 bot {name}"), err))
            }
        }
    }
}

/// Reads the bot by name. `None` when neither the bot nor any same-named foreign intent exists.
pub async fn read(lex: &Client, spec: &BotSpec) -> anyhow::Result<Option<Current>> {
    let latest = match lex
        .get_bot()
        .name(&spec.name)
        .version_or_alias(LATEST)
        .send()
        .await
    {
        Ok(out) => out,
        Err(err) => {
            let err = err.into_service_error();
            if !is_not_found(&err) {
                return Err(sdk_err(&format!("read Lex V1 bot {}", spec.name), err));
            }
            // No bot: the intents it would import must not belong to someone else.
            let mut foreign_intents = Vec::new();
            for intent in &spec.intents {
                match lex
                    .get_intent()
                    .name(&intent.name)
                    .version(LATEST)
                    .send()
                    .await
                {
                    Ok(found) => {
                        if found.description().and_then(owner_of).is_none() {
                            foreign_intents.push(intent.name.clone());
                        }
                    }
                    Err(err) => {
                        let err = err.into_service_error();
                        if !is_not_found(&err) {
                            return Err(sdk_err(
                                &format!("read Lex V1 intent {}", intent.name),
                                err,
                            ));
                        }
                    }
                }
            }
            if foreign_intents.is_empty() {
                return Ok(None);
            }
            return Ok(Some(Current {
                deployment: None,
                latest_status: String::new(),
                alias_version: None,
                alias_fingerprint: None,
                foreign_intents,
            }));
        }
    };
    let deployment = latest.description().and_then(owner_of).map(str::to_string);
    let latest_status = latest
        .status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let alias_version = match lex
        .get_bot_alias()
        .name(ALIAS_NAME)
        .bot_name(&spec.name)
        .send()
        .await
    {
        Ok(alias) => alias.bot_version().map(str::to_string),
        Err(err) => {
            let err = err.into_service_error();
            if !is_not_found(&err) {
                return Err(sdk_err("read the bot alias", err));
            }
            None
        }
    };
    let alias_fingerprint = match alias_version.as_deref() {
        Some(version) if version != LATEST => match lex
            .get_bot()
            .name(&spec.name)
            .version_or_alias(version)
            .send()
            .await
        {
            Ok(out) => out
                .description()
                .and_then(fingerprint_in)
                .map(str::to_string),
            Err(err) => {
                let err = err.into_service_error();
                if !is_not_found(&err) {
                    return Err(sdk_err(&format!("read version {version} of the bot"), err));
                }
                None
            }
        },
        _ => None,
    };
    Ok(Some(Current {
        deployment,
        latest_status,
        alias_version,
        alias_fingerprint,
        foreign_intents: Vec::new(),
    }))
}

/// Pure: what applying `desired` would do.
pub fn diff(desired: &Desired, current: Option<&Current>) -> Change {
    let Some(current) = current else {
        return Change::Create;
    };
    if !current.foreign_intents.is_empty() {
        return conflict(
            format!(
                "Lex V1 intents {} exist and were not created by connect-returns",
                current.foreign_intents.join(", ")
            ),
            "V1 intent names are account-wide; delete or rename those intents, or use --lex v2",
        );
    }
    match current.deployment.as_deref() {
        Some(owner) if owner == desired.deployment => {}
        owner => {
            return conflict(
                match owner {
                    Some(owner) => format!(
                        "Lex V1 bot {} belongs to deployment {owner:?}",
                        desired.spec.name
                    ),
                    None => format!(
                        "Lex V1 bot {} exists but was not created by connect-returns",
                        desired.spec.name
                    ),
                },
                "delete or rename that bot, or use --lex v2",
            );
        }
    }
    let fingerprint = desired.fingerprint();
    let short = |f: &str| f[..f.len().min(12)].to_string();
    match (&current.alias_version, &current.alias_fingerprint) {
        (None, _) => Change::from_fields(vec![FieldDiff::new(
            format!("alias {ALIAS_NAME}"),
            "(absent)",
            format!("version with definition {}", short(&fingerprint)),
        )]),
        (Some(_), Some(old)) if *old == fingerprint => Change::NoOp,
        (Some(version), old) => Change::from_fields(vec![FieldDiff::new(
            "definition",
            format!(
                "version {version} ({})",
                old.as_deref()
                    .map(short)
                    .unwrap_or_else(|| "not made by connect-returns".to_string())
            ),
            short(&fingerprint),
        )]),
    }
}

/// What `apply` produced: what the flows and AssociateLexBot need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub bot_name: String,
    pub region: String,
    pub alias: String,
    pub version: String,
    pub changed: bool,
}

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
                return Err(super::stack::Failure {
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
                return Err(super::stack::Failure {
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

/// What `delete` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Absent,
    Removed {
        intents: Vec<String>,
        slot_types: Vec<String>,
    },
    NotOurs {
        owner: Option<String>,
    },
}

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

#[cfg(test)]
mod tests;
