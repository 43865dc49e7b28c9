//! Resource kind `lexv2`: the Lex V2 bot (default `--lex v2`), found by name, its en_US locale and
//! intents upserted from the bot definition, the locale built, a numbered version created only when
//! the definition changed, and the alias `prod` pointed at it.
//!
//! - Ownership: the bot's description carries `connect-returns deployment=<name>` (readable from
//!   ListBots with no extra call) and the bot is also tagged `connect-returns:deployment=<name>`.
//! - Bot-level settings (role, TTL, privacy) are not versioned: they are brought in line whenever
//!   the definition changes; an unchanged re-deploy does not read them (the role is the stack's
//!   output and stable).
//! - Change detection: each version the tool creates carries `connect-returns sha256:<fingerprint>`
//!   in its description; the fingerprint covers everything the definition sets. An unchanged
//!   re-deploy reads three things (ListBots, ListBotAliases, DescribeBotVersion) and mutates nothing.
//! - A deploy killed after the version was made but before the alias moved reuses that version.
//! - Delete: alias `prod`, then numbered versions, then the bot (skipResourceInUseCheck on the bot),
//!   waiting until it is gone. Idempotent; a bot that is not ours is left alone.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_lexmodelsv2::Client;
use aws_sdk_lexmodelsv2::error::ProvideErrorMetadata as _;
use aws_sdk_lexmodelsv2::types::{
    BotAliasLocaleSettings, BotAliasStatus, BotFilter, BotFilterName, BotFilterOperator,
    BotLocaleStatus, BotStatus, BotVersionLocaleDetails, DataPrivacy, SampleUtterance,
    VoiceSettings,
};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::sdk::{Backoff, describe_error, secs};
use super::{Change, FieldDiff, Progress, TAG_DEPLOYMENT as DEPLOYMENT_TAG, conflict, refusal};

/// The alias the flows use.
pub const ALIAS_NAME: &str = "prod";
/// The working version every edit goes to.
const DRAFT: &str = "DRAFT";
/// The built-in intent every locale has; never deleted.
const FALLBACK_INTENT: &str = "FallbackIntent";
/// Longest wait for one Lex state change (bot, locale build, version, alias, delete).
const WAIT_LIMIT: Duration = Duration::from_secs(15 * 60);

/// One intent of the bot definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntentSpec {
    /// Exact, case-sensitive: the flows branch on it.
    pub name: String,
    pub description: String,
    pub utterances: Vec<String>,
}

/// The bot definition, filled by the engine from `assets::bot()` (see [`BotSpec::from_definition`]).
/// RefMap by V2 and V1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BotSpec {
    /// e.g. `returnCallerConcierge`.
    pub name: String,
    pub description: String,
    /// Lex V2 locale id, e.g. `en_US` (V1 uses `en-US`, derived).
    pub locale: String,
    /// Polly voice, e.g. `Joanna`.
    pub voice_id: String,
    pub nlu_confidence_threshold: f64,
    pub idle_session_ttl_seconds: i32,
    pub intents: Vec<IntentSpec>,
    /// V1 only: what the bot says when it did not understand.
    pub clarification_prompt: String,
    /// V1 only: what the bot says when it gives up.
    pub abort_statement: String,
}

impl BotSpec {
    /// The spec of the shipped bot definition.
    pub fn from_definition(bot: &crate::assets::BotDefinition) -> BotSpec {
        BotSpec {
            name: bot.name.clone(),
            description: bot.description.clone(),
            locale: bot.locale.clone(),
            voice_id: bot.voice.clone(),
            nlu_confidence_threshold: bot.confidence_threshold,
            idle_session_ttl_seconds: bot.idle_session_ttl_seconds as i32,
            intents: bot
                .intents
                .iter()
                .map(|i| IntentSpec {
                    name: i.name.clone(),
                    description: i.description.clone(),
                    utterances: i.utterances.clone(),
                })
                .collect(),
            clarification_prompt: bot.clarification_prompt.clone(),
            abort_statement: bot.abort_statement.clone(),
        }
    }

