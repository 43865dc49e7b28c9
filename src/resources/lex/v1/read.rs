//! Reading a Lex V1 bot: its owner and status from `$LATEST`, the version alias `prod` points
//! at and that version's fingerprint, and, when the bot is absent, same-named intents that are
//! not ours.

use aws_sdk_lexmodelbuilding::Client;

use super::super::spec::{BotSpec, owner_of};
use super::{ALIAS_NAME, Current, LATEST, fingerprint_in, is_not_found, sdk_err};

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
