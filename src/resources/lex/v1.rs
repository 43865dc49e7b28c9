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

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::spec::{BotSpec, ownership_marker};
use crate::resources::sdk::describe_error;
use crate::resources::{Change, FieldDiff, conflict};

mod apply;
mod delete;
mod import;
mod read;

pub use apply::apply;
pub use delete::delete;
pub use read::{owner, read};

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

#[cfg(test)]
mod tests;
