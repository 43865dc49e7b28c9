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

use std::time::Duration;

use super::spec::BotSpec;
use crate::resources::sdk::describe_error;
use crate::resources::{Change, FieldDiff, conflict};

mod apply;
mod delete;
mod read;

pub use apply::apply;
pub use delete::delete;
pub use read::read;

/// The alias the flows use.
pub const ALIAS_NAME: &str = "prod";
/// The working version every edit goes to.
const DRAFT: &str = "DRAFT";
/// The built-in intent every locale has; never deleted.
const FALLBACK_INTENT: &str = "FallbackIntent";
/// Longest wait for one Lex state change (bot, locale build, version, alias, delete).
const WAIT_LIMIT: Duration = Duration::from_secs(15 * 60);

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

#[cfg(test)]
pub(crate) mod tests;
