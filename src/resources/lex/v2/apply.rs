//! Applying a Lex V2 bot: create it or bring its settings in line, upsert the DRAFT locale and
//! intents, build, create a numbered version when the definition changed, and point alias `prod`
//! at it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_lexmodelsv2::Client;
use aws_sdk_lexmodelsv2::error::ProvideErrorMetadata as _;
use aws_sdk_lexmodelsv2::types::{
    BotAliasLocaleSettings, BotAliasStatus, BotLocaleStatus, BotStatus, BotVersionLocaleDetails,
    DataPrivacy, SampleUtterance, VoiceSettings,
};

use super::super::spec::{BotSpec, ownership_marker};
use super::{
    ALIAS_NAME, AliasState, Applied, Current, DRAFT, Desired, FALLBACK_INTENT, WAIT_LIMIT,
    alias_arn, diff, sdk_err, version_description,
};
use crate::resources::sdk::{Backoff, secs};
use crate::resources::{Change, Progress, TAG_DEPLOYMENT as DEPLOYMENT_TAG, refusal};

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
pub(super) async fn upsert_draft(
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
pub(super) async fn wait_locale(
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
                return Err(crate::resources::stack::Failure {
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

pub(super) async fn create_version(
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
