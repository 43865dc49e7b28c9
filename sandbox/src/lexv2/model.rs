//! The Lex V2 state model: bots with their draft and numbered versions, locales and their build
//! status, intents and aliases, the state dump, and the alias model a Connect test case walks.
use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;

/// A bot alias as a Connect test-case execution sees it: per usable locale, the intents (not the
/// fallback intent) with their sample utterances. See [`State::alias_model`].
#[derive(Debug, Clone, Default)]
pub struct AliasModel {
    /// Locale id (`en_US`) → `(intent name, sample utterances)` in intent-name order.
    pub locales: BTreeMap<String, Vec<(String, Vec<String>)>>,
}

/// In-memory Lex V2 state.
#[derive(Default)]
pub struct State {
    pub(super) bots: BTreeMap<String, Bot>,
}

pub(super) struct Bot {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) role_arn: String,
    pub(super) data_privacy: Value,
    pub(super) idle_ttl: i64,
    pub(super) extra: Map<String, Value>,
    pub(super) tags: Value,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
    /// Set by DeleteBot; the bot disappears one build duration later.
    pub(super) deleting_since: Option<OffsetDateTime>,
    pub(super) draft: BTreeMap<String, Locale>,
    pub(super) versions: BTreeMap<u32, BotVersion>,
    /// Highest version number ever issued (numbers are never reused).
    pub(super) last_version: u32,
    pub(super) aliases: BTreeMap<String, Alias>,
}

#[derive(Clone)]
pub(super) struct Locale {
    pub(super) id: String,
    pub(super) description: Option<String>,
    pub(super) threshold: f64,
    pub(super) settings: Map<String, Value>,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
    pub(super) status: LocaleStatus,
    pub(super) last_build: Option<OffsetDateTime>,
    pub(super) history: Vec<(String, OffsetDateTime)>,
    pub(super) intents: BTreeMap<String, Intent>,
}

#[derive(Clone, PartialEq)]
pub(super) enum LocaleStatus {
    NotBuilt,
    /// Building until `until`; the outcome (failure reasons, empty = success) is fixed at submission.
    Building {
        until: OffsetDateTime,
        failures: Vec<String>,
    },
    Built,
    Failed(Vec<String>),
}

#[derive(Clone)]
pub(super) struct Intent {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) fields: Map<String, Value>,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
}

pub(super) struct BotVersion {
    pub(super) number: u32,
    pub(super) description: Option<String>,
    pub(super) bot_name: String,
    pub(super) role_arn: String,
    pub(super) data_privacy: Value,
    pub(super) idle_ttl: i64,
    pub(super) extra: Map<String, Value>,
    pub(super) locales: BTreeMap<String, Locale>,
    pub(super) created: OffsetDateTime,
}

pub(super) struct Alias {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) bot_version: Option<String>,
    pub(super) settings: Map<String, Value>,
    pub(super) tags: Value,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
    /// (version, start, end) for DescribeBotAlias's history.
    pub(super) history: Vec<(String, OffsetDateTime, Option<OffsetDateTime>)>,
}

/// The built-in intent that intent members extend (`parentIntentSignature`), if any.
pub(super) fn parent_signature(fields: &Map<String, Value>) -> Option<&str> {
    fields.get("parentIntentSignature").and_then(Value::as_str)
}

impl Intent {
    /// Whether this is the fallback intent (it extends `AMAZON.FallbackIntent`).
    pub(super) fn is_fallback(&self) -> bool {
        parent_signature(&self.fields) == Some(FALLBACK_SIGNATURE)
    }
}

impl State {
    /// Whether `alias_arn` (`arn:aws:lex:{region}:{account}:bot-alias/{botId}/{aliasId}`) names an
    /// alias of a live bot in this sandbox's `region` and `account`.
    pub fn alias_exists_in(&self, region: &str, account: &str, alias_arn: &str) -> bool {
        let prefix = format!("arn:aws:lex:{region}:{account}:bot-alias/");
        let Some(rest) = alias_arn.strip_prefix(&prefix) else {
            return false;
        };
        let Some((bot_id, alias_id)) = rest.split_once('/') else {
            return false;
        };
        self.bots
            .get(bot_id)
            .is_some_and(|b| b.deleting_since.is_none() && b.aliases.contains_key(alias_id))
    }

    /// Whether `alias_arn` names an alias of a live bot, whatever region and account the ARN
    /// carries (use [`State::alias_exists_in`] to also check them).
    pub fn alias_exists(&self, alias_arn: &str) -> bool {
        let parts: Vec<&str> = alias_arn.splitn(6, ':').collect();
        if parts.len() != 6 {
            return false;
        }
        self.alias_exists_in(parts[3], parts[4], alias_arn)
    }

