//! The Lex V1 state model: bots with `$LATEST` and numbered versions and their build status,
//! aliases, intents and slot types (one versioned model), imports, the state dump, and the
//! references a bot makes to intents and an intent to slot types.
use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::*;

/// In-memory Lex V1 state.
#[derive(Default)]
pub struct State {
    pub(super) bots: BTreeMap<String, Bot>,
    pub(super) intents: BTreeMap<String, Versioned>,
    pub(super) slot_types: BTreeMap<String, Versioned>,
    pub(super) imports: BTreeMap<String, Import>,
}

pub(super) struct Bot {
    pub(super) name: String,
    pub(super) latest: Map<String, Value>,
    pub(super) checksum: String,
    pub(super) status: Status,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
    pub(super) versions: BTreeMap<u32, Snap>,
    pub(super) last_version: u32,
    pub(super) aliases: BTreeMap<String, Alias>,
    pub(super) tags: Value,
    /// Set by DeleteBot: the bot is gone for reads at once, but keeps referencing its intents
    /// (DeleteIntent answers ResourceInUse) until it is removed one build duration later.
    pub(super) deleted_at: Option<OffsetDateTime>,
}

#[derive(Clone, PartialEq)]
pub(super) enum Status {
    NotBuilt,
    Building {
        until: OffsetDateTime,
        failure: Option<String>,
    },
    Ready,
    Failed(String),
}

/// A numbered version of a bot, intent or slot type.
pub(super) struct Snap {
    pub(super) def: Map<String, Value>,
    pub(super) checksum: String,
    /// Checksum of `$LATEST` when this version was published (an unchanged `$LATEST` republishes nothing).
    pub(super) source: String,
    pub(super) created: OffsetDateTime,
}

pub(super) struct Alias {
    pub(super) name: String,
    pub(super) bot_version: String,
    pub(super) description: Option<String>,
    pub(super) checksum: String,
    pub(super) conversation_logs: Option<Value>,
    pub(super) tags: Value,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
}

/// An intent or slot type: `$LATEST` plus numbered versions.
pub(super) struct Versioned {
    pub(super) name: String,
    pub(super) latest: Map<String, Value>,
    pub(super) checksum: String,
    pub(super) created: OffsetDateTime,
    pub(super) updated: OffsetDateTime,
    pub(super) versions: BTreeMap<u32, Snap>,
    pub(super) last_version: u32,
}

pub(super) struct Import {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) resource_type: String,
    pub(super) merge_strategy: String,
    pub(super) failures: Vec<String>,
    pub(super) tags: Value,
    pub(super) created: OffsetDateTime,
}

impl State {
    /// Whether a live bot named `name` exists (Connect's AssociateLexBot checks this).
    pub fn bot_exists(&self, name: &str) -> bool {
        self.bots.get(name).is_some_and(|b| b.deleted_at.is_none())
    }

    /// Whether the live bot `bot` has an alias named `alias`.
    pub fn alias_exists(&self, bot: &str, alias: &str) -> bool {
        self.bots
            .get(bot)
            .is_some_and(|b| b.deleted_at.is_none() && b.aliases.contains_key(alias))
    }

    pub(super) fn settle(&mut self, now: OffsetDateTime, build: Duration) {
        self.bots
            .retain(|_, b| b.deleted_at.is_none_or(|t| now < t + build));
        for b in self.bots.values_mut() {
            if let Status::Building { until, failure } = &b.status
                && now >= *until
            {
                b.status = match failure {
                    None => Status::Ready,
                    Some(f) => Status::Failed(f.clone()),
                };
            }
        }
    }

    pub(super) fn live_bot(&self, name: &str) -> Option<&Bot> {
        self.bots.get(name).filter(|b| b.deleted_at.is_none())
    }

    /// The definition of `name` at `version` (`$LATEST` or a number) in `map`.
    pub(super) fn def_at<'a>(
        map: &'a BTreeMap<String, Versioned>,
        name: &str,
        version: &str,
    ) -> Option<&'a Map<String, Value>> {
        let v = map.get(name)?;
        if version == LATEST {
            Some(&v.latest)
        } else {
            v.versions.get(&version.parse().ok()?).map(|s| &s.def)
        }
    }

    /// A bot whose `$LATEST` uses intent `$LATEST` revisions must be rebuilt after they change.
    pub(super) fn intent_changed(&mut self, intent: &str) {
        for b in self.bots.values_mut() {
            let uses = intent_refs(&b.latest).any(|(n, v)| n == intent && v == LATEST);
            if uses && matches!(b.status, Status::Ready | Status::Failed(_)) {
                b.status = Status::NotBuilt;
            }
        }
    }
}

impl crate::core::Snapshot for State {
    fn snapshot(&self) -> Value {
        let bots: Vec<Value> = self
            .bots
            .values()
            .map(|b| {
                json!({
                    "name": b.name, "status": status_name(&b.status), "checksum": b.checksum,
                    "deleted": b.deleted_at.is_some(), "tags": b.tags,
                    "versions": b.versions.keys().map(|v| v.to_string()).collect::<Vec<_>>(),
                    "aliases": b.aliases.values().map(|a| json!({"name": a.name, "botVersion": a.bot_version})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let list = |m: &BTreeMap<String, Versioned>| -> Vec<Value> {
            m.values()
                .map(|v| json!({"name": v.name, "versions": v.versions.keys().map(|n| n.to_string()).collect::<Vec<_>>()}))
                .collect()
        };
        json!({ "bots": bots, "intents": list(&self.intents), "slotTypes": list(&self.slot_types), "imports": self.imports.len() })
    }
}

pub(super) fn status_name(s: &Status) -> &'static str {
    match s {
        Status::NotBuilt => "NOT_BUILT",
        Status::Building { .. } => "BUILDING",
        Status::Ready => "READY",
        Status::Failed(_) => "FAILED",
    }
}

/// The first version of a definition, `$LATEST` and then the numbered versions in order, that
/// `uses` holds for.
pub(super) fn first_version_where(
    latest: &Map<String, Value>,
    versions: &BTreeMap<u32, Snap>,
    uses: impl Fn(&Map<String, Value>) -> bool,
) -> Option<String> {
    if uses(latest) {
        return Some(LATEST.to_string());
    }
    versions
        .iter()
        .find(|(_, s)| uses(&s.def))
        .map(|(n, _)| n.to_string())
}

pub(super) fn intent_refs(def: &Map<String, Value>) -> impl Iterator<Item = (&str, &str)> {
    def.get("intents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i.get("intentName")?.as_str()?,
                i.get("intentVersion")?.as_str()?,
            ))
        })
}

pub(super) fn slot_type_refs(def: &Map<String, Value>) -> impl Iterator<Item = (&str, &str)> {
    def.get("slots")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let t = s.get("slotType")?.as_str()?;
            (!t.starts_with("AMAZON.")).then(|| {
                (
                    t,
                    s.get("slotTypeVersion")
                        .and_then(Value::as_str)
                        .unwrap_or(LATEST),
                )
            })
        })
}
