//! Deleting a Lex V2 bot: alias `prod`, then the numbered versions, then the bot, waiting until
//! it is gone.

use std::time::Instant;

use aws_sdk_lexmodelsv2::Client;
use aws_sdk_lexmodelsv2::error::ProvideErrorMetadata as _;

use super::super::spec::owner_of;
use super::read::{find_alias, find_bot};
use super::{ALIAS_NAME, DRAFT, Deleted, WAIT_LIMIT, sdk_err};
use crate::resources::Progress;
use crate::resources::sdk::{Backoff, secs};

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