    /// sha256 (hex) of everything a Lex V2 version captures from this definition.
    pub fn fingerprint_v2(&self) -> String {
        #[derive(Serialize)]
        struct V2<'a> {
            name: &'a str,
            locale: &'a str,
            voice_id: &'a str,
            threshold: String,
            idle: i32,
            intents: &'a [IntentSpec],
        }
        let v2 = V2 {
            name: &self.name,
            locale: &self.locale,
            voice_id: &self.voice_id,
            threshold: format!("{:.2}", self.nlu_confidence_threshold),
            idle: self.idle_session_ttl_seconds,
            intents: &self.intents,
        };
        hex::encode(Sha256::digest(serde_json::to_vec(&v2).unwrap_or_default()))
    }
}

/// The marker in a bot's description that says which deployment owns it.
pub fn ownership_marker(deployment: &str) -> String {
    format!("connect-returns deployment={deployment}")
}

/// The deployment named in a description written by [`ownership_marker`].
pub fn owner_of(description: &str) -> Option<&str> {
    let rest = description.split("connect-returns deployment=").nth(1)?;
    Some(
        rest.split(|c: char| c.is_whitespace() || c == ')' || c == ';')
            .next()
            .unwrap_or(rest),
    )
}

/// The version description that records a fingerprint.
pub fn version_description(fingerprint: &str) -> String {
    format!("connect-returns sha256:{fingerprint}")
}

/// The fingerprint recorded in a version description.
pub fn fingerprint_of(description: &str) -> Option<&str> {
    description
        .split("connect-returns sha256:")
        .nth(1)
        .map(|rest| rest.split_whitespace().next().unwrap_or(rest))
}

/// `arn:aws:lex:<region>:<account>:bot-alias/<botId>/<aliasId>`.
pub fn alias_arn(region: &str, account: &str, bot_id: &str, alias_id: &str) -> String {
    format!("arn:aws:lex:{region}:{account}:bot-alias/{bot_id}/{alias_id}")
}

/// What the bot should be.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub spec: BotSpec,
    pub deployment: String,
    /// The bot role (the stack's output).
    pub role_arn: String,
}

impl Desired {
    pub fn fingerprint(&self) -> String {
        self.spec.fingerprint_v2()
    }
}

/// The `prod` alias as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasState {
    pub alias_id: String,
    pub version: Option<String>,
    pub status: String,
}

/// The bot as Lex reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub bot_id: String,
    pub bot_status: String,
    /// Owner from the description marker.
    pub deployment: Option<String>,
    pub latest_version: Option<String>,
    pub alias: Option<AliasState>,
    /// Fingerprint of the version `prod` points at.
    pub alias_fingerprint: Option<String>,
    /// Fingerprint of the latest numbered version, when it is not the alias's.
    pub latest_fingerprint: Option<String>,
}

async fn find_bot(
    lex: &Client,
    name: &str,
) -> anyhow::Result<Option<aws_sdk_lexmodelsv2::types::BotSummary>> {
    let filter = BotFilter::builder()
        .name(BotFilterName::BotName)
        .operator(BotFilterOperator::Equals)
        .values(name)
        .build()?;
    let mut token = None;
    loop {
        let out = lex
            .list_bots()
            .filters(filter.clone())
            .set_next_token(token)
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "failed to list Lex bots: {}",
                    describe_error(&err.into_service_error())
                )
            })?;
        if let Some(bot) = out
            .bot_summaries()
            .iter()
            .find(|b| b.bot_name() == Some(name))
        {
            return Ok(Some(bot.clone()));
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

async fn find_alias(lex: &Client, bot_id: &str) -> anyhow::Result<Option<AliasState>> {
    let mut token = None;
    loop {
        let out = lex
            .list_bot_aliases()
            .bot_id(bot_id)
            .set_next_token(token)
            .send()
            .await
            .map_err(|err| {
                anyhow::anyhow!(
                    "failed to list the aliases of bot {bot_id}: {}",
                    describe_error(&err.into_service_error())
                )
            })?;
        if let Some(alias) = out
            .bot_alias_summaries()
            .iter()
            .find(|a| a.bot_alias_name() == Some(ALIAS_NAME))
        {
            return Ok(Some(AliasState {
                alias_id: alias.bot_alias_id().unwrap_or_default().to_string(),
                version: alias.bot_version().map(str::to_string),
                status: alias
                    .bot_alias_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            }));
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(None);
        }
    }
}

async fn version_fingerprint(
    lex: &Client,
    bot_id: &str,
    version: &str,
) -> anyhow::Result<Option<String>> {
    match lex
        .describe_bot_version()
        .bot_id(bot_id)
        .bot_version(version)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .description()
            .and_then(fingerprint_of)
            .map(str::to_string)),
        Err(err) => {
            let err = err.into_service_error();
            if err.is_resource_not_found_exception() {
                Ok(None)
            } else {
                Err(anyhow::anyhow!(
                    "failed to describe version {version} of bot {bot_id}: {}",
                    describe_error(&err)
                ))
            }
        }
    }
}

