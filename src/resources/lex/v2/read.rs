//! Reading a Lex V2 bot: found by name in ListBots, its `prod` alias, and the fingerprints the
//! alias's version and the latest version record.

use aws_sdk_lexmodelsv2::Client;
use aws_sdk_lexmodelsv2::types::{BotFilter, BotFilterName, BotFilterOperator};

use super::super::spec::owner_of;
use super::{ALIAS_NAME, AliasState, Current, DRAFT, fingerprint_of};
use crate::resources::sdk::describe_error;

pub(super) async fn find_bot(
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

pub(super) async fn find_alias(lex: &Client, bot_id: &str) -> anyhow::Result<Option<AliasState>> {
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