    /// Moves time-driven states forward: finished builds, finished bot deletions.
    pub(super) fn settle(&mut self, now: OffsetDateTime, build: Duration) {
        self.bots
            .retain(|_, b| b.deleting_since.is_none_or(|t| now < t + build));
        for bot in self.bots.values_mut() {
            for loc in bot.draft.values_mut() {
                if let LocaleStatus::Building { until, failures } = &loc.status
                    && now >= *until
                {
                    let done = *until;
                    loc.status = if failures.is_empty() {
                        loc.history.push(("Built".into(), done));
                        LocaleStatus::Built
                    } else {
                        loc.history.push(("Failed".into(), done));
                        LocaleStatus::Failed(failures.clone())
                    };
                }
            }
        }
    }

    /// What a Connect test-case execution needs of a bot alias: for every locale the alias can
    /// serve, its intents and their sample utterances (the built version the alias points at;
    /// `TestBotAlias` serves the DRAFT, which must be `Built`). Numbered aliases serve only the
    /// locales their `botAliasLocaleSettings` enable. `Err` says why the alias cannot answer.
    pub fn alias_model(
        &mut self,
        now: OffsetDateTime,
        build: Duration,
        region: &str,
        account: &str,
        alias_arn: &str,
    ) -> Result<AliasModel, String> {
        self.settle(now, build);
        if !self.alias_exists_in(region, account, alias_arn) {
            return Err(format!("no Lex V2 bot alias {alias_arn} in {region}"));
        }
        let rest = alias_arn.rsplit("bot-alias/").next().unwrap_or_default();
        let (bot_id, alias_id) = rest.split_once('/').unwrap_or_default();
        let bot = &self.bots[bot_id];
        let alias = &bot.aliases[alias_id];
        let version = alias
            .bot_version
            .clone()
            .ok_or_else(|| format!("alias {alias_arn} points at no bot version"))?;
        let (locales, draft) = if version == "DRAFT" {
            (&bot.draft, true)
        } else {
            let n: u32 = version.parse().unwrap_or_default();
            match bot.versions.get(&n) {
                Some(v) => (&v.locales, false),
                None => return Err(format!("version {version} of bot {bot_id} does not exist")),
            }
        };
        let mut out = AliasModel::default();
        for (lid, l) in locales {
            if draft && l.status != LocaleStatus::Built {
                continue;
            }
            if alias.id != TEST_ALIAS_ID
                && alias
                    .settings
                    .get("botAliasLocaleSettings")
                    .and_then(|s| s.get(lid))
                    .and_then(|s| s.get("enabled"))
                    .and_then(Value::as_bool)
                    != Some(true)
            {
                continue;
            }
            let intents = l
                .intents
                .values()
                .filter(|i| !i.is_fallback())
                .map(|i| {
                    let utterances = i
                        .fields
                        .get("sampleUtterances")
                        .and_then(Value::as_array)
                        .map(|list| {
                            list.iter()
                                .filter_map(|u| u.get("utterance").and_then(Value::as_str))
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    (i.name.clone(), utterances)
                })
                .collect::<Vec<(String, Vec<String>)>>();
            let mut intents = intents;
            intents.sort_by(|a, b| a.0.cmp(&b.0));
            out.locales.insert(lid.clone(), intents);
        }
        Ok(out)
    }

    pub(super) fn bot_names(&self) -> impl Iterator<Item = &str> {
        self.bots.values().map(|b| b.name.as_str())
    }
}

impl crate::core::Snapshot for State {
    fn snapshot(&self) -> Value {
        let bots: Vec<Value> = self
            .bots
            .values()
            .map(|b| {
                json!({
                    "botId": b.id,
                    "botName": b.name,
                    "botStatus": bot_status(b),
                    "botTags": b.tags,
                    "locales": b.draft.iter().map(|(k, l)| (k.clone(), json!({
                        "botLocaleStatus": locale_status_name(&l.status),
                        "intents": l.intents.values().map(|i| i.name.clone()).collect::<Vec<_>>(),
                    }))).collect::<Map<String, Value>>(),
                    "versions": b.versions.keys().map(|v| v.to_string()).collect::<Vec<_>>(),
                    "aliases": b.aliases.values().map(|a| json!({
                        "botAliasId": a.id, "botAliasName": a.name, "botVersion": a.bot_version, "tags": a.tags,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "bots": bots })
    }
}

pub(super) fn bot_status(b: &Bot) -> &'static str {
    if b.deleting_since.is_some() {
        "Deleting"
    } else {
        "Available"
    }
}

pub(super) fn locale_status_name(s: &LocaleStatus) -> &'static str {
    match s {
        LocaleStatus::NotBuilt => "NotBuilt",
        LocaleStatus::Building { .. } => "Building",
        LocaleStatus::Built => "Built",
        LocaleStatus::Failed(_) => "Failed",
    }
}