/// Reads the bot by name. Steady state costs three reads. `None` when no bot has that name.
pub async fn read(lex: &Client, bot_name: &str) -> anyhow::Result<Option<Current>> {
    let Some(summary) = find_bot(lex, bot_name).await? else {
        return Ok(None);
    };
    let bot_id = summary.bot_id().unwrap_or_default().to_string();
    let latest_version = summary
        .latest_bot_version()
        .filter(|v| *v != DRAFT)
        .map(str::to_string);
    let alias = find_alias(lex, &bot_id).await?;
    let alias_version = alias
        .as_ref()
        .and_then(|a| a.version.clone())
        .filter(|v| v != DRAFT);
    let alias_fingerprint = match &alias_version {
        Some(version) => version_fingerprint(lex, &bot_id, version).await?,
        None => None,
    };
    let latest_fingerprint = match &latest_version {
        Some(latest) if Some(latest) != alias_version.as_ref() => {
            version_fingerprint(lex, &bot_id, latest).await?
        }
        _ => None,
    };
    Ok(Some(Current {
        bot_id,
        bot_status: summary
            .bot_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        deployment: summary.description().and_then(owner_of).map(str::to_string),
        latest_version,
        alias,
        alias_fingerprint,
        latest_fingerprint,
    }))
}

fn short(fingerprint: &str) -> &str {
    &fingerprint[..fingerprint.len().min(12)]
}

/// Pure: what applying `desired` would do.
pub fn diff(desired: &Desired, current: Option<&Current>) -> Change {
    let Some(current) = current else {
        return Change::Create;
    };
    match current.deployment.as_deref() {
        Some(owner) if owner == desired.deployment => {}
        owner => {
            return conflict(
                match owner {
                    Some(owner) => format!(
                        "Lex bot {} belongs to deployment {owner:?}",
                        desired.spec.name
                    ),
                    None => format!(
                        "Lex bot {} exists but was not created by connect-returns",
                        desired.spec.name
                    ),
                },
                "delete or rename that bot, or deploy into another account or Region",
            );
        }
    }
    let fingerprint = desired.fingerprint();
    let mut fields = Vec::new();
    if current.bot_status != "Available" {
        fields.push(FieldDiff::new(
            "bot status",
            current.bot_status.clone(),
            "Available",
        ));
    }
    match (&current.alias, &current.alias_fingerprint) {
        (None, _) => fields.push(FieldDiff::new(
            format!("alias {ALIAS_NAME}"),
            "(absent)",
            format!("version with definition {}", short(&fingerprint)),
        )),
        (Some(_), Some(old)) if *old == fingerprint => {}
        (Some(alias), old) => fields.push(FieldDiff::new(
            "definition",
            format!(
                "version {} ({})",
                alias.version.as_deref().unwrap_or("none"),
                old.as_deref()
                    .map(short)
                    .unwrap_or("not made by connect-returns")
            ),
            short(&fingerprint).to_string(),
        )),
    }
    if let Some(alias) = current.alias.as_ref().filter(|a| a.status != "Available") {
        fields.push(FieldDiff::new(
            format!("alias {ALIAS_NAME} status"),
            alias.status.clone(),
            "Available",
        ));
    }
    if fields.is_empty() {
        Change::NoOp
    } else {
        Change::from_fields(fields)
    }
}

/// What `apply` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub bot_id: String,
    pub alias_id: String,
    pub alias_arn: String,
    pub version: String,
    pub changed: bool,
}

fn sdk_err<E: aws_sdk_lexmodelsv2::error::ProvideErrorMetadata + std::error::Error>(
    what: &str,
    err: E,
) -> anyhow::Error {
    anyhow::anyhow!("failed to {what}: {}", describe_error(&err))
}

async fn wait_bot_available(
    lex: &Client,
    bot_id: &str,
    name: &str,
    progress: Progress<'_>,
) -> anyhow::Result<aws_sdk_lexmodelsv2::operation::describe_bot::DescribeBotOutput> {
    let started = Instant::now();
    let mut backoff = Backoff::polling();
    loop {
        let out = lex
            .describe_bot()
            .bot_id(bot_id)
            .send()
            .await
            .map_err(|e| sdk_err("describe the bot", e.into_service_error()))?;
        match out.bot_status() {
            Some(BotStatus::Available) => return Ok(out),
            Some(BotStatus::Failed) | Some(BotStatus::Inactive) | Some(BotStatus::Deleting) => {
                let reasons = out.failure_reasons().join("; ");
                anyhow::bail!(
                    "Lex bot {name} is {}: {reasons}",
                    out.bot_status().map(|s| s.as_str()).unwrap_or("?")
                );
            }
            other => {
                if started.elapsed() > WAIT_LIMIT {
                    anyhow::bail!("Lex bot {name} not available after {}", secs(WAIT_LIMIT));
                }
                progress(format!(
                    "lex: waiting for bot {name} to be available ({})",
                    other.map(|s| s.as_str()).unwrap_or("?")
                ));
            }
        }
        backoff.wait().await;
    }
}

/// The bot's description: the definition's, shortened to fit Lex's 200 characters with the
/// ownership marker.
fn bot_description(desired: &Desired) -> String {
    let marker = ownership_marker(&desired.deployment);
    let human: String = desired
        .spec
        .description
        .chars()
        .take(200usize.saturating_sub(marker.len() + 3))
        .collect();
    format!("{human} ({marker})")
}

/// Bot-level settings (role, session TTL, privacy, description) are not versioned: bring them in
/// line when they differ (e.g. the stack's bot role was replaced).
async fn update_bot_settings(
    lex: &Client,
    bot_id: &str,
    desired: &Desired,
    described: &aws_sdk_lexmodelsv2::operation::describe_bot::DescribeBotOutput,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    let spec = &desired.spec;
    let same = described.role_arn() == Some(desired.role_arn.as_str())
        && described.idle_session_ttl_in_seconds() == Some(spec.idle_session_ttl_seconds)
        && described.data_privacy().map(|p| p.child_directed()) == Some(false)
        && described.description() == Some(bot_description(desired).as_str());
    if same {
        return Ok(());
    }
    progress(format!("lex: updating bot {} settings", spec.name));
    lex.update_bot()
        .bot_id(bot_id)
        .bot_name(&spec.name)
        .description(bot_description(desired))
        .role_arn(&desired.role_arn)
        .data_privacy(DataPrivacy::builder().child_directed(false).build())
        .idle_session_ttl_in_seconds(spec.idle_session_ttl_seconds)
        .send()
        .await
        .map_err(|e| sdk_err("update the bot", e.into_service_error()))?;
    wait_bot_available(lex, bot_id, &spec.name, progress).await?;
    Ok(())
}

async fn create_bot(
    lex: &Client,
    desired: &Desired,
    progress: Progress<'_>,
) -> anyhow::Result<String> {
    let spec = &desired.spec;
    progress(format!("lex: creating bot {}", spec.name));
    let started = Instant::now();
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(5));
    loop {
        let result = lex
            .create_bot()
            .bot_name(&spec.name)
            .description(bot_description(desired))
            .role_arn(&desired.role_arn)
            .data_privacy(DataPrivacy::builder().child_directed(false).build())
            .idle_session_ttl_in_seconds(spec.idle_session_ttl_seconds)
            .bot_tags(DEPLOYMENT_TAG, &desired.deployment)
            .test_bot_alias_tags(DEPLOYMENT_TAG, &desired.deployment)
            .send()
            .await;
        match result {
            Ok(out) => return Ok(out.bot_id().unwrap_or_default().to_string()),
            Err(err) => {
                let err = err.into_service_error();
                // A role made seconds ago may not be visible to Lex yet (IAM is eventually consistent).
                let role_not_ready = err.is_validation_exception()
                    && err
                        .message()
                        .is_some_and(|m| m.to_ascii_lowercase().contains("role"));
                if role_not_ready && started.elapsed() < Duration::from_secs(60) {
                    progress(format!(
                        "lex: waiting for role {} to become usable",
                        desired.role_arn
                    ));
                    backoff.wait().await;
                    continue;
                }
                return Err(sdk_err(&format!("create Lex bot {}", spec.name), err));
            }
        }
    }
}

/// Creates or updates the DRAFT locale and intents to match the definition.
async fn upsert_draft(
    lex: &Client,
    bot_id: &str,
    spec: &BotSpec,
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    let voice = VoiceSettings::builder().voice_id(&spec.voice_id).build()?;
    let locale = lex
        .describe_bot_locale()
        .bot_id(bot_id)
        .bot_version(DRAFT)
        .locale_id(&spec.locale)
        .send()
        .await;
    match locale {
        Ok(existing) => {
            let same_voice =
                existing.voice_settings().map(|v| v.voice_id()) == Some(spec.voice_id.as_str());
            let same_threshold = existing
                .nlu_intent_confidence_threshold()
                .is_some_and(|t| (t - spec.nlu_confidence_threshold).abs() < 1e-9);
            if !same_voice || !same_threshold {
                progress(format!("lex: updating locale {}", spec.locale));
                lex.update_bot_locale()
                    .bot_id(bot_id)
                    .bot_version(DRAFT)
                    .locale_id(&spec.locale)
                    .nlu_intent_confidence_threshold(spec.nlu_confidence_threshold)
                    .voice_settings(voice)
                    .send()
                    .await
                    .map_err(|e| sdk_err("update the bot locale", e.into_service_error()))?;
            }
        }
        Err(err) => {
            let err = err.into_service_error();
            if !err.is_resource_not_found_exception() {
                return Err(sdk_err("describe the bot locale", err));
            }
            progress(format!("lex: creating locale {}", spec.locale));
            lex.create_bot_locale()
                .bot_id(bot_id)
                .bot_version(DRAFT)
                .locale_id(&spec.locale)
                .nlu_intent_confidence_threshold(spec.nlu_confidence_threshold)
                .voice_settings(voice)
                .send()
                .await
                .map_err(|e| sdk_err("create the bot locale", e.into_service_error()))?;
        }
    }
    wait_locale(
        lex,
        bot_id,
        spec,
        &[
            BotLocaleStatus::NotBuilt,
            BotLocaleStatus::Built,
            BotLocaleStatus::ReadyExpressTesting,
        ],
        progress,
    )
    .await?;

    let mut existing = BTreeMap::new();
    let mut token = None;
    loop {
        let out = lex
            .list_intents()
            .bot_id(bot_id)
            .bot_version(DRAFT)
            .locale_id(&spec.locale)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk_err("list intents", e.into_service_error()))?;
        for intent in out.intent_summaries() {
            if let (Some(name), Some(id)) = (intent.intent_name(), intent.intent_id()) {
                existing.insert(name.to_string(), id.to_string());
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    for intent in &spec.intents {
        let utterances = intent
            .utterances
            .iter()
            .map(|u| SampleUtterance::builder().utterance(u).build())
            .collect::<Result<Vec<_>, _>>()?;
        match existing.remove(&intent.name) {
            Some(intent_id) => {
                progress(format!("lex: updating intent {}", intent.name));
                lex.update_intent()
                    .bot_id(bot_id)
                    .bot_version(DRAFT)
                    .locale_id(&spec.locale)
                    .intent_id(intent_id)
                    .intent_name(&intent.name)
                    .description(&intent.description)
                    .set_sample_utterances(Some(utterances))
                    .send()
                    .await
                    .map_err(|e| {
                        sdk_err(
                            &format!("update intent {}", intent.name),
                            e.into_service_error(),
                        )
                    })?;
            }
            None => {
                progress(format!("lex: creating intent {}", intent.name));
                lex.create_intent()
                    .bot_id(bot_id)
                    .bot_version(DRAFT)
                    .locale_id(&spec.locale)
                    .intent_name(&intent.name)
                    .description(&intent.description)
                    .set_sample_utterances(Some(utterances))
                    .send()
                    .await
                    .map_err(|e| {
                        sdk_err(
                            &format!("create intent {}", intent.name),
                            e.into_service_error(),
                        )
                    })?;
            }
        }
    }
    for (name, intent_id) in existing
        .into_iter()
        .filter(|(name, _)| name != FALLBACK_INTENT)
    {
        progress(format!(
            "lex: deleting intent {name} (no longer in the definition)"
        ));
        lex.delete_intent()
            .bot_id(bot_id)
            .bot_version(DRAFT)
            .locale_id(&spec.locale)
            .intent_id(intent_id)
            .send()
            .await
            .map_err(|e| sdk_err(&format!("delete intent {name}"), e.into_service_error()))?;
    }
    Ok(())
}

/// Polls the DRAFT locale until it reaches one of `done`; Failed is an error with Lex's reasons.
async fn wait_locale(
    lex: &Client,
    bot_id: &str,
    spec: &BotSpec,
    done: &[BotLocaleStatus],
    progress: Progress<'_>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut backoff = Backoff::long_wait();
    loop {
        let out = lex
            .describe_bot_locale()
            .bot_id(bot_id)
            .bot_version(DRAFT)
            .locale_id(&spec.locale)
            .send()
            .await
            .map_err(|e| sdk_err("describe the bot locale", e.into_service_error()))?;
        let status = out.bot_locale_status().cloned();
        match status {
            Some(ref s) if done.contains(s) => return Ok(()),
            Some(BotLocaleStatus::Failed) => {
                return Err(super::stack::Failure {
                    cause: format!("Lex bot {} locale {} failed to build: {}", spec.name, spec.locale, out.failure_reasons().join("; ")),
                    hint: "fix the bot definition in assets/lex (run `connect-returns validate`) and deploy again".into(),
                }
                .into());
            }
            _ => {}
        }
        if started.elapsed() > WAIT_LIMIT {
            anyhow::bail!(
                "Lex bot {} locale {} still {:?} after {}",
                spec.name,
                spec.locale,
                status,
                secs(WAIT_LIMIT)
            );
        }
        progress(format!(
            "lex: waiting for locale {} of {} ({}, {})",
            spec.locale,
            spec.name,
            status.as_ref().map(|s| s.as_str()).unwrap_or("?"),
            secs(started.elapsed())
        ));
        backoff.wait().await;
    }
}

async fn create_version(
    lex: &Client,
    bot_id: &str,
    desired: &Desired,
    progress: Progress<'_>,
) -> anyhow::Result<String> {
    let spec = &desired.spec;
    let out = lex
        .create_bot_version()
        .bot_id(bot_id)
        .description(version_description(&desired.fingerprint()))
        .bot_version_locale_specification(
            &spec.locale,
            BotVersionLocaleDetails::builder()
                .source_bot_version(DRAFT)
                .build()?,
        )
        .send()
        .await
        .map_err(|e| sdk_err("create a bot version", e.into_service_error()))?;
    let version = out.bot_version().unwrap_or_default().to_string();
    progress(format!("lex: created version {version} of {}", spec.name));
    let started = Instant::now();
    let mut backoff = Backoff::polling();
    loop {
        let described = lex
            .describe_bot_version()
            .bot_id(bot_id)
            .bot_version(&version)
            .send()
            .await
            .map_err(|e| sdk_err("describe the bot version", e.into_service_error()))?;
        match described.bot_status() {
            Some(BotStatus::Available) => return Ok(version),
            Some(BotStatus::Failed) => anyhow::bail!(
                "version {version} of Lex bot {} failed: {}",
                spec.name,
                described.failure_reasons().join("; ")
            ),
            _ if started.elapsed() > WAIT_LIMIT => anyhow::bail!(
                "version {version} of Lex bot {} not available after {}",
                spec.name,
                secs(WAIT_LIMIT)
            ),
            status => progress(format!(
                "lex: waiting for version {version} ({})",
                status.map(|s| s.as_str()).unwrap_or("?")
            )),
        }
        backoff.wait().await;
    }
}

async fn point_alias(
    lex: &Client,
    bot_id: &str,
    desired: &Desired,
    alias: Option<&AliasState>,
    version: &str,
    progress: Progress<'_>,
) -> anyhow::Result<String> {
    let locale = BotAliasLocaleSettings::builder().enabled(true).build();
    let alias_id = match alias {
        Some(alias) => {
            if alias.version.as_deref() != Some(version) {
                progress(format!(
                    "lex: moving alias {ALIAS_NAME} to version {version}"
                ));
                lex.update_bot_alias()
                    .bot_id(bot_id)
                    .bot_alias_id(&alias.alias_id)
                    .bot_alias_name(ALIAS_NAME)
                    .bot_version(version)
                    .bot_alias_locale_settings(&desired.spec.locale, locale)
                    .send()
                    .await
                    .map_err(|e| sdk_err("update the bot alias", e.into_service_error()))?;
            }
            alias.alias_id.clone()
        }
        None => {
            progress(format!(
                "lex: creating alias {ALIAS_NAME} on version {version}"
            ));
            let out = lex
                .create_bot_alias()
                .bot_id(bot_id)
                .bot_alias_name(ALIAS_NAME)
                .bot_version(version)
                .bot_alias_locale_settings(&desired.spec.locale, locale)
                .tags(DEPLOYMENT_TAG, &desired.deployment)
                .send()
                .await
                .map_err(|e| sdk_err("create the bot alias", e.into_service_error()))?;
            out.bot_alias_id().unwrap_or_default().to_string()
        }
    };
    let started = Instant::now();
    let mut backoff = Backoff::polling();
    loop {
        let out = lex
            .describe_bot_alias()
            .bot_id(bot_id)
            .bot_alias_id(&alias_id)
            .send()
            .await
            .map_err(|e| sdk_err("describe the bot alias", e.into_service_error()))?;
        match out.bot_alias_status() {
            Some(BotAliasStatus::Available) => return Ok(alias_id),
            Some(BotAliasStatus::Failed) => {
                anyhow::bail!("alias {ALIAS_NAME} of Lex bot {} failed", desired.spec.name)
            }
            _ if started.elapsed() > WAIT_LIMIT => anyhow::bail!(
                "alias {ALIAS_NAME} not available after {}",
                secs(WAIT_LIMIT)
            ),
            status => progress(format!(
                "lex: waiting for alias {ALIAS_NAME} ({})",
                status.map(|s| s.as_str()).unwrap_or("?")
            )),
        }
        backoff.wait().await;
    }
}

/// Creates or updates the bot so alias `prod` serves a built version of the definition. `region`
/// and `account` (from STS) make the alias ARN. A no-op makes no call.
pub async fn apply(
    lex: &Client,
    region: &str,
    account: &str,
    desired: &Desired,
    current: Option<&Current>,
    progress: Progress<'_>,
) -> anyhow::Result<Applied> {
    let change = diff(desired, current);
    if let Some(refused) = refusal(&change) {
        return Err(refused.into());
    }
    if let (Change::NoOp, Some(current)) = (&change, current) {
        let alias = current.alias.as_ref().expect("a no-op has an alias");
        progress(format!("lex: bot {} up to date", desired.spec.name));
        return Ok(Applied {
            bot_id: current.bot_id.clone(),
            alias_id: alias.alias_id.clone(),
            alias_arn: alias_arn(region, account, &current.bot_id, &alias.alias_id),
            version: alias.version.clone().unwrap_or_default(),
            changed: false,
        });
    }
    let fingerprint = desired.fingerprint();
    let bot_id = match current {
        Some(current) => current.bot_id.clone(),
        None => create_bot(lex, desired, progress).await?,
    };
    let described = wait_bot_available(lex, &bot_id, &desired.spec.name, progress).await?;
    update_bot_settings(lex, &bot_id, desired, &described, progress).await?;

    let alias = current.and_then(|c| c.alias.clone());
    let served = current.and_then(|c| c.alias_fingerprint.as_deref()) == Some(fingerprint.as_str());
    let reusable = current
        .filter(|c| c.latest_fingerprint.as_deref() == Some(fingerprint.as_str()))
        .and_then(|c| c.latest_version.clone());
    let version = if served {
        alias
            .as_ref()
            .and_then(|a| a.version.clone())
            .unwrap_or_default()
    } else if let Some(version) = reusable {
        progress(format!(
            "lex: version {version} already holds this definition"
        ));
        version
    } else {
        upsert_draft(lex, &bot_id, &desired.spec, progress).await?;
        progress(format!(
            "lex: building locale {} of {}",
            desired.spec.locale, desired.spec.name
        ));
        lex.build_bot_locale()
            .bot_id(&bot_id)
            .bot_version(DRAFT)
            .locale_id(&desired.spec.locale)
            .send()
            .await
            .map_err(|e| sdk_err("start the bot build", e.into_service_error()))?;
        wait_locale(
            lex,
            &bot_id,
            &desired.spec,
            &[BotLocaleStatus::Built],
            progress,
        )
        .await?;
        create_version(lex, &bot_id, desired, progress).await?
    };
    let alias_id = point_alias(lex, &bot_id, desired, alias.as_ref(), &version, progress).await?;
    Ok(Applied {
        alias_arn: alias_arn(region, account, &bot_id, &alias_id),
        bot_id,
        alias_id,
        version,
        changed: true,
    })
}

/// What `delete` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Absent,
    Removed,
    /// The bot exists but is not this deployment's; left alone.
    NotOurs {
        owner: Option<String>,
    },
}

/// Deletes alias `prod`, the numbered versions, then the bot, and waits until it is gone.
/// Idempotent; a bot this deployment does not own is left alone. Disassociate it from the
/// Connect instance first.
pub async fn delete(
    lex: &Client,
    bot_name: &str,
    deployment: &str,
    progress: Progress<'_>,
) -> anyhow::Result<Deleted> {
    let Some(summary) = find_bot(lex, bot_name).await? else {
        progress(format!("lex: bot {bot_name} already absent"));
        return Ok(Deleted::Absent);
    };
    let owner = summary.description().and_then(owner_of).map(str::to_string);
    if owner.as_deref() != Some(deployment) {
        progress(format!(
            "lex: bot {bot_name} is not this deployment's; left alone"
        ));
        return Ok(Deleted::NotOurs { owner });
    }
    let bot_id = summary.bot_id().unwrap_or_default().to_string();
    let gone = |err: &aws_sdk_lexmodelsv2::Error| {
        err.code() == Some("ResourceNotFoundException")
            || err.code() == Some("PreconditionFailedException")
    };
    if let Some(alias) = find_alias(lex, &bot_id).await? {
        progress(format!("lex: deleting alias {ALIAS_NAME} of {bot_name}"));
        if let Err(err) = lex
            .delete_bot_alias()
            .bot_id(&bot_id)
            .bot_alias_id(&alias.alias_id)
            .skip_resource_in_use_check(true)
            .send()
            .await
        {
            let err = aws_sdk_lexmodelsv2::Error::from(err);
            if !gone(&err) {
                return Err(sdk_err("delete the bot alias", err));
            }
        }
    }
    let versions = lex
        .list_bot_versions()
        .bot_id(&bot_id)
        .send()
        .await
        .map_err(|e| sdk_err("list bot versions", e.into_service_error()))?;
    for version in versions
        .bot_version_summaries()
        .iter()
        .filter_map(|v| v.bot_version())
        .filter(|v| *v != DRAFT)
    {
        progress(format!("lex: deleting version {version} of {bot_name}"));
        if let Err(err) = lex
            .delete_bot_version()
            .bot_id(&bot_id)
            .bot_version(version)
            .skip_resource_in_use_check(true)
            .send()
            .await
        {
            let err = aws_sdk_lexmodelsv2::Error::from(err);
            if !gone(&err) {
                return Err(sdk_err(&format!("delete bot version {version}"), err));
            }
        }
    }
    progress(format!("lex: deleting bot {bot_name}"));
    if let Err(err) = lex
        .delete_bot()
        .bot_id(&bot_id)
        .skip_resource_in_use_check(true)
        .send()
        .await
    {
        let err = aws_sdk_lexmodelsv2::Error::from(err);
        if !gone(&err) {
            return Err(sdk_err("delete the bot", err));
        }
    }
    let started = Instant::now();
    let mut backoff = Backoff::polling();
    loop {
        match lex.describe_bot().bot_id(&bot_id).send().await {
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                break;
            }
            Err(err) => return Err(sdk_err("describe the bot", err.into_service_error())),
            Ok(out) => {
                if started.elapsed() > WAIT_LIMIT {
                    anyhow::bail!(
                        "Lex bot {bot_name} still {:?} after {}",
                        out.bot_status(),
                        secs(WAIT_LIMIT)
                    );
                }
                progress(format!(
                    "lex: waiting for bot {bot_name} to be deleted ({})",
                    out.bot_status().map(|s| s.as_str()).unwrap_or("?")
                ));
            }
        }
        backoff.wait().await;
    }
    progress(format!("lex: deleted bot {bot_name}"));
    Ok(Deleted::Removed)
}

#[cfg(test)]
pub(crate) mod tests;
